"""Writing to the outbox and delivering from it.

``notification_create`` writes one row; ``notify_person`` tells one person on each channel
they can be reached by, and ``notify_users`` tells several users the same thing. Each
writes in the caller's transaction and queues delivery once it commits, by the task's name
(``DELIVER_TASK``, declared by ``notifications.tasks``), so this module never imports the
tasks that call it.
"""

import logging
from datetime import timedelta

from celery import current_app
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.links import absolute_url
from notifications.backends import TransientDeliveryError, get_sms_backend, send_email
from notifications.models import Notification
from notifications.selectors import inbox_for_user

logger = logging.getLogger(__name__)

#: The name of the task that delivers one row (``notifications.tasks``).
DELIVER_TASK = "notifications.deliver"
MAX_ATTEMPTS = 5
#: A row this old and still pending was missed by its on-commit task.
REDELIVER_AFTER = timedelta(minutes=1)


def notification_create(
    *, key: str, channel: str, subject: str, body: str = "", recipient=None,
    address: str = "", url: str = "", send_after=None,
) -> Notification | None:
    """Write one outbox row in the caller's transaction; None if ``key`` was used before.

    Delivery is queued once the transaction commits. If the broker is down the
    row stays pending and the redelivery sweep sends it later.
    """
    if Notification.objects.filter(key=key).exists():
        return None
    now = timezone.now()
    try:
        # A savepoint: a concurrent writer of the same key must not break the caller's
        # transaction, only make this call a no-op.
        with transaction.atomic():
            notification = Notification.objects.create(
                key=key, channel=channel, subject=subject, body=body, recipient=recipient,
                address=address, url=url, send_after=send_after or now,
            )
    except IntegrityError:
        if Notification.objects.filter(key=key).exists():
            return None
        raise
    if notification.send_after <= now:
        transaction.on_commit(lambda: _enqueue(notification.pk))
    return notification


def notify_person(
    *, key: str, subject: str, body: str, path: str = "", user=None, email: str = "",
    mobile: str = "",
) -> int:
    """One message to one person, on each channel they can be reached by: in the app (an
    active ``user``), by email (``email``), by SMS (``mobile``). Row keys are ``key`` plus the
    channel, so a second call writes nothing. External messages carry the absolute link.
    Returns the rows written."""
    link = f"\n\n{absolute_url(path)}" if path else ""
    written = 0
    if user is not None and user.is_active:
        written += bool(notification_create(
            key=f"{key}:in_app", channel=Notification.Channel.IN_APP, recipient=user,
            subject=subject, body=body, url=path,
        ))
    if email:
        written += bool(notification_create(
            key=f"{key}:email", channel=Notification.Channel.EMAIL, recipient=user,
            address=email, subject=subject, body=f"{body}{link}",
        ))
    if mobile:
        written += bool(notification_create(
            key=f"{key}:sms", channel=Notification.Channel.SMS, recipient=user, address=mobile,
            subject=subject, body=f"{body} {absolute_url(path)}" if path else body,
        ))
    return written


def notify_users(
    *, users, key: str, subject: str, body: str, path: str = "", email: bool = False,
) -> int:
    """The same message to each of ``users``: in the app (active users only) and, when
    ``email``, by email to their account's address. Row keys are ``key``, the user's id and
    the channel (``f"{key}:{user.pk}:in_app"``), so a second call writes nothing. Returns
    the rows written."""
    return sum(
        notify_person(key=f"{key}:{user.pk}", subject=subject, body=body, path=path,
                      user=user, email=user.email if email else "")
        for user in users
    )


def _enqueue(notification_id: int) -> None:
    """Queue the row's delivery task by name (a registered task runs as its own ``delay``
    would, eagerly too when Celery is told so)."""
    try:
        current_app.signature(DELIVER_TASK, args=(notification_id,)).delay()
    except Exception:  # the broker is down: the sweep will pick the row up
        logger.warning("Broker unavailable; notification %s left for redelivery", notification_id)


def notification_deliver(*, notification_id: int) -> bool:
    """Send one pending notification. True if this call sent it; a repeat call sends nothing."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update().filter(pk=notification_id).first()
        )
        if notification is None or notification.status != Notification.Status.PENDING:
            return False
        if notification.send_after > timezone.now():
            return False
        notification.attempts += 1
        try:
            _send(notification)
        except TransientDeliveryError as error:
            notification.last_error = str(error)[:2000]
            if notification.attempts >= MAX_ATTEMPTS:
                notification.status = Notification.Status.FAILED
            else:
                backoff = timedelta(minutes=2 ** notification.attempts)
                notification.send_after = timezone.now() + backoff
            notification.save(update_fields=["attempts", "last_error", "status", "send_after"])
            return False
        notification.status = Notification.Status.SENT
        notification.sent_at = timezone.now()
        notification.save(update_fields=["attempts", "status", "sent_at"])
        return True


def _send(notification: Notification) -> None:
    if notification.channel == Notification.Channel.EMAIL:
        send_email(address=notification.address, subject=notification.subject,
                   body=notification.body)
    elif notification.channel == Notification.Channel.SMS:
        get_sms_backend().send(mobile=notification.address,
                               text=f"{notification.subject} {notification.body}".strip())
    # In-app: the row itself is the message; sending only marks it delivered.


def notifications_redeliver(*, limit: int = 500) -> int:
    """Deliver pending rows whose own task never ran (broker down, worker lost)."""
    cutoff = timezone.now() - REDELIVER_AFTER
    due = Notification.objects.filter(
        status=Notification.Status.PENDING, send_after__lte=timezone.now(), created_at__lte=cutoff
    ).order_by("send_after", "id").values_list("pk", flat=True)[:limit]
    return sum(notification_deliver(notification_id=pk) for pk in list(due))


def notification_mark_read(*, notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])


def notifications_mark_all_read(*, user) -> int:
    """Mark every unread message in the user's inbox read; returns how many were unread."""
    return inbox_for_user(user=user, unread_only=True).update(read_at=timezone.now())
