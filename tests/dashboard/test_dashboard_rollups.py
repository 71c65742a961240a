"""The rollup rows always equal a fresh count of the issues.

The dashboard adds up ``IssueRollup`` and ``AssistRollup`` rows, kept by the domain signals
every issue write path sends (``issues.signals`` → ``dashboard.upkeep``). If they drift
from the issues, every figure the leaders read is wrong until the nightly recount. So:
random sequences of real workflow actions on random days, each followed by the check that
the rows equal a fresh count; the recount itself; saves outside the write paths, which
only the recount sees; corrections announced as a writer would; assistances moved by a
new dispatch; and the recount a calendar correction queues.

The clock starts on Thursday 24 September 2026, before the Mid-Autumn Festival (Friday
the 25th) and the National Day holiday (1 to 7 October), and crosses month ends.
"""

import logging
import random
from collections import Counter
from datetime import date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone
from kombu.exceptions import OperationalError

from core import services as calendar_services
from core.models import CalendarDay
from core.signals import snapshot, working_calendar_changed
from dashboard import rollups
from dashboard.models import AssistRollup, IssueRollup
from dashboard.selectors import department_ranking, public_figures, public_scope
from dashboard.tasks import rebuild_rollups_task
from government.models import Official
from issues.follow_up import issues_follow_up
from issues.models import AssistingDepartment, ExtensionRequest, Issue, RatingValue
from issues.signals import issue_changed
from issues.workflow import (
    WorkflowError,
    issue_accept,
    issue_add_note,
    issue_close,
    issue_decide_extension,
    issue_dispatch,
    issue_mark_duplicate,
    issue_rate,
    issue_reject,
    issue_request_extension,
    issue_resolve,
    issue_return,
    issue_submit,
)
from tests.factories import (
    CategoryFactory,
    CityFactory,
    DepartmentFactory,
    EnterpriseFactory,
    EntrepreneurFactory,
    OfficialFactory,
    RegionFactory,
    UserFactory,
)
from tests.helpers import SHANGHAI, fresh, on

pytestmark = pytest.mark.django_db

S = Issue.Status
R = Official.Role
START = datetime(2026, 9, 24, 9, 0, tzinfo=SHANGHAI)


def in_step() -> None:
    """The rows equal a fresh count."""
    stored, fresh = rollups.stored_counts(), rollups.fresh_counts()
    assert stored[0] == fresh[0], "issue rows drifted"
    assert stored[1] == fresh[1], "assistance rows drifted"


@pytest.fixture
def world(settings):
    """Two counties and the city; departments A (near), B (far), C and D (the city's), a
    handler each; the city's coordinator; an entrepreneur in each county; two categories.
    Two rounds at most; an answer unrated for 3 working days is closed unrated."""
    settings.ISSUE_MAX_ROUNDS = 2
    settings.ISSUE_RATING_REMINDER_DAYS = 1
    settings.ISSUE_RATING_CLOSE_DAYS = 3
    city = CityFactory()
    near, far = RegionFactory(), RegionFactory()
    departments = [DepartmentFactory(region=region, name=name, name_en=name)
                   for region, name in ((near, "A局"), (far, "B局"), (city, "C局"),
                                        (city, "D局"))]
    handlers = {department.pk: OfficialFactory(role=R.HANDLER, department=department).user
                for department in departments}
    coordinator = OfficialFactory(role=R.COORDINATOR,
                                  department=DepartmentFactory(region=city)).user
    people = [EntrepreneurFactory(user=UserFactory(), enterprise=EnterpriseFactory(region=r))
              for r in (near, far)]
    categories = [CategoryFactory(accept_limit_days=1, resolve_limit_days=5),
                  CategoryFactory(accept_limit_days=2, resolve_limit_days=10)]
    a, b, c, d = departments
    return SimpleNamespace(city=city, near=near, far=far, departments=departments,
                           a=a, b=b, c=c, d=d, handlers=handlers, coordinator=coordinator,
                           people=people, categories=categories)


# --- Random walks through the workflow -------------------------------------------------------


