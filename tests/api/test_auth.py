"""Signing in to the API: the Authorization header's variants, the session with CSRF,
system keys acting as their service account, the rate limits, and the admin issuing keys."""

import logging
import re
import socket

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.urls import reverse
from redis.exceptions import ConnectionError as RedisConnectionError
from rest_framework.test import APIClient

from api.models import ApiToken
from government.models import Official
from notifications.models import Notification
from tests.api.conftest import assert_problem, bearer
from tests.helpers import log_in, message_texts

TOKENS = "/api/v1/tokens/"


# --- The header -------------------------------------------------------------------------------


def test_no_credentials_is_a_401_with_the_bearer_challenge(api, db):
    response = api.get(TOKENS)
    assert_problem(response, 401, "not-authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", [
    "Bearer",                          # no token
    "Bearer hzt_abc_def extra",        # two tokens
    "Bearer not-a-token",              # not ours
    "Bearer hzt_",                     # no prefix, no secret
    "Bearer hzt_deadbeef_",            # no secret
    "bearer hzt_deadbeef_wrong",       # an unknown prefix
])
def test_a_malformed_or_unknown_token_is_a_401(api, db, header):
    response = api.get(TOKENS, HTTP_AUTHORIZATION=header)
    assert_problem(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_wrong_secret_is_a_401_that_does_not_say_which_part(api, world, coordinator_token):
    token, text = coordinator_token
    wrong = f"hzt_{token.prefix}_{'x' * 40}"
    body = assert_problem(api.get(TOKENS, HTTP_AUTHORIZATION=f"Bearer {wrong}"), 401,
                          "invalid-token")
    unknown = assert_problem(api.get(TOKENS, HTTP_AUTHORIZATION="Bearer hzt_00000000_y"), 401,
                             "invalid-token")
    assert body["detail"] == unknown["detail"]


def test_a_non_ascii_header_is_a_401_not_a_500(api, db):
    response = api.get(TOKENS, HTTP_AUTHORIZATION="Bearer hzt_令牌_秘密".encode().decode("latin-1"))
    assert_problem(response, 401)


def test_the_token_is_the_requests_auth_and_its_person_the_user(api, world, coordinator_token):
    token, text = coordinator_token
    response = bearer(api, text).get(TOKENS)
    assert response.wsgi_request.user == world.users["coordinator"]
    assert response.wsgi_request.auth == token


def test_a_deactivated_persons_token_stops_working(api, world, entrepreneur_token):
    user = world.users["entrepreneur"]
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert_problem(bearer(api, entrepreneur_token[1]).get(TOKENS), 401, "invalid-token")


# --- The session ------------------------------------------------------------------------------


def test_the_session_signs_in_the_sites_own_pages_with_csrf(world):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.users["handler"])
    assert client.get(TOKENS).status_code == 200
    # A change without the CSRF token is refused, as on every page of the site.
    refused = client.post(TOKENS, {"name": "x"}, format="json")
    assert_problem(refused, 403, "permission-denied")
    assert "CSRF" in refused.json()["detail"]
    assert not ApiToken.objects.exists()


# --- System keys ------------------------------------------------------------------------------


@pytest.fixture
def issued(admin_client, world):
    """A read-write coordinator key of the county's lead department, issued in the admin:
    (response, key text)."""
    response = admin_client.post(reverse("admin:api_apitoken_add"), {
        "name": "12345 hotline", "role": Official.Role.COORDINATOR,
        "department": world.lead_department.pk, "writable": "on",
    }, follow=True)
    texts = " ".join(message_texts(response))
    match = re.search(r"hzt_[0-9a-f]+_[\w-]+", texts)
    assert match, texts
    return response, match.group(0)


