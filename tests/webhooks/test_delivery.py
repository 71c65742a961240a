"""Delivering a webhook row: 2xx is sent; a 5xx, 408, 429, a timeout or a refused
connection is tried again with the outbox's backoff until the last attempt fails it; any
other 4xx, or a redirect, fails it at once. Each attempt is logged. "Send again" posts a
delivered or failed event once more as a new row; a broker down at submission loses
nothing."""

import socket
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from notifications import services, webhooks
from notifications.models import Notification, WebhookDelivery
from notifications.services import (
    notification_deliver,
    notifications_redeliver,
    webhook_event,
    webhooks_send_again,
)
from tests.issues.workflow_steps import submitted
from tests.webhooks.conftest import SECRET, deliver_due
from tests.worlds import workflow_world

pytestmark = pytest.mark.django_db

S = Notification.Status


def one_event(event="issue.closed", key="issue:1:r1") -> Notification:
    assert webhook_event(event=event, key=key, payload={"reference": "HZ-2026-000001"}) == 1
    return Notification.objects.get(channel=Notification.Channel.WEBHOOK, key__contains=key)


def later(row: Notification):
    """The clock just past the row's backoff."""
    row.refresh_from_db()
    return time_machine.travel(row.send_after + timedelta(seconds=1), tick=False)


@pytest.mark.parametrize("status", [500, 503, 408, 429])
def test_a_passing_refusal_is_tried_again_after_the_backoff(settings, receiver, endpoint,
                                                            status):
    settings.NOTIFICATION_RETRY_BACKOFF_SECONDS = 60
    receiver.answers = [status]
    row = one_event()
    before = timezone.now()
    assert notification_deliver(notification_id=row.pk) is False
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (S.PENDING, 1, f"HTTP {status}")
    assert row.send_after >= before + timedelta(seconds=120)  # 60 × 2¹
    # Not before the backoff has passed: neither the task nor the sweep sends it.
    assert notification_deliver(notification_id=row.pk) is False
    assert len(receiver.received) == 1
    with later(row):
        assert notifications_redeliver() == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == (S.SENT, 2)
    first, second = receiver.received
    assert first.headers["X-Huzhou-Delivery"] == second.headers["X-Huzhou-Delivery"]
    assert first.body == second.body
    assert second.signed_with(SECRET)
    log = list(WebhookDelivery.objects.order_by("at", "id").values_list("status_code", "event"))
    assert log == [(status, "issue.closed"), (200, "issue.closed")]
    excerpt = WebhookDelivery.objects.first().response_excerpt
    assert excerpt.startswith("answer 200") and len(excerpt) == 500


def test_the_last_attempt_fails_the_row(settings, receiver, endpoint):
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    receiver.answers = [500, 502, 503, 200]
    row = one_event()
    notification_deliver(notification_id=row.pk)
    for _ in range(2):
        with later(row):
            notification_deliver(notification_id=row.pk)
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (S.FAILED, 3, "HTTP 503")
    with later(row):
        assert notifications_redeliver() == 0
    assert len(receiver.received) == 3
    assert list(WebhookDelivery.objects.order_by("at", "id").values_list(
        "status_code", flat=True)) == [500, 502, 503]


@pytest.mark.parametrize(("status", "error"), [
    (410, "HTTP 410"), (400, "HTTP 400"), (401, "HTTP 401"), (404, "HTTP 404"),
    (302, "HTTP 302: redirects are not followed"),
])
def test_a_final_refusal_fails_the_row_at_once(receiver, endpoint, status, error):
    receiver.answers = [status]
    receiver.redirect_to = "http://169.254.169.254/latest/meta-data/"
    row = one_event()
    assert notification_deliver(notification_id=row.pk) is False
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (S.FAILED, 1, error)
    assert len(receiver.received) == 1  # the redirect was not followed
    assert WebhookDelivery.objects.get().status_code == status


