"""Open issues' due dates follow the working-day calendar.

Each handling round stores its clock: the day it started and its limits in working days
(``Issue.round_started_on``, ``accept_limit_days``, ``resolve_limit_days``, and each
assisting department's ``resolve_limit_days``). When a coordinator corrects the calendar,
``core`` sends ``working_calendar_changed``; its receiver (``issues.tasks``) queues a task
that recomputes the due dates of the open issues the changed days can touch. The daily sweep calls
``issue_due_dates_recompute()`` for every open issue as well, so a change made while the
broker was down is applied the next day at the latest.

``rating_closes_on`` is the one reckoning of the rating window: the day an answer left
unrated closes (the follow-up queue of calls and the SMS rating link both show it).
"""

import logging
from collections.abc import Iterable
from datetime import date

from django.db import connection
from django.db.models import Case, F, Value, When
from django.utils import timezone

from core.workdays import WorkCalendar, work_calendar
from issues.models import AssistingDepartment, Issue
from issues.rules import workflow_rules

logger = logging.getLogger(__name__)


def rating_closes_on(issue: Issue, *, calendar: WorkCalendar | None = None) -> date | None:
    """The day the answer of ``issue`` closes unrated if nobody rates it:
    ``ISSUE_RATING_CLOSE_DAYS`` working days after the answer; None before an answer."""
    if issue.resolved_at is None:
        return None
    calendar = calendar or work_calendar()
    return calendar.add_working_days(timezone.localdate(issue.resolved_at),
                                     workflow_rules().rating_close_days)

#: Rows read per database round trip.
CHUNK_SIZE = 2000


def _batch_size() -> int:
    """Rows per UPDATE: each row costs about ten query parameters (SQLite allows 999 in
    old builds, 32,766 in current ones; PostgreSQL has no fixed limit)."""
    limit = connection.features.max_query_params
    return max(1, min(500, (limit or 10_000) // 12))


def _conditional_update(model, rows: list[dict], fields: tuple[str, ...]) -> None:
    """Write each row's new dates, but only where the row still holds what they were
    computed from (the clock and the old date). A transition that changed them meanwhile
    (an approved extension, a new round) has written its own due dates, which must not be
    overwritten with ones computed from the old clock.

    Each row: ``{"pk": ..., field: new date, "when": {field: {field read: value}}}``.
    """
    size = _batch_size()
    for start in range(0, len(rows), size):
        batch = rows[start:start + size]
        changes = {}
        for field in fields:
            cases = [When(pk=row["pk"], **row["when"][field], then=Value(row[field]))
                     for row in batch if field in row]
            if cases:
                changes[field] = Case(*cases, default=F(field), output_field=model._meta
                                      .get_field(field))
        # A bulk UPDATE sends no ``issue_changed``: the nightly recount (02:30, after the
        # 01:30 recompute) covers the due dates moved here. The recount a calendar change
        # queues may run before this recompute (docs/dashboard.md says so).
        model.objects.filter(pk__in=[row["pk"] for row in batch]).update(**changes)


def issue_due_dates_recompute(*, days: Iterable[date] | None = None,
                              calendar: WorkCalendar | None = None) -> int:
    """Recompute the due dates of open issues from their stored clocks; return how many
    issues had a date out of date (their own, or an assisting department's).

    ``days``: the calendar days that changed; only issues whose round started before the
    latest of them are looked at (a changed day earlier than a round's start cannot move
    its due dates). ``None`` looks at every open issue. Rows with an incomplete clock are
    left alone. A fixed number of queries, whatever the number of issues.
    """
    if days is not None:
        days = list(days)
        if not days:
            return 0
    calendar = calendar or work_calendar()
    issues = Issue.objects.filter(status__in=Issue.OPEN_STATUSES, round_started_on__isnull=False)
    if days is not None:
        issues = issues.filter(round_started_on__lt=max(days))

    changed_issues: set[int] = set()
    issue_rows = []
    fields = issues.values_list("pk", "round_started_on", "accept_limit_days", "accept_due_on",
                                "resolve_limit_days", "due_on")
    for pk, started, accept_limit, accept_due, resolve_limit, due in fields.iterator(
            chunk_size=CHUNK_SIZE):
        row = {"pk": pk, "when": {}}
        if accept_limit is not None:
            new = calendar.add_working_days(started, accept_limit)
            if new != accept_due:
                row["accept_due_on"] = new
                row["when"]["accept_due_on"] = {"round_started_on": started,
                                                "accept_limit_days": accept_limit,
                                                "accept_due_on": accept_due}
        if resolve_limit is not None:
            new = calendar.add_working_days(started, resolve_limit)
            if new != due:
                row["due_on"] = new
                row["when"]["due_on"] = {"round_started_on": started,
                                         "resolve_limit_days": resolve_limit, "due_on": due}
        if row["when"]:
            issue_rows.append(row)
            changed_issues.add(pk)
    _conditional_update(Issue, issue_rows, ("accept_due_on", "due_on"))

    assistances = AssistingDepartment.objects.filter(
        issue__in=issues, resolve_limit_days__isnull=False,
    ).values_list("pk", "issue_id", "issue__round_started_on", "resolve_limit_days", "due_on")
    assistance_rows = []
    for pk, issue_id, started, resolve_limit, due in assistances.iterator(chunk_size=CHUNK_SIZE):
        new = calendar.add_working_days(started, resolve_limit)
        if new != due:
            assistance_rows.append({
                "pk": pk, "due_on": new,
                # An UPDATE cannot look at the issue's row; a new round rewrites due_on.
                "when": {"due_on": {"resolve_limit_days": resolve_limit, "due_on": due}},
            })
            changed_issues.add(issue_id)
    _conditional_update(AssistingDepartment, assistance_rows, ("due_on",))

    if changed_issues:
        logger.info("Working-day calendar: due dates of %d open issues recomputed",
                    len(changed_issues))
    return len(changed_issues)


def due_dates_left_to_sweep(days: Iterable[date]) -> None:
    """The recompute of these changed days could not be queued (the broker is down): say so;
    the daily sweep recomputes every open issue's due dates."""
    logger.warning("Broker unavailable; due dates for calendar days %s left to the sweep",
                   ", ".join(day.isoformat() for day in days))
