"""Facts about the incoming request that more than one app needs."""

from django.conf import settings


def client_ip(request) -> str | None:
    """The client's address.

    Behind ``TRUSTED_PROXY_COUNT`` reverse proxies (nginx in front of gunicorn, say) it is
    the address the nearest trusted proxy saw, taken from the right of X-Forwarded-For, so
    that a client cannot choose its own address by sending the header itself. The lock-out,
    the rate limits and the audit trail all count by this one function.
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None