class Walk:
    """Random real actions on random days; ``log`` says what was done, for the failure."""

    def __init__(self, world, rng: random.Random):
        self.w, self.rng = world, rng
        self.log: list[str] = []
        self.done: Counter = Counter()

    # Who acts.
    def handler(self, issue):
        return self.w.handlers[issue.lead_department_id]

    def raiser(self, issue):
        return issue.entrepreneur.user

    # The actions, each on an issue in a state that allows it.
    def submit(self, _issue=None):
        person = self.rng.choice(self.w.people)
        issue_submit(actor=person.user, title="用地指标", description="厂房扩建。",
                     category=self.rng.choice(self.w.categories))

    def dispatch(self, issue):
        lead = self.rng.choice(self.w.departments)
        others = [department for department in self.w.departments if department != lead]
        assisting = {department: self.rng.choice([None, 3, 8])
                     for department in self.rng.sample(others, self.rng.randint(0, 2))}
        issue_dispatch(actor=self.w.coordinator, issue=issue, version=issue.version,
                       lead_department=lead, assisting=assisting)

    def accept(self, issue):
        issue_accept(actor=self.handler(issue), issue=issue, version=issue.version)

    def return_(self, issue):
        issue_return(actor=self.handler(issue), issue=issue, version=issue.version,
                     reason="不属于本部门职责。")

    def note(self, issue):
        issue_add_note(actor=self.handler(issue), issue=issue, version=issue.version,
                       message="正在协调。", is_public=self.rng.random() < 0.5)

    def resolve(self, issue):
        issue_resolve(actor=self.handler(issue), issue=issue, version=issue.version,
                      reply="已答复。")

    def rate(self, issue):
        value = self.rng.choice([RatingValue.SATISFIED, RatingValue.BASICALLY_SATISFIED,
                                 RatingValue.DISSATISFIED, RatingValue.DISSATISFIED])
        reason = "handling" if value == RatingValue.DISSATISFIED else ""
        issue_rate(actor=self.raiser(issue), issue=issue, version=issue.version, value=value,
                   reason=reason)
        self.done[f"rated {value}"] += 1

    def follow_up(self, _issue=None):
        issues_follow_up()

    def reject(self, issue):
        issue_reject(actor=self.w.coordinator, issue=issue, version=issue.version,
                     reason="不属于受理范围。")

    def duplicate(self, issue):
        original = self.rng.choice(list(Issue.objects.exclude(pk=issue.pk)))
        issue_mark_duplicate(actor=self.w.coordinator, issue=issue, version=issue.version,
                             original=original)

    def close(self, issue):
        issue_close(actor=self.w.coordinator, issue=issue, version=issue.version,
                    note="已向企业说明。")

    def request_extension(self, issue):
        issue_request_extension(actor=self.handler(issue), issue=issue, version=issue.version,
                                days=self.rng.randint(1, 5), reason="需要协调省级部门。")

    def decide_extension(self, issue):
        approve = self.rng.random() < 0.6
        issue_decide_extension(actor=self.w.coordinator, issue=issue, version=issue.version,
                               approve=approve, note="" if approve else "理由不充分。")

    #: (action, the states it acts on; None: no issue needed), how often it is picked:
    #: the issues' way forward more often than the ways out (reject, duplicate).
    ACTIONS = {
        "submit": (None, 2),
        "dispatch": ((S.SUBMITTED, S.RETURNED, S.DISPATCHED, S.REVIEW), 3),
        "accept": ((S.DISPATCHED,), 5),
        "return_": ((S.DISPATCHED,), 1),
        "note": ((S.ACCEPTED, S.IN_PROGRESS), 1),
        "resolve": ((S.ACCEPTED, S.IN_PROGRESS), 4),
        "rate": ((S.RESOLVED,), 6),
        "follow_up": ((S.RESOLVED,), 1),
        "reject": ((S.SUBMITTED, S.RETURNED, S.DISPATCHED), 0.5),
        "duplicate": ((S.SUBMITTED, S.RETURNED, S.DISPATCHED), 0.5),
        "close": ((S.REVIEW,), 3),
        "request_extension": ((S.ACCEPTED, S.IN_PROGRESS), 2),
        "decide_extension": ("pending", 4),
    }

    def candidates(self, states) -> list[Issue]:
        if states is None:
            return [None]
        if states == "pending":
            return list(Issue.objects.filter(
                extension_requests__status=ExtensionRequest.Status.PENDING,
                status__in=(S.ACCEPTED, S.IN_PROGRESS)).order_by("pk").distinct())
        return list(Issue.objects.filter(status__in=states).order_by("pk"))

    def step(self) -> None:
        choices = [(name, issues, weight) for name, (states, weight) in self.ACTIONS.items()
                   if (issues := self.candidates(states))]
        name, issues, _weight = self.rng.choices(choices,
                                                 weights=[c[2] for c in choices])[0]
        issue = self.rng.choice(issues)
        what = f"{name} {issue.reference if issue else ''} ({issue.status if issue else ''})"
        try:
            getattr(self, name)(issue)
        except (WorkflowError, ValidationError) as refusal:  # e.g. past the return window
            self.log.append(f"{what}: refused ({refusal})")
            self.done["refused"] += 1
        else:
            self.log.append(what)
            self.done[name] += 1
            if name == "dispatch":  # from which state: a new dispatch, a move, a new round
                self.done[f"dispatch from {issue.status}"] += 1


