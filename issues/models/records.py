"""What is kept about an issue as it goes: the append-only timeline (``IssueEvent``), the
attachments and the entrepreneur's ratings."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from issues.models.issue import Issue, RatingChannel, RatingValue

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024


class AppendOnlyQuerySet(models.QuerySet):
    """Bulk changes are refused too, so no code path can rewrite the timeline."""

    def update(self, **kwargs):
        raise ValidationError(_("Timeline entries cannot be changed."))

    def delete(self):
        raise ValidationError(_("Timeline entries cannot be deleted."))


class AppendOnlyModel(models.Model):
    """Rows are written once and never changed or removed."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError(_("Timeline entries cannot be changed."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("Timeline entries cannot be deleted."))


class IssueEvent(AppendOnlyModel):
    """One entry in an issue's timeline: a transition, reply, reminder or escalation."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        DISPATCHED = "dispatched", _("Dispatched")
        ACCEPTED = "accepted", _("Accepted")
        RETURNED = "returned", _("Returned as misrouted")
        PROGRESS = "progress", _("Progress note")
        EXTENSION_REQUESTED = "extension_requested", _("Extension requested")
        EXTENSION_DECIDED = "extension_decided", _("Extension decided")
        RESOLVED = "resolved", _("Answered")
        RATED = "rated", _("Rated")
        REOPENED = "reopened", _("Reopened")
        REMINDER = "reminder", _("Reminder")
        ESCALATED = "escalated", _("Escalated for supervision")
        CLOSED = "closed", _("Closed")
        REJECTED = "rejected", _("Rejected")
        DUPLICATE = "duplicate", _("Marked as duplicate")
        ANSWER_SUBMITTED = "answer_submitted", _("Answer sent for sign-off")
        ANSWER_SENT_BACK = "answer_sent_back", _("Answer sent back by the lead")
        CALL = "call", _("Follow-up call (回访)")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        MATERIAL_ADDED = "material_added", _("Material added")

    issue = models.ForeignKey(Issue, models.PROTECT, related_name="events",
                              verbose_name=_("issue"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("by"), help_text=_("Empty for the system's own reminders."),
    )
    from_status = models.CharField(_("from"), max_length=20, blank=True,
                                   choices=Issue.Status.choices)
    to_status = models.CharField(_("to"), max_length=20, blank=True,
                                 choices=Issue.Status.choices)
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    message = models.TextField(_("message"), blank=True)
    is_public = models.BooleanField(
        _("shown to the entrepreneur"), default=True,
    )
    data = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        ordering = ("created_at", "id")
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline entries")
        indexes = [models.Index(fields=("issue", "created_at"), name="event_issue_time")]

    def __str__(self) -> str:
        return f"{self.issue_id} {self.get_kind_display()}"


def attachment_path(attachment, filename: str) -> str:
    # The stored name never comes from the user; the original name is kept in a field.
    stamp = timezone.now()
    return f"attachments/{stamp:%Y/%m}/{attachment.sha256[:2]}/{attachment.sha256}"


class Attachment(models.Model):
    """A file the entrepreneur (or an official on their behalf) attached to the issue, or,
    with ``answer`` set, a file of a department's answer (the answer letter, 答复函)."""

    issue = models.ForeignKey(Issue, models.PROTECT, related_name="attachments",
                              verbose_name=_("issue"))
    answer = models.ForeignKey(
        "issues.Answer", models.PROTECT, null=True, blank=True, related_name="attachments",
        verbose_name=_("answer"), help_text=_("Empty for the issue's own attachments."),
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                    verbose_name=_("uploaded by"))
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        ordering = ("uploaded_at", "id")
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        constraints = [
            models.CheckConstraint(
                condition=Q(size__gt=0, size__lte=MAX_ATTACHMENT_BYTES),
                name="attachment_size_limit",
                violation_error_message=_("An attachment is at most 10 MB."),
            ),
        ]

    def __str__(self) -> str:
        return self.original_name


class SatisfactionRating(models.Model):
    """The entrepreneur's verdict on one handling round."""

    Value = RatingValue
    Channel = RatingChannel

    class Reason(models.TextChoices):
        HANDLING = "handling", _("The department's handling")
        BEYOND_POWER = "beyond_power", _("Outside the department's power")

    issue = models.ForeignKey(Issue, models.PROTECT, related_name="ratings",
                              verbose_name=_("issue"))
    round = models.PositiveSmallIntegerField(_("round"))
    value = models.CharField(_("rating"), max_length=20, choices=Value.choices)
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("rated by"),
        help_text=_("The entrepreneur's account; empty for a rating by link or by phone."),
    )
    channel = models.CharField(_("channel"), max_length=10, choices=RatingChannel.choices,
                               default=RatingChannel.ONLINE)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("recorded by"),
        help_text=_("The coordinator who took a rating by phone."),
    )
    verify_by_call = models.BooleanField(
        _("to be verified by a call"), default=False,
        help_text=_("Every dissatisfied rating, and a sample of the satisfied ones, get a "
                    "follow-up call (回访)."),
    )
    rated_at = models.DateTimeField(_("rated"), default=timezone.now)

    class Meta:
        ordering = ("issue", "round")
        verbose_name = _("satisfaction rating")
        verbose_name_plural = _("satisfaction ratings")
        constraints = [
            models.UniqueConstraint(fields=("issue", "round"), name="rating_one_per_round"),
            models.CheckConstraint(
                condition=~Q(channel="phone") | Q(recorded_by__isnull=False),
                name="rating_phone_has_recorder",
            ),
            models.CheckConstraint(
                condition=~Q(value="dissatisfied") | ~Q(reason=""),
                name="rating_dissatisfied_has_reason",
                violation_error_message=_("Say why you are dissatisfied."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.issue_id} #{self.round}: {self.get_value_display()}"
