"""The session services: check-in (by the list, at the door, by the venue's code), closing
with the minutes, and rating a held session."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from sessions.models import Attendance
from sessions.services import (
    NotAllowed,
    SessionError,
    WrongState,
    attendance_add_walk_in,
    attendance_check_in,
    attendance_check_in_by_code,
    attendance_rate,
    attendance_undo_check_in,
    check_in_code_make,
    check_in_code_verify,
    session_close,
)
from tests.factories import (
    AttendanceFactory,
    IssueFactory,
)
from tests.helpers import at
from tests.sessions.service_steps import (
    START,
    WEDNESDAY,
    A,
    T,
    changes_nothing,
    make_session,
    person,
    statuses,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_refusals")]


# --- Closing with the minutes -------------------------------------------------------------


def test_a_session_is_closed_only_once_it_has_started(world):
    session = make_session(world.county)
    AttendanceFactory(session=session, entrepreneur=person(world.county))
    world.clock.move_to(START - timedelta(minutes=1))
    with changes_nothing(), pytest.raises(WrongState, match="once it has started"):
        session_close(actor=world.coordinator, session=session, minutes="会议纪要")


def test_closing_needs_the_minutes(world):
    session = make_session(world.county)
    AttendanceFactory(session=session, entrepreneur=person(world.county))
    world.clock.move_to(START + timedelta(hours=2))
    with changes_nothing(), pytest.raises(ValidationError) as refused:
        session_close(actor=world.coordinator, session=session, minutes="  \n ")
    assert "minutes" in refused.value.message_dict


def test_closing_marks_the_no_shows_absent_and_fixes_the_counts(world):
    session = make_session(world.county)
    came = [AttendanceFactory(session=session, entrepreneur=person(world.county))
            for _ in range(2)]
    stayed_away = AttendanceFactory(session=session, entrepreneur=person(world.county))
    waiting = AttendanceFactory(session=session, entrepreneur=person(world.county),
                                status=A.WAITLISTED)
    for enterprise in (came[0].entrepreneur.enterprise, came[1].entrepreneur.enterprise,
                       came[0].entrepreneur.enterprise):
        IssueFactory(session=session, enterprise=enterprise)
    IssueFactory(session=make_session(world.county, starts_at=at(WEDNESDAY, 9)))
    IssueFactory()

    world.clock.move_to(START)
    for attendance in came:
        attendance_check_in(actor=world.coordinator, attendance=attendance)
    with pytest.raises(NotAllowed):
        session_close(actor=world.other_coordinator, session=session, minutes="纪要")

    world.clock.move_to(START + timedelta(hours=2, minutes=10))
    closed = session_close(actor=world.coordinator, session=session, minutes="  讨论了用地。 ")
    closed.refresh_from_db()
    assert (closed.status, closed.minutes, closed.attendee_count, closed.issue_count) == (
        T.HELD, "讨论了用地。", 2, 3)
    assert (closed.closed_at, closed.closed_by) == (at(WEDNESDAY, 16, 40), world.coordinator)
    assert statuses(session) == {
        came[0].entrepreneur_id: A.ATTENDED, came[1].entrepreneur_id: A.ATTENDED,
        stayed_away.entrepreneur_id: A.ABSENT, waiting.entrepreneur_id: A.WAITLISTED}

    # The counts are those of the closing: an issue logged later does not change them.
    IssueFactory(session=session)
    closed.refresh_from_db()
    assert (closed.attendee_count, closed.issue_count) == (2, 3)
    with changes_nothing(), pytest.raises(WrongState):
        session_close(actor=world.coordinator, session=session, minutes="再关一次")


# --- Check-in -----------------------------------------------------------------------------


def test_ticking_off_the_list_and_undoing_it(world):
    session = make_session(world.county)
    attendance = AttendanceFactory(session=session, entrepreneur=person(world.county))
    world.clock.move_to(at(WEDNESDAY, 14, 0))

    with changes_nothing(), pytest.raises(NotAllowed):
        attendance_check_in(actor=world.other_coordinator, attendance=attendance)
    ticked = attendance_check_in(actor=world.coordinator, attendance=attendance)
    ticked.refresh_from_db()
    assert (ticked.status, ticked.check_in_method, ticked.checked_in_by, ticked.checked_in_at) == (
        A.ATTENDED, Attendance.CheckIn.LIST, world.coordinator, at(WEDNESDAY, 14, 0))

    untick = attendance_undo_check_in(actor=world.coordinator, attendance=attendance)
    untick.refresh_from_db()
    assert (untick.status, untick.check_in_method, untick.checked_in_by, untick.checked_in_at) == (
        A.REGISTERED, "", None, None)
    with changes_nothing(), pytest.raises(WrongState, match="not checked in"):
        attendance_undo_check_in(actor=world.coordinator, attendance=attendance)


def test_check_in_opens_a_set_time_before_the_start(world):
    session = make_session(world.county)
    first, second = (AttendanceFactory(session=session, entrepreneur=person(world.county))
                     for _ in range(2))
    newcomer = person(world.county)
    world.clock.move_to(START - timedelta(minutes=121))
    code = check_in_code_make(session=session)
    with changes_nothing(), pytest.raises(WrongState, match="120 minutes before"):
        attendance_check_in(actor=world.coordinator, attendance=first)
    with changes_nothing(), pytest.raises(WrongState):
        attendance_check_in_by_code(user=second.entrepreneur.user, session=session, code=code)
    with changes_nothing(), pytest.raises(WrongState):
        attendance_add_walk_in(actor=world.coordinator, session=session, entrepreneur=newcomer)

    world.clock.move_to(START - timedelta(minutes=120))
    assert attendance_check_in(actor=world.coordinator, attendance=first).status == A.ATTENDED
    assert attendance_check_in_by_code(user=second.entrepreneur.user, session=session,
                                       code=code).status == A.ATTENDED
    assert attendance_add_walk_in(actor=world.coordinator, session=session,
                                  entrepreneur=newcomer).status == A.ATTENDED


def test_check_in_is_over_once_the_session_is_closed(world):
    session = make_session(world.county)
    late = AttendanceFactory(session=session, entrepreneur=person(world.county))
    world.clock.move_to(START + timedelta(hours=2))
    session_close(actor=world.coordinator, session=session, minutes="纪要")
    with changes_nothing(), pytest.raises(WrongState):
        attendance_check_in(actor=world.coordinator, attendance=late)


def test_a_walk_in_is_checked_in_at_once_even_when_the_session_is_full(world):
    session = make_session(world.county, capacity=1)
    AttendanceFactory(session=session, entrepreneur=person(world.county))
    newcomer = person(world.county, user=None)
    world.clock.move_to(at(WEDNESDAY, 14, 20))

    walk_in = attendance_add_walk_in(actor=world.coordinator, session=session,
                                     entrepreneur=newcomer)
    walk_in.refresh_from_db()
    assert (walk_in.status, walk_in.check_in_method, walk_in.checked_in_by) == (
        A.ATTENDED, Attendance.CheckIn.WALK_IN, world.coordinator)
    assert Attendance.objects.filter(session=session, status__in=Attendance.TAKING_A_PLACE
                                     ).count() == 2
    with changes_nothing(), pytest.raises(WrongState, match="already checked in"):
        attendance_add_walk_in(actor=world.coordinator, session=session,
                               entrepreneur=newcomer)


def test_scanning_the_venue_code_checks_people_in(world):
    session = make_session(world.county)
    registered = AttendanceFactory(session=session, entrepreneur=person(world.county))
    no_place = person(world.county)
    outsider = person(world.other_county)
    world.clock.move_to(at(WEDNESDAY, 14, 0))
    code = check_in_code_make(session=session)

    scanned = attendance_check_in_by_code(user=registered.entrepreneur.user, session=session,
                                          code=code)
    assert (scanned.pk, scanned.status, scanned.check_in_method, scanned.checked_in_by) == (
        registered.pk, A.ATTENDED, Attendance.CheckIn.QR, registered.entrepreneur.user)
    # Scanning twice is harmless.
    assert attendance_check_in_by_code(user=registered.entrepreneur.user, session=session,
                                       code=code).checked_in_at == at(WEDNESDAY, 14, 0)
    # Someone of the county without a place comes in as a walk-in; another county's cannot.
    assert attendance_check_in_by_code(user=no_place.user, session=session,
                                       code=code).status == A.ATTENDED
    with changes_nothing(), pytest.raises(NotAllowed):
        attendance_check_in_by_code(user=outsider.user, session=session, code=code)


def test_a_venue_code_expires(world):
    session = make_session(world.county)
    on_time, too_late = (AttendanceFactory(session=session, entrepreneur=person(world.county))
                         for _ in range(2))
    world.clock.move_to(at(WEDNESDAY, 14, 0))
    code = check_in_code_make(session=session)

    world.clock.move_to(at(WEDNESDAY, 14, 15))
    attendance_check_in_by_code(user=on_time.entrepreneur.user, session=session, code=code)
    world.clock.move_to(at(WEDNESDAY, 14, 16))
    with changes_nothing(), pytest.raises(SessionError, match="expired"):
        attendance_check_in_by_code(user=too_late.entrepreneur.user, session=session,
                                    code=code)
    # A fresh code from the venue's screen works.
    attendance_check_in_by_code(user=too_late.entrepreneur.user, session=session,
                                code=check_in_code_make(session=session))
    assert set(statuses(session).values()) == {A.ATTENDED}


def test_a_code_of_another_session_or_a_tampered_code_is_refused(world):
    session = make_session(world.county)
    other = make_session(world.county, venue="另一会场")
    attendance = AttendanceFactory(session=session, entrepreneur=person(world.county))
    world.clock.move_to(at(WEDNESDAY, 14, 0))
    code = check_in_code_make(session=session)
    user = attendance.entrepreneur.user

    with changes_nothing(), pytest.raises(SessionError, match="another session"):
        attendance_check_in_by_code(user=user, session=session,
                                    code=check_in_code_make(session=other))
    head, _sep, signature = code.rpartition(":")
    tampered = [f"{head}:{signature[::-1]}", code[:-1] + ("A" if code[-1] != "A" else "B"),
                "not-a-code", ""]
    for bad in tampered:
        with changes_nothing(), pytest.raises(SessionError, match="not a check-in code"):
            attendance_check_in_by_code(user=user, session=session, code=bad)
    check_in_code_verify(session=session, code=code)  # the real one is fine


# --- Rating ---------------------------------------------------------------------------------


def held_session(world):
    """A session held with one attendee and one no-show."""
    session = make_session(world.county)
    attendee = AttendanceFactory(session=session, entrepreneur=person(world.county))
    no_show = AttendanceFactory(session=session, entrepreneur=person(world.county))
    world.clock.move_to(START)
    attendance_check_in(actor=world.coordinator, attendance=attendee)
    world.clock.move_to(START + timedelta(hours=2))
    session_close(actor=world.coordinator, session=session, minutes="纪要")
    return session, attendee.entrepreneur, no_show.entrepreneur


def test_an_attendee_rates_a_held_session_once(world):
    session, attendee, _no_show = held_session(world)
    rated = attendance_rate(user=attendee.user, session=session, rating=4, comment=" 很实在 ")
    rated.refresh_from_db()
    assert (rated.rating, rated.rating_comment, rated.rated_at) == (
        4, "很实在", START + timedelta(hours=2))
    with changes_nothing(), pytest.raises(WrongState, match="already rated"):
        attendance_rate(user=attendee.user, session=session, rating=1)


def test_only_attendees_rate(world):
    session, _attendee, no_show = held_session(world)
    stranger = person(world.county)
    for someone in (no_show, stranger):
        with changes_nothing(), pytest.raises(NotAllowed):
            attendance_rate(user=someone.user, session=session, rating=5)


@pytest.mark.parametrize("rating", [0, 6])
def test_a_rating_is_one_to_five_stars(world, rating):
    session, attendee, _no_show = held_session(world)
    with changes_nothing(), pytest.raises(ValidationError):
        attendance_rate(user=attendee.user, session=session, rating=rating)


def test_a_session_is_rated_only_once_held(world):
    session = make_session(world.county)
    attendee = AttendanceFactory(session=session, entrepreneur=person(world.county))
    world.clock.move_to(START)
    attendance_check_in(actor=world.coordinator, attendance=attendee)
    with changes_nothing(), pytest.raises(WrongState, match="held"):
        attendance_rate(user=attendee.entrepreneur.user, session=session, rating=5)
