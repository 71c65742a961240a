"""The issue and what its handling is organised by: the categories (the "six
environments"), the issue itself with its statuses and clocks, the assisting departments
(协办), requests for more time, and the yearly reference sequence; and the rating values.

State changes belong to the workflow (``issues.workflow``); nothing here writes ``status``.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.models import BilingualNameMixin


class RatingValue(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASICALLY_SATISFIED = "basically_satisfied", _("Basically satisfied")
    DISSATISFIED = "dissatisfied", _("Dissatisfied")


class RatingChannel(models.TextChoices):
    """How a rating reached us: the figures split satisfaction by it."""

    ONLINE = "online", _("Online (logged in)")
    LINK = "link", _("By the link in the SMS")
    PHONE = "phone", _("By phone (回访)")


#: Ratings that count towards the satisfaction rate.
SATISFIED_RATINGS = (RatingValue.SATISFIED, RatingValue.BASICALLY_SATISFIED)


class Category(BilingualNameMixin, models.Model):
    """One of the "six environments"; says who usually handles it and how fast."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name (Chinese)"), max_length=50, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    description = models.TextField(_("description (Chinese)"), blank=True, help_text=_(
        "One line under the category on the issue form: what it covers, with examples."))
    description_en = models.TextField(_("description (English)"), blank=True)
    default_department = models.ForeignKey(
        "government.Department", models.PROTECT, null=True, blank=True,
        related_name="default_for_categories", verbose_name=_("default lead department"),
    )
    accept_limit_days = models.PositiveSmallIntegerField(
        _("working days to accept"), default=1
    )
    resolve_limit_days = models.PositiveSmallIntegerField(
        _("working days to resolve"), default=15
    )
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        ordering = ("sort_order", "code")
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        constraints = [
            models.CheckConstraint(
                condition=Q(accept_limit_days__gte=1, resolve_limit_days__gte=1),
                name="category_limits_positive",
                violation_error_message=_("Time limits are at least one working day."),
            ),
            models.CheckConstraint(
                condition=Q(resolve_limit_days__gte=F("accept_limit_days")),
                name="category_resolve_not_before_accept",
                violation_error_message=_(
                    "The time to resolve cannot be shorter than the time to accept."
                ),
            ),
        ]

    @property
    def display_description(self) -> str:
        """The description in the page's language: the English one when there is one."""
        language = get_language() or ""
        if language.startswith("en") and self.description_en:
            return self.description_en
        return self.description


