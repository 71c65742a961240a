"""The workflow's actions through the API: each changes the issue as the page would (its
status, its timeline, who is told), with ``If-Match`` (428 without, 412 when stale), and
the refusals: 404 outside the caller's scope, 403 for a part that may not act, 409 in the
wrong state, 400 for a bad body (never a 500, never a partial write)."""

import pytest

from api.v1 import actions
from issues import workflow
from issues.models import AssistingDepartment, ExtensionRequest, Issue, IssueEvent, RatingValue
from notifications.models import Notification
from tests.api import actions_world
from tests.api.actions_world import act, as_user, etag
from tests.api.conftest import assert_problem
from tests.factories import EnterpriseFactory, EntrepreneurFactory
from tests.helpers import fresh, on
from tests.issues.workflow_steps import (
    OCT_8,
    OCT_9,
    SEP_30,
    K,
    S,
    accepted,
    dispatched,
    oct_,
    resolved,
    state_of,
    submitted,
)

pytestmark = pytest.mark.django_db

# The fixtures (no conftest.py in this folder: it is shared with other families).
world, api = actions_world.world, actions_world.api


def kinds(issue) -> list[str]:
    return list(IssueEvent.objects.filter(issue=issue).order_by("id").values_list("kind",
                                                                                 flat=True))


def done(response, issue, status: str):
    """The action succeeded: the answer is the issue's new state, with its new ETag."""
    assert response.status_code == 200, response.content
    row = fresh(issue)
    assert row.status == status
    body = response.json()
    assert body["reference"] == issue.reference
    assert body["status"] == status
    assert body["version"] == row.version
    assert body["url"].endswith(f"/api/v1/issues/{issue.reference}/")
    assert response["ETag"] == f'"{row.version}"'
    return row


# --- Each action, end to end -------------------------------------------------------------------


def test_dispatch_sends_the_issue_to_the_departments_and_tells_them(api, world):
    issue = submitted(world)
    told_before = Notification.objects.count()
    with on(SEP_30, hour=10):
        response = act(api, world.users["coordinator"], issue, "dispatch", {
            "lead_department": world.lead_department.pk,
            "assisting": [world.helper_department.pk], "assisting_days": 3,
            "note": "请尽快办理。",
        })
    row = done(response, issue, S.DISPATCHED)
    assert row.version == issue.version + 1
    assert row.lead_department == world.lead_department
    assert list(AssistingDepartment.objects.filter(issue=issue).values_list(
        "department_id", flat=True)) == [world.helper_department.pk]
    assert kinds(issue)[-1] == K.DISPATCHED
    assert Notification.objects.count() > told_before


def test_a_department_accepts_notes_asks_for_time_and_answers_and_the_raiser_rates(api, world):
    issue = dispatched(world)
    handler, coordinator = world.users["handler"], world.users["coordinator"]
    with on(OCT_8, hour=11):
        done(act(api, handler, issue, "accept"), issue, S.ACCEPTED)
        told_before = Notification.objects.count()
        done(act(api, handler, issue, "note", {"message": "已联系企业。"}), issue,
             S.IN_PROGRESS)
    note = IssueEvent.objects.filter(issue=issue, kind=K.PROGRESS).get()
    assert note.is_public  # a department's note is public by default, as on the page
    assert Notification.objects.count() > told_before
    with on(OCT_9, hour=11):
        done(act(api, handler, issue, "request-extension",
                 {"days": 2, "reason": "需要协调省级部门。"}), issue, S.IN_PROGRESS)
        assert ExtensionRequest.objects.get(issue=issue).status == ExtensionRequest.Status.PENDING
        done(act(api, coordinator, issue, "decide-extension", {"decision": "approve"}), issue,
             S.IN_PROGRESS)
    assert ExtensionRequest.objects.get(issue=issue).status == ExtensionRequest.Status.APPROVED
    with on(oct_(12), hour=15):
        done(act(api, handler, issue, "answer", {"reply": "已协调新增用地指标。"}), issue,
             S.RESOLVED)
    with on(oct_(13), hour=16):
        done(act(api, world.users["entrepreneur"], issue, "rate",
                 {"value": RatingValue.SATISFIED, "comment": "满意。"}), issue, S.CLOSED)
    assert K.RATED in kinds(issue)


