"""Weekly series: a coordinator's standing session, whose coming weeks are planned
ahead (by the daily run, or at once), around public holidays and clashes.

Setting a series up, or changing it, first works out the weeks it will plan and which of
them clash; when some do, nothing is written and ``SeriesClashes`` names them, until the
coordinator confirms leaving exactly those weeks out (``leave_out``). So a series is never
saved with a plan its coordinator did not see. Ending a series sets its last date and
cancels its sessions after it.
"""

import logging
from copy import copy
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.dates import day_shown
from core.workdays import work_calendar
from sessions import notices
from sessions.models import SessionSeries, SkippedWeek, TalkSession
from sessions.selectors import series_sessions_after
from sessions.services.common import T, _require_manager
from sessions.services.planning import (
    check_no_clash,
    session_cancel,
    session_create,
    session_update,
)

logger = logging.getLogger(__name__)

#: What a coordinator changes on a series (its region, kind, places, first date and
#: horizon stay as set up; its last date is set by ending it).
SERIES_CHANGEABLE = ("name", "theme", "weekday", "start_time", "duration_minutes", "venue",
                     "host")


@dataclass
class SeriesReport:
    """What one generation run did for one series."""

    series: SessionSeries
    created: list = field(default_factory=list)
    #: (the series' date, the day the session moved to)
    moved: list = field(default_factory=list)
    #: Dates that fell on a public holiday and were skipped.
    skipped: list = field(default_factory=list)
    #: (date, the refusal's messages) for weeks that would double-book venue or host.
    clashes: list = field(default_factory=list)


@dataclass(frozen=True)
class Week:
    """One week of a series as it would be planned: the series' date (``nominal``), the
    day it is held on (after a move away from a public holiday) and its times; ``session``
    the planned session that would change to it (when a series is changed); ``clash`` the
    reasons it cannot be, empty when it can."""

    nominal: date
    day: date
    starts_at: datetime
    ends_at: datetime
    session: TalkSession | None = None
    clash: tuple = ()


class SeriesClashes(Exception):  # noqa: N818 (a question, not an error)
    """Some weeks clash and the coordinator has not confirmed leaving them out: nothing is
    written. ``weeks`` the clashing weeks (``Week`` with ``clash``), by date."""

    def __init__(self, weeks: list[Week]):
        super().__init__(", ".join(f"{week.nominal}" for week in weeks))
        self.weeks = weeks

    @property
    def leave_out(self) -> str:
        """What the form sends back to confirm: the weeks' dates, comma separated."""
        return ",".join(f"{week.nominal:%Y-%m-%d}" for week in self.weeks)


@dataclass
class SeriesChange:
    """What changing a series did: its planned sessions changed with it, those kept as
    they were (edited one by one, opened, or whose new day is a holiday or past), and the
    planning of its weeks that followed."""

    series: SessionSeries
    changed: list = field(default_factory=list)
    kept: list = field(default_factory=list)
    report: SeriesReport | None = None


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _slot(series: SessionSeries, nominal: date, calendar) -> tuple | None:
    """(day, starts_at, ends_at) of the series' date ``nominal``, moved to the next working
    day when a public holiday; None when the series skips that holiday."""
    day = nominal
    if calendar.is_public_holiday(day):
        if series.on_holiday == SessionSeries.OnHoliday.SKIP:
            return None
        day = calendar.next_working_day(day)
    starts_at = timezone.make_aware(datetime.combine(day, series.start_time))
    return day, starts_at, starts_at + timedelta(minutes=series.duration_minutes)


def _series_dates(series: SessionSeries, today: date) -> list[date]:
    """The series' dates in the ``weeks_ahead`` weeks from today (today's only if its start
    is still to come), within its first and last dates."""
    day = max(series.starts_on, today)
    day += timedelta(days=(series.weekday - day.weekday()) % 7)
    end = today + timedelta(weeks=series.weeks_ahead)
    if series.ends_on is not None:
        end = min(end, series.ends_on + timedelta(days=1))
    now = timezone.now()
    dates = []
    while day < end:
        if timezone.make_aware(datetime.combine(day, series.start_time)) > now:
            dates.append(day)
        day += timedelta(days=7)
    return dates


def _weeks_to_plan(series: SessionSeries, today: date, calendar) -> tuple[list, list]:
    """(the ``Week`` of each coming date not planned yet, the dates skipped as public
    holidays). A week is planned once: a session of the series in that week (whatever its
    day, moved or cancelled since) or a week left out counts."""
    dates = _series_dates(series, today)
    if not dates:
        return [], []
    done = set()
    if series.pk is not None:
        first, after = _monday(dates[0]), _monday(dates[-1]) + timedelta(days=7)
        taken = [*TalkSession.objects.filter(
            series=series, series_date__gte=first, series_date__lt=after,
        ).values_list("series_date", flat=True), *series.skipped_weeks.filter(
            series_date__gte=first, series_date__lt=after).values_list("series_date",
                                                                        flat=True)]
        done = {_monday(day) for day in taken}
    weeks, skipped = [], []
    for nominal in dates:
        if _monday(nominal) in done:
            continue
        slot = _slot(series, nominal, calendar)
        if slot is None:
            skipped.append(nominal)
        else:
            weeks.append(Week(nominal, *slot))
    return weeks, skipped


