"""A soak: mixed traffic at a steady rate for ten minutes against gunicorn, a Celery worker
and beat on PostgreSQL and Redis, with the broker stopped and started in the middle.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/huzhou_bench_soak \\
        .venv/bin/python benchmarks/soak.py --minutes 10

1. Set-up as the other benchmarks (``issues_at_scale.prepare_database``), then the demo
   (``seed_demo``) if the database has no history, and a city session starting in an hour
   with a county's entrepreneurs invited, to check people in at.
2. Starts a redis-server of its own (``--redis-port``, 6401; cache and broker), a worker
   (``--concurrency`` prefork processes) and beat on it, and gunicorn (``--port``) with
   ``DEBUG=false``, static files collected into a temporary folder. Mail goes to files
   (``filemail://``), SMS to a file (``soak_support.FileSMSBackend``). The rate limits are
   raised for the run: every request comes from 127.0.0.1.
3. Logs in through the form as the demo's coordinator, handler and entrepreneur, then sends
   ``--rate`` actions a second from ``--clients`` threads for ``--minutes``: browsing
   (home, lists, issue pages, the dashboard, sessions, the inbox, the public figures), issue
   submissions by the entrepreneur, workflow actions on the submitted issues through the
   issue page's forms (the coordinator dispatches to the handler's department, the handler
   accepts and resolves, the entrepreneur rates), and check-ins at the session (tick, undo).
4. At half time stops the redis-server, waits ``--outage-seconds`` (20) and starts it again.
5. Then waits (``--drain-timeout``) until the outbox rows of the run are sent, and checks:
   no 5xx answer; every submission answered 2xx/3xx is stored, once; every outbox row of
   the run (pending at the start or written since) is sent, none pending or failed; every
   email and SMS row was delivered exactly once (by its outbox key when the backends are
   given one, else by address and text); the worker's resident memory grew by less than
   ``--max-growth`` (10 %) between the end of the warm-up and the end of the traffic.
   Prints PASS/FAIL for each and saves JSON (``--json``, default
   ``var/benchmarks/soak-<database>.json``); exits 1 if anything failed. The logs, the mail
   and the SMS file stay in ``var/benchmarks/soak-<time>/``.
"""

import argparse
import random
import shutil
import tempfile
import threading
import time
from collections import Counter, deque
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

from dashboard_at_scale import (
    Gunicorn,
    collect_static,
    log_in,
    sample_references,
    server_environment,
)
from issues_at_scale import ROOT, fail, prepare_database
from soak_outbox import notification_report, outbox_snapshot
from soak_report import report
from soak_support import Celery, ThrowawayRedis, filled, forms_in, rss_kib

MIX = {"browse": 55, "submit": 10, "workflow": 25, "check_in": 10}
#: Each workflow step: who acts, the form's action, and the step that follows.
STEPS = {"dispatch": ("coordinator", "accept"), "accept": ("handler", "resolve"),
         "resolve": ("handler", "rate"), "rate": ("entrepreneur", None)}


