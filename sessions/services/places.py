"""Places (``Attendance``): invitations, registering (or the waiting list when full),
moving up from the waiting list, giving a place up or taking it back, and rating a held
session.

    a place:  invited ─register→ registered (or waitlisted when full) ─check in→ attended
              registered / waitlisted ─cancel→ cancelled (the first waitlisted moves up)
              registered, not checked in when the session closes → absent
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.signals import snapshot
from entrepreneurs.models import Entrepreneur
from entrepreneurs.selectors import entrepreneur_for_user
from government.models import Region
from sessions import notices, signals
from sessions.models import Attendance, TalkSession
from sessions.selectors import invitation_candidates, may_manage_sessions, sessions_open_to
from sessions.services.common import A, NotAllowed, T, WrongState, _locked, _require_manager

#: The most people one invitation by filter may reach; a wider filter is refused.
MAX_INVITATIONS = 1000


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
