"""Single sign-on for officials, against a local OpenID Connect provider (tests/oidc/provider.py).

Each journey goes through the real views with Django's test client: the log-in page's button,
``/oidc/authenticate/`` (which redirects to the provider with a state and a nonce), the
provider's authorization page (over HTTP, on 127.0.0.1), and ``/oidc/callback/`` with the code
the provider gave, which the site exchanges at the provider's token endpoint and checks
(signature by the JWKS, nonce, audience, userinfo's subject).
"""

import html
import importlib
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import override_settings
from django.urls import clear_url_caches, reverse

import huzhou_talks.urls
from accounts.models import AuditEvent
from government.oidc import BACKEND, OfficialOIDCBackend
from tests.factories import EntrepreneurFactory, OfficialFactory
from tests.helpers import log_in
from tests.oidc.provider import CLIENT_ID, CLIENT_SECRET, FakeProvider, new_key, running

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

User = get_user_model()

NO_ACCOUNT = "matches no single official's account here"
DEACTIVATED = "Your official account is deactivated."
FAILED = "Signing in with Zhezhengding did not succeed."


@pytest.fixture(scope="module")
def key():
    return new_key()


def remount_urls():
    """huzhou_talks.urls mounts /oidc/ only when SSO is configured at start-up."""
    importlib.reload(huzhou_talks.urls)
    clear_url_caches()


@pytest.fixture
def provider(key, monkeypatch, settings):
    """The fake provider running, and the site configured for it, as its settings block
    would be with the OIDC_* variables set."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    with running(FakeProvider(key=key)) as fake, override_settings(
        OIDC_ENABLED=True,
        OIDC_RP_CLIENT_ID=CLIENT_ID,
        OIDC_RP_CLIENT_SECRET=CLIENT_SECRET,
        OIDC_OP_AUTHORIZATION_ENDPOINT=fake.endpoint("authorize"),
        OIDC_OP_TOKEN_ENDPOINT=fake.endpoint("token"),
        OIDC_OP_USER_ENDPOINT=fake.endpoint("userinfo"),
        OIDC_OP_JWKS_ENDPOINT=fake.endpoint("jwks"),
        AUTHENTICATION_BACKENDS=[*settings.AUTHENTICATION_BACKENDS, BACKEND],
    ):
        remount_urls()
        try:
            yield fake
        finally:
            fake.person = {}
    remount_urls()


def sign_in(client, provider, person, *, next_url=None):
    """The journey: the button's link, the provider's page (where ``person`` signs in), and
    back to the callback with the code. Returns the callback's response."""
    provider.person = person
    query = {"next": next_url} if next_url else {}
    response = client.get(reverse("oidc:authenticate"), query)
    assert response.status_code == 302
    to_provider = response["Location"]
    assert to_provider.startswith(provider.endpoint("authorize") + "?")
    sent = parse_qs(urlsplit(to_provider).query)
    assert sent["state"][0] and sent["nonce"][0]
    assert sent["redirect_uri"] == [settings.SITE_URL.rstrip("/") + "/oidc/callback/"]
    assert sent["scope"] == ["openid email phone"]
    at_provider = requests.get(to_provider, allow_redirects=False, timeout=5)
    assert at_provider.status_code == 302
    back = urlsplit(at_provider.headers["Location"])
    assert back.path == reverse("oidc:callback")
    code = parse_qs(back.query)
    assert code["state"] == sent["state"] and code["code"][0]
    return client.get(back.path, {"code": code["code"][0], "state": code["state"][0]})


def refused_with(client, response, text: str) -> None:
    """The callback sent the person back to the log-in page, not logged in, with ``text``."""
    assert response.status_code == 302
    assert response["Location"] == reverse("oidc:failed")
    page = client.get(response["Location"], follow=True)
    assert page.redirect_chain[-1][0] == reverse("login")
    assert page.status_code == 200
    assert text in html.unescape(page.content.decode())
    assert not page.wsgi_request.user.is_authenticated


def person(sub="zzd-1", **claims) -> dict:
    return {"sub": sub, **claims}


# --- Who gets in -----------------------------------------------------------------------


def test_an_official_matched_by_mobile_lands_on_their_home_page(client, provider):
    official = OfficialFactory(mobile="13905720001")
    users_before = User.objects.count()

    response = sign_in(client, provider,
                       person(phone_number="+86 139 0572 0001", phone_number_verified=True))

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    home = client.get(response["Location"])
    assert home.wsgi_request.user == official.user
    assert "home/department.html" in [t.name for t in home.templates]
    assert User.objects.count() == users_before
    # The audit trail has the log-in, as for a password log-in.
    login = AuditEvent.objects.get(kind=AuditEvent.Kind.LOGIN)
    assert login.subject == official.user and login.actor == official.user
    # The provider was asked for the token with the client's credentials, and the JWKS.
    paths = [path for _method, path, _query in provider.calls]
    assert paths == ["/authorize", "/token", "/jwks", "/userinfo"]


