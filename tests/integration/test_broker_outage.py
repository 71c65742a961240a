"""The broker goes down while entrepreneurs submit issues: nothing they did is lost or doubled.

A redis-server of the test's own, on a free port (never the machine's shared Redis on
127.0.0.1:6379), is the broker of a real worker process. The test stops it, submits issues
(their outbox rows are committed; queueing their delivery fails quietly, and fast), starts
it again on the same port and sends the redelivery sweep through it: every notification
arrives exactly once, even with the sweep sent twice and a stray duplicate delivery task.
"""

import email
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import timedelta
from email import policy
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.db.models import F

from core.models import Heartbeat
from core.tasks import heartbeat_task
from government.models import Official
from issues.workflow import issue_submit
from notifications.models import Notification
from notifications.tasks import deliver_notification_task, redeliver_pending_task
from tests.celery_broker import use_broker
from tests.factories import (
    CategoryFactory,
    CityFactory,
    DepartmentFactory,
    EnterpriseFactory,
    EntrepreneurFactory,
    OfficialFactory,
    RegionFactory,
)
from tests.services import database_url_for_subprocess, require, stop_process

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
CELERY = str(Path(sys.executable).parent / "celery")
#: The machine's shared Redis (the cache and broker of other runs): this test never uses it.
SHARED_REDIS_PORT = 6379
WAIT_SECONDS = 60
#: A submission while the broker is down may not take longer than this (it is a web request).
SUBMIT_SECONDS = 5
ISSUES = 3


def free_port() -> int:
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if port != SHARED_REDIS_PORT:
            return port