def test_a_refused_extension_needs_a_reason(api, world):
    issue = accepted(world)
    with on(OCT_9, hour=11):
        act(api, world.users["handler"], issue, "request-extension",
            {"days": 2, "reason": "需要协调。"})
        before = state_of(issue)
        response = act(api, world.users["coordinator"], issue, "decide-extension",
                       {"decision": "refuse"})
        assert response.status_code == 400
        assert "note" in response.content.decode()
        assert state_of(issue) == before
        done(act(api, world.users["coordinator"], issue, "decide-extension",
                 {"decision": "refuse", "note": "期限内可以办结。"}), issue, S.ACCEPTED)
    assert ExtensionRequest.objects.get(issue=issue).status == ExtensionRequest.Status.REFUSED


def test_a_department_returns_a_misrouted_issue(api, world):
    issue = dispatched(world)
    with on(SEP_30, hour=11):
        done(act(api, world.users["handler"], issue, "return", {"reason": "不属于本部门职责。"}),
             issue, S.RETURNED)
    assert kinds(issue)[-1] == K.RETURNED


def test_a_handlers_answer_waits_for_the_leads_sign_off(api, world):
    world.lead_department.requires_sign_off = True
    world.lead_department.save(update_fields=["requires_sign_off"])
    issue = accepted(world)
    with on(OCT_9, hour=11):
        done(act(api, world.users["handler"], issue, "answer", {"reply": "初稿。"}), issue,
             S.IN_PROGRESS)
        done(act(api, world.users["lead"], issue, "send-back-answer", {"note": "请补充依据。"}),
             issue, S.IN_PROGRESS)
        done(act(api, world.users["handler"], issue, "answer", {"reply": "修改稿。"}), issue,
             S.IN_PROGRESS)
        done(act(api, world.users["lead"], issue, "approve-answer", {}), issue, S.RESOLVED)
        # Nothing waits for sign-off any more.
        response = act(api, world.users["lead"], issue, "approve-answer", {})
    assert response.status_code == 409


def test_after_the_last_round_a_coordinator_closes_the_issue(api, world, settings):
    settings.ISSUE_MAX_ROUNDS = 1
    issue = resolved(world, accepted(world))
    with on(oct_(13), hour=16):
        done(act(api, world.users["entrepreneur"], issue, "rate",
                 {"value": RatingValue.DISSATISFIED, "reason": "handling"}), issue, S.REVIEW)
        done(act(api, world.users["coordinator"], issue, "close",
                 {"note": "已尽最大努力协调。"}), issue, S.CLOSED)


def test_the_raiser_adds_material_and_withdraws(api, world):
    issue = submitted(world)
    entrepreneur = world.users["entrepreneur"]
    with on(SEP_30, hour=10):
        done(act(api, entrepreneur, issue, "add-material", {"note": "补充：用地红线图已更新。"}),
             issue, S.SUBMITTED)
        done(act(api, entrepreneur, issue, "withdraw", {"reason": "已自行解决。"}), issue,
             S.WITHDRAWN)
    assert kinds(issue)[-2:] == [K.MATERIAL_ADDED, K.WITHDRAWN]


def test_a_coordinator_rejects_or_marks_a_duplicate(api, world):
    first, second, third = submitted(world), submitted(world), submitted(world)
    coordinator = world.users["coordinator"]
    with on(SEP_30, hour=10):
        done(act(api, coordinator, second, "mark-duplicate", {"original": first.reference}),
             second, S.DUPLICATE)
        done(act(api, coordinator, third, "reject", {"reason": "不属于政企恳谈范围。"}), third,
             S.REJECTED)


# --- If-Match ---------------------------------------------------------------------------------


def test_without_if_match_nothing_is_done_428(api, world):
    issue = submitted(world)
    before = state_of(issue)
    response = act(api, world.users["coordinator"], issue, "dispatch",
                   {"lead_department": world.lead_department.pk}, if_match=None)
    assert response.status_code == 428
    assert "If-Match" in response.json()["detail"]
    assert state_of(issue) == before


