"""Every change to editions, sessions, series and attendance.

    planned ─open registration→ open ─close (minutes; counts fixed)→ held
       └──────────── cancel (with a reason) ──────────┴──→ cancelled

    a place:  invited ─register→ registered (or waitlisted when full) ─check in→ attended
              registered / waitlisted ─cancel→ cancelled (the first waitlisted moves up)
              registered, not checked in when the session closes → absent

Each function takes the acting user, checks their right and the state, and writes the rows
and their outbox messages (``sessions.notices``) in one transaction. Refusals raise
``SessionError`` (``NotAllowed`` 403, ``WrongState`` 409) or Django's ``ValidationError``
for bad input, and write nothing. Views, the admin, tasks and the demo data call these.
"""

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.signals import snapshot
from core.workdays import work_calendar
from entrepreneurs.models import Entrepreneur
from entrepreneurs.selectors import entrepreneur_for_user
from government.models import Region
from sessions import notices, signals
from sessions.models import (
    MAX_SESSION_LENGTH,
    Attendance,
    CalendarFeed,
    Edition,
    ReminderRule,
    ReminderSent,
    SessionSeries,
    TalkSession,
    new_feed_token,
)
from sessions.rules import session_rules
from sessions.selectors import (
    invitation_candidates,
    may_manage_sessions,
    session_clashes,
    sessions_open_to,
)

logger = logging.getLogger(__name__)

A = Attendance.Status
T = TalkSession.Status

#: The most people one invitation by filter may reach; a wider filter is refused.
MAX_INVITATIONS = 1000


class SessionError(Exception):
    """The change was refused; ``message`` says why, in the user's language."""

    status_code = 400

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class NotAllowed(SessionError):
    status_code = 403


class WrongState(SessionError):
    status_code = 409


def _require_manager(actor, session_or_region) -> None:
    region = getattr(session_or_region, "region", session_or_region)
    if not may_manage_sessions(user=actor, region=region):
        raise NotAllowed(_("Only the coordinators of the session's region plan and run it."))


def _locked(session: TalkSession) -> TalkSession:
    """The session's row, locked until the transaction ends, read afresh."""
    # of=self: PostgreSQL refuses FOR UPDATE on the outer join of the (optional) host.
    return TalkSession.objects.select_for_update(of=("self",)).select_related(
        "region", "host__user").get(pk=session.pk)


# --- Editions and sessions ----------------------------------------------------------------


def edition_for_day(*, day: date, theme: str) -> Edition:
    """The edition (期) of the week holding ``day``, created with the next number if the
    week has none yet."""
    monday = day - timedelta(days=day.weekday())
    edition = Edition.objects.filter(week_start=monday).first()
    if edition is not None:
        return edition
    for _attempt in range(3):
        number = (Edition.objects.aggregate(top=Max("number"))["top"] or 0) + 1
        try:
            with transaction.atomic():
                return Edition.objects.create(number=number, week_start=monday, theme=theme)
        except IntegrityError:  # another writer took the number, or made the week's edition
            edition = Edition.objects.filter(week_start=monday).first()
            if edition is not None:
                return edition
    raise SessionError(_("The edition could not be numbered; please try again."))


def _clash_message(clash: TalkSession, *, venue: bool) -> str:
    local_start = timezone.localtime(clash.starts_at)
    local_end = timezone.localtime(clash.ends_at)
    what = {
        "theme": clash.theme, "region": clash.region, "edition": clash.edition,
        "day": f"{local_start:%Y-%m-%d}", "start": f"{local_start:%H:%M}",
        "end": f"{local_end:%H:%M}", "venue": clash.venue, "host": clash.host.name
        if clash.host_id else "",
    }
    if venue:
        return _("%(venue)s is already booked on %(day)s %(start)s–%(end)s for “%(theme)s” "
                 "(%(region)s, %(edition)s).") % what
    return _("%(host)s already hosts “%(theme)s” on %(day)s %(start)s–%(end)s (%(region)s, "
             "%(edition)s).") % what


