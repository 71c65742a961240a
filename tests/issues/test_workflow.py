"""The issue workflow as its users live it: raising an issue, dispatch and its deadlines in
working days, returns, extensions, answers, ratings and new rounds, duplicates, the outbox,
and two officials acting at the same moment.

Issues go through the real workflow functions on chosen days (time_machine). The dates are
written out from the State Council's 2026 schedule: National Day runs from Thursday 1 to
Wednesday 7 October; Saturday 10 October is a make-up working day, Sunday 20 September
another. So five working days after Wednesday 30 September is Tuesday 13 October
(8, 9, 10, 12, 13).
"""

import threading
import time as clock
from contextlib import contextmanager
from datetime import date, datetime, time
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.utils import translation

from entrepreneurs.models import Entrepreneur
from government.models import Official
from issues import workflow
from issues.models import (
    ExtensionRequest,
    Issue,
    IssueEvent,
    RatingValue,
    SatisfactionRating,
)
from issues.workflow import (
    ActionNotAllowed,
    StaleIssue,
    WrongState,
    issue_accept,
    issue_add_note,
    issue_close,
    issue_decide_extension,
    issue_dispatch,
    issue_mark_duplicate,
    issue_rate,
    issue_request_extension,
    issue_resolve,
    issue_return,
    issue_submit,
)
from notifications.models import Notification
from tests.factories import (
    CategoryFactory,
    CityFactory,
    DepartmentFactory,
    EnterpriseFactory,
    EntrepreneurFactory,
    OfficialFactory,
    RegionFactory,
)

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
S = Issue.Status
E = Issue.Escalation
K = IssueEvent.Kind
R = Official.Role
IN_APP, EMAIL, SMS = (Notification.Channel.IN_APP, Notification.Channel.EMAIL,
                      Notification.Channel.SMS)


def oct_(day: int) -> date:
    return date(2026, 10, day)


SEP_30, OCT_8, OCT_9 = date(2026, 9, 30), date(2026, 10, 8), date(2026, 10, 9)


@contextmanager
def on(day: date, hour: int = 10):
    with time_machine.travel(datetime.combine(day, time(hour), SHANGHAI), tick=False):
        yield


@pytest.fixture
def world():
    """A county with a lead department (a handler and its lead), an assisting department,
    the county's coordinator, the city's, another county's, and a verified entrepreneur
    with an account and a mobile. The category: 1 working day to accept, 5 to resolve."""
    city = CityFactory()
    county, other_county = RegionFactory(), RegionFactory()
    lead_department = DepartmentFactory(region=county, name="测试经信局")
    helper_department = DepartmentFactory(region=city, name="测试自然资源局")

    def official(role, department):
        return OfficialFactory(role=role, department=department).user

    users = {
        "handler": official(R.HANDLER, lead_department),
        "lead": official(R.DEPARTMENT_LEAD, lead_department),
        "helper": official(R.HANDLER, helper_department),
        "coordinator": official(R.COORDINATOR, DepartmentFactory(region=county)),
        "city_coordinator": official(R.COORDINATOR, DepartmentFactory(region=city)),
        "other_coordinator": official(R.COORDINATOR, DepartmentFactory(region=other_county)),
    }
    person = EntrepreneurFactory(with_user=True, enterprise=EnterpriseFactory(region=county),
                                 mobile="13812345678")
    users["entrepreneur"] = person.user
    names = {user.pk: name for name, user in users.items()}
    category = CategoryFactory(accept_limit_days=1, resolve_limit_days=5,
                               default_department=lead_department)
    return SimpleNamespace(users=users, names=names, person=person, category=category,
                           county=county, other_county=other_county,
                           lead_department=lead_department, helper_department=helper_department)


# --- Driving the workflow --------------------------------------------------------------------


def fresh(issue: Issue) -> Issue:
    return Issue.objects.get(pk=issue.pk)


def submitted(world, day: date = SEP_30, *, title="扩建用地指标") -> Issue:
    with on(day, hour=9):
        return issue_submit(actor=world.users["entrepreneur"], title=title,
                            description="厂房扩建需要新增用地指标。", category=world.category)


