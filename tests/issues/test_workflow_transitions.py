"""Every workflow action, from every state, by every kind of person: allowed or refused.

The table below is the specification written out by hand (it is deliberately not read from
``issues.workflow.RULES``, so that a wrong rule there fails here). Each (action, state,
actor) is one test: an issue is put in the state, the actor calls the action with valid
input and the current version, and

* an allowed call changes the status as expected, bumps the version and adds to the
  timeline;
* a refused call raises ``ActionNotAllowed`` (the actor has no part that allows it) or
  ``WrongState`` (the right person, the wrong moment) and changes nothing: not the issue,
  not its timeline, not the outbox;
* ``available_actions`` offers the action exactly when it is allowed.

The people and departments are built once for the module (inside a transaction rolled back
at its end); each test builds only its issue, inside its own rolled-back transaction.
"""

import itertools
from dataclasses import dataclass
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone

from core.workdays import work_calendar
from entrepreneurs.models import Entrepreneur
from government.models import Department, Official
from issues import workflow
from issues.models import (
    Answer,
    AssistingDepartment,
    ExtensionRequest,
    FollowUpCall,
    Issue,
    IssueEvent,
    RatingValue,
    SatisfactionRating,
)
from notifications.models import Notification
from tests.factories import (
    CategoryFactory,
    CityFactory,
    DepartmentFactory,
    EnterpriseFactory,
    EntrepreneurFactory,
    IssueFactory,
    OfficialFactory,
    RegionFactory,
    UserFactory,
    credit_code,
)

pytestmark = pytest.mark.django_db

# --- The specification --------------------------------------------------------------------

STATES = ("submitted", "dispatched", "returned", "accepted", "in_progress", "resolved",
          "review", "closed", "closed_unrated", "rejected", "duplicate", "withdrawn")

ACTORS = ("raiser", "colleague", "outsider_entrepreneur", "lead_handler",
          "lead_department_lead", "assisting_handler", "other_handler", "county_coordinator",
          "city_coordinator", "other_county_coordinator", "leader", "admin",
          "deactivated_lead_handler")

COORDINATORS = ("county_coordinator", "city_coordinator", "admin")
LEAD_DEPARTMENT = ("lead_handler", "lead_department_lead")


@dataclass(frozen=True)
class Allowed:
    actors: tuple[str, ...]
    states: tuple[str, ...]


#: Who may do what, from which states. Everything else is refused.
ALLOWED: dict[str, Allowed] = {
    "dispatch": Allowed(COORDINATORS, ("submitted", "returned", "dispatched", "review")),
    "accept": Allowed(LEAD_DEPARTMENT, ("dispatched",)),
    "return": Allowed(LEAD_DEPARTMENT, ("dispatched",)),
    "note": Allowed((*LEAD_DEPARTMENT, "assisting_handler", *COORDINATORS),
                    ("accepted", "in_progress")),
    "request_extension": Allowed(LEAD_DEPARTMENT, ("accepted", "in_progress")),
    "decide_extension": Allowed(COORDINATORS, ("accepted", "in_progress")),
    "resolve": Allowed(LEAD_DEPARTMENT, ("accepted", "in_progress")),
    "reject": Allowed(COORDINATORS, ("submitted", "returned", "dispatched")),
    "mark_duplicate": Allowed(COORDINATORS, ("submitted", "returned", "dispatched")),
    "rate": Allowed(("raiser",), ("resolved",)),
    "rate_by_phone": Allowed(COORDINATORS, ("resolved",)),
    "record_call": Allowed(COORDINATORS, ("resolved", "closed", "review", "dispatched",
                                          "returned", "accepted", "in_progress")),
    "close": Allowed(COORDINATORS, ("review",)),
    # Only while an answer waits for sign-off (every issue of these cases has one waiting).
    "approve_answer": Allowed(("lead_department_lead",), ("accepted", "in_progress")),
    "send_back_answer": Allowed(("lead_department_lead",), ("accepted", "in_progress")),
    # The raiser, or a coordinator on their behalf: withdraw (撤回) before dispatch, add
    # material (补充材料) until the issue is finished. Not a colleague of the same company.
    "withdraw": Allowed(("raiser", *COORDINATORS), ("submitted",)),
    "add_material": Allowed(("raiser", *COORDINATORS),
                            ("submitted", "dispatched", "returned", "accepted", "in_progress",
                             "resolved", "review")),
}


