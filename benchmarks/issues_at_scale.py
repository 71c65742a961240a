"""The issue workflow's pages and periodic work, measured with a million issues.

Run it against a PostgreSQL database of its own, whose name says "bench"::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/huzhou_bench \\
        .venv/bin/python benchmarks/issues_at_scale.py --issues 1000000

1. Creates the database if it is missing, migrates, loads the demo's reference data and
   logins (``demo.seed``; not the history), and bulk-generates ``--issues`` issues with SQL
   (``INSERT … SELECT … FROM generate_series``): the 7 regions, every department and
   category, ten years of submissions, ≈94 % closed, 1 % closed unrated, 1 % rejected or
   duplicate and the rest open in every open state, due dates around today (so some are
   overdue or due soon), escalation levels, timeline entries, assisting departments,
   pending extension requests, ratings and the officials' in-app messages. A database that
   already holds the issues is reused; one with fewer gets the missing ones; one with more
   is refused. Then VACUUM (ANALYZE), so no autovacuum runs during the measurements.
2. Measures each page with Django's test client, logged in as each role, and the periodic
   work: the median of ``--runs`` warm runs and the number of queries.
3. Prints the table, then EXPLAIN (ANALYZE, BUFFERS) of the slowest query of every
   measurement over ``--explain-over`` ms (and of any other query taking a quarter of it).

Queries are counted by an execute wrapper (``connection.execute_wrapper``) rather than
``CaptureQueriesContext``: the latter reads ``connection.queries``, which keeps only the
last 9,000 queries, and the follow-up queue's first run makes far more than that.

Nothing is dropped or deleted but the generator's own temporary tables: the script only
adds rows to a database it may create (and the follow-up queue it runs changes issues as
it would in production).
Celery messages go to an in-memory broker (``memory://``), never to a real worker.
"""

import argparse
import json
import os
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: Share of each status among generated issues, in this order (the rest of 1.0 is review).
STATUS_MIX = (
    ("closed", 0.940),
    ("closed_unrated", 0.010),
    ("rejected", 0.005),
    ("duplicate", 0.005),
    ("submitted", 0.004),
    ("returned", 0.002),
    ("dispatched", 0.006),
    ("accepted", 0.006),
    ("in_progress", 0.014),
    ("resolved", 0.006),
)
#: Share of issues by region code (enterprises are spread the same way).
REGION_MIX = {"huzhou": 0.10, "wuxing": 0.20, "nanxun": 0.14, "deqing": 0.15,
              "changxing": 0.15, "anji": 0.14, "south-taihu": 0.12}
MIN_ISSUES = 1000


def fail(message: str) -> None:
    # Named after the script run (this one, or another benchmark importing these helpers).
    print(f"{Path(sys.argv[0]).stem}: {message}", file=sys.stderr)
    sys.exit(2)


# --- Set-up: environment, database, Django ----------------------------------------------


def configure_environment() -> dict:
    """Check DATABASE_URL (PostgreSQL, a name with "bench") and set Django's environment."""
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "huzhou_talks.settings"
    os.environ["DEBUG"] = "true"
    # Outbox deliveries queued by the follow-up go to an in-process broker: never to the
    # demo's filesystem queue or a real worker, which would send them.
    os.environ["CELERY_BROKER_URL"] = "memory://localhost/"
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "false"
    import environ

    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        fail("set DATABASE_URL=postgres://…/<name with bench> (see benchmarks/README.md)")
    config = environ.Env.db_url_config(url)
    if "postgresql" not in config["ENGINE"]:
        fail(f"refusing {config['ENGINE']}: the benchmark runs on PostgreSQL only")
    if "bench" not in config["NAME"].lower():
        fail(f"refusing database {config['NAME']!r}: its name must contain 'bench'")
    return config


def ensure_database(config: dict) -> bool:
    """Create the database if it is missing; True if it was created."""
    import psycopg2
    from psycopg2 import sql

    connection = psycopg2.connect(
        dbname="postgres", user=config.get("USER") or None,
        password=config.get("PASSWORD") or None, host=config.get("HOST") or None,
        port=config.get("PORT") or None,
    )
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]])
            if cursor.fetchone():
                return False
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))
            return True
    finally:
        connection.close()


# --- Measuring --------------------------------------------------------------------------


class QueryRecorder:
    """Counts every query run through Django's connection and keeps the slowest ones.

    Used as ``connection.execute_wrapper``. Server-side cursors (``.iterator()`` on
    PostgreSQL) fetch their rows after ``execute`` returns, so their time here is only the
    DECLARE; they are kept aside so that they can be explained too.
    """

    KEEP = 3

    def __init__(self):
        self.count = 0
        self.total_ms = 0.0
        self.slowest = []  # [(ms, sql, params)], slowest first, one per statement text
        self.server_side = []  # [(sql, params)]

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            self.count += 1
            self.total_ms += elapsed
            if not many:
                if getattr(context["cursor"].cursor, "name", None):
                    if len(self.server_side) < 5:
                        self.server_side.append((sql, params))
                else:
                    self._keep(elapsed, sql, params)

    def _keep(self, elapsed: float, sql: str, params) -> None:
        if len(self.slowest) == self.KEEP and elapsed <= self.slowest[-1][0]:
            return
        same = [item for item in self.slowest if item[1] == sql]
        if same and same[0][0] >= elapsed:
            return
        kept = [item for item in self.slowest if item[1] != sql] + [(elapsed, sql, params)]
        self.slowest = sorted(kept, key=lambda item: -item[0])[:self.KEEP]


@dataclass
class Measurement:
    what: str
    times_ms: list = field(default_factory=list)
    queries: list = field(default_factory=list)
    recorder: QueryRecorder | None = None
    note: str = ""

    @property
    def median_ms(self) -> float:
        return statistics.median(self.times_ms)

    @property
    def query_text(self) -> str:
        low, high = min(self.queries), max(self.queries)
        return str(low) if low == high else f"{low}–{high}"