def dispatched(world, day: date = SEP_30, *, assisting=None) -> Issue:
    issue = submitted(world, day)
    with on(day, hour=10):
        return issue_dispatch(actor=world.users["coordinator"], issue=issue,
                              version=issue.version, lead_department=world.lead_department,
                              assisting=assisting)


def accepted(world, day: date = OCT_8) -> Issue:
    issue = dispatched(world)
    with on(day, hour=11):
        return issue_accept(actor=world.users["handler"], issue=issue, version=issue.version)


def resolved(world, issue: Issue, day: date = OCT_9) -> Issue:
    with on(day, hour=15):
        return issue_resolve(actor=world.users["handler"], issue=fresh(issue),
                             version=fresh(issue).version, reply="已协调新增用地指标。")


def rated(world, issue: Issue, day: date, value: str) -> Issue:
    reason = SatisfactionRating.Reason.HANDLING if value == RatingValue.DISSATISFIED else ""
    with on(day, hour=16):
        issue_rate(actor=world.users["entrepreneur"], issue=fresh(issue),
                   version=fresh(issue).version, value=value, reason=reason)
    return fresh(issue)


def request_extension(world, issue: Issue, day: date, days: int = 3) -> ExtensionRequest:
    with on(day, hour=11):
        return issue_request_extension(actor=world.users["handler"], issue=fresh(issue),
                                       version=fresh(issue).version, days=days,
                                       reason="需要协调省级部门。")


def told(world, notifications, channel=IN_APP) -> dict[str, int]:
    """How many rows of ``channel`` each person of the world got."""
    counts: dict[str, int] = {}
    for row in notifications.filter(channel=channel):
        name = world.names.get(row.recipient_id, f"user {row.recipient_id}")
        counts[name] = counts.get(name, 0) + 1
    return counts


def state_of(issue: Issue) -> tuple:
    """What a refused call must leave alone."""
    row = fresh(issue)
    return (row.status, row.version, row.round, row.due_on, row.lead_department_id,
            IssueEvent.objects.filter(issue=issue).count(), Notification.objects.count(),
            tuple(ExtensionRequest.objects.filter(issue=issue).values_list("status",
                                                                          flat=True)),
            SatisfactionRating.objects.filter(issue=issue).count())


# --- Raising an issue --------------------------------------------------------------------


def test_submission_numbers_issues_in_sequence_and_tells_the_coordinators_and_the_raiser(world):
    first = submitted(world, date(2026, 3, 10), title="用地指标")
    second = submitted(world, date(2026, 3, 11), title="融资难")
    next_year = submitted(world, date(2027, 1, 4), title="人才公寓")

    assert [first.reference, second.reference, next_year.reference] == [
        "HZ-2026-000001", "HZ-2026-000002", "HZ-2027-000001"]
    assert (first.status, first.version, first.round) == (S.SUBMITTED, 1, 1)
    assert first.source == Issue.Source.ONLINE
    assert first.created_by == world.users["entrepreneur"]
    assert first.region == world.county
    [event] = IssueEvent.objects.filter(issue=first)
    assert (event.kind, event.to_status, event.actor) == (K.SUBMITTED, S.SUBMITTED,
                                                          world.users["entrepreneur"])
    about_first = Notification.objects.filter(key__startswith=f"issue:{first.pk}:")
    # The county's and the city's coordinators, never another county's; and the raiser.
    assert told(world, about_first) == {"coordinator": 1, "city_coordinator": 1,
                                        "entrepreneur": 1}
    assert told(world, about_first, EMAIL) == {"coordinator": 1, "city_coordinator": 1}
    assert "用地指标" in about_first.get(recipient=world.users["coordinator"],
                                         channel=IN_APP).body


def test_a_coordinator_enters_an_issue_for_an_entrepreneur_saying_where_it_was_raised(world):
    with on(SEP_30):
        issue = issue_submit(actor=world.users["coordinator"], title="电力增容",
                             description="新厂区需要电力增容。", category=world.category,
                             entrepreneur=world.person, source=Issue.Source.PHONE)
    assert (issue.source, issue.entrepreneur, issue.created_by) == (
        Issue.Source.PHONE, world.person, world.users["coordinator"])
    assert issue.enterprise == world.person.enterprise
    assert IssueEvent.objects.get(issue=issue).data["source"] == "phone"
    about = Notification.objects.filter(key__startswith=f"issue:{issue.pk}:")
    assert told(world, about) == {"coordinator": 1, "city_coordinator": 1, "entrepreneur": 1}


