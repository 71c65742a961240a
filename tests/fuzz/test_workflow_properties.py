"""Random sequences of workflow actions by random people keep the issues sound
(issue 15, deliverable 7).

Hypothesis draws each step: an action of ``issues.workflow`` (submit, dispatch, accept,
return, note, extension request and decision, resolve, rate (online, by the SMS link with
this round's or an earlier round's link, by phone on a coordinator's 回访 call), close,
reject, duplicate, the follow-up queue, a follow-up call (回访): reached or not, with a
rating by phone or not), an issue, who acts (the party ``issues.policy`` lets act, or
anyone: a leader, another county's coordinator, another department, another entrepreneur),
the input (good or bad: zero or negative days, blank reasons) and how far the clock moves.
After every step:

* every issue's status is one of ``Issue.Status``;
* at most one rating per issue and round;
* the timeline is append-only: the earlier entries are unchanged, new ids are higher;
* a refused action wrote nothing (no timeline entry, the issue's version unchanged);
* the rollup rows equal a fresh count (``dashboard.rollups``);
* no answer still awaits a rating after the unanswered calls that close it.
"""

from collections import Counter
from datetime import datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from dashboard import rollups
from government.models import Official
from issues import workflow
from issues.follow_up import issues_follow_up
from issues.models import FollowUpCall, Issue, IssueEvent, RatingValue, SatisfactionRating
from issues.rules import workflow_rules
from issues.workflow import RULES, Action, WorkflowError
from tests.factories import DepartmentFactory, EnterpriseFactory, EntrepreneurFactory, UserFactory
from tests.helpers import SHANGHAI
from tests.worlds import official_user, workflow_world

pytestmark = pytest.mark.django_db

S = Issue.Status
R = Official.Role
#: Thursday 24 September 2026: the Mid-Autumn Festival and National Day lie ahead.
START = datetime(2026, 9, 24, 9, 0, tzinfo=SHANGHAI)
#: Mostly a good text; sometimes a blank one (refused) or an odd one (kept as written).
TEXTS = ["已答复。"] * 12 + ["", "   ", "\u202e需要协调", "😀" * 3, "{{ x }}", "x" * 3000]
RATINGS = [*RatingValue.values, RatingValue.DISSATISFIED, RatingValue.DISSATISFIED, "", "great"]


#: The actions the examples took (not refused), over the whole run.
DONE: Counter = Counter()
REFUSED: Counter = Counter()


@pytest.fixture
def world(settings):
    """``tests.worlds.workflow_world`` (a county's lead and assisting departments, their
    handlers and lead, coordinators of the county, the city and another county, an
    entrepreneur) with another county's entrepreneur, another department's handler, a leader
    and an administrator. One round before the review (a new round is a dispatch from it)."""
    settings.ISSUE_MAX_ROUNDS = 1  # a dissatisfied answer goes to the coordinator's review
    settings.ISSUE_RATING_REMINDER_DAYS = 1
    settings.ISSUE_RATING_CLOSE_DAYS = 3
    w = workflow_world()
    city = w.lead_department.region.parent or w.helper_department.region
    w.users.update({
        "stranger": EntrepreneurFactory(
            with_user=True, enterprise=EnterpriseFactory(region=w.other_county)).user,
        "stranger_handler": official_user(R.HANDLER, DepartmentFactory(region=w.county)),
        "leader": official_user(R.LEADER, DepartmentFactory(region=city)),
        "admin": UserFactory(is_superuser=True, is_staff=True),
    })
    w.names = {user.pk: name for name, user in w.users.items()}
    w.departments = [w.lead_department, w.helper_department]
    return w


def proper_actor(w, action: str, issue: Issue):
    """Who ``issues.policy`` lets take ``action`` on ``issue``."""
    if action in ("dispatch", "reject", "duplicate", "close", "decide_extension",
                  "rate_by_phone", "call"):
        return w.users["coordinator"]
    if action in ("rate", "submit"):
        return issue.entrepreneur.user
    if action == "note":
        return w.users["helper"] if issue.lead_department_id != w.lead_department.pk else (
            w.users["handler"])
    if issue.lead_department_id == w.helper_department.pk:
        return w.users["helper"]
    return w.users["handler"]


#: The actions below by their name in ``issues.policy``.
POLICY = {"dispatch": Action.DISPATCH, "accept": Action.ACCEPT, "return": Action.RETURN,
          "note": Action.NOTE, "request_extension": Action.REQUEST_EXTENSION,
          "decide_extension": Action.DECIDE_EXTENSION, "resolve": Action.RESOLVE,
          "rate": Action.RATE, "close": Action.CLOSE, "reject": Action.REJECT,
          "duplicate": Action.MARK_DUPLICATE, "rate_by_phone": Action.RATE_BY_PHONE,
          "call": Action.RECORD_CALL,
          # No one logs in to rate by the link; it rates from the same states as online.
          "rate_by_link": Action.RATE}
