"""Driving the issue workflow on chosen days (time_machine), and reading what it left: the
steps the workflow tests take, the 2026 dates they take them on, and who was told."""

from datetime import date

from government.models import Official
from issues.models import (
    ExtensionRequest,
    Issue,
    IssueEvent,
    RatingValue,
    SatisfactionRating,
)
from issues.workflow import (
    issue_accept,
    issue_dispatch,
    issue_rate,
    issue_request_extension,
    issue_resolve,
    issue_submit,
)
from notifications.models import Notification
from tests.helpers import fresh, on

S = Issue.Status
E = Issue.Escalation
K = IssueEvent.Kind
R = Official.Role
IN_APP, EMAIL, SMS = (Notification.Channel.IN_APP, Notification.Channel.EMAIL,
                      Notification.Channel.SMS)


def oct_(day: int) -> date:
    return date(2026, 10, day)


SEP_30, OCT_8, OCT_9 = date(2026, 9, 30), date(2026, 10, 8), date(2026, 10, 9)


# --- Driving the workflow --------------------------------------------------------------------


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
