"""The follow-up queue: reminders before due dates, the overdue ladder, rating requests.

Celery beat runs ``issues_follow_up`` (``issues.tasks``); each issue is handled by
``issue_follow_up`` under its row lock, and each step marks itself done on the issue, so
any number of runs or task deliveries sends each message once per issue and round. The
steps write the timeline through ``issues.workflow.record_change`` like every action;
closing an unrated answer is the workflow's own transition, ``issue_close_unrated``.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.dates import day_shown
from core.workdays import WorkCalendar, work_calendar
from government.models import Official
from issues import notices
from issues.models import Issue, IssueEvent
from issues.rules import workflow_rules
from issues.workflow import issue_close_unrated, lock_issue, record_change, save_issue

S = Issue.Status
E = Issue.Escalation
K = IssueEvent.Kind


@dataclass
class FollowUpCounts:
    reminders: int = 0
    escalations: int = 0
    rating_reminders: int = 0
    closed_unrated: int = 0


def _waited_since(calendar: WorkCalendar, today: date, days: int) -> date:
    """The last day from which ``days`` working days have passed by ``today``: every day
    ``d`` up to it, a weekend or holiday too, has ``working_days_between(d, today) >= days``."""
    day = today + timedelta(days=1)
    while days:
        day -= timedelta(days=1)
        if calendar.is_working_day(day):
            days -= 1
    return day - timedelta(days=1)


def follow_up_candidates(*, today: date, calendar: WorkCalendar):
    """Issues that may need a reminder, an escalation or closing; a superset, each checked
    again under its lock by ``issue_follow_up``. Ids, oldest first."""
    rules = workflow_rules()
    soon = calendar.add_working_days(today, rules.remind_before_days)
    # Reminders go out before a due date, never after it: a passed date missed by the
    # reminder must not keep the issue a candidate for good.
    not_reminded = Q(due_reminded_for__isnull=True) | ~Q(due_reminded_for=F("due_on"))
    with_department = Q(status__in=Issue.WITH_DEPARTMENT_STATUSES)
    # No reminder on the day the clock started (the dispatch itself told the department).
    not_started_today = ~Q(round_started_on=today)
    # An overdue issue is a candidate only when its lateness has reached the next rung of
    # the ladder, not on every run while it waits for it.
    rungs = ((E.REMINDED, 1), (E.SUPERVISED, rules.supervise_after_days),
             (E.BULLETIN, rules.bulletin_after_days))
    overdue = Q()
    for rung, days in rungs:
        overdue |= Q(escalation__lt=rung, due_on__lte=_waited_since(calendar, today, days))
    due = with_department & (
        Q(due_on__gte=today, due_on__lte=soon) & not_reminded & not_started_today | overdue)
    accept = Q(status=S.DISPATCHED, accept_due_on__gte=today, accept_due_on__lte=soon) & (
        Q(accept_reminded_for__isnull=True) | ~Q(accept_reminded_for=F("accept_due_on"))
    ) & not_started_today
    assisting = with_department & not_started_today & Q(
        assistances__due_on__gte=today, assistances__due_on__lte=soon,
        assistances__due_reminded_for__isnull=True)
    remind_since = _waited_since(calendar, today, rules.rating_reminder_days)
    close_since = _waited_since(calendar, today, rules.rating_close_days)
    answered = Q(status=S.RESOLVED) & (
        Q(resolved_at__date__lte=remind_since, rating_reminded_at__isnull=True)
        | Q(resolved_at__date__lte=close_since))
    return (Issue.objects.filter(due | accept | assisting | answered)
            .order_by("pk").values_list("pk", flat=True).distinct())


def issues_follow_up(*, today: date | None = None) -> FollowUpCounts:
    """One pass of the follow-up queue over every issue that may need it."""
    today = today or timezone.localdate()
    calendar = work_calendar()
    counts = FollowUpCounts()
    for pk in list(follow_up_candidates(today=today, calendar=calendar)):
        step = issue_follow_up(issue_id=pk, today=today, calendar=calendar)
        for name, value in vars(step).items():
            setattr(counts, name, getattr(counts, name) + value)
    return counts


@transaction.atomic
def issue_follow_up(*, issue_id: int, today: date | None = None,
                    calendar: WorkCalendar | None = None) -> FollowUpCounts:
    """Everything the follow-up queue owes one issue today, each step once per round:

    * a reminder to the department before each due date (accept, answer, assisting part);
    * when the answer is overdue, the ladder: a reminder (催办), then supervision (督办,
      to the department's lead and the coordinators), then the supervision bulletin;
    * after the answer, one reminder to rate, then closing as unrated.

    Safe to run any number of times: the issue is locked and each step marks itself done.
    """
    today = today or timezone.localdate()
    calendar = calendar or work_calendar()
    counts = FollowUpCounts()
    issue = lock_issue(Issue.objects.select_related("entrepreneur__user", "region",
                                                    "lead_department"), pk=issue_id)
    if issue is None:
        return counts
    with notices.site_language():
        if issue.status in Issue.WITH_DEPARTMENT_STATUSES:
            counts.reminders += _remind_due(issue, today=today, calendar=calendar)
            counts.escalations += _escalate_overdue(issue, today=today, calendar=calendar)
        elif issue.status == S.RESOLVED:
            _follow_up_rating(issue, today=today, calendar=calendar, counts=counts)
    return counts


def _due_soon(calendar: WorkCalendar, *, today: date, due: date | None) -> bool:
    if due is None or due < today:
        return False
    return calendar.working_days_between(today, due) <= workflow_rules().remind_before_days


def _remind_due(issue: Issue, *, today: date, calendar: WorkCalendar) -> int:
    """Remind the departments of the due dates coming up (not on the day the clock
    started): the lead department's acceptance and answer, each assisting department's
    part. Each due date is marked as reminded, so a date is reminded of once."""
    if issue.round_started_on == today:
        return 0
    values = {"reference": issue.reference, "title": issue.title}
    sent = 0
    if (issue.status == S.DISPATCHED and issue.accept_reminded_for != issue.accept_due_on
            and _due_soon(calendar, today=today, due=issue.accept_due_on)):
        issue.accept_reminded_for = issue.accept_due_on
        save_issue(issue, fields=["accept_reminded_for"])
        sent += _remind(issue, step="accept_due", due=issue.accept_due_on,
                        department_id=issue.lead_department_id,
                        message=_("Reminder: accept by %(due)s."),
                        subject=_("Accept issue %(reference)s by %(due)s"), values=values)
    if (issue.due_reminded_for != issue.due_on
            and _due_soon(calendar, today=today, due=issue.due_on)):
        issue.due_reminded_for = issue.due_on
        save_issue(issue, fields=["due_reminded_for"])
        sent += _remind(issue, step="due", due=issue.due_on,
                        department_id=issue.lead_department_id,
                        message=_("Reminder: the answer is due by %(due)s."),
                        subject=_("Issue %(reference)s is due by %(due)s"), values=values)
    for assistance in issue.assistances.filter(due_reminded_for__isnull=True):
        if not _due_soon(calendar, today=today, due=assistance.due_on):
            continue
        assistance.due_reminded_for = assistance.due_on
        assistance.save(update_fields=["due_reminded_for"])
        sent += _remind(issue, step="assisting_due", due=assistance.due_on,
                        department_id=assistance.department_id,
                        message=_("Reminder to %(department)s: its part is due by %(due)s."),
                        subject=_("Your part of issue %(reference)s is due by %(due)s"),
                        values={**values, "department": assistance.department})
    return sent


def _remind(issue: Issue, *, step: str, due: date, department_id: int, message: str,
            subject: str, values: dict) -> int:
    """One reminder: an internal timeline entry and the department's messages."""
    values = {**values, "due": day_shown(due)}
    event = record_change(issue, actor=None, kind=K.REMINDER, bump=False, is_public=False,
                          message=message % values,
                          data={"step": step, "department": department_id,
                                "due_on": due.isoformat()})
    notices.tell_officials(
        users=notices.department_users(department_id=department_id),
        key=f"issue:{issue.pk}:{step}:{department_id}:r{issue.round}:{due}",
        subject=subject % values, body=event.message, issue=issue,
    )
    return 1


def _escalate_overdue(issue: Issue, *, today: date, calendar: WorkCalendar) -> int:
    """Climb the ladder as far as today's lateness says, one rung (and message) at a time."""
    if issue.due_on is None or issue.due_on >= today:
        return 0
    rules = workflow_rules()
    late = calendar.working_days_between(issue.due_on, today)
    if late < 1:  # due on a Friday, checked at the weekend: not a working day late yet
        return 0
    target = E.REMINDED
    if late >= rules.supervise_after_days:
        target = E.SUPERVISED
    if late >= rules.bulletin_after_days:
        target = E.BULLETIN
    climbed = 0
    while issue.escalation < target:
        rung = E(issue.escalation + 1)
        issue.escalation = rung
        issue.escalated_at = timezone.now()
        values = {"reference": issue.reference, "title": issue.title, "late": late,
                  "department": issue.lead_department, "due": day_shown(issue.due_on)}
        kind = K.REMINDER if rung == E.REMINDED else K.ESCALATED
        record_change(issue, actor=None, kind=kind, fields=["escalation", "escalated_at"],
                        bump=False, is_public=False,
                        data={"step": "overdue", "level": int(rung), "late": late},
                        message=str(rung.label))
        key = f"issue:{issue.pk}:overdue-{int(rung)}:r{issue.round}"
        department_users = notices.department_users(department_id=issue.lead_department_id)
        if rung == E.REMINDED:
            notices.tell_officials(
                users=department_users, key=key, issue=issue,
                subject=_("Overdue (催办): issue %(reference)s was due on %(due)s") % values,
                body=_("“%(title)s” is %(late)s working day(s) late. Answer it, or record "
                       "why it takes longer.") % values,
            )
        elif rung == E.SUPERVISED:
            notices.tell_officials(
                users=[*notices.department_users(department_id=issue.lead_department_id,
                                                 roles=(Official.Role.DEPARTMENT_LEAD,)),
                       *notices.coordinator_users(issue=issue)],
                key=key, issue=issue,
                subject=_("Supervision (督办): issue %(reference)s is %(late)s working days "
                          "late") % values,
                body=_("%(department)s has not answered “%(title)s”, due on %(due)s.")
                % values,
            )
        else:
            notices.tell_officials(
                users=[*department_users, *notices.coordinator_users(issue=issue)],
                key=key, issue=issue,
                subject=_("Issue %(reference)s is listed in the supervision bulletin")
                % values,
                body=_("%(department)s: “%(title)s” is %(late)s working days late.") % values,
            )
        climbed += 1
    return climbed


def _follow_up_rating(issue: Issue, *, today: date, calendar: WorkCalendar,
                      counts: FollowUpCounts) -> None:
    rules = workflow_rules()
    answered_on = timezone.localdate(issue.resolved_at)
    waited = calendar.working_days_between(answered_on, today)
    values = {"reference": issue.reference, "title": issue.title}
    if waited >= rules.rating_close_days:
        issue_close_unrated(issue=issue)
        counts.closed_unrated += 1
    elif waited >= rules.rating_reminder_days and issue.rating_reminded_at is None:
        issue.rating_reminded_at = timezone.now()
        record_change(issue, actor=None, kind=K.REMINDER, fields=["rating_reminded_at"],
                      bump=False, is_public=False, data={"step": "rating"},
                      message=_("Reminder to rate the answer."))
        notices.tell_entrepreneur(
            issue=issue, key=f"issue:{issue.pk}:rate-reminder:r{issue.round}", sms=True,
            path=notices.rating_path(issue),
            subject=_("Please rate the answer to your issue %(reference)s") % values,
            body=_("Were you satisfied with the answer to “%(title)s”? It takes one tap.")
            % values,
        )
        counts.rating_reminders += 1
