"""After the department's work: its answer (with the answer letter and, where the
department asks for it, the lead's sign-off, 审核签发) and the coordinators' follow-up
calls (回访) that close every case and verify its ratings.

Written by the workflow only (``issues.workflow``)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from issues.models.issue import Issue


class Answer(models.Model):
    """A handler's answer in one round. Where the department requires sign-off it waits
    for a lead (``pending``), who approves it (then it reaches the entrepreneur and the
    issue is answered) or sends it back with a note; elsewhere it is approved at once."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting the lead's sign-off")
        APPROVED = "approved", _("Signed off and sent")
        SENT_BACK = "sent_back", _("Sent back to the handler")

    issue = models.ForeignKey(Issue, models.PROTECT, related_name="answers",
                              verbose_name=_("issue"))
    round = models.PositiveSmallIntegerField(_("round"))
    reply = models.TextField(_("answer"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.PENDING)
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT,
                                   related_name="+", verbose_name=_("written by"))
    written_at = models.DateTimeField(_("written"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("signed off or sent back by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.TextField(_("note from the lead"), blank=True)

    class Meta:
        ordering = ("written_at", "id")
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=("issue",), condition=Q(status="pending"),
                                    name="answer_one_pending"),
            models.UniqueConstraint(fields=("issue", "round"), condition=Q(status="approved"),
                                    name="answer_one_approved_per_round"),
        ]
        indexes = [
            models.Index(fields=("status", "written_at"), name="answer_status_written"),
        ]

    def __str__(self) -> str:
        return f"{self.issue_id} #{self.round}: {self.get_status_display()}"


class FollowUpCall(models.Model):
    """A coordinator's follow-up call (回访) about one round's answer: reached or not, the
    rating given by phone (a ``SatisfactionRating`` with the phone channel) and a note."""

    class Purpose(models.TextChoices):
        AWAITING_RATING = "awaiting_rating", _("The answer awaits a rating")
        DISSATISFIED = "dissatisfied", _("A dissatisfied rating")
        VERIFICATION = "verification", _("Verifying a rating")

    issue = models.ForeignKey(Issue, models.PROTECT, related_name="calls",
                              verbose_name=_("issue"))
    round = models.PositiveSmallIntegerField(_("round"))
    purpose = models.CharField(_("why the call"), max_length=20, choices=Purpose.choices)
    about_rating = models.ForeignKey(
        "issues.SatisfactionRating", models.PROTECT, null=True, blank=True, related_name="calls",
        verbose_name=_("rating followed up"),
    )
    reached = models.BooleanField(_("reached the person"))
    rating_given = models.OneToOneField(
        "issues.SatisfactionRating", models.PROTECT, null=True, blank=True,
        related_name="given_in_call", verbose_name=_("rating given by phone"),
    )
    note = models.TextField(_("note"), blank=True)
    called_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                  verbose_name=_("called by"))
    called_at = models.DateTimeField(_("called"), default=timezone.now)

    class Meta:
        ordering = ("called_at", "id")
        verbose_name = _("follow-up call")
        verbose_name_plural = _("follow-up calls")
        constraints = [
            models.CheckConstraint(condition=Q(reached=True) | Q(rating_given__isnull=True),
                                   name="call_rating_only_when_reached"),
        ]
        indexes = [
            models.Index(fields=("issue", "round"), name="call_issue_round"),
            models.Index(fields=("called_at",), name="call_time"),
        ]

    def __str__(self) -> str:
        return f"{self.issue_id} #{self.round}: {self.get_purpose_display()}"