def test_the_admin_issues_a_system_key_shown_once(admin_client, issued, world):
    response, text = issued
    key = ApiToken.objects.get(kind=ApiToken.Kind.SYSTEM)
    assert key.writable and key.name == "12345 hotline"
    official = Official.objects.get(user=key.user)
    assert official.role == Official.Role.COORDINATOR
    assert official.department == world.lead_department  # and so the county
    # The key's page shows it read-only, without the text.
    page = admin_client.get(reverse("admin:api_apitoken_change", args=[key.pk]))
    assert page.status_code == 200 and text.encode() not in page.content


def test_a_system_key_acts_as_its_service_account(api, issued, world):
    _response, text = issued
    request = bearer(api, text).get(TOKENS).wsgi_request
    assert request.user.official.role == Official.Role.COORDINATOR
    assert request.user.official.department.region == world.county


def test_the_service_account_cannot_log_in_to_the_pages(client, issued):
    key = ApiToken.objects.get(kind=ApiToken.Kind.SYSTEM)
    assert not key.user.has_usable_password()
    for guess in ("", "!", key.user.password):
        response = log_in(client, key.user.username, guess)
        assert "_auth_user_id" not in client.session, response
    # No set-password link was written for it: nobody can choose its password from the outbox.
    assert not Notification.objects.filter(recipient=key.user).exists()
    assert not Notification.objects.filter(address=key.user.email).exists()


def test_the_admin_refuses_a_key_without_a_role_or_department(admin_client, world):
    response = admin_client.post(reverse("admin:api_apitoken_add"), {"name": "x"})
    assert response.status_code == 200
    assert set(response.context["adminform"].form.errors) >= {"role", "department"}
    assert not get_user_model().objects.filter(username__endswith="system-keys.invalid").exists()


def test_the_admin_revokes_keys_and_tokens(admin_client, issued, world, coordinator_token):
    key = ApiToken.objects.get(kind=ApiToken.Kind.SYSTEM)
    admin_client.post(reverse("admin:api_apitoken_changelist"), {
        "action": "revoke", "_selected_action": [key.pk, coordinator_token[0].pk]})
    assert ApiToken.objects.filter(revoked_at__isnull=True).count() == 0
    api = bearer(APIClient(), issued[1])
    assert_problem(api.get(TOKENS), 401, "invalid-token")


# --- Rate limits ------------------------------------------------------------------------------


def test_reads_over_the_limit_are_a_429_with_retry_after(api, world, settings,
                                                         coordinator_token, entrepreneur_token):
    settings.API_RATE_READ = "3/min"
    bearer(api, coordinator_token[1])
    for _ in range(3):
        assert api.get(TOKENS).status_code == 200
    response = api.get(TOKENS)
    body = assert_problem(response, 429, "throttled")
    assert 0 < int(response["Retry-After"]) <= 60
    assert body["retry_after"] == int(response["Retry-After"])
    # Per token: another token still reads, and writes count apart.
    assert bearer(APIClient(), entrepreneur_token[1]).get(TOKENS).status_code == 200
    assert api.post(TOKENS, {"name": "w"}, format="json").status_code == 201


def test_writes_have_their_own_limit(api, world, settings, coordinator_token):
    settings.API_RATE_WRITE = "1/hour"
    bearer(api, coordinator_token[1])
    assert api.post(TOKENS, {"name": "a"}, format="json").status_code == 201
    response = api.post(TOKENS, {"name": "b"}, format="json")
    assert_problem(response, 429, "throttled")
    assert int(response["Retry-After"]) > 60
    assert not ApiToken.objects.filter(name="b").exists()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_cache_outage_lets_requests_through(api, world, settings, caplog, coordinator_token):
    settings.CACHES = {"default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }}
    with pytest.raises(RedisConnectionError):
        cache.get("anything")
    settings.API_RATE_READ = "1/min"
    caplog.set_level(logging.WARNING, logger="api.throttling")
    bearer(api, coordinator_token[1])
    assert [api.get(TOKENS).status_code for _ in range(3)] == [200, 200, 200]
    assert any("let through" in record.getMessage() for record in caplog.records)
