"""The follow-up queue: reminders before due dates, the overdue ladder (催办 → 督办 → bulletin),
the request to rate and closing unrated, each sent once per issue and round.

Issues go through the real workflow on chosen days (time_machine); each "sweep" is one run of
the queue on a day, and says who it told, on which channel. January 2026: Monday the 12th
to Friday the 16th and Monday the 19th to Friday the 23rd are working days; the Spring
Festival holiday runs from Sunday 15 to Monday 23 February, Saturday 14 February is a
make-up working day.
"""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db.models import Max
from django.utils import timezone

from core.links import absolute_url
from core.workdays import work_calendar
from dashboard.selectors import public_figures
from government.models import Official
from issues.follow_up import follow_up_candidates, issues_follow_up
from issues.models import Issue, IssueEvent, RatingValue, SatisfactionRating
from issues.rating_links import rating_link_path
from issues.selectors import issue_timeline_for_user
from issues.tasks import follow_up_task
from issues.workflow import (
    issue_accept,
    issue_dispatch,
    issue_rate,
    issue_resolve,
    issue_submit,
)
from notifications.models import Notification
from tests.factories import IssueFactory
from tests.helpers import SHANGHAI, on
from tests.worlds import workflow_world

pytestmark = pytest.mark.django_db

S = Issue.Status
E = Issue.Escalation
K = IssueEvent.Kind
R = Official.Role
IN_APP, EMAIL, SMS = (Notification.Channel.IN_APP, Notification.Channel.EMAIL,
                      Notification.Channel.SMS)


def jan(day: int) -> date:
    return date(2026, 1, day)


def feb(day: int) -> date:
    return date(2026, 2, day)


@pytest.fixture
def world(settings):
    """The workflow world (``tests.worlds.workflow_world``) with the assisting department in
    the county. Every official has an email address."""
    settings.ISSUE_REMIND_BEFORE_DAYS = 1
    settings.ISSUE_SUPERVISE_AFTER_DAYS = 3
    settings.ISSUE_BULLETIN_AFTER_DAYS = 5
    settings.ISSUE_RATING_REMINDER_DAYS = 3
    settings.ISSUE_RATING_CLOSE_DAYS = 10
    return workflow_world(helper_region="county", helper_name="测试税务局")


# --- Driving the workflow on chosen days -------------------------------------------------


def dispatched(world, day: date, *, assisting=None, title="扩建用地指标") -> Issue:
    """An issue submitted and dispatched to the lead department on ``day``."""
    with on(day, hour=9):
        issue = issue_submit(actor=world.users["entrepreneur"], title=title,
                             description="厂房扩建需要新增用地指标。", category=world.category)
        return issue_dispatch(actor=world.users["coordinator"], issue=issue,
                              version=issue.version, lead_department=world.lead_department,
                              assisting=assisting)


def accepted(world, issue: Issue, day: date) -> Issue:
    with on(day, hour=11):
        return issue_accept(actor=world.users["handler"], issue=issue, version=issue.version)


def resolved(world, issue: Issue, day: date) -> Issue:
    with on(day, hour=15):
        return issue_resolve(actor=world.users["handler"], issue=issue, version=issue.version,
                             reply="已协调新增用地指标。")


def rated(world, issue: Issue, day: date, value: str) -> Issue:
    reason = SatisfactionRating.Reason.HANDLING if value == RatingValue.DISSATISFIED else ""
    with on(day, hour=16):
        issue_rate(actor=world.users["entrepreneur"], issue=issue, version=issue.version,
                   value=value, reason=reason)
    return Issue.objects.get(pk=issue.pk)


def sweep(day: date, hour: int = 10) -> list[Notification]:
    """One run of the follow-up queue on ``day``: the messages it wrote."""
    last = Notification.objects.aggregate(last=Max("pk"))["last"] or 0
    with on(day, hour):
        issues_follow_up()
    return list(Notification.objects.filter(pk__gt=last).select_related("recipient")
                .order_by("pk"))


def told(world, messages) -> set[tuple[str, str]]:
    """Who the messages went to, and how: {(person, channel)}."""
    return {(world.names[message.recipient_id], message.channel) for message in messages}


def everywhere(*names) -> set[tuple[str, str]]:
    """Officials told in the app and by email."""
    return {(name, channel) for name in names for channel in (IN_APP, EMAIL)}


def follow_ups(issue: Issue) -> list[IssueEvent]:
    return list(IssueEvent.objects.filter(issue=issue, kind__in=[K.REMINDER, K.ESCALATED])
                .order_by("created_at", "pk"))