#: The actions, and how often each is picked: the issues' way forward more often than the
#: ways out (reject, duplicate), as in ``tests/dashboard/test_dashboard_rollups.py``.
WEIGHTS = {"dispatch": 2, "accept": 5, "resolve": 4, "rate": 6, "request_extension": 2,
           "decide_extension": 4, "close": 3, "note": 1, "return": 1, "submit": 1,
           "follow_up": 1, "reject": 0.5, "duplicate": 0.5, "rate_by_link": 3,
           "rate_by_phone": 3, "call": 3}
ACTIONS = tuple(WEIGHTS)


def act(w, rng, action: str, issue: Issue, actor) -> None:
    """Take ``action``, with input drawn by ``rng``; refusals raise."""
    common = {"actor": actor, "issue": issue, "version": issue.version}
    if action == "dispatch":
        lead = rng.choice(w.departments)
        others = [d for d in w.departments if d != lead]
        helpers = rng.sample(others, rng.randint(0, len(others)))
        workflow.issue_dispatch(**common, lead_department=lead,
                       assisting={d: rng.choice([None, 3, 0, -2])
                                  for d in helpers})
    elif action == "accept":
        workflow.issue_accept(**common)
    elif action == "return":
        workflow.issue_return(**common, reason=rng.choice(TEXTS))
    elif action == "note":
        workflow.issue_add_note(**common, message=rng.choice(TEXTS),
                       is_public=rng.random() < 0.5)
    elif action == "request_extension":
        days = rng.choice([3, 5, 1, 15, 10, 2, 0, -3, 16, 60])
        workflow.issue_request_extension(**common, days=days, reason=rng.choice(TEXTS))
    elif action == "decide_extension":
        workflow.issue_decide_extension(**common, approve=rng.random() < 0.5,
                               note=rng.choice(TEXTS))
    elif action == "resolve":
        workflow.issue_resolve(**common, reply=rng.choice(TEXTS))
    elif action == "rate":
        value = rng.choice(RATINGS)
        reason = rng.choice(["handling", "handling", "beyond_power", "", "x"])
        workflow.issue_rate(**common, value=value, reason=reason)
    elif action == "rate_by_link":
        # The signed link of this round, or of an earlier one (a link kept after a reopening).
        value = rng.choice(RATINGS)
        reason = rng.choice(["handling", "handling", "beyond_power", "", "x"])
        link_round = issue.round if rng.random() < 0.8 else max(issue.round - 1, 1)
        workflow.issue_rate_by_link(issue_id=issue.pk, round=link_round, value=value,
                                    reason=reason, comment=rng.choice(TEXTS))
    elif action == "rate_by_phone":
        value = rng.choice(RATINGS)
        reason = rng.choice(["handling", "handling", "beyond_power", "", "x"])
        workflow.issue_rate_by_phone(**common, value=value, reason=reason,
                                     comment=rng.choice(TEXTS))
    elif action == "close":
        workflow.issue_close(**common, note=rng.choice(TEXTS))
    elif action == "reject":
        workflow.issue_reject(**common, reason=rng.choice(TEXTS))
    elif action == "duplicate":
        original = rng.choice(list(Issue.objects.order_by("pk")))
        workflow.issue_mark_duplicate(**common, original=original)
    elif action == "call":
        call(rng, common, issue)


def call(rng, common: dict, issue: Issue) -> None:
    """A follow-up call (回访): about the answer awaiting a rating (reached: sometimes with
    the rating by phone, good or bad), or about the latest rating (sometimes the wrong
    purpose, or a rating given when none is awaited)."""
    reached = rng.random() < 0.6
    value = rng.choice(RATINGS) if reached and rng.random() < 0.6 else ""
    if rng.random() < 0.05:
        value = rng.choice(RATINGS)  # a rating from a call that did not reach: refused
    reason = rng.choice(["handling", "beyond_power", "", "x"])
    latest = issue.ratings.order_by("-round").first()
    if issue.status == S.RESOLVED and rng.random() < 0.8 or latest is None:
        purpose, about = FollowUpCall.Purpose.AWAITING_RATING, None
    else:
        dissatisfied = latest.value == RatingValue.DISSATISFIED
        if rng.random() < 0.1:
            dissatisfied = not dissatisfied  # the wrong purpose: refused
        purpose = (FollowUpCall.Purpose.DISSATISFIED if dissatisfied
                   else FollowUpCall.Purpose.VERIFICATION)
        about = latest
    workflow.issue_record_call(**common, purpose=purpose, reached=reached, value=value,
                               reason=reason, note=rng.choice(TEXTS), about_rating=about)


def timeline() -> dict:
    return {row["id"]: row for row in IssueEvent.objects.order_by("pk").values()}