class Traffic:
    """The actions, sent by the clients; what they did and what they were answered."""

    def __init__(self, browsers: dict, *, run_id: str, setup: dict):
        self.browsers, self.run_id, self.setup = browsers, run_id, setup
        self.lock = threading.Lock()
        self.queues = {step: deque() for step in STEPS}
        self.answers = Counter()           # (kind, status)
        self.five_xx: list[dict] = []
        self.no_answer: list[dict] = []
        self.client_errors: list[dict] = []  # the first 4xx answers, to look into
        self.latencies: list[float] = []
        self.submitted: dict[str, int] = {}  # title -> status
        self.steps_done = Counter()
        self.refused: list[dict] = []
        self.ticked: dict[int, bool] = {}
        self.sequence = 0
        self.outage: tuple[float, float] | None = None

    # --- HTTP ---
    def send(self, kind: str, who: str, method: str, path: str, data=None):
        browser = self.browsers[who]
        body = headers = None
        if method == "POST":
            pairs = [("csrfmiddlewaretoken", browser.cookies.get("csrftoken", "")), *data]
            body = urlencode(pairs)
            headers = {"Content-Type": "application/x-www-form-urlencoded",
                       "Referer": f"http://127.0.0.1:{browser.port}{path}"}
        began = time.perf_counter()
        try:
            status, answer_headers, content = browser.request(
                method, path, body=body, headers=headers, keep_cookies=False)
        except OSError as error:
            with self.lock:
                self.no_answer.append({"at": time.time(), "kind": kind, "path": path,
                                       "error": str(error)})
            return 0, {}, b""
        with self.lock:
            self.latencies.append((time.perf_counter() - began) * 1000)
            self.answers[(kind, status)] += 1
            if 400 <= status < 500 and len(self.client_errors) < 50:
                self.client_errors.append({"kind": kind, "method": method, "path": path,
                                           "status": status})
            if status >= 500:
                self.five_xx.append({"at": time.time(), "kind": kind, "method": method,
                                     "path": path, "status": status,
                                     "during_outage": self.in_outage()})
        return status, answer_headers, content

    def in_outage(self) -> bool:
        return self.outage is not None and self.outage[0] <= time.time() <= (
            self.outage[1] or float("inf"))

    # --- Actions ---
    def browse(self) -> None:
        who = random.choice(["coordinator", "coordinator", "handler", "entrepreneur",
                             "anonymous"])
        pages = {
            "coordinator": ["/", "/issues/", "/dashboard/", "/sessions/", "/inbox/",
                            f"/sessions/{self.setup['session']}/check-in/",
                            *(f"/issues/{r}/" for r in self.setup["references"][:5])],
            "handler": ["/", "/issues/", "/inbox/"],
            "entrepreneur": ["/", "/issues/", "/sessions/", "/inbox/"],
            "anonymous": ["/figures/", "/"],
        }[who]
        with self.lock:
            recent = [r for queue in self.queues.values() for r in queue]
        if recent and who in ("coordinator", "entrepreneur"):  # a handler sees dispatched ones
            pages.append(f"/issues/{random.choice(recent)}/")
        self.send("browse", who, "GET", random.choice(pages))

    def submit(self) -> None:
        status, _, page = self.send("submit", "entrepreneur", "GET", "/issues/new/")
        form = next((f for f in forms_in(page) if f["action"].endswith("/issues/new/")
                     or f["action"] == ""), None) if status == 200 else None
        if form is None or not form["choices"].get("category"):
            return
        with self.lock:
            self.sequence += 1
            title = f"[soak {self.run_id}] #{self.sequence} 厂房用电扩容报装等待时间过长"
        status, headers, _ = self.send("submit", "entrepreneur", "POST", "/issues/new/", filled(
            form, title=title, category=random.choice(form["choices"]["category"]),
            description="企业新增生产线需要扩容，报装申请已提交三周仍无答复。"))
        with self.lock:
            self.submitted[title] = status
        location = headers.get("Location") or "" if status == 302 else ""
        if location.startswith("/issues/HZ-"):
            with self.lock:
                self.queues["dispatch"].append(location.strip("/").split("/")[-1])

    def workflow(self) -> bool:
        with self.lock:
            step = next((s for s in reversed(STEPS) if self.queues[s]), None)
            if step is None:
                return False
            reference = self.queues[step].popleft()
        who, following = STEPS[step]
        page_path = f"/issues/{reference}/" + ("rate/" if step == "rate" else "")
        status, _, page = self.send("workflow", who, "GET", page_path)
        target = f"/issues/{reference}/{step}/"
        form = next((f for f in forms_in(page) if f["action"].endswith(target)), None)
        if status != 200 or form is None:
            self.refuse(step, reference, f"GET {page_path} → {status}, form found: "
                        f"{form is not None}", retry=status >= 500 or status == 0)
            return True
        values = {"dispatch": {"lead_department": str(self.setup["department"])},
                  "resolve": {"reply": "已协调供电公司，扩容工程下周开工。"},
                  "rate": {"value": "satisfied", "comment": "答复及时。"}}.get(step, {})
        status, _, _ = self.send("workflow", who, "POST", target, filled(form, **values))
        if status == 302:
            with self.lock:
                self.steps_done[step] += 1
                if following:
                    self.queues[following].append(reference)
        else:
            self.refuse(step, reference, f"POST {target} → {status}", retry=True)
        return True

    def refuse(self, step: str, reference: str, what: str, *, retry: bool) -> None:
        with self.lock:
            self.refused.append({"at": time.time(), "step": step, "issue": reference,
                                 "what": what, "during_outage": self.in_outage()})
            if retry:  # as a person would: try again later
                self.queues[step].append(reference)

    def check_in(self) -> None:
        session, places = self.setup["session"], self.setup["places"]
        place = random.choice(places)
        with self.lock:
            ticked = self.ticked.get(place, False)
        path = f"/sessions/{session}/check-in/{place}/" + ("undo/" if ticked else "")
        status, _, _ = self.send("check_in", "coordinator", "POST", path, [])
        if status == 302:
            with self.lock:
                self.ticked[place] = not ticked

    def one(self, kind: str) -> None:
        if kind == "workflow" and self.workflow():
            return
        {"browse": self.browse, "submit": self.submit, "check_in": self.check_in,
         "workflow": self.browse}[kind]()


