"""``Idempotency-Key``: a POST that may be retried safely.

A client that is not sure its POST arrived (a timeout, a dropped connection) sends it again
with the same ``Idempotency-Key`` header. The first request that succeeds is stored
(``api.models.IdempotentRequest``: the caller, the key, a fingerprint of the request, the
status and the body) in the same transaction as what it created; a retry by the same caller
with the same key and the same request gets the stored answer again, with
``Idempotent-Replayed: true``, and creates nothing. The same key with another request is
refused (422). Two requests racing with one key: the unique (user, key) constraint lets one
insert win; the other waits for it (PostgreSQL) and is then answered from it, or is told to
try again (409). Requests that fail write nothing, so a retry of a refused request is
judged afresh.

Keys are kept a day (``KEEP``); ``idempotent_requests_purge`` removes older rows.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response

from api.models import IdempotentRequest

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
#: How long a key is remembered.
KEEP = timedelta(hours=24)

BAD_KEY = _("The Idempotency-Key header must be 1 to 255 printable ASCII characters.")


class KeyReused(APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = _("This Idempotency-Key was already used for a different request. Use a "
                       "new key for a new request.")
    default_code = "idempotency_key_reused"


class KeyInFlight(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("A request with this Idempotency-Key is still being processed. Send it "
                       "again in a moment.")
    default_code = "idempotency_key_in_flight"


@dataclass(frozen=True)
class Idempotency:
    """The key a request carries and its fingerprint (``key`` None: no header)."""

    key: str | None
    fingerprint: str


def idempotency_of(request) -> Idempotency:
    """Read and check the header (400 when malformed) and fingerprint the request: SHA-256
    of the method, the path and the body's JSON in a canonical form (so key order and
    spacing do not matter)."""
    key = request.headers.get(HEADER)
    if key is not None and not (
            0 < len(key) <= MAX_KEY_LENGTH and all(" " <= char <= "~" for char in key)):
        raise ValidationError({HEADER: [BAD_KEY]})
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.sha256(
        "\n".join((request.method, request.path, body)).encode()).hexdigest()
    return Idempotency(key=key, fingerprint=digest)


def replay(*, user, idempotency: Idempotency) -> Response | None:
    """The stored answer to an earlier request with this key (422 if that was another
    request); None if the key is new (or none was sent)."""
    if idempotency.key is None:
        return None
    stored = IdempotentRequest.objects.filter(
        user=user, key=idempotency.key, created_at__gte=timezone.now() - KEEP).first()
    if stored is None:
        return None
    return _answer(stored, idempotency)


def _answer(stored: IdempotentRequest, idempotency: Idempotency) -> Response:
    if stored.fingerprint != idempotency.fingerprint:
        raise KeyReused
    response = Response(stored.response_body, status=stored.status_code)
    response[REPLAYED_HEADER] = "true"
    location = (stored.response_body or {}).get("url")
    if location:
        response["Location"] = location
    return response


def claim(*, user, idempotency: Idempotency) -> IdempotentRequest | None:
    """Inside the caller's transaction: take the key before doing the work. On PostgreSQL a
    second request with the same key waits here until the first commits, then raises
    ``Replayed`` with the first's answer; None when no key was sent."""
    if idempotency.key is None:
        return None
    # An expired row with the key gives way to the new request.
    IdempotentRequest.objects.filter(
        user=user, key=idempotency.key, created_at__lt=timezone.now() - KEEP).delete()
    try:
        with transaction.atomic():
            return IdempotentRequest.objects.create(
                user=user, key=idempotency.key, fingerprint=idempotency.fingerprint,
                status_code=status.HTTP_409_CONFLICT, response_body={},
            )
    except IntegrityError:
        stored = IdempotentRequest.objects.filter(user=user, key=idempotency.key).first()
        if stored is None or not stored.response_body:
            raise KeyInFlight from None
        raise Replayed(_answer(stored, idempotency)) from None


def remember(claimed: IdempotentRequest | None, *, status_code: int, body: dict) -> None:
    """Store the result for the key claimed (same transaction as the work)."""
    if claimed is None:
        return
    claimed.status_code, claimed.response_body = status_code, body
    claimed.save(update_fields=["status_code", "response_body"])


class Replayed(Exception):  # noqa: N818 (not an error: the answer is already known)
    """Raised by ``claim`` when a concurrent request with the key has already succeeded."""

    def __init__(self, response: Response):
        super().__init__("replayed")
        self.response = response


def idempotent_requests_purge() -> int:
    """Remove the keys older than ``KEEP``; returns how many."""
    deleted, _counts = IdempotentRequest.objects.filter(
        created_at__lt=timezone.now() - KEEP).delete()
    return deleted
