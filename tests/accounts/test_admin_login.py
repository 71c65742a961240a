"""The admin's log-in page is the site's second door: one address limit and one lock-out
for both (issue 15, defect 4: /admin/login/ checked every password the site had refused)."""

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from tests.factories import UserFactory
from tests.helpers import PASSWORD, log_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

ADMIN_LOGIN = "/admin/login/"
TOO_MANY = "Too many failed log-ins from your network"


@pytest.fixture
def administrator():
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def admin_log_in(client, username, password=PASSWORD, **extra):
    return client.post(ADMIN_LOGIN, {"username": username, "password": password,
                                     "next": reverse("admin:index")}, **extra)


def passwords_checked() -> int:
    """Failed log-ins recorded: one per password actually checked and found wrong."""
    return AuditEvent.objects.filter(kind=AuditEvent.Kind.LOGIN_FAILED).count()


def test_the_admin_log_in_still_works(client, administrator):
    response = admin_log_in(client, "root")
    assert response.status_code == 302 and response.url == reverse("admin:index")
    assert client.get(reverse("admin:index")).status_code == 200


def test_after_the_site_refuses_an_address_the_admin_checks_no_password(client, administrator,
                                                                          settings):
    """The run that found the defect: the site had answered 429, then 40 wrong passwords at
    /admin/login/ were all checked. Now none is, and the right one is refused too."""
    settings.RATELIMIT_LOGIN = "3/m"
    for n in range(3):
        log_in(client, f"nobody{n}", "guess")
    assert log_in(client, "root").status_code == 429
    checked = passwords_checked()

    for n in range(40):
        response = admin_log_in(client, "root", f"guess{n}")
        assert response.status_code == 429
    assert passwords_checked() == checked

    response = admin_log_in(client, "root")
    assert response.status_code == 429
    assert TOO_MANY in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Another address is not affected.
    assert admin_log_in(client, "root", REMOTE_ADDR="10.9.8.7").status_code == 302


def test_attempts_at_the_admin_count_against_the_site_too(client, administrator, settings):
    settings.RATELIMIT_LOGIN = "3/m"
    for n in range(3):
        assert admin_log_in(client, f"nobody{n}", "guess").status_code == 200
    response = log_in(client, "root")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_wrong_passwords_at_both_doors_add_up_to_one_lock_out(client, administrator, settings):
    settings.AXES_FAILURE_LIMIT = 4
    log_in(client, "root", "guess")
    admin_log_in(client, "root", "guess")
    log_in(client, "root", "guess")
    admin_log_in(client, "root", "guess")
    assert admin_log_in(client, "root").status_code == 429
    assert log_in(client, "root").status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_user_name_longer_than_any_account_is_refused_on_the_form(client):
    """On PostgreSQL a 10,000-character name reached the lock-out's log and broke it."""
    response = client.post(reverse("admin:login"), {"username": "😀" * 10_000,
                                                     "password": "x"})
    assert response.status_code == 200
    errors = response.context["form"].errors.as_data()
    assert [error.code for error in errors["username"]] == ["max_length"]
