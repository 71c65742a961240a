"""The session write paths send ``session_changed`` and ``place_changed`` after each save,
with the row as the writer loaded it (``before``), so receivers above (the dashboard)
need no model signals. Bulk writes of places never attended (invitations, absentees at
closing) send nothing."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from government.models import Official
from sessions import services
from sessions.models import Attendance, SessionKind, TalkSession
from sessions.signals import place_changed, session_changed
from tests.factories import (
    DepartmentFactory,
    EnterpriseFactory,
    EntrepreneurFactory,
    OfficialFactory,
    RegionFactory,
)

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
A, T = Attendance.Status, TalkSession.Status
MONDAY, WEDNESDAY = date(2026, 3, 2), date(2026, 3, 4)


def at(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), SHANGHAI)


@pytest.fixture
def sent():
    """Every domain signal sent during the test: (kind, pk, before's status or None)."""
    calls = []

    def on_session(sender, session, before, **kwargs):
        assert sender is TalkSession
        calls.append(("session", session.pk, before and before["status"]))

    def on_place(sender, place, before, deleted, **kwargs):
        assert sender is Attendance and deleted is False
        calls.append(("place", place.pk, before and before["status"]))

    session_changed.connect(on_session, dispatch_uid="test.session")
    place_changed.connect(on_place, dispatch_uid="test.place")
    yield calls
    session_changed.disconnect(dispatch_uid="test.session")
    place_changed.disconnect(dispatch_uid="test.place")


def test_every_session_and_place_write_sends_its_signal(sent, settings):
    settings.SESSION_CHECK_IN_OPENS_MINUTES = 120
    with time_machine.travel(at(MONDAY, 9), tick=False) as clock:
        county = RegionFactory()
        coordinator = OfficialFactory(role=Official.Role.COORDINATOR,
                                      department=DepartmentFactory(region=county)).user
        first, second, walk_in, scanner = (
            EntrepreneurFactory(with_user=True, enterprise=EnterpriseFactory(region=county))
            for _ in range(4))
        start = at(WEDNESDAY, 14, 30)
        session = services.session_create(
            actor=coordinator, region=county, kind=SessionKind.TALK, theme="恳谈", venue="市民之家",
            starts_at=start, ends_at=start + timedelta(hours=2), capacity=1,
            status=T.PLANNED)
        assert sent == [("session", session.pk, None)]
        services.session_open_registration(actor=coordinator, session=session)
        services.session_invite(actor=coordinator, session=session)  # bulk: no signal
        assert sent[1:] == [("session", session.pk, T.PLANNED)]
        del sent[:]

        mine = services.attendance_register(user=first.user, session=session)
        waiting = services.attendance_register(user=second.user, session=session)
        assert (mine.status, waiting.status) == (A.REGISTERED, A.WAITLISTED)
        services.attendance_cancel(actor=first.user, attendance=mine)
        assert sent == [("place", mine.pk, A.INVITED), ("place", waiting.pk, A.INVITED),
                        ("place", mine.pk, A.REGISTERED), ("place", waiting.pk, A.WAITLISTED)]
        del sent[:]

        services.session_update(actor=coordinator, session=session, theme="恳谈",
                                kind=SessionKind.TALK, venue="会议中心", starts_at=start,
                                ends_at=start + timedelta(hours=2), capacity=3)
        assert sent == [("session", session.pk, T.OPEN)]
        del sent[:]

        clock.move_to(at(WEDNESDAY, 14))
        services.attendance_check_in(actor=coordinator, attendance=waiting)
        services.attendance_undo_check_in(actor=coordinator, attendance=waiting)
        came = services.attendance_add_walk_in(actor=coordinator, session=session,
                                               entrepreneur=walk_in)
        code = services.check_in_code_make(session=session)
        scanned = services.attendance_check_in_by_code(user=scanner.user, session=session,
                                                       code=code)
        assert sent == [("place", waiting.pk, A.REGISTERED), ("place", waiting.pk, A.ATTENDED),
                        ("place", came.pk, A.INVITED), ("place", scanned.pk, A.INVITED)]
        del sent[:]

        clock.move_to(at(WEDNESDAY, 15))
        services.session_close(actor=coordinator, session=session, minutes="纪要")
        assert sent == [("session", session.pk, T.OPEN)]  # the absentee sends nothing
        del sent[:]
        services.attendance_rate(user=walk_in.user, session=session, rating=5)
        assert sent == [("place", came.pk, A.ATTENDED)]
        del sent[:]

        other = services.session_create(
            actor=coordinator, region=county, kind=SessionKind.TALK, theme="另一场",
            venue="市民之家", starts_at=start + timedelta(days=1),
            ends_at=start + timedelta(days=1, hours=2), capacity=5)
        services.session_cancel(actor=coordinator, session=other, reason="改期")
        assert sent == [("session", other.pk, None), ("session", other.pk, T.PLANNED)]
