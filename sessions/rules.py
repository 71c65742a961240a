"""The sessions' adjustable numbers, read from settings (each has an environment variable).

Reminder times are not here: they are rows (``ReminderRule``) edited in the admin.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings


@dataclass(frozen=True)
class SessionRules:
    #: How long before the start people may check in (by the list or the venue's code).
    check_in_opens: timedelta
    #: How long a check-in code shown at the venue stays valid once made.
    check_in_code_valid: timedelta


def session_rules() -> SessionRules:
    return SessionRules(
        check_in_opens=timedelta(minutes=settings.SESSION_CHECK_IN_OPENS_MINUTES),
        check_in_code_valid=timedelta(minutes=settings.SESSION_CHECK_IN_CODE_MINUTES),
    )


def check_in_opens_at(session):
    """When check-in (by the list or the venue's code) opens for ``session``."""
    return session.starts_at - session_rules().check_in_opens