#: Seeds whose walks, between them, take every action, a dispatch from each state (new,
#: returned, moved, a new round after the review) and every rating.
@pytest.mark.parametrize("seed", [3, 14, 18, 25, 27])
def test_random_workflows_keep_the_rows_equal_to_a_fresh_count(world, seed):
    rng = random.Random(seed)
    walk = Walk(world, rng)
    with time_machine.travel(START, tick=False) as clock:
        for _ in range(3):
            walk.submit()
        in_step()
        for number in range(40):
            clock.shift(timedelta(hours=rng.choice([1, 2, 5, 9, 20, 30, 70])))
            walk.step()
            stored, counted = rollups.stored_counts(), rollups.fresh_counts()
            assert stored == counted, (f"after step {number}: {walk.log[-1]}\n"
                                       + "\n".join(walk.log))
        # The walk did a bit of everything, and left figures to read.
        assert len(set(walk.done) - {"refused"}) >= 8, walk.done
        assert sum(measures[0] for measures in rollups.stored_counts()[0].values()) == (
            Issue.objects.count())
        before = rollups.stored_counts()
        rollups.rebuild()
        assert rollups.stored_counts() == before


# --- The recount ------------------------------------------------------------------------------


def dispatched(w, *, person=0, category=0, lead=None, assisting=(), day=date(2026, 9, 30)):
    person = w.people[person]
    with on(day, 9):
        issue = issue_submit(actor=person.user, title="用地指标", description="厂房扩建。",
                             category=w.categories[category])
        return issue_dispatch(actor=w.coordinator, issue=issue, version=issue.version,
                              lead_department=lead or w.a,
                              assisting=dict.fromkeys(assisting))


def answered(w, issue, *, accepted=date(2026, 10, 8), resolved=date(2026, 10, 9)):
    with on(accepted, 11):
        issue = issue_accept(actor=w.handlers[issue.lead_department_id], issue=fresh(issue),
                             version=fresh(issue).version)
    with on(resolved, 15):
        return issue_resolve(actor=w.handlers[issue.lead_department_id], issue=fresh(issue),
                             version=fresh(issue).version, reply="已答复。")


def test_the_recount_equals_what_the_saves_kept(world):
    first = answered(world, dispatched(world, assisting=[world.c, world.d]))
    with on(date(2026, 10, 9), 16):
        issue_rate(actor=world.people[0].user, issue=fresh(first), version=fresh(first).version,
                   value=RatingValue.SATISFIED)
    dispatched(world, person=1, lead=world.b, assisting=[world.c])
    with on(date(2026, 9, 30)):
        issue_submit(actor=world.people[1].user, title="融资", description="贷款。",
                     category=world.categories[1])
    kept = rollups.stored_counts()
    # The row of the first issue, counted by hand: collected, valid, open, dispatched,
    # responded (accepted on 8 October, the accept-by day), resolved, on time (due
    # 13 October), 2 working days (8 and 9 October), rated, satisfied; rated and satisfied
    # online, none by link or phone; no 回访 call.
    september = date(2026, 9, 1)
    key = (september, world.near.pk, world.categories[0].pk, world.a.pk)
    assert kept[0][key] == (1, 1, 0, 1, 1, 1, 1, 2, 1, 1, 1, 1, 0, 0, 0, 0, 0)
    assert kept[1] == Counter({(september, world.near.pk, world.categories[0].pk, world.c.pk): 1,
                               (september, world.near.pk, world.categories[0].pk, world.d.pk): 1,
                               (september, world.far.pk, world.categories[0].pk, world.c.pk): 1})
    assert (september, world.far.pk, world.categories[1].pk, 0) in kept[0]  # not dispatched

    assert rollups.rebuild() == 3
    assert rollups.stored_counts() == kept
    # Rows gone wrong (a bulk write, a restored backup) are put right.
    IssueRollup.objects.update(collected=99, satisfied=0)
    AssistRollup.objects.all().delete()
    IssueRollup.objects.create(month=date(2020, 1, 1), region_id=1, category_id=1,
                               department_id=1, collected=5)
    rollups.rebuild()
    assert rollups.stored_counts() == kept
    in_step()


