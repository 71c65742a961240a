"""Writing to the outbox and delivering from it.

``notification_create`` writes one row; ``notify_person`` tells one person on each channel
they can be reached by, and ``notify_users`` tells several users the same thing. Each
writes in the caller's transaction and queues delivery once it commits, by the task's name
(``DELIVER_TASK``, declared by ``notifications.tasks``), so this module never imports the
tasks that call it.
"""

import logging
import uuid
from datetime import timedelta
from functools import partial

from celery import current_app
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import Truncator

from core.links import absolute_url
from notifications import webhooks
from notifications.backends import (
    PermanentDeliveryError,
    TransientDeliveryError,
    dingtalk_enabled,
    send_dingtalk,
    send_email,
    send_sms,
    sms_parts,
    sms_signed,
    sms_text,
)
from notifications.models import ChannelPreference, Notification, WebhookEndpoint
from notifications.selectors import inbox_for_user

logger = logging.getLogger(__name__)

#: The name of the task that delivers one row (``notifications.tasks``).
DELIVER_TASK = "notifications.deliver"
#: A row this old and still pending was missed by its on-commit task.
REDELIVER_AFTER = timedelta(minutes=1)


def notification_create(
    *, key: str, channel: str, subject: str, body: str = "", recipient=None,
    address: str = "", url: str = "", send_after=None,
) -> Notification | None:
    """Write one outbox row in the caller's transaction; None if ``key`` was used before.

    Delivery is queued once the transaction commits. If the broker is down the
    row stays pending and the redelivery sweep sends it later. An SMS row is written as it
    is sent: on one line, the signature at its start, with the parts it takes.
    """
    if Notification.objects.filter(key=key).exists():
        return None
    sms = channel == Notification.Channel.SMS
    if sms:
        subject, body = sms_signed(subject=subject, body=body)
    # A subject made from a long title or theme is shortened, never refused by the database.
    subject = Truncator(subject).chars(Notification._meta.get_field("subject").max_length)
    parts = sms_parts(sms_text(subject, body)) if sms else None
    now = timezone.now()
    try:
        # A savepoint: a concurrent writer of the same key must not break the caller's
        # transaction, only make this call a no-op.
        with transaction.atomic():
            notification = Notification.objects.create(
                key=key, channel=channel, subject=subject, body=body, recipient=recipient,
                address=address, url=url, send_after=send_after or now, sms_parts=parts,
            )
    except IntegrityError:
        if Notification.objects.filter(key=key).exists():
            return None
        raise
    if notification.send_after <= now:
        transaction.on_commit(lambda: _enqueue(notification.pk))
    if channel == Notification.Channel.IN_APP:
        _mirror_to_dingtalk(notification)
    return notification


# --- DingTalk work notices (docs/api-channels.md) ----------------------------------------


def _mirror_to_dingtalk(notification: Notification) -> None:
    """An in-app row, mirrored as a DingTalk work notice for a person who switched it on and
    gave their DingTalk user id: its own row (its own key, ``…:dingtalk``), in the same
    transaction. Nothing is read when DingTalk is not configured."""
    if not dingtalk_enabled():
        return
    preference = ChannelPreference.objects.filter(
        user_id=notification.recipient_id, dingtalk_enabled=True,
    ).exclude(dingtalk_userid="").first()
    if preference is None:
        return
    key = f"{notification.key.removesuffix(':in_app')}:dingtalk"
    if len(key) > Notification._meta.get_field("key").max_length:
        logger.warning("Notification %s not mirrored to DingTalk: its key is too long",
                       notification.pk)
        return
    notification_create(
        key=key, channel=Notification.Channel.DINGTALK,
        recipient=notification.recipient, address=preference.dingtalk_userid,
        subject=notification.subject, body=notification.body, url=notification.url,
        send_after=notification.send_after,
    )


def channel_preference_save(*, user, dingtalk_userid: str, dingtalk_enabled: bool):
    """An official's own choice: their DingTalk user id and whether their in-app messages go
    there too. Messages written from now on follow it; none already written change."""
    preference, _created = ChannelPreference.objects.update_or_create(
        user=user, defaults={"dingtalk_userid": dingtalk_userid.strip(),
                             "dingtalk_enabled": dingtalk_enabled})
    return preference