@pytest.mark.parametrize("if_match", ['"1"', "1", "W/\"2\"", "*", "garbage", '"99999999"'])
def test_a_stale_or_unknown_if_match_is_412_with_the_current_etag(api, world, if_match):
    issue = submitted(world)
    with on(SEP_30, hour=10):
        act(api, world.users["entrepreneur"], issue, "add-material", {"note": "补充说明。"})
    assert fresh(issue).version == 2
    before = state_of(issue)
    response = act(api, world.users["coordinator"], issue, "dispatch",
                   {"lead_department": world.lead_department.pk}, if_match=if_match)
    assert response.status_code == 412
    assert response["ETag"] == '"2"'
    assert '"2"' in response.json()["detail"]
    assert state_of(issue) == before


def test_if_match_may_list_several_tags(api, world):
    issue = submitted(world)
    with on(SEP_30, hour=10):
        response = act(api, world.users["coordinator"], issue, "dispatch",
                       {"lead_department": world.lead_department.pk},
                       if_match=f'"7", {etag(issue)}')
    done(response, issue, S.DISPATCHED)


def test_a_change_between_the_check_and_the_lock_is_412(api, world, monkeypatch):
    """Someone else's change lands after If-Match was checked: the workflow's own version
    check (under the row lock) refuses, and the answer is still 412."""
    issue = submitted(world)
    real = workflow.ACTION_FUNCTIONS[actions.Action.WITHDRAW]

    def overtaken(**kwargs):
        Issue.objects.filter(pk=issue.pk).update(version=kwargs["version"] + 1)
        return real(**kwargs)

    monkeypatch.setitem(workflow.ACTION_FUNCTIONS, actions.Action.WITHDRAW, overtaken)
    response = act(api, world.users["entrepreneur"], issue, "withdraw", {"reason": "不需要了。"})
    assert response.status_code == 412
    assert response["ETag"] == f'"{issue.version + 1}"'
    assert fresh(issue).status == S.SUBMITTED


# --- Scope and refusals ---------------------------------------------------------------------


def test_an_entrepreneur_cannot_act_on_another_enterprises_issue_404(api, world):
    issue = submitted(world)
    other = EntrepreneurFactory(with_user=True, enterprise=EnterpriseFactory(region=world.county))
    before = state_of(issue)
    response = act(api, other.user, issue, "withdraw", {"reason": "不需要了。"})
    assert response.status_code == 404
    assert state_of(issue) == before


def test_a_county_coordinator_cannot_dispatch_another_countys_issue_404(api, world):
    issue = submitted(world)
    before = state_of(issue)
    response = act(api, world.users["other_coordinator"], issue, "dispatch",
                   {"lead_department": world.lead_department.pk}, if_match='"1"')
    assert response.status_code == 404
    assert state_of(issue) == before


def test_an_unknown_reference_is_404(api, world):
    as_user(api, world.users["coordinator"])
    response = api.post("/api/v1/issues/HZ-2026-999999/accept/", {}, format="json",
                        HTTP_IF_MATCH='"1"')
    assert response.status_code == 404


def test_a_part_that_may_not_act_is_403_with_the_reason(api, world):
    issue = submitted(world)
    before = state_of(issue)
    response = act(api, world.users["entrepreneur"], issue, "dispatch",
                   {"lead_department": world.lead_department.pk})
    assert response.status_code == 403
    assert "coordinator" in response.json()["detail"]
    assert state_of(issue) == before


def test_the_wrong_state_is_409_with_the_reason(api, world):
    issue = dispatched(world)
    before = state_of(issue)
    with on(SEP_30, hour=11):
        response = act(api, world.users["entrepreneur"], issue, "withdraw",
                       {"reason": "不需要了。"})
    assert response.status_code == 409
    assert "Dispatched" in response.json()["detail"] or "dispatched" in response.json()["detail"]
    assert state_of(issue) == before


