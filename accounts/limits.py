"""When a refused log-in may try again: the per-address limit on failures
(``core.ratelimits``, ``RATELIMIT_LOGIN``) and the lock-out of one account (django-axes),
each said as a time of day and a number of minutes."""

import math
from datetime import datetime

from axes.models import AccessAttempt
from django.conf import settings
from django.utils import formats, timezone
from django.utils.translation import gettext, ngettext

from accounts.backends import axes_username


def retry_words(until: datetime) -> dict:
    """``time`` (14:35, the site's time zone) and ``minutes`` ("in 7 minutes") of ``until``."""
    minutes = max(1, math.ceil((until - timezone.now()).total_seconds() / 60))
    return {
        "time": formats.time_format(timezone.localtime(until), "H:i"),
        "minutes": ngettext("in %(count)d minute", "in %(count)d minutes", minutes)
        % {"count": minutes},
    }


def login_limit_message(until: datetime) -> str:
    """The form's error while the address has used up its failed log-ins."""
    return gettext(
        "Too many failed log-ins from your network. Please try again after %(time)s "
        "(%(minutes)s)."
    ) % retry_words(until)


def account_locked_until(request, credentials=None) -> datetime:
    """When the lock-out of the account being logged in to ends.

    django-axes counts the failures of the last ``AXES_COOLOFF_TIME`` (one row per address
    and browser); the lock lifts when enough of them are older than that for fewer than
    ``AXES_FAILURE_LIMIT`` to remain.
    """
    cool_off = settings.AXES_COOLOFF_TIME
    now = timezone.now()
    attempts = AccessAttempt.objects.filter(
        username=axes_username(request, credentials), attempt_time__gte=now - cool_off,
    ).order_by("-attempt_time").values_list("attempt_time", "failures_since_start")
    failures = 0
    for attempt_time, count in attempts:
        failures += count
        if failures >= settings.AXES_FAILURE_LIMIT:
            return attempt_time + cool_off
    return now + cool_off
