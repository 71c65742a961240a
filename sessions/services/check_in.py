"""Check-in at the door: a coordinator ticks people off the list (or unticks a mistake),
adds a walk-in, and an entrepreneur checks in by scanning the venue's signed code."""

from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.signals import snapshot
from entrepreneurs.models import Entrepreneur
from entrepreneurs.services import entrepreneur_add_walk_in
from government.models import Region
from sessions import signals
from sessions.models import Attendance, TalkSession
from sessions.rules import check_in_opens_at, session_rules
from sessions.selectors import sessions_open_to
from sessions.services.common import (
    A,
    NotAllowed,
    SessionError,
    WrongState,
    _locked,
    _require_manager,
)
from sessions.services.places import _own_place


def _check_in_open(session: TalkSession) -> None:
    if session.status not in TalkSession.UPCOMING_STATUSES:
        raise WrongState(_("Check-in is closed: the session is held or cancelled."))
    if timezone.now() < check_in_opens_at(session):
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


@transaction.atomic
def attendance_register_walk_in(*, actor, session: TalkSession, name: str, mobile: str,
                                enterprise_name: str = "", region: Region | None = None,
                                credit_code: str = "") -> Attendance:
    """Someone at the door who is not in the directory: added to it, verified in person by
    the coordinator (``entrepreneurs.services.entrepreneur_add_walk_in``, which sends them
    the SMS to claim an account), and checked in as a walk-in, all at once. Refused, with
    nothing written, unless the actor runs the session and check-in is open."""
    session = _locked(session)
    _require_manager(actor, session)
    _check_in_open(session)
    when = timezone.localtime(session.starts_at)
    person = entrepreneur_add_walk_in(
        actor=actor, name=name, mobile=mobile, enterprise_name=enterprise_name, region=region,
        credit_code=credit_code,
        occasion=f"session #{session.pk} ({when:%Y-%m-%d %H:%M}, {session.theme})",
    )
    return _mark_attended(Attendance(session=session, entrepreneur=person),
                          method=Attendance.CheckIn.WALK_IN, actor=actor)


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
