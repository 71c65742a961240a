"""The outbox: written once per key, delivered once, retried with backoff, swept when missed."""

import logging
import socket
import time
from datetime import timedelta

import pytest
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from notifications.backends import TransientDeliveryError
from notifications.models import Notification
from notifications.services import (
    REDELIVER_AFTER,
    notification_create,
    notification_deliver,
    notification_mark_read,
    notifications_redeliver,
)
from notifications.tasks import deliver_notification_task, redeliver_pending_task
from tests.celery_broker import use_broker
from tests.factories import NotificationFactory, UserFactory

pytestmark = pytest.mark.django_db


class FlakySMSBackend:
    """An SMS provider that is always busy."""

    calls = 0

    def send(self, *, mobile: str, text: str, key: str) -> None:
        type(self).calls += 1
        raise TransientDeliveryError("provider busy, try later")


@pytest.fixture
def flaky_sms(settings):
    FlakySMSBackend.calls = 0
    settings.SMS_BACKEND = f"{__name__}.FlakySMSBackend"
    return FlakySMSBackend


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def email(**kwargs) -> Notification | None:
    values = {"key": "issue:1:dispatched:boss:email", "channel": Notification.Channel.EMAIL,
              "address": "boss@example.com", "subject": "您的问题已交办",
              "body": "市经信局将在1个工作日内受理。"}
    return notification_create(**{**values, **kwargs})


# --- Writing ----------------------------------------------------------------------------------