# --- Reminders before the due dates ------------------------------------------------------


def test_the_department_is_reminded_once_before_accepting_and_once_before_answering(world):
    # Dispatched on Monday the 12th: accept by Tuesday the 13th, answer by Monday the 19th.
    issue = dispatched(world, jan(12))
    assert (issue.accept_due_on, issue.due_on) == (jan(13), jan(19))

    # The acceptance is due within a working day, but the department heard of the issue
    # this very morning: no reminder on the dispatch day itself.
    assert sweep(jan(12), hour=17) == []

    reminder = sweep(jan(13))
    assert told(world, reminder) == everywhere("handler", "lead")
    assert all(issue.reference in m.subject and "2026年1月13日" in m.subject for m in reminder)
    assert sweep(jan(13), hour=14) == []
    issue = accepted(world, issue, jan(13))

    assert sweep(jan(14)) == []
    assert sweep(jan(15)) == []
    reminder = sweep(jan(16))  # one working day before Monday the 19th
    assert told(world, reminder) == everywhere("handler", "lead")
    assert all(issue.reference in m.subject and "2026年1月19日" in m.subject for m in reminder)
    for day in (jan(17), jan(18), jan(19)):
        assert sweep(day) == [], day

    events = follow_ups(issue)
    assert [(e.kind, e.data["step"], e.data["due_on"]) for e in events] == [
        (K.REMINDER, "accept_due", "2026-01-13"), (K.REMINDER, "due", "2026-01-19")]
    assert all(not e.is_public and e.actor is None and e.round == 1 for e in events)


def test_an_assisting_department_is_reminded_of_its_own_due_date(world):
    # The tax bureau assists with two working days for its part: due Wednesday the 14th.
    issue = dispatched(world, jan(12), assisting={world.helper_department: 2})
    assert issue.assistances.get().due_on == jan(14)
    assert sweep(jan(12), hour=17) == []

    messages = sweep(jan(13))
    to_helper = [m for m in messages if world.names[m.recipient_id] == "helper"]
    assert told(world, to_helper) == everywhere("helper")
    assert all("2026年1月14日" in m.subject for m in to_helper)
    # The lead department hears about its own acceptance date only.
    assert all("2026年1月13日" in m.subject for m in messages if m not in to_helper)
    assert told(world, messages) == everywhere("helper", "handler", "lead")

    assert sweep(jan(14)) == []
    [event] = [e for e in follow_ups(issue) if e.data["step"] == "assisting_due"]
    assert event.data["department"] == world.helper_department.pk
    assert world.helper_department.name in event.message
    assert not event.is_public


# --- The overdue ladder --------------------------------------------------------------------


def test_the_overdue_ladder_reminds_then_supervises_then_lists_in_the_bulletin(world):
    issue = accepted(world, dispatched(world, jan(12)), jan(12))  # due Monday the 19th
    told_on = {day: told(world, sweep(day))
               for day in (jan(16) + timedelta(days=n) for n in range(12))}

    assert told_on[jan(16)] == everywhere("handler", "lead")  # the due date is near
    # 1 working day late: 催办 to the department's handlers and its lead.
    assert told_on[jan(20)] == everywhere("handler", "lead")
    # 3 working days late: 督办 to the department's lead and the coordinators covering
    # the county (the county's and the city's, not another county's).
    assert told_on[jan(22)] == everywhere("lead", "coordinator", "city_coordinator")
    # 5 working days late (the weekend in between does not count): the bulletin.
    assert told_on[jan(26)] == everywhere("handler", "lead", "coordinator", "city_coordinator")
    quiet = set(told_on) - {jan(16), jan(20), jan(22), jan(26)}
    assert {day: told_on[day] for day in quiet} == {day: set() for day in quiet}

    issue.refresh_from_db()
    assert issue.escalation == E.BULLETIN
    assert issue.escalated_at is not None
    ladder = follow_ups(issue)[1:]
    assert [(e.kind, e.data["level"], e.data["late"]) for e in ladder] == [
        (K.REMINDER, 1, 1), (K.ESCALATED, 2, 3), (K.ESCALATED, 3, 5)]
    assert [e.created_at.date() for e in ladder] == [jan(20), jan(22), jan(26)]
    # Internal: the department and coordinators see the steps, the entrepreneur does not.
    assert all(not e.is_public and e.actor is None for e in ladder)
    seen_by_entrepreneur = issue_timeline_for_user(user=world.users["entrepreneur"],
                                                   issue=issue)
    assert {e.kind for e in seen_by_entrepreneur}.isdisjoint({K.REMINDER, K.ESCALATED})
    seen_by_handler = issue_timeline_for_user(user=world.users["handler"], issue=issue)
    assert {e.pk for e in ladder} <= {e.pk for e in seen_by_handler}


@pytest.mark.parametrize(
    ("dispatched_on", "due_on", "quiet_days", "one_day_late"),
    [
        # Due on Friday the 16th: Saturday and Sunday are not late days; Monday is the first.
        (jan(9), jan(16), [jan(17), jan(18)], jan(19)),
        # Due on Saturday 14 February, a make-up working day; the nine days of the Spring
        # Festival holiday are not late days; Tuesday the 24th is the first.
        (feb(9), feb(14), [feb(15) + timedelta(days=n) for n in range(9)], feb(24)),
    ],
    ids=["weekend", "spring-festival"],
)
def test_weekends_and_holidays_are_not_late_days(world, dispatched_on, due_on, quiet_days,
                                                 one_day_late):
    issue = accepted(world, dispatched(world, dispatched_on), dispatched_on)
    assert issue.due_on == due_on
    sweep(due_on)
    for day in quiet_days:
        assert sweep(day) == [], day
    assert told(world, sweep(one_day_late)) == everywhere("handler", "lead")
    [step] = [e for e in follow_ups(issue) if e.data["step"] == "overdue"]
    assert (step.data["level"], step.data["late"]) == (E.REMINDED, 1)


def test_a_sweep_after_a_long_gap_climbs_every_rung_with_one_message_each(world):
    issue = accepted(world, dispatched(world, jan(12)), jan(12))  # due Monday the 19th
    # Nobody ran the queue for two weeks: on Monday 2 February it is 10 working days late.
    messages = sweep(feb(2))

    per_person = {}
    for message in messages:
        per_person.setdefault((world.names[message.recipient_id], message.channel),
                              []).append(message.subject)
    # 催办 (handler, lead) + 督办 (lead, coordinators) + bulletin (all four): each person
    # hears once per rung that concerns them, on each channel.
    assert {key: len(subjects) for key, subjects in per_person.items()} == {
        **dict.fromkeys(everywhere("handler"), 2), **dict.fromkeys(everywhere("lead"), 3),
        **dict.fromkeys(everywhere("coordinator", "city_coordinator"), 2)}
    assert all(len(set(subjects)) == len(subjects) for subjects in per_person.values())
    # The due date passed unnoticed: no "due soon" reminder is sent after the fact.
    events = follow_ups(issue)
    assert [(e.kind, e.data["step"], e.data.get("level")) for e in events] == [
        (K.REMINDER, "overdue", 1), (K.ESCALATED, "overdue", 2), (K.ESCALATED, "overdue", 3)]
    assert all(e.data["late"] == 10 for e in events)
    issue.refresh_from_db()
    assert issue.escalation == E.BULLETIN

    assert sweep(feb(2), hour=15) == []
    assert sweep(feb(3)) == []
    assert len(follow_ups(issue)) == 3


# --- Rating -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answered_on", "reminded_on", "closed_on"),
    [
        # Answered on Tuesday the 13th: 3 working days later is Friday the 16th, 10 working
        # days later Tuesday the 27th.
        (jan(13), jan(16), jan(27)),
        # Answered on Saturday the 17th: the waiting starts on Monday; 3 working days is
        # Wednesday the 21st, 10 working days Friday the 30th.
        (jan(17), jan(21), jan(30)),
    ],
    ids=["answered-on-a-working-day", "answered-on-a-saturday"],
)
def test_the_entrepreneur_is_reminded_once_to_rate_then_the_issue_closes_unrated(
        world, answered_on, reminded_on, closed_on):
    issue = accepted(world, dispatched(world, jan(12)), jan(12))
    issue = resolved(world, issue, answered_on)
    rate_url = absolute_url(rating_link_path(issue))

    told_on = {}
    day = answered_on
    while day <= closed_on + timedelta(days=3):
        told_on[day] = sweep(day, hour=17)
        day += timedelta(days=1)

    reminder = told_on.pop(reminded_on)
    assert told(world, reminder) == {("entrepreneur", IN_APP), ("entrepreneur", SMS)}
    [sms] = [m for m in reminder if m.channel == SMS]
    assert sms.address == "13812345678"
    assert rate_url in sms.body
    [in_app] = [m for m in reminder if m.channel == IN_APP]
    assert in_app.url == rating_link_path(issue)

    closing = told_on.pop(closed_on)
    assert told(world, closing) == {("entrepreneur", IN_APP)}
    assert all(messages == [] for messages in told_on.values())

    issue.refresh_from_db()
    assert issue.status == S.CLOSED_UNRATED
    assert issue.latest_rating == ""
    assert timezone.localdate(issue.closed_at) == closed_on
    assert timezone.localdate(issue.rating_reminded_at) == reminded_on
    [reminded] = [e for e in follow_ups(issue) if e.data.get("step") == "rating"]
    assert not reminded.is_public
    [closed] = IssueEvent.objects.filter(issue=issue, kind=K.CLOSED)
    assert (closed.from_status, closed.to_status) == (S.RESOLVED, S.CLOSED_UNRATED)