def _clashing(series: SessionSeries, weeks: list[Week]) -> list[Week]:
    """The weeks that would double-book the venue or the host, each with the reasons."""
    clashing = []
    for week in weeks:
        try:
            check_no_clash(region=series.region, venue=series.venue.strip(), host=series.host,
                           starts_at=week.starts_at, ends_at=week.ends_at,
                           exclude_pk=week.session.pk if week.session else None)
        except ValidationError as error:
            clashing.append(Week(week.nominal, week.day, week.starts_at, week.ends_at,
                                 week.session, tuple(error.messages)))
    return clashing


def _require_confirmed(clashing: list[Week], leave_out) -> None:
    """Go on only when every clashing week is among those the coordinator confirmed to
    leave out (a clash gone since only means one more week planned)."""
    if not {week.nominal for week in clashing} <= set(leave_out):
        raise SeriesClashes(clashing)


def _leave_out(series: SessionSeries, weeks: list[Week], actor) -> None:
    SkippedWeek.objects.bulk_create([
        SkippedWeek(series=series, series_date=week.nominal, reason=" ".join(week.clash),
                    left_out_by=actor) for week in weeks])


def series_generate(*, series: SessionSeries, today: date | None = None) -> SeriesReport:
    """Plan the series' sessions for the next ``weeks_ahead`` weeks, each week once.

    A date on a public holiday (by the working-day calendar; an ordinary weekend is none, so
    a Saturday salon series happens) is skipped or moved to the next working day, as the
    series says; a week that would double-book the venue or the host is left out and
    reported (and tried again at the next run); a week its coordinator left out is never
    planned; a time already past is never planned. Running it again plans only what is
    missing.
    """
    today = today or timezone.localdate()
    report = SeriesReport(series=series)
    if not series.is_active:
        return report
    weeks, report.skipped = _weeks_to_plan(series, today, work_calendar())
    departments = list(series.departments.all()) if weeks else []
    for week in weeks:
        try:
            with transaction.atomic():
                session = session_create(
                    actor=None, region=series.region, kind=series.kind, theme=series.theme,
                    venue=series.venue, starts_at=week.starts_at, ends_at=week.ends_at,
                    capacity=series.capacity, host=series.host, departments=departments,
                    series=series, series_date=week.nominal,
                )
        except ValidationError as error:
            report.clashes.append((week.nominal, error.messages))
            continue
        except IntegrityError:  # generated by a concurrent run in the meantime
            continue
        report.created.append(session)
        if week.day != week.nominal:
            report.moved.append((week.nominal, week.day))
    return report


def _generate_as_confirmed(series: SessionSeries, today: date) -> SeriesReport:
    """Plan the weeks the coordinator saw; a clash that appeared in the meantime undoes the
    whole change (the caller's transaction) and asks again."""
    report = series_generate(series=series, today=today)
    if report.clashes:
        calendar = work_calendar()
        raise SeriesClashes([
            Week(nominal, *_slot(series, nominal, calendar), clash=tuple(messages))
            for nominal, messages in report.clashes])
    return report


@transaction.atomic
def series_create(*, actor, leave_out=(), **fields) -> tuple[SessionSeries, SeriesReport]:
    """A coordinator sets up a weekly series; its first weeks are planned at once.

    When weeks clash, nothing is written and ``SeriesClashes`` names them; sent again with
    those dates in ``leave_out``, the series is saved, those weeks are recorded as left out
    (``SkippedWeek``) and the others planned, in one transaction."""
    departments = fields.pop("departments", ())
    _require_manager(actor, fields["region"])
    series = SessionSeries(created_by=actor, **fields)
    series.full_clean()
    today = timezone.localdate()
    weeks, _holidays = _weeks_to_plan(series, today, work_calendar())
    clashing = _clashing(series, weeks)
    _require_confirmed(clashing, leave_out)
    series.save()
    series.departments.set(departments)
    _leave_out(series, clashing, actor)
    return series, _generate_as_confirmed(series, today)


def _as_generated(session: TalkSession, series: SessionSeries, department_ids: set,
                  calendar) -> bool:
    """Whether a session still has what the series gave it: its day and times, theme,
    venue, host and departments (so nobody changed it by itself)."""
    slot = _slot(series, session.series_date, calendar)
    return (slot is not None and (session.starts_at, session.ends_at) == slot[1:]
            and session.theme == series.theme.strip()
            and session.venue == series.venue.strip() and session.host_id == series.host_id
            and {d.pk for d in session.departments.all()} == department_ids)


