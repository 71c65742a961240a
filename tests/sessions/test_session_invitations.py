"""The session services: invitations by filter, cancelling a session, and two people
after the one place left (PostgreSQL's row lock)."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from entrepreneurs.models import Enterprise, Entrepreneur
from notifications.models import Notification
from sessions.models import Attendance, TalkSession
from sessions.services import (
    NotAllowed,
    WrongState,
    session_cancel,
    session_invite,
)
from tests.factories import (
    AttendanceFactory,
    CityFactory,
    EnterpriseFactory,
    EntrepreneurFactory,
    RegionFactory,
    TalkSessionFactory,
)
from tests.helpers import at
from tests.sessions.service_steps import (
    IN_APP,
    MONDAY,
    SMS,
    START,
    A,
    T,
    changes_nothing,
    entrepreneur_everywhere,
    make_session,
    official_everywhere,
    person,
    place,
    statuses,
    told,
    update,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_refusals")]


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