def check_no_clash(*, region: Region, venue: str, host, starts_at, ends_at,
                   exclude_pk: int | None = None) -> None:
    """Refuse a time that double-books the venue or the host, naming each clash."""
    clashes = session_clashes(region=region, venue=venue, host=host, starts_at=starts_at,
                              ends_at=ends_at, exclude_pk=exclude_pk)
    messages = []
    for clash in clashes:
        same_venue = (clash.region_id == region.pk
                      and clash.venue.strip().lower() == venue.strip().lower())
        if same_venue:
            messages.append(_clash_message(clash, venue=True))
        if host is not None and clash.host_id == host.pk:
            messages.append(_clash_message(clash, venue=False))
    if messages:
        raise ValidationError(messages, code="clash")


def _validate_times(starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("A session must end after it starts.")})
    if ends_at - starts_at > MAX_SESSION_LENGTH:
        raise ValidationError({"ends_at": _("A session cannot last more than 12 hours.")})


@transaction.atomic
def session_create(*, actor, region: Region, kind: str, theme: str, venue: str,
                   starts_at: datetime, ends_at: datetime, capacity: int, host=None,
                   departments=(), edition: Edition | None = None, series=None,
                   series_date: date | None = None, status: str = T.PLANNED) -> TalkSession:
    """Plan one session in the edition of its week (made if needed); refuses a clash."""
    if actor is not None:
        _require_manager(actor, region)
    _validate_times(starts_at, ends_at)
    if status not in TalkSession.UPCOMING_STATUSES:
        raise ValidationError({"status": _("A new session is planned or open for "
                                           "registration.")})
    theme, venue = theme.strip(), venue.strip()
    check_no_clash(region=region, venue=venue, host=host, starts_at=starts_at, ends_at=ends_at)
    day = timezone.localtime(starts_at).date()
    if edition is None:
        edition = edition_for_day(day=day, theme=theme)
    elif not edition.week_start <= day <= edition.week_end:
        raise ValidationError({"starts_at": _(
            "The date falls outside the edition's week (%(start)s to %(end)s)."
        ) % {"start": edition.week_start, "end": edition.week_end}})
    session = TalkSession.objects.create(
        edition=edition, region=region, kind=kind, theme=theme, venue=venue,
        starts_at=starts_at, ends_at=ends_at, host=host, capacity=capacity, status=status,
        series=series, series_date=series_date, created_by=actor,
    )
    if departments:
        session.departments.set(departments)
    signals.session_changed.send(sender=TalkSession, session=session, before=None)
    return session


#: Fields whose change people with a place are told about.
_NOTICEABLE = ("starts_at", "ends_at", "venue")


@transaction.atomic
def session_update(*, actor, session: TalkSession, theme: str, kind: str, venue: str,
                   starts_at: datetime, ends_at: datetime, capacity: int, host=None,
                   departments=()) -> TalkSession:
    """Change a planned or open session; a new time or place is checked for clashes, moves
    the session to that week's edition, and is told to everyone with a place."""
    session = _locked(session)
    before = snapshot(session)
    _require_manager(actor, session)
    if session.status not in TalkSession.UPCOMING_STATUSES:
        raise WrongState(_("A held or cancelled session can no longer be changed."))
    _validate_times(starts_at, ends_at)
    taken = session.attendances.filter(status__in=Attendance.TAKING_A_PLACE).count()
    if capacity < taken:
        raise ValidationError({"capacity": _(
            "%(taken)d people already have a place; the capacity cannot be less."
        ) % {"taken": taken}})
    venue = venue.strip()
    check_no_clash(region=session.region, venue=venue, host=host, starts_at=starts_at,
                   ends_at=ends_at, exclude_pk=session.pk)
    changed = {"starts_at": starts_at, "ends_at": ends_at, "venue": venue}
    moved = any(getattr(session, name) != changed[name] for name in _NOTICEABLE)
    grew = capacity > session.capacity
    session.theme, session.kind, session.venue = theme.strip(), kind, venue
    session.starts_at, session.ends_at, session.capacity, session.host = (
        starts_at, ends_at, capacity, host)
    day = timezone.localtime(starts_at).date()
    if not session.edition.week_start <= day <= session.edition.week_end:
        session.edition = edition_for_day(day=day, theme=session.theme)
    if moved:
        session.sequence += 1
    session.save(update_fields=["theme", "kind", "venue", "starts_at", "ends_at", "capacity",
                                "host", "edition", "sequence"])
    session.departments.set(departments)
    signals.session_changed.send(sender=TalkSession, session=session, before=before)
    if moved:
        notices.session_changed(session=session)
    if grew and session.status == T.OPEN:
        _promote_waitlisted(session)
    return session


