"""Webhooks: which endpoint URLs are accepted, how a delivery is signed, and the one POST
of one outbox row (docs/api-webhooks.md).

``notifications.services`` writes a webhook row per endpoint and event (``webhook_event``)
and delivers it like any other row (claim, send, record); the send step is ``post`` here.
It raises ``TransientDeliveryError`` for "try again later" (a timeout, a refused connection,
a 5xx, 408 or 429) and ``PermanentDeliveryError`` for "it will never work" (any other 4xx, a
redirect, an address refused): the row is then failed at once, not retried.
"""

import hashlib
import hmac
import http.client
import ipaddress
import json
import secrets
import socket
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.backends import PermanentDeliveryError, TransientDeliveryError, outbox_key
from notifications.models import Notification, WebhookDelivery

#: Seconds a delivery waits to connect and for the answer.
TIMEOUT_SECONDS = 5
#: The longest part of an answer kept in the delivery log.
EXCERPT_CHARS = 500
#: Answers that mean "try later"; any other 4xx is final.
RETRY_STATUSES = frozenset({408, 429})
#: Cloud metadata services that are not link-local: Alibaba Cloud's, AWS's over IPv6.
METADATA_ADDRESSES = frozenset({ipaddress.ip_address("100.100.100.200"),
                                ipaddress.ip_address("fd00:ec2::254")})
USER_AGENT = "HuzhouTalks-Webhooks/1"


def new_secret() -> str:
    """A signing secret for a new endpoint: 32 random bytes, URL-safe."""
    return secrets.token_urlsafe(32)


def signature(*, secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=`` and the hex HMAC-SHA256, keyed with ``secret``, of ``<timestamp>.<body>``."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={digest.hexdigest()}"


def allow_private() -> bool:
    """Private and loopback addresses (an intranet system, a test's local receiver) are
    accepted when ``WEBHOOK_ALLOW_PRIVATE`` is on; it defaults to ``DEBUG``."""
    return settings.WEBHOOK_ALLOW_PRIVATE


def _refusal(address) -> str | None:
    """Why the endpoint may not be called at ``address``, or None."""
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    if address.is_link_local or address in METADATA_ADDRESSES:
        return _("%(address)s is a link-local or cloud metadata address.") % {
            "address": address}
    if address.is_unspecified or address.is_multicast:
        return _("%(address)s is not an address a system can be reached at.") % {
            "address": address}
    if address.is_loopback or address.is_private:
        if allow_private():
            return None
        return _("%(address)s is a private or loopback address, refused unless "
                 "WEBHOOK_ALLOW_PRIVATE is on.") % {"address": address}
    if address.is_reserved or not address.is_global:
        return _("%(address)s is not an address a system can be reached at.") % {
            "address": address}
    return None


def check_url(url: str) -> None:
    """Raise ``ValidationError`` (code ``unresolved`` when the host name does not resolve)
    unless ``url`` is http(s), without credentials, and every address its host resolves
    to may be called (``_refusal``)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(_("Give an http or https address."), code="scheme")
    if parts.username or parts.password:
        raise ValidationError(_("Leave the user name and password out of the address; the "
                                "signature proves who sends."), code="credentials")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except (OSError, ValueError, UnicodeError) as error:
        raise ValidationError(_("The host name %(host)s could not be resolved.") % {
            "host": parts.hostname}, code="unresolved") from error
    for info in infos:
        reason = _refusal(ipaddress.ip_address(info[4][0].split("%")[0]))
        if reason:
            raise ValidationError(reason, code="address")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is answered as it is: an error, never followed (it could lead anywhere)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def post(notification: Notification) -> None:
    """POST the row's body to its endpoint, signed, and log the attempt (every attempt, even
    one refused before any connection). Returns when the endpoint answered 2xx; raises
    otherwise (see the module)."""
    endpoint = notification.webhook_endpoint
    status, excerpt, error = None, "", ""
    started = time.monotonic()
    try:
        status, excerpt = _call(notification, endpoint)
    except (TransientDeliveryError, PermanentDeliveryError) as failure:
        error = str(failure)
        raise
    finally:
        WebhookDelivery.objects.create(
            notification=notification, endpoint=endpoint, event=notification.subject,
            status_code=status, response_excerpt=excerpt, error=error[:EXCERPT_CHARS],
            duration_ms=round((time.monotonic() - started) * 1000), at=timezone.now(),
        )
    if 200 <= status < 300:
        return
    if status >= 500 or status in RETRY_STATUSES:
        raise TransientDeliveryError(f"HTTP {status}")
    if 300 <= status < 400:
        raise PermanentDeliveryError(f"HTTP {status}: redirects are not followed")
    raise PermanentDeliveryError(f"HTTP {status}")


def _call(notification: Notification, endpoint) -> tuple[int, str]:
    """The endpoint's status code and the start of its answer; raises when there is none."""
    if not endpoint.active:
        raise PermanentDeliveryError("The endpoint is inactive.")
    try:
        check_url(endpoint.url)
    except ValidationError as error:
        message = " ".join(error.messages)
        if error.code == "unresolved":  # DNS may be back in a minute
            raise TransientDeliveryError(message) from error
        raise PermanentDeliveryError(message) from error
    body = notification.body.encode()
    timestamp = str(int(time.time()))
    request = urllib.request.Request(endpoint.url, data=body, method="POST", headers={
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Huzhou-Event": notification.subject,
        "X-Huzhou-Delivery": outbox_key(notification.key),
        "X-Huzhou-Timestamp": timestamp,
        "X-Huzhou-Signature": signature(secret=endpoint.secret, timestamp=timestamp,
                                        body=body),
    })
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            return response.status, _excerpt(response)
    except urllib.error.HTTPError as answer:
        return answer.code, _excerpt(answer)
    except (OSError, ValueError, http.client.HTTPException) as failure:  # timeouts, refusals
        reason = getattr(failure, "reason", failure)
        raise TransientDeliveryError(f"{type(failure).__name__}: {reason}") from failure


def _excerpt(response) -> str:
    try:
        raw = response.read(EXCERPT_CHARS * 4)
    except (OSError, ValueError):
        return ""
    return raw.decode("utf-8", errors="replace")[:EXCERPT_CHARS]


def envelope(*, event_id: str, event: str, data: dict) -> str:
    """The body posted for one event: ``{"id", "event", "created_at", "data"}``, in JSON, the
    time in ISO 8601 with the site's offset (+08:00)."""
    created_at = timezone.localtime().isoformat(timespec="seconds")
    return json.dumps({"id": event_id, "event": event, "created_at": created_at,
                       "data": data}, ensure_ascii=False, separators=(",", ":"))
