"""Rate limits per token (DRF throttling): reads (GET, HEAD, OPTIONS) count against
``API_RATE_READ``, everything else against ``API_RATE_WRITE``, each per token, or per person
when signed in by the session, or per address without either.

The counts live in the cache (Redis in production). A limit is never worth an outage of the
API: when the cache does not answer, the request is let through and a warning is logged,
as ``core.ratelimits`` does for the pages' limits.
"""

import logging

from django.conf import settings
from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import SimpleRateThrottle

from api.models import ApiToken
from core.http import client_ip

logger = logging.getLogger(__name__)


class _TokenRateThrottle(SimpleRateThrottle):
    setting: str
    reads: bool

    def get_rate(self):
        return getattr(settings, self.setting)

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            who = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            who = f"user-{request.user.pk}"
        else:
            who = f"address-{client_ip(request) or 'unknown'}"
        return f"api-throttle:{self.scope}:{who}"

    def allow_request(self, request, view):
        if (request.method in SAFE_METHODS) != self.reads:
            return True
        try:
            return super().allow_request(request, view)
        except Exception as error:  # any cache backend's failure: Redis's ConnectionError…
            logger.warning(
                "API rate limit %r not counted, request let through: the cache is "
                "unavailable (%s: %s)", self.scope, type(error).__name__, error,
            )
            return True


class ReadRateThrottle(_TokenRateThrottle):
    scope = "read"
    setting = "API_RATE_READ"
    reads = True


class WriteRateThrottle(_TokenRateThrottle):
    scope = "write"
    setting = "API_RATE_WRITE"
    reads = False
