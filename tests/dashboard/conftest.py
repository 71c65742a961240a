"""The dashboard's tests: the hand-made world of its screens (a module that needs another
world overrides it), and the programme its figures are checked against."""

import pytest
from django.db import transaction
from django.test import override_settings

from tests.dashboard.programme import build_programme
from tests.worlds import DashboardWorld, dashboard_world


@pytest.fixture
def world() -> DashboardWorld:
    """``tests.worlds.dashboard_world``: Wuxing and Anji, five issues, two held sessions."""
    return dashboard_world()


@pytest.fixture(scope="module")
def programme(django_db_setup, django_db_blocker):
    """Built once; every test runs in a savepoint inside this transaction, rolled back last."""
    with django_db_blocker.unblock(), transaction.atomic():
        with override_settings(ISSUE_MAX_ROUNDS=2, ISSUE_RATING_REMINDER_DAYS=3,
                               ISSUE_RATING_CLOSE_DAYS=10, SESSION_CHECK_IN_OPENS_MINUTES=120,
                               PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
            built = build_programme()
        yield built
        transaction.set_rollback(True)
