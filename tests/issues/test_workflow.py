"""The issue workflow as its users live it: raising an issue, dispatch and its deadlines in
working days, returns, extensions, answers, ratings and new rounds, duplicates, the outbox,
and two officials acting at the same moment.

Issues go through the real workflow functions on chosen days (time_machine). The dates are
written out from the State Council's 2026 schedule: National Day runs from Thursday 1 to
Wednesday 7 October; Saturday 10 October is a make-up working day, Sunday 20 September
another. So five working days after Wednesday 30 September is Tuesday 13 October
(8, 9, 10, 12, 13).
"""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from entrepreneurs.models import Entrepreneur
from issues.models import (
    ExtensionRequest,
    Issue,
    IssueEvent,
)
from issues.workflow import (
    ActionNotAllowed,
    StaleIssue,
    WrongState,
    issue_accept,
    issue_add_note,
    issue_decide_extension,
    issue_return,
    issue_submit,
)
from notifications.models import Notification
from tests.factories import EntrepreneurFactory
from tests.helpers import fresh, on
from tests.issues.workflow_steps import (
    EMAIL,
    IN_APP,
    SEP_30,
    K,
    S,
    accepted,
    dispatched,
    oct_,
    request_extension,
    resolved,
    state_of,
    submitted,
    told,
)

pytestmark = pytest.mark.django_db

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


def test_a_title_longer_than_the_form_allows_is_refused_by_the_service_too(world):
    """A caller that is not the form (a script, the future API) gets the refusal, not a
    database error (PostgreSQL refuses a 201-character title), and nothing is written."""
    with pytest.raises(ValidationError) as refused:
        submitted(world, title="用" * 201)
    assert refused.value.error_list[0].code == "max_length"
    assert not Issue.objects.exists() and not Notification.objects.exists()
    assert submitted(world, title="用" * 200).title == "用" * 200


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
    assert "2026年10月13日" in rows.get(recipient=world.users["handler"], channel=IN_APP).body


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
    assert "until 8 Oct 2026" in refused.value.message
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
    assert decided.is_public and "2026年10月16日" in decided.message
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
