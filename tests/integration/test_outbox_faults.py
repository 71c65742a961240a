"""Issue 15's fault tests for the outbox, with real Celery worker processes.

(a) A worker is killed with SIGKILL inside an SMS provider's ``send``, after the provider
    took the message: the row is left in doubt (committed as "sending"), nothing retries it
    before the in-doubt timeout, then the sweep, run by a new worker, sends it again with the
    same idempotency key: nothing lost, and the person gets one message.
(b) A poison row followed by good rows: every good row is delivered at the first sweep; the
    poison one is counted, backed off, and failed after the configured attempts.

The broker is kombu's filesystem transport in a private folder (always runs) or Redis
(``REDIS_TEST_URL``; skipped without it on a bare machine, required under CI=true).
"""

import os
import re
import signal
import subprocess
import time
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from notifications.backends import outbox_key
from notifications.models import Notification
from notifications.services import REDELIVER_AFTER, notification_create, notifications_redeliver
from notifications.tasks import redeliver_pending_task
from tests.celery_broker import use_broker
from tests.factories import NotificationFactory
from tests.integration.fake_sms import POISON_MOBILE, read_log
from tests.integration.test_celery_worker import (
    filesystem_broker,
    redis_broker,
    start_worker,
    worker_env,
)
from tests.services import stop_process

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

WAIT_SECONDS = 60
#: The in-doubt timeout the processes are given: short, so that the test sees it pass.
IN_DOUBT_SECONDS = 8
PROVIDER = "tests.integration.fake_sms.FakeSMSProvider"


@pytest.fixture(params=["filesystem", "redis"])
def outbox_env(request, tmp_path, settings, monkeypatch):
    """A broker shared by this process and its workers, a fake SMS provider, a mail folder,
    and the outbox settings, the same here as in the workers."""
    make_broker = filesystem_broker if request.param == "filesystem" else redis_broker
    broker_url, transport_options, broker_env = make_broker(tmp_path)
    provider, mail = tmp_path / "provider", tmp_path / "mail"
    provider.mkdir()
    mail.mkdir()
    outbox = {"SMS_BACKEND": PROVIDER, "NOTIFICATION_IN_DOUBT_SECONDS": str(IN_DOUBT_SECONDS),
              "NOTIFICATION_MAX_ATTEMPTS": "3", "NOTIFICATION_RETRY_BACKOFF_SECONDS": "1"}
    for name, value in outbox.items():
        setattr(settings, name, value if name == "SMS_BACKEND" else int(value))
    monkeypatch.setenv("FAKE_SMS_DIR", str(provider))
    env = worker_env(broker_env, mail, **outbox)
    workers = []

    def start() -> subprocess.Popen:
        log = open(tmp_path / f"worker-{len(workers)}.log", "w")  # noqa: SIM115 - closed below
        workers.append((start_worker(env, log), log))
        return workers[-1][0]

    def logs() -> str:
        return "\n".join(log_path.read_text() for log_path in sorted(tmp_path.glob("worker-*.log")))

    with use_broker(broker_url, transport_options):
        try:
            yield {"start_worker": start, "provider": provider, "mail": mail,
                   "logs": logs}
        finally:
            for process, log in workers:
                if process.poll() is None:
                    stop_process(process)
                log.close()


def wait_for(condition, outbox_env, what: str, *, tick=None) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        if tick is not None:
            tick()
        time.sleep(0.5)
    pytest.fail(f"{what} within {WAIT_SECONDS}s; worker logs:\n{outbox_env['logs']()}")


def test_a_worker_killed_mid_send_loses_nothing_and_sends_nothing_twice(outbox_env):
    (outbox_env["provider"] / "hang").touch()
    worker = outbox_env["start_worker"]()
    text = notification_create(key=f"fault:{uuid.uuid4()}:sms", channel="sms",
                               address="13812345678", subject="恳谈会提醒",
                               body="周三14:30 市民之家")
    wait_for((outbox_env["provider"] / "hanging").exists, outbox_env,
             "the worker did not reach the provider")

    # The provider has taken the message and the worker is inside send(): kill it there.
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)
    text.refresh_from_db()
    assert (text.status, text.attempts) == (Notification.Status.SENDING, 1), \
        "the attempt must be committed before the provider is called"
    assert len(read_log("delivered.log")) == 1

    # In doubt: the sweep leaves it alone until the timeout has passed.
    assert notifications_redeliver() == 0
    assert len(read_log("requests.log")) == 1

    # A new worker runs the sweep once the timeout has passed: the same key again, which the
    # provider recognises; the row is sent, and the person has one message.
    (outbox_env["provider"] / "hang").unlink()
    outbox_env["start_worker"]()
    time.sleep(max(0.0, (text.attempted_at + timedelta(seconds=IN_DOUBT_SECONDS + 1)
                         - timezone.now()).total_seconds()))
    redeliver_pending_task.delay()
    wait_for(lambda: Notification.objects.get(pk=text.pk).status == Notification.Status.SENT,
             outbox_env, "the row in doubt was not sent after the timeout")
    text.refresh_from_db()
    assert text.attempts == 2
    requests = read_log("requests.log")
    assert [r["key"] for r in requests] == [outbox_key(text.key)] * 2
    assert len({r["pid"] for r in requests}) == 2  # one from each worker
    assert [d["text"] for d in read_log("delivered.log")] == [
        "【湖州政企恳谈会】恳谈会提醒 周三14:30 市民之家"]  # signed once, as the row shows


def test_a_poison_row_does_not_starve_the_rows_after_it(outbox_env):
    # Rows whose delivery tasks never ran (the broker was down): the sweep's to send. The
    # poison row comes first in its order.
    long_ago = timezone.now() - REDELIVER_AFTER - timedelta(seconds=5)
    missed = {"created_at": long_ago, "send_after": long_ago}
    poison = NotificationFactory(channel="sms", address=POISON_MOBILE, **missed)
    good_sms = [NotificationFactory(channel="sms", address=f"1390000000{n}", **missed)
                for n in range(3)]
    good_mail = [NotificationFactory(**missed),
                 NotificationFactory(subject="民营经济专场\n（第76期）", **missed)]
    outbox_env["start_worker"]()

    def poison_failed() -> bool:
        return Notification.objects.get(pk=poison.pk).status == Notification.Status.FAILED

    # Beat would send the sweep every minute; here, every half second until the poison row
    # has used its three attempts (backing off 2 s, then 4 s).
    wait_for(poison_failed, outbox_env, "the poison row was not failed",
             tick=redeliver_pending_task.delay)

    good = [*good_sms, *good_mail]
    assert set(Notification.objects.filter(pk__in=[row.pk for row in good])
               .values_list("status", "attempts")) == {(Notification.Status.SENT, 1)}
    assert sorted(d["key"] for d in read_log("delivered.log")) == sorted(
        outbox_key(row.key) for row in good_sms)
    # The file backend may append two messages to one file: count them by their key header.
    mailed = re.findall(r"^X-Outbox-Key: (\w+)$", "".join(
        path.read_text() for path in outbox_env["mail"].iterdir()), flags=re.MULTILINE)
    assert sorted(mailed) == sorted(outbox_key(row.key) for row in good_mail)
    poison.refresh_from_db()
    assert poison.attempts == 3
    assert poison.last_error == "ValueError: the provider cannot encode this message"
    assert [r["mobile"] for r in read_log("requests.log")].count(POISON_MOBILE) == 3
    assert f"Notification {poison.pk} (sms) failed after 3 attempts" in outbox_env["logs"]()
