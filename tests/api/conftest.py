"""What the API's tests share: a small world (tests.worlds.workflow_world), tokens for its
people, and a client that sends a token."""

import os

import pytest
from rest_framework.test import APIClient

from api.services import token_create
from tests.browser.conftest import CHROMIUM_ARGS
from tests.services import require_chromium
from tests.worlds import workflow_world

# The Chromium tests (marked ``browser``): Playwright's sync API runs an event loop in the
# test thread, as in tests/browser/.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

PROBLEM = "application/problem+json"


@pytest.fixture(scope="session")
def browser_type_launch_args():
    """Debian's Chromium, as tests/browser/ uses."""
    return {"executable_path": require_chromium(), "args": CHROMIUM_ARGS}


@pytest.fixture
def world(db):
    return workflow_world()


@pytest.fixture
def coordinator_token(world):
    """A read-write personal token of the county's coordinator: (row, text)."""
    return token_create(user=world.users["coordinator"], name="county script", writable=True)


@pytest.fixture
def entrepreneur_token(world):
    """A read-write personal token of the entrepreneur: (row, text)."""
    return token_create(user=world.users["entrepreneur"], name="my ERP", writable=True)


@pytest.fixture
def api():
    """An API client; ``bearer(client, text)`` signs its requests with a token."""
    return APIClient()


def bearer(client: APIClient, text: str) -> APIClient:
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {text}")
    return client


def assert_problem(response, status: int, type_name: str | None = None) -> dict:
    """The response is an RFC 9457 problem with this status (and type); its body."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status
    assert body["title"] and body["detail"]
    assert body["instance"] == response.wsgi_request.path
    if type_name is not None:
        assert body["type"] == f"https://huzhou-talks/problems/{type_name}"
    return body
