"""Celery tasks of the issues app: thin wrappers around the follow-up queue and deadlines,
and the receiver that queues the due dates' recompute when the working-day calendar
changes."""

from datetime import date

from celery import shared_task

from core.services import record_heartbeat
from issues.deadlines import due_dates_left_to_sweep, issue_due_dates_recompute
from issues.follow_up import issues_follow_up

#: The heartbeat row written after each complete run of the follow-up queue: ``/health/``
#: and the metrics report when the queue last ran.
FOLLOW_UP_HEARTBEAT = "issues.follow_up"


@shared_task(name="issues.follow_up", ignore_result=True)
def follow_up_task() -> None:
    """One pass of the follow-up queue (reminders, the overdue ladder, rating requests)."""
    issues_follow_up()
    record_heartbeat(name=FOLLOW_UP_HEARTBEAT)


@shared_task(name="issues.recompute_due_dates", ignore_result=True)
def recompute_due_dates_task(days: list[str] | None = None) -> int:
    """``days``: ISO dates whose working-day status changed; ``None`` recomputes every open
    issue (the nightly run, which also catches a change whose task the broker lost)."""
    parsed = None if days is None else [date.fromisoformat(day) for day in days]
    return issue_due_dates_recompute(days=parsed)


def on_working_calendar_changed(sender, days, **kwargs) -> None:
    """``core.signals.working_calendar_changed`` (sent on commit): queue the recompute.

    If the broker is down the change is not lost: the daily sweep recomputes every open
    issue's due dates.
    """
    try:
        recompute_due_dates_task.delay(days=[day.isoformat() for day in days])
    except Exception:  # the broker is down: the daily sweep recomputes
        due_dates_left_to_sweep(days)