def test_one_row_per_key(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        first = email()
    assert first is not None
    assert len(callbacks) == 1  # delivery is queued once the transaction commits

    with django_capture_on_commit_callbacks() as callbacks:
        assert email(subject="再次提交") is None
    assert callbacks == []
    assert Notification.objects.count() == 1
    assert Notification.objects.get().subject == "您的问题已交办"

    email(key="issue:1:dispatched:boss:sms", channel="sms", address="13812345678")
    assert Notification.objects.count() == 2


def test_a_concurrent_writer_of_the_same_key_leaves_the_callers_transaction_usable(monkeypatch):
    """Another request wrote the key between our check and our insert."""
    email()
    real_exists = QuerySet.exists
    calls = []

    def exists_missing_the_concurrent_row(queryset):
        calls.append(queryset)
        return False if len(calls) == 1 else real_exists(queryset)

    with transaction.atomic():
        monkeypatch.setattr(QuerySet, "exists", exists_missing_the_concurrent_row)
        assert email(subject="同时提交") is None
        monkeypatch.undo()
        # The caller goes on writing in the same transaction.
        email(key="issue:1:dispatched:boss:sms", channel="sms", address="13812345678")
    assert Notification.objects.count() == 2
    assert Notification.objects.filter(subject="同时提交").count() == 0


def test_the_row_is_part_of_the_callers_transaction():
    with pytest.raises(RuntimeError), transaction.atomic():
        email()
        raise RuntimeError("the change that caused it failed")
    assert not Notification.objects.exists()


def test_committed_row_is_delivered_by_its_task(django_capture_on_commit_callbacks, mailoutbox,
                                                settings):
    from huzhou_talks.celery import app

    app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            notification = email()
    finally:
        app.conf.task_always_eager = False
    assert [m.to for m in mailoutbox] == [["boss@example.com"]]
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT


# --- Delivering -------------------------------------------------------------------------------

def test_email_is_sent_once(mailoutbox):
    notification = NotificationFactory(address="boss@example.com", subject="请评价", body="链接")
    assert notification_deliver(notification_id=notification.pk) is True
    assert notification_deliver(notification_id=notification.pk) is False
    deliver_notification_task(notification.pk)  # the task, delivered a second time by the broker
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert (message.to, message.subject, message.body) == (["boss@example.com"], "请评价", "链接")
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert notification.attempts == 1
    assert notification.sent_at is not None


def test_sms_goes_to_the_log_by_default(caplog, mailoutbox):
    notification = NotificationFactory(channel="sms", address="13812345678",
                                       subject="恳谈会提醒", body="周三14:30 市民之家")
    with caplog.at_level(logging.INFO, logger="notifications.sms"):
        assert notification_deliver(notification_id=notification.pk) is True
    sms = [r.getMessage() for r in caplog.records if r.name == "notifications.sms"]
    assert sms == ["SMS to 13812345678: 恳谈会提醒 周三14:30 市民之家"]
    assert mailoutbox == []


def test_in_app_needs_no_sending_and_can_be_marked_read(mailoutbox):
    user = UserFactory()
    notification = NotificationFactory(channel="in_app", address="", recipient=user)
    assert notification_deliver(notification_id=notification.pk) is True
    assert mailoutbox == []
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    notification_mark_read(notification=notification)
    first_read = Notification.objects.get(pk=notification.pk).read_at
    assert first_read is not None
    notification_mark_read(notification=notification)
    assert Notification.objects.get(pk=notification.pk).read_at == first_read


def test_unknown_or_cancelled_rows_are_not_sent(mailoutbox):
    cancelled = NotificationFactory(status=Notification.Status.CANCELLED)
    assert notification_deliver(notification_id=cancelled.pk) is False
    assert notification_deliver(notification_id=cancelled.pk + 1000) is False
    assert mailoutbox == []


def test_transient_error_backs_off_then_fails_after_max_attempts(flaky_sms, settings):
    max_attempts = settings.NOTIFICATION_MAX_ATTEMPTS  # 5 by default
    notification = NotificationFactory(channel="sms", address="13812345678")
    for attempt in range(1, max_attempts):
        before = timezone.now()
        assert notification_deliver(notification_id=notification.pk) is False
        notification.refresh_from_db()
        assert notification.status == Notification.Status.PENDING
        assert notification.attempts == attempt
        assert notification.last_error == "provider busy, try later"
        # Exponential backoff: 2, 4, 8, 16 minutes.
        wait = notification.send_after - before
        assert timedelta(minutes=2 ** attempt) <= wait < timedelta(minutes=2 ** attempt, seconds=5)
        # Not due yet: an early retry does not even try.
        assert notification_deliver(notification_id=notification.pk) is False
        assert flaky_sms.calls == attempt
        Notification.objects.filter(pk=notification.pk).update(
            send_after=timezone.now() - timedelta(seconds=1))

    assert notification_deliver(notification_id=notification.pk) is False
    notification.refresh_from_db()
    assert notification.status == Notification.Status.FAILED
    assert notification.attempts == max_attempts
    assert notification_deliver(notification_id=notification.pk) is False
    assert flaky_sms.calls == max_attempts


def test_mail_server_down_is_a_transient_error(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = closed_port()
    settings.EMAIL_TIMEOUT = 2
    notification = NotificationFactory()
    assert notification_deliver(notification_id=notification.pk) is False
    notification.refresh_from_db()
    assert notification.status == Notification.Status.PENDING
    assert notification.attempts == 1
    assert notification.last_error
    assert notification.send_after > timezone.now()


def test_send_after_in_the_future_is_not_sent(django_capture_on_commit_callbacks, mailoutbox):
    later = timezone.now() + timedelta(hours=2)
    with django_capture_on_commit_callbacks() as callbacks:
        notification = email(send_after=later)
    assert callbacks == []  # nothing to queue now; the sweep sends it when it is due
    assert notification_deliver(notification_id=notification.pk) is False
    assert notifications_redeliver() == 0
    assert mailoutbox == []
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (Notification.Status.PENDING, 0)


# --- The redelivery sweep ---------------------------------------------------------------------

def test_redeliver_sends_what_was_missed_but_not_what_is_still_on_its_way(mailoutbox):
    long_ago = timezone.now() - REDELIVER_AFTER - timedelta(seconds=5)
    missed = NotificationFactory(address="missed@example.com", created_at=long_ago,
                                 send_after=long_ago)
    fresh = NotificationFactory(address="fresh@example.com")
    backing_off = NotificationFactory(address="later@example.com", created_at=long_ago,
                                      send_after=timezone.now() + timedelta(minutes=4),
                                      attempts=2)
    assert notifications_redeliver() == 1
    assert [m.to for m in mailoutbox] == [["missed@example.com"]]
    statuses = dict(Notification.objects.values_list("pk", "status"))
    assert statuses == {missed.pk: "sent", fresh.pk: "pending", backing_off.pk: "pending"}
    # The periodic task runs the same sweep; nothing is sent twice.
    redeliver_pending_task()
    assert len(mailoutbox) == 1


# --- Broker down ------------------------------------------------------------------------------

def test_broker_down_at_commit_does_not_fail_the_caller(django_capture_on_commit_callbacks,
                                                        caplog, mailoutbox):
    with use_broker(f"redis://127.0.0.1:{closed_port()}/0"), \
            caplog.at_level(logging.WARNING, logger="notifications.services"):
        started = time.monotonic()
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            notification = email()
        elapsed = time.monotonic() - started
    assert len(callbacks) == 1
    assert elapsed < 15, "publishing must not hang the request"
    assert any("left for redelivery" in r.getMessage() for r in caplog.records)
    notification.refresh_from_db()
    assert notification.status == Notification.Status.PENDING
    assert mailoutbox == []
    # Once the broker is missed, the sweep sends it.
    Notification.objects.filter(pk=notification.pk).update(
        created_at=timezone.now() - REDELIVER_AFTER - timedelta(seconds=1))
    assert notifications_redeliver() == 1
    assert len(mailoutbox) == 1
