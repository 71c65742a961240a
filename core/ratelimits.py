"""Rate limits per client address (django-ratelimit), named after their settings."""

from django.conf import settings
from django_ratelimit.core import is_ratelimited


def rate_limit_hit(request, *, name: str) -> bool:
    """Count one attempt at ``name`` from the client's address; True once over the limit.

    The limit is the ``RATELIMIT_<NAME>`` setting, e.g. ``RATELIMIT_SIGNUP = "5/h"``.
    """
    return is_ratelimited(
        request,
        group=f"huzhou_talks.{name}",
        key="ip",
        rate=getattr(settings, f"RATELIMIT_{name.upper()}"),
        increment=True,
    )