@transaction.atomic
def session_open_registration(*, actor, session: TalkSession) -> TalkSession:
    session = _locked(session)
    before = snapshot(session)
    _require_manager(actor, session)
    if session.status != T.PLANNED:
        raise WrongState(_("Only a planned session can be opened for registration."))
    if session.starts_at <= timezone.now():
        raise WrongState(_("The session has already started."))
    session.status = T.OPEN
    session.save(update_fields=["status"])
    signals.session_changed.send(sender=TalkSession, session=session, before=before)
    return session


@transaction.atomic
def session_cancel(*, actor, session: TalkSession, reason: str) -> TalkSession:
    """Call a session off; everyone with a place or an invitation and the officials taking
    part are told, with the reason."""
    session = _locked(session)
    before = snapshot(session)
    _require_manager(actor, session)
    if session.status not in TalkSession.UPCOMING_STATUSES:
        raise WrongState(_("Only a planned or open session can be cancelled."))
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the session is cancelled; the people "
                                           "taking part are told.")})
    session.status = T.CANCELLED
    session.cancel_reason = reason[:300]
    session.sequence += 1
    session.save(update_fields=["status", "cancel_reason", "sequence"])
    signals.session_changed.send(sender=TalkSession, session=session, before=before)
    notices.session_cancelled(session=session)
    return session


@transaction.atomic
def session_minutes_save(*, actor, session: TalkSession, minutes: str) -> TalkSession:
    """Write (or correct) the minutes, during the session or after it."""
    session = _locked(session)
    _require_manager(actor, session)
    if session.status == T.CANCELLED:
        raise WrongState(_("A cancelled session has no minutes."))
    session.minutes = minutes.strip()
    session.save(update_fields=["minutes"])
    return session


@transaction.atomic
def session_close(*, actor, session: TalkSession, minutes: str) -> TalkSession:
    """Mark a session held once it has started: the minutes are required, people
    registered but not checked in become absent, and the counts of attendees and of
    issues raised are fixed."""
    session = _locked(session)
    before = snapshot(session)
    _require_manager(actor, session)
    if session.status not in TalkSession.UPCOMING_STATUSES:
        raise WrongState(_("This session is already held or cancelled."))
    if session.starts_at > timezone.now():
        raise WrongState(_("A session can be closed once it has started."))
    minutes = minutes.strip()
    if not minutes:
        raise ValidationError({"minutes": _("Write the minutes before closing the session.")})
    now = timezone.now()
    # No place_changed: registered → absent is never attended, and only attended places count.
    session.attendances.filter(status=A.REGISTERED).update(status=A.ABSENT, updated_at=now)
    session.status = T.HELD
    session.minutes = minutes
    session.closed_at, session.closed_by = now, actor
    session.attendee_count = session.attendances.filter(status=A.ATTENDED).count()
    session.issue_count = session.issues.count()
    session.save(update_fields=["status", "minutes", "closed_at", "closed_by",
                                "attendee_count", "issue_count"])
    signals.session_changed.send(sender=TalkSession, session=session, before=before)
    return session


# --- Weekly series ------------------------------------------------------------------------


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