def test_a_save_outside_the_write_paths_waits_for_the_recount(world):
    """Only the write paths announce their changes: a bare save (a data repair in a shell)
    is not counted until the recount, which puts the rows right."""
    issue = answered(world, dispatched(world))
    dispatched(world)  # another issue in the same row
    partial = Issue.objects.only("id", "latest_rating").get(pk=issue.pk)
    partial.latest_rating = RatingValue.DISSATISFIED
    partial.save(update_fields=["latest_rating"])
    stored, fresh_rows = rollups.stored_counts(), rollups.fresh_counts()
    assert stored[0] != fresh_rows[0]
    rollups.rebuild()
    in_step()
    with on(date(2026, 10, 12)):
        figures = public_figures().issues
    assert (figures.collected, figures.rated, figures.satisfied) == (2, 1, 0)


def correct(issue: Issue, **changes) -> None:
    """A data correction made as a writer must make it: the row as loaded, the change, the
    save, and the domain signal with what the row held before."""
    loaded = fresh(issue)
    before = snapshot(loaded)
    for field, value in changes.items():
        setattr(loaded, field, value)
    loaded.save(update_fields=list(changes))
    issue_changed.send(sender=Issue, issue=loaded, before=before)


def test_a_new_lead_department_moves_the_issue_to_its_row(world):
    issue = dispatched(world, lead=world.a, assisting=[world.c])
    correct(issue, lead_department=world.b)
    # One issue, led by B: A's row must not count it any more.
    assert ranking_rows(world) == {"A局": (0, 0), "B局": (1, 0), "C局": (0, 1), "D局": (0, 0)}
    in_step()


def test_correcting_an_issues_category_moves_its_rows_and_its_assistances(world):
    """A data correction (the category was mistaken): the issue's row and its assisting
    departments' rows move to the right category."""
    issue = answered(world, dispatched(world, category=0, assisting=[world.c, world.d]))
    correct(issue, category=world.categories[1])
    in_step()
    september = date(2026, 9, 1)
    stored = rollups.stored_counts()
    assert {key[2] for key in stored[0]} == {world.categories[1].pk}
    assert stored[1] == Counter({(september, world.near.pk, world.categories[1].pk,
                                  world.c.pk): 1,
                                 (september, world.near.pk, world.categories[1].pk,
                                  world.d.pk): 1})


def test_a_change_that_touches_no_figure_moves_no_row(world):
    issue = answered(world, dispatched(world, assisting=[world.c]))
    kept = rollups.stored_counts()
    correct(issue, title="用地指标（更正）")
    assert rollups.stored_counts() == kept
    in_step()


def ranking_rows(w):
    with on(date(2026, 10, 1)):
        return {row.name: (row.led, row.assisted) for row in department_ranking(
            public_scope(), departments=w.departments, sort="name")}


