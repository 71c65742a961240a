"""Delivery backends. SMS is pluggable: settings.SMS_BACKEND names a class with
``send(*, mobile, text, key)``.

``key`` is the outbox row's idempotency key (``outbox_key``): the same for every attempt at
one row and different for every row. A backend whose provider accepts an idempotency key
passes it on, so that a retry of a message the provider already took is not sent again;
one whose provider has none ignores it (docs/notifications.md: the guarantee).
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


def outbox_key(key: str) -> str:
    """The idempotency key a provider is given for the outbox row ``key``: stable across
    attempts, and it reveals nothing of the row (its key names people and records)."""
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def send_sms(*, mobile: str, text: str, key: str) -> None:
    get_sms_backend().send(mobile=mobile, text=one_line(text), key=outbox_key(key))


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
