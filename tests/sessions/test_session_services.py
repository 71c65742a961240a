"""The session services as coordinators and entrepreneurs live them: registering up to the
capacity and the waiting list, clashes of venue and host, check-in (by the list, at the
door, by the venue's code), closing with the minutes, rating, invitations by filter and
cancelling.

The clock stands still (time_machine) on Monday 2 March 2026, 09:00 in Huzhou; a session
is on Wednesday 4 March, 14:30–16:30, unless the test says otherwise. Every refused call
is checked to leave every row as it was.
"""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from entrepreneurs.models import Entrepreneur
from notifications.models import Notification
from sessions.models import Attendance, SessionKind, TalkSession
from sessions.notices import session_path
from sessions.services import (
    NotAllowed,
    WrongState,
    attendance_cancel,
    attendance_register,
    session_cancel,
    session_create,
)
from tests.factories import (
    AttendanceFactory,
    OfficialFactory,
)
from tests.helpers import at
from tests.sessions.service_steps import (
    IN_APP,
    MONDAY,
    START,
    WEDNESDAY,
    A,
    R,
    T,
    changes_nothing,
    create,
    entrepreneur_everywhere,
    make_session,
    person,
    place,
    statuses,
    told,
    update,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_refusals")]

# --- Registration and the waiting list ----------------------------------------------------


def test_people_register_up_to_the_capacity_and_then_join_the_waiting_list(world):
    session = make_session(world.county, capacity=2)
    first, second, third = (person(world.county) for _ in range(3))
    for someone in (first, second, third):
        world.clock.shift(timedelta(minutes=1))
        attendance_register(user=someone.user, session=session)

    assert statuses(session) == {first.pk: A.REGISTERED, second.pk: A.REGISTERED,
                                 third.pk: A.WAITLISTED}
    assert place(session, third).registered_at == at(MONDAY, 9, 3)
    # Each is told in the app (not by SMS) whether they have a place or a waiting-list one.
    messages = {n.recipient_id: n for n in Notification.objects.all()}
    assert set(messages) == {first.user_id, second.user_id, third.user_id}
    assert {n.channel for n in messages.values()} == {IN_APP}
    assert {n.url for n in messages.values()} == {session_path(session)}
    assert messages[first.user_id].subject == messages[second.user_id].subject
    assert messages[third.user_id].subject != messages[first.user_id].subject


def test_registering_twice_is_refused(world):
    session = make_session(world.county, capacity=1)
    holder, waiting = person(world.county), person(world.county)
    attendance_register(user=holder.user, session=session)
    attendance_register(user=waiting.user, session=session)
    for someone in (holder, waiting):
        with changes_nothing(), pytest.raises(WrongState, match="already have a place"):
            attendance_register(user=someone.user, session=session)


def test_the_waiting_list_moves_up_by_registration_time_then_by_order_of_entry(world):
    session = make_session(world.county, capacity=1)
    holder = AttendanceFactory(session=session, entrepreneur=person(world.county),
                               registered_at=at(MONDAY, 8, 0))
    waiting = {"late": at(MONDAY, 8, 5), "early": at(MONDAY, 8, 1), "tied": at(MONDAY, 8, 1)}
    rows = {name: AttendanceFactory(session=session, entrepreneur=person(world.county),
                                    status=A.WAITLISTED, registered_at=when)
            for name, when in waiting.items()}  # "late" has the lowest id
    moved_up = []
    for leaving in (holder, rows["early"], rows["tied"]):
        attendance_cancel(actor=leaving.entrepreneur.user, attendance=leaving)
        now_registered = [name for name, row in rows.items()
                          if Attendance.objects.get(pk=row.pk).status == A.REGISTERED]
        assert len(now_registered) == 1
        moved_up += now_registered
    assert moved_up == ["early", "tied", "late"]
    # The one who moved up is told, in the app and by SMS.
    assert told(session, "promoted") == entrepreneur_everywhere(
        *(rows[name].entrepreneur for name in moved_up))


def test_a_coordinator_taking_back_a_place_gives_it_to_the_first_waiting(world):
    session = make_session(world.county, capacity=1)
    holder, first, second = (person(world.county) for _ in range(3))
    for someone in (holder, first, second):
        world.clock.shift(timedelta(minutes=1))
        attendance_register(user=someone.user, session=session)
    taken = place(session, holder)

    for outsider in (world.other_coordinator, first.user, world.handler):
        with changes_nothing(), pytest.raises(NotAllowed):
            attendance_cancel(actor=outsider, attendance=taken)

    attendance_cancel(actor=world.coordinator, attendance=taken)
    assert statuses(session) == {holder.pk: A.CANCELLED, first.pk: A.REGISTERED,
                                 second.pk: A.WAITLISTED}
    assert place(session, holder).cancelled_at == at(MONDAY, 9, 3)
    assert told(session, "promoted") == entrepreneur_everywhere(first)
    assert {(n.recipient_id, n.channel) for n in Notification.objects.filter(
        key__startswith=f"session:{session.pk}:place_cancelled:")} == {(holder.user_id, IN_APP)}
    # A place already given up cannot be given up again.
    with changes_nothing(), pytest.raises(WrongState):
        attendance_cancel(actor=world.coordinator, attendance=taken)


def test_a_place_cannot_be_given_up_once_the_session_has_started(world):
    session = make_session(world.county, capacity=1)
    holder, waiting = person(world.county), person(world.county)
    attendance_register(user=holder.user, session=session)
    attendance_register(user=waiting.user, session=session)
    world.clock.move_to(START)
    with changes_nothing(), pytest.raises(WrongState):
        attendance_cancel(actor=holder.user, attendance=place(session, holder))


def test_raising_the_capacity_gives_places_to_the_waiting_list(world):
    session = make_session(world.county, capacity=1)
    holder, first, second, third = (person(world.county) for _ in range(4))
    for someone in (holder, first, second, third):
        world.clock.shift(timedelta(minutes=1))
        attendance_register(user=someone.user, session=session)

    update(world, session, capacity=3)
    assert statuses(session) == {holder.pk: A.REGISTERED, first.pk: A.REGISTERED,
                                 second.pk: A.REGISTERED, third.pk: A.WAITLISTED}
    assert told(session, "promoted") == entrepreneur_everywhere(first, second)
    # The capacity cannot drop below the places already taken.
    with changes_nothing(), pytest.raises(ValidationError) as refused:
        update(world, session, capacity=2)
    assert "capacity" in refused.value.message_dict


def test_registering_again_after_cancelling_goes_to_the_end_of_the_waiting_list(world):
    session = make_session(world.county, capacity=1)
    holder, fickle, patient = (person(world.county) for _ in range(3))
    for someone in (holder, fickle, patient):
        world.clock.shift(timedelta(minutes=1))
        attendance_register(user=someone.user, session=session)
    world.clock.shift(timedelta(minutes=1))
    attendance_cancel(actor=fickle.user, attendance=place(session, fickle))
    world.clock.shift(timedelta(minutes=1))
    again = attendance_register(user=fickle.user, session=session)
    assert (again.status, again.registered_at, again.cancelled_at) == (
        A.WAITLISTED, at(MONDAY, 9, 5), None)

    attendance_cancel(actor=holder.user, attendance=place(session, holder))
    assert statuses(session) == {holder.pk: A.CANCELLED, fickle.pk: A.WAITLISTED,
                                 patient.pk: A.REGISTERED}


def test_an_invited_person_from_another_county_may_register(world):
    session = make_session(world.county)
    guest = person(world.other_county)
    AttendanceFactory(session=session, entrepreneur=guest, status=A.INVITED,
                      invited_at=timezone.now(), registered_at=None)
    attendance = attendance_register(user=guest.user, session=session)
    assert (attendance.status, attendance.registered_at) == (A.REGISTERED, at(MONDAY, 9))
    assert Attendance.objects.filter(session=session).count() == 1


def test_a_county_session_refuses_people_from_another_county(world):
    county_session = make_session(world.county)
    city_session = make_session(world.city, venue="市政府会议室")
    outsider = person(world.other_county)
    with changes_nothing(), pytest.raises(NotAllowed, match="enterprises of"):
        attendance_register(user=outsider.user, session=county_session)
    # The city's sessions are open to every county's people.
    assert attendance_register(user=outsider.user, session=city_session).status == A.REGISTERED


def test_only_verified_entrepreneurs_register(world):
    session = make_session(world.county)
    waiting = person(world.county, verification=Entrepreneur.Verification.PENDING)
    for user in (waiting.user, world.coordinator):
        with changes_nothing(), pytest.raises(NotAllowed):
            attendance_register(user=user, session=session)


@pytest.mark.parametrize("status", [T.PLANNED, T.HELD, T.CANCELLED])
def test_registration_needs_the_session_open(world, status):
    session = make_session(world.county, status=status)
    someone = person(world.county)
    with changes_nothing(), pytest.raises(WrongState, match="not open"):
        attendance_register(user=someone.user, session=session)


def test_registration_closes_when_the_session_starts(world):
    session = make_session(world.county)
    early, late = person(world.county), person(world.county)
    world.clock.move_to(START - timedelta(minutes=1))
    attendance_register(user=early.user, session=session)
    world.clock.move_to(START)
    with changes_nothing(), pytest.raises(WrongState, match="already started"):
        attendance_register(user=late.user, session=session)


# --- Clashes of venue and host ----------------------------------------------------------


def test_a_venue_in_the_same_region_is_booked_once_whatever_the_case_and_spaces(world):
    # Typed in the admin with stray spaces; planned again in other capitals and spacing.
    booked = make_session(world.county, venue=" Citizen Hall  ", theme="人才政策专场")
    with changes_nothing(), pytest.raises(ValidationError) as refused:
        create(world, venue="  citizen HALL ", starts_at=START + timedelta(minutes=90))
    assert len(refused.value.messages) == 1
    assert "人才政策专场" in refused.value.messages[0]
    assert "4 Mar 2026 14:30–16:30" in refused.value.messages[0]

    # The same name in another region is another room.
    elsewhere = create(world, region=world.city, venue="Citizen Hall")
    assert elsewhere.region == world.city
    assert TalkSession.objects.exclude(pk__in=[booked.pk, elsewhere.pk]).count() == 0


def test_a_host_cannot_be_at_two_sessions_at_once_anywhere(world):
    make_session(world.other_county, venue="南浔会议中心", host=world.host, theme="外贸专场")
    with changes_nothing(), pytest.raises(ValidationError) as refused:
        create(world, venue="别的会议室", host=world.host, starts_at=START + timedelta(hours=1))
    assert len(refused.value.messages) == 1
    assert "外贸专场" in refused.value.messages[0]
    assert world.host.name in refused.value.messages[0]

    other_host = OfficialFactory(role=R.DEPARTMENT_LEAD, department=world.attending)
    assert create(world, venue="别的会议室", host=other_host).host == other_host


def test_both_clashes_are_named(world):
    make_session(world.county, venue="市民之家", theme="同一房间")
    make_session(world.other_county, venue="远处", host=world.host, theme="同一主持人")
    with changes_nothing(), pytest.raises(ValidationError) as refused:
        create(world, venue="市民之家", host=world.host)
    text = " ".join(refused.value.messages)
    assert "同一房间" in text and "同一主持人" in text


def test_a_cancelled_session_never_clashes(world):
    cancelled = make_session(world.county, host=world.host)
    session_cancel(actor=world.coordinator, session=cancelled, reason="台风")
    again = create(world, host=world.host)
    assert (again.venue, again.host, again.starts_at) == ("市民之家", world.host, START)


def test_sessions_back_to_back_do_not_clash(world):
    make_session(world.county, host=world.host)  # 14:30–16:30
    after = create(world, host=world.host, starts_at=at(WEDNESDAY, 16, 30), hours=1.5)
    before = create(world, host=world.host, starts_at=at(WEDNESDAY, 12, 30))
    assert (after.ends_at, before.ends_at) == (at(WEDNESDAY, 18), START)


def test_moving_a_session_onto_a_booked_venue_is_refused_naming_the_other(world):
    make_session(world.county, theme="已排会议")
    moving = make_session(world.county, starts_at=at(WEDNESDAY, 9), theme="要改的会议")
    with changes_nothing(), pytest.raises(ValidationError) as refused:
        update(world, moving, starts_at=at(WEDNESDAY, 10), ends_at=at(WEDNESDAY, 15))
    assert "已排会议" in refused.value.messages[0]
    assert "要改的会议" not in " ".join(refused.value.messages)

    # A session never clashes with itself; a free time is taken.
    moving = update(world, moving, capacity=20)
    moved = update(world, moving, starts_at=at(WEDNESDAY, 10), ends_at=at(WEDNESDAY, 14, 30))
    assert (moved.starts_at, moved.capacity) == (at(WEDNESDAY, 10), 20)


def test_a_county_coordinator_plans_only_their_county(world):
    with changes_nothing(), pytest.raises(NotAllowed):
        session_create(actor=world.other_coordinator, region=world.county,
                       kind=SessionKind.TALK, theme="越权", venue="市民之家", starts_at=START,
                       ends_at=START + timedelta(hours=2), capacity=10)
