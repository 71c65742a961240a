"""Failed outbox rows are listed for administrators: a count on the admin's home page, the
status filter, and a "retry" action."""

import pytest
from django.urls import reverse

from notifications.models import Notification
from notifications.services import DELIVER_TASK
from tests.factories import NotificationFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:notifications_notification_changelist"


@pytest.fixture(autouse=True)
def in_english(admin_client, client):
    for browser in (admin_client, client):
        browser.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def outbox():
    return {
        "failed": NotificationFactory.create_batch(
            2, status=Notification.Status.FAILED, attempts=5, last_error="ValueError: bad"),
        "sending": NotificationFactory(status=Notification.Status.SENDING, attempts=1),
        "sent": NotificationFactory(status=Notification.Status.SENT, attempts=1),
    }


def test_the_admin_home_page_counts_failed_and_in_doubt_rows(admin_client, outbox):
    page = admin_client.get(reverse("admin:index")).content.decode()
    assert 'data-failed="2" data-in-doubt="1"' in page
    assert "2 notifications have failed after every attempt" in page
    assert f'{reverse(CHANGELIST)}?status__exact=failed' in page
    chinese = admin_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "2条通知经多次尝试仍发送失败" in chinese.content.decode()


def test_the_admin_home_page_says_when_nothing_failed(admin_client):
    page = admin_client.get(reverse("admin:index")).content.decode()
    assert 'data-failed="0"' in page
    assert "No notification has failed." in page


def test_staff_without_the_outbox_permission_see_no_count(client):
    client.force_login(UserFactory(is_staff=True))
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert b"outbox-status" not in response.content


def test_the_status_filter_lists_the_failed_rows(admin_client, outbox):
    response = admin_client.get(reverse(CHANGELIST), {"status__exact": "failed"})
    assert sorted(row.pk for row in response.context["cl"].result_list) == sorted(
        row.pk for row in outbox["failed"])


def test_retry_queues_the_failed_rows_again_and_leaves_the_others(
        admin_client, outbox, django_capture_on_commit_callbacks, monkeypatch):
    queued = []
    monkeypatch.setattr("notifications.services.current_app.signature",
                        lambda name, args: queued.append((name, args)) or _Signature())
    selected = [*outbox["failed"], outbox["sending"], outbox["sent"]]
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse(CHANGELIST), {
            "action": "retry", "_selected_action": [row.pk for row in selected]}, follow=True)
    page = response.content.decode()
    assert "2 failed notifications were queued again." in page
    assert "2 selected notifications had not failed" in page
    assert sorted(queued) == sorted((DELIVER_TASK, (row.pk,)) for row in outbox["failed"])
    statuses = dict(Notification.objects.values_list("pk", "status"))
    assert [statuses[row.pk] for row in selected] == ["pending", "pending", "sending", "sent"]
    retried = Notification.objects.get(pk=outbox["failed"][0].pk)
    assert (retried.attempts, retried.last_error) == (0, "ValueError: bad")


class _Signature:
    def delay(self):
        return None