def series_generate(*, series: SessionSeries, today: date | None = None) -> SeriesReport:
    """Plan the series' sessions for the next ``weeks_ahead`` weeks, each date once.

    A date on a public holiday (by the working-day calendar; an ordinary weekend is none, so
    a Saturday salon series happens) is skipped or moved to the next working day, as the
    series says; a week that would double-book the venue or the host is left out and
    reported; a time already past is never planned. Running it again plans only what is
    missing.
    """
    today = today or timezone.localdate()
    report = SeriesReport(series=series)
    if not series.is_active:
        return report
    dates = _series_dates(series, today)
    if not dates:
        return report
    done = set(TalkSession.objects.filter(series=series, series_date__in=dates)
               .values_list("series_date", flat=True))
    calendar = work_calendar()
    departments = list(series.departments.all())
    for nominal in dates:
        if nominal in done:
            continue
        day = nominal
        if calendar.is_public_holiday(day):
            if series.on_holiday == SessionSeries.OnHoliday.SKIP:
                report.skipped.append(nominal)
                continue
            day = calendar.next_working_day(day)
        starts_at = timezone.make_aware(datetime.combine(day, series.start_time))
        ends_at = starts_at + timedelta(minutes=series.duration_minutes)
        try:
            with transaction.atomic():
                session = session_create(
                    actor=None, region=series.region, kind=series.kind, theme=series.theme,
                    venue=series.venue, starts_at=starts_at, ends_at=ends_at,
                    capacity=series.capacity, host=series.host, departments=departments,
                    series=series, series_date=nominal,
                )
        except ValidationError as error:
            report.clashes.append((nominal, error.messages))
            continue
        except IntegrityError:  # generated by a concurrent run in the meantime
            continue
        report.created.append(session)
        if day != nominal:
            report.moved.append((nominal, day))
    return report


@transaction.atomic
def series_create(*, actor, **fields) -> tuple[SessionSeries, SeriesReport]:
    """A coordinator sets up a weekly series; its first weeks are planned at once."""
    departments = fields.pop("departments", ())
    region = fields["region"]
    _require_manager(actor, region)
    series = SessionSeries(created_by=actor, **fields)
    series.full_clean()
    series.save()
    series.departments.set(departments)
    return series, series_generate(series=series)


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


# --- Invitations and registration --------------------------------------------------------


@transaction.atomic
def session_invite(*, actor, session: TalkSession, region: Region | None = None,
                   industry: str = "", scale: str = "", new_generation: bool | None = None,
                   ) -> int:
    """Invite everyone the filter finds who may take part and has no place yet; each is
    told in the app and by SMS. Returns how many were invited."""
    session = _locked(session)
    _require_manager(actor, session)
    if session.status not in TalkSession.UPCOMING_STATUSES or session.starts_at <= timezone.now():
        raise WrongState(_("Invitations go out for sessions still to come."))
    people = invitation_candidates(session=session, region=region, industry=industry,
                                   scale=scale, new_generation=new_generation)
    people = list(people.select_related("user", "enterprise").order_by("pk")[:MAX_INVITATIONS + 1])
    if len(people) > MAX_INVITATIONS:
        raise ValidationError(_("The filter finds more than %(max)d people; narrow it down.")
                              % {"max": MAX_INVITATIONS})
    now = timezone.now()
    # No place_changed: new invitations are never attended, and only attended places count.
    Attendance.objects.bulk_create([
        Attendance(session=session, entrepreneur=person, status=A.INVITED, invited_at=now)
        for person in people
    ])
    for person in people:
        notices.invited(session=session, person=person)
    return len(people)


def _own_place(user, session: TalkSession) -> tuple[Entrepreneur, Attendance | None]:
    person = entrepreneur_for_user(user=user)
    if person is None or not person.is_verified or not user.has_perm(
            "talk_sessions.add_attendance"):
        raise NotAllowed(_("Only verified entrepreneurs register for sessions."))
    attendance = session.attendances.select_for_update().filter(entrepreneur=person).first()
    return person, attendance