def check_invariants(before_events: dict, log: list) -> None:
    where = "\n".join(log)
    statuses = set(Issue.objects.values_list("status", flat=True))
    assert statuses <= set(S.values), f"illegal states {statuses - set(S.values)}\n{where}"
    twice = (SatisfactionRating.objects.values("issue", "round").annotate(n=Count("pk"))
             .filter(n__gt=1))
    assert not twice.exists(), f"two ratings in one round: {list(twice)}\n{where}"
    events = timeline()
    for pk, row in before_events.items():
        assert events.get(pk) == row, f"timeline entry {pk} changed or vanished\n{where}"
    new = [pk for pk in events if pk not in before_events]
    assert all(pk > max(before_events, default=0) for pk in new), f"ids not increasing\n{where}"
    attempts = workflow_rules().call_attempts_before_closing
    unclosed = Issue.objects.filter(status=S.RESOLVED, unreached_calls__gte=attempts)
    assert not unclosed.exists(), f"unanswered calls did not close {list(unclosed)}\n{where}"
    stored, fresh = rollups.stored_counts(), rollups.fresh_counts()
    assert stored == fresh, f"rollups drifted from a fresh count\n{where}"


#: Modest and repeatable: the same 60 sequences on every run (``derandomize``), no example
#: database in the checkout, no deadline (a database step takes what it takes), and no
#: shrinking (minutes on a database; the failure message lists every step instead).
@settings(max_examples=60, deadline=None, derandomize=True, database=None,
          phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rng=st.randoms(use_true_random=True), steps=st.integers(15, 40))
def test_random_workflow_actions_by_random_people_keep_the_issues_sound(world, rng, steps):
    people = sorted(world.users)
    log: list[str] = []
    with transaction.atomic(), time_machine.travel(START, tick=False) as clock:
        for _ in range(2):
            workflow.issue_submit(actor=world.users["entrepreneur"], title="用地指标",
                         description="厂房扩建。", category=world.category)
        for _ in range(steps):
            clock.shift(timedelta(hours=rng.choice([2, 1, 5, 20, 70, 170])))
            # Mostly an open issue (the closed ones only refuse), else any.
            open_ones = list(Issue.objects.filter(status__in=Issue.OPEN_STATUSES + (S.RESOLVED,))
                             .order_by("pk"))
            issue = rng.choice(open_ones if open_ones and rng.random() < 0.75
                               else list(Issue.objects.order_by("pk")))
            # Mostly an action the issue's state allows (so the walks go deep), else any
            #
            allowed = [name for name in ACTIONS if name not in POLICY
                       or issue.status in RULES[POLICY[name]].from_statuses]
            choices = allowed if rng.random() < 0.75 else ACTIONS
            action = rng.choices(choices, weights=[WEIGHTS[name] for name in choices])[0]
            proper = rng.random() < 0.75
            actor = (proper_actor(world, action, issue) if proper
                     else world.users[rng.choice(people)])
            before, version = timeline(), issue.version
            who = world.names.get(actor.pk, actor)
            what = f"{action} {issue.reference} ({issue.status}) by {who}"
            try:
                if action == "submit":
                    workflow.issue_submit(actor=actor, title=rng.choice(TEXTS),
                                          description="说明。", category=world.category)
                elif action == "follow_up":
                    issues_follow_up()
                else:
                    act(world, rng, action, issue, actor)
            except (WorkflowError, ValidationError) as refusal:
                log.append(f"{what}: refused ({refusal})")
                REFUSED[action, str(refusal)[:60]] += 1
                assert timeline() == before, f"a refusal wrote the timeline\n{log}"
                assert Issue.objects.get(pk=issue.pk).version == version, "\n".join(log)
            else:
                log.append(what)
                DONE[action] += 1
            check_invariants(before, log)
        transaction.set_rollback(True)


def test_the_random_sequences_took_every_action():
    """Run after the property test (pytest keeps the file's order): the sequences were not
    all refusals."""
    if not DONE:
        pytest.skip("run with the property test above")
    missing = set(ACTIONS) - set(DONE)
    assert not missing, (f"never done: {sorted(missing)}; done {DONE}; "
                         f"refused {REFUSED.most_common(12)}")


def test_negative_days_for_an_assisting_department_are_refused_as_bad_input(world):
    """Found by the sequences above: a negative number of days for an assisting department
    raised ValueError from the working-day calendar (a 500 for any caller without the form's
    minimum) instead of the ValidationError every bad input gets; nothing is written."""
    with time_machine.travel(START, tick=False):
        issue = workflow.issue_submit(actor=world.users["entrepreneur"], title="用地指标",
                             description="厂房扩建。", category=world.category)
        before = timeline()
        with pytest.raises(ValidationError):
            workflow.issue_dispatch(actor=world.users["coordinator"], issue=issue,
                                    version=issue.version, lead_department=world.lead_department,
                                    assisting={world.helper_department: -2})
    assert timeline() == before
    assert Issue.objects.get(pk=issue.pk).status == S.SUBMITTED
