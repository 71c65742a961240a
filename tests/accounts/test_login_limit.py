"""The per-address log-in limit counts failures only, and every refusal says when to try
again (issue 16: an office behind one NAT, or the venue's Wi-Fi, was locked out by its own
successful log-ins, with no time given)."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django_ratelimit.core import _get_window

from tests.factories import EntrepreneurFactory, UserFactory
from tests.helpers import SHANGHAI, log_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

NOON = datetime(2027, 3, 8, 12, 0, tzinfo=SHANGHAI)
ADDRESS = "127.0.0.1"  # the test client's


def window_end(settings) -> datetime:
    """Where django-ratelimit's current window for the test client's address ends."""
    count, period = settings.RATELIMIT_LOGIN.split("/")
    seconds = {"10m": 600}[period]
    return datetime.fromtimestamp(_get_window(ADDRESS, seconds), tz=SHANGHAI)


def test_forty_successful_log_ins_from_one_address_all_succeed(client, settings):
    assert settings.RATELIMIT_LOGIN == "30/10m"
    people = [EntrepreneurFactory(with_user=True) for _ in range(40)]
    for person in people:
        response = log_in(client, person.mobile)
        assert response.status_code == 302, response.content.decode()[:200]
        client.logout()


def test_forty_successful_admin_log_ins_all_succeed(client):
    UserFactory(username="root", is_staff=True, is_superuser=True)
    for _ in range(40):
        response = client.post("/admin/login/", {"username": "root", "password":
                                                 "correct horse battery staple"})
        assert response.status_code == 302
        client.logout()


def test_failures_lock_the_address_until_the_window_ends_and_say_when(client, settings):
    person = EntrepreneurFactory(with_user=True)
    with time_machine.travel(NOON, tick=False) as clock:
        until = window_end(settings)
        for n in range(30):  # thirty names, so that no one account is locked out
            assert log_in(client, f"nobody{n}", "guess").status_code == 200

        response = log_in(client, person.mobile)

        assert response.status_code == 429
        page = response.content.decode()
        minutes = -(-int((until - NOON).total_seconds()) // 60)
        assert (f"Please try again after {until:%H:%M} "
                f"(in {minutes} minute{'s' if minutes > 1 else ''})") in page
        assert "_auth_user_id" not in client.session
        # The admin's door says the same.
        admin = client.post("/admin/login/", {"username": "root", "password": "x"})
        assert admin.status_code == 429
        assert f"Please try again after {until:%H:%M}" in admin.content.decode()

        # A minute before the window ends: still refused; once it has ended: let in.
        clock.move_to(until - timedelta(seconds=30))
        assert log_in(client, person.mobile).status_code == 429
        clock.move_to(until + timedelta(seconds=1))
        assert log_in(client, person.mobile).status_code == 302


def test_refused_attempts_do_not_count_again(client, settings):
    """Once over the limit, knocking again does not push the time back."""
    settings.RATELIMIT_LOGIN = "3/10m"
    person = EntrepreneurFactory(with_user=True)
    with time_machine.travel(NOON, tick=False) as clock:
        until = window_end(settings)
        for n in range(3):
            log_in(client, f"nobody{n}", "guess")
        for _ in range(10):
            assert log_in(client, f"nobody{n}", "guess").status_code == 429
        clock.move_to(until + timedelta(seconds=1))
        assert log_in(client, person.mobile).status_code == 302


def test_an_account_locked_by_wrong_passwords_says_until_when(client, settings):
    person = EntrepreneurFactory(with_user=True)
    with time_machine.travel(NOON, tick=False) as clock:
        for _ in range(5):
            log_in(client, person.mobile, "guess")
        clock.move_to(NOON + timedelta(minutes=4))

        response = log_in(client, person.mobile)

        assert response.status_code == 429
        page = response.content.decode()
        assert 'data-testid="locked-out"' in page
        assert "cannot log in until 12:15 (in 11 minutes)" in page
        assert reverse("password_reset") in page

        clock.move_to(NOON + timedelta(minutes=15, seconds=1))
        assert log_in(client, person.mobile).status_code == 302


def test_in_chinese_the_refusal_names_the_time_too(client, settings):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    settings.RATELIMIT_LOGIN = "1/10m"
    person = EntrepreneurFactory(with_user=True)
    with time_machine.travel(NOON, tick=False):
        until = window_end(settings)
        log_in(client, "nobody", "guess")
        page = log_in(client, person.mobile).content.decode()
    assert f"请于 {until:%H:%M} 后再试" in page