def test_a_refused_connection_is_tried_again(receiver, endpoint):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    endpoint.url = f"http://127.0.0.1:{port}/hooks"
    endpoint.save()
    row = one_event()
    notification_deliver(notification_id=row.pk)
    row.refresh_from_db()
    assert (row.status, row.attempts) == (S.PENDING, 1)
    attempt = WebhookDelivery.objects.get()
    assert attempt.status_code is None
    assert "refused" in attempt.error.lower()
    assert attempt.error == row.last_error


def test_a_timeout_is_tried_again(monkeypatch, receiver, endpoint):
    monkeypatch.setattr(webhooks, "TIMEOUT_SECONDS", 0.2)
    receiver.delay = 1.0
    row = one_event()
    notification_deliver(notification_id=row.pk)
    row.refresh_from_db()
    assert (row.status, row.attempts) == (S.PENDING, 1)
    assert "timed out" in row.last_error
    assert WebhookDelivery.objects.get().status_code is None


def test_an_address_refused_at_delivery_fails_without_a_connection(settings, receiver,
                                                                   endpoint):
    row = one_event()
    settings.WEBHOOK_ALLOW_PRIVATE = False
    assert notification_deliver(notification_id=row.pk) is False
    row.refresh_from_db()
    assert row.status == S.FAILED
    assert "WEBHOOK_ALLOW_PRIVATE" in row.last_error
    assert receiver.received == []
    assert WebhookDelivery.objects.get().error == row.last_error


def test_an_inactive_endpoint_gets_no_new_event_and_its_pending_ones_fail(receiver, endpoint):
    row = one_event()
    endpoint.active = False
    endpoint.save()
    assert webhook_event(event="issue.closed", key="issue:2:r1", payload={}) == 0
    notification_deliver(notification_id=row.pk)
    row.refresh_from_db()
    assert (row.status, row.last_error) == (S.FAILED, "The endpoint is inactive.")
    assert receiver.received == []


def test_an_event_is_written_once_per_key(receiver, endpoint):
    one_event()
    assert webhook_event(event="issue.closed", key="issue:1:r1", payload={}) == 0
    assert Notification.objects.filter(channel=Notification.Channel.WEBHOOK).count() == 1


def test_send_again_posts_a_delivered_or_failed_event_as_a_new_row(receiver, endpoint):
    receiver.answers = [200, 410]
    sent, failed = one_event(key="issue:1:r1"), one_event(key="issue:2:r1")
    deliver_due()
    pending = one_event(key="issue:3:r1")
    assert webhooks_send_again(notification_ids=[sent.pk, failed.pk, pending.pk]) == 2
    assert webhooks_send_again(notification_ids=[sent.pk]) == 1
    keys = set(Notification.objects.filter(status=S.PENDING).values_list("key", flat=True))
    assert keys == {pending.key, f"{sent.key}:again:1", f"{failed.key}:again:1",
                    f"{sent.key}:again:2"}
    assert deliver_due() == 4
    by_id = {}
    for request in receiver.received:
        by_id.setdefault(request.json["id"], []).append(request.headers["X-Huzhou-Delivery"])
    sent_again = by_id[receiver.received[0].json["id"]]
    # The same event (its id), three deliveries (each its own delivery id).
    assert len(sent_again) == len(set(sent_again)) == 3
    sent.refresh_from_db()
    assert sent.status == S.SENT  # the first row and its log are left as they were


def test_a_broker_down_at_submission_loses_nothing(monkeypatch, receiver, endpoint,
                                                   django_capture_on_commit_callbacks):
    class DownBroker:
        def signature(self, *args, **kwargs):
            raise ConnectionError("broker down")

    monkeypatch.setattr(services, "current_app", DownBroker())
    world = workflow_world()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        issue = submitted(world)
    assert callbacks  # the delivery was queued on commit, and queueing failed quietly
    row = Notification.objects.get(channel=Notification.Channel.WEBHOOK)
    assert (row.status, row.key) == (S.PENDING, f"webhook:issue.submitted:issue:{issue.pk}:"
                                                f"{endpoint.pk}")
    # The sweep, a minute later, sends it.
    with time_machine.travel(timezone.now() + timedelta(minutes=2), tick=False):
        assert notifications_redeliver() >= 1
    row.refresh_from_db()
    assert row.status == S.SENT
    assert receiver.events() == ["issue.submitted"]
