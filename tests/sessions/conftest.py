"""The sessions' tests: the session services' world (the screens' and the reminders' tests
build their own), and refusals read in English."""

import pytest
from django.utils import translation

from tests.worlds import session_services_world


@pytest.fixture
def english_refusals():
    """Refusals are asserted in English (the outbox texts stay in the site's Chinese)."""
    with translation.override("en"):
        yield


@pytest.fixture
def world(settings):
    """``tests.worlds.session_services_world``: the clock stands still while the test runs."""
    yield from session_services_world(settings)