def expected_status(action: str, state: str, actor: str) -> str:
    """The status after an allowed call."""
    if action == "note":
        return "in_progress" if actor in LEAD_DEPARTMENT and state == "accepted" else state
    if action == "record_call":
        # While the answer awaits a rating the call takes it (satisfied: closed); after a
        # rating it follows it up and changes no state.
        return "closed" if state == "resolved" else state
    return {
        "dispatch": "dispatched", "accept": "accepted", "return": "returned",
        "request_extension": state, "decide_extension": state, "resolve": "resolved",
        "reject": "rejected", "mark_duplicate": "duplicate", "rate": "closed",
        "rate_by_phone": "closed", "close": "closed", "approve_answer": "resolved",
        "send_back_answer": state, "withdraw": "withdrawn", "add_material": state,
    }[action]


def is_allowed(action: str, state: str, actor: str) -> bool:
    rule = ALLOWED[action]
    return actor in rule.actors and state in rule.states


def test_the_table_covers_every_action_state_and_actor():
    assert set(ALLOWED) == {action.value for action in workflow.Action}
    assert set(STATES) == set(Issue.Status.values)
    for rule in ALLOWED.values():
        assert set(rule.states) <= set(STATES)
        assert set(rule.actors) <= set(ACTORS)
        assert rule.states and rule.actors


# --- The world -----------------------------------------------------------------------------


@dataclass
class World:
    users: dict
    lead: Department
    assisting: Department
    category: object
    enterprise: object
    raiser: Entrepreneur
    original: Issue
    #: Today, and the due dates of an issue dispatched today (15 working days to answer;
    #: 18 with the 3 more days every request for more time in this module asks for).
    today: date
    accept_due_on: date
    due_on: date
    extended_due_on: date


FAST_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"


def _official(department, role, **user_fields) -> Official:
    return OfficialFactory(department=department, role=role,
                           user=UserFactory(**user_fields))


