"""Planning and running one session: its edition (期), the clash check, creating and
changing it, opening registration, cancelling, the minutes and closing it as held.

    planned ─open registration→ open ─close (minutes; counts fixed)→ held
       └──────────── cancel (with a reason) ──────────┴──→ cancelled
"""

from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from core.dates import day_shown
from core.signals import snapshot
from government.models import Region
from sessions import notices, signals
from sessions.models import MAX_SESSION_LENGTH, Attendance, Edition, TalkSession
from sessions.selectors import session_clashes
from sessions.services.common import A, SessionError, T, WrongState, _locked, _require_manager
from sessions.services.places import _promote_waitlisted


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
        "day": day_shown(local_start), "start": f"{local_start:%H:%M}",
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


def check_session_update(*, session: TalkSession, venue: str, host, starts_at: datetime,
                         ends_at: datetime, capacity: int) -> None:
    """Refuse a change ``session_update`` would refuse (writes nothing): the session is
    held or cancelled, the times are wrong, fewer places than people holding one, a clash."""
    if session.status not in TalkSession.UPCOMING_STATUSES:
        raise WrongState(_("A held or cancelled session can no longer be changed."))
    _validate_times(starts_at, ends_at)
    taken = session.attendances.filter(status__in=Attendance.TAKING_A_PLACE).count()
    if capacity < taken:
        raise ValidationError({"capacity": _(
            "%(taken)d people already have a place; the capacity cannot be less."
        ) % {"taken": taken}})
    check_no_clash(region=session.region, venue=venue.strip(), host=host, starts_at=starts_at,
                   ends_at=ends_at, exclude_pk=session.pk)


@transaction.atomic
def session_update(*, actor, session: TalkSession, theme: str, kind: str, venue: str,
                   starts_at: datetime, ends_at: datetime, capacity: int, host=None,
                   departments=()) -> TalkSession:
    """Change a planned or open session; a new time or place is checked for clashes, moves
    the session to that week's edition, and is told to everyone with a place."""
    session = _locked(session)
    before = snapshot(session)
    _require_manager(actor, session)
    check_session_update(session=session, venue=venue, host=host, starts_at=starts_at,
                         ends_at=ends_at, capacity=capacity)
    venue = venue.strip()
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


def check_session_close(*, session: TalkSession, minutes: str) -> None:
    """Refuse a closing ``session_close`` would refuse (writes nothing; the page asks to
    confirm only a closing that can be done): held or cancelled, not started, no minutes."""
    if session.status not in TalkSession.UPCOMING_STATUSES:
        raise WrongState(_("This session is already held or cancelled."))
    if session.starts_at > timezone.now():
        raise WrongState(_("A session can be closed once it has started."))
    if not minutes.strip():
        raise ValidationError({"minutes": _("Write the minutes before closing the session.")})


@transaction.atomic
def session_close(*, actor, session: TalkSession, minutes: str) -> TalkSession:
    """Mark a session held once it has started: the minutes are required, people
    registered but not checked in become absent, and the counts of attendees and of
    issues raised are fixed."""
    session = _locked(session)
    before = snapshot(session)
    _require_manager(actor, session)
    check_session_close(session=session, minutes=minutes)
    minutes = minutes.strip()
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