def test_an_issue_entered_on_someones_behalf_is_never_online(world):
    with on(SEP_30), translation.override("en"), pytest.raises(ValidationError) as refused:
        issue_submit(actor=world.users["coordinator"], title="电力增容", description="需要增容。",
                     category=world.category, entrepreneur=world.person,
                     source=Issue.Source.ONLINE)
    assert "at a session, by phone or on a visit" in refused.value.messages[0]
    assert not Issue.objects.exists()
    assert not Notification.objects.exists()


def test_another_countys_coordinator_cannot_enter_an_issue_for_this_county(world):
    with on(SEP_30), pytest.raises(ActionNotAllowed):
        issue_submit(actor=world.users["other_coordinator"], title="电力增容",
                     description="需要增容。", category=world.category,
                     entrepreneur=world.person, source=Issue.Source.VISIT)
    assert not Issue.objects.exists()


def test_an_entrepreneur_waiting_for_verification_cannot_raise_an_issue(world):
    pending = EntrepreneurFactory(with_user=True, enterprise=world.person.enterprise,
                                  verification=Entrepreneur.Verification.PENDING)
    with on(SEP_30), translation.override("en"), pytest.raises(ActionNotAllowed) as refused:
        issue_submit(actor=pending.user, title="用地", description="需要用地。",
                     category=world.category)
    assert "verified" in refused.value.message
    assert not Issue.objects.exists()
    assert not Notification.objects.exists()


# --- Dispatch and its deadlines ----------------------------------------------------------------


def test_dispatch_sets_due_dates_in_working_days_over_the_national_day_holiday(world):
    issue = dispatched(world, SEP_30, assisting={world.helper_department: 3})

    assert (issue.status, issue.version, issue.round) == (S.DISPATCHED, 2, 1)
    assert issue.lead_department == world.lead_department
    assert issue.round_started_on == SEP_30
    assert (issue.accept_limit_days, issue.resolve_limit_days) == (1, 5)
    # 1 October to 7 October are the holiday: the first working day after is the 8th.
    assert issue.accept_due_on == oct_(8)
    # 8, 9, 10 (the make-up Saturday), 12, 13.
    assert issue.due_on == oct_(13)
    [assistance] = issue.assistances.all()
    assert (assistance.department, assistance.resolve_limit_days, assistance.due_on) == (
        world.helper_department, 3, oct_(10))
    event = IssueEvent.objects.get(issue=issue, kind=K.DISPATCHED)
    assert (event.from_status, event.to_status, event.data["due_on"]) == (
        S.SUBMITTED, S.DISPATCHED, "2026-10-13")
    rows = (Notification.objects.filter(key__contains=":dispatched:")
            | Notification.objects.filter(key__contains=":assisting:"))
    assert told(world, rows) == {"handler": 1, "lead": 1, "helper": 1, "entrepreneur": 1}
    assert "2026-10-13" in rows.get(recipient=world.users["handler"], channel=IN_APP).body


def test_an_assisting_department_without_its_own_limit_takes_the_categorys(world):
    issue = dispatched(world, SEP_30, assisting={world.helper_department: None})
    [assistance] = issue.assistances.all()
    assert (assistance.resolve_limit_days, assistance.due_on) == (5, oct_(13))


def test_a_department_may_return_a_misrouted_issue_within_one_working_day(world):
    issue = dispatched(world, SEP_30)
    # The holiday does not count: the 8th is still within the window.
    with on(oct_(8), hour=17):
        returned = issue_return(actor=world.users["handler"], issue=issue,
                                version=issue.version, reason="应由税务部门办理。")
    assert (returned.status, returned.version) == (S.RETURNED, 3)
    event = IssueEvent.objects.get(issue=issue, kind=K.RETURNED)
    assert (event.message, event.is_public) == ("应由税务部门办理。", False)
    rows = Notification.objects.filter(key__contains=":returned:")
    assert told(world, rows) == {"coordinator": 1, "city_coordinator": 1}


