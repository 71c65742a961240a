"""Rate limits per client address (django-ratelimit), named after their settings.

The counts live in the cache, which production keeps in Redis. A limit is never worth
losing what a person did: when the cache cannot be reached (Redis down, a timeout), the
attempt is let through (the limit "fails open") and a warning is logged, so that log-in,
sign-up, password reset and issue submission keep working during the outage. The lock-out
after wrong passwords (django-axes) counts in the database and holds throughout.
"""

import logging

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django_ratelimit.core import is_ratelimited

logger = logging.getLogger(__name__)


def rate_limit_hit(request, *, name: str, increment: bool = True) -> bool:
    """Count one attempt at ``name`` from the client's address; True once over the limit.

    The limit is the ``RATELIMIT_<NAME>`` setting, e.g. ``RATELIMIT_SIGNUP = "5/h"``. False,
    with a warning in the log, when the cache does not answer. With ``increment=False``
    nothing is counted: only whether the address is already over the limit.
    """
    try:
        return is_ratelimited(
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
        return False
