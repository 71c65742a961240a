"""The reminder queue: with the default reminders (two days and two hours before, from
migration 0003), everyone taking part in a session is told once per reminder and start
time, however often the queue runs.

A session is on Wednesday 4 March 2026, 14:30 in Huzhou. The queue runs on chosen moments
(time_machine); "two days before" is Monday 15:00, "two hours before" Wednesday 12:35.
"""

from datetime import date, datetime, timedelta
from types import SimpleNamespace

import pytest
import time_machine
from django.utils import timezone

from government.models import Official
from notifications.models import Notification
from sessions.models import Attendance, ReminderRule, ReminderSent, TalkSession
from sessions.notices import session_path
from sessions.services import (
    session_cancel,
    session_reminders_send,
    session_update,
)
from sessions.tasks import send_reminders_task
from tests.factories import (
    AttendanceFactory,
    CityFactory,
    DepartmentFactory,
    EnterpriseFactory,
    EntrepreneurFactory,
    OfficialFactory,
    RegionFactory,
)
from tests.helpers import at
from tests.worlds import talk_session

pytestmark = pytest.mark.django_db

A = Attendance.Status
T = TalkSession.Status
R = Official.Role
IN_APP, EMAIL, SMS = (Notification.Channel.IN_APP, Notification.Channel.EMAIL,
                      Notification.Channel.SMS)


MONDAY, TUESDAY, WEDNESDAY = date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 4)
START = at(WEDNESDAY, 14, 30)
TWO_DAYS_BEFORE = at(MONDAY, 15)
TWO_HOURS_BEFORE = at(WEDNESDAY, 12, 35)


def make_session(region, starts_at=START, **fields) -> TalkSession:
    return talk_session(region, starts_at, **fields)


@pytest.fixture
def rules():
    return SimpleNamespace(two_days=ReminderRule.objects.get(minutes_before=2 * 24 * 60),
                           two_hours=ReminderRule.objects.get(minutes_before=120))


@pytest.fixture
def world(rules):
    """An open session with a host and an attending department; people with a place, on
    the waiting list, who gave theirs up, or who were only invited."""
    with time_machine.travel(at(MONDAY, 9), tick=False):
        CityFactory()
        county = RegionFactory()
        attending = DepartmentFactory(region=county)

        def official(role, department, **fields):
            return OfficialFactory(role=role, department=department, **fields)

        host = official(R.DEPARTMENT_LEAD, DepartmentFactory(region=county))
        handler = official(R.HANDLER, attending).user
        lead = official(R.DEPARTMENT_LEAD, attending).user
        retired = official(R.HANDLER, attending, user__is_active=False).user
        bystander = official(R.HANDLER, DepartmentFactory(region=county)).user
        coordinator = official(R.COORDINATOR, DepartmentFactory(region=county)).user
        session = make_session(county, host=host, departments=[attending])

        def someone(status, **fields):
            fields.setdefault("with_user", "user" not in fields)
            entrepreneur = EntrepreneurFactory(enterprise=EnterpriseFactory(region=county),
                                               **fields)
            AttendanceFactory(session=session, entrepreneur=entrepreneur, status=status)
            return entrepreneur

        people = SimpleNamespace(
            registered=someone(A.REGISTERED), no_account=someone(A.REGISTERED, user=None),
            erased=someone(A.REGISTERED, anonymised_at=timezone.now(), mobile=""),
            waiting=someone(A.WAITLISTED), gave_up=someone(A.CANCELLED),
            invited=someone(A.INVITED),
        )
    return SimpleNamespace(
        county=county, session=session, host=host, handler=handler, lead=lead,
        retired=retired, bystander=bystander, coordinator=coordinator, people=people,
        rules=rules,
    )


def run(moment: datetime) -> int:
    """One run of the queue (the beat's task) at ``moment``."""
    with time_machine.travel(moment, tick=False):
        return send_reminders_task()


def reminded(session, rule) -> list[tuple[int | None, str, str]]:
    """The outbox rows of one reminder of the session: (user, channel, address), sorted,
    duplicates kept."""
    rows = Notification.objects.filter(
        key__startswith=f"session:{session.pk}:reminder:{rule.pk}:")
    return sorted(((n.recipient_id, n.channel, n.address) for n in rows),
                  key=lambda row: (row[0] or 0, row[1], row[2]))


def everyone(world) -> list[tuple[int | None, str, str]]:
    """Who is reminded: registered people in the app and by SMS (without an account by SMS
    only), the host and the attending department's active handler and lead in the app and
    by email."""
    people = world.people
    rows = [(people.registered.user_id, IN_APP, ""),
            (people.registered.user_id, SMS, people.registered.mobile),
            (None, SMS, people.no_account.mobile)]
    for user in (world.host.user, world.handler, world.lead):
        rows += [(user.pk, IN_APP, ""), (user.pk, EMAIL, user.email)]
    return sorted(rows, key=lambda row: (row[0] or 0, row[1], row[2]))


def marks(session) -> list[tuple[int, datetime, bool]]:
    return sorted(ReminderSent.objects.filter(session=session).values_list(
        "rule__minutes_before", "starts_at", "superseded"))


def test_two_days_before_and_two_hours_before_each_reminds_everyone_taking_part_once(world):
    session, rules = world.session, world.rules
    assert run(at(MONDAY, 14, 25)) == 0  # two days and five minutes before

    assert run(TWO_DAYS_BEFORE) == 1
    assert run(TWO_DAYS_BEFORE) == 0
    assert run(TWO_DAYS_BEFORE + timedelta(hours=20)) == 0
    assert reminded(session, rules.two_days) == everyone(world)
    assert reminded(session, rules.two_hours) == []

    assert run(at(WEDNESDAY, 12, 25)) == 0
    assert run(TWO_HOURS_BEFORE) == 1
    assert session_reminders_send(now=TWO_HOURS_BEFORE) == 0
    assert run(START - timedelta(minutes=1)) == 0
    assert reminded(session, rules.two_days) == everyone(world)
    assert reminded(session, rules.two_hours) == everyone(world)
    assert marks(session) == [(120, START, False), (2880, START, False)]

    # Nobody on the waiting list, who gave up the place, was only invited, whose data was
    # erased, and no official of another department or without an active account.
    told = {row[0] for row in reminded(session, rules.two_hours)}
    people = world.people
    for user in (people.waiting.user, people.gave_up.user, people.invited.user,
                 people.erased.user, world.bystander, world.retired, world.coordinator):
        assert user.pk not in told
    # The message leads to the session: a link in the app, the full address by email.
    rows = {n.channel: n for n in Notification.objects.filter(
        key__contains=f":reminder:{rules.two_hours.pk}:", recipient=world.lead)}
    assert rows[IN_APP].url == session_path(session)
    assert rows[EMAIL].body.endswith(session_path(session))


def test_a_queue_first_running_an_hour_before_sends_only_the_two_hour_reminder(world):
    session, rules = world.session, world.rules
    assert run(START - timedelta(hours=1)) == 1
    assert run(START - timedelta(hours=1)) == 0
    assert reminded(session, rules.two_days) == []
    assert reminded(session, rules.two_hours) == everyone(world)
    assert marks(session) == [(120, START, False), (2880, START, True)]


def test_a_moved_session_is_reminded_again_for_its_new_time(world):
    session, rules = world.session, world.rules
    assert run(TWO_DAYS_BEFORE) == 1
    new_start = at(date(2026, 3, 5), 14, 30)  # Thursday
    with time_machine.travel(at(MONDAY, 16), tick=False):
        session_update(actor=world.coordinator, session=session, theme=session.theme,
                       kind=session.kind, venue=session.venue, starts_at=new_start,
                       ends_at=new_start + timedelta(hours=2), capacity=session.capacity,
                       host=session.host, departments=list(session.departments.all()))
    first_round = {n.key: n.subject for n in Notification.objects.filter(
        key__contains=":reminder:")}

    assert run(TWO_DAYS_BEFORE + timedelta(hours=2)) == 0  # not yet two days before Thursday
    assert run(at(TUESDAY, 15)) == 1
    assert run(at(TUESDAY, 15)) == 0
    assert marks(session) == [(2880, START, False), (2880, new_start, False)]
    assert len(reminded(session, rules.two_days)) == 2 * len(everyone(world))
    second_round = Notification.objects.filter(key__contains=":reminder:").exclude(
        key__in=first_round)
    assert second_round.count() == len(everyone(world))
    assert set(first_round.values()).isdisjoint({n.subject for n in second_round})

    # Nothing two hours before the old time; the new time's comes two hours before it.
    assert run(TWO_HOURS_BEFORE) == 0
    assert run(new_start - timedelta(hours=2)) == 1
    assert reminded(session, rules.two_hours) == everyone(world)


def test_cancelled_and_held_sessions_are_never_reminded(world):
    with time_machine.travel(at(MONDAY, 10), tick=False):
        session_cancel(actor=world.coordinator, session=world.session, reason="台风预警")
    # Marked held by mistake before its time (as the admin could): still not reminded.
    held = make_session(world.county, at(WEDNESDAY, 9), status=T.HELD, host=world.host)
    AttendanceFactory(session=held, entrepreneur=world.people.registered)
    before = Notification.objects.count()
    for moment in (TWO_DAYS_BEFORE, at(WEDNESDAY, 7, 30), TWO_HOURS_BEFORE):
        assert run(moment) == 0
    assert Notification.objects.count() == before
    assert not ReminderSent.objects.exists()


def test_a_planned_session_reminds_its_officials(world):
    planned = make_session(world.county, at(WEDNESDAY, 9), status=T.PLANNED,
                           departments=[world.handler.official.department])
    assert run(at(MONDAY, 9, 30)) == 1
    assert {row[0] for row in reminded(planned, world.rules.two_days)} == {
        world.handler.pk, world.lead.pk}


@pytest.mark.parametrize("size", [1, 30])
def test_an_idle_run_is_two_queries_whatever_the_number_of_sessions(
        world, size, django_assert_num_queries):
    region = world.county
    for n in range(size):
        make_session(region, at(date(2026, 4, 1), 8) + timedelta(minutes=10 * n),
                     venue=f"会场{n}")
    assert run(TWO_HOURS_BEFORE) == 1  # the session of the 4th: both reminders now done
    with time_machine.travel(TWO_HOURS_BEFORE + timedelta(minutes=5), tick=False), \
            django_assert_num_queries(2):
        assert session_reminders_send() == 0


def test_an_inactive_reminder_sends_nothing(world):
    session, rules = world.session, world.rules
    ReminderRule.objects.filter(pk=rules.two_days.pk).update(is_active=False)
    assert run(TWO_DAYS_BEFORE) == 0
    assert run(at(TUESDAY, 15)) == 0
    assert reminded(session, rules.two_days) == []
    assert not ReminderSent.objects.exists()
    assert run(TWO_HOURS_BEFORE) == 1
    assert reminded(session, rules.two_hours) == everyone(world)
    assert marks(session) == [(120, START, False)]


def test_with_every_reminder_inactive_the_queue_sends_nothing(world):
    ReminderRule.objects.update(is_active=False)
    assert run(TWO_HOURS_BEFORE) == 0
    assert not Notification.objects.filter(key__contains=":reminder:").exists()


def test_a_session_moved_while_the_queue_runs_is_passed_over_and_the_run_goes_on(
        world, monkeypatch):
    """A coordinator moves the session three days later between the queue finding it due
    and the queue locking it: no reminder for a time it no longer has, and the other
    sessions due are still reminded."""
    from sessions.services import reminders

    other = make_session(world.county, at(WEDNESDAY, 9), venue="另一会场",
                         departments=[world.handler.official.department])
    remind = reminders._remind

    def moved_meanwhile(pk, rules, now):
        if pk == world.session.pk:
            TalkSession.objects.filter(pk=pk).update(starts_at=START + timedelta(days=3),
                                                     ends_at=START + timedelta(days=3, hours=2))
        return remind(pk, rules, now)

    monkeypatch.setattr(reminders, "_remind", moved_meanwhile)
    assert run(TWO_DAYS_BEFORE) == 1
    assert marks(world.session) == []
    assert reminded(world.session, world.rules.two_days) == []
    assert {row[0] for row in reminded(other, world.rules.two_days)} == {
        world.handler.pk, world.lead.pk}
