"""Celery tasks outlive a database outage: each one is retried, with backoff, on a lost
connection, under the same task name."""

import pytest
from celery import current_app
from django.db.utils import InterfaceError, OperationalError

from core.models import Heartbeat
from core.task_base import DatabaseRetryTask
from issues import tasks as issue_tasks

PROJECT_TASKS = {
    "core.heartbeat", "dashboard.rebuild_rollups", "issues.follow_up",
    "issues.recompute_due_dates", "notifications.deliver", "notifications.redeliver_pending",
    "sessions.generate_series", "sessions.send_reminders",
}


def project_tasks() -> dict:
    current_app.loader.import_default_modules()
    return {name: task for name, task in current_app.tasks.items()
            if not name.startswith("celery.")}


def test_every_task_keeps_its_name_and_retries_on_database_errors():
    tasks = project_tasks()
    assert set(tasks) >= PROJECT_TASKS
    for name, task in tasks.items():
        assert isinstance(task, DatabaseRetryTask), name
        assert {OperationalError, InterfaceError} <= set(task.autoretry_for), name
        assert task.retry_backoff and task.max_retries >= 5, name


@pytest.fixture
def eager_without_propagation():
    """Run as a worker would, except that the retry runs at once instead of being queued."""
    saved = current_app.conf.task_eager_propagates
    current_app.conf.task_eager_propagates = False
    yield
    current_app.conf.task_eager_propagates = saved


@pytest.mark.django_db
@pytest.mark.usefixtures("eager_without_propagation")
def test_a_task_that_meets_an_outage_runs_again(monkeypatch):
    """The first run loses its connection; the retry succeeds."""
    calls = []

    def follow_up_once_the_database_is_back():
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(issue_tasks, "issues_follow_up", follow_up_once_the_database_is_back)
    result = issue_tasks.follow_up_task.apply()
    assert result.successful(), result.traceback
    assert len(calls) == 2
    assert Heartbeat.objects.filter(name=issue_tasks.FOLLOW_UP_HEARTBEAT).exists()


@pytest.mark.usefixtures("eager_without_propagation")
def test_other_errors_are_not_retried(monkeypatch):
    calls = []

    def broken():
        calls.append(1)
        raise ValueError("a bug, not an outage")

    monkeypatch.setattr(issue_tasks, "issues_follow_up", broken)
    result = issue_tasks.follow_up_task.apply()
    assert result.failed()
    assert len(calls) == 1
