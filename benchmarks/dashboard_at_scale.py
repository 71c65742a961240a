"""The dashboard, the ranking, the issue list and an issue page under gunicorn with
concurrent clients, on a synthetic province (``province.py``).

Run it against a database that ``province.py`` filled::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/huzhou_bench_province \\
        .venv/bin/python benchmarks/dashboard_at_scale.py \\
        --compare var/benchmarks/dashboard_at_scale-huzhou_bench_province_small.json

1. Set-up as the other benchmarks (``issues_at_scale.prepare_database``); refuses a
   database with fewer than 1,000 issues. Gives the city leader ``bench-leader`` and the
   county's coordinator the password ``BENCH_PASSWORD`` (their bench accounts have none)
   and clears their django-axes failures, if any.
2. Collects the static files into a temporary folder (``DEBUG=false`` serves them from a
   manifest) and starts ``gunicorn huzhou_talks.wsgi`` on a free local port: ``--workers``
   sync workers (2 × CPUs + 1), ``DEBUG=false``, a random ``DJANGO_SECRET_KEY``,
   ``ALLOWED_HOSTS=127.0.0.1,localhost``.
3. Logs in through the real form (``/accounts/login/``, its CSRF token), once per user and
   never again after a refusal, so that django-axes cannot lock anybody out.
4. For each URL: ``--warm-up`` requests, then ``--requests`` requests shared by
   ``--clients`` threads (each request a new connection, as gunicorn's sync workers close
   them). Prints p50, p95 and max in ms, requests per second and the non-200 answers,
   which are failures.
5. Stops gunicorn and times the bare SQL the dashboard needs (median of 5): the rollup
   sums, the same figures counted from the issues table (what the rollups save), the live
   overdue count, and the sessions' figures from the attendance rollups and from the
   places; and checks that each rollup figure equals the count.
6. Prints the targets (dashboard pages p95 < 300 ms, list and issue pages p95 < 100 ms)
   with PASS or FAIL, and with ``--compare`` (the JSON of a run on a small province) the
   list and issue pages against it: PASS when p95 is at most ``--slower-tolerance`` times
   the small one's. Saves the results as JSON (``--json``).
7. Replays every page over its target in-process (Django's test client) and prints
   EXPLAIN (ANALYZE, BUFFERS) of its slowest queries (``issues_at_scale.Bench``).

Exits with status 1 if any request did not answer 200. Nothing but the two passwords and
their lock-out records is written to the database (and the session rows of the log-ins).
"""

import argparse
import http.client
import json
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from issues_at_scale import MIN_ISSUES, ROOT, Bench, fail, prepare_database
from province import row_counts

#: The password the measured logins get (their bench accounts are made without one).
BENCH_PASSWORD = "huzhou-bench-2026"  # noqa: S105 - a benchmark database's only
DASHBOARD_TARGET_MS = 300.0
PAGE_TARGET_MS = 100.0
SQL_RUNS = 5


def fmt(value) -> str:
    return f"{value:,.1f}" if isinstance(value, float) else f"{value:,}"


# --- HTTP ---------------------------------------------------------------------------------


