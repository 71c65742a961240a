"""The issue write paths send the domain signals (``issues.signals``) with a correct
``before``: each change's ``before`` is what the row held after the previous one (``None``
when created), the last one's values are what the row holds, and every assistance created
or deleted is announced once."""

from contextlib import contextmanager
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine

from core.signals import snapshot
from government.models import Official
from issues.follow_up import issues_follow_up
from issues.models import AssistingDepartment, Issue, RatingValue, SatisfactionRating
from issues.signals import assistance_changed, issue_changed
from issues.workflow import (
    WrongState,
    issue_accept,
    issue_close_unrated,
    issue_dispatch,
    issue_rate,
    issue_resolve,
    issue_submit,
)
from tests.factories import (
    CategoryFactory,
    DepartmentFactory,
    EnterpriseFactory,
    EntrepreneurFactory,
    IssueFactory,
    OfficialFactory,
    RegionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
R = Official.Role


@contextmanager
def on(day: date, hour: int = 10):
    with time_machine.travel(datetime.combine(day, time(hour), SHANGHAI), tick=False):
        yield


@pytest.fixture
def sent():
    """Every issue_changed (before, values after) and assistance_changed (pair, added)."""
    changes, assistances = [], []

    def on_issue(sender, issue, before, **kwargs):
        assert sender is Issue
        changes.append((issue.pk, before, snapshot(issue)))

    def on_assistance(sender, assistance, added, **kwargs):
        assert sender is AssistingDepartment
        assistances.append((assistance.issue_id, assistance.department_id, added))

    issue_changed.connect(on_issue, dispatch_uid="test.issue_changed")
    assistance_changed.connect(on_assistance, dispatch_uid="test.assistance_changed")
    yield changes, assistances
    issue_changed.disconnect(dispatch_uid="test.issue_changed")
    assistance_changed.disconnect(dispatch_uid="test.assistance_changed")


def test_every_write_sends_a_correct_before(settings, sent):
    settings.ISSUE_MAX_ROUNDS = 3
    settings.ISSUE_RATING_REMINDER_DAYS = 1
    settings.ISSUE_RATING_CLOSE_DAYS = 3
    changes, assistances = sent
    region = RegionFactory()
    lead, helper, other = (DepartmentFactory(region=region) for _ in range(3))
    handler = OfficialFactory(role=R.HANDLER, department=lead).user
    coordinator = OfficialFactory(role=R.COORDINATOR,
                                  department=DepartmentFactory(region=region)).user
    person = EntrepreneurFactory(user=UserFactory(), enterprise=EnterpriseFactory(region=region))
    category = CategoryFactory(accept_limit_days=1, resolve_limit_days=5)

    with on(date(2026, 1, 12)):
        issue = issue_submit(actor=person.user, title="用地指标", description="厂房扩建。",
                             category=category)
        issue = issue_dispatch(actor=coordinator, issue=issue, version=issue.version,
                               lead_department=lead, assisting={helper: None})
        issue = issue_accept(actor=handler, issue=issue, version=issue.version)
        issue = issue_resolve(actor=handler, issue=issue, version=issue.version, reply="好的")
        # Rated dissatisfied: the rating and the new round, two saves in one transaction.
        issue_rate(actor=person.user, issue=issue, version=issue.version,
                   value=RatingValue.DISSATISFIED, reason=SatisfactionRating.Reason.values[0])
        issue = Issue.objects.get(pk=issue.pk)
        assert issue.round == 2
        issue = issue_dispatch(actor=coordinator, issue=issue, version=issue.version,
                               lead_department=lead, assisting={other: 3})
        issue = issue_accept(actor=handler, issue=issue, version=issue.version)
        issue = issue_resolve(actor=handler, issue=issue, version=issue.version, reply="好的")
    with on(date(2026, 1, 13)):
        issues_follow_up()  # the reminder to rate
    with on(date(2026, 1, 20)):
        issues_follow_up()  # closed unrated
    assert Issue.objects.get(pk=issue.pk).status == Issue.Status.CLOSED_UNRATED

    mine = [(before, after) for pk, before, after in changes if pk == issue.pk]
    assert mine[0][0] is None
    for (_, previous), (before, _) in zip(mine, mine[1:], strict=False):
        assert before == previous
    assert mine[-1][1] == snapshot(Issue.objects.get(pk=issue.pk))
    assert len(mine) >= 10
    assert assistances == [(issue.pk, helper.pk, True), (issue.pk, helper.pk, False),
                           (issue.pk, other.pk, True)]


def test_closing_unrated_refuses_an_issue_no_longer_waiting_for_a_rating():
    issue = IssueFactory()  # submitted
    with pytest.raises(WrongState):
        issue_close_unrated(issue=issue)
    assert Issue.objects.get(pk=issue.pk).status == Issue.Status.SUBMITTED
