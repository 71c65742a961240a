"""Default periodic tasks exist after migrate and stay as an administrator leaves them."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from core.apps import PERIODIC_TASKS as CORE_TASKS
from core.models import Heartbeat
from core.periodic import PeriodicTaskSpec, ensure_periodic_tasks
from core.services import HEARTBEAT_STALE_AFTER, background_status
from core.tasks import heartbeat_task
from huzhou_talks.celery import app as celery_app
from notifications.apps import PERIODIC_TASKS as NOTIFICATION_TASKS

pytestmark = pytest.mark.django_db

ALL_SPECS = CORE_TASKS + NOTIFICATION_TASKS


def test_migrate_creates_the_default_periodic_tasks():
    for spec in ALL_SPECS:
        task = PeriodicTask.objects.get(name=spec.name)
        assert task.task == spec.task
        assert task.enabled
        assert task.interval.every == spec.every_seconds
        assert task.interval.period == IntervalSchedule.SECONDS


def test_every_default_task_names_a_registered_celery_task():
    celery_app.loader.import_default_modules()  # what a worker does at start-up
    registered = set(celery_app.tasks)
    assert {spec.task for spec in ALL_SPECS} <= registered


def test_an_administrators_edit_survives_another_migrate():
    spec = NOTIFICATION_TASKS[0]
    task = PeriodicTask.objects.get(name=spec.name)
    task.interval = IntervalSchedule.objects.create(every=300, period=IntervalSchedule.SECONDS)
    task.enabled = False
    task.save()

    assert ensure_periodic_tasks(ALL_SPECS) == 0
    call_command("migrate", verbosity=0)  # what every deploy runs

    task.refresh_from_db()
    assert (task.interval.every, task.enabled) == (300, False)
    assert PeriodicTask.objects.filter(name=spec.name).count() == 1


def test_a_deleted_default_task_is_recreated():
    spec = CORE_TASKS[0]
    PeriodicTask.objects.filter(name=spec.name).delete()
    call_command("migrate", verbosity=0)
    task = PeriodicTask.objects.get(name=spec.name)
    assert (task.task, task.interval.every) == (spec.task, spec.every_seconds)


def test_crontab_specs_get_a_shanghai_crontab():
    spec = PeriodicTaskSpec(name="Morning digest", task="core.heartbeat",
                            crontab="30 8 * * 1-5")
    assert ensure_periodic_tasks([spec]) == 1
    assert ensure_periodic_tasks([spec]) == 0
    crontab = PeriodicTask.objects.get(name="Morning digest").crontab
    assert (crontab.minute, crontab.hour, crontab.day_of_week) == ("30", "8", "1-5")
    assert str(crontab.timezone) == "Asia/Shanghai"


# --- Is the background running? ---------------------------------------------------------------

def test_background_status_never_seen():
    assert background_status() == {"last_seen": None, "healthy": False}


def test_background_status_healthy_after_the_heartbeat_task_runs():
    heartbeat_task()
    status = background_status()
    assert status["healthy"] is True
    assert timezone.now() - status["last_seen"] < timedelta(seconds=5)


def test_background_status_stale_when_the_heartbeat_is_old():
    old = timezone.now() - HEARTBEAT_STALE_AFTER - timedelta(seconds=1)
    Heartbeat.objects.create(name="worker", last_seen=old)
    assert background_status() == {"last_seen": old, "healthy": False}
    heartbeat_task()
    assert background_status()["healthy"] is True
    assert Heartbeat.objects.count() == 1


def test_background_status_is_per_process_name():
    heartbeat_task(name="beat")
    assert background_status(name="beat")["healthy"] is True
    assert background_status(name="worker")["healthy"] is False
