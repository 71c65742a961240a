"""Editions (期), the sessions (场) held in them, weekly series and attendance."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.dates import day_shown

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

    class OnHoliday(models.TextChoices):
        SKIP = "skip", _("Skip that week")
        NEXT_WORKING_DAY = "next_working_day", _("Move to the next working day")

    name = models.CharField(_("name"), max_length=100)
    theme = models.CharField(
        _("theme"), max_length=200, default="政企恳谈会",
        help_text=_("The theme given to each generated session; edit a session to change it."),
    )
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
    on_holiday = models.CharField(
        _("when the day is a public holiday"), max_length=20, choices=OnHoliday.choices,
        default=OnHoliday.NEXT_WORKING_DAY,
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

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


class SkippedWeek(models.Model):
    """A week of a series its coordinator chose to leave out, having seen why (the clash
    named when the series was set up or changed): it is never planned."""

    series = models.ForeignKey(SessionSeries, models.CASCADE, related_name="skipped_weeks",
                               verbose_name=_("series"))
    series_date = models.DateField(_("date in the series"))
    reason = models.TextField(_("why it is left out"))
    left_out_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("left out by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ("series", "series_date")
        verbose_name = _("week left out")
        verbose_name_plural = _("weeks left out")
        constraints = [
            models.UniqueConstraint(fields=("series", "series_date"),
                                    name="skipped_week_once_per_series_date"),
        ]

    def __str__(self) -> str:
        return f"{self.series} · {self.series_date:%Y-%m-%d}"


class TalkSession(models.Model):
    """One session (场): a table in one region on one day."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        OPEN = "open", _("Open for registration")
        HELD = "held", _("Held")
        CANCELLED = "cancelled", _("Cancelled")

    #: Sessions still to be held (and so to be reminded of, checked in to, closed).
    UPCOMING_STATUSES = (Status.PLANNED, Status.OPEN)

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
    series_date = models.DateField(
        _("date in the series"), null=True, blank=True,
        help_text=_("The week's date this session was generated for (before any move away "
                    "from a public holiday); each is generated once."),
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
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=300, blank=True)
    #: Fixed when the session is closed: people checked in, and issues raised at it.
    attendee_count = models.PositiveIntegerField(_("attendees"), null=True, blank=True)
    issue_count = models.PositiveIntegerField(_("issues raised"), null=True, blank=True)
    closed_at = models.DateTimeField(pgettext_lazy("a talk session", "closed"), null=True,
                                     blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("closed by"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    #: Raised by one on every change that people outside see (time, place, status), so a
    #: calendar application replaces its copy of the event.
    sequence = models.PositiveIntegerField(_("revision"), default=0)

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
            models.UniqueConstraint(
                fields=("series", "series_date"), condition=Q(series__isnull=False),
                name="session_once_per_series_date",
            ),
        ]
        indexes = [
            models.Index(fields=("starts_at",), name="session_starts_at"),
            models.Index(fields=("region", "starts_at"), name="session_region_starts_at"),
            models.Index(fields=("status", "starts_at"), name="session_status_starts_at"),
        ]

    def __str__(self) -> str:
        when = day_shown(self.starts_at, empty="")
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

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.HELD

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED


class Attendance(models.Model):
    """One person's place at one session: invited → registered → attended or absent."""

    class Status(models.TextChoices):
        INVITED = "invited", _("Invited")
        REGISTERED = "registered", _("Registered")
        WAITLISTED = "waitlisted", _("On the waiting list")
        CANCELLED = "cancelled", _("Cancelled")
        ATTENDED = "attended", _("Attended")
        ABSENT = "absent", _("Absent")

    #: A place (or an offer of one) at a session still to come.
    UPCOMING_STATUSES = (Status.INVITED, Status.REGISTERED, Status.WAITLISTED)
    #: Those who count against the capacity.
    TAKING_A_PLACE = (Status.REGISTERED, Status.ATTENDED)

    class CheckIn(models.TextChoices):
        LIST = "list", _("Ticked off the list")
        QR = "qr", _("Scanned the venue's code")
        WALK_IN = "walk_in", _("Added as a walk-in")

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
    registered_at = models.DateTimeField(pgettext_lazy("a place at a session", "registered"),
                                         null=True, blank=True)
    checked_in_at = models.DateTimeField(_("checked in"), null=True, blank=True)
    check_in_method = models.CharField(
        _("how they checked in"), max_length=10, choices=CheckIn.choices, blank=True
    )
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("checked in by"),
    )
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    rating = models.PositiveSmallIntegerField(
        _("rating of the session"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    rating_comment = models.CharField(_("comment on the session"), max_length=500, blank=True)
    rated_at = models.DateTimeField(_("rated"), null=True, blank=True)
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
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="attendance_rating_range",
                violation_error_message=_("A rating is from 1 to 5."),
            ),
        ]
        indexes = [
            models.Index(fields=("session", "status"), name="attendance_session_status"),
            models.Index(fields=("entrepreneur", "status"), name="attendance_person_status"),
        ]

    def __str__(self) -> str:
        return f"{self.entrepreneur} @ {self.session}"


class ReminderRule(models.Model):
    """How long before a session the people taking part are reminded (editable in the admin)."""

    name = models.CharField(_("name"), max_length=100)
    minutes_before = models.PositiveIntegerField(
        _("minutes before the start"), unique=True,
        validators=[MinValueValidator(5), MaxValueValidator(60 * 24 * 14)],
        help_text=_("e.g. 2880 for two days, 120 for two hours."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ("-minutes_before",)
        verbose_name = _("session reminder")
        verbose_name_plural = _("session reminders")

    def __str__(self) -> str:
        return self.name


class ReminderSent(models.Model):
    """A reminder done for one session at one start time: the reminder queue's own mark.

    ``superseded``: a later reminder was already due when this one came up (the queue was
    down, or the session was planned late), so this one was passed over, not sent.
    """

    session = models.ForeignKey(TalkSession, models.CASCADE, related_name="reminders_sent")
    rule = models.ForeignKey(ReminderRule, models.CASCADE, related_name="+")
    starts_at = models.DateTimeField(_("for the start"))
    superseded = models.BooleanField(_("passed over"), default=False)
    created_at = models.DateTimeField(_("done"), default=timezone.now)

    class Meta:
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        constraints = [
            models.UniqueConstraint(fields=("session", "rule", "starts_at"),
                                    name="reminder_once_per_session_start"),
        ]


def new_feed_token() -> str:
    return secrets.token_urlsafe(24)


class CalendarFeed(models.Model):
    """A person's secret calendar address: their sessions, for any calendar application."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="session_calendar_feed",
        verbose_name=_("user"),
    )
    token = models.CharField(_("secret"), max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return str(self.user)
