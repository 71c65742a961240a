"""The attendance rollups (distinct entrepreneurs, attendances by month) always equal a
fresh count of the places checked in at held sessions, through the real services."""

from datetime import timedelta

import pytest

from core.signals import snapshot
from dashboard import rollups
from dashboard.selectors import headline_figures, public_figures
from sessions.models import Attendance
from sessions.services import (
    attendance_check_in,
    attendance_undo_check_in,
    session_close,
)
from sessions.signals import place_changed
from tests.factories import AttendanceFactory, scoped_filters
from tests.sessions.service_steps import START, make_session, person
from tests.worlds import session_services_world

pytestmark = pytest.mark.django_db
A = Attendance.Status


@pytest.fixture
def world(settings):
    """The session services' world (``tests.worlds.session_services_world``)."""
    yield from session_services_world(settings)


def assert_rollups_true():
    assert rollups.stored_attendance_counts() == rollups.fresh_attendance_counts()


def test_a_session_counts_its_attendees_once_it_is_held(world):
    session = make_session(world.county)
    regular, walk_in, absent = (person(world.county) for _ in range(3))
    places = [AttendanceFactory(session=session, entrepreneur=someone, status=A.REGISTERED)
              for someone in (regular, walk_in, absent)]
    world.clock.move_to(START)
    for place in places[:2]:
        attendance_check_in(actor=world.coordinator, attendance=place)
    attendance_undo_check_in(actor=world.coordinator, attendance=places[1])
    attendance_check_in(actor=world.coordinator, attendance=places[1])
    assert_rollups_true()
    # Checked in, but the session is not held yet: nobody counts.
    assert public_figures().sessions.attendances == 0

    world.clock.move_to(START + timedelta(hours=2))
    session_close(actor=world.coordinator, session=session, minutes="纪要")
    assert_rollups_true()
    figures = public_figures().sessions
    assert (figures.sessions_held, figures.attendances, figures.entrepreneurs) == (1, 2, 2)

    # The same person at a second held session: two attendances, one entrepreneur more
    # only for the newcomer.
    second = make_session(world.county, starts_at=START + timedelta(days=7))
    newcomer = person(world.county)
    for someone in (regular, newcomer):
        AttendanceFactory(session=second, entrepreneur=someone, status=A.REGISTERED)
    world.clock.move_to(START + timedelta(days=7))
    for place in second.attendances.all():
        attendance_check_in(actor=world.coordinator, attendance=place)
    world.clock.move_to(START + timedelta(days=7, hours=2))
    session_close(actor=world.coordinator, session=second, minutes="纪要")
    assert_rollups_true()
    figures = public_figures().sessions
    assert (figures.sessions_held, figures.attendances, figures.entrepreneurs) == (2, 4, 3)
    other = headline_figures(scoped_filters(region=world.other_county)).sessions
    assert (other.attendances, other.entrepreneurs) == (0, 0)


def test_a_place_changed_at_a_held_session_moves_the_counts(world):
    session = make_session(world.county, status="held")
    someone = person(world.county)
    place = AttendanceFactory(session=session, entrepreneur=someone, status=A.ATTENDED,
                              checked_in_at=START)
    assert_rollups_true()
    assert public_figures().sessions.attendances == 1
    # Changed and deleted outside the write paths, then announced as a writer would.
    before = snapshot(place)
    place.status = A.ABSENT
    place.checked_in_at = None
    place.save()
    place_changed.send(sender=Attendance, place=place, before=before, deleted=False)
    assert_rollups_true()
    assert public_figures().sessions.entrepreneurs == 0
    before = snapshot(place)
    place.delete()
    place_changed.send(sender=Attendance, place=place, before=before, deleted=True)
    assert_rollups_true()


def test_rebuild_equals_the_upkeep(world):
    session = make_session(world.county, status="held")
    for _ in range(3):
        AttendanceFactory(session=session, entrepreneur=person(world.county),
                          status=A.ATTENDED, checked_in_at=START)
    before = rollups.stored_attendance_counts()
    rollups.rebuild()
    assert rollups.stored_attendance_counts() == before == rollups.fresh_attendance_counts()
