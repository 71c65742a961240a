"""Logging in by mobile, email or user name; lock-out; rate limits; passwords; the audit trail."""

import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from tests.factories import EntrepreneurFactory, OfficialFactory, UserFactory
from tests.helpers import log_in

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
LOGIN = "/accounts/login/"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def person():
    """An entrepreneur whose account name is not their mobile or email."""
    user = UserFactory(username="qian", email="Qian.Zhenhua@Example.com")
    return EntrepreneurFactory(user=user, mobile="13905720001", email="qian.zhenhua@example.com")


def signed_in_as(client):
    return client.session.get("_auth_user_id")


@pytest.mark.parametrize(
    "identifier",
    ["13905720001", "+86 139 0572 0001", "139-0572-0001", "qian.zhenhua@example.com",
     "QIAN.ZHENHUA@EXAMPLE.COM", "qian"],
)
def test_log_in_by_mobile_email_or_user_name(client, person, identifier):
    response = log_in(client, identifier)
    assert response.status_code == 302
    assert response.url == reverse("home")
    assert signed_in_as(client) == str(person.user.pk)


def test_an_official_logs_in_by_mobile(client):
    official = OfficialFactory(mobile="13705720002")
    assert log_in(client, "137 0572 0002").status_code == 302
    assert signed_in_as(client) == str(official.user.pk)


def test_wrong_password_says_so_on_the_form_and_keeps_what_was_typed(client, person):
    response = log_in(client, "13905720001", "wrong password")
    assert response.status_code == 200
    page = response.content.decode()
    assert "do not match an active account" in page or "不匹配" in page
    assert 'value="13905720001"' in page
    assert signed_in_as(client) is None


def test_an_identifier_shared_by_two_accounts_logs_nobody_in(client):
    UserFactory(username="a", email="shared@example.com")
    UserFactory(username="b", email="SHARED@example.com")
    assert log_in(client, "shared@example.com").status_code == 200
    assert signed_in_as(client) is None
    assert log_in(client, "a").status_code == 302  # the unambiguous name still works


def test_a_deactivated_account_cannot_log_in(client, person):
    person.user.is_active = False
    person.user.save(update_fields=["is_active"])
    assert log_in(client, "13905720001").status_code == 200
    assert signed_in_as(client) is None


# --- Lock-out (django-axes) -----------------------------------------------------------------


def test_five_wrong_passwords_lock_the_identifier_however_it_is_typed(client, person, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    for typed in ("13905720001", "+86 13905720001", "139 0572 0001", "13905720001"):
        assert log_in(client, typed, "guess").status_code == 200
    locked = log_in(client, "13905720001", "guess")
    assert locked.status_code == 429
    # Now even the right password is refused, with a page that says why and what to do.
    response = log_in(client, "+86 139 0572 0001")
    assert response.status_code == 429
    page = response.content.decode()
    assert 'data-testid="locked-out"' in page
    assert reverse("password_reset") in page
    assert signed_in_as(client) is None
    kinds = list(AuditEvent.objects.values_list("kind", flat=True))
    # Five wrong passwords, and the right one refused while locked out.
    assert kinds.count(AuditEvent.Kind.LOGIN_FAILED) == 6
    assert AuditEvent.Kind.LOCKED_OUT in kinds


def test_failures_add_up_on_the_account_whichever_identifier_is_typed(client, person):
    for typed in ("13905720001", "qian.zhenhua@example.com", "qian", "QIAN.ZHENHUA@example.com",
                  "+86 139 0572 0001"):
        log_in(client, typed, "guess")
    assert log_in(client, "qian").status_code == 429


def test_a_lock_out_concerns_one_identifier_only(client, person):
    other = EntrepreneurFactory(with_user=True)
    for _ in range(5):
        log_in(client, "13905720001", "guess")
    assert log_in(client, "13905720001").status_code == 429
    assert log_in(client, other.mobile).status_code == 302


def test_the_lock_out_ends_after_the_cool_off(client, person, settings):
    for _ in range(5):
        log_in(client, "13905720001", "guess")
    assert log_in(client, "13905720001").status_code == 429
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(minutes=1)
    )
    assert log_in(client, "13905720001").status_code == 302


def test_a_success_resets_the_failure_count(client, person):
    for _ in range(4):
        log_in(client, "13905720001", "guess")
    assert log_in(client, "13905720001").status_code == 302
    client.logout()
    for _ in range(4):
        log_in(client, "13905720001", "guess")
    assert log_in(client, "13905720001").status_code == 302


def test_the_admin_log_in_is_locked_out_too(client, admin_user):
    for _ in range(5):
        client.post("/admin/login/", {"username": "admin", "password": "guess"})
    response = client.post("/admin/login/", {"username": "admin", "password": "password"})
    assert response.status_code == 429


# --- Rate limits ---------------------------------------------------------------------------