def notify_person(
    *, key: str, subject: str, body: str, path: str = "", user=None, email: str = "",
    mobile: str = "", sms_path: str = "",
) -> int:
    """One message to one person, on each channel they can be reached by: in the app (an
    active ``user``), by email (``email``), by SMS (``mobile``). Row keys are ``key`` plus the
    channel, so a second call writes nothing. External messages carry the absolute link;
    an SMS the link to ``sms_path`` when given (a short path that redirects to ``path``).
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
            subject=subject,
            body=f"{body} {absolute_url(sms_path or path)}" if path or sms_path else body,
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


def _max_attempts() -> int:
    return settings.NOTIFICATION_MAX_ATTEMPTS


def _in_doubt_after() -> timedelta:
    return timedelta(seconds=settings.NOTIFICATION_IN_DOUBT_SECONDS)


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=settings.NOTIFICATION_RETRY_BACKOFF_SECONDS * 2 ** attempts)


def _deliverable(now) -> Q:
    """Rows a delivery may take now: pending and due, or in doubt for longer than the
    timeout (the attempt that marked them was lost in a crash)."""
    return (Q(status=Notification.Status.PENDING, send_after__lte=now)
            | Q(status=Notification.Status.SENDING, attempted_at__lte=now - _in_doubt_after()))


def notification_deliver(*, notification_id: int) -> bool:
    """Send one notification. True if this call sent it; a repeat call sends nothing.

    The attempt is marked ("sending", committed) before the provider is called and the row
    marked sent after, each in its own transaction, so a crash in between leaves the row in
    doubt rather than pending: it is tried again only after NOTIFICATION_IN_DOUBT_SECONDS, with
    the same idempotency key. Whatever a send raises counts an attempt and backs off; after
    NOTIFICATION_MAX_ATTEMPTS the row is failed (docs/notifications.md).
    """
    notification = _claim(notification_id)
    if notification is None:
        return False
    if notification.status == Notification.Status.SENT:  # in the app: the row is the message
        return True
    try:
        _send(notification)
    except Exception as error:  # anything: a poison row must not stop the others
        _record_failure(notification, error)
        return False
    _mark_sent(notification)
    return True


def _claim(notification_id: int) -> Notification | None:
    """Mark the attempt, in its own committed transaction; None if the row is not ours to send.
    An in-app row needs no provider: it is marked sent at once."""
    with transaction.atomic():
        now = timezone.now()
        notification = Notification.objects.select_for_update().filter(
            _deliverable(now), pk=notification_id).first()
        if notification is None:
            return None
        notification.attempts += 1
        notification.attempted_at = now
        if notification.channel == Notification.Channel.IN_APP:
            notification.status, notification.sent_at = Notification.Status.SENT, now
        else:
            notification.status = Notification.Status.SENDING
        notification.save(update_fields=["attempts", "attempted_at", "status", "sent_at"])
    return notification


def _this_attempt(notification: Notification):
    """The row, if it is still in the attempt ``notification`` claimed."""
    return Notification.objects.filter(
        pk=notification.pk, status=Notification.Status.SENDING,
        attempted_at=notification.attempted_at,
    )


def _mark_sent(notification: Notification) -> None:
    with transaction.atomic():
        if not _this_attempt(notification).update(
                status=Notification.Status.SENT, sent_at=timezone.now()):
            logger.warning("Notification %s was sent, but its attempt had been taken over",
                           notification.pk)


def _record_failure(notification: Notification, error: Exception) -> None:
    """Count the attempt: back off, or fail the row for good after the last one (at once
    when the provider refused the message for good, ``PermanentDeliveryError``)."""
    if isinstance(error, TransientDeliveryError | PermanentDeliveryError):
        message = str(error)
    else:
        message = f"{type(error).__name__}: {error}"
    # A permanent refusal (an invalid number, an unknown template) fails the row at once.
    failed = (notification.attempts >= _max_attempts()
              or isinstance(error, PermanentDeliveryError))
    changes = {"last_error": message[:2000]}
    if failed:
        changes["status"] = Notification.Status.FAILED
    else:
        changes["status"] = Notification.Status.PENDING
        changes["send_after"] = timezone.now() + _backoff(notification.attempts)
    with transaction.atomic():
        _this_attempt(notification).update(**changes)
    if failed:
        logger.error("Notification %s (%s) failed after %s attempts: %s", notification.pk,
                     notification.channel, notification.attempts, message)
    else:
        logger.warning("Notification %s (%s), attempt %s failed: %s", notification.pk,
                       notification.channel, notification.attempts, message,
                       exc_info=not isinstance(error, TransientDeliveryError))


def _send(notification: Notification) -> None:
    if notification.channel == Notification.Channel.EMAIL:
        send_email(address=notification.address, subject=notification.subject,
                   body=notification.body, key=notification.key)
    elif notification.channel == Notification.Channel.SMS:
        send_sms(mobile=notification.address, key=notification.key,
                 text=sms_text(notification.subject, notification.body))
    elif notification.channel == Notification.Channel.WEBHOOK:
        webhooks.post(notification)
    elif notification.channel == Notification.Channel.DINGTALK:
        send_dingtalk(userid=notification.address, subject=notification.subject,
                      text=notification.body, url=notification.url, key=notification.key)


def notifications_redeliver(*, limit: int = 500) -> int:
    """Deliver what no task will: pending rows whose own task never ran (broker down, worker
    lost) or whose backoff has passed, and rows in doubt for longer than the timeout. One
    row's trouble never stops the sweep. Returns the rows sent."""
    now = timezone.now()
    due = Notification.objects.filter(
        _deliverable(now), Q(created_at__lte=now - REDELIVER_AFTER)
        | Q(status=Notification.Status.SENDING)
    ).order_by("send_after", "id").values_list("pk", flat=True)[:limit]
    sent = 0
    for pk in list(due):
        try:
            sent += notification_deliver(notification_id=pk)
        except Exception:  # the database refused this row: log it, go on with the next
            logger.exception("Redelivery of notification %s failed", pk)
    return sent


