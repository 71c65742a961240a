"""A real Celery worker process delivers what the web side queued, once.

The worker runs against the test database and a broker shared with this process: kombu's
filesystem transport in a private folder (always runs), or Redis (needs a server).
"""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from core.models import Heartbeat
from core.tasks import heartbeat_task
from huzhou_talks.settings import filesystem_broker_options
from notifications.models import Notification
from notifications.services import notification_create
from notifications.tasks import deliver_notification_task
from tests.celery_broker import use_broker
from tests.services import database_url_for_subprocess, require_redis, stop_process

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
CELERY = str(Path(sys.executable).parent / "celery")
WAIT_SECONDS = 30


def filesystem_broker(tmp_path: Path):
    # A private folder, so that a demo worker running from this checkout on var/celery
    # can neither take the test's messages nor be handed them.
    folder = tmp_path / "broker"
    url = "filesystem://localhost//"
    return (url, filesystem_broker_options(folder),
            {"CELERY_BROKER_URL": url, "CELERY_BROKER_FOLDER": str(folder)})


def redis_broker(tmp_path: Path):
    import redis

    url = require_redis()
    redis.Redis.from_url(url).flushdb()
    return url, {"visibility_timeout": 3600}, {"CELERY_BROKER_URL": url}


def worker_env(broker_env: dict, mail_folder: Path, **extra: str) -> dict:
    """The environment of a worker on the test's database and broker, mailing to a folder."""
    env = {
        **os.environ,
        **broker_env,
        "DEBUG": "true",
        "DATABASE_URL": database_url_for_subprocess(),
        # django-environ drops the first slash of the path: four slashes for an absolute one.
        "EMAIL_URL": f"filemail:///{mail_folder}",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        **extra,
    }
    env.pop("CI", None)
    return env


def start_worker(env: dict, log) -> subprocess.Popen:
    """One solo worker process on the default queue, writing to ``log``."""
    return subprocess.Popen(
        [CELERY, "-A", "huzhou_talks", "worker", "--pool=solo",
         "--concurrency=1", "-Q", "celery", "--without-mingle", "--without-gossip",
         "--loglevel=INFO", f"--hostname=test-{uuid.uuid4().hex[:8]}@%h"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )


@pytest.fixture(params=["filesystem", "redis"])
def worker(request, tmp_path):
    """Start a worker on the chosen broker; point this process's Celery app at the same one."""
    make_broker = filesystem_broker if request.param == "filesystem" else redis_broker
    broker_url, transport_options, broker_env = make_broker(tmp_path)
    mail_folder = tmp_path / "mail"
    mail_folder.mkdir()
    log_path = tmp_path / "worker.log"
    with open(log_path, "w") as log, use_broker(broker_url, transport_options):
        process = start_worker(worker_env(broker_env, mail_folder), log)
        try:
            yield {"process": process, "mail": mail_folder, "log": log_path}
        finally:
            stop_process(process)


def wait_for(condition, worker, what: str):
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        if worker["process"].poll() is not None:
            break
        time.sleep(0.25)
    pytest.fail(f"{what} within {WAIT_SECONDS}s; worker log:\n{worker['log'].read_text()}")


def test_worker_delivers_a_queued_notification_exactly_once(worker):
    # The web side: the outbox row is written and, on commit, its delivery task queued.
    notification = notification_create(
        key=f"integration:{uuid.uuid4()}:email", channel=Notification.Channel.EMAIL,
        address="boss@example.com", subject="您的问题已办结", body="请评价本次办理。",
    )
    # The broker hands the same task over a second time (a retry, a lost ack).
    deliver_notification_task.delay(notification.pk)
    # A last task: when the worker has run it, it has run everything queued before.
    sentinel = f"sentinel-{uuid.uuid4().hex[:8]}"
    heartbeat_task.delay(sentinel)

    def status():
        return Notification.objects.values_list("status", flat=True).get(pk=notification.pk)

    wait_for(lambda: status() == Notification.Status.SENT, worker, "the email was not sent")
    wait_for(lambda: Heartbeat.objects.filter(name=sentinel).exists(), worker,
             "the worker did not finish the queue")

    notification.refresh_from_db()
    assert notification.attempts == 1
    assert notification.sent_at is not None
    mails = list(worker["mail"].iterdir())
    assert len(mails) == 1
    content = mails[0].read_text()
    assert "boss@example.com" in content
    assert "Subject:" in content


def test_worker_runs_the_reminder_queue_twice_and_each_reminder_goes_out_once(worker):
    """Beat fires ``sessions.send_reminders`` twice (or the broker redelivers it): the real
    worker sends each reminder once, and its outbox rows are delivered once each."""
    from datetime import timedelta

    from django.utils import timezone

    from sessions.models import ReminderRule, ReminderSent
    from sessions.tasks import send_reminders_task
    from tests.factories import (
        AttendanceFactory,
        EntrepreneurFactory,
        OfficialFactory,
        TalkSessionFactory,
    )

    # The defaults of migration 0003 (a transactional test's flush removes them).
    for minutes in (2880, 120):
        ReminderRule.objects.get_or_create(minutes_before=minutes, defaults={"name": minutes})
    host = OfficialFactory(user__email="host@example.com")
    starts_at = timezone.now() + timedelta(minutes=90)  # within two hours: that reminder
    session = TalkSessionFactory(host=host, starts_at=starts_at,
                                 ends_at=starts_at + timedelta(hours=2), status="open")
    person = EntrepreneurFactory(with_user=True, email="")
    AttendanceFactory(session=session, entrepreneur=person)

    send_reminders_task.delay()
    send_reminders_task.delay()
    sentinel = f"sentinel-{uuid.uuid4().hex[:8]}"
    heartbeat_task.delay(sentinel)
    wait_for(lambda: Heartbeat.objects.filter(name=sentinel).exists(), worker,
             "the worker did not finish the queue")
    reminders = Notification.objects.filter(key__startswith=f"session:{session.pk}:reminder:")
    wait_for(lambda: reminders.exists() and not reminders.exclude(
        status=Notification.Status.SENT).exists(), worker, "the reminders were not delivered")

    # The host in the app and by email; the registered person in the app and by SMS.
    assert sorted(reminders.values_list("channel", "address")) == [
        ("email", "host@example.com"), ("in_app", ""), ("in_app", ""), ("sms", person.mobile)]
    assert set(reminders.values_list("attempts", flat=True)) == {1}
    # The two-hour reminder was sent; the two-day one, due too, was passed over.
    assert sorted(ReminderSent.objects.filter(session=session).values_list(
        "rule__minutes_before", "superseded")) == [(120, False), (2880, True)]
    mails = list(worker["mail"].iterdir())
    assert len(mails) == 1
    assert "host@example.com" in mails[0].read_text()
