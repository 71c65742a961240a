"""Delivery backends. SMS is pluggable: settings.SMS_BACKEND names a class with ``send``."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

logger = logging.getLogger("notifications.sms")


class TransientDeliveryError(Exception):
    """The provider could not take the message now; try again later."""


class LogSMSBackend:
    """Writes each SMS to the log instead of sending it (the default)."""

    def send(self, *, mobile: str, text: str) -> None:
        logger.info("SMS to %s: %s", mobile, text)


def get_sms_backend():
    return import_string(settings.SMS_BACKEND)()


def send_email(*, address: str, subject: str, body: str) -> None:
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address])
    except OSError as error:  # connection refused, timeout: the mail server may come back
        raise TransientDeliveryError(str(error)) from error
