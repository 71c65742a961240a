"""Tokens and keys: how another program signs in to the API.

One table holds both kinds:

* a **personal access token**, which a person creates and revokes on their own page, acts
  as that person, with their role and their scope;
* a **system key**, which an administrator issues to an integrating system (the 12345
  platform, a county's own system), acts as the key's service account, an official whose
  role and department (and so region) decide what the key may see and do.

Only a hash of the secret is kept: the token is shown once, when it is made. ``prefix`` is
the public part that finds the row; the secret is compared in constant time
(``api.keys.token_authenticate``).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    class Kind(models.TextChoices):
        PERSONAL = "personal", _("Personal access token")
        SYSTEM = "system", _("System key")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="api_tokens",
        verbose_name=_("acts as"),
        help_text=_("The person a personal token acts as, or a system key's service account."),
    )
    name = models.CharField(
        _("name"), max_length=100,
        help_text=_("What the token is for, so that you know which one to revoke."),
    )
    prefix = models.CharField(_("prefix"), max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(_("secret hash"), max_length=64, editable=False)
    writable = models.BooleanField(
        _("may change data"), default=False,
        help_text=_("Without it the token may only read."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        indexes = [
            models.Index(fields=("user", "kind", "-created_at"), name="api_token_owner"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=("personal", "system")), name="api_token_kind_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def active(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class IdempotentRequest(models.Model):
    """The first result of a POST sent with an ``Idempotency-Key`` header (``api.idempotency``).

    A retry with the same key by the same caller is answered from here (same status, same
    body) instead of being carried out again; the same key with another request (another
    ``fingerprint``) is refused. Written in the same transaction as what the POST created,
    so a row exists exactly when its result does; (user, key) is unique, so two requests
    racing with one key never both succeed. Rows older than a day are removed
    (``api.idempotency.idempotent_requests_purge``).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="+", verbose_name=_("caller"),
    )
    key = models.CharField(_("idempotency key"), max_length=255)
    fingerprint = models.CharField(
        _("request fingerprint"), max_length=64,
        help_text=_("SHA-256 of the method, the path and the body."),
    )
    status_code = models.PositiveSmallIntegerField(_("status code"))
    response_body = models.JSONField(_("response body"), default=dict)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("idempotent request")
        verbose_name_plural = _("idempotent requests")
        constraints = [
            models.UniqueConstraint(fields=("user", "key"), name="api_idempotency_once"),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.status_code})"
