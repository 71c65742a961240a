"""Small helpers the test families share: the clock, logging in, reading a response.

The people, departments and regions a test needs are built in ``tests.worlds``; the rows
themselves by ``tests.factories``.
"""

from contextlib import contextmanager
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import time_machine
from django.urls import reverse

#: The programme's time zone: every day and hour in the tests is a Huzhou one.
SHANGHAI = ZoneInfo("Asia/Shanghai")
#: The password ``tests.factories.UserFactory`` gives every account.
PASSWORD = "correct horse battery staple"  # noqa: S105 - the test accounts' password


# --- The clock --------------------------------------------------------------------------


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """``hour:minute`` on ``day``, Huzhou time."""
    return datetime.combine(day, time(hour, minute), SHANGHAI)


@contextmanager
def on(day: date, hour: int = 10, minute: int = 0):
    """The clock stands still at ``hour:minute`` on ``day`` (Huzhou time) inside the block."""
    with time_machine.travel(at(day, hour, minute), tick=False):
        yield


# --- Rows as the next request reads them --------------------------------------------------


def fresh(instance):
    """The row read again from the database (a user's permissions are cached per object)."""
    return type(instance).objects.get(pk=instance.pk)


# --- Logging in ---------------------------------------------------------------------------


def signed_in(client, user):
    """The test client logged in as ``user`` (nobody if ``user`` is None), for chaining."""
    if user is not None:
        client.force_login(user)
    return client


def log_in(client, username, password=PASSWORD, **extra):
    """Logging in through the form, as a person does (``extra``: e.g. ``REMOTE_ADDR``)."""
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


# --- Reading a response -------------------------------------------------------------------


def message_texts(response) -> list[str]:
    """The texts of the messages (django.contrib.messages) the request added."""
    return [str(message) for message in response.wsgi_request._messages]
