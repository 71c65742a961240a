"""The issue workflow's answers and ratings, new rounds, rejections and duplicates, through
the real workflow functions on chosen days (see tests.issues.workflow_steps)."""

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.utils import translation

from issues import workflow
from issues.models import (
    IssueEvent,
    RatingValue,
    SatisfactionRating,
)
from issues.rating_links import rating_token
from issues.workflow import (
    ActionNotAllowed,
    issue_accept,
    issue_close,
    issue_dispatch,
    issue_mark_duplicate,
    issue_rate,
    issue_submit,
)
from notifications.models import Notification
from tests.factories import (
    EnterpriseFactory,
    EntrepreneurFactory,
)
from tests.helpers import fresh, on
from tests.issues.workflow_steps import (
    IN_APP,
    SEP_30,
    SMS,
    E,
    K,
    S,
    accepted,
    dispatched,
    oct_,
    rated,
    resolved,
    state_of,
    submitted,
    told,
)

pytestmark = pytest.mark.django_db


# --- Answers and ratings ---------------------------------------------------------------------


def test_the_answer_asks_the_entrepreneur_to_rate_by_sms_with_a_link(world):
    issue = resolved(world, accepted(world), oct_(9))
    path = f"/r/{rating_token(issue_id=issue.pk, round=1)}"  # the signed link: no log-in
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
    # Dispatch again or close; and the dissatisfied rating gets its follow-up call (回访).
    # Material (补充材料) may still come, from the raiser or through a coordinator.
    assert set(workflow.available_actions(user=world.users["coordinator"], issue=issue)) == {
        workflow.Action.DISPATCH, workflow.Action.CLOSE, workflow.Action.RECORD_CALL,
        workflow.Action.ADD_MATERIAL}
    assert workflow.available_actions(user=world.users["entrepreneur"], issue=issue) == {
        workflow.Action.ADD_MATERIAL}


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
