"""Making and checking token secrets. A token reads ``hzt_<prefix>_<secret>``: the prefix
finds the row, the secret's SHA-256 is compared with the stored hash in constant time.
A revoked or expired token stops working at the next request: nothing is cached."""

import hashlib
import hmac
import secrets

from django.utils import timezone

from api.models import ApiToken

TOKEN_START = "hzt_"


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_token_parts() -> tuple[str, str]:
    """A fresh (prefix, secret): 8 and 40 URL-safe characters of randomness."""
    return secrets.token_hex(4), secrets.token_urlsafe(30)


def token_text(prefix: str, secret: str) -> str:
    return f"{TOKEN_START}{prefix}_{secret}"


def token_authenticate(raw: str) -> ApiToken | None:
    """The active token ``raw`` names, or None; never says which part was wrong."""
    if not raw or not raw.startswith(TOKEN_START):
        return None
    prefix, _sep, secret = raw[len(TOKEN_START):].partition("_")
    if not prefix or not secret or len(raw) > 200:
        return None
    token = (ApiToken.objects.select_related("user")
             .filter(prefix=prefix, revoked_at__isnull=True).first())
    if token is None:
        hmac.compare_digest(secret_hash(secret), secret_hash(""))  # same work either way
        return None
    if not hmac.compare_digest(token.secret_hash, secret_hash(secret)):
        return None
    if not token.active or not token.user.is_active:
        return None
    return token


def mark_used(token: ApiToken) -> None:
    """Record the last use at most once a minute, so a busy integration writes little."""
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
