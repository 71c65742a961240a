"""Editions (期), the sessions (场) held in them, weekly series and attendance."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

#: The longest a single session may run.
MAX_SESSION_LENGTH = timedelta(hours=12)


class SessionKind(models.TextChoices):
    TALK = "talk", _("Government–enterprise talk")
    LECTURE = "lecture", _("Lecture")
    SALON = "salon", _("Salon")
    FESTIVAL = "festival", _("Festival event")


class Edition(models.Model):
    """One week's round of talks (第N期), held city-and-county together."""

    number = models.PositiveIntegerField(_("number"), unique=True)
    theme = models.CharField(_("theme"), max_length=200)
    week_start = models.DateField(
        _("week starting"), unique=True, help_text=_("The Monday of the edition's week.")
    )

    class Meta:
        ordering = ("-number",)
        verbose_name = _("edition")
        verbose_name_plural = _("editions")
        constraints = [
            models.CheckConstraint(condition=Q(number__gte=1), name="edition_number_positive"),
        ]

    def __str__(self) -> str:
        return _("Edition %(number)d") % {"number": self.number}

    def clean(self):
        if self.week_start and self.week_start.weekday() != 0:
            raise ValidationError({"week_start": _("An edition's week starts on a Monday.")})

    @property
    def week_end(self):
        return self.week_start + timedelta(days=6)