def test_an_official_matched_by_email_any_case(client, provider):
    official = OfficialFactory(user__email="Wang.Fang@huzhou.gov.cn", mobile="")

    response = sign_in(client, provider,
                       person(email="wang.fang@HUZHOU.gov.cn", email_verified=True))

    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).wsgi_request.user == official.user


def test_the_page_asked_for_comes_after_the_log_in(client, provider):
    official = OfficialFactory(mobile="13905720001")

    response = sign_in(client, provider, person(phone_number="13905720001"),
                       next_url=reverse("issues:list"))

    assert response["Location"] == reverse("issues:list")
    assert client.get(response["Location"]).wsgi_request.user == official.user


# --- Who does not ------------------------------------------------------------------------


def test_an_unknown_person_is_refused_and_no_account_is_created(client, provider):
    OfficialFactory(mobile="13905720001", user__email="someone@huzhou.gov.cn")
    users_before = User.objects.count()

    response = sign_in(client, provider,
                       person(phone_number="13905729999", email="stranger@example.com"))

    refused_with(client, response, NO_ACCOUNT)
    assert User.objects.count() == users_before
    failure = AuditEvent.objects.get(kind=AuditEvent.Kind.LOGIN_FAILED)
    assert failure.identifier == "13905729999"
    assert "no official has that mobile or email" in failure.message
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.LOGIN).exists()


def test_an_entrepreneur_with_that_mobile_is_refused(client, provider):
    EntrepreneurFactory(with_user=True, mobile="13905720002")

    response = sign_in(client, provider, person(phone_number="13905720002"))

    refused_with(client, response, NO_ACCOUNT)


def test_a_deactivated_official_is_refused(client, provider):
    official = OfficialFactory(mobile="13905720001")
    official.user.is_active = False
    official.user.save()

    response = sign_in(client, provider, person(phone_number="13905720001"))

    refused_with(client, response, DEACTIVATED)


def test_two_officials_sharing_an_email_are_both_refused(client, provider):
    OfficialFactory(user__email="office@huzhou.gov.cn", mobile="")
    OfficialFactory(user__email="OFFICE@huzhou.gov.cn", mobile="")

    response = sign_in(client, provider, person(email="office@huzhou.gov.cn"))

    refused_with(client, response, NO_ACCOUNT)
    assert "2 active officials" in AuditEvent.objects.get(
        kind=AuditEvent.Kind.LOGIN_FAILED).message


def test_mobile_and_email_naming_two_officials_are_refused(client, provider):
    OfficialFactory(mobile="13905720001")
    OfficialFactory(user__email="li@huzhou.gov.cn")

    response = sign_in(client, provider,
                       person(phone_number="13905720001", email="li@huzhou.gov.cn"))

    refused_with(client, response, NO_ACCOUNT)


def test_an_unverified_email_or_mobile_matches_nobody(client, provider):
    OfficialFactory(user__email="li@huzhou.gov.cn", mobile="13905720001")

    response = sign_in(client, provider, person(
        email="li@huzhou.gov.cn", email_verified=False,
        phone_number="13905720001", phone_number_verified=False))

    refused_with(client, response, NO_ACCOUNT)


# --- A provider's answer that cannot be trusted -------------------------------------------


def test_an_id_token_altered_after_signing_is_refused(client, provider):
    OfficialFactory(mobile="13905720001")
    provider.alter_payload = True

    response = sign_in(client, provider, person(phone_number="13905720001"))

    refused_with(client, response, FAILED)
    failure = AuditEvent.objects.get(kind=AuditEvent.Kind.LOGIN_FAILED)
    assert "JWS token verification failed" in failure.message


def test_an_id_token_signed_with_another_key_is_refused(client, provider):
    OfficialFactory(mobile="13905720001")
    provider.signing_key = new_key()

    response = sign_in(client, provider, person(phone_number="13905720001"))

    refused_with(client, response, FAILED)


@pytest.mark.parametrize("claims", [
    {"aud": "another-client"},
    {"exp": 1_000_000_000},  # 2001
    {"exp": None},
    {"nonce": "not-the-one-sent"},
], ids=["audience", "expired", "no-expiry", "nonce"])
def test_an_id_token_not_meant_for_this_log_in_is_refused(client, provider, claims):
    OfficialFactory(mobile="13905720001")
    provider.id_token_claims = claims

    response = sign_in(client, provider, person(phone_number="13905720001"))

    refused_with(client, response, FAILED)


def test_userinfo_about_another_subject_is_refused(client, provider):
    OfficialFactory(mobile="13905720001")
    provider.id_token_claims = {"sub": "zzd-somebody-else"}

    response = sign_in(client, provider, person(phone_number="13905720001"))

    refused_with(client, response, FAILED)
    failure = AuditEvent.objects.get(kind=AuditEvent.Kind.LOGIN_FAILED)
    assert "another subject" in failure.message


def test_a_wrong_client_secret_is_refused_by_the_provider(client, provider, settings):
    OfficialFactory(mobile="13905720001")
    settings.OIDC_RP_CLIENT_SECRET = "not-the-secret"  # noqa: S105

    response = sign_in(client, provider, person(phone_number="13905720001"))

    refused_with(client, response, FAILED)