class Issue(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        DISPATCHED = "dispatched", _("Dispatched to a department")
        RETURNED = "returned", _("Returned as misrouted")
        ACCEPTED = "accepted", _("Accepted")
        IN_PROGRESS = "in_progress", _("In progress")
        RESOLVED = "resolved", _("Answered, awaiting rating")
        REVIEW = "review", _("Awaiting the coordinator's decision")
        CLOSED = "closed", _("Closed")
        CLOSED_UNRATED = "closed_unrated", _("Closed without rating")
        REJECTED = "rejected", _("Rejected as out of scope")
        DUPLICATE = "duplicate", _("Duplicate")
        #: Withdrawn (撤回) by its raiser before it was dispatched.
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Source(models.TextChoices):
        ONLINE = "online", _("Submitted online")
        SESSION = "session", _("Raised at a session")
        PHONE = "phone", _("By phone")
        VISIT = "visit", _("On a visit")

    class Escalation(models.IntegerChoices):
        """The follow-up ladder of an overdue issue, climbed once per handling round."""

        NONE = 0, _("None")
        REMINDED = 1, _("Reminded (催办)")
        SUPERVISED = 2, _("Under supervision (督办)")
        BULLETIN = 3, _("Listed in the supervision bulletin")

    # State groups, named once and used everywhere.
    OPEN_STATUSES = (Status.SUBMITTED, Status.DISPATCHED, Status.RETURNED, Status.ACCEPTED,
                     Status.IN_PROGRESS, Status.REVIEW)
    WITH_DEPARTMENT_STATUSES = (Status.DISPATCHED, Status.ACCEPTED, Status.IN_PROGRESS)
    CLOSED_STATUSES = (Status.CLOSED, Status.CLOSED_UNRATED)
    #: Not valid issues: never counted in the figures' valid ones, nor for a department.
    INVALID_STATUSES = (Status.REJECTED, Status.DUPLICATE, Status.WITHDRAWN)
    TERMINAL_STATUSES = CLOSED_STATUSES + INVALID_STATUSES

    reference = models.CharField(_("reference"), max_length=20, unique=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    category = models.ForeignKey(
        Category, models.PROTECT, related_name="issues", verbose_name=_("category")
    )
    enterprise = models.ForeignKey(
        "entrepreneurs.Enterprise", models.PROTECT, related_name="issues",
        verbose_name=_("enterprise"),
    )
    entrepreneur = models.ForeignKey(
        "entrepreneurs.Entrepreneur", models.PROTECT, related_name="issues",
        verbose_name=_("raised by"),
    )
    # Copied from the enterprise when the issue is raised, so that figures by
    # region stay true when a company later moves.
    region = models.ForeignKey(
        "government.Region", models.PROTECT, related_name="issues", verbose_name=_("region")
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices,
                              default=Source.ONLINE)
    session = models.ForeignKey(
        "talk_sessions.TalkSession", models.SET_NULL, null=True, blank=True,
        related_name="issues", verbose_name=_("raised at session"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("entered by"),
    )

    status = models.CharField(_("status"), max_length=20, choices=Status.choices,
                              default=Status.SUBMITTED)
    round = models.PositiveSmallIntegerField(
        _("handling round"), default=1,
        help_text=_("Goes up each time a dissatisfied rating reopens the issue."),
    )
    version = models.PositiveIntegerField(
        _("version"), default=1, help_text=_("Bumped by every change; stops lost updates.")
    )
    lead_department = models.ForeignKey(
        "government.Department", models.PROTECT, null=True, blank=True,
        related_name="led_issues", verbose_name=_("lead department"),
    )
    assisting_departments = models.ManyToManyField(
        "government.Department", through="AssistingDepartment", blank=True,
        related_name="assisted_issues", verbose_name=_("assisting departments"),
    )
    duplicate_of = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="duplicates",
        verbose_name=_("duplicate of"),
    )
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)

    escalation = models.PositiveSmallIntegerField(
        _("follow-up"), choices=Escalation.choices, default=Escalation.NONE,
    )
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)

    # The current round's clock: due dates are these many working days after the day it
    # started, so they can be recomputed when the working-day calendar is corrected.
    round_started_on = models.DateField(_("round started"), null=True, blank=True)
    accept_limit_days = models.PositiveSmallIntegerField(
        _("working days to accept"), null=True, blank=True
    )
    resolve_limit_days = models.PositiveSmallIntegerField(
        _("working days to resolve"), null=True, blank=True,
        help_text=_("The category's limit plus any approved extension."),
    )
    # The due dates the department was last reminded of, so each reminder goes out once.
    accept_reminded_for = models.DateField(null=True, blank=True, editable=False)
    due_reminded_for = models.DateField(null=True, blank=True, editable=False)
    rating_reminded_at = models.DateTimeField(_("reminded to rate"), null=True, blank=True)

    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)
    dispatched_at = models.DateTimeField(_("dispatched"), null=True, blank=True)
    accept_due_on = models.DateField(_("accept by"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    due_on = models.DateField(_("resolve by"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("answered"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # The value of the latest rating, kept here so that the satisfaction rate is
    # one aggregate over this table.
    latest_rating = models.CharField(
        _("latest rating"), max_length=20, blank=True, choices=RatingValue.choices
    )
    latest_rating_channel = models.CharField(
        _("latest rating's channel"), max_length=10, choices=RatingChannel.choices, blank=True,
    )
    last_called_at = models.DateTimeField(
        _("last follow-up call"), null=True, blank=True,
        help_text=_("When a coordinator last recorded a 回访 call that reached the person."),
    )
    unreached_calls = models.PositiveSmallIntegerField(
        _("unanswered calls this round"), default=0,
        help_text=_("Follow-up calls that did not reach the person while the answer awaits "
                    "a rating; after the configured number the issue closes unrated."),
    )

    class Meta:
        ordering = ("-submitted_at", "-id")
        verbose_name = _("issue")
        verbose_name_plural = _("issues")
        constraints = [
            models.CheckConstraint(condition=Q(round__gte=1), name="issue_round_positive"),
            models.CheckConstraint(
                condition=~Q(status="duplicate") | Q(duplicate_of__isnull=False),
                name="issue_duplicate_names_original",
                violation_error_message=_("A duplicate must name the issue it duplicates."),
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(rejection_reason=""),
                name="issue_rejection_has_reason",
                violation_error_message=_("A rejection must give a reason."),
            ),
            models.CheckConstraint(
                condition=Q(duplicate_of__isnull=True) | ~Q(duplicate_of=F("id")),
                name="issue_not_duplicate_of_itself",
            ),
        ]
        indexes = [
            models.Index(fields=("status", "due_on"), name="issue_status_due"),
            models.Index(fields=("lead_department", "status"), name="issue_lead_status"),
            models.Index(fields=("region", "submitted_at"), name="issue_region_submitted"),
            # A county's work queues (to dispatch, returned, decision, overdue): its open
            # issues of a status, by due date, without a bitmap of all the county's issues.
            models.Index(fields=("region", "status", "due_on"), name="issue_region_status_due"),
            models.Index(fields=("category", "submitted_at"), name="issue_category_submitted"),
            models.Index(fields=("entrepreneur", "submitted_at"), name="issue_person_submitted"),
            models.Index(fields=("submitted_at", "id"), name="issue_submitted_id"),
            models.Index(fields=("escalation", "status"), name="issue_escalation_status"),
            # The coordinators' queues that run oldest first (to dispatch, returned, their
            # decision), without walking the closed issues.
            models.Index(fields=("submitted_at", "id"), name="issue_oldest_first",
                         condition=Q(status__in=("submitted", "returned", "review"))),
            # The work queues of open issues, soonest due first.
            models.Index(fields=("due_on", "submitted_at", "id"), name="issue_open_by_due",
                         condition=Q(status__in=("submitted", "dispatched", "returned",
                                                 "accepted", "in_progress", "review"))),
            # The list sorted by due date (officials' "soonest due first").
            models.Index(fields=("due_on", "-submitted_at", "-id"), name="issue_due_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class AssistingDepartment(models.Model):
    """A department helping the lead one (协办), with its own due date."""

    issue = models.ForeignKey(Issue, models.CASCADE, related_name="assistances",
                              verbose_name=_("issue"))
    department = models.ForeignKey("government.Department", models.PROTECT,
                                   related_name="assistances", verbose_name=_("department"))
    due_on = models.DateField(_("resolve by"), null=True, blank=True)
    resolve_limit_days = models.PositiveSmallIntegerField(
        _("working days to resolve"), null=True, blank=True
    )
    due_reminded_for = models.DateField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("assigned"), default=timezone.now)

    class Meta:
        verbose_name = _("assisting department")
        verbose_name_plural = _("assisting departments")
        constraints = [
            models.UniqueConstraint(fields=("issue", "department"),
                                    name="assistance_one_per_department"),
        ]

    def __str__(self) -> str:
        return f"{self.issue.reference} · {self.department}"


class ExtensionRequest(models.Model):
    """A department asks for more working days before its deadline; a coordinator decides."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a decision")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")
        WITHDRAWN = "withdrawn", _("No longer needed")

    issue = models.ForeignKey(Issue, models.CASCADE, related_name="extension_requests",
                              verbose_name=_("issue"))
    round = models.PositiveSmallIntegerField(_("round"))
    days = models.PositiveSmallIntegerField(_("extra working days"))
    reason = models.TextField(_("reason"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT,
                                     related_name="+", verbose_name=_("requested by"))
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True,
                                   blank=True, related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.TextField(_("note on the decision"), blank=True)

    class Meta:
        ordering = ("requested_at", "id")
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        constraints = [
            models.UniqueConstraint(fields=("issue",), condition=Q(status="pending"),
                                    name="extension_one_pending_per_issue"),
            models.CheckConstraint(condition=Q(days__gte=1), name="extension_days_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.issue_id} +{self.days}"


class IssueSequence(models.Model):
    """The last reference number handed out in a year (HZ-2026-000123)."""

    year = models.PositiveSmallIntegerField(_("year"), primary_key=True)
    last_number = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("reference sequence")
        verbose_name_plural = _("reference sequences")

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"
