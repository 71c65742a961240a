"""GET /api/v1/notifications/ and POST /api/v1/notifications/{id}/read/: the caller's own
in-app inbox, as the inbox page shows it."""

import pytest

from notifications.models import Notification
from tests.api.reads_world import API, api_client
from tests.factories import NotificationFactory, UserFactory

pytestmark = pytest.mark.django_db


def in_app(user, **fields):
    return NotificationFactory(recipient=user, channel=Notification.Channel.IN_APP,
                               address="", **fields)


@pytest.fixture
def people():
    me, other = UserFactory(), UserFactory()
    return {"me": me, "other": other, "read": in_app(me, subject="旧消息"),
            "unread": in_app(me, subject="新消息", url="/issues/"),
            "theirs": in_app(other, subject="别人的")}


def test_the_inbox_is_the_caller_own(people):
    people["read"].read_at = people["read"].created_at
    people["read"].save()
    body = api_client(people["me"]).get(f"{API}/notifications/").json()
    assert {row["subject"] for row in body["results"]} == {"旧消息", "新消息"}
    unread = api_client(people["me"]).get(f"{API}/notifications/", {"unread": "true"}).json()
    [row] = unread["results"]
    assert row["subject"] == "新消息"
    assert row["is_read"] is False
    assert row["url"] == "http://testserver/issues/"


def test_marking_one_read(people):
    client = api_client(people["me"])
    response = client.post(f"{API}/notifications/{people['unread'].pk}/read/")
    assert response.status_code == 200
    assert response.json()["is_read"] is True
    assert Notification.objects.get(pk=people["unread"].pk).read_at is not None
    assert client.post(f"{API}/notifications/{people['unread'].pk}/read/").status_code == 200


def test_another_person_message_is_404(people):
    client = api_client(people["me"])
    assert client.post(f"{API}/notifications/{people['theirs'].pk}/read/").status_code == 404
    assert Notification.objects.get(pk=people["theirs"].pk).read_at is None


def test_a_bad_filter_is_refused(people):
    response = api_client(people["me"]).get(f"{API}/notifications/", {"unread": "perhaps"})
    assert response.status_code == 400