def test_each_refusal_is_the_documented_problem_type(api, world):
    """docs/api-platform.md lists the problem types an integrator branches on."""
    issue = submitted(world)
    dispatch = {"lead_department": world.lead_department.pk}
    coordinator, entrepreneur = world.users["coordinator"], world.users["entrepreneur"]
    assert_problem(act(api, coordinator, issue, "dispatch", dispatch, if_match=None),
                   428, "precondition-required")
    assert_problem(act(api, coordinator, issue, "dispatch", dispatch, if_match='"99"'),
                   412, "stale")
    assert_problem(act(api, entrepreneur, issue, "dispatch", dispatch),
                   403, "action-not-allowed")
    with on(SEP_30, hour=11):
        assert_problem(act(api, entrepreneur, dispatched(world), "withdraw",
                           {"reason": "不需要了。"}), 409, "wrong-state")


def test_anonymous_callers_are_refused(api, world):
    issue = submitted(world)
    response = api.post(f"/api/v1/issues/{issue.reference}/accept/", {}, format="json",
                        HTTP_IF_MATCH='"1"')
    assert response.status_code in (401, 403)
    assert fresh(issue).status == S.SUBMITTED


# --- Bad bodies ---------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [
    {"lead_department": 1, "colour": "red"},  # an unknown field
    {"lead_department": "1"},  # a string for a number
    {"lead_department": True},
    {"lead_department": None},
    {"lead_department": 1, "assisting": "2"},
    {"lead_department": 1, "assisting": [None]},
    {"lead_department": 1, "note": 5},
    {},
    [],
    "dispatch",
])
def test_a_malformed_dispatch_is_400_and_changes_nothing(api, world, body):
    issue = submitted(world)
    before = state_of(issue)
    as_user(api, world.users["coordinator"])
    response = api.post(f"/api/v1/issues/{issue.reference}/dispatch/", body, format="json",
                        HTTP_IF_MATCH=etag(issue))
    assert response.status_code == 400, response.content
    assert state_of(issue) == before


def test_the_page_forms_rules_apply(api, world):
    """A department one may not dispatch to, the lead as its own helper, too many days: the
    page's form refuses them, so the API does."""
    issue = submitted(world)
    before = state_of(issue)
    for body in ({"lead_department": 999999},
                 {"lead_department": world.lead_department.pk,
                  "assisting": [world.lead_department.pk]}):
        response = act(api, world.users["coordinator"], issue, "dispatch", body)
        assert response.status_code == 400, response.content
    assert state_of(issue) == before
    issue = accepted(world)
    with on(OCT_9, hour=11):
        response = act(api, world.users["handler"], issue, "request-extension",
                       {"days": 999, "reason": "太忙。"})
        assert response.status_code == 400
        assert "days" in response.json()["errors"]
        response = act(api, world.users["handler"], issue, "note", {"message": "a\x00b"})
        assert response.status_code == 400


def test_a_body_that_is_not_json_is_400(api, world):
    issue = submitted(world)
    as_user(api, world.users["coordinator"])
    response = api.post(f"/api/v1/issues/{issue.reference}/dispatch/", data="{not json",
                        content_type="application/json", HTTP_IF_MATCH=etag(issue))
    assert response.status_code == 400


ACTIONS = ["dispatch", "accept", "return", "note", "request-extension", "decide-extension",
           "answer", "approve-answer", "send-back-answer", "reject", "mark-duplicate", "rate",
           "close", "withdraw", "add-material"]
GARBAGE = [{}, {"x": 1}, {"reason": ["a"]}, {"note": {"a": 1}}, {"days": "3"},
           {"value": 3}, {"decision": None}, {"message": "", "is_public": "yes"},
           {"original": "nonsense"}, {"reply": ""}]


@pytest.mark.parametrize("segment", ACTIONS)
def test_no_body_gives_a_500_on_any_action(api, world, segment):
    issue = accepted(world)
    for user in ("coordinator", "handler", "lead", "entrepreneur"):
        for body in GARBAGE:
            with on(OCT_9, hour=11):
                response = act(api, world.users[user], issue, segment, body)
            assert response.status_code < 500, (user, body, response.content)