def test_returning_after_the_window_is_refused_with_the_last_day_in_the_message(world):
    issue = dispatched(world, SEP_30)
    before = state_of(issue)
    with on(oct_(9)), translation.override("en"), pytest.raises(WrongState) as refused:
        issue_return(actor=world.users["handler"], issue=issue, version=issue.version,
                     reason="应由税务部门办理。")
    assert "until 2026-10-08" in refused.value.message
    assert state_of(issue) == before


def test_a_stale_version_is_refused_and_nothing_is_written(world):
    issue = dispatched(world, SEP_30)
    before = state_of(issue)
    with on(oct_(8)), translation.override("en"), pytest.raises(StaleIssue) as refused:
        issue_accept(actor=world.users["handler"], issue=issue, version=issue.version - 1)
    assert "Someone else changed this issue" in refused.value.message
    assert state_of(issue) == before


def test_accepting_and_the_first_note_of_the_lead_department(world):
    issue = accepted(world, oct_(8))
    assert (issue.status, issue.version) == (S.ACCEPTED, 3)
    assert issue.accepted_at is not None
    # An assisting department's note does not start the work; the lead's first one does.
    with on(oct_(8), hour=14):
        issue_add_note(actor=world.users["coordinator"], issue=fresh(issue),
                       version=fresh(issue).version, message="请加快办理。", is_public=False)
        assert fresh(issue).status == S.ACCEPTED
        issue_add_note(actor=world.users["lead"], issue=fresh(issue),
                       version=fresh(issue).version, message="已实地查看。", is_public=True)
    assert (fresh(issue).status, fresh(issue).version) == (S.IN_PROGRESS, 5)
    # Only the public note reaches the entrepreneur.
    assert told(world, Notification.objects.filter(key__contains=":progress:")) == {
        "entrepreneur": 1}


# --- More time -------------------------------------------------------------------------------


def test_an_approved_extension_moves_the_due_date_by_exactly_its_working_days(world):
    issue = accepted(world, oct_(8))
    request = request_extension(world, issue, oct_(9), days=3)
    assert (request.status, request.days, request.round) == (ExtensionRequest.Status.PENDING,
                                                             3, 1)
    assert fresh(issue).due_on == oct_(13)
    assert told(world, Notification.objects.filter(key__contains=":extension:")) == {
        "coordinator": 1, "city_coordinator": 1}

    with on(oct_(9), hour=14):
        issue_decide_extension(actor=world.users["city_coordinator"], issue=fresh(issue),
                               version=fresh(issue).version, approve=True)
    issue = fresh(issue)
    # Eight working days from 30 September: 8, 9, 10, 12, 13, 14, 15, 16.
    assert (issue.due_on, issue.resolve_limit_days, issue.status) == (oct_(16), 8, S.ACCEPTED)
    request.refresh_from_db()
    assert (request.status, request.decided_by) == (ExtensionRequest.Status.APPROVED,
                                                    world.users["city_coordinator"])
    decided = IssueEvent.objects.get(issue=issue, kind=K.EXTENSION_DECIDED)
    assert decided.is_public and "2026-10-16" in decided.message
    rows = Notification.objects.filter(key__contains=f":extension:e{decided.pk}:")
    assert told(world, rows) == {"handler": 1, "entrepreneur": 1}


def test_a_second_request_for_more_time_waits_for_the_first(world):
    issue = accepted(world, oct_(8))
    request_extension(world, issue, oct_(9))
    before = state_of(issue)
    with translation.override("en"), pytest.raises(WrongState) as refused:
        request_extension(world, issue, oct_(9))
    assert "already waiting" in refused.value.message
    assert state_of(issue) == before


def test_more_time_cannot_be_asked_for_after_the_due_date(world):
    issue = accepted(world, oct_(8))
    before = state_of(issue)
    with translation.override("en"), pytest.raises(WrongState) as refused:
        request_extension(world, issue, oct_(14))  # due on the 13th
    assert "The due date has passed" in refused.value.message
    assert state_of(issue) == before
    # On the due date itself it may still be asked for.
    request_extension(world, issue, oct_(13))
    assert ExtensionRequest.objects.get(issue=issue).status == ExtensionRequest.Status.PENDING


