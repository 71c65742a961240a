"""What the API write tests share: the workflow's world (``tests.worlds.workflow_world``),
an API client signed in as one of its people, and posting an action with ``If-Match``."""

import pytest
from rest_framework.test import APIClient

from issues.models import Issue
from tests.helpers import fresh
from tests.worlds import workflow_world


@pytest.fixture
def world():
    return workflow_world()


@pytest.fixture
def api():
    """An API client that asks for English, so reasons can be asserted as written."""
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


def as_user(client: APIClient, user) -> APIClient:
    client.logout()
    client.force_login(user)
    return client


def etag(issue: Issue) -> str:
    return f'"{fresh(issue).version}"'


def act(client: APIClient, user, issue: Issue, segment: str, body=None, *,
        if_match: str | None = "current", **headers):
    """POST the action ``segment`` on ``issue`` as ``user``; ``if_match`` "current" sends
    the issue's current ETag, None no header."""
    as_user(client, user)
    if if_match == "current":
        if_match = etag(issue)
    if if_match is not None:
        headers["HTTP_IF_MATCH"] = if_match
    return client.post(f"/api/v1/issues/{issue.reference}/{segment}/", body or {},
                       format="json", **headers)