def test_dispatching_again_moves_the_assisted_counts(world):
    issue = dispatched(world, lead=world.a, assisting=[world.c, world.d])
    assert ranking_rows(world) == {"A局": (1, 0), "B局": (0, 0), "C局": (0, 1), "D局": (0, 1)}
    # Before it is accepted, the coordinator sends it to B, with D alone assisting.
    with on(date(2026, 9, 30), 14):
        issue_dispatch(actor=world.coordinator, issue=fresh(issue), version=fresh(issue).version,
                       lead_department=world.b, assisting={world.d: 5})
    assert ranking_rows(world) == {"A局": (0, 0), "B局": (1, 0), "C局": (0, 0), "D局": (0, 1)}
    assert list(AssistingDepartment.objects.filter(issue=issue).values_list(
        "department_id", flat=True)) == [world.d.pk]
    in_step()
    # And again, with nobody assisting: C's and D's rows are back at zero.
    with on(date(2026, 9, 30), 15):
        issue_dispatch(actor=world.coordinator, issue=fresh(issue), version=fresh(issue).version,
                       lead_department=world.c)
    assert ranking_rows(world) == {"A局": (0, 0), "B局": (0, 0), "C局": (1, 0), "D局": (0, 0)}
    in_step()


def test_dispatching_from_review_keeps_the_assistances_and_the_rows_true(world, settings):
    settings.ISSUE_MAX_ROUNDS = 1
    issue = answered(world, dispatched(world, assisting=[world.c]))
    with on(date(2026, 10, 9), 16):
        issue_rate(actor=world.people[0].user, issue=fresh(issue), version=fresh(issue).version,
                   value=RatingValue.DISSATISFIED, reason="handling")
    assert fresh(issue).status == S.REVIEW
    in_step()
    with on(date(2026, 10, 12)):
        issue_dispatch(actor=world.coordinator, issue=fresh(issue), version=fresh(issue).version,
                       lead_department=world.b, assisting={world.d: None})
    assert ranking_rows(world) == {"A局": (0, 0), "B局": (1, 0), "C局": (0, 0), "D局": (0, 1)}
    in_step()


# --- The working-day calendar -------------------------------------------------------------------


@pytest.fixture
def queued(monkeypatch):
    """Every recount queued during the test (the worker does not run it by itself)."""
    calls = []
    monkeypatch.setattr(rebuild_rollups_task, "delay", lambda *args, **kwargs: calls.append(
        (args, kwargs)))
    return calls


def test_a_calendar_change_queues_the_recount(queued):
    working_calendar_changed.send(sender=CalendarDay, days=[date(2026, 10, 9)])
    assert queued == [((), {})]
    assert rebuild_rollups_task.name == "dashboard.rebuild_rollups"


def test_a_calendar_correction_moves_the_working_days_to_resolve_once_the_recount_runs(
        world, queued, django_capture_on_commit_callbacks):
    answered(world, dispatched(world))  # 30 September to 9 October: 8 and 9 October
    with on(date(2026, 10, 12)):
        assert public_figures().issues.average_days == Decimal("2.0")
    with django_capture_on_commit_callbacks(execute=True):
        calendar_services.calendar_day_set(actor=world.coordinator, day=date(2026, 10, 8),
                                           is_working_day=False, note="临时调整")
    assert queued == [((), {})]
    # Until the worker runs it, the rows hold the old count.
    assert rollups.stored_counts() != rollups.fresh_counts()
    rebuild_rollups_task.run()
    in_step()
    with on(date(2026, 10, 12)):
        assert public_figures().issues.average_days == Decimal("1.0")


def test_with_the_broker_down_the_calendar_change_still_goes_through(monkeypatch, caplog):
    def broker_down(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(rebuild_rollups_task, "delay", broker_down)
    with caplog.at_level(logging.WARNING, logger="dashboard.tasks"):
        working_calendar_changed.send(sender=CalendarDay, days=[date(2026, 10, 9)])
    assert "nightly run" in caplog.text


@pytest.mark.parametrize("status", [Issue.Status.RETURNED, Issue.Status.REJECTED,
                                    Issue.Status.DUPLICATE])
def test_an_issue_returned_or_found_invalid_counts_for_no_department(status):
    """A department that rightly returns a misrouted issue is not marked down for not
    accepting it, and an issue rejected after a return leaves its ranking."""
    submitted = timezone.make_aware(datetime(2026, 9, 7, 10))
    values = (1, 2, 3, submitted, status, submitted, None, date(2026, 9, 8), None, None, "",
              "", None)
    found = rollups.contribution(values)
    assert found.key[3] == 0
    assert dict(zip(rollups.MEASURES, found.measures, strict=True))["dispatched"] == 0