@transaction.atomic
def attendance_register(*, user, session: TalkSession) -> Attendance:
    """Take a place at an open session, or a place on its waiting list when it is full."""
    session = _locked(session)
    person, attendance = _own_place(user, session)
    before = None if attendance is None else snapshot(attendance)
    if attendance is None and not TalkSession.objects.filter(
            sessions_open_to(person), pk=session.pk).exists():
        raise NotAllowed(_("This session is for the enterprises of %(region)s.")
                         % {"region": session.region})
    if session.status != T.OPEN:
        raise WrongState(_("This session is not open for registration."))
    if session.starts_at <= timezone.now():
        raise WrongState(_("The session has already started."))
    if attendance is not None and attendance.status not in (A.INVITED, A.CANCELLED):
        raise WrongState(_("You already have a place (or a waiting-list place) at this "
                           "session."))
    taken = session.attendances.filter(status__in=Attendance.TAKING_A_PLACE).count()
    status = A.REGISTERED if taken < session.capacity else A.WAITLISTED
    now = timezone.now()
    if attendance is None:
        attendance = Attendance(session=session, entrepreneur=person)
    attendance.status, attendance.registered_at, attendance.cancelled_at = status, now, None
    attendance.save()
    signals.place_changed.send(sender=Attendance, place=attendance, before=before, deleted=False)
    notices.registered(session=session, attendance=attendance)
    return attendance


def _promote_waitlisted(session: TalkSession) -> list[Attendance]:
    """Fill free places from the waiting list, first come first served (session locked)."""
    free = session.capacity - session.attendances.filter(
        status__in=Attendance.TAKING_A_PLACE).count()
    if free <= 0:
        return []
    promoted = list(session.attendances.select_for_update(of=("self",))
                    .filter(status=A.WAITLISTED)
                    .select_related("entrepreneur__user").order_by("registered_at", "id")[:free])
    for attendance in promoted:
        before = snapshot(attendance)
        attendance.status = A.REGISTERED
        attendance.save(update_fields=["status", "updated_at"])
        signals.place_changed.send(sender=Attendance, place=attendance, before=before,
                                   deleted=False)
        notices.promoted(session=session, attendance=attendance)
    return promoted


@transaction.atomic
def attendance_cancel(*, actor, attendance: Attendance) -> Attendance:
    """Give up a place (the entrepreneur) or take it back (a coordinator), before the
    session starts; a place freed goes to the first on the waiting list."""
    session = _locked(attendance.session)
    attendance = Attendance.objects.select_for_update(of=("self",)).select_related(
        "entrepreneur__user").get(pk=attendance.pk)
    before = snapshot(attendance)
    own = entrepreneur_for_user(user=actor)
    if not (own is not None and own.pk == attendance.entrepreneur_id) and not (
            may_manage_sessions(user=actor, region=session.region)):
        raise NotAllowed(_("Only the person or a coordinator of the region can cancel this "
                           "place."))
    if attendance.status not in Attendance.UPCOMING_STATUSES:
        raise WrongState(_("There is no place to cancel."))
    if session.status not in TalkSession.UPCOMING_STATUSES or session.starts_at <= timezone.now():
        raise WrongState(_("The session has already started or is over."))
    freed = attendance.status == A.REGISTERED
    attendance.status, attendance.cancelled_at = A.CANCELLED, timezone.now()
    attendance.save(update_fields=["status", "cancelled_at", "updated_at"])
    signals.place_changed.send(sender=Attendance, place=attendance, before=before, deleted=False)
    notices.cancelled_by_person(session=session, attendance=attendance)
    if freed and session.status == T.OPEN:
        _promote_waitlisted(session)
    return attendance


# --- Check-in -----------------------------------------------------------------------------