def test_issues_closed_unrated_never_count_towards_satisfaction(world):
    unrated = resolved(world, accepted(world, dispatched(world, jan(12), title="甲"), jan(12)),
                       jan(13))
    satisfied = resolved(world, accepted(world, dispatched(world, jan(12), title="乙"), jan(12)),
                         jan(13))
    dissatisfied = resolved(world, accepted(world, dispatched(world, jan(12), title="丙"),
                                            jan(12)), jan(13))
    rated(world, satisfied, jan(14), RatingValue.SATISFIED)
    rated(world, dissatisfied, jan(14), RatingValue.DISSATISFIED)
    sweep(jan(27))
    unrated.refresh_from_db()
    assert unrated.status == S.CLOSED_UNRATED

    with on(jan(28), hour=9):
        figures = public_figures().issues
    # One satisfied of two rated: the issue closed unrated is neither rated nor satisfied
    # (counted as satisfied it would read 66.67%, as rated 33.33%).
    assert (figures.collected, figures.rated, figures.satisfied) == (3, 2, 1)
    assert figures.satisfaction_rate == Decimal("50.00")


# --- Once per step, whatever runs twice -----------------------------------------------------


@pytest.fixture
def due_for_everything(world):
    """On Monday 2 February every kind of step is due, once each:

    * ``waiting``, dispatched on Friday 30 January and not accepted: its acceptance is due
      on the 2nd, the assisting department's part on the 3rd;
    * ``late``, due on 19 January: 10 working days late, every rung of the ladder;
    * ``answered`` on 28 January: 3 working days later, the reminder to rate;
    * ``forgotten``, answered on 19 January: 10 working days later, closed unrated.
    """
    late = accepted(world, dispatched(world, jan(12), title="逾期"), jan(12))
    forgotten = resolved(world, accepted(world, dispatched(world, jan(12), title="未评"), jan(12)),
                         jan(19))
    answered = resolved(world, accepted(world, dispatched(world, jan(12), title="待评"), jan(12)),
                        jan(28))
    waiting = dispatched(world, jan(30), title="待受理", assisting={world.helper_department: 2})
    return SimpleNamespace(late=late, forgotten=forgotten, answered=answered, waiting=waiting)


def written() -> tuple[int, int]:
    return Notification.objects.count(), IssueEvent.objects.count()


def test_running_the_queue_twice_sends_each_message_once(world, due_for_everything):
    before = written()
    with on(feb(2), hour=9):
        first = issues_follow_up()
    after_first = written()
    assert vars(first) == {"reminders": 2, "escalations": 3, "rating_reminders": 1,
                           "closed_unrated": 1}
    # Two reminders (accept, assisting part), three rungs, one request to rate, one closing.
    assert after_first[1] - before[1] == 7

    with on(feb(2), hour=10):
        second = issues_follow_up()
    assert vars(second) == dict.fromkeys(vars(first), 0)
    assert written() == after_first
    # Nor the day after: every step of this round is done.
    with on(feb(3), hour=9):
        issues_follow_up()
    assert written() == after_first


def test_the_periodic_task_delivered_twice_sends_each_message_once(world, due_for_everything):
    before = written()
    with on(feb(2), hour=9):
        follow_up_task.apply().get()
    after_first = written()
    assert after_first[0] > before[0]
    assert after_first[1] - before[1] == 7
    with on(feb(2), hour=10):
        follow_up_task.apply().get()
    assert written() == after_first