def test_refusing_more_time_needs_a_note_and_keeps_the_due_date(world):
    issue = accepted(world, oct_(8))
    request = request_extension(world, issue, oct_(9))
    before = state_of(issue)
    with on(oct_(9)), pytest.raises(ValidationError):
        issue_decide_extension(actor=world.users["coordinator"], issue=fresh(issue),
                               version=fresh(issue).version, approve=False, note="  ")
    assert state_of(issue) == before

    with on(oct_(9)):
        issue_decide_extension(actor=world.users["coordinator"], issue=fresh(issue),
                               version=fresh(issue).version, approve=False,
                               note="时限内可以办结。")
    request.refresh_from_db()
    assert (request.status, request.decision_note) == (ExtensionRequest.Status.REFUSED,
                                                       "时限内可以办结。")
    assert (fresh(issue).due_on, fresh(issue).resolve_limit_days) == (oct_(13), 5)
    decided = IssueEvent.objects.get(issue=issue, kind=K.EXTENSION_DECIDED)
    assert not decided.is_public
    rows = Notification.objects.filter(key__contains=f":extension:e{decided.pk}:")
    assert told(world, rows) == {"handler": 1}
    assert rows.get(channel=IN_APP).body == "时限内可以办结。"


def test_answering_withdraws_a_pending_request_for_more_time(world):
    issue = accepted(world, oct_(8))
    request = request_extension(world, issue, oct_(9))
    resolved(world, issue, oct_(12))
    request.refresh_from_db()
    assert request.status == ExtensionRequest.Status.WITHDRAWN
    assert fresh(issue).status == S.RESOLVED


# --- Answers and ratings ---------------------------------------------------------------------


def test_the_answer_asks_the_entrepreneur_to_rate_by_sms_with_a_link(world):
    issue = resolved(world, accepted(world), oct_(9))
    path = f"/issues/{issue.reference}/rate/"
    sms = Notification.objects.get(channel=SMS)
    assert sms.address == "13812345678"
    assert sms.recipient == world.users["entrepreneur"]
    assert sms.body.endswith(django_settings.SITE_URL.rstrip("/") + path)
    in_app = Notification.objects.get(channel=IN_APP, key__contains=":rate:")
    assert (in_app.recipient, in_app.url) == (world.users["entrepreneur"], path)
    assert (issue.status, fresh(issue).resolved_at is not None) == (S.RESOLVED, True)


def test_satisfied_closes_the_issue(world):
    issue = rated(world, resolved(world, accepted(world)), oct_(12), RatingValue.SATISFIED)
    assert (issue.status, issue.latest_rating, issue.round) == (S.CLOSED, "satisfied", 1)
    assert issue.closed_at is not None
    rating = SatisfactionRating.objects.get(issue=issue)
    assert (rating.round, rating.value, rating.rated_by) == (1, "satisfied",
                                                            world.users["entrepreneur"])
    kinds = list(IssueEvent.objects.filter(issue=issue).values_list("kind", "to_status"))
    assert kinds[-2:] == [(K.RATED, ""), (K.CLOSED, S.CLOSED)]


def test_basically_satisfied_closes_the_issue_too(world):
    issue = rated(world, resolved(world, accepted(world)), oct_(12),
                  RatingValue.BASICALLY_SATISFIED)
    assert (issue.status, issue.latest_rating) == (S.CLOSED, "basically_satisfied")


def test_dissatisfied_needs_a_reason(world):
    issue = resolved(world, accepted(world))
    before = state_of(issue)
    with on(oct_(12)), translation.override("en"), pytest.raises(ValidationError) as refused:
        issue_rate(actor=world.users["entrepreneur"], issue=fresh(issue),
                   version=fresh(issue).version, value=RatingValue.DISSATISFIED, reason="")
    assert refused.value.messages == ["Say why you are dissatisfied."]
    assert state_of(issue) == before