def prepare(run_id: str) -> dict:
    """The demo if missing, the users' lock-outs cleared, and a session to check in at."""
    from axes.utils import reset
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.utils import timezone

    from government.models import Official, Region
    from issues.models import Issue
    from sessions.models import TalkSession
    from sessions.services import session_create, session_invite

    if Issue.objects.count() < 1000:
        call_command("seed_demo")
    users = {name: get_user_model().objects.get(username=name)
             for name in ("coordinator", "handler", "entrepreneur")}
    for name in users:
        reset(username=name)
    city = Region.objects.get(level=Region.Level.CITY)
    starts = timezone.now() + timedelta(hours=1)
    session = session_create(
        actor=users["coordinator"], region=city, kind=TalkSession._meta.get_field(
            "kind").default, theme=f"Soak {run_id}", venue=f"Soak hall {run_id}",
        starts_at=starts, ends_at=starts + timedelta(hours=2), capacity=500,
        status=TalkSession.Status.OPEN)
    session_invite(actor=users["coordinator"], session=session,
                   region=Region.objects.get(code="wuxing"))
    return {
        "session": session.pk,
        "places": list(session.attendances.values_list("pk", flat=True)[:200]),
        "department": Official.objects.get(user=users["handler"]).department_id,
        "references": sample_references(8),
    }


