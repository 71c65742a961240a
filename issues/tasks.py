"""Celery tasks of the issues app: thin wrappers around the follow-up queue and deadlines."""

from datetime import date

from celery import shared_task

from issues.deadlines import issue_due_dates_recompute
from issues.follow_up import issues_follow_up


@shared_task(name="issues.follow_up", ignore_result=True)
def follow_up_task() -> None:
    """One pass of the follow-up queue (reminders, the overdue ladder, rating requests)."""
    issues_follow_up()


@shared_task(name="issues.recompute_due_dates", ignore_result=True)
def recompute_due_dates_task(days: list[str] | None = None) -> int:
    """``days``: ISO dates whose working-day status changed; ``None`` recomputes every open
    issue (the nightly run, which also catches a change whose task the broker lost)."""
    parsed = None if days is None else [date.fromisoformat(day) for day in days]
    return issue_due_dates_recompute(days=parsed)
