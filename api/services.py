"""The one writer of ``ApiToken``: create and revoke."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from api.keys import new_token_parts, secret_hash, token_text
from api.models import ApiToken


@transaction.atomic
def token_create(*, user, name: str, writable: bool = False,
                 kind: str = ApiToken.Kind.PERSONAL, created_by=None,
                 expires_at=None) -> tuple[ApiToken, str]:
    """A new token acting as ``user``; returns the row and the token text, shown once."""
    prefix, secret = new_token_parts()
    token = ApiToken.objects.create(
        kind=kind, user=user, name=name.strip(), prefix=prefix,
        secret_hash=secret_hash(secret), writable=writable,
        created_by=created_by or user, expires_at=expires_at,
    )
    return token, token_text(prefix, secret)


@transaction.atomic
def token_revoke(*, actor, token: ApiToken) -> ApiToken:
    """Revoke at once. A person revokes their own personal tokens; an administrator any."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if not (actor.is_superuser or (token.kind == ApiToken.Kind.PERSONAL
                                   and token.user_id == actor.pk)):
        raise PermissionDenied
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
