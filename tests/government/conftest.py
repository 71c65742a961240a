"""The officials' tests: messages in English with fresh rate limits, and their world."""

import pytest
from django.core.cache import cache
from django.utils import translation

from tests.worlds import OfficialsWorld


@pytest.fixture(autouse=True)
def _english_and_fresh_limits(settings):
    """Messages are compared in English (the catalogues may translate them later)."""
    settings.LANGUAGE_CODE = "en"
    cache.clear()
    with translation.override("en"):
        yield
    cache.clear()


@pytest.fixture
def world():
    return OfficialsWorld()