class Bench:
    def __init__(self, *, runs: int, explain_over: float):
        self.runs = runs
        self.explain_over = explain_over
        self.results: list[Measurement] = []

    def _once(self, fn):
        from django.db import connection

        recorder = QueryRecorder()
        with connection.execute_wrapper(recorder):
            started = time.perf_counter()
            value = fn()
            elapsed = (time.perf_counter() - started) * 1000
        return elapsed, recorder, value

    def measure(self, what: str, fn, *, runs: int | None = None, warm: bool = True,
                note=None) -> Measurement:
        """Run ``fn`` once to warm up (unless ``warm`` is False), then ``runs`` times; keep
        the median's recorder. ``note`` turns the last value into a remark."""
        runs = runs or self.runs
        if warm:
            fn()
        measurement = Measurement(what)
        recorders = []
        value = None
        for _ in range(runs):
            elapsed, recorder, value = self._once(fn)
            measurement.times_ms.append(elapsed)
            measurement.queries.append(recorder.count)
            recorders.append((elapsed, recorder))
        median = measurement.median_ms
        measurement.recorder = min(recorders, key=lambda item: abs(item[0] - median))[1]
        if note is not None:
            measurement.note = note(value)
        self.results.append(measurement)
        print(f"  {what:<58} {median:>10.1f} ms {measurement.query_text:>8} q"
              f"{'  ' + measurement.note if measurement.note else ''}", flush=True)
        return measurement

    def page(self, what: str, client, url: str) -> Measurement:
        def get():
            response = client.get(url)
            if response.status_code != 200:
                raise RuntimeError(f"{url} answered {response.status_code} for {what}")
            return response

        return self.measure(what, get)

    def report(self) -> None:
        width = max(len(m.what) for m in self.results)
        print()
        print(f"{'what':<{width}} | {'ms median':>10} | {'queries':>8} | note")
        print(f"{'-' * width}-|-{'-' * 10}-|-{'-' * 8}-|-----")
        for m in self.results:
            print(f"{m.what:<{width}} | {m.median_ms:>10.1f} | {m.query_text:>8} | {m.note}")

    def explain_slow(self) -> None:
        from django.db import connection, transaction

        slow = [m for m in self.results if m.median_ms > self.explain_over]
        if not slow:
            print(f"\nNo measurement took more than {self.explain_over:.0f} ms.")
            return
        for m in slow:
            recorder = m.recorder
            statements = []
            # The slowest query, and any other taking a quarter of the whole or more (a
            # page's second costly query is often hidden behind its first).
            for rank, (ms, sql, params) in enumerate(recorder.slowest):
                if rank == 0 or ms >= m.median_ms / 4:
                    title = "slowest query" if rank == 0 else "next slowest query"
                    statements.append((f"{title}, {ms:.1f} ms", (sql, params)))
            statements += [("server-side cursor (fetch time not in the figure above)", item)
                           for item in recorder.server_side]
            print(f"\n=== {m.what}: {m.median_ms:.1f} ms median, {m.query_text} queries ===")
            for title, (sql, params) in statements:
                with connection.cursor() as cursor:
                    query = cursor.cursor.mogrify(sql, params).decode()
                print(f"--- {title}:\n{query}\n")
                # EXPLAIN ANALYZE runs the statement: an UPDATE or SELECT … FOR UPDATE is
                # rolled back.
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query}")
                    print("\n".join(row[0] for row in cursor.fetchall()))
                    transaction.set_rollback(True)


# --- Reference data and users -----------------------------------------------------------