def test_a_reopened_round_gets_its_own_reminders(world):
    issue = accepted(world, dispatched(world, jan(12), assisting={world.helper_department: 2}),
                     jan(12))
    sweep(jan(13))  # the assisting part, due on the 14th
    sweep(jan(16))  # the answer, due on the 19th
    issue = rated(world, resolved(world, issue, jan(16)), jan(19), RatingValue.DISSATISFIED)
    # Round 2 starts on Monday the 19th: accept by the 20th, the part due on the 21st,
    # answer by Monday the 26th.
    assert (issue.round, issue.status) == (2, S.DISPATCHED)
    assert (issue.accept_due_on, issue.due_on) == (jan(20), jan(26))

    assert sweep(jan(19), hour=17) == []  # not on the day the round starts
    messages = sweep(jan(20))
    assert told(world, messages) == everywhere("handler", "lead", "helper")
    issue = accepted(world, issue, jan(20))
    assert sweep(jan(21)) == []
    assert sweep(jan(22)) == []
    assert told(world, sweep(jan(23))) == everywhere("handler", "lead")

    reminders = [(e.round, e.data["step"]) for e in follow_ups(issue)]
    assert reminders == [(1, "assisting_due"), (1, "due"),
                         (2, "accept_due"), (2, "assisting_due"), (2, "due")]


# --- Queries -------------------------------------------------------------------------------


def test_finding_the_candidates_is_one_query(world, django_assert_num_queries):
    late = accepted(world, dispatched(world, jan(12), assisting={world.helper_department: 3}),
                    jan(12))
    answered = resolved(world, accepted(world, dispatched(world, jan(12)), jan(12)), jan(14))
    IssueFactory.create_batch(3, status=S.CLOSED)
    calendar = work_calendar()
    with django_assert_num_queries(1):
        candidates = list(follow_up_candidates(today=jan(20), calendar=calendar))
    assert candidates == [late.pk, answered.pk]


@pytest.mark.parametrize("size", [1, 30])
def test_a_run_with_nothing_to_do_runs_a_fixed_number_of_queries(
        world, size, django_assert_num_queries):
    today = feb(2)
    in_progress = {"status": S.IN_PROGRESS, "lead_department": world.lead_department}
    IssueFactory.create_batch(size, status=S.CLOSED, latest_rating=RatingValue.SATISFIED)
    IssueFactory.create_batch(size, **in_progress, round_started_on=jan(30),
                              due_on=today + timedelta(days=30))
    # Issues whose follow-up is done: answered and already asked to rate; at the top of
    # the ladder; and one whose due date passed before any reminder went out.
    IssueFactory.create_batch(
        size, status=S.RESOLVED, rating_reminded_at=timezone.now(),
        resolved_at=datetime.combine(jan(28), time(9), SHANGHAI))
    IssueFactory.create_batch(size, **in_progress, due_on=jan(19), escalation=E.BULLETIN,
                              due_reminded_for=jan(19))
    IssueFactory.create_batch(size, status=S.DISPATCHED, lead_department=world.lead_department,
                              accept_due_on=jan(20), due_on=jan(26), escalation=E.BULLETIN)

    before = written()
    with on(today, hour=9), django_assert_num_queries(2):  # the calendar, the candidates
        counts = issues_follow_up()
    assert vars(counts) == {"reminders": 0, "escalations": 0, "rating_reminders": 0,
                            "closed_unrated": 0}
    assert written() == before


def test_an_overdue_issue_is_a_candidate_only_when_it_reaches_the_next_rung(world):
    """While an issue waits between rungs of the ladder, the queue leaves it alone, so a run
    every 15 minutes does not lock and re-read every overdue issue."""
    issue = accepted(world, dispatched(world, jan(12)), jan(12))  # due Monday the 19th
    Issue.objects.filter(pk=issue.pk).update(escalation=E.REMINDED, due_reminded_for=jan(19))
    calendar = work_calendar()

    def candidate(day):
        return issue.pk in follow_up_candidates(today=day, calendar=calendar)

    # Reminded; 1 and 2 working days late: waiting for supervision (3 working days).
    assert not candidate(jan(20))
    assert not candidate(jan(21))
    assert candidate(jan(22))
    Issue.objects.filter(pk=issue.pk).update(escalation=E.SUPERVISED)
    # Supervised; the bulletin comes at 5 working days late (Monday the 26th).
    assert not candidate(jan(23))
    assert not candidate(jan(24))  # a Saturday
    assert candidate(jan(26))


def test_nothing_is_a_candidate_on_the_day_it_was_dispatched(world):
    issue = dispatched(world, jan(12))  # accept by the 13th: within the reminder's reach
    calendar = work_calendar()
    assert issue.pk not in follow_up_candidates(today=jan(12), calendar=calendar)
    assert issue.pk in follow_up_candidates(today=jan(13), calendar=calendar)