def notifications_retry(*, notification_ids) -> int:
    """An administrator's retry: failed rows among ``notification_ids`` go back to pending
    with their attempts reset, and are queued once this commits. Returns how many."""
    now = timezone.now()
    with transaction.atomic():
        ids = list(Notification.objects.select_for_update().filter(
            pk__in=notification_ids, status=Notification.Status.FAILED,
        ).values_list("pk", flat=True))
        Notification.objects.filter(pk__in=ids).update(
            status=Notification.Status.PENDING, attempts=0, send_after=now)
        for pk in ids:
            transaction.on_commit(partial(_enqueue, pk))
    for pk in ids:
        logger.info("Notification %s queued again by an administrator", pk)
    return len(ids)


def notification_mark_read(*, notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])


def notifications_mark_all_read(*, user) -> int:
    """Mark every unread message in the user's inbox read; returns how many were unread."""
    return inbox_for_user(user=user, unread_only=True).update(read_at=timezone.now())


# --- Webhooks (docs/api-webhooks.md) ----------------------------------------------------------


def webhook_event(*, event: str, key: str, payload) -> int:
    """One outbox row per active endpoint subscribed to ``event``, in the caller's
    transaction, each queued once it commits. ``key`` names the object and its round or
    version (``"issue:42:r1"``); a row's key is ``webhook:<event>:<key>:<endpoint>``, so a
    second call writes nothing. ``payload`` (a dict, or a function returning one, called
    only when some endpoint listens) becomes the body's ``data``: the caller puts no
    personal data in it. Returns the rows written."""
    endpoints = [endpoint for endpoint in WebhookEndpoint.objects.filter(active=True)
                 if endpoint.receives(event)]
    if not endpoints:
        return 0
    data = payload() if callable(payload) else payload
    body = webhooks.envelope(event_id=str(uuid.uuid4()), event=event, data=data)
    return sum(bool(_webhook_row(key=f"webhook:{event}:{key}:{endpoint.pk}", event=event,
                                 body=body, endpoint=endpoint))
               for endpoint in endpoints)


def _webhook_row(*, key: str, event: str, body: str, endpoint: WebhookEndpoint):
    """Write one webhook row (as ``notification_create`` writes others); None if ``key`` was
    used before."""
    if Notification.objects.filter(key=key).exists():
        return None
    try:
        with transaction.atomic():
            row = Notification.objects.create(
                key=key, channel=Notification.Channel.WEBHOOK, subject=event, body=body,
                address=Truncator(endpoint.url).chars(254), webhook_endpoint=endpoint,
            )
    except IntegrityError:
        if Notification.objects.filter(key=key).exists():
            return None
        raise
    transaction.on_commit(partial(_enqueue, row.pk))
    return row


def webhooks_send_again(*, notification_ids) -> int:
    """An administrator's "send again": each webhook row among ``notification_ids`` that was
    sent or has failed is copied into a NEW row (same event and body, key suffixed
    ``:again:<n>``) and queued once this commits; the old row and its log stay as they are.
    Returns how many were queued."""
    rows = Notification.objects.filter(
        pk__in=notification_ids, channel=Notification.Channel.WEBHOOK,
        status__in=(Notification.Status.SENT, Notification.Status.FAILED),
        webhook_endpoint__isnull=False,
    ).select_related("webhook_endpoint")
    queued = 0
    with transaction.atomic():
        for row in rows:
            base = row.key.split(":again:")[0]
            again = Notification.objects.filter(key__startswith=f"{base}:again:").count() + 1
            copy = _webhook_row(key=f"{base}:again:{again}", event=row.subject, body=row.body,
                                endpoint=row.webhook_endpoint)
            if copy is not None:
                queued += 1
                logger.info("Webhook row %s sent again as %s by an administrator", row.pk,
                            copy.pk)
    return queued


def webhook_endpoint_save(*, endpoint: WebhookEndpoint, new_secret: bool = False) -> str | None:
    """Save an endpoint an administrator registered or changed, its URL checked
    (``webhooks.check_url``: ``ValidationError`` if refused). A new endpoint, or
    ``new_secret``, gets a new signing secret, which is returned (never logged)."""
    webhooks.check_url(endpoint.url)
    secret = None
    if new_secret or not endpoint.secret:
        secret = endpoint.secret = webhooks.new_secret()
    endpoint.events = [event for event in WebhookEndpoint.Event.values
                       if event in endpoint.events]
    endpoint.save()
    logger.info("Webhook endpoint %s saved%s", endpoint.pk,
                " with a new secret" if secret else "")
    return secret


def webhook_endpoints_new_secret(*, endpoint_ids) -> int:
    """A new signing secret for each endpoint among ``endpoint_ids``. Returns how many."""
    with transaction.atomic():
        endpoints = list(WebhookEndpoint.objects.select_for_update().filter(pk__in=endpoint_ids))
        for endpoint in endpoints:
            endpoint.secret = webhooks.new_secret()
            endpoint.save(update_fields=["secret"])
    for endpoint in endpoints:
        logger.info("Webhook endpoint %s was given a new secret", endpoint.pk)
    return len(endpoints)