def run_traffic(traffic: Traffic, *, seconds: float, rate: float, clients: int,
                redis: ThrowawayRedis, outage_seconds: float, worker: Celery,
                warm_up: float) -> dict:
    kinds = [kind for kind, weight in MIX.items() for _ in range(weight)]
    started = time.time()
    slots = iter(range(10 ** 9))
    lag = []
    memory = {"first": rss_kib(worker.process.pid)}
    stopping = threading.Event()

    def client():
        while not stopping.is_set():
            with traffic.lock:
                slot = next(slots)
            due = started + slot / rate
            if due >= started + seconds:
                return
            wait = due - time.time()
            if wait > 0:
                time.sleep(wait)
            else:
                lag.append(-wait)
            traffic.one(random.choice(kinds))

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    time.sleep(min(warm_up, seconds / 2))
    memory["start"] = rss_kib(worker.process.pid)
    time.sleep(max(0.0, started + seconds / 2 - time.time()))
    print(f"  {time.time() - started:5.0f} s: stopping the broker for {outage_seconds:.0f} s",
          flush=True)
    traffic.outage = (time.time(), None)
    redis.stop()
    time.sleep(outage_seconds)
    redis.start()
    traffic.outage = (traffic.outage[0], time.time())
    print(f"  {time.time() - started:5.0f} s: the broker is back", flush=True)
    for thread in threads:
        thread.join()
    memory["end"] = rss_kib(worker.process.pid)
    return {"seconds": time.time() - started, "memory": memory,
            "late_slots": sum(1 for x in lag if x > 1.0), "max_lag_s": max(lag, default=0.0)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="traffic time (10)")
    parser.add_argument("--rate", type=float, default=4.0, help="actions a second (4)")
    parser.add_argument("--clients", type=int, default=4, help="client threads (4)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (3)")
    parser.add_argument("--concurrency", type=int, default=2, help="Celery processes (2)")
    parser.add_argument("--port", type=int, default=8721, help="gunicorn's port (8721)")
    parser.add_argument("--redis-port", type=int, default=6401, help="own redis-server (6401)")
    parser.add_argument("--outage-seconds", type=float, default=20.0,
                        help="how long the broker is down (20)")
    parser.add_argument("--warm-up", type=float, default=60.0,
                        help="seconds of traffic before the worker's memory is first read (60)")
    parser.add_argument("--drain-timeout", type=float, default=300.0,
                        help="how long to wait for the outbox to be sent afterwards (300)")
    parser.add_argument("--max-growth", type=float, default=0.10,
                        help="allowed growth of the worker's memory (0.10)")
    parser.add_argument("--json", type=Path, help="default var/benchmarks/soak-<database>.json")
    args = parser.parse_args()
    binary = shutil.which("redis-server")
    if binary is None:
        fail("redis-server is not installed (apt-get install redis-server)")

    config, _people = prepare_database()
    from django.utils import timezone

    run_id = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    setup = prepare(run_id)
    started_at, pending_at_start = outbox_snapshot()
    folder = ROOT / "var" / "benchmarks" / f"soak-{run_id}"
    (folder / "mail").mkdir(parents=True)
    redis = ThrowawayRedis(binary, args.redis_port, folder)
    redis.start()
    parts = []
    with tempfile.TemporaryDirectory(prefix="huzhou-soak-") as temporary:
        environment = server_environment(Path(temporary) / "static")
        environment.update({
            "REDIS_URL": redis.url, "CELERY_BROKER_URL": redis.url,
            "EMAIL_URL": f"filemail:///{folder / 'mail'}",
            "SMS_BACKEND": "soak_support.FileSMSBackend",
            "SOAK_SMS_FILE": str(folder / "sms.jsonl"),
            "PYTHONPATH": str(ROOT / "benchmarks"), "LOG_LEVEL": "INFO",
            "RATELIMIT_ISSUE_SUBMISSION": "100000/h", "RATELIMIT_LOGIN": "1000/10m",
        })
        collect_static(environment)
        try:
            worker = Celery(["worker", f"--concurrency={args.concurrency}", "--loglevel=INFO",
                             f"--hostname=soak-{run_id}@%h"], root=ROOT,
                            environment=environment, log_path=folder / "worker.log")
            parts.append(worker)
            parts.append(Celery(["beat", "--loglevel=INFO", "--scheduler",
                                 "django_celery_beat.schedulers:DatabaseScheduler"], root=ROOT,
                                environment=environment, log_path=folder / "beat.log"))
            server = Gunicorn(workers=args.workers, environment=environment, port=args.port,
                              log_path=folder / "gunicorn.log")
            parts.append(server)
            print(f"gunicorn ({args.workers} workers) on {args.port} ready in "
                  f"{server.wait_ready(path='/accounts/login/'):.1f} s; worker, beat and "
                  f"redis-server on {args.redis_port}. Logs in {folder}.")
            browsers = {name: log_in(server.port, name, _demo_password())
                        for name in ("coordinator", "handler", "entrepreneur")}
            browsers["anonymous"] = type(browsers["coordinator"])(server.port)
            traffic = Traffic(browsers, run_id=run_id, setup=setup)
            print(f"Traffic: {args.rate:g} actions/s from {args.clients} clients for "
                  f"{args.minutes:g} min; mix {MIX}.", flush=True)
            timing = run_traffic(traffic, seconds=args.minutes * 60, rate=args.rate,
                                 clients=args.clients, redis=redis, worker=worker,
                                 outage_seconds=args.outage_seconds, warm_up=args.warm_up)
            outbox = notification_report(started_at, pending_at_start, folder,
                                         timeout=args.drain_timeout)
        finally:
            for part in reversed(parts):
                part.stop()
            redis.stop()
    report(args, config, traffic, timing, outbox, folder, mix=MIX)


def _demo_password() -> str:
    from demo.seed import DEMO_PASSWORD

    return DEMO_PASSWORD


if __name__ == "__main__":
    main()
