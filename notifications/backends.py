"""Delivery backends. SMS is pluggable: settings.SMS_BACKEND names a class with
``send(*, mobile, text, key)``.

``key`` is the outbox row's idempotency key (``outbox_key``): the same for every attempt at
one row and different for every row. A backend whose provider accepts an idempotency key
passes it on, so that a retry of a message the provider already took is not sent again;
one whose provider has none ignores it (docs/notifications.md: the guarantee).

An SMS's text is its row's subject and text on one line (``sms_text``); the row is written
with the signature already at its start (``sms_signed``, called once, by
``notifications.services.notification_create``) and the number of parts it takes
(``sms_parts``), so the outbox shows what is sent and what it costs.
"""

import hashlib
import logging
import re
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils.module_loading import import_string

from core.validators import printable_text

logger = logging.getLogger("notifications.sms")

#: Line breaks of every kind ``str.splitlines`` knows, with the blanks around them.
LINE_BREAKS = re.compile(r"\s*[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]+\s*")


class TransientDeliveryError(Exception):
    """The provider could not take the message now; try again later."""


class PermanentDeliveryError(Exception):
    """The provider refused this message for good (an invalid number, an unknown template):
    trying again cannot help, so the row is failed at once, with this error kept. An operator
    who fixes the cause retries it from the admin."""


class LogSMSBackend:
    """Writes each SMS to the log instead of sending it (the default)."""

    def send(self, *, mobile: str, text: str, key: str) -> None:
        logger.info("SMS to %s: %s", mobile, text)


def get_sms_backend():
    return import_string(settings.SMS_BACKEND)()


def one_line(text: str) -> str:
    """``text`` on one line: each line break, with the blanks around it, becomes one space,
    and no other control character is left (``core.validators.printable_text``). An email
    subject or an SMS never carries a line break (a session's theme may)."""
    return printable_text(LINE_BREAKS.sub(" ", text), multiline=False).strip()


#: One SMS carries 70 UCS-2 characters; a longer text is split into parts of 67 each (the
#: other three carry the header that joins them again).
SMS_SINGLE_PART = 70
SMS_MULTI_PART = 67


def sms_text(subject: str, body: str) -> str:
    """The text an SMS row sends: its subject and text, on one line."""
    return one_line(f"{subject} {body}")


def sms_signed(*, subject: str, body: str) -> tuple[str, str]:
    """The subject and text an SMS row is written with: each on one line, and the sender's
    signature (``SMS_SIGNATURE``) at the start of the subject, unless the text already
    starts with it (it is never doubled)."""
    subject, body = one_line(subject), one_line(body)
    signature = one_line(settings.SMS_SIGNATURE)
    if signature and not sms_text(subject, body).startswith(signature):
        subject = f"{signature}{subject}"
    return subject, body


def sms_parts(text: str) -> int:
    """How many SMS parts ``text`` takes, counted as the operator does: in UCS-2 (UTF-16
    code units, so a character beyond the basic plane, an emoji, counts twice), 70 for one
    part, 67 for each part of a longer text. Nothing to send takes none."""
    length = len(text.encode("utf-16-le")) // 2
    if length <= SMS_SINGLE_PART:
        return 1 if length else 0
    return -(-length // SMS_MULTI_PART)


def outbox_key(key: str) -> str:
    """The idempotency key a provider is given for the outbox row ``key``: stable across
    attempts, and it reveals nothing of the row (its key names people and records)."""
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def send_sms(*, mobile: str, text: str, key: str) -> None:
    """Hand one SMS to the backend. A backend that sends approved templates (``templated =
    True``: the provider adapters in ``notifications.providers``) also gets ``kind``, what the
    message is, read from the row's key (``issue:rate``), to choose its template."""
    backend = get_sms_backend()
    extra = {"kind": sms_kind(key)} if getattr(backend, "templated", False) else {}
    backend.send(mobile=mobile, text=one_line(text), key=outbox_key(key), **extra)


def sms_kind(row_key: str) -> str:
    """The kind of message an outbox row is, from its key: the first part and the part after
    the record's number (``issue:12:rate:r1:7:sms`` gives ``issue:rate``,
    ``session:3:reminder:…`` gives ``session:reminder``, ``entrepreneur:9:claim`` gives
    ``entrepreneur:claim``); a key of another shape gives its first part."""
    parts = row_key.split(":")
    if len(parts) >= 3 and parts[1].isdigit():
        return f"{parts[0]}:{parts[2]}"
    return parts[0]


def dingtalk_enabled() -> bool:
    """Whether in-app messages are mirrored to DingTalk work notices (``DINGTALK_BACKEND``)."""
    return bool(settings.DINGTALK_BACKEND)


def send_dingtalk(*, userid: str, subject: str, text: str, url: str, key: str) -> None:
    """Hand one work notice to ``DINGTALK_BACKEND`` (``notifications.providers.dingtalk``).
    A row written before DingTalk was switched off is failed, not tried five times."""
    if not dingtalk_enabled():
        raise PermanentDeliveryError("DingTalk is not configured (DINGTALK_BACKEND is blank)")
    import_string(settings.DINGTALK_BACKEND)().send(
        userid=userid, subject=one_line(subject), text=text, url=url, key=outbox_key(key))


def send_email(*, address: str, subject: str, body: str, key: str) -> None:
    """Send one email; its Message-ID and X-Outbox-Key header are derived from ``key``, so a
    relay or provider that deduplicates on them sees every attempt as the same message."""
    idempotency_key = outbox_key(key)
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    message = EmailMessage(
        one_line(subject), body, settings.DEFAULT_FROM_EMAIL, [address],
        headers={"Message-ID": f"<{idempotency_key}.outbox@{domain}>",
                 "X-Outbox-Key": idempotency_key},
    )
    try:
        message.send()
    except OSError as error:  # connection refused, timeout: the mail server may come back
        raise TransientDeliveryError(str(error)) from error