def test_dissatisfied_reopens_the_issue_for_a_supervised_round(world):
    issue = resolved(world, accepted(world, oct_(8)), oct_(9))
    already = set(Notification.objects.values_list("pk", flat=True))

    issue = rated(world, issue, oct_(14), RatingValue.DISSATISFIED)

    assert (issue.status, issue.round, issue.escalation) == (S.DISPATCHED, 2, E.SUPERVISED)
    assert issue.latest_rating == RatingValue.DISSATISFIED
    assert issue.round_started_on == oct_(14)
    # From Wednesday the 14th: accept by the 15th; answer by 15, 16, 19, 20, 21.
    assert (issue.accept_due_on, issue.due_on) == (oct_(15), oct_(21))
    assert (issue.accepted_at, issue.resolved_at) == (None, None)
    reopened = IssueEvent.objects.get(issue=issue, kind=K.REOPENED)
    assert (reopened.from_status, reopened.to_status, reopened.round) == (S.RESOLVED,
                                                                          S.DISPATCHED, 2)
    new = Notification.objects.exclude(pk__in=already)
    # The lead department (handler and lead), its lead again for supervision, both
    # coordinators covering the county, and the entrepreneur.
    assert told(world, new) == {"handler": 1, "lead": 2, "coordinator": 1,
                                "city_coordinator": 1, "entrepreneur": 1}
    # The new round runs like the first: the department accepts it again.
    with on(oct_(15)):
        issue_accept(actor=world.users["handler"], issue=issue, version=issue.version)
    assert fresh(issue).status == S.ACCEPTED


def test_reopening_restarts_the_assisting_departments_clock(world):
    issue = dispatched(world, SEP_30, assisting={world.helper_department: 3})
    with on(oct_(8)):
        issue = issue_accept(actor=world.users["handler"], issue=issue, version=issue.version)
    issue = rated(world, resolved(world, issue, oct_(9)), oct_(14), RatingValue.DISSATISFIED)
    [assistance] = issue.assistances.all()
    assert assistance.due_on == oct_(19)  # 15, 16, 19


@pytest.fixture
def last_round_review(world, settings):
    """With two rounds at most: dissatisfied twice puts the issue before a coordinator."""
    settings.ISSUE_MAX_ROUNDS = 2
    issue = rated(world, resolved(world, accepted(world)), oct_(12), RatingValue.DISSATISFIED)
    assert (issue.status, issue.round) == (S.DISPATCHED, 2)
    with on(oct_(13)):
        issue = issue_accept(actor=world.users["handler"], issue=issue, version=issue.version)
    already = set(Notification.objects.values_list("pk", flat=True))
    issue = rated(world, resolved(world, issue, oct_(14)), oct_(15), RatingValue.DISSATISFIED)
    return issue, Notification.objects.exclude(pk__in=already)


def test_dissatisfied_after_the_last_round_goes_to_the_coordinators_review(world,
                                                                           last_round_review):
    issue, new = last_round_review
    assert (issue.status, issue.round, issue.latest_rating) == (S.REVIEW, 2, "dissatisfied")
    assert IssueEvent.objects.filter(issue=issue, kind=K.ESCALATED, to_status=S.REVIEW).exists()
    assert told(world, new.filter(key__contains=":review:")) == {"coordinator": 1,
                                                                  "city_coordinator": 1}
    assert set(workflow.available_actions(user=world.users["coordinator"], issue=issue)) == {
        workflow.Action.DISPATCH, workflow.Action.CLOSE}
    assert workflow.available_actions(user=world.users["entrepreneur"], issue=issue) == set()


def test_dispatching_from_review_starts_another_supervised_round(world, last_round_review):
    issue, _ = last_round_review
    with on(oct_(16)):
        issue = issue_dispatch(actor=world.users["coordinator"], issue=issue,
                               version=issue.version, lead_department=world.helper_department)
    assert (issue.status, issue.round, issue.escalation) == (S.DISPATCHED, 3, E.SUPERVISED)
    assert issue.lead_department == world.helper_department
    assert (issue.round_started_on, issue.due_on) == (oct_(16), oct_(23))


def test_closing_from_review_keeps_the_dissatisfied_rating(world, last_round_review):
    issue, _ = last_round_review
    with on(oct_(16)), pytest.raises(ValidationError):
        issue_close(actor=world.users["coordinator"], issue=issue, version=issue.version,
                    note="")
    with on(oct_(16)):
        issue_close(actor=world.users["coordinator"], issue=issue, version=issue.version,
                    note="超出部门职权，已向企业说明。")
    issue = fresh(issue)
    assert (issue.status, issue.latest_rating, issue.round) == (S.CLOSED, "dissatisfied", 2)
    assert issue.closed_at is not None
    closed = Notification.objects.filter(key__contains=":closed:")
    assert told(world, closed) == {"entrepreneur": 1}
    assert closed.get(channel=SMS).address == "13812345678"


