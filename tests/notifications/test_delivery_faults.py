"""Issue 15, defects 3 and 6: a poison row never stops the sweep, line breaks never reach a
header, and each attempt is committed before the provider is called (at most one send)."""

import logging
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from notifications.backends import outbox_key
from notifications.models import Notification
from notifications.services import (
    REDELIVER_AFTER,
    notification_create,
    notification_deliver,
    notifications_redeliver,
    notifications_retry,
)
from tests.factories import NotificationFactory

pytestmark = pytest.mark.django_db

POISON_MOBILE = "13800000000"


class RecordingSMSBackend:
    """A provider that takes every message except those to ``POISON_MOBILE``, which make it
    raise what no one expected."""

    calls: list[dict] = []
    crash_next = False

    def send(self, *, mobile: str, text: str, key: str) -> None:
        row = Notification.objects.get(address=mobile)
        type(self).calls.append({"mobile": mobile, "text": text, "key": key,
                                 "in_transaction": connection.in_atomic_block,
                                 "status": row.status, "attempts": row.attempts})
        if mobile == POISON_MOBILE:
            raise ValueError("the provider cannot encode this message")
        if type(self).crash_next:
            type(self).crash_next = False
            raise WorkerKilled


class WorkerKilled(BaseException):
    """What SIGKILL looks like from inside: nothing after it runs (not an ``Exception``)."""


@pytest.fixture
def sms(settings):
    RecordingSMSBackend.calls = []
    RecordingSMSBackend.crash_next = False
    settings.SMS_BACKEND = f"{__name__}.RecordingSMSBackend"
    return RecordingSMSBackend


def missed(**kwargs) -> Notification:
    """A row whose own task never ran: the sweep's to send."""
    long_ago = timezone.now() - REDELIVER_AFTER - timedelta(seconds=5)
    return NotificationFactory(created_at=long_ago, send_after=long_ago, **kwargs)


def make_due(notification: Notification) -> None:
    Notification.objects.filter(pk=notification.pk).update(
        send_after=timezone.now() - timedelta(seconds=1))


# --- Line breaks (defect 3's poison) ------------------------------------------------------------

def test_a_theme_with_a_newline_goes_out_on_one_line(mailoutbox, sms):
    theme = "民营经济高质量发展\n专场恳谈会\r\n（第76期）"
    mail = NotificationFactory(subject=theme, body="第一行\n第二行")
    text = NotificationFactory(channel="sms", address="13812345678", subject=theme,
                               body="周三14:30\n市民之家")
    assert notification_deliver(notification_id=mail.pk) is True
    assert notification_deliver(notification_id=text.pk) is True
    assert mailoutbox[0].subject == "民营经济高质量发展 专场恳谈会 （第76期）"
    assert mailoutbox[0].body == "第一行\n第二行"  # the body may keep its lines
    assert sms.calls[0]["text"] == "民营经济高质量发展 专场恳谈会 （第76期） 周三14:30 市民之家"


def test_an_old_row_with_a_control_character_goes_out_without_it(mailoutbox, sms):
    """A row written before the forms refused control characters still goes out."""
    mail = NotificationFactory(subject="专场\x01恳谈会", body="正文")
    text = NotificationFactory(channel="sms", address="13812345678", subject="提醒\x0b",
                               body="周三\x1b14:30")
    assert notification_deliver(notification_id=mail.pk) is True
    assert notification_deliver(notification_id=text.pk) is True
    assert mailoutbox[0].subject == "专场恳谈会"
    assert "\x1b" not in sms.calls[0]["text"] and "\x0b" not in sms.calls[0]["text"]


# --- Poison rows (defect 3) -------------------------------------------------------------------