class ThrowawayRedis:
    """A redis-server on a port of its own, without persistence, its files in ``folder``.

    Stopped and started again, it keeps its port (and, having saved nothing, forgets its
    queues, as a broker that crashed would)."""

    def __init__(self, binary: str, folder: Path):
        self.binary = binary
        self.folder = folder
        self.folder.mkdir()
        # THROWAWAY_REDIS_PORT: a port of one's own when several people test on one machine.
        self.port = int(os.environ.get("THROWAWAY_REDIS_PORT") or 0) or free_port()
        assert self.port != SHARED_REDIS_PORT, "never the machine's shared Redis"
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log_path = folder / "redis.log"
        self.process = None

    def answers(self) -> bool:
        """PING, once (a plain socket: redis-py would retry with backoff)."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self) -> None:
        with open(self.log_path, "a") as log:
            self.process = subprocess.Popen(
                [self.binary, "--port", str(self.port), "--bind", "127.0.0.1",
                 "--save", "", "--appendonly", "no", "--dir", str(self.folder)],
                stdout=log, stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 10
        while not self.answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"redis-server did not answer on port {self.port}:\n"
                            f"{self.log_path.read_text()}")
            time.sleep(0.05)

    def stop(self) -> None:
        """Terminate, and wait until it has exited: the port is closed afterwards."""
        if self.process is not None and self.process.poll() is None:
            stop_process(self.process)
        self.process = None


@pytest.fixture
def broker(tmp_path):
    binary = shutil.which("redis-server")
    require(binary is not None,
            "redis-server is not installed (apt-get install redis-server); this test starts "
            "and stops a broker of its own")
    server = ThrowawayRedis(binary, tmp_path / "redis")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def worker(broker, tmp_path):
    """A worker on the throwaway broker, mailing into a folder; this process's Celery app
    publishes to the same broker meanwhile."""
    mail_folder = tmp_path / "mail"
    mail_folder.mkdir()
    env = {
        **os.environ,
        "DEBUG": "true",
        "DATABASE_URL": database_url_for_subprocess(),
        "CELERY_BROKER_URL": broker.url,
        # django-environ drops the first slash of the path: four slashes for an absolute one.
        "EMAIL_URL": f"filemail:///{mail_folder}",
        "CELERY_TASK_ALWAYS_EAGER": "false",
    }
    env.pop("CI", None)
    env.pop("REDIS_URL", None)  # the worker knows the throwaway broker and nothing else
    log_path = tmp_path / "worker.log"
    with open(log_path, "w") as log, use_broker(broker.url, {"visibility_timeout": 3600}):
        process = subprocess.Popen(
            [CELERY, "-A", "huzhou_talks", "worker", "--pool=solo", "--concurrency=1",
             "-Q", "celery", "--without-mingle", "--without-gossip", "--without-heartbeat",
             "--loglevel=INFO", f"--hostname=outage-{uuid.uuid4().hex[:8]}@%h"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            yield SimpleNamespace(process=process, mail=mail_folder, log=log_path)
        finally:
            stop_process(process)


def wait_for(condition, worker, what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        if worker.process.poll() is not None:
            break
        time.sleep(0.25)
    pytest.fail(f"{what} within {WAIT_SECONDS}s; worker log:\n{worker.log.read_text()}")


def drained(worker, what: str) -> None:
    """Wait until the worker has run every task queued so far (one process, in order)."""
    sentinel = f"sentinel-{uuid.uuid4().hex[:8]}"
    heartbeat_task.delay(sentinel)
    wait_for(lambda: Heartbeat.objects.filter(name=sentinel).exists(), worker, what)


#: What Django's file mail backend writes after each message.
MAIL_SEPARATOR = "\n" + "-" * 79 + "\n"


def mails_in(folder: Path) -> Counter:
    """(To, Subject) of every message the worker mailed. A file may hold several: the
    backend names it by the second and an object id, which a later send can reuse."""
    found = Counter()
    for path in folder.iterdir():
        for text in path.read_text().split(MAIL_SEPARATOR)[:-1]:
            message = email.message_from_string(text, policy=policy.default)
            found[(str(message["To"]), str(message["Subject"]))] += 1
    return found


def test_issues_submitted_while_the_broker_is_down_are_notified_exactly_once(
        broker, worker, caplog):
    city = CityFactory()
    county = RegionFactory()
    for region in (county, city):  # the county's coordinator and the city's, both by email
        OfficialFactory(role=Official.Role.COORDINATOR, department=DepartmentFactory(region=region))
    person = EntrepreneurFactory(with_user=True, enterprise=EnterpriseFactory(region=county),
                                 email="boss@example.com")
    category = CategoryFactory()

    drained(worker, "the worker did not take a task from the throwaway broker")

    broker.stop()
    assert not broker.answers()

    # Publishing must fail fast, not hang the entrepreneur's request.
    assert settings.CELERY_BROKER_CONNECTION_TIMEOUT <= 5
    assert settings.CELERY_TASK_PUBLISH_RETRY_POLICY["max_retries"] <= 1
    submitted, took = [], []
    with caplog.at_level("WARNING", logger="notifications.services"):
        for n in range(ISSUES):
            started = time.monotonic()
            submitted.append(issue_submit(actor=person.user, title=f"用地指标问题{n}",
                                          description="厂房扩建需要新增用地指标。",
                                          category=category))
            took.append(time.monotonic() - started)
    print(f"submissions with the broker down took {', '.join(f'{t:.2f}s' for t in took)}")
    assert max(took) < SUBMIT_SECONDS, took

    keys = [f"issue:{issue.pk}:" for issue in submitted]
    rows = Notification.objects.filter(key__regex=r"^(" + "|".join(keys) + ")")
    pks = list(rows.values_list("pk", flat=True))
    # Per issue: both coordinators in the app and by email, the entrepreneur in the app.
    assert len(pks) == ISSUES * 5
    assert set(rows.values_list("status", "attempts")) == {(Notification.Status.PENDING, 0)}
    failed_enqueues = [r for r in caplog.records if "left for redelivery" in r.getMessage()]
    assert len(failed_enqueues) == len(pks)

    broker.start()  # the same port: the worker and this process reconnect to it

    # The sweep takes only rows pending for longer than REDELIVER_AFTER (a minute), so that
    # it never races a row's own on-commit task. time_machine cannot move the clock of the
    # worker, another process; the rows are made two minutes older instead, as if the
    # outage had lasted that long.
    rows.update(created_at=F("created_at") - timedelta(minutes=2))
    redeliver_pending_task.delay()
    redeliver_pending_task.delay()  # beat fires again before the first sweep is done
    deliver_notification_task.delay(pks[0])  # a late duplicate of one row's own task

    wait_for(lambda: not rows.exclude(status=Notification.Status.SENT).exists(), worker,
             "the pending notifications were not all sent")
    drained(worker, "the worker did not finish the duplicate tasks")

    assert set(rows.values_list("status", "attempts")) == {(Notification.Status.SENT, 1)}
    emails = rows.filter(channel=Notification.Channel.EMAIL)
    assert emails.count() == ISSUES * 2
    assert mails_in(worker.mail) == Counter(emails.values_list("address", "subject"))