# --- Rejections and duplicates --------------------------------------------------------------


def test_rejecting_needs_a_reason_and_tells_the_entrepreneur(world):
    issue = submitted(world)
    with on(SEP_30), pytest.raises(ValidationError):
        workflow.issue_reject(actor=world.users["coordinator"], issue=issue, version=1,
                              reason=" ")
    with on(SEP_30):
        issue = workflow.issue_reject(actor=world.users["coordinator"], issue=issue, version=1,
                                      reason="属于司法诉讼事项。")
    assert (issue.status, fresh(issue).rejection_reason) == (S.REJECTED, "属于司法诉讼事项。")
    rows = Notification.objects.filter(key__contains=":rejected:")
    assert told(world, rows) == {"entrepreneur": 1}
    assert "属于司法诉讼事项。" in rows.get(channel=SMS).body


def test_marking_a_duplicate_follows_the_chain_to_the_original(world):
    original = dispatched(world)
    middle = submitted(world, title="同一用地问题")
    with on(SEP_30):
        issue_mark_duplicate(actor=world.users["coordinator"], issue=middle, version=1,
                             original=original)
    latest = submitted(world, title="又一次用地问题")
    with on(SEP_30):
        issue_mark_duplicate(actor=world.users["coordinator"], issue=latest, version=1,
                             original=fresh(middle))
    latest = fresh(latest)
    assert (latest.status, latest.duplicate_of) == (S.DUPLICATE, original)
    assert latest.closed_at is not None
    event = IssueEvent.objects.get(issue=latest, kind=K.DUPLICATE)
    assert event.data == {"original": original.reference}
    note = Notification.objects.get(key__contains=f":duplicate:e{event.pk}:")
    assert original.reference in note.subject


def test_an_issue_cannot_duplicate_itself(world):
    issue = submitted(world)
    before = state_of(issue)
    with on(SEP_30), translation.override("en"), pytest.raises(ValidationError) as refused:
        issue_mark_duplicate(actor=world.users["coordinator"], issue=issue, version=1,
                             original=issue)
    assert refused.value.messages == ["An issue cannot duplicate itself."]
    assert state_of(issue) == before


def test_the_original_must_be_an_issue_the_coordinator_can_see(world):
    elsewhere = EntrepreneurFactory(with_user=True,
                                    enterprise=EnterpriseFactory(region=world.other_county))
    with on(SEP_30):
        outside = issue_submit(actor=elsewhere.user, title="用地", description="需要用地。",
                               category=world.category)
    issue = submitted(world)
    before = state_of(issue)
    with on(SEP_30), translation.override("en"), pytest.raises(ValidationError) as refused:
        issue_mark_duplicate(actor=world.users["coordinator"], issue=issue, version=1,
                             original=outside)
    assert refused.value.messages == ["No issue with this reference is open to you."]
    assert state_of(issue) == before
    # The city's coordinator sees both counties.
    with on(SEP_30):
        issue_mark_duplicate(actor=world.users["city_coordinator"], issue=issue, version=1,
                             original=outside)
    assert fresh(issue).duplicate_of == outside


def test_someone_without_a_part_is_refused_before_the_original_is_looked_at(world):
    issue = submitted(world)
    before = state_of(issue)
    with on(SEP_30), pytest.raises(ActionNotAllowed):
        issue_mark_duplicate(actor=world.users["helper"], issue=issue, version=1, original=issue)
    assert state_of(issue) == before


# --- The outbox ------------------------------------------------------------------------------