def test_log_in_attempts_from_one_address_are_rate_limited(client, person, settings):
    settings.RATELIMIT_LOGIN = "3/m"
    others = [EntrepreneurFactory(with_user=True) for _ in range(3)]
    for other in others:
        log_in(client, other.mobile, "guess")  # three identifiers, none locked out
    response = log_in(client, "13905720001")
    assert response.status_code == 429
    page = response.content.decode()
    assert "登录失败次数过多" in page and "后再试" in page  # with the time to try again
    assert 'value="13905720001"' in page
    assert signed_in_as(client) is None
    # Another address is not affected.
    assert log_in(client, "13905720001", REMOTE_ADDR="10.1.2.3").status_code == 302


def test_behind_a_trusted_proxy_the_forwarded_address_is_counted(client, person, settings):
    settings.RATELIMIT_LOGIN = "1/m"
    settings.TRUSTED_PROXY_COUNT = 1
    log_in(client, "13905720001", "guess", HTTP_X_FORWARDED_FOR="203.0.113.7")
    limited = log_in(client, "13905720001", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert limited.status_code == 429
    # A different client behind the same proxy is counted on its own.
    assert log_in(client, "13905720001", HTTP_X_FORWARDED_FOR="203.0.113.8").status_code == 302


def test_password_reset_requests_are_rate_limited(client, person, settings):
    settings.RATELIMIT_PASSWORD_RESET = "2/h"
    for _ in range(2):
        client.post(reverse("password_reset"), {"email": "qian.zhenhua@example.com"})
    response = client.post(reverse("password_reset"), {"email": "qian.zhenhua@example.com"})
    assert response.status_code == 429
    assert len(mail.outbox) == 2


# --- Passwords -------------------------------------------------------------------------------


def test_password_reset_by_email_end_to_end(client, person):
    response = client.post(reverse("password_reset"), {"email": "QIAN.zhenhua@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/accounts/reset/\S+/", mail.outbox[0].body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    form_page = client.get("/" + path, follow=True)
    assert form_page.status_code == 200
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": "a new Long passphrase 42",
                                 "new_password2": "a new Long passphrase 42"})
    assert done.status_code == 302
    assert log_in(client, "13905720001", "a new Long passphrase 42").status_code == 302
    # The link worked once.
    client.logout()
    again = client.get("/" + path, follow=True)
    assert again.context["validlink"] is False
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.PASSWORD_SET,
                                     subject=person.user).exists()


def test_a_weak_new_password_is_refused_with_reasons(client, person):
    client.force_login(person.user)
    response = client.post(reverse("password_change"), {
        "old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"})
    assert response.status_code == 200
    errors = response.context["form"].errors["new_password2"]
    assert len(errors) >= 2  # too common and entirely numeric
    person.user.refresh_from_db()
    assert person.user.check_password(PASSWORD)


# --- The audit trail ------------------------------------------------------------------------


def test_log_ins_failures_and_log_outs_are_recorded_with_the_address(client, person):
    log_in(client, "+86 139 0572 0001", "guess", REMOTE_ADDR="198.51.100.4")
    log_in(client, "13905720001", REMOTE_ADDR="198.51.100.4")
    client.post(reverse("logout"))
    events = list(AuditEvent.objects.exclude(kind="role_changed").order_by("id"))
    assert [e.kind for e in events] == ["login_failed", "login", "logout"]
    assert events[0].identifier == "13905720001"
    assert events[0].subject is None
    assert events[1].subject == person.user
    assert {e.ip_address for e in events[:2]} == {"198.51.100.4"}


def test_audit_events_cannot_be_changed(person):
    from accounts.audit import audit_record

    event = audit_record(AuditEvent.Kind.LOGIN, subject=person.user)
    event.message = "edited"
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()


def test_admin_edits_are_recorded_with_who_made_them(admin_client, admin_user):
    official = OfficialFactory()
    department = official.department
    url = reverse("admin:government_department_change", args=[department.pk])
    response = admin_client.post(url, {
        "region": department.region_id, "code": department.code, "name": "新名称局",
        "name_en": department.name_en, "is_active": "on"})
    assert response.status_code == 302
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.ADMIN_EDIT)
    assert event.actor == admin_user
    assert "新名称局" in event.message


def test_only_administrators_can_read_the_audit_trail(client, admin_client):
    url = reverse("admin:accounts_auditevent_changelist")
    assert admin_client.get(url).status_code == 200
    coordinator = OfficialFactory(role="coordinator").user
    client.force_login(coordinator)
    response = client.get(url)
    assert response.status_code == 302
    assert "/admin/login/" in response.url


# --- Content-Security-Policy ---------------------------------------------------------------


def test_pages_carry_a_content_security_policy_without_inline_script(client):
    response = client.get(LOGIN)
    policy = response.headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "<script>" not in response.content.decode()


def test_forms_are_protected_against_cross_site_requests(person):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(LOGIN, {"username": "13905720001", "password": PASSWORD},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert strict.session.get("_auth_user_id") is None
    # The site's own page, which says what to do, not Django's technical one.
    page = response.content.decode()
    assert 'data-testid="csrf-failure"' in page
    assert "reload the page" in page