class Browser:
    """One person's cookies; each request a new connection to the local server."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, *, body: str | None = None,
                headers: dict | None = None, keep_cookies: bool = True):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            sent = {"Accept-Language": "zh-hans", **(headers or {})}
            if self.cookies:
                sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            content = response.read()
        finally:
            connection.close()
        if keep_cookies:
            for header in response.headers.get_all("Set-Cookie") or []:
                cookie = SimpleCookie()
                cookie.load(header)
                for name, morsel in cookie.items():
                    self.cookies[name] = morsel.value
        return response.status, response.headers, content


def log_in(port: int, username: str, password: str) -> Browser:
    """Through the log-in form, as a person would. One attempt: a refusal stops the run
    (retrying could lock the account out)."""
    browser = Browser(port)
    status, _headers, content = browser.request("GET", "/accounts/login/")
    found = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', content)
    if status != 200 or not found:
        fail(f"GET /accounts/login/ answered {status} without a CSRF token")
    status, headers, content = browser.request(
        "POST", "/accounts/login/",
        body=urlencode({"csrfmiddlewaretoken": found.group(1).decode(), "username": username,
                        "password": password, "next": "/"}),
        headers={"Content-Type": "application/x-www-form-urlencoded",
                 "Referer": f"http://127.0.0.1:{port}/accounts/login/"})
    if status != 302 or "sessionid" not in browser.cookies:
        fail(f"logging in as {username} answered {status} (location "
             f"{headers.get('Location')!r}); not retried, so that django-axes does not lock "
             f"the account out")
    return browser


@dataclass
class Target:
    key: str            # stable name, for comparing runs on two databases
    what: str
    who: str
    paths: list[str]
    target_ms: float
    kind: str           # "dashboard", "list" or "issue"


@dataclass
class Result:
    key: str
    what: str
    who: str
    path: str
    target_ms: float
    kind: str
    requests: int
    p50: float
    p95: float
    max: float
    per_second: float
    non_200: int
    statuses: dict = field(default_factory=dict)
    first_error: str = ""


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[round(share * 100) - 1]


def hammer(browser: Browser, paths: list[str], *, count: int, clients: int):
    """``count`` requests (cycling over ``paths``) from ``clients`` threads at once; the
    latencies in ms, the statuses, the wall time and the first non-200 answer."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors: list[str] = []
    lock = threading.Lock()
    issued = iter(range(count))
    start = threading.Barrier(clients)

    def client():
        start.wait()
        while True:
            with lock:
                index = next(issued, None)
            if index is None:
                return
            path = paths[index % len(paths)]
            began = time.perf_counter()
            try:
                status, headers, content = browser.request("GET", path, keep_cookies=False)
            except OSError as error:
                status, headers, content = 0, {}, str(error).encode()
            elapsed = (time.perf_counter() - began) * 1000
            with lock:
                latencies.append(elapsed)
                statuses[status] = statuses.get(status, 0) + 1
                if status != 200 and not errors:
                    where = headers.get("Location") if status else None
                    errors.append(f"GET {path} → {status}"
                                  + (f" → {where}" if where else "")
                                  + f": {content[:300].decode(errors='replace')!r}")

    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, statuses, time.perf_counter() - began, errors[0] if errors else ""


# --- gunicorn -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_environment(static_root: Path) -> dict:
    static_root.mkdir(parents=True, exist_ok=True)
    environment = dict(os.environ)
    environment.update({
        "DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "STATIC_ROOT": str(static_root),
        "CELERY_BROKER_URL": "memory://localhost/",
        "LOG_LEVEL": "WARNING",
    })
    # DEBUG off refuses to start without the shared cache; the pages measured never use it.
    if not environment.get("REDIS_URL"):
        environment["REDIS_URL"] = "redis://127.0.0.1:6379/0"
    return environment


def collect_static(environment: dict) -> None:
    """``collectstatic`` into the temporary STATIC_ROOT, for the manifest DEBUG=false
    reads, as a deployment does; a failure stops the benchmark, as it would a deployment."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT, env=environment, capture_output=True, text=True, check=False)
    if done.returncode:
        fail("collectstatic failed, as it would on a deployment:\n" + done.stderr[-2000:])
    print(f"\nStatic files collected in {time.perf_counter() - started:.1f} s.")


class Gunicorn:
    def __init__(self, *, workers: int, environment: dict, log_path: Path,
                 port: int | None = None):
        self.port = port or free_port()
        self.log_path = log_path
        self.log = log_path.open("w")
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "huzhou_talks.wsgi",
             "--workers", str(workers), "--bind", f"127.0.0.1:{self.port}",
             "--chdir", str(ROOT), "--timeout", "120", "--log-level", "warning"],
            cwd=ROOT, env=environment, stdout=self.log, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout: float = 90.0, path: str = "/health/") -> float:
        started = time.perf_counter()
        while time.perf_counter() - started < timeout:
            if self.process.poll() is not None:
                self.stop()
                fail(f"gunicorn exited ({self.process.returncode}):\n{self.tail()}")
            try:
                status, _, _ = Browser(self.port).request("GET", path)
                if status == 200:
                    return time.perf_counter() - started
            except OSError:
                pass
            time.sleep(0.3)
        self.stop()
        fail(f"gunicorn did not answer {path} within {timeout:.0f} s:\n{self.tail()}")

    def tail(self) -> str:
        self.log.flush()
        return self.log_path.read_text()[-3000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


# --- What is measured ---------------------------------------------------------------------


def last_full_month(today: date) -> date:
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


def prepare_logins(county_code: str) -> dict:
    """The city leader and the county's coordinator, with BENCH_PASSWORD and no lock-out."""
    from axes.utils import reset
    from django.contrib.auth import get_user_model

    from demo.data import coordinator_username

    users = {}
    for role, username in (("leader", "bench-leader"),
                           ("county coordinator", coordinator_username(county_code))):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            fail(f"no user {username}: run province.py on this database first")
        if not user.check_password(BENCH_PASSWORD):
            user.set_password(BENCH_PASSWORD)
            user.save(update_fields=["password"])
        reset(username=username)
        users[role] = user
    return users


