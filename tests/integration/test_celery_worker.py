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


@pytest.fixture(params=["filesystem", "redis"])
def worker(request, tmp_path):
    """Start a worker on the chosen broker; point this process's Celery app at the same one."""
    make_broker = filesystem_broker if request.param == "filesystem" else redis_broker
    broker_url, transport_options, broker_env = make_broker(tmp_path)
    mail_folder = tmp_path / "mail"
    mail_folder.mkdir()
    env = {
        **os.environ,
        **broker_env,
        "DEBUG": "true",
        "DATABASE_URL": database_url_for_subprocess(),
        # django-environ drops the first slash of the path: four slashes for an absolute one.
        "EMAIL_URL": f"filemail:///{mail_folder}",
        "CELERY_TASK_ALWAYS_EAGER": "false",
    }
    env.pop("CI", None)
    log_path = tmp_path / "worker.log"
    with open(log_path, "w") as log, use_broker(broker_url, transport_options):
        process = subprocess.Popen(
            [CELERY, "-A", "huzhou_talks", "worker", "--pool=solo",
             "--concurrency=1", "-Q", "celery", "--without-mingle", "--without-gossip",
             "--loglevel=INFO", f"--hostname=test-{uuid.uuid4().hex[:8]}@%h"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
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