def test_a_poison_row_backs_off_fails_after_the_last_attempt_and_never_stops_the_sweep(
        sms, mailoutbox, settings, caplog):
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    poison = missed(channel="sms", address=POISON_MOBILE, key="poison:sms")
    good = [missed(channel="sms", address=f"1390000000{n}") for n in range(3)]
    good_mail = missed(address="boss@example.com")

    with caplog.at_level(logging.WARNING, logger="notifications.services"):
        assert notifications_redeliver() == 4  # every good row, though the poison came first
    poison.refresh_from_db()
    assert (poison.status, poison.attempts) == (Notification.Status.PENDING, 1)
    assert poison.last_error == "ValueError: the provider cannot encode this message"
    assert poison.send_after > timezone.now() + timedelta(seconds=100)  # backed off
    assert notifications_redeliver() == 0  # not due again yet: not even tried
    assert [c["mobile"] for c in sms.calls].count(POISON_MOBILE) == 1

    for attempt in (2, 3):
        make_due(poison)
        with caplog.at_level(logging.WARNING, logger="notifications.services"):
            assert notifications_redeliver() == 0
        poison.refresh_from_db()
        assert poison.attempts == attempt
    assert poison.status == Notification.Status.FAILED
    assert any(r.levelno == logging.ERROR and f"Notification {poison.pk}" in r.getMessage()
               and "failed after 3 attempts" in r.getMessage() for r in caplog.records)
    make_due(poison)
    assert notifications_redeliver() == 0  # a failed row waits for an administrator
    assert [c["mobile"] for c in sms.calls].count(POISON_MOBILE) == 3

    assert set(Notification.objects.filter(pk__in=[r.pk for r in [*good, good_mail]])
               .values_list("status", "attempts")) == {(Notification.Status.SENT, 1)}
    assert len(mailoutbox) == 1

    # An administrator fixes the cause and retries: it goes out.
    Notification.objects.filter(pk=poison.pk).update(address="13900000009")
    assert notifications_retry(notification_ids=[poison.pk, good[0].pk]) == 1
    assert notification_deliver(notification_id=poison.pk) is True
    poison.refresh_from_db()
    assert (poison.status, poison.attempts) == (Notification.Status.SENT, 1)


def test_the_backoff_doubles(sms, settings):
    settings.NOTIFICATION_RETRY_BACKOFF_SECONDS = 10
    poison = NotificationFactory(channel="sms", address=POISON_MOBILE)
    waits = []
    for _ in range(3):
        before = timezone.now()
        notification_deliver(notification_id=poison.pk)
        poison.refresh_from_db()
        waits.append(round((poison.send_after - before).total_seconds()))
        make_due(poison)
    assert waits == [20, 40, 80]


# --- At most one send (defect 6) --------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_the_attempt_is_committed_before_the_provider_is_called(sms):
    text = NotificationFactory(channel="sms", address="13812345678")
    assert notification_deliver(notification_id=text.pk) is True
    # The provider is called outside any transaction, with the attempt already recorded, so
    # a crash during the call cannot roll the attempt back.
    assert sms.calls == [{
        "mobile": "13812345678", "text": f"{text.subject} {text.body}", "key": outbox_key(text.key),
        "in_transaction": False, "status": Notification.Status.SENDING, "attempts": 1,
    }]
    text.refresh_from_db()
    assert text.status == Notification.Status.SENT
    assert text.attempted_at <= text.sent_at


@pytest.mark.django_db(transaction=True)
def test_a_crash_during_the_send_leaves_the_row_in_doubt_until_the_timeout(sms, settings):
    settings.NOTIFICATION_IN_DOUBT_SECONDS = 600
    text = missed(channel="sms", address="13812345678")
    sms.crash_next = True
    with pytest.raises(WorkerKilled):
        notification_deliver(notification_id=text.pk)
    text.refresh_from_db()
    assert (text.status, text.attempts) == (Notification.Status.SENDING, 1)

    # The provider may have taken it: neither the sweep nor a redelivered task sends it again
    # before the timeout.
    assert notifications_redeliver() == 0
    assert notification_deliver(notification_id=text.pk) is False
    assert len(sms.calls) == 1

    # After the timeout the sweep tries again, with the same idempotency key.
    Notification.objects.filter(pk=text.pk).update(
        attempted_at=timezone.now() - timedelta(seconds=601))
    assert notifications_redeliver() == 1
    assert [c["key"] for c in sms.calls] == [outbox_key(text.key)] * 2
    text.refresh_from_db()
    assert (text.status, text.attempts) == (Notification.Status.SENT, 2)


def test_an_email_carries_a_message_id_derived_from_its_key(mailoutbox, settings):
    settings.DEFAULT_FROM_EMAIL = "Huzhou Talks <noreply@talks.huzhou.example>"
    first, second = NotificationFactory(key="issue:7:answered:9:email"), NotificationFactory()
    notification_deliver(notification_id=first.pk)
    notification_deliver(notification_id=second.pk)
    headers = [m.message() for m in mailoutbox]
    key = outbox_key("issue:7:answered:9:email")
    assert headers[0]["Message-ID"] == f"<{key}.outbox@talks.huzhou.example>"
    assert headers[0]["X-Outbox-Key"] == key
    assert "issue" not in headers[0]["X-Outbox-Key"]  # nothing of the row's key shows
    assert headers[1]["X-Outbox-Key"] == outbox_key(second.key) != key


def test_a_subject_longer_than_the_outbox_holds_is_shortened_not_refused():
    """A subject made from a long session theme fits the row (PostgreSQL refuses more)."""
    row = notification_create(key="long:subject", channel="email", address="a@example.com",
                              subject="恳谈会" * 100, body="正文")
    row.refresh_from_db()
    assert len(row.subject) == 200 and row.subject.startswith("恳谈会" * 60)