def test_an_unreachable_provider_is_a_refusal_not_an_error(client, provider, settings):
    OfficialFactory(mobile="13905720001")
    settings.OIDC_OP_TOKEN_ENDPOINT = "http://127.0.0.1:1/token"  # nothing listens there

    response = sign_in(client, provider, person(phone_number="13905720001"))

    refused_with(client, response, FAILED)
    assert "ConnectionError" in AuditEvent.objects.get(kind=AuditEvent.Kind.LOGIN_FAILED).message


def test_a_code_cannot_be_used_twice_nor_a_state_from_another_browser(client, provider):
    OfficialFactory(mobile="13905720001")
    response = sign_in(client, provider, person(phone_number="13905720001"))
    assert response["Location"] == reverse("home")
    callback = provider.calls[0][2]  # the authorization request: its state
    client.logout()

    again = client.get(reverse("oidc:callback"), {"code": "x", "state": callback["state"]})

    refused_with(client, again, FAILED)


def test_cancelled_at_the_provider(client, provider):
    response = client.get(reverse("oidc:callback"), {"error": "access_denied", "state": "x"})

    refused_with(client, response, "Signing in with Zhezhengding was cancelled.")


def test_refusals_do_not_lock_single_sign_on_for_anyone_else(client, provider):
    """django-axes counts failed password log-ins per user name; refusals here must not
    add up under one empty name and lock every official out of single sign-on."""
    official = OfficialFactory(mobile="13905720001")
    for attempt in range(7):
        refused_with(client, sign_in(client, provider, person(phone_number=f"1390572999{attempt}")),
                     NO_ACCOUNT)

    response = sign_in(client, provider, person(phone_number="13905720001"))

    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).wsgi_request.user == official.user


# --- The log-in page ----------------------------------------------------------------------


def test_the_log_in_page_links_to_the_provider_when_sso_is_on(client, provider):
    page = client.get(reverse("login"), {"next": "/issues/"})

    text = page.content.decode()
    assert 'data-testid="sso-login"' in text
    assert 'href="/oidc/authenticate/?next=%2Fissues%2F"' in text
    assert "Sign in with Zhezhengding" in text
    # The form still posts to the site; the button is a plain link (CSP form-action 'self').
    assert "form-action 'self'" in page["Content-Security-Policy"]


def test_the_button_says_the_configured_provider_name(client, provider, settings):
    settings.OIDC_PROVIDER_NAME = "Zhejiang ID"

    assert "Sign in with Zhejiang ID" in client.get(reverse("login")).content.decode()


def test_in_chinese_the_button_says_zhezhengding(client, provider):
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert "使用浙政钉登录" in page.content.decode()


def test_password_log_in_still_works_and_never_calls_the_provider(client, provider):
    official = OfficialFactory(mobile="13905720001")

    response = client.post(reverse("login") + "?code=x&state=y",
                           {"username": "13905720001", "password": "correct horse battery staple"})

    assert response.status_code == 302
    assert client.get(reverse("home")).wsgi_request.user == official.user
    assert provider.calls == []


def test_sso_off_no_button_and_no_oidc_urls(client):
    assert not any(str(p.pattern) == "oidc/" for p in huzhou_talks.urls.urlpatterns)

    assert 'data-testid="sso-login"' not in client.get(reverse("login")).content.decode()
    assert client.get("/oidc/authenticate/").status_code == 404
    assert client.get("/oidc/callback/?code=x&state=y").status_code == 404
    assert log_in(client, "nobody").status_code == 200  # the password form is unchanged


def test_the_redirect_uri_is_on_the_public_address_whatever_the_host(client, provider, settings):
    """The provider registers one redirect URI: SITE_URL's, not the Host header's."""
    settings.SITE_URL = "https://talks.example.gov.cn/"
    official = OfficialFactory(mobile="13905720001")

    response = sign_in(client, provider, person(phone_number="13905720001"))

    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).wsgi_request.user == official.user
    authorization, token = provider.calls[0][2], provider.calls[1][2]
    assert authorization["redirect_uri"] == token["redirect_uri"] == (
        "https://talks.example.gov.cn/oidc/callback/")


def test_deactivating_an_official_ends_their_single_sign_on_session(client, provider):
    official = OfficialFactory(mobile="13905720001")
    sign_in(client, provider, person(phone_number="13905720001"))
    assert client.get(reverse("home")).wsgi_request.user == official.user

    official.user.is_active = False
    official.user.save()

    assert not client.get(reverse("home")).wsgi_request.user.is_authenticated


def test_matching_is_one_query_however_many_officials(provider, django_assert_num_queries):
    for _ in range(5):
        OfficialFactory()
    official = OfficialFactory(mobile="13905720001", user__email="li@huzhou.gov.cn")
    backend = OfficialOIDCBackend()

    with django_assert_num_queries(1):
        users = backend.filter_users_by_claims(
            {"sub": "x", "phone_number": "13905720001", "email": "LI@huzhou.gov.cn"})

    assert users == [official.user]
