"""Rate limits per client address (django-ratelimit), named after their settings.

The counts live in the cache, which production keeps in Redis. A limit is never worth
losing what a person did: when the cache cannot be reached (Redis down, a timeout), the
attempt is let through (the limit "fails open") and a warning is logged, so that log-in,
sign-up, password reset and issue submission keep working during the outage. The lock-out
after wrong passwords (django-axes) counts in the database and holds throughout.

Most limits count every attempt (``rate_limit_hit``). The log-in limit counts failures
only: ``rate_limit_reached`` asks before the password is checked, ``rate_limit_count``
counts a failure after, so an office behind one address logs in as often as it likes.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django_ratelimit.core import get_usage

logger = logging.getLogger(__name__)


def _usage(request, *, name: str, increment: bool) -> dict | None:
    """django-ratelimit's count for ``name`` from the client's address; None when the cache
    does not answer (with a warning in the log)."""
    try:
        return get_usage(
            request,
            group=f"huzhou_talks.{name}",
            key="ip",
            rate=getattr(settings, f"RATELIMIT_{name.upper()}"),
            increment=increment,
        )
    except ImproperlyConfigured:
        raise  # a mistake in the settings, not an outage: say so
    except Exception as error:  # any cache backend's failure: Redis's ConnectionError, OSError…
        logger.warning(
            "Rate limit %r not counted, attempt let through: the cache is unavailable (%s: %s)",
            name, type(error).__name__, error,
        )
        return None


def rate_limit_hit(request, *, name: str, increment: bool = True) -> bool:
    """Count one attempt at ``name`` from the client's address; True once over the limit.

    The limit is the ``RATELIMIT_<NAME>`` setting, e.g. ``RATELIMIT_SIGNUP = "5/h"``. False,
    with a warning in the log, when the cache does not answer. With ``increment=False``
    nothing is counted: only whether the address is already over the limit.
    """
    usage = _usage(request, name=name, increment=increment)
    return bool(usage and usage["should_limit"])


def rate_limit_reached(request, *, name: str) -> datetime | None:
    """Counting nothing: when the address may try ``name`` again if it has used up its
    limit in the current window (the window's end), else None (and None when the cache
    does not answer)."""
    usage = _usage(request, name=name, increment=False)
    if not usage or usage["count"] < usage["limit"]:
        return None
    return timezone.now() + timedelta(seconds=max(usage["time_left"], 1))


def rate_limit_count(request, *, name: str) -> None:
    """Count one attempt at ``name`` (for a limit that counts failures only)."""
    _usage(request, name=name, increment=True)