def seed_people():
    """The demo's reference data and logins, a coordinator per county and a handler per
    department (``demo.seed``), and a city leader, which the seed does not make."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from demo.seed import seed_demo_accounts, seed_officials, seed_reference_data
    from government.models import Department, Official

    with transaction.atomic():
        seed_reference_data()
        accounts = seed_demo_accounts()
        seed_officials()
        user, _ = get_user_model().objects.get_or_create(
            username="bench-leader", defaults={"first_name": "基准领导"})
        Official.objects.get_or_create(
            user=user, defaults={"name": "基准领导", "role": Official.Role.LEADER,
                                 "department": Department.objects.get(code="huzhou-tzb"),
                                 "title": "副市长"})
    User = get_user_model()
    return {
        "anonymous": None,
        "admin": accounts["admin"],
        "coordinator": accounts["coordinator"],
        "county coordinator": User.objects.get(username="wuxing"),
        "handler": accounts["handler"],
        "leader": User.objects.get(username="bench-leader"),
        "entrepreneur": accounts["entrepreneur"],
    }


# --- Generating issues ------------------------------------------------------------------


def _status_case(column: str) -> str:
    """SQL CASE turning a uniform random ``column`` into a status, by STATUS_MIX."""
    parts, edge = [], 0.0
    for status, share in STATUS_MIX:
        edge += share
        parts.append(f"WHEN {column} < {edge:.6f} THEN '{status}'")
    return "CASE " + " ".join(parts) + " ELSE 'review' END"


class Generator:
    """Adds issues (and all that hangs on them) with a few INSERT … SELECT statements."""

    def __init__(self, *, cursor, target: int, people: dict):
        from django.utils import timezone

        self.cursor = cursor
        self.target = target
        self.people = people
        self.today = timezone.localdate()
        self.timings: list[tuple[str, float]] = []

    def step(self, what: str, sql: str, params=None) -> int:
        started = time.perf_counter()
        self.cursor.execute(sql, params)
        elapsed = time.perf_counter() - started
        self.timings.append((what, elapsed))
        rows = self.cursor.rowcount
        print(f"  {what:<44} {elapsed:7.1f} s  {rows if rows >= 0 else '':>10}", flush=True)
        return rows

    # Helper tables (temporary: they vanish with the connection) -------------------------

    def helper_tables(self, *, enterprise_count: int) -> None:
        from core.workdays import work_calendar
        from demo import data
        from government.models import Official, Region
        from issues.models import Category
        from issues.rules import workflow_rules

        cursor = self.cursor
        calendar = work_calendar()
        today = self.today
        categories = list(Category.objects.order_by("pk"))
        limits = sorted({c.accept_limit_days for c in categories}
                        | {c.resolve_limit_days for c in categories})
        cursor.execute("""
            CREATE TEMP TABLE bench_day (day date PRIMARY KEY, late int NOT NULL);
            CREATE TEMP TABLE bench_add (day date, n int, due date, PRIMARY KEY (day, n));
            CREATE TEMP TABLE bench_cat (idx int PRIMARY KEY, category_id bigint,
                default_department_id bigint, accept_limit int, resolve_limit int, titles int);
            CREATE TEMP TABLE bench_title (cat_idx int, k int, title text, reply text,
                PRIMARY KEY (cat_idx, k));
            CREATE TEMP TABLE bench_dept (idx int PRIMARY KEY, department_id bigint UNIQUE,
                handler_user_id bigint);
            CREATE TEMP TABLE bench_region (idx int PRIMARY KEY, region_id bigint,
                division text, low float, high float);
        """)
        # Working days around today, from the app's own calendar: the generated due dates
        # are what the workflow would have computed, so a recompute finds them right.
        days, adds = [], []
        for offset in range(-400, 120):
            day = today + timedelta(days=offset)
            days.append((day, calendar.working_days_between(day, today)))
            adds += [(day, n, calendar.add_working_days(day, n)) for n in limits]
        cursor.executemany("INSERT INTO bench_day VALUES (%s, %s)", days)
        cursor.executemany("INSERT INTO bench_add VALUES (%s, %s, %s)", adds)
        for idx, category in enumerate(categories):
            titles = data.ISSUE_TEMPLATES.get(category.code) or [(category.name, "已答复。")]
            cursor.execute("INSERT INTO bench_cat VALUES (%s, %s, %s, %s, %s, %s)",
                           [idx, category.pk, category.default_department_id,
                            category.accept_limit_days, category.resolve_limit_days,
                            len(titles)])
            cursor.executemany("INSERT INTO bench_title VALUES (%s, %s, %s, %s)",
                               [(idx, k, title, reply) for k, (title, reply) in enumerate(titles)])
        handlers = {}
        for official in Official.objects.filter(role=Official.Role.HANDLER).order_by("pk"):
            handlers.setdefault(official.department_id, official.user_id)
        cursor.execute("""
            INSERT INTO bench_dept
            SELECT row_number() OVER (ORDER BY id) - 1, id, (%s::jsonb ->> id::text)::bigint
            FROM government_department WHERE is_active
        """, [json.dumps({str(k): v for k, v in handlers.items()})])
        low = 0.0
        regions = {r.code: r for r in Region.objects.all()}
        for idx, (code, share) in enumerate(REGION_MIX.items()):
            region = regions[code]
            cursor.execute("INSERT INTO bench_region VALUES (%s, %s, %s, %s, %s)",
                           [idx, region.pk, region.division_code or "330599", low, low + share])
            low += share
        cursor.execute("UPDATE bench_region SET high = 1.0 WHERE idx = %s",
                       [len(REGION_MIX) - 1])
        self.soon = calendar.add_working_days(today, workflow_rules().remind_before_days)
        cursor.execute("SELECT count(*) FROM bench_dept")
        self.department_count = cursor.fetchone()[0]
        self.enterprise_count = enterprise_count

    # Enterprises and the people who speak for them -----------------------------------

    def enterprises(self, *, every_entrepreneur: bool = False) -> None:
        """One bench enterprise (credit code 92…, never a demo one) per 50 issues, each
        with one verified entrepreneur without an account (mobile 170…). With
        ``every_entrepreneur``, none is added and the issues are drawn from every
        enterprise with a verified entrepreneur (a province's, see ``province.py``)."""
        cursor = self.cursor
        cursor.execute("SELECT count(*) FROM entrepreneurs_enterprise "
                       "WHERE credit_code LIKE '92%%'")
        have = cursor.fetchone()[0]
        want = 0 if every_entrepreneur else self.enterprise_count
        if have < want:
            self.step("enterprises", """
                INSERT INTO entrepreneurs_enterprise
                    (name, credit_code, region_id, industry, scale, created_at)
                SELECT '湖州基准' || g || '号' ||
                       (ARRAY['智能装备','新材料','纺织','电池','竹业','物流','软件'])
                       [1 + g %% 7] || '有限公司',
                       '92' || r.division || lpad(g::text, 10, '0'),
                       r.region_id,
                       (ARRAY['manufacturing','manufacturing','manufacturing','trade','it',
                              'logistics','agriculture','construction','energy','research'])
                       [1 + (g * 7) %% 10],
                       (ARRAY['small','small','micro','medium','large'])[1 + (g * 3) %% 5],
                       now() - interval '11 years'
                FROM generate_series(%s, %s) g
                JOIN bench_region r ON (g * 0.6180339887) %% 1 >= r.low
                                   AND (g * 0.6180339887) %% 1 < r.high
            """, [have + 1, want])
            self.step("entrepreneurs", """
                INSERT INTO entrepreneurs_entrepreneur
                    (name, mobile, email, enterprise_id, position, is_new_generation,
                     consent_to_contact, verification, verified_at, verification_note,
                     privacy_notice_version, anonymised_at, created_at)
                SELECT '基准企业家' || substr(e.credit_code, 9), '170' || substr(e.credit_code, 11),
                       '', e.id, '总经理', false, true, 'verified', e.created_at, '', '', NULL,
                       e.created_at
                FROM entrepreneurs_enterprise e
                WHERE e.credit_code LIKE '92%%'
                  AND NOT EXISTS (SELECT 1 FROM entrepreneurs_entrepreneur p
                                  WHERE p.enterprise_id = e.id)
            """)
        # The pool issues are drawn from: every bench enterprise (or every enterprise), and
        # the demo entrepreneur's, so that the demo login has a realistic number of issues.
        pool = "true" if every_entrepreneur else "e.credit_code LIKE '92%%'"
        cursor.execute(f"""
            CREATE TEMP TABLE bench_ent AS
            SELECT row_number() OVER (ORDER BY e.id) - 1 AS idx, e.id AS enterprise_id,
                   e.region_id, p.id AS entrepreneur_id, p.user_id
            FROM entrepreneurs_enterprise e
            JOIN LATERAL (SELECT id, user_id FROM entrepreneurs_entrepreneur
                          WHERE enterprise_id = e.id AND verification = 'verified'
                          ORDER BY id LIMIT 1) p ON true
            WHERE {pool} OR p.user_id = %s;
            ALTER TABLE bench_ent ADD PRIMARY KEY (idx);
            ANALYZE bench_ent;
        """, [self.people["entrepreneur"].pk])
        cursor.execute("SELECT count(*) FROM bench_ent")
        self.pool = cursor.fetchone()[0]

    # Issues --------------------------------------------------------------------------

    def issues(self, count: int) -> tuple[int, int]:
        """Add ``count`` issues; return the id range (first, last)."""
        cursor = self.cursor
        cursor.execute("SELECT coalesce(max(id), 0) FROM issues_issue")
        base = cursor.fetchone()[0]
        cursor.execute("SELECT setseed(0.2026)")
        params = {
            "count": count, "base": base, "pool": self.pool, "today": self.today,
            "soon": self.soon, "departments": self.department_count,
        }
        # raw: random numbers; st: the status; t: the round's clock and times; then the
        # due dates from the real working-day calendar (bench_add), lateness (bench_day)
        # and the follow-up marks as the queue would have left them, some a step behind.
        self.step("issues", f"""
            WITH raw AS MATERIALIZED (
                SELECT g, random() AS r_status, random() AS r_time, random() AS r_ent,
                       random() AS r_cat, random() AS r_dept, random() AS r_a,
                       random() AS r_b, random() AS r_c, random() AS r_d
                FROM generate_series(1, %(count)s) g
            ), st AS (
                SELECT raw.*, {_status_case("r_status")} AS status FROM raw
            ), cls AS (
                SELECT st.*,
                    status IN ('dispatched', 'accepted', 'in_progress') AS with_department,
                    status IN ('closed', 'closed_unrated', 'rejected', 'duplicate') AS terminal,
                    CASE WHEN status = 'review' THEN 3
                         WHEN status IN ('dispatched', 'accepted', 'in_progress', 'resolved')
                              AND r_b < 0.1 THEN 2
                         WHEN status = 'closed' AND r_d >= 0.994 THEN 3
                         ELSE 1 END AS round,
                    -- the round's start, for open issues (calendar days before today)
                    CASE status
                        WHEN 'dispatched' THEN %(today)s::date - floor(r_time * 5)::int
                        WHEN 'accepted' THEN %(today)s::date - floor(r_time * 26)::int
                        WHEN 'in_progress' THEN %(today)s::date - floor(r_time * 26)::int
                        WHEN 'resolved' THEN %(today)s::date - floor(r_a * 16)::int
                                             - floor(2 + r_time * 20)::int
                        WHEN 'review' THEN %(today)s::date - floor(20 + r_time * 20)::int
                    END AS open_start
                FROM st
            ), t0 AS (
                SELECT cls.*,
                    CASE WHEN terminal THEN now() - (2 + r_time * 3648) * interval '1 day'
                         WHEN status = 'submitted' THEN now() - r_time * interval '4 days'
                         WHEN status = 'returned' THEN now() - (1 + r_time * 6) * interval '1 day'
                    END AS sub_terminal,
                    least((open_start + time '10:00') AT TIME ZONE 'Asia/Shanghai'
                          + r_c * interval '6 hours', now() - interval '1 minute') AS open_dispatch
                FROM cls
            ), t AS (
                SELECT t0.*,
                    CASE WHEN terminal OR status IN ('submitted', 'returned') THEN sub_terminal
                         ELSE open_dispatch - (1 + r_a * 47) * interval '1 hour'
                              - (round - 1) * interval '30 days'
                    END AS submitted_at,
                    CASE WHEN terminal THEN least(sub_terminal + (3 + r_a * 22) * interval '1 day',
                                                  now() - interval '1 hour') END AS end_at
                FROM t0
            ), times AS (
                SELECT t.*,
                    CASE WHEN status IN ('closed', 'closed_unrated')
                              THEN submitted_at + (end_at - submitted_at) * 0.05
                         WHEN status = 'returned' THEN submitted_at + interval '3 hours'
                         WHEN terminal OR status = 'submitted' THEN NULL
                         ELSE open_dispatch END AS dispatched_at,
                    CASE WHEN status IN ('closed', 'closed_unrated')
                              THEN submitted_at + (end_at - submitted_at) * 0.10
                         WHEN status IN ('accepted', 'in_progress', 'resolved', 'review')
                              THEN least(open_dispatch + interval '4 hours',
                                         now() - interval '1 minute') END AS accepted_at,
                    CASE WHEN status = 'closed' THEN submitted_at + (end_at - submitted_at) * 0.8
                         WHEN status = 'closed_unrated'
                              THEN submitted_at + (end_at - submitted_at) * 0.4
                         WHEN status = 'resolved' THEN now() - r_a * interval '16 days'
                         WHEN status = 'review'
                              THEN least(open_dispatch + interval '10 days',
                                         now() - interval '1 day') END AS resolved_at,
                    CASE WHEN status IN ('closed', 'closed_unrated') THEN end_at
                         WHEN status IN ('rejected', 'duplicate')
                              THEN submitted_at + (end_at - submitted_at) * 0.1 END AS closed_at
                FROM t
            ), clock AS (
                SELECT times.*,
                    CASE WHEN dispatched_at IS NULL THEN NULL
                         WHEN open_start IS NOT NULL THEN open_start
                         ELSE (dispatched_at AT TIME ZONE 'Asia/Shanghai')::date
                    END AS round_started_on
                FROM times
            )
            INSERT INTO issues_issue (
                id, reference, title, description, category_id, enterprise_id,
                entrepreneur_id, region_id, source, session_id, created_by_id, status, round,
                version, lead_department_id, duplicate_of_id, rejection_reason, escalation,
                escalated_at, round_started_on, accept_limit_days, resolve_limit_days,
                accept_reminded_for, due_reminded_for, rating_reminded_at, submitted_at,
                dispatched_at, accept_due_on, accepted_at, due_on, resolved_at, closed_at,
                latest_rating)
            SELECT id,
                'HZ-' || year || '-' || lpad(number::text, greatest(6, length(number::text)), '0'),
                title, description, category_id, enterprise_id, entrepreneur_id, region_id,
                source, NULL, NULL, status, round, version, lead_department_id,
                CASE WHEN status <> 'duplicate' THEN NULL
                     WHEN id > %(base)s + 1
                          THEN greatest(%(base)s + 1, id - 1 - floor(r_c * 500)::int)
                     ELSE id + 1 END,
                CASE WHEN status = 'rejected'
                     THEN '不属于政企恳谈会受理范围，已告知企业其他办理渠道。' ELSE '' END,
                escalation,
                CASE WHEN escalation > 0 THEN least(coalesce(accepted_at, dispatched_at)
                     + interval '3 days', now() - interval '1 hour') END,
                round_started_on, accept_limit_days, resolve_limit_days,
                accept_reminded_for, due_reminded_for, rating_reminded_at, submitted_at,
                dispatched_at, accept_due_on, accepted_at, due_on, resolved_at, closed_at,
                latest_rating
            FROM (
                SELECT
                    %(base)s + row_number() OVER (ORDER BY c.submitted_at, c.g) AS id,
                    extract(year FROM c.submitted_at AT TIME ZONE 'Asia/Shanghai')::int AS year,
                    coalesce(seq.last_number, 0) + row_number() OVER (
                        PARTITION BY extract(year FROM c.submitted_at AT TIME ZONE 'Asia/Shanghai')
                        ORDER BY c.submitted_at, c.g) AS number,
                    ti.title,
                    ti.title || '。企业反映：' || e.enterprise_id || '号企业的相关事项需协调解决。'
                        AS description,
                    cat.category_id, e.enterprise_id, e.entrepreneur_id, e.region_id,
                    (ARRAY['online','online','online','online','online','online','session',
                           'session','session','phone','visit'])[1 + floor(c.r_d * 11)::int]
                        AS source,
                    c.status, c.round, c.r_c, c.submitted_at, c.dispatched_at, c.accepted_at,
                    c.resolved_at, c.closed_at, c.round_started_on,
                    CASE WHEN c.status IN ('closed', 'closed_unrated') THEN 6
                         WHEN c.terminal THEN 2 ELSE 2 + c.round END AS version,
                    CASE WHEN c.dispatched_at IS NULL THEN NULL
                         WHEN c.r_dept < 0.6 THEN cat.default_department_id
                         ELSE d.department_id END AS lead_department_id,
                    CASE WHEN c.dispatched_at IS NOT NULL THEN cat.accept_limit END
                        AS accept_limit_days,
                    CASE WHEN c.dispatched_at IS NOT NULL THEN cat.resolve_limit END
                        AS resolve_limit_days,
                    coalesce(acc.due, c.round_started_on + cat.accept_limit) AS accept_due_on,
                    coalesce(res.due, c.round_started_on + ceil(cat.resolve_limit * 1.4)::int)
                        AS due_on,
                    -- the follow-up ladder: right for today's lateness, 12 %% one rung behind;
                    -- a reopened round starts under supervision
                    CASE WHEN c.with_department THEN
                            greatest(CASE WHEN lt.late >= 5 THEN 3 WHEN lt.late >= 3 THEN 2
                                          WHEN lt.late >= 1 THEN 1 ELSE 0 END
                                     - CASE WHEN c.r_c < 0.12 AND lt.late >= 1 THEN 1 ELSE 0 END,
                                     CASE WHEN c.round > 1 THEN 2 ELSE 0 END)
                         WHEN c.round > 1 AND NOT c.terminal THEN 2
                         WHEN c.status = 'closed' AND c.r_c < 0.05 THEN 1
                         ELSE 0 END AS escalation,
                    CASE WHEN c.status = 'dispatched' AND acc.due < %(today)s AND c.r_d < 0.8
                              THEN acc.due
                         WHEN c.status = 'dispatched' AND acc.due <= %(soon)s AND c.r_d < 0.75
                              THEN acc.due
                         WHEN c.status IN ('closed', 'closed_unrated', 'returned', 'accepted',
                                           'in_progress', 'resolved', 'review')
                              THEN coalesce(acc.due, c.round_started_on + cat.accept_limit)
                    END AS accept_reminded_for,
                    CASE WHEN c.with_department AND res.due < %(today)s AND c.r_d < 0.8
                              THEN res.due
                         WHEN c.with_department AND res.due >= %(today)s
                              AND res.due <= %(soon)s AND c.r_d < 0.75 THEN res.due
                         WHEN c.status IN ('closed', 'closed_unrated', 'resolved', 'review')
                              THEN coalesce(res.due,
                                            c.round_started_on + ceil(cat.resolve_limit * 1.4)::int)
                    END AS due_reminded_for,
                    CASE WHEN c.status = 'closed_unrated'
                              THEN c.resolved_at + (c.closed_at - c.resolved_at) * 0.3
                         WHEN c.status = 'resolved' AND waited.late >= 3 AND c.r_d < 0.85
                              THEN least(c.resolved_at + interval '4 days', now())
                    END AS rating_reminded_at,
                    CASE WHEN c.status = 'closed' AND c.r_d < 0.85 THEN 'satisfied'
                         WHEN c.status = 'closed' AND c.r_d < 0.994 THEN 'basically_satisfied'
                         WHEN c.status = 'closed' THEN 'dissatisfied'
                         WHEN c.round > 1 AND NOT c.terminal THEN 'dissatisfied'
                         ELSE '' END AS latest_rating
                FROM clock c
                JOIN bench_ent e ON e.idx = floor(c.r_ent * %(pool)s)::int
                JOIN bench_cat cat ON cat.idx = floor(c.r_cat * 6)::int
                JOIN bench_title ti ON ti.cat_idx = cat.idx
                                   AND ti.k = floor(c.r_b * 1000)::int %% cat.titles
                JOIN bench_dept d ON d.idx = floor(c.r_dept * %(departments)s)::int
                LEFT JOIN bench_add acc ON acc.day = c.round_started_on
                                       AND acc.n = cat.accept_limit
                LEFT JOIN bench_add res ON res.day = c.round_started_on
                                       AND res.n = cat.resolve_limit
                LEFT JOIN bench_day lt ON lt.day = res.due
                LEFT JOIN bench_day waited
                       ON waited.day = (c.resolved_at AT TIME ZONE 'Asia/Shanghai')::date
                LEFT JOIN issues_issuesequence seq ON seq.year =
                    extract(year FROM c.submitted_at AT TIME ZONE 'Asia/Shanghai')::int
                ORDER BY c.submitted_at, c.g
            ) numbered
        """, params)
        self.step("reference sequences", """
            INSERT INTO issues_issuesequence (year, last_number)
            SELECT split_part(reference, '-', 2)::int, max(split_part(reference, '-', 3)::int)
            FROM issues_issue WHERE id > %s GROUP BY 1
            ON CONFLICT (year) DO UPDATE
            SET last_number = greatest(issues_issuesequence.last_number, EXCLUDED.last_number)
        """, [base])
        cursor.execute("SELECT setval(pg_get_serial_sequence('issues_issue', 'id'), "
                       "(SELECT max(id) FROM issues_issue))")
        return base + 1, base + count

    def related(self, first: int, last: int) -> None:
        """Timeline entries, assisting departments, pending extension requests, ratings and
        in-app messages for the issues ``first``…``last``."""
        people = self.people
        coordinator = people["coordinator"].pk
        span = {"first": first, "last": last, "coordinator": coordinator,
                "today": self.today, "soon": self.soon,
                "departments": self.department_count}
        # Three timeline entries for most issues: submitted, dispatched, and the latest
        # step (answer, acceptance, closing, rejection…), in time order like real ones.
        self.step("timeline entries", """
            INSERT INTO issues_issueevent (issue_id, kind, actor_id, from_status, to_status,
                                           round, message, is_public, data, created_at)
            SELECT v.* FROM issues_issue i
            LEFT JOIN bench_dept d ON d.department_id = i.lead_department_id
            LEFT JOIN (SELECT DISTINCT ON (title) title, reply FROM bench_title) r
                   ON r.title = i.title
            CROSS JOIN LATERAL (VALUES
                (i.id, 'submitted', NULL::bigint, '', 'submitted', 1, '', true,
                 '{}'::jsonb, i.submitted_at),
                (i.id, 'dispatched', %(coordinator)s, 'submitted', 'dispatched', 1, '', true,
                 jsonb_build_object('lead_department', i.lead_department_id,
                                    'due_on', i.due_on),
                 i.dispatched_at),
                (i.id,
                 CASE i.status WHEN 'closed' THEN 'resolved' WHEN 'resolved' THEN 'resolved'
                      WHEN 'closed_unrated' THEN 'closed' WHEN 'rejected' THEN 'rejected'
                      WHEN 'duplicate' THEN 'duplicate' WHEN 'returned' THEN 'returned'
                      WHEN 'review' THEN 'escalated' ELSE 'accepted' END,
                 CASE WHEN i.status IN ('closed_unrated', 'review') THEN NULL
                      WHEN i.status IN ('rejected', 'duplicate') THEN %(coordinator)s
                      ELSE d.handler_user_id END,
                 CASE WHEN i.status IN ('closed', 'resolved') THEN 'in_progress'
                      WHEN i.status = 'closed_unrated' THEN 'resolved'
                      WHEN i.status = 'review' THEN 'resolved'
                      WHEN i.status IN ('rejected', 'duplicate') THEN 'submitted'
                      ELSE 'dispatched' END,
                 CASE WHEN i.status = 'closed' THEN 'resolved' ELSE i.status END,
                 i.round,
                 CASE WHEN i.status IN ('closed', 'resolved') THEN r.reply ELSE '' END,
                 i.status <> 'returned' AND i.status <> 'review', '{}'::jsonb,
                 CASE WHEN i.status IN ('closed', 'resolved') THEN i.resolved_at
                      WHEN i.status = 'review' THEN i.resolved_at + interval '1 day'
                      WHEN i.status IN ('accepted', 'in_progress') THEN i.accepted_at
                      WHEN i.status = 'returned' THEN i.dispatched_at + interval '1 hour'
                      WHEN i.status IN ('submitted', 'dispatched') THEN NULL
                      ELSE i.closed_at END)
            ) AS v(issue_id, kind, actor_id, from_status, to_status, round, message,
                   is_public, data, created_at)
            WHERE i.id BETWEEN %(first)s AND %(last)s AND v.created_at IS NOT NULL
            ORDER BY v.created_at
        """, span)
        # One assisting department (协办) for about 8 % of the dispatched issues.
        self.step("assisting departments", """
            INSERT INTO issues_assistingdepartment (issue_id, department_id, due_on,
                resolve_limit_days, due_reminded_for, created_at)
            SELECT i.id, d2.department_id, i.due_on, i.resolve_limit_days,
                   CASE WHEN i.status NOT IN ('dispatched', 'accepted', 'in_progress')
                             THEN i.due_on
                        WHEN i.due_on < %(today)s THEN i.due_on
                        WHEN i.due_on <= %(soon)s AND (i.id %% 4) <> 0 THEN i.due_on
                   END,
                   i.dispatched_at
            FROM issues_issue i
            JOIN bench_dept d1 ON d1.department_id = i.lead_department_id
            JOIN bench_dept d2 ON d2.idx = (d1.idx + 1 + (i.id * 7919) %% (%(departments)s - 1))
                                           %% %(departments)s
            WHERE i.id BETWEEN %(first)s AND %(last)s AND i.dispatched_at IS NOT NULL
              AND (i.id * 2654435761) %% 100 < 8
        """, span)
        self.step("pending extension requests", """
            INSERT INTO issues_extensionrequest (issue_id, round, days, reason,
                requested_by_id, requested_at, status, decided_by_id, decided_at,
                decision_note)
            SELECT i.id, i.round, 5, '需要其他部门协助核实材料，申请延长5个工作日。',
                   d.handler_user_id,
                   greatest(i.accepted_at, now() - (i.id %% 48) * interval '1 hour'),
                   'pending', NULL, NULL, ''
            FROM issues_issue i JOIN bench_dept d ON d.department_id = i.lead_department_id
            WHERE i.id BETWEEN %(first)s AND %(last)s
              AND i.status IN ('accepted', 'in_progress') AND i.due_on >= %(today)s
              AND (i.id * 2654435761) %% 100 < 5 AND d.handler_user_id IS NOT NULL
        """, span)
        self.step("ratings", """
            INSERT INTO issues_satisfactionrating (issue_id, round, value, reason, comment,
                                                   rated_by_id, rated_at)
            SELECT i.id,
                   CASE WHEN i.status IN ('closed', 'review') THEN i.round ELSE i.round - 1 END,
                   i.latest_rating,
                   CASE WHEN i.latest_rating = 'dissatisfied' THEN 'handling' ELSE '' END,
                   '', e.user_id,
                   CASE WHEN i.status = 'closed' THEN i.closed_at
                        WHEN i.status = 'review' THEN i.resolved_at + interval '1 day'
                        ELSE i.dispatched_at END
            FROM issues_issue i JOIN bench_ent e ON e.entrepreneur_id = i.entrepreneur_id
            WHERE i.id BETWEEN %(first)s AND %(last)s AND i.latest_rating <> ''
        """, span)
        # The in-app messages the workflow writes: every new issue to the coordinators
        # covering its region (the city's and the county's), every dispatch to the lead
        # department's handlers, and each step to the entrepreneur. Only the measured
        # logins get them (a coordinator receives one per issue of the city: a million).
        county_coordinator = people["county coordinator"]
        messages = [
            ("coordinator", "submitted", "新问题 ' || i.reference || ' 待交办", "true",
             coordinator),
            ("county coordinator", "submitted", "新问题 ' || i.reference || ' 待交办",
             f"i.region_id = {county_coordinator.official.department.region_id}",
             county_coordinator.pk),
            ("handler", "dispatched", "问题 ' || i.reference || ' 由贵单位主办",
             f"i.lead_department_id = {people['handler'].official.department_id}",
             people["handler"].pk),
            ("entrepreneur", "received", "我们已收到您的问题 ' || i.reference || '",
             f"i.entrepreneur_id = {people['entrepreneur'].entrepreneur.pk}",
             people["entrepreneur"].pk),
        ]
        for who, what, subject, condition, user_id in messages:
            at = "i.dispatched_at" if what == "dispatched" else "i.submitted_at"
            self.step(f"in-app messages: {who}", f"""
                INSERT INTO notifications_notification (key, channel, recipient_id, address,
                    subject, body, url, status, attempts, last_error, created_at, send_after,
                    sent_at, read_at)
                SELECT 'bench:issue:' || i.id || ':{what}:{user_id}:in_app', 'in_app',
                       {user_id}, '', '{subject}', i.title, '/issues/' || i.reference || '/',
                       'sent', 1, '', {at}, {at}, {at},
                       CASE WHEN {at} < now() - interval '30 days' OR i.id %% 2 = 0
                            THEN {at} + interval '1 day' END
                FROM issues_issue i
                WHERE i.id BETWEEN %(first)s AND %(last)s AND {at} IS NOT NULL
                  AND {condition}
                ORDER BY {at}
            """, span)

    def verify(self, first: int, last: int) -> None:
        """Every reference the new rows make points at a row that exists (set-wise, in
        place of the per-row foreign-key triggers skipped in replica mode)."""
        checks = {
            "issue → enterprise": ("issues_issue", "enterprise_id",
                                   "entrepreneurs_enterprise"),
            "issue → entrepreneur": ("issues_issue", "entrepreneur_id",
                                     "entrepreneurs_entrepreneur"),
            "issue → category": ("issues_issue", "category_id", "issues_category"),
            "issue → region": ("issues_issue", "region_id", "government_region"),
            "issue → lead department": ("issues_issue", "lead_department_id",
                                        "government_department"),
            "issue → duplicate of": ("issues_issue", "duplicate_of_id", "issues_issue"),
            "timeline → issue": ("issues_issueevent", "issue_id", "issues_issue"),
            "timeline → actor": ("issues_issueevent", "actor_id", "auth_user"),
            "assisting → department": ("issues_assistingdepartment", "department_id",
                                       "government_department"),
            "extension → requested by": ("issues_extensionrequest", "requested_by_id",
                                         "auth_user"),
            "rating → issue": ("issues_satisfactionrating", "issue_id", "issues_issue"),
            "message → recipient": ("notifications_notification", "recipient_id",
                                    "auth_user"),
        }
        started = time.perf_counter()
        for what, (table, column, target) in checks.items():
            scope = "t.id BETWEEN %s AND %s" if table == "issues_issue" else (
                "t.issue_id BETWEEN %s AND %s" if table.startswith("issues_")
                else "t.created_at >= (SELECT min(submitted_at) FROM issues_issue "
                     "WHERE id BETWEEN %s AND %s)")
            self.cursor.execute(f"""
                SELECT count(*) FROM {table} t LEFT JOIN {target} r ON r.id = t.{column}
                WHERE {scope} AND t.{column} IS NOT NULL AND r.id IS NULL
            """, [first, last])
            dangling = self.cursor.fetchone()[0]
            if dangling:
                raise RuntimeError(f"{what}: {dangling} rows point nowhere")
        elapsed = time.perf_counter() - started
        self.timings.append(("verify references", elapsed))
        print(f"  {'verify references':<44} {elapsed:7.1f} s", flush=True)

    def vacuum(self) -> None:
        """VACUUM (ANALYZE) the tables written to, outside the transaction: fresh statistics
        and a visibility map, and no autovacuum of a million new rows during the timings."""
        from django.db import connection

        tables = ["entrepreneurs_enterprise", "entrepreneurs_entrepreneur", "issues_issue",
                  "issues_issueevent", "issues_assistingdepartment", "issues_extensionrequest",
                  "issues_satisfactionrating", "issues_issuesequence",
                  "notifications_notification"]
        with connection.cursor() as cursor:
            self.cursor = cursor
            self.step("VACUUM (ANALYZE)", f"VACUUM (ANALYZE) {', '.join(tables)}")


def generate(*, target: int, people: dict, every_entrepreneur: bool = False) -> float:
    """Bring the database to ``target`` issues; return the seconds it took (0 if reused).
    ``every_entrepreneur``: draw them from every verified entrepreneur instead of adding
    bench enterprises (``Generator.enterprises``)."""
    from django.db import connection, transaction

    from issues.models import Issue

    have = Issue.objects.count()
    if have == target:
        print(f"Reusing the {have:,} issues already in the database.")
        return 0.0
    if have > target:
        fail(f"the database holds {have:,} issues, more than --issues {target:,}; run with "
             f"--issues {have} or use another database")
    print(f"Generating {target - have:,} issues ({have:,} there already):")
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        replica = tune_for_bulk_writes(cursor)
        generator = Generator(cursor=cursor, target=target, people=people)
        generator.helper_tables(enterprise_count=max(200, target // 50))
        generator.enterprises(every_entrepreneur=every_entrepreneur)
        first, last = generator.issues(target - have)
        generator.related(first, last)
        generator.verify(first, last)
        cursor.execute("DROP TABLE bench_day, bench_add, bench_cat, bench_title, bench_dept, "
                       "bench_region, bench_ent")
        commit_started = time.perf_counter()
    what = "commit" if replica else "commit (deferred foreign-key checks)"
    print(f"  {what:<44} {time.perf_counter() - commit_started:7.1f} s", flush=True)
    generator.vacuum()
    elapsed = time.perf_counter() - started
    print(f"Generated in {elapsed:.0f} s.")
    return elapsed


# --- What is measured -------------------------------------------------------------------


def sample_issues(people: dict) -> dict:
    """References for the issue pages: one each role may see."""
    from issues.models import ExtensionRequest, Issue

    handler_department = people["handler"].official.department_id
    extension = (ExtensionRequest.objects.filter(status="pending")
                 .select_related("issue").order_by("-issue_id").first())
    return {
        "submitted": Issue.objects.filter(status="submitted").order_by("-id").first(),
        "extension": extension.issue if extension else None,
        "handler": Issue.objects.filter(lead_department_id=handler_department,
                                        status="in_progress").order_by("-id").first(),
        "entrepreneur": Issue.objects.filter(
            entrepreneur__user=people["entrepreneur"]).order_by("-id").first(),
        "closed": Issue.objects.filter(status="closed").order_by("id").first(),
    }


def run_measurements(bench: Bench, people: dict) -> None:
    from django.test import Client
    from django.utils import timezone

    from core.workdays import work_calendar
    from government.models import Region
    from issues.deadlines import issue_due_dates_recompute
    from issues.follow_up import follow_up_candidates, issues_follow_up
    from issues.models import Issue
    from issues.selectors import issue_figures, issue_queue_keys_for_user
    from issues.services import format_reference

    clients = {}
    for role, user in people.items():
        client = Client(HTTP_HOST="localhost")
        if user is not None:
            client.force_login(user)
        clients[role] = client
    samples = sample_issues(people)
    today = timezone.localdate()
    reference = format_reference(year=today.year, number=123)
    if not Issue.objects.filter(reference=reference).exists():
        reference = Issue.objects.order_by("-id").values_list("reference", flat=True).first()

    print(f"\nPages (median of {bench.runs} warm runs):")
    for role in ("coordinator", "county coordinator", "handler", "leader", "entrepreneur"):
        client, user = clients[role], people[role]
        bench.page(f"GET /issues/ as {role}", client, "/issues/")
        for key in issue_queue_keys_for_user(user=user):
            bench.page(f"GET /issues/?queue={key} as {role}", client, f"/issues/?queue={key}")
    for role in ("coordinator", "handler"):
        bench.page(f"GET /issues/?sort=due as {role}", clients[role], "/issues/?sort=due")
        bench.page(f"GET /issues/?search={reference} as {role}", clients[role],
                   f"/issues/?search={reference}")
    bench.page("GET /issues/?search=用地 as coordinator", clients["coordinator"],
               "/issues/?search=%E7%94%A8%E5%9C%B0")
    bench.page("GET /issues/?status=in_progress&region=wuxing… as coordinator",
               clients["coordinator"],
               f"/issues/?status=in_progress&region={Region.objects.get(code='wuxing').pk}")
    for role in ("coordinator", "county coordinator", "leader"):
        bench.page(f"GET /issues/supervision/ as {role}", clients[role], "/issues/supervision/")
    for role, sample in (("coordinator", "submitted"), ("coordinator", "extension"),
                         ("coordinator", "closed"), ("handler", "handler"),
                         ("entrepreneur", "entrepreneur")):
        issue = samples[sample]
        if issue is not None:
            bench.page(f"GET /issues/<{issue.status}>/ as {role}", clients[role],
                       f"/issues/{issue.reference}/")
    for role in people:
        bench.page(f"GET / as {role}", clients[role], "/")
    for role in people:
        if people[role] is not None and role != "admin":
            bench.page(f"GET /inbox/ as {role}", clients[role], "/inbox/")

    print("\nPeriodic work:")
    counts = {}

    def follow_up():
        counts["last"] = issues_follow_up()
        return counts["last"]

    def describe(result) -> str:
        return ", ".join(f"{name} {value}" for name, value in vars(result).items())

    bench.measure("issues_follow_up(), first run of the day", follow_up, runs=1, warm=False,
                  note=describe)
    bench.measure("issues_follow_up(), nothing left to do", follow_up, note=describe)
    bench.measure(
        "follow_up_candidates() alone",
        lambda: list(follow_up_candidates(today=today, calendar=work_calendar())),
        note=lambda ids: f"{len(ids):,} candidates")
    bench.measure("issue_due_dates_recompute(), all open issues",
                  issue_due_dates_recompute, note=lambda n: f"{n} issues changed")
    day = today - timedelta(days=10)
    bench.measure(f"issue_due_dates_recompute(days=[{day}])",
                  lambda: issue_due_dates_recompute(days=[day]),
                  note=lambda n: f"{n} issues changed")
    bench.measure("issue_figures() for the city", issue_figures)
    wuxing = Region.objects.get(code="wuxing")
    bench.measure("issue_figures(region=Wuxing)", lambda: issue_figures(region=wuxing))


def tune_for_bulk_writes(cursor) -> bool:
    """Settings for the generating transaction; True if foreign keys go unchecked in it.

    Django's foreign keys are DEFERRABLE INITIALLY DEFERRED: at commit PostgreSQL would check
    each of several million references one row at a time (about a minute for a million
    issues). As a superuser, replica mode skips those triggers for this transaction; the
    generator's ``verify`` then checks every new reference set-wise instead.
    """
    cursor.execute("SET LOCAL synchronous_commit = off; SET LOCAL work_mem = '256MB'; "
                   "SET LOCAL maintenance_work_mem = '512MB'")
    cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    replica = bool(cursor.fetchone()[0])
    if replica:
        cursor.execute("SET LOCAL session_replication_role = replica")
    return replica


def prepare_database() -> tuple[dict, dict]:
    """Check the environment, create and migrate the database, set Django up, load the demo's
    reference data and logins; print the machine's load and the server's version. Returns
    the database's settings and the measured people (``seed_people``)."""
    config = configure_environment()
    created = ensure_database(config)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    print(f"Load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs.")
    print(f"Database {config['NAME']} on {config.get('HOST') or 'localhost'}"
          f"{' (created)' if created else ''}; PostgreSQL "
          f"{connection.cursor().connection.server_version}")
    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    print(f"Migrated in {time.perf_counter() - started:.1f} s.")
    return config, seed_people()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--issues", type=int, default=1_000_000,
                        help="issues the database should hold (default 1,000,000)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per measurement")
    parser.add_argument("--explain-over", type=float, default=200.0,
                        help="explain the slowest query of measurements slower than this (ms)")
    args = parser.parse_args()
    if args.issues < MIN_ISSUES:
        fail(f"--issues must be at least {MIN_ISSUES}")

    config, people = prepare_database()
    generation = generate(target=args.issues, people=people)

    bench = Bench(runs=args.runs, explain_over=args.explain_over)
    run_measurements(bench, people)
    bench.report()
    if generation:
        print(f"\nGeneration: {generation:.0f} s for {args.issues:,} issues.")
    print(f"Load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs at the end.")
    bench.explain_slow()
    print(f"\nThe database {config['NAME']} is left in place.")


if __name__ == "__main__":
    main()