@transaction.atomic
def series_update(*, actor, series: SessionSeries, departments, leave_out=(),
                  **changes) -> SeriesChange:
    """Change a series (``SERIES_CHANGEABLE`` and its departments). The change applies to
    the weeks not planned yet and to its sessions still planned (not open, held or
    cancelled) that still have what the series gave them; those are changed through
    ``session_update`` (so people invited are told of a new time or place), the others
    are kept as they are. A new day or time is checked for clashes as when the series was
    set up: a clashing planned session is kept as it was, a clashing week not planned yet
    is left out, once confirmed (``leave_out``); unconfirmed, nothing is written."""
    unknown = set(changes) - set(SERIES_CHANGEABLE)
    if unknown:
        raise TypeError(f"series_update() cannot change {sorted(unknown)}")
    series = SessionSeries.objects.select_for_update(of=("self",)).select_related(
        "region", "host").get(pk=series.pk)
    _require_manager(actor, series.region)
    before, before_departments = copy(series), set(series.departments.values_list("pk",
                                                                                   flat=True))
    for name, value in changes.items():
        setattr(series, name, value)
    series.full_clean()
    today, now, calendar = timezone.localdate(), timezone.now(), work_calendar()
    result = SeriesChange(series=series)
    moving = []
    planned = (series.sessions.filter(status=T.PLANNED, starts_at__gt=now)
               .exclude(series_date=None).prefetch_related("departments").order_by("starts_at"))
    for session in planned:
        if not _as_generated(session, before, before_departments, calendar):
            result.kept.append(session)
            continue
        nominal = _monday(session.series_date) + timedelta(days=series.weekday)
        slot = _slot(series, nominal, calendar)
        if slot is None or slot[1] <= now:
            result.kept.append(session)
            continue
        moving.append(Week(nominal, *slot, session=session))
    new_weeks = (_weeks_to_plan(series, today, calendar)[0] if series.is_active else [])
    clashing = _clashing(series, moving + new_weeks)
    _require_confirmed(clashing, leave_out)
    series.save(update_fields=list(SERIES_CHANGEABLE))
    series.departments.set(departments)
    kept_weeks = {week.nominal for week in clashing}
    department_ids = {department.pk for department in departments}
    for week in moving:
        session = week.session
        if week.nominal in kept_weeks:
            result.kept.append(session)
            continue
        if _as_generated(session, series, department_ids, calendar) \
                and session.series_date == week.nominal:
            continue  # nothing the series gives it has changed (say, only the name)
        session = session_update(
            actor=actor, session=session, theme=series.theme, kind=session.kind,
            venue=series.venue, starts_at=week.starts_at, ends_at=week.ends_at,
            capacity=session.capacity, host=series.host, departments=departments)
        if session.series_date != week.nominal:
            session.series_date = week.nominal
            session.save(update_fields=["series_date"])
        result.changed.append(session)
    result.kept.sort(key=lambda session: session.starts_at)
    _leave_out(series, [week for week in clashing if week.session is None], actor)
    result.report = _generate_as_confirmed(series, today)
    return result


def check_series_end(*, series: SessionSeries, ends_on: date) -> None:
    """Refuse a last date ``series_end`` would refuse (writes nothing): one in the past, or
    before the series' first date."""
    if ends_on < timezone.localdate():
        raise ValidationError({"ends_on": _(
            "Choose today or a later date: the weeks already past stay as they were.")})
    if ends_on < series.starts_on:
        raise ValidationError({"ends_on": _(
            "The series starts on %(day)s; its last date cannot be earlier.")
            % {"day": day_shown(series.starts_on)}})


@transaction.atomic
def series_end(*, actor, series: SessionSeries,
               ends_on: date) -> tuple[SessionSeries, list[TalkSession]]:
    """End a series on ``ends_on`` (today or later): no week after it is planned, and its
    sessions after it still to come (planned or open) are cancelled through
    ``session_cancel``, which tells everyone taking part why."""
    series = SessionSeries.objects.select_for_update(of=("self",)).select_related(
        "region").get(pk=series.pk)
    _require_manager(actor, series.region)
    check_series_end(series=series, ends_on=ends_on)
    series.ends_on = ends_on
    series.save(update_fields=["ends_on"])
    with notices.site_language():  # the reason is sent in the site's language
        reason = _("The weekly series “%(name)s” ends on %(day)s.") % {
            "name": series.name, "day": day_shown(ends_on)}
    cancelled = [session_cancel(actor=actor, session=session, reason=reason)
                 for session in series_sessions_after(series=series, day=ends_on)]
    return series, cancelled


def series_set_active(*, actor, series: SessionSeries, active: bool) -> SessionSeries:
    """Pause a series (no more weeks are planned; those planned stay) or take it up again
    (the coming weeks are planned at the next run, or at once from the series page)."""
    _require_manager(actor, series.region)
    series.is_active = active
    series.save(update_fields=["is_active"])
    return series


def series_generate_for_user(*, actor, series: SessionSeries) -> SeriesReport:
    _require_manager(actor, series.region)
    return series_generate(series=series)


def series_generate_all(*, today: date | None = None) -> list[SeriesReport]:
    """The daily run: every active series, each in its own transactions."""
    reports = []
    for series in SessionSeries.objects.filter(is_active=True).select_related("region", "host"):
        report = series_generate(series=series, today=today)
        for nominal, messages in report.clashes:
            logger.warning("Series %s: %s not planned: %s", series.pk, nominal, " ".join(messages))
        reports.append(report)
    return reports