class SessionSeries(models.Model):
    """A weekly recurrence (by default every Wednesday) that generates upcoming sessions."""

    name = models.CharField(_("name"), max_length=100)
    region = models.ForeignKey(
        "government.Region", models.PROTECT, related_name="session_series", verbose_name=_("region")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=SessionKind.choices,
                            default=SessionKind.TALK)
    weekday = models.PositiveSmallIntegerField(
        _("weekday"), default=2,
        choices=[(0, _("Monday")), (1, _("Tuesday")), (2, _("Wednesday")), (3, _("Thursday")),
                 (4, _("Friday")), (5, _("Saturday")), (6, _("Sunday"))],
    )
    start_time = models.TimeField(_("start time"))
    duration_minutes = models.PositiveSmallIntegerField(_("length in minutes"), default=120)
    venue = models.CharField(_("venue"), max_length=200)
    host = models.ForeignKey(
        "government.Official", models.PROTECT, null=True, blank=True,
        related_name="hosted_series", verbose_name=_("host official"),
    )
    departments = models.ManyToManyField(
        "government.Department", blank=True, related_name="session_series",
        verbose_name=_("attending departments"),
    )
    capacity = models.PositiveSmallIntegerField(_("capacity"), default=10)
    starts_on = models.DateField(_("first date"))
    ends_on = models.DateField(_("last date"), null=True, blank=True)
    weeks_ahead = models.PositiveSmallIntegerField(
        _("weeks generated ahead"), default=4,
        help_text=_("How many weeks of upcoming sessions are kept planned."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ("region__sort_order", "name")
        verbose_name = _("session series")
        verbose_name_plural = _("session series")
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="series_weekday_range"),
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=15, duration_minutes__lte=720),
                name="series_duration_range",
                violation_error_message=_("A session lasts between 15 minutes and 12 hours."),
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="series_capacity_positive",
                                   violation_error_message=_("Capacity must be at least 1.")),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="series_ends_after_start",
                violation_error_message=_("The last date cannot be before the first date."),
            ),
            models.CheckConstraint(
                condition=Q(weeks_ahead__gte=1, weeks_ahead__lte=26),
                name="series_weeks_ahead_range",
                violation_error_message=_("Generate between 1 and 26 weeks ahead."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TalkSession(models.Model):
    """One session (场): a table in one region on one day."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        OPEN = "open", _("Open for registration")
        HELD = "held", _("Held")
        CANCELLED = "cancelled", _("Cancelled")

    edition = models.ForeignKey(
        Edition, models.PROTECT, related_name="sessions", verbose_name=_("edition")
    )
    region = models.ForeignKey(
        "government.Region", models.PROTECT, related_name="talk_sessions", verbose_name=_("region")
    )
    series = models.ForeignKey(
        SessionSeries, models.SET_NULL, null=True, blank=True, related_name="sessions",
        verbose_name=_("series"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=SessionKind.choices,
                            default=SessionKind.TALK)
    theme = models.CharField(_("theme"), max_length=200)
    venue = models.CharField(_("venue"), max_length=200)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    host = models.ForeignKey(
        "government.Official", models.PROTECT, null=True, blank=True,
        related_name="hosted_sessions", verbose_name=_("host official"),
    )
    departments = models.ManyToManyField(
        "government.Department", blank=True, related_name="talk_sessions",
        verbose_name=_("attending departments"),
    )
    capacity = models.PositiveSmallIntegerField(_("capacity"), default=10)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.PLANNED)
    minutes = models.TextField(_("minutes"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ("-starts_at",)
        verbose_name = _("talk session")
        verbose_name_plural = _("talk sessions")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="session_ends_after_start",
                violation_error_message=_("A session must end after it starts."),
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="session_capacity_positive",
                                   violation_error_message=_("Capacity must be at least 1.")),
        ]
        indexes = [
            models.Index(fields=("starts_at",), name="session_starts_at"),
            models.Index(fields=("region", "starts_at"), name="session_region_starts_at"),
            models.Index(fields=("status", "starts_at"), name="session_status_starts_at"),
        ]

    def __str__(self) -> str:
        local = timezone.localtime(self.starts_at) if self.starts_at else None
        when = local.strftime("%Y-%m-%d") if local else ""
        return f"{self.theme} · {self.region} · {when}"

    def clean(self):
        errors = {}
        if self.starts_at and self.ends_at:
            if self.ends_at <= self.starts_at:
                errors["ends_at"] = _("A session must end after it starts.")
            elif self.ends_at - self.starts_at > MAX_SESSION_LENGTH:
                errors["ends_at"] = _("A session cannot last more than 12 hours.")
            if self.edition_id and self.edition.week_start:
                day = timezone.localtime(self.starts_at).date()
                if not self.edition.week_start <= day <= self.edition.week_end:
                    errors["starts_at"] = _(
                        "The date falls outside the edition's week (%(start)s to %(end)s)."
                    ) % {"start": self.edition.week_start, "end": self.edition.week_end}
        if errors:
            raise ValidationError(errors)


class Attendance(models.Model):
    """One person's place at one session: invited → registered → attended or absent."""

    class Status(models.TextChoices):
        INVITED = "invited", _("Invited")
        REGISTERED = "registered", _("Registered")
        WAITLISTED = "waitlisted", _("On the waiting list")
        CANCELLED = "cancelled", _("Cancelled")
        ATTENDED = "attended", _("Attended")
        ABSENT = "absent", _("Absent")

    session = models.ForeignKey(
        TalkSession, models.PROTECT, related_name="attendances", verbose_name=_("session")
    )
    entrepreneur = models.ForeignKey(
        "entrepreneurs.Entrepreneur", models.PROTECT, related_name="attendances",
        verbose_name=_("entrepreneur"),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.INVITED)
    invited_at = models.DateTimeField(_("invited"), null=True, blank=True)
    registered_at = models.DateTimeField(_("registered"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("checked in"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ("session", "registered_at", "id")
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        constraints = [
            models.UniqueConstraint(fields=("session", "entrepreneur"),
                                    name="attendance_one_per_person_per_session"),
            models.CheckConstraint(
                condition=~Q(status="attended") | Q(checked_in_at__isnull=False),
                name="attendance_attended_has_check_in",
                violation_error_message=_("An attendee must have a check-in time."),
            ),
        ]
        indexes = [
            models.Index(fields=("session", "status"), name="attendance_session_status"),
            models.Index(fields=("entrepreneur", "status"), name="attendance_person_status"),
        ]

    def __str__(self) -> str:
        return f"{self.entrepreneur} @ {self.session}"
