"""The audit trail: who signed in, who failed to, whose role changed, and every admin edit."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One security-relevant event. Append-only: written by ``accounts.audit``, never edited."""

    class Kind(models.TextChoices):
        LOGIN = "login", _("Logged in")
        LOGIN_FAILED = "login_failed", _("Failed log-in")
        LOCKED_OUT = "locked_out", _("Locked out after failed log-ins")
        LOGOUT = "logout", _("Logged out")
        PASSWORD_SET = "password_set", _("Password set or changed")
        ROLE_CHANGED = "role_changed", _("Role changed")
        ACCOUNT_CREATED = "account_created", _("Account created")
        ACCOUNT_DEACTIVATED = "account_deactivated", _("Account deactivated")
        ACCOUNT_REACTIVATED = "account_reactivated", _("Account reactivated")
        VERIFIED = "verified", _("Entrepreneur verified")
        VERIFICATION_REFUSED = "verification_refused", _("Entrepreneur verification refused")
        DATA_EXPORTED = "data_exported", _("Personal data downloaded")
        DELETION_REQUESTED = "deletion_requested", _("Deletion requested")
        DELETION_DECIDED = "deletion_decided", _("Deletion request decided")
        ADMIN_EDIT = "admin_edit", _("Edited in the admin")

    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    kind = models.CharField(_("event"), max_length=30, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("done by"),
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("account concerned"),
    )
    identifier = models.CharField(
        _("name typed"), max_length=150, blank=True,
        help_text=_("For log-ins: the user name, mobile or email that was typed."),
    )
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    message = models.TextField(_("details"), blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = _("audit event")
        verbose_name_plural = _("audit trail")
        indexes = [
            models.Index(fields=("kind", "-created_at"), name="auditevent_kind_time"),
            models.Index(fields=("subject", "-created_at"), name="auditevent_subject_time"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Audit events are append-only.")
