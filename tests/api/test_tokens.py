"""Personal access tokens: made on the person's page or through the API, shown once, kept
only as a hash, revoked at once; another person's token is out of reach."""

from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from api.models import ApiToken
from api.services import token_create
from tests.api.conftest import assert_problem, bearer
from tests.browser.crawl import AXE_TAGS
from tests.browser.pages import watch
from tests.helpers import signed_in
from tests.worlds import workflow_world

TOKENS = "/api/v1/tokens/"


def _every_stored_text() -> str:
    """Every column of every row of the tokens table, as one text."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM api_apitoken")
        return " ".join(str(value) for row in cursor.fetchall() for value in row)


# --- The page ---------------------------------------------------------------------------------


def test_the_page_creates_a_token_and_shows_it_once(client, world):
    person = world.users["entrepreneur"]
    signed_in(client, person)
    page = client.get(reverse("api:tokens"))
    assert page.status_code == 200
    assert b'data-testid="tokens-empty"' in page.content

    created = client.post(reverse("api:tokens"), {"name": "ERP", "writable": "on"})

    assert created.status_code == 201
    assert "no-store" in created["Cache-Control"]
    text = created.context["text"]
    assert text.startswith("hzt_") and text.encode() in created.content
    token = ApiToken.objects.get(user=person)
    assert token.writable and token.kind == ApiToken.Kind.PERSONAL
    # Never again: the list shows the prefix, not the token.
    listing = client.get(reverse("api:tokens"))
    assert text.encode() not in listing.content
    assert f"hzt_{token.prefix}".encode() in listing.content
    # Only a hash is stored: neither the token nor its secret is anywhere in the table.
    secret = text.rsplit("_", 1)[1]
    assert secret not in _every_stored_text()


def test_the_page_refuses_a_token_without_a_name(client, world):
    signed_in(client, world.users["coordinator"])
    response = client.post(reverse("api:tokens"), {"name": "  "})
    assert response.status_code == 200
    assert response.context["form"].errors["name"]
    assert b'data-testid="error-summary"' in response.content
    assert not ApiToken.objects.exists()


def test_the_page_needs_a_signed_in_person(client, db):
    response = client.get(reverse("api:tokens"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_the_account_menu_links_to_the_page(client, world):
    signed_in(client, world.users["handler"])
    assert reverse("api:tokens").encode() in client.get(reverse("home")).content


def test_revoking_on_the_page_stops_the_token_at_once(client, api, world, entrepreneur_token):
    token, text = entrepreneur_token
    assert bearer(api, text).get(TOKENS).status_code == 200
    signed_in(client, world.users["entrepreneur"])
    confirm = client.get(reverse("api:token_revoke", args=[token.pk]))
    assert confirm.status_code == 200 and token.name.encode() in confirm.content

    client.post(reverse("api:token_revoke", args=[token.pk]))

    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    assert_problem(api.get(TOKENS), 401, "invalid-token")


def test_another_persons_token_cannot_be_revoked_on_the_page(client, world, coordinator_token):
    token, _text = coordinator_token
    signed_in(client, world.users["entrepreneur"])
    assert client.get(reverse("api:token_revoke", args=[token.pk])).status_code == 404
    assert client.post(reverse("api:token_revoke", args=[token.pk])).status_code == 404
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


# --- The API ----------------------------------------------------------------------------------


def test_the_api_lists_only_the_callers_tokens(api, world, entrepreneur_token,
                                               coordinator_token):
    body = bearer(api, entrepreneur_token[1]).get(TOKENS).json()
    assert [row["id"] for row in body["results"]] == [entrepreneur_token[0].pk]
    assert "token" not in body["results"][0] and "secret_hash" not in body["results"][0]
    assert set(body) >= {"next", "previous", "results"}


def test_the_api_creates_a_token_shown_once(api, world, entrepreneur_token):
    response = bearer(api, entrepreneur_token[1]).post(
        TOKENS, {"name": "report", "writable": False}, format="json")
    assert response.status_code == 201
    text = response.json()["token"]
    assert bearer(api, text).get(TOKENS).status_code == 200
    listed = api.get(TOKENS).json()["results"]
    assert all("token" not in row for row in listed)


def test_the_api_refuses_unknown_fields_and_wrong_types(api, world, entrepreneur_token):
    bearer(api, entrepreneur_token[1])
    body = assert_problem(api.post(TOKENS, {"name": "x", "admin": True}, format="json"), 400,
                          "validation")
    assert "admin" in body["errors"]
    body = assert_problem(api.post(TOKENS, {"name": ["x"], "writable": "perhaps"},
                                   format="json"), 400, "validation")
    assert set(body["errors"]) == {"name", "writable"}
    assert not ApiToken.objects.filter(name="x").exists()


def test_another_persons_token_cannot_be_revoked_through_the_api(api, world,
                                                                 entrepreneur_token,
                                                                 coordinator_token):
    other, _text = coordinator_token
    response = bearer(api, entrepreneur_token[1]).delete(f"{TOKENS}{other.pk}/")
    assert_problem(response, 404, "not-found")
    assert ApiToken.objects.get(pk=other.pk).revoked_at is None


def test_revoking_through_the_api_stops_the_token_at_once(api, world, entrepreneur_token):
    token, text = entrepreneur_token
    assert bearer(api, text).delete(f"{TOKENS}{token.pk}/").status_code == 204
    assert_problem(api.get(TOKENS), 401, "invalid-token")


def test_an_expired_token_stops_working(api, world):
    token, text = token_create(user=world.users["handler"], name="short",
                               expires_at=timezone.now() + timedelta(minutes=5))
    assert bearer(api, text).get(TOKENS).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert_problem(api.get(TOKENS), 401, "invalid-token")


def test_a_read_only_token_is_refused_writes_with_the_reason(api, world):
    token, text = token_create(user=world.users["coordinator"], name="read", writable=False)
    assert bearer(api, text).get(TOKENS).status_code == 200
    body = assert_problem(api.post(TOKENS, {"name": "more"}, format="json",
                                   HTTP_ACCEPT_LANGUAGE="en"), 403, "read-only-token")
    assert body["detail"].startswith("This token may only read.")
    assert_problem(api.delete(f"{TOKENS}{token.pk}/"), 403, "read-only-token")
    assert ApiToken.objects.count() == 1


def test_a_system_key_cannot_manage_tokens(api, world):
    key, text = token_create(user=world.users["handler"], name="12345", writable=True,
                             kind=ApiToken.Kind.SYSTEM)
    assert_problem(bearer(api, text).post(TOKENS, {"name": "more"}, format="json"), 403,
                   "permission-denied")


@pytest.mark.parametrize("writable", [True, False])
def test_last_use_is_recorded(api, world, writable):
    token, text = token_create(user=world.users["lead"], name="x", writable=writable)
    bearer(api, text).get(TOKENS)
    assert ApiToken.objects.get(pk=token.pk).last_used_at is not None


# --- In Chromium ------------------------------------------------------------------------------


@pytest.mark.browser
def test_a_person_makes_copies_and_revokes_a_token_in_chromium(page, live_server,
                                                                transactional_db):
    person = workflow_world().users["entrepreneur"]
    session = Client()
    session.force_login(person)
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "url": live_server.url,
                               "value": session.cookies[settings.SESSION_COOKIE_NAME].value}])
    failed, violations = [], []
    watch(page, live_server, failed, violations)
    axe = Axe()

    def no_axe_violation():
        result = axe.run(page, options={"runOnly": AXE_TAGS})
        assert [(v["id"], [n["target"] for n in v["nodes"]])
                for v in result.response["violations"]] == []

    page.goto(f"{live_server.url}{reverse('api:tokens')}")
    no_axe_violation()
    page.locator("#id_name").fill("ERP")
    page.locator("#id_writable").check()
    page.locator("[data-testid=token-form] button[type=submit]").click()
    text = page.get_by_test_id("new-token").input_value()
    assert text.startswith("hzt_")
    no_axe_violation()
    page.locator(f"main a[href='{reverse('api:tokens')}']").click()
    page.get_by_test_id("token-revoke").click()
    no_axe_violation()
    page.get_by_test_id("token-revoke-confirm").click()
    page.get_by_test_id("token-row").locator(".badge").wait_for()
    assert ApiToken.objects.get(user=person).revoked_at is not None
    assert violations == [] and failed == []
