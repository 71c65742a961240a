"""Celery tasks of the sessions app: thin wrappers around the services."""

from celery import shared_task

from sessions.services import series_generate_all, session_reminders_send


@shared_task(name="sessions.send_reminders", ignore_result=True)
def send_reminders_task() -> int:
    """Remind the people taking part in the sessions whose reminders are due."""
    return session_reminders_send()


@shared_task(name="sessions.generate_series", ignore_result=True)
def generate_series_task() -> int:
    """Plan the coming weeks of every active weekly series; returns sessions planned."""
    return sum(len(report.created) for report in series_generate_all())