def _check_in_open(session: TalkSession) -> None:
    if session.status not in TalkSession.UPCOMING_STATUSES:
        raise WrongState(_("Check-in is closed: the session is held or cancelled."))
    if timezone.now() < session.starts_at - session_rules().check_in_opens:
        raise WrongState(_("Check-in opens %(minutes)d minutes before the start.") % {
            "minutes": session_rules().check_in_opens.total_seconds() // 60})


def _mark_attended(attendance: Attendance, *, method: str, actor) -> Attendance:
    before = None if attendance.pk is None else snapshot(attendance)  # as just loaded
    attendance.status = A.ATTENDED
    attendance.checked_in_at = timezone.now()
    attendance.check_in_method, attendance.checked_in_by = method, actor
    attendance.save()
    signals.place_changed.send(sender=Attendance, place=attendance, before=before, deleted=False)
    return attendance


@transaction.atomic
def attendance_check_in(*, actor, attendance: Attendance) -> Attendance:
    """A coordinator ticks a person off the list (invited, registered, waitlisted, absent or
    cancelled: whoever is at the door)."""
    session = _locked(attendance.session)
    _require_manager(actor, session)
    _check_in_open(session)
    attendance = Attendance.objects.select_for_update().get(pk=attendance.pk)
    if attendance.status == A.ATTENDED:
        return attendance
    return _mark_attended(attendance, method=Attendance.CheckIn.LIST, actor=actor)


@transaction.atomic
def attendance_undo_check_in(*, actor, attendance: Attendance) -> Attendance:
    """Untick a person ticked by mistake: back to registered."""
    session = _locked(attendance.session)
    _require_manager(actor, session)
    _check_in_open(session)
    attendance = Attendance.objects.select_for_update().get(pk=attendance.pk)
    before = snapshot(attendance)
    if attendance.status != A.ATTENDED:
        raise WrongState(_("This person is not checked in."))
    attendance.status, attendance.checked_in_at = A.REGISTERED, None
    attendance.check_in_method, attendance.checked_in_by = "", None
    attendance.save()
    signals.place_changed.send(sender=Attendance, place=attendance, before=before, deleted=False)
    return attendance


@transaction.atomic
def attendance_add_walk_in(*, actor, session: TalkSession,
                           entrepreneur: Entrepreneur) -> Attendance:
    """Someone came without a place: checked in at once (walk-ins may exceed capacity)."""
    session = _locked(session)
    _require_manager(actor, session)
    _check_in_open(session)
    attendance = session.attendances.select_for_update().filter(
        entrepreneur=entrepreneur).first() or Attendance(session=session, entrepreneur=entrepreneur)
    if attendance.status == A.ATTENDED:
        raise WrongState(_("%(name)s is already checked in.") % {"name": entrepreneur.name})
    return _mark_attended(attendance, method=Attendance.CheckIn.WALK_IN, actor=actor)


_CHECK_IN_SALT = "sessions.check-in-code"


def check_in_code_make(*, session: TalkSession) -> str:
    """A signed code for the venue's screen, bound to this session, valid for
    ``SESSION_CHECK_IN_CODE_MINUTES``."""
    return signing.dumps({"s": session.pk}, salt=_CHECK_IN_SALT, compress=True)


def check_in_code_verify(*, session: TalkSession, code: str) -> None:
    """Raise ``SessionError`` unless ``code`` was made for this session and is still valid."""
    try:
        data = signing.loads(code, salt=_CHECK_IN_SALT,
                             max_age=session_rules().check_in_code_valid)
    except signing.SignatureExpired:
        raise SessionError(_("This code has expired. Scan the code on the venue's screen "
                             "again.")) from None
    except signing.BadSignature:
        raise SessionError(_("This is not a check-in code of ours. Scan the code on the "
                             "venue's screen.")) from None
    if data.get("s") != session.pk:
        raise SessionError(_("This code belongs to another session."))


@transaction.atomic
def attendance_check_in_by_code(*, user, session: TalkSession, code: str) -> Attendance:
    """An entrepreneur scans the venue's code: checked in, with or without a place (then as
    a walk-in, if the session is open to them)."""
    session = _locked(session)
    check_in_code_verify(session=session, code=code)
    person, attendance = _own_place(user, session)
    _check_in_open(session)
    if attendance is None:
        if not TalkSession.objects.filter(sessions_open_to(person), pk=session.pk).exists():
            raise NotAllowed(_("This session is for the enterprises of %(region)s.")
                             % {"region": session.region})
        attendance = Attendance(session=session, entrepreneur=person)
    if attendance.status == A.ATTENDED:
        return attendance
    return _mark_attended(attendance, method=Attendance.CheckIn.QR, actor=user)


# --- After the session --------------------------------------------------------------------


@transaction.atomic
def attendance_rate(*, user, session: TalkSession, rating: int, comment: str = "") -> Attendance:
    """An attendee rates a held session, once (1 to 5 stars, with an optional comment)."""
    session = _locked(session)
    person, attendance = _own_place(user, session)
    before = None if attendance is None else snapshot(attendance)
    if attendance is None or attendance.status != A.ATTENDED:
        raise NotAllowed(_("Only people who attended rate a session."))
    if session.status != T.HELD:
        raise WrongState(_("A session is rated once it is held and closed."))
    if attendance.rated_at is not None:
        raise WrongState(_("You have already rated this session. Thank you."))
    if rating not in range(1, 6):
        raise ValidationError({"rating": _("Choose from 1 to 5 stars.")})
    attendance.rating, attendance.rating_comment = rating, comment.strip()[:500]
    attendance.rated_at = timezone.now()
    attendance.save(update_fields=["rating", "rating_comment", "rated_at", "updated_at"])
    signals.place_changed.send(sender=Attendance, place=attendance, before=before, deleted=False)
    return attendance


# --- Reminders ----------------------------------------------------------------------------


def session_reminders_send(*, now: datetime | None = None) -> int:
    """The reminder queue (beat, every five minutes): each session still to come is
    reminded once per active reminder and start time.

    When several reminders are due at once (the queue was down, or the session was planned
    late) only the latest is sent; the earlier are marked passed over. A moved session is
    reminded again for its new time. An idle run is two queries. Returns sessions reminded.
    """
    now = now or timezone.now()
    rules = list(ReminderRule.objects.filter(is_active=True).order_by("minutes_before"))
    if not rules:
        return 0
    due = Q()
    for rule in rules:
        sent = ReminderSent.objects.filter(session=OuterRef("pk"), rule=rule,
                                           starts_at=OuterRef("starts_at"))
        due |= Q(starts_at__lte=now + timedelta(minutes=rule.minutes_before)) & ~Q(Exists(sent))
    candidates = TalkSession.objects.filter(
        due, status__in=TalkSession.UPCOMING_STATUSES, starts_at__gt=now,
    ).values_list("pk", flat=True)
    reminded = 0
    for pk in list(candidates):
        reminded += _remind(pk, rules, now)
    return reminded


@transaction.atomic
def _remind(pk: int, rules: list[ReminderRule], now: datetime) -> int:
    session = TalkSession.objects.select_for_update(of=("self",)).select_related(
        "region", "host__user").filter(
        pk=pk, status__in=TalkSession.UPCOMING_STATUSES, starts_at__gt=now).first()
    if session is None:
        return 0
    due = [rule for rule in rules
           if session.starts_at <= now + timedelta(minutes=rule.minutes_before)]
    if not due:  # moved later since the queue found it due
        return 0
    done = set(ReminderSent.objects.filter(session=session, starts_at=session.starts_at)
               .values_list("rule_id", flat=True))
    latest = due[0]  # the smallest lead among those due
    send = latest.pk not in done
    ReminderSent.objects.bulk_create([
        ReminderSent(session=session, rule=rule, starts_at=session.starts_at,
                     superseded=rule is not latest)
        for rule in due if rule.pk not in done
    ])
    if send:
        notices.reminder(session=session, rule_pk=latest.pk)
    return int(send)


# --- Calendar feeds -----------------------------------------------------------------------


def calendar_feed_for_user(*, user) -> CalendarFeed:
    """The user's secret calendar address, made the first time it is asked for."""
    feed, _created = CalendarFeed.objects.get_or_create(user=user)
    return feed


def calendar_feed_renew(*, user) -> CalendarFeed:
    """A new secret: the old address stops working (for a link shared by mistake)."""
    feed = calendar_feed_for_user(user=user)
    feed.token = new_feed_token()
    feed.save(update_fields=["token"])
    return feed
