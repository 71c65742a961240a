"""The one writer of ``ApiToken``: create and revoke; and a system key with its service
account."""

import secrets

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from api.keys import new_token_parts, secret_hash, token_text
from api.models import ApiToken
from government.models import Department
from government.services import official_create

#: Service accounts' addresses: under a reserved domain (RFC 2606), so no mail ever arrives.
SERVICE_ACCOUNT_DOMAIN = "system-keys.invalid"


def service_account_email() -> str:
    """A fresh address for a system key's service account (its user name too)."""
    return f"key-{secrets.token_hex(6)}@{SERVICE_ACCOUNT_DOMAIN}"


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


@transaction.atomic
def system_key_issue(*, actor, name: str, role: str, department: Department,
                     writable: bool = False, email: str = "") -> tuple[ApiToken, str]:
    """A system key for an integrating system, acting as a new service account: an official
    of ``department`` in ``role`` (so the key's region is the department's), made through
    ``government.services.official_create`` (which checks the actor's right to make it).
    The account's password is unusable: it can never log in to the pages.

    Returns the key's row and its text, shown once.
    """
    official = official_create(
        actor=actor, name=name.strip()[:50], email=email or service_account_email(),
        department=department, role=role, welcome=False,
    )
    return token_create(user=official.user, name=name, writable=writable,
                        kind=ApiToken.Kind.SYSTEM, created_by=actor)