def test_each_actions_messages_are_written_once(world):
    """Calling an action again with the version it was called with is refused, and writes
    no second message."""
    issue = submitted(world)
    # (day, the call, whether it tells anybody)
    steps = [
        (SEP_30, True, lambda version: issue_dispatch(
            actor=world.users["coordinator"], issue=fresh(issue), version=version,
            lead_department=world.lead_department, assisting={world.helper_department: None})),
        (oct_(8), True, lambda version: issue_accept(actor=world.users["handler"],
                                               issue=fresh(issue), version=version)),
        (oct_(8), True, lambda version: issue_add_note(actor=world.users["handler"],
                                                 issue=fresh(issue), version=version,
                                                 message="已联系企业。", is_public=True)),
        (oct_(9), True, lambda version: issue_request_extension(
            actor=world.users["handler"], issue=fresh(issue), version=version, days=2,
            reason="需要协调。")),
        (oct_(9), True, lambda version: issue_decide_extension(
            actor=world.users["coordinator"], issue=fresh(issue), version=version,
            approve=True)),
        (oct_(12), True, lambda version: issue_resolve(actor=world.users["handler"],
                                                 issue=fresh(issue), version=version,
                                                 reply="已解决。")),
        # A satisfied rating closes the issue without a message.
        (oct_(13), False, lambda version: issue_rate(actor=world.users["entrepreneur"],
                                              issue=fresh(issue), version=version,
                                              value=RatingValue.SATISFIED)),
    ]
    for day, tells, step in steps:
        version = fresh(issue).version
        count = Notification.objects.count()
        with on(day):
            step(version)
        assert (Notification.objects.count() > count) is tells
        after = state_of(issue)
        with on(day), pytest.raises(StaleIssue):
            step(version)
        assert state_of(issue) == after
    assert fresh(issue).status == S.CLOSED
    # No person got the same message twice.
    keys = list(Notification.objects.values_list("key", flat=True))
    assert len(keys) == len(set(keys))
    assert told(world, Notification.objects.filter(key__contains=":dispatched:")) == {
        "handler": 1, "lead": 1, "entrepreneur": 1}


# --- Two officials at once ----------------------------------------------------------------------


def test_two_officials_on_the_same_version_the_second_is_refused_and_its_text_not_written(world):
    issue = accepted(world)
    handlers_copy, leads_copy = fresh(issue), fresh(issue)
    with on(oct_(9)):
        issue_add_note(actor=world.users["handler"], issue=handlers_copy,
                       version=handlers_copy.version, message="已约企业面谈。", is_public=True)
        with pytest.raises(StaleIssue):
            issue_add_note(actor=world.users["lead"], issue=leads_copy,
                           version=leads_copy.version, message="由我来跟进。", is_public=True)
    messages = list(IssueEvent.objects.filter(issue=issue, kind=K.PROGRESS)
                    .values_list("message", flat=True))
    assert messages == ["已约企业面谈。"]
    assert not Notification.objects.filter(body__contains="由我来跟进").exists()


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_the_second_official_waits_for_the_first_and_is_refused(world):
    """The row lock: the second transaction reads the version only after the first commits.

    Runs in CI's PostgreSQL pass; SQLite has no row locks to test.
    """
    if connection.vendor != "postgresql":
        pytest.skip("row locks (SELECT … FOR UPDATE) are tested on PostgreSQL")
    issue = accepted(world)
    version = issue.version
    first_holds_lock = threading.Event()
    outcome: dict[str, object] = {}

    def first():
        try:
            with transaction.atomic():
                issue_add_note(actor=world.users["handler"], issue=fresh(issue),
                               version=version, message="已约企业面谈。", is_public=True)
                first_holds_lock.set()
                clock.sleep(1.0)  # the second official clicks meanwhile
            outcome["first"] = "saved"
        except Exception as error:  # noqa: BLE001 (reported by the assertion below)
            outcome["first"] = error
        finally:
            first_holds_lock.set()
            connections.close_all()

    def second():
        first_holds_lock.wait(timeout=10)
        started = clock.monotonic()
        try:
            issue_add_note(actor=world.users["lead"], issue=fresh(issue),
                           version=version, message="由我来跟进。", is_public=True)
            outcome["second"] = "saved"
        except StaleIssue:
            outcome["second"] = "stale"
        except Exception as error:  # noqa: BLE001
            outcome["second"] = error
        finally:
            outcome["waited"] = clock.monotonic() - started
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    with on(oct_(9)):  # the clock is the process's: one journey for both threads
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    assert (outcome["first"], outcome["second"]) == ("saved", "stale")
    assert outcome["waited"] >= 0.5  # it waited for the first transaction's lock
    messages = list(IssueEvent.objects.filter(issue=issue, kind=K.PROGRESS)
                    .values_list("message", flat=True))
    assert messages == ["已约企业面谈。"]
    assert fresh(issue).version == version + 1