def sample_references(count: int) -> list[str]:
    """Issues spread over the table (mostly closed, as the data), and a few open ones."""
    from django.db.models import Max, Min

    from issues.models import Issue

    bounds = Issue.objects.aggregate(low=Min("id"), high=Max("id"))
    spread = count - count // 4
    ids = [bounds["low"] + k * (bounds["high"] - bounds["low"]) // max(1, spread - 1)
           for k in range(spread)]
    references = list(Issue.objects.filter(id__in=ids).order_by("id")
                      .values_list("reference", flat=True))
    references += list(Issue.objects.filter(status__in=Issue.OPEN_STATUSES)
                       .order_by("-id").values_list("reference", flat=True)[:count // 4])
    return references


def targets(*, county, month: date, deep_page: int, references: list[str]) -> list[Target]:
    m = f"{month:%Y-%m}"
    county_month = f"/dashboard/?{urlencode({'region': county.pk, 'from': m, 'to': m})}"
    d, p = DASHBOARD_TARGET_MS, PAGE_TARGET_MS
    return [
        Target("dashboard-city", "dashboard: city, all time", "leader", ["/dashboard/"], d,
               "dashboard"),
        Target("dashboard-county-month", f"dashboard: {county.code}, {m}", "leader",
               [county_month], d, "dashboard"),
        Target("dashboard-county", f"dashboard: own county ({county.code}), all time",
               "county coordinator", ["/dashboard/"], d, "dashboard"),
        Target("ranking", "department ranking: city, all time", "leader",
               ["/dashboard/ranking/"], d, "dashboard"),
        Target("overdue", "overdue issues: city", "leader", ["/dashboard/overdue/"], d,
               "dashboard"),
        Target("figures", "public figures", "anonymous", ["/figures/"], d, "dashboard"),
        Target("list-1", "issue list, page 1", "leader", ["/issues/"], p, "list"),
        Target("list-deep", f"issue list, page {deep_page}", "leader",
               [f"/issues/?page={deep_page}"], p, "list"),
        Target("list-county", f"issue list, page 1 ({county.code})", "county coordinator",
               ["/issues/"], p, "list"),
        Target("issue", f"issue page ({len(references)} issues in turn)", "leader",
               [f"/issues/{reference}/" for reference in references], p, "issue"),
    ]


def run_pages(port: int, browsers: dict, plan: list[Target], *, clients: int, count: int,
              warm_up: int) -> list[Result]:
    results = []
    print(f"\nPages: {warm_up} warm-up requests, then {count} from {clients} clients at once.")
    for target in plan:
        browser = browsers[target.who]
        hammer(browser, target.paths, count=warm_up, clients=clients)
        latencies, statuses, wall, error = hammer(browser, target.paths, count=count,
                                                  clients=clients)
        result = Result(
            key=target.key, what=target.what, who=target.who, path=target.paths[0],
            target_ms=target.target_ms, kind=target.kind, requests=len(latencies),
            p50=percentile(latencies, 0.50), p95=percentile(latencies, 0.95),
            max=max(latencies), per_second=len(latencies) / wall,
            non_200=sum(n for status, n in statuses.items() if status != 200),
            statuses={str(k): v for k, v in statuses.items()}, first_error=error)
        results.append(result)
        flag = "" if not result.non_200 else f"   !!! {result.non_200} NOT 200: {error}"
        print(f"  {target.what:<46} p50 {result.p50:7.1f}  p95 {result.p95:7.1f}  "
              f"max {result.max:7.1f} ms  {result.per_second:6.1f}/s{flag}", flush=True)
    return results


# --- Bare SQL -----------------------------------------------------------------------------


def sql_statements(*, county_id: int, month: date, today: date) -> list[tuple[str, str, list]]:
    """(what, SQL, params): what the dashboard adds up, and the same from the issues."""
    from django.conf import settings

    from dashboard.definitions import CHANNELS, CITY_WIDE, MEASURES, RESOLVED_STATUSES
    from dashboard.models import AttendanceMonthRollup, AttendeeRollup, IssueRollup
    from issues.models import SATISFIED_RATINGS, Issue
    from sessions.models import Attendance, TalkSession

    def listed(values) -> str:
        return ", ".join(f"'{value}'" for value in values)

    zone = settings.TIME_ZONE
    rollup = IssueRollup._meta.db_table
    issues = Issue._meta.db_table
    sessions = TalkSession._meta.db_table
    attendances = Attendance._meta.db_table
    sums = ", ".join(f"sum({measure})" for measure in MEASURES if measure != "resolve_days")
    dispatched = ("dispatched_at IS NOT NULL AND lead_department_id IS NOT NULL AND status "
                  f"NOT IN ('{Issue.Status.RETURNED}', {listed(Issue.INVALID_STATUSES)})")
    resolved = f"status IN ({listed(RESOLVED_STATUSES)}) AND resolved_at IS NOT NULL"
    # A rating stored before channels were recorded counts as online.
    channel = "coalesce(nullif(latest_rating_channel, ''), 'online')"
    by_channel = []
    for each in CHANNELS:
        by_channel += [
            f"count(*) FILTER (WHERE latest_rating <> '' AND {channel} = '{each}')",
            f"count(*) FILTER (WHERE latest_rating IN ({listed(SATISFIED_RATINGS)})"
            f" AND {channel} = '{each}')",
        ]
    # The figures of dashboard.definitions.contribution, but the working days to resolve
    # (they need the working-day calendar), straight from the issues.
    counts = ", ".join([
        "count(*)",
        f"count(*) FILTER (WHERE status NOT IN ({listed(Issue.INVALID_STATUSES)}))",
        f"count(*) FILTER (WHERE status IN ({listed(Issue.OPEN_STATUSES)}))",
        f"count(*) FILTER (WHERE {dispatched})",
        f"count(*) FILTER (WHERE {dispatched} AND accepted_at IS NOT NULL AND "
        f"(accepted_at AT TIME ZONE '{zone}')::date <= accept_due_on)",
        f"count(*) FILTER (WHERE {resolved})",
        f"count(*) FILTER (WHERE {resolved} AND "
        f"(resolved_at AT TIME ZONE '{zone}')::date <= due_on)",
        "count(*) FILTER (WHERE latest_rating <> '')",
        f"count(*) FILTER (WHERE latest_rating IN ({listed(SATISFIED_RATINGS)}))",
        *by_channel,
        f"count(*) FILTER (WHERE {resolved} AND last_called_at IS NOT NULL)",
    ])
    start = datetime.combine(month, datetime.min.time()).isoformat()
    end = datetime.combine((month + timedelta(days=32)).replace(day=1),
                           datetime.min.time()).isoformat()
    in_month = (f"submitted_at >= '{start}'::timestamp AT TIME ZONE '{zone}' "
                f"AND submitted_at < '{end}'::timestamp AT TIME ZONE '{zone}'")
    held_in_month = in_month.replace("submitted_at", "starts_at")
    overdue = (f"status IN ({listed(Issue.WITH_DEPARTMENT_STATUSES)}) "
               f"AND due_on < '{today.isoformat()}'")
    county = f"region_id = {county_id}"

    def held(where: str) -> str:
        return f"status = 'held'{' AND ' + where if where else ''}"

    def session_counts(where: str) -> str:
        return (f"(SELECT count(*) FROM {sessions} WHERE {held(where)}), "
                f"(SELECT count(DISTINCT edition_id) FROM {sessions} WHERE {held(where)})")

    def places(where: str) -> str:
        # Distinct people as the dashboard counts them: COUNT(*) over SELECT DISTINCT.
        attended = (f"FROM {attendances} WHERE status = 'attended' AND session_id IN "
                    f"(SELECT id FROM {sessions} WHERE {held(where)})")
        return (f"SELECT {session_counts(where)}, (SELECT count(*) {attended}), "
                f"(SELECT count(*) FROM (SELECT DISTINCT entrepreneur_id {attended}) d)")

    people_rollup = AttendeeRollup._meta.db_table
    month_rollup = AttendanceMonthRollup._meta.db_table
    return [
        ("(a) rollup sums, city, all time", f"SELECT {sums} FROM {rollup}", []),
        ("(b) the same from the issues, city, all time", f"SELECT {counts} FROM {issues}", []),
        ("(a) rollup sums, county, one month",
         f"SELECT {sums} FROM {rollup} WHERE {county} AND month = '{month.isoformat()}'", []),
        ("(b) the same from the issues, county, one month",
         f"SELECT {counts} FROM {issues} WHERE {county} AND {in_month}", []),
        ("(a) rollup sums per department, city, all time",
         f"SELECT department_id, {sums} FROM {rollup} GROUP BY 1 ORDER BY 1", []),
        ("(b) the same from the issues, per department",
         f"SELECT CASE WHEN status IN ('{Issue.Status.RETURNED}', "
         f"{listed(Issue.INVALID_STATUSES)}) THEN 0 ELSE coalesce(lead_department_id, 0) END, "
         f"{counts} FROM {issues} GROUP BY 1 ORDER BY 1", []),
        ("overdue now, city (live)", f"SELECT count(*) FROM {issues} WHERE {overdue}", []),
        ("overdue now, county, one month (live)",
         f"SELECT count(*) FROM {issues} WHERE {overdue} AND {county} AND {in_month}", []),
        ("(a) sessions: held, editions, attendances, people from the rollups, city",
         f"SELECT {session_counts('')}, (SELECT sum(attended) FROM {month_rollup}), "
         f"(SELECT count(*) FROM {people_rollup} WHERE region_id = {CITY_WIDE} "
         "AND attended > 0)", []),
        ("(b) the same from the places, city", places(""), []),
        ("(a) sessions, county, one month (month rollup; people live)",
         f"SELECT {session_counts(f'{county} AND {held_in_month}')}, "
         f"(SELECT sum(attended) FROM {month_rollup} WHERE {county} "
         f"AND month = '{month.isoformat()}'), "
         f"(SELECT count(*) FROM (SELECT DISTINCT entrepreneur_id FROM {attendances} "
         f"WHERE status = 'attended' AND session_id IN (SELECT id FROM {sessions} "
         f"WHERE {held(f'{county} AND {held_in_month}')})) d)", []),
        ("(b) the same from the places, county, one month",
         places(f"{county} AND {held_in_month}"), []),
    ]


def figures(rows) -> list[tuple]:
    """Rows of figures as integers, without those whose sixteen figures (the measures but
    the working days) are all zero."""
    rows = [tuple(int(value or 0) for value in row) for row in rows]
    return sorted(row for row in rows if any(row[-16:]))


def time_sql(statements) -> tuple[list[tuple[str, float]], list[str]]:
    """Median ms of SQL_RUNS runs of each (after one warm run), and the pairs (a)/(b)
    whose figures differ."""
    from django.db import connection

    timings, answers = [], {}
    with connection.cursor() as cursor:
        for what, sql, params in statements:
            cursor.execute(sql, params)
            answers[what] = cursor.fetchall()
            runs = []
            for _ in range(SQL_RUNS):
                started = time.perf_counter()
                cursor.execute(sql, params)
                cursor.fetchall()
                runs.append((time.perf_counter() - started) * 1000)
            timings.append((what, statistics.median(runs)))
    mismatches = []
    names = [what for what, _sql, _params in statements]
    for a, b in zip(names, names[1:], strict=False):
        if a.startswith("(a)") and b.startswith("(b)") and figures(answers[a]) != figures(
                answers[b]):
            mismatches.append(f"{a} ≠ {b}")
    return timings, mismatches


# --- Reporting ----------------------------------------------------------------------------


def machine_facts(config: dict) -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT version(), current_setting('shared_buffers'), "
                       "current_setting('work_mem'), current_setting('effective_cache_size'), "
                       "current_setting('max_parallel_workers_per_gather')")
        version, shared_buffers, work_mem, cache_size, parallel = cursor.fetchone()
    return {
        "database": config["NAME"], "nproc": os.cpu_count(),
        "load_average": list(os.getloadavg()), "postgresql": version.split(" on ")[0],
        "shared_buffers": shared_buffers, "work_mem": work_mem,
        "effective_cache_size": cache_size, "max_parallel_workers_per_gather": parallel,
        "rows": row_counts(),
    }


def print_table(results: list[Result]) -> None:
    width = max(len(r.what) for r in results)
    print(f"\n{'page':<{width}} | {'as':<18} | {'p50 ms':>7} | {'p95 ms':>7} | "
          f"{'max ms':>7} | {'req/s':>6} | {'non-200':>7} | target p95")
    print(f"{'-' * width}-|-{'-' * 18}-|-{'-' * 7}-|-{'-' * 7}-|-{'-' * 7}-|-{'-' * 6}-|-"
          f"{'-' * 7}-|-----------")
    for r in results:
        verdict = "PASS" if r.p95 < r.target_ms and not r.non_200 else "FAIL"
        print(f"{r.what:<{width}} | {r.who:<18} | {r.p50:7.1f} | {r.p95:7.1f} | "
              f"{r.max:7.1f} | {r.per_second:6.1f} | {r.non_200:7} | "
              f"< {r.target_ms:.0f} ms {verdict}")


def compare(results: list[Result], other_path: Path, tolerance: float) -> list[str]:
    other = json.loads(other_path.read_text())
    theirs = {r["key"]: r for r in other["results"]}
    issues_there = other["facts"]["rows"]["issues"]
    print(f"\nList and issue pages against {other['facts']['database']} "
          f"({issues_there:,} issues): PASS when p95 ≤ {tolerance:g} × theirs.")
    failed = []
    for r in results:
        if r.kind not in ("list", "issue") or r.key not in theirs:
            continue
        small = theirs[r.key]
        ok = r.p95 <= tolerance * small["p95"]
        if not ok:
            failed.append(r.what)
        print(f"  {r.what:<46} p95 {r.p95:7.1f} ms here, {small['p95']:7.1f} ms there "
              f"(× {r.p95 / small['p95']:.2f}; p50 × {r.p50 / small['p50']:.2f})  "
              f"{'PASS' if ok else 'FAIL'}")
    return failed


def explain_slow(results: list[Result], plan: list[Target], users: dict) -> None:
    """Replay the pages over their target in-process and explain their slowest queries,
    when SQL is a real part of the time (a query of 10 ms or a tenth of the page)."""
    from django.test import Client

    slow = [r for r in results if r.p95 >= r.target_ms and not r.non_200]
    if not slow:
        print("\nNo page over its target: nothing to explain.")
        return
    print("\nPages over their target, replayed in-process one at a time (Django's test "
          "client, median of 5):")
    bench = Bench(runs=5, explain_over=0.0)
    paths = {t.key: t.paths for t in plan}
    worth = []
    for r in slow:
        client = Client(HTTP_HOST="localhost")
        if users.get(r.who) is not None:
            client.force_login(users[r.who])
        m = bench.page(f"GET {paths[r.key][0]} as {r.who}", client, paths[r.key][0])
        recorder = m.recorder
        slowest = recorder.slowest[0][0] if recorder.slowest else 0.0
        print(f"      SQL {recorder.total_ms:.1f} ms of {m.median_ms:.1f} ms "
              f"(slowest query {slowest:.1f} ms); the rest is Python: views, templates")
        if slowest >= max(10.0, m.median_ms / 10):
            worth.append(m)
    bench.results = worth
    if worth:
        bench.explain_slow()
    else:
        print("\nNo query worth explaining: the time is outside SQL.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1,
                        help="gunicorn workers (default 2 × CPUs + 1)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients (4)")
    parser.add_argument("--requests", type=int, default=200,
                        help="measured requests per page, shared by the clients (200)")
    parser.add_argument("--warm-up", type=int, default=20,
                        help="requests per page before measuring (20)")
    parser.add_argument("--county", default="wuxing", help="the county measured (wuxing)")
    parser.add_argument("--deep-page", type=int, default=200,
                        help="the deep page of the issue list (200, or the middle page of a "
                             "smaller list)")
    parser.add_argument("--issue-pages", type=int, default=20,
                        help="issue pages requested in turn (20)")
    parser.add_argument("--json", type=Path,
                        help="where to save the results (default var/benchmarks/"
                             "dashboard_at_scale-<database>.json)")
    parser.add_argument("--compare", type=Path,
                        help="the JSON of a run on a small province, to compare the list "
                             "and issue pages with")
    parser.add_argument("--slower-tolerance", type=float, default=1.2,
                        help="how much slower (p95) than the small province still passes "
                             "(1.2)")
    parser.add_argument("--no-explain", action="store_true",
                        help="do not explain the pages over their target")
    args = parser.parse_args()
    if args.compare is not None and not args.compare.exists():
        fail(f"--compare {args.compare}: no such file")

    config, _people = prepare_database()
    from django.utils import timezone

    from government.models import Region
    from issues.models import Issue
    from issues.selectors import ISSUE_PAGE_SIZE

    issue_count = Issue.objects.count()
    if issue_count < MIN_ISSUES:
        fail(f"the database holds {issue_count:,} issues: fill it with province.py first")
    county = Region.objects.filter(code=args.county, level=Region.Level.COUNTY).first()
    if county is None:
        fail(f"no county {args.county!r}")
    users = {**prepare_logins(args.county), "anonymous": None}
    facts = machine_facts(config)
    print("Machine: " + ", ".join(f"{k} {v}" for k, v in facts.items() if k != "rows"))
    print("Rows: " + ", ".join(f"{name} {n:,}" for name, n in facts["rows"].items()))

    today = timezone.localdate()
    month = last_full_month(today)
    deep_page = min(args.deep_page, max(1, issue_count // ISSUE_PAGE_SIZE // 2))
    plan = targets(county=county, month=month, deep_page=deep_page,
                   references=sample_references(args.issue_pages))

    with tempfile.TemporaryDirectory(prefix="huzhou-bench-") as folder:
        environment = server_environment(Path(folder) / "static")
        collect_static(environment)
        server = Gunicorn(workers=args.workers, environment=environment,
                          log_path=Path(folder) / "gunicorn.log")
        try:
            print(f"gunicorn: {args.workers} sync workers on 127.0.0.1:{server.port}, "
                  f"ready in {server.wait_ready():.1f} s.")
            browsers = {"anonymous": Browser(server.port)}
            for role in ("leader", "county coordinator"):
                browsers[role] = log_in(server.port, users[role].username, BENCH_PASSWORD)
            print("Logged in through the form as " + " and ".join(
                users[role].username for role in ("leader", "county coordinator")) + ".")
            results = run_pages(server.port, browsers, plan, clients=args.clients,
                                count=args.requests, warm_up=args.warm_up)
        finally:
            server.stop()
            log = server.log_path.read_text().strip()
            if log:
                print(f"\ngunicorn's log:\n{log[-3000:]}")

    print(f"\nBare SQL (median of {SQL_RUNS} warm runs, no server running):")
    timings, mismatches = time_sql(sql_statements(county_id=county.pk, month=month,
                                                  today=today))
    width = max(len(what) for what, _ in timings)
    for what, ms in timings:
        print(f"  {what:<{width}} {ms:9.2f} ms")
    print("  each rollup figure (a) equals the count (b): "
          + ("yes" if not mismatches else "NO: " + "; ".join(mismatches)))

    print_table(results)
    print(f"\nTargets: dashboard pages p95 < {DASHBOARD_TARGET_MS:.0f} ms, list and issue "
          f"pages p95 < {PAGE_TARGET_MS:.0f} ms, on {issue_count:,} issues; "
          f"{args.clients} clients, {args.workers} gunicorn workers, {os.cpu_count()} CPUs.")
    failures = [r for r in results if r.non_200]
    over = [r for r in results if r.p95 >= r.target_ms]
    print(f"  {len(results) - len(over)} of {len(results)} pages within their target"
          + (": FAIL " + ", ".join(r.what for r in over) if over else ": PASS"))
    slower = compare(results, args.compare, args.slower_tolerance) if args.compare else []

    facts["load_average_end"] = list(os.getloadavg())
    print(f"\nLoad average {', '.join(f'{x:.1f}' for x in facts['load_average_end'])} "
          "(1, 5, 15 minutes) at the end.")
    saved = args.json or ROOT / "var" / "benchmarks" / f"dashboard_at_scale-{config['NAME']}.json"
    saved.parent.mkdir(parents=True, exist_ok=True)
    saved.write_text(json.dumps({
        "facts": facts, "clients": args.clients, "workers": args.workers,
        "month": f"{month:%Y-%m}", "county": county.code,
        "results": [asdict(r) for r in results],
        "sql": [{"what": what, "ms": ms} for what, ms in timings],
        "rollup_mismatches": mismatches, "slower_than_compared": slower,
    }, indent=1, ensure_ascii=False, default=str))
    print(f"Results saved in {saved}.")

    if not args.no_explain:
        explain_slow(results, plan, users)
    if failures:
        print(f"\n!!! {sum(r.non_200 for r in failures)} requests did not answer 200:")
        for r in failures:
            print(f"  {r.what}: {r.statuses}; first: {r.first_error}")
        sys.exit(1)
    print(f"\nThe database {config['NAME']} is left in place.")


if __name__ == "__main__":
    main()