def _build_world() -> World:
    city = CityFactory()
    county = RegionFactory(code="wf-county", name="吴兴区", name_en="Wuxing")
    other_county = RegionFactory(code="wf-other", name="安吉县", name_en="Anji")
    lead = DepartmentFactory(region=county, code="wf-lead", name="吴兴区经信局")
    assisting = DepartmentFactory(region=city, code="wf-assist", name="市自然资源局")
    other = DepartmentFactory(region=county, code="wf-other-dept", name="吴兴区市场监管局")
    county_office = DepartmentFactory(region=county, code="wf-county-tzb", name="吴兴区统战部")
    city_office = DepartmentFactory(region=city, code="wf-city-tzb", name="市委统战部")
    other_office = DepartmentFactory(region=other_county, code="wf-anji-tzb", name="安吉统战部")
    category = CategoryFactory(default_department=lead, accept_limit_days=1,
                               resolve_limit_days=15)
    enterprise = EnterpriseFactory(region=county, credit_code=credit_code(990_000_101))
    outsider_enterprise = EnterpriseFactory(region=county, credit_code=credit_code(990_000_102))

    def person(enterprise):
        return EntrepreneurFactory(enterprise=enterprise, user=UserFactory(),
                                   verification=Entrepreneur.Verification.VERIFIED)

    raiser = person(enterprise)
    users = {
        "raiser": raiser.user,
        "colleague": person(enterprise).user,
        "outsider_entrepreneur": person(outsider_enterprise).user,
        "lead_handler": _official(lead, Official.Role.HANDLER).user,
        "lead_department_lead": _official(lead, Official.Role.DEPARTMENT_LEAD).user,
        "assisting_handler": _official(assisting, Official.Role.HANDLER).user,
        "other_handler": _official(other, Official.Role.HANDLER).user,
        "county_coordinator": _official(county_office, Official.Role.COORDINATOR).user,
        "city_coordinator": _official(city_office, Official.Role.COORDINATOR).user,
        "other_county_coordinator": _official(other_office, Official.Role.COORDINATOR).user,
        "leader": _official(city_office, Official.Role.LEADER).user,
        "admin": get_user_model().objects.create_superuser("wf-root", "root@example.com",
                                                           None),
        "deactivated_lead_handler": _official(lead, Official.Role.HANDLER,
                                              is_active=False).user,
    }
    assert set(users) == set(ACTORS)
    # The issue a duplicate points to: the same enterprise's, being handled by the lead.
    original = IssueFactory(reference="HZ-2099-900000", category=category,
                            enterprise=enterprise, entrepreneur=raiser, lead_department=lead,
                            status=Issue.Status.DISPATCHED)
    today = timezone.localdate()
    calendar = work_calendar()
    return World(users=users, lead=lead, assisting=assisting, category=category,
                 enterprise=enterprise, raiser=raiser, original=original, today=today,
                 accept_due_on=calendar.add_working_days(today, 1),
                 due_on=calendar.add_working_days(today, 15),
                 extended_due_on=calendar.add_working_days(today, 18))


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once; every test runs in a savepoint inside this transaction, rolled back last."""
    with django_db_blocker.unblock(), transaction.atomic():
        with override_settings(PASSWORD_HASHERS=[FAST_HASHER]):
            built = _build_world()
        yield built
        transaction.set_rollback(True)


_references = itertools.count(1)


def build_issue(world: World, *, state: str, action: str) -> Issue:
    """An issue in ``state``, as the workflow would have left it, at version 1."""
    now = timezone.now()
    fields = {
        "status": state, "version": 1, "round": 1, "lead_department": world.lead,
        "round_started_on": world.today, "accept_limit_days": 1, "resolve_limit_days": 15,
        "accept_due_on": world.accept_due_on, "due_on": world.due_on, "dispatched_at": now,
    }
    if state in ("accepted", "in_progress", "resolved", "review", "closed", "closed_unrated"):
        fields["accepted_at"] = now
    if state in ("resolved", "review", "closed", "closed_unrated"):
        fields["resolved_at"] = now
    if state in ("closed", "closed_unrated", "rejected", "duplicate", "withdrawn"):
        fields["closed_at"] = now
    if state == "closed":
        fields["latest_rating"] = RatingValue.SATISFIED
    if state == "review":
        fields["latest_rating"] = RatingValue.DISSATISFIED
    if state == "rejected":
        fields["rejection_reason"] = "不属于政企恳谈受理范围。"
    if state == "duplicate":
        fields["duplicate_of"] = world.original
    issue = Issue.objects.create(
        reference=f"HZ-2099-{next(_references):06d}", title="用地指标问题",
        description="企业扩建需要新增用地指标。", category=world.category,
        enterprise=world.enterprise, entrepreneur=world.raiser,
        region_id=world.enterprise.region_id, **fields,
    )
    AssistingDepartment.objects.create(issue=issue, department=world.assisting,
                                       resolve_limit_days=15, due_on=world.due_on)
    if action == "record_call" and state in ALLOWED["record_call"].states and state != "resolved":
        # The rating the call follows up: a satisfied one verified after closing, a
        # dissatisfied one otherwise (under review, or in the departments' new round).
        value = RatingValue.SATISFIED if state == "closed" else RatingValue.DISSATISFIED
        SatisfactionRating.objects.create(
            issue=issue, round=1, value=value, verify_by_call=True,
            reason="" if value == RatingValue.SATISFIED else SatisfactionRating.Reason.HANDLING)
    if action == "decide_extension" and state in ("accepted", "in_progress"):
        ExtensionRequest.objects.create(issue=issue, round=1, days=3, reason="需要现场踏勘。",
                                        requested_by=world.users["lead_handler"])
    if action in ("approve_answer", "send_back_answer"):
        # A handler's answer waiting for the lead's sign-off, whatever the state (outside
        # accepted and in progress it cannot happen, and the state refuses first).
        Answer.objects.create(issue=issue, round=1, reply="已协调解决用地指标。",
                              written_by=world.users["lead_handler"])
    return issue


# --- Calling each action with valid input --------------------------------------------------


def call(action: str, world: World, user, issue: Issue):
    version = issue.version
    if action == "dispatch":
        return workflow.issue_dispatch(actor=user, issue=issue, version=version,
                                       lead_department=world.lead,
                                       assisting={world.assisting: None}, note="请尽快办理。")
    if action == "accept":
        return workflow.issue_accept(actor=user, issue=issue, version=version)
    if action == "return":
        return workflow.issue_return(actor=user, issue=issue, version=version,
                                     reason="不属于本部门职责。")
    if action == "note":
        return workflow.issue_add_note(actor=user, issue=issue, version=version,
                                       message="已联系企业了解情况。", is_public=True)
    if action == "request_extension":
        return workflow.issue_request_extension(actor=user, issue=issue, version=version,
                                                days=3, reason="需要协调上级部门。")
    if action == "decide_extension":
        return workflow.issue_decide_extension(actor=user, issue=issue, version=version,
                                               approve=True)
    if action == "resolve":
        return workflow.issue_resolve(actor=user, issue=issue, version=version,
                                      reply="已协调解决用地指标。")
    if action == "reject":
        return workflow.issue_reject(actor=user, issue=issue, version=version,
                                     reason="属于司法程序，不在受理范围。")
    if action == "mark_duplicate":
        return workflow.issue_mark_duplicate(actor=user, issue=issue, version=version,
                                             original=world.original)
    if action == "rate":
        return workflow.issue_rate(actor=user, issue=issue, version=version,
                                   value=RatingValue.SATISFIED, comment="很满意。")
    if action == "rate_by_phone":
        return workflow.issue_rate_by_phone(actor=user, issue=issue, version=version,
                                            value=RatingValue.SATISFIED, comment="电话回访：满意。")
    if action == "record_call":
        if issue.status == Issue.Status.RESOLVED:
            return workflow.issue_record_call(
                actor=user, issue=issue, version=version,
                purpose=FollowUpCall.Purpose.AWAITING_RATING, reached=True,
                value=RatingValue.SATISFIED, comment="电话回访：满意。")
        rating = issue.ratings.first()
        purpose = (FollowUpCall.Purpose.VERIFICATION if issue.status == Issue.Status.CLOSED
                   else FollowUpCall.Purpose.DISSATISFIED)
        return workflow.issue_record_call(actor=user, issue=issue, version=version,
                                          purpose=purpose, reached=True, about_rating=rating,
                                          note="已电话回访，企业表示理解。")
    if action == "close":
        return workflow.issue_close(actor=user, issue=issue, version=version,
                                    note="已尽力协调，予以办结。")
    if action == "approve_answer":
        return workflow.issue_approve_answer(actor=user, issue=issue, version=version,
                                             note="同意签发。")
    if action == "send_back_answer":
        return workflow.issue_send_back_answer(actor=user, issue=issue, version=version,
                                               note="请补充政策依据。")
    if action == "withdraw":
        return workflow.issue_withdraw(actor=user, issue=issue, version=version,
                                       reason="问题已自行解决。")
    if action == "add_material":
        return workflow.issue_add_material(actor=user, issue=issue, version=version,
                                           note="补充：土地证复印件已寄出。")
    raise AssertionError(f"no call for {action}")


def _snapshot_sql() -> str:
    def table(model) -> str:
        return connection.ops.quote_name(model._meta.db_table)

    issues, events, requests, ratings, notifications, answers = (
        table(Issue), table(IssueEvent), table(ExtensionRequest), table(SatisfactionRating),
        table(Notification), table(Answer))
    return f"""
        SELECT i.status, i.version, i.round, i.due_on, i.lead_department_id,
               i.duplicate_of_id, i.latest_rating,
               (SELECT COUNT(*) FROM {events} e WHERE e.issue_id = i.id),
               (SELECT COUNT(*) FROM {notifications}),
               (SELECT COUNT(*) FROM {requests} x WHERE x.issue_id = i.id),
               (SELECT COUNT(*) FROM {requests} x WHERE x.issue_id = i.id
                                                    AND x.status = 'pending'),
               (SELECT COUNT(*) FROM {requests} x WHERE x.issue_id = i.id
                                                    AND x.status = 'approved'),
               (SELECT COUNT(*) FROM {ratings} r WHERE r.issue_id = i.id),
               (SELECT COUNT(*) FROM {answers} a WHERE a.issue_id = i.id
                                                   AND a.status = 'pending')
        FROM {issues} i WHERE i.id = %s
    """


SNAPSHOT_COLUMNS = ("status", "version", "round", "due_on", "lead_department_id",
                    "duplicate_of_id", "latest_rating", "events", "notifications", "requests",
                    "pending", "approved", "ratings", "pending_answers")


def snapshot(issue: Issue) -> dict:
    """Everything a refused call must leave alone: the issue's row, its timeline, its
    requests for more time, ratings and answers waiting for sign-off, and the whole outbox.
    One plain query, because it runs twice in each of the 2,652 cases."""
    with connection.cursor() as cursor:
        cursor.execute(_snapshot_sql(), [issue.pk])
        return dict(zip(SNAPSHOT_COLUMNS, cursor.fetchone(), strict=True))


CASES = [
    pytest.param(action, state, actor, id=f"{action}-{state}-{actor}")
    for action in ALLOWED for state in STATES for actor in ACTORS
]


@pytest.mark.parametrize(("action", "state", "actor"), CASES)
def test_transition(world, action, state, actor):
    issue = build_issue(world, state=state, action=action)
    user = world.users[actor]
    allowed = is_allowed(action, state, actor)

    offered = workflow.available_actions(user=user, issue=issue)
    assert (action in offered) is allowed

    before = snapshot(issue)
    if allowed:
        call(action, world, user, issue)
        after = snapshot(issue)
        row = Issue.objects.get(pk=issue.pk)
        assert after["status"] == expected_status(action, state, actor)
        assert after["version"] == before["version"] + 1
        assert after["events"] >= before["events"] + 1
        if action == "request_extension":
            assert (after["requests"], after["pending"]) == (1, 1)
            assert row.due_on == world.due_on
        if action == "decide_extension":
            assert (after["requests"], after["pending"], after["approved"]) == (1, 0, 1)
            assert row.due_on == world.extended_due_on > world.due_on
        if action == "dispatch":
            assert after["round"] == before["round"] + (1 if state == "review" else 0)
            assert row.due_on == world.due_on
        if action == "record_call" and state == "resolved":
            assert after["ratings"] == before["ratings"] + 1
            assert row.latest_rating_channel == "phone"
        if action in ("rate", "rate_by_phone"):
            assert after["ratings"] == before["ratings"] + 1
            assert after["latest_rating"] == RatingValue.SATISFIED
        if action == "mark_duplicate":
            assert after["duplicate_of_id"] == world.original.pk
        if action in ("approve_answer", "send_back_answer"):
            assert (before["pending_answers"], after["pending_answers"]) == (1, 0)
        if action == "add_material":  # no clock moves
            assert (row.due_on, row.round) == (world.due_on, 1)
        return

    expected_error = (workflow.WrongState if actor in ALLOWED[action].actors
                      else workflow.ActionNotAllowed)
    with pytest.raises(workflow.WorkflowError) as refused:
        call(action, world, user, issue)
    assert type(refused.value) is expected_error, refused.value.message
    assert snapshot(issue) == before


def test_every_case_is_listed_once():
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids)) == len(ALLOWED) * len(STATES) * len(ACTORS) == 2652
    allowed = sum(is_allowed(*case.values) for case in CASES)
    # dispatch 3×4, accept 2, return 2, note 6×2, request 2×2, decide 3×2, resolve 2×2,
    # reject 3×3, duplicate 3×3, rate 1, rate by phone 3, record a call 3×7, close 3,
    # approve and send back an answer 1×2 each, withdraw 4×1, add material 4×7.
    assert allowed == 12 + 2 + 2 + 12 + 4 + 6 + 4 + 9 + 9 + 1 + 3 + 21 + 3 + 2 + 2 + 4 + 28


def test_a_deactivated_account_is_not_offered_anything(world):
    issue = build_issue(world, state="dispatched", action="accept")
    user = world.users["deactivated_lead_handler"]
    assert workflow.available_actions(user=user, issue=issue) == frozenset()
    # Its colleague, still active, may accept or return the same issue.
    assert workflow.available_actions(user=world.users["lead_handler"], issue=issue) == {
        workflow.Action.ACCEPT, workflow.Action.RETURN}

