"""A person's request that their personal data be erased, and the coordinator's decision."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DeletionRequest(models.Model):
    """Written by ``privacy.services``: asked by the person, decided by a coordinator.

    Approval anonymises the person (see ``deletion_request_decide``); the row stays as the
    record of what was decided, by whom and when.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a decision")
        APPROVED = "approved", _("Approved: personal data erased")
        REFUSED = "refused", _("Refused")

    entrepreneur = models.ForeignKey(
        "entrepreneurs.Entrepreneur", models.PROTECT, related_name="deletion_requests",
        verbose_name=_("entrepreneur"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("asked by"),
    )
    reason = models.TextField(
        _("reason given"), blank=True,
        help_text=_("The person's own words; erased with the rest when the request is approved."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(
        _("note on the decision"), blank=True,
        help_text=_("Required when refusing; the person reads it."),
    )
    created_at = models.DateTimeField(_("asked at"), default=timezone.now)

    class Meta:
        ordering = ("created_at", "id")
        verbose_name = _("deletion request")
        verbose_name_plural = _("deletion requests")
        constraints = [
            models.UniqueConstraint(
                fields=("entrepreneur",), condition=Q(status="pending"),
                name="deletion_request_one_pending_per_person",
                violation_error_message=_("This person already has a request waiting."),
            ),
            models.CheckConstraint(
                condition=~Q(status="refused") | ~Q(decision_note=""),
                name="deletion_request_refusal_has_note",
                violation_error_message=_("A refusal must say why."),
            ),
            models.CheckConstraint(
                condition=Q(status="pending") | Q(decided_at__isnull=False),
                name="deletion_request_decision_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=("status", "created_at"), name="deletion_request_status"),
        ]

    def __str__(self) -> str:
        return _("Deletion request #%(number)d") % {"number": self.pk or 0}

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING
