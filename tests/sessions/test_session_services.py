"""The session services as coordinators and entrepreneurs live them: registering up to the
capacity and the waiting list, clashes of venue and host, check-in (by the list, at the
door, by the venue's code), closing with the minutes, rating, invitations by filter and
cancelling.

The clock stands still (time_machine) on Monday 2 March 2026, 09:00 in Huzhou; a session
is on Wednesday 4 March, 14:30–16:30, unless the test says otherwise. Every refused call
is checked to leave every row as it was.
"""

from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from entrepreneurs.models import Enterprise, Entrepreneur
from government.models import Official
from notifications.models import Notification
from sessions.models import Attendance, Edition, SessionKind, TalkSession
from sessions.notices import session_path
from sessions.services import (
    NotAllowed,
    SessionError,
    WrongState,
    attendance_add_walk_in,
    attendance_cancel,
    attendance_check_in,
    attendance_check_in_by_code,
    attendance_rate,
    attendance_register,
    attendance_undo_check_in,
    check_in_code_make,
    check_in_code_verify,
    edition_for_day,
    session_cancel,
    session_close,
    session_create,
    session_invite,
    session_update,
)
from tests.factories import (
    AttendanceFactory,
    CityFactory,
    DepartmentFactory,
    EnterpriseFactory,
    EntrepreneurFactory,
    IssueFactory,
    OfficialFactory,
    RegionFactory,
    TalkSessionFactory,
)

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
A = Attendance.Status
T = TalkSession.Status
R = Official.Role
IN_APP, EMAIL, SMS = (Notification.Channel.IN_APP, Notification.Channel.EMAIL,
                      Notification.Channel.SMS)
MONDAY, WEDNESDAY = date(2026, 3, 2), date(2026, 3, 4)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), SHANGHAI)


START = at(WEDNESDAY, 14, 30)


@pytest.fixture(autouse=True)
def english():
    """Refusals are asserted in English (the outbox texts stay in the site's Chinese)."""
    with translation.override("en"):
        yield


@pytest.fixture
def world(settings):
    """A county with a host, an attending department (a handler and its lead), another
    department of the county, the county's coordinator, the city's, another county's."""
    settings.SESSION_CHECK_IN_OPENS_MINUTES = 120
    settings.SESSION_CHECK_IN_CODE_MINUTES = 15
    with time_machine.travel(at(MONDAY, 9), tick=False) as clock:
        city = CityFactory()
        county, other_county = RegionFactory(), RegionFactory()
        attending = DepartmentFactory(region=county)

        def official(role, department):
            return OfficialFactory(role=role, department=department)

        yield SimpleNamespace(
            clock=clock, city=city, county=county, other_county=other_county,
            attending=attending,
            coordinator=official(R.COORDINATOR, DepartmentFactory(region=county)).user,
            city_coordinator=official(R.COORDINATOR, DepartmentFactory(region=city)).user,
            other_coordinator=official(R.COORDINATOR,
                                       DepartmentFactory(region=other_county)).user,
            host=official(R.DEPARTMENT_LEAD, DepartmentFactory(region=county)),
            handler=official(R.HANDLER, attending).user,
            lead=official(R.DEPARTMENT_LEAD, attending).user,
            bystander=official(R.HANDLER, DepartmentFactory(region=county)).user,
        )


def make_session(region, starts_at=START, *, hours=2.0, status=T.OPEN, departments=(),
                 **fields) -> TalkSession:
    edition = edition_for_day(day=starts_at.astimezone(SHANGHAI).date(), theme="政企恳谈会")
    session = TalkSessionFactory(edition=edition, region=region, starts_at=starts_at,
                                 ends_at=starts_at + timedelta(hours=hours), status=status,
                                 **fields)
    session.departments.set(departments)
    return session


def person(region, *, industry=Enterprise.Industry.MANUFACTURING,
           scale=Enterprise.Scale.SMALL, **fields) -> Entrepreneur:
    """A verified entrepreneur with an account (unless ``user=None``), in ``region``."""
    fields.setdefault("with_user", "user" not in fields)
    return EntrepreneurFactory(
        enterprise=EnterpriseFactory(region=region, industry=industry, scale=scale), **fields)


def place(session, someone) -> Attendance:
    return Attendance.objects.get(session=session, entrepreneur=someone)


def statuses(session) -> dict:
    return {a.entrepreneur_id: a.status for a in Attendance.objects.filter(session=session)}


def snapshot():
    return (
        list(TalkSession.objects.order_by("pk").values()),
        list(TalkSession.departments.through.objects.order_by("pk").values_list()),
        list(Attendance.objects.order_by("pk").values()),
        list(Edition.objects.order_by("pk").values()),
        sorted(Notification.objects.values_list("key", flat=True)),
    )


@contextmanager
def changes_nothing():
    """The block's refused call leaves sessions, places, editions and the outbox alone."""
    before = snapshot()
    yield
    assert snapshot() == before


def told(session, what: str) -> set[tuple[int | None, str, str]]:
    """Who was told ``what`` (e.g. "cancelled") about the session: {(user, channel, address)}."""
    rows = Notification.objects.filter(key__startswith=f"session:{session.pk}:{what}:")
    return {(n.recipient_id, n.channel, n.address) for n in rows}


def entrepreneur_everywhere(*people) -> set:
    """In the app and by SMS."""
    return {row for p in people for row in ((p.user_id, IN_APP, ""), (p.user_id, SMS, p.mobile))}


def official_everywhere(*users) -> set:
    """In the app and by email."""
    return {row for u in users for row in ((u.pk, IN_APP, ""), (u.pk, EMAIL, u.email))}


def create(world, *, region=None, venue="市民之家", starts_at=START, hours=2.0, host=None,
           theme="新会议"):
    return session_create(
        actor=world.coordinator if region is None or region == world.county
        else world.city_coordinator,
        region=region or world.county, kind=SessionKind.TALK, theme=theme, venue=venue,
        starts_at=starts_at, ends_at=starts_at + timedelta(hours=hours), capacity=10,
        host=host,
    )


def update(world, session, **changes):
    fields = {
        "theme": session.theme, "kind": session.kind, "venue": session.venue,
        "starts_at": session.starts_at, "ends_at": session.ends_at,
        "capacity": session.capacity, "host": session.host,
        "departments": list(session.departments.all()),
    }
    fields.update(changes)
    return session_update(actor=world.coordinator, session=session, **fields)


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
    assert "2026-03-04 14:30–16:30" in refused.value.messages[0]

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


# --- Invitations ---------------------------------------------------------------------------


def test_inviting_by_filter_reaches_only_those_who_may_be_contacted(world):
    session = make_session(world.city, venue="市政府会议室")
    it, small = Enterprise.Industry.IT, Enterprise.Scale.SMALL

    def candidate(**fields):
        fields = {"industry": it, "scale": small, "is_new_generation": True, **fields}
        return person(fields.pop("region", world.county), **fields)

    invited = [candidate(), candidate(user=None)]
    # Each of these differs from the invited in one respect only.
    for differs in ({"industry": Enterprise.Industry.FINANCE}, {"scale": Enterprise.Scale.LARGE},
                    {"is_new_generation": False}, {"region": world.other_county},
                    {"verification": Entrepreneur.Verification.PENDING},
                    {"verification": Entrepreneur.Verification.REJECTED},
                    {"consent_to_contact": False},
                    {"anonymised_at": timezone.now(), "mobile": ""}):
        candidate(**differs)
    gave_up = candidate()
    AttendanceFactory(session=session, entrepreneur=gave_up, status=A.CANCELLED)

    filters = {"region": world.county, "industry": it, "scale": small, "new_generation": True}
    with pytest.raises(NotAllowed):
        session_invite(actor=world.coordinator, session=session, **filters)
    assert session_invite(actor=world.city_coordinator, session=session, **filters) == 2

    assert statuses(session) == {invited[0].pk: A.INVITED, invited[1].pk: A.INVITED,
                                 gave_up.pk: A.CANCELLED}
    assert {place(session, p).invited_at for p in invited} == {at(MONDAY, 9)}
    assert told(session, "invited") == {
        (invited[0].user_id, IN_APP, ""), (invited[0].user_id, SMS, invited[0].mobile),
        (None, SMS, invited[1].mobile)}

    # Asking again invites nobody new and tells nobody twice.
    with changes_nothing():
        assert session_invite(actor=world.city_coordinator, session=session, **filters) == 0


def test_a_county_session_invites_only_the_county_and_each_filter_narrows(world):
    session = make_session(world.county)
    ours = [person(world.county, industry=Enterprise.Industry.IT),
            person(world.county, scale=Enterprise.Scale.MEDIUM),
            person(world.county, is_new_generation=True)]
    person(world.other_county)
    assert session_invite(actor=world.coordinator, session=session,
                          industry=Enterprise.Industry.IT) == 1
    assert session_invite(actor=world.coordinator, session=session,
                          scale=Enterprise.Scale.MEDIUM) == 1
    assert session_invite(actor=world.coordinator, session=session, new_generation=True) == 1
    assert session_invite(actor=world.coordinator, session=session) == 0
    assert set(statuses(session)) == {p.pk for p in ours}


def test_invitations_go_out_only_before_the_start(world):
    session = make_session(world.county)
    person(world.county)
    world.clock.move_to(START)
    with changes_nothing(), pytest.raises(WrongState):
        session_invite(actor=world.coordinator, session=session)


# --- Cancelling a session ------------------------------------------------------------------


def test_cancelling_needs_a_reason(world):
    session = make_session(world.county, host=world.host, departments=[world.attending])
    AttendanceFactory(session=session, entrepreneur=person(world.county))
    with changes_nothing(), pytest.raises(ValidationError) as refused:
        session_cancel(actor=world.coordinator, session=session, reason="   ")
    assert "reason" in refused.value.message_dict
    with changes_nothing(), pytest.raises(NotAllowed):
        session_cancel(actor=world.other_coordinator, session=session, reason="越权")


def test_cancelling_tells_everyone_with_a_place_and_the_officials(world):
    session = make_session(world.county, capacity=1, host=world.host,
                           departments=[world.attending])
    registered, waiting, invited, gave_up = (person(world.county) for _ in range(4))
    for someone, status in ((registered, A.REGISTERED), (waiting, A.WAITLISTED),
                            (invited, A.INVITED), (gave_up, A.CANCELLED)):
        AttendanceFactory(session=session, entrepreneur=someone, status=status)

    cancelled = session_cancel(actor=world.coordinator, session=session, reason=" 台风预警 ")
    cancelled.refresh_from_db()
    assert (cancelled.status, cancelled.cancel_reason, cancelled.sequence) == (
        T.CANCELLED, "台风预警", 1)
    assert told(session, "cancelled") == (
        entrepreneur_everywhere(registered, waiting, invited)
        | official_everywhere(world.host.user, world.handler, world.lead))
    assert all("台风预警" in n.body for n in Notification.objects.filter(
        key__startswith=f"session:{session.pk}:cancelled:"))

    with changes_nothing(), pytest.raises(WrongState):
        session_cancel(actor=world.coordinator, session=session, reason="再取消")
    with changes_nothing(), pytest.raises(WrongState):
        update(world, session, capacity=5)


# --- Two people, one place left (PostgreSQL's row lock) -------------------------------------


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_two_people_taking_the_last_place_at_once_get_one_place_and_one_wait():
    """The session's row lock: the second registration counts the places only after the
    first commits, so the last place is never given twice. Runs in CI's PostgreSQL pass;
    SQLite has no row locks to test."""
    import threading

    from django.db import connection, connections, transaction

    import sessions.services as services

    if connection.vendor != "postgresql":
        pytest.skip("row locks (SELECT … FOR UPDATE) are tested on PostgreSQL")
    county = RegionFactory(parent=CityFactory())
    starts_at = timezone.now() + timedelta(days=2)
    session = TalkSessionFactory(region=county, status=T.OPEN, capacity=1, starts_at=starts_at,
                                 ends_at=starts_at + timedelta(hours=2))
    people = [EntrepreneurFactory(with_user=True, enterprise=EnterpriseFactory(region=county))
              for _ in range(2)]
    first_counted = threading.Event()
    real_notice = services.notices.registered
    outcome = {}

    def slow_notice(**kwargs):  # the first holds the lock a while after counting
        first_counted.set()
        threading.Event().wait(1.0)
        return real_notice(**kwargs)

    def register(index):
        try:
            if index == 1:
                first_counted.wait(timeout=10)
            with transaction.atomic():
                outcome[index] = services.attendance_register(
                    user=people[index].user, session=TalkSession.objects.get(pk=session.pk)
                ).status
        except Exception as error:  # noqa: BLE001 (reported by the assertion below)
            outcome[index] = error
        finally:
            connections.close_all()

    services.notices.registered = slow_notice
    try:
        threads = [threading.Thread(target=register, args=(i,)) for i in (0, 1)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        services.notices.registered = real_notice
    assert (outcome[0], outcome[1]) == (A.REGISTERED, A.WAITLISTED)
    assert Attendance.objects.filter(session=session, status=A.REGISTERED).count() == 1
