"""The talk sessions' pages and periodic work, measured with a synthetic province.

Run it against a PostgreSQL database of its own, whose name says "bench"::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/huzhou_bench_sessions \\
        .venv/bin/python benchmarks/sessions_at_scale.py

1. Creates the database if it is missing, migrates, loads the demo's reference data and
   logins (``demo.seed``; not the history), and bulk-generates with SQL
   (``INSERT … SELECT … FROM generate_series``): ``--entrepreneurs`` enterprises, each with
   one verified entrepreneur (valid credit codes, checked with ``core.validators``); a weekly
   edition for ``--years`` years (at least 7 sessions a week: a small ``--sessions`` covers
   fewer years) up to the week four weeks ahead; ``--sessions`` talk sessions across the 7
   regions, the regions' weekly series among them (≈98 % of the past ones held, ≈2 %
   cancelled; the coming two weeks open, the rest planned), with attending departments and
   the reminder marks of the held ones; and ``--attendances`` places (held sessions:
   attended or absent; open ones: registered, or waitlisted when full), one per person and
   session. The demo entrepreneur has a place at about one Wuxing or city session in 28.
   A database already holding this data is reused; one holding other sessions is refused.
   Then VACUUM (ANALYZE), so no autovacuum runs during the measurements.
2. Measures each page with Django's test client, logged in as each role, the calendar
   feeds, and the periodic work: the median of ``--runs`` warm runs and the number of
   queries.
3. Prints the table, then EXPLAIN (ANALYZE, BUFFERS) of the slowest query of every
   measurement over ``--explain-over`` ms (and of any other query taking a quarter of it).

The measuring and set-up helpers are those of ``issues_at_scale.py``, imported from it.
Nothing is dropped or deleted but the generator's own temporary tables. The periodic work
measured really runs: its first run of the day sends the reminders that are due (outbox
rows and reminder marks) and plans the series' missing weeks, if any. Celery messages go to
an in-memory broker (``memory://``), never to a real worker.
"""

import argparse
import math
import os
import time
from datetime import timedelta

from issues_at_scale import (
    REGION_MIX,
    Bench,
    Generator,
    fail,
    prepare_database,
    tune_for_bulk_writes,
)

#: The enterprises' counties and their weights (as in the demo's history).
COUNTY_MIX = {"wuxing": 18, "nanxun": 14, "deqing": 17, "changxing": 19, "anji": 16,
              "south-taihu": 10}
#: The measured session has about this many people.
SESSION_PEOPLE = 60
#: Bench enterprises' registration numbers (organisation codes) start here, far from the
#: demo's (1… and 99,000,001…): their credit codes are 91 + division + 5xxxxxxx + checks.
SERIAL_BASE = 50_000_000
#: Bench entrepreneurs' mobiles: 171 + the enterprise's number.
MOBILE_PREFIX = "171"
#: The user the generated sessions are "created by": how a rerun recognises them.
GENERATOR_USERNAME = "bench-sessions"
MIN_SESSIONS = 100
WEEKS_AHEAD = 4
OPEN_DAYS = 14
CANCELLED_SHARE = 0.02
#: The extra (non-series) sessions of a region in a week: weekday offset from Monday and
#: start, never Wednesday afternoon (the weekly talk's time); each slot has the region's
#: coordinator as host, a second round of slots none.
EXTRA_TIMES = [(0, "09:00"), (1, "09:00"), (3, "09:00"), (4, "09:00"), (2, "09:00"),
               (0, "14:30"), (1, "14:30"), (3, "14:30"), (4, "14:30")]
EXTRA_KINDS = ["talk", "talk", "lecture", "talk", "salon", "talk", "talk"]


# --- Generating -------------------------------------------------------------------------


class SessionsGenerator(Generator):
    """Adds enterprises, entrepreneurs, editions, series, sessions and places with a few
    INSERT … SELECT statements (``step`` and the set-up come from the issue generator)."""

    def __init__(self, *, cursor, people: dict, sessions: int, entrepreneurs: int,
                 attendances: int, years: float, generator_user):
        from django.utils import timezone

        super().__init__(cursor=cursor, target=sessions, people=people)
        self.sessions = sessions
        self.entrepreneurs = entrepreneurs
        self.attendances = attendances
        self.years = years
        self.generator_user = generator_user
        self.now = timezone.now()

    @staticmethod
    def tables() -> dict:
        from entrepreneurs.models import Enterprise, Entrepreneur
        from sessions.models import (
            Attendance,
            Edition,
            ReminderRule,
            ReminderSent,
            SessionSeries,
            TalkSession,
        )

        return {
            "enterprise": Enterprise._meta.db_table,
            "entrepreneur": Entrepreneur._meta.db_table,
            "edition": Edition._meta.db_table,
            "series": SessionSeries._meta.db_table,
            "series_departments": SessionSeries.departments.through._meta.db_table,
            "session": TalkSession._meta.db_table,
            "session_departments": TalkSession.departments.through._meta.db_table,
            "attendance": Attendance._meta.db_table,
            "rule": ReminderRule._meta.db_table,
            "reminder_sent": ReminderSent._meta.db_table,
        }

    # Enterprises and entrepreneurs -------------------------------------------------------

    def enterprises(self) -> None:
        """``--entrepreneurs`` enterprises in the counties, each with one verified
        entrepreneur without an account. Their credit codes are valid: the organisation
        code's GB 11714 check character and the GB 32100 one are computed in SQL, with
        the weights and alphabet of ``core.validators``."""
        from core.validators import CREDIT_CODE_CHARSET, CREDIT_CODE_WEIGHTS
        from demo import data
        from government.models import Region

        t = self.tables()
        cursor = self.cursor
        regions = {r.code: r for r in Region.objects.all()}
        cursor.execute("CREATE TEMP TABLE bench_county (region_id bigint, division text, "
                       "low float, high float)")
        total, low = sum(COUNTY_MIX.values()), 0.0
        for code, weight in COUNTY_MIX.items():
            region = regions[code]
            cursor.execute("INSERT INTO bench_county VALUES (%s, %s, %s, %s)",
                           [region.pk, region.division_code or "330500", low,
                            low + weight / total])
            low += weight / total
        cursor.execute("UPDATE bench_county SET high = 1.0 WHERE high = (SELECT max(high) "
                       "FROM bench_county)")
        # The check character of a code's first 17 characters, as
        # core.validators.credit_code_check_character computes it.
        cursor.execute("""
            CREATE FUNCTION pg_temp.bench_credit_check(code17 text) RETURNS text
            LANGUAGE sql IMMUTABLE AS $$
                SELECT substr(%(charset)s::text, ((31 - sum((strpos(%(charset)s::text,
                       substr(code17, i, 1)) - 1) * (%(weights)s::int[])[i]) %% 31) %% 31
                       + 1)::int, 1)
                FROM generate_series(1, 17) i
            $$
        """, {"charset": CREDIT_CODE_CHARSET, "weights": list(CREDIT_CODE_WEIGHTS)})
        cursor.execute(f"SELECT count(*) FROM {t['enterprise']} WHERE {bench_enterprise()}")
        have = cursor.fetchone()[0]
        if have > self.entrepreneurs:
            fail(f"the database holds {have:,} bench enterprises, more than --entrepreneurs "
                 f"{self.entrepreneurs:,}; use another database")
        brands = ["恒远", "金诚", "华泰", "众鑫", "天成", "宏达", "瑞丰", "中亿", "新越", "博创"]
        words = [word for group in data.INDUSTRY_WORDS.values() for word in group]
        if have < self.entrepreneurs:
            self.step("enterprises", f"""
                INSERT INTO {t['enterprise']} (name, credit_code, region_id, industry, scale,
                                              created_at)
                SELECT substr(r.name, 1, 2) || (%(brands)s::text[])[1 + g %% %(nbrands)s]
                           || (%(words)s::text[])[1 + (g / 7) %% %(nwords)s] || '有限公司',
                       org.first || pg_temp.bench_credit_check(org.first),
                       c.region_id,
                       (ARRAY['manufacturing','manufacturing','manufacturing','trade','it',
                              'logistics','agriculture','construction','energy','research'])
                       [1 + (g * 7) %% 10],
                       (ARRAY['small','small','micro','medium','large'])[1 + (g * 3) %% 5],
                       now() - interval '9 years'
                FROM generate_series(%(first)s, %(last)s) g
                JOIN bench_county c ON (g * 0.6180339887) %% 1 >= c.low
                                   AND (g * 0.6180339887) %% 1 < c.high
                JOIN government_region r ON r.id = c.region_id
                CROSS JOIN LATERAL (SELECT (%(base)s + g)::text AS serial) s
                CROSS JOIN LATERAL (
                    SELECT 11 - sum(substr(s.serial, i, 1)::int
                                    * (ARRAY[3, 7, 9, 10, 5, 8, 4, 2])[i]) %% 11 AS check11
                    FROM generate_series(1, 8) i) o
                CROSS JOIN LATERAL (
                    SELECT '91' || c.division || s.serial
                           || CASE o.check11 WHEN 10 THEN 'X' WHEN 11 THEN '0'
                                             ELSE o.check11::text END AS first) org
                ORDER BY g
            """, {"first": have + 1, "last": self.entrepreneurs, "base": SERIAL_BASE,
                  "brands": brands, "nbrands": len(brands), "words": words,
                  "nwords": len(words)})
            self.step("entrepreneurs", f"""
                INSERT INTO {t['entrepreneur']}
                    (name, mobile, email, enterprise_id, position, is_new_generation,
                     consent_to_contact, verification, verified_at, verification_note,
                     privacy_notice_version, anonymised_at, created_at)
                SELECT substr(%(surnames)s, 1 + n %% %(nsurnames)s, 1)
                           || (%(given)s::text[])[1 + (n / %(nsurnames)s) %% %(ngiven)s],
                       '{MOBILE_PREFIX}' || lpad(n::text, 8, '0'), '', e.id,
                       (%(positions)s::text[])[1 + n %% %(npositions)s],
                       n %% 5 = 0, n %% 10 <> 0, 'verified', e.created_at, '', '', NULL,
                       e.created_at
                FROM {t['enterprise']} e
                CROSS JOIN LATERAL (SELECT substr(e.credit_code, 9, 8)::int - %(base)s AS n) x
                WHERE {bench_enterprise('e')}
                  AND NOT EXISTS (SELECT 1 FROM {t['entrepreneur']} p
                                  WHERE p.enterprise_id = e.id)
                ORDER BY e.id
            """, {"surnames": data.SURNAMES, "nsurnames": len(data.SURNAMES),
                  "given": data.GIVEN, "ngiven": len(data.GIVEN), "base": SERIAL_BASE,
                  "positions": data.POSITIONS, "npositions": len(data.POSITIONS)})
        self.check_credit_codes()

    def check_credit_codes(self) -> None:
        """Every bench credit code passes the app's validator (and matches the demo's
        generator for a few)."""
        from django.core.exceptions import ValidationError

        from core.validators import validate_credit_code
        from demo.history import make_credit_code

        t = self.tables()
        started = time.perf_counter()
        self.cursor.execute(f"""
            SELECT e.credit_code, r.division_code FROM {t['enterprise']} e
            JOIN government_region r ON r.id = e.region_id WHERE {bench_enterprise('e')}
        """)
        rows = self.cursor.fetchall()
        for number, (code, division) in enumerate(rows):
            try:
                validate_credit_code(code)
            except ValidationError as error:
                raise RuntimeError(f"generated credit code {code}: {error.messages}") from None
            if number < 100:
                expected = make_credit_code(division or "330500", int(code[8:16]))
                if code != expected:
                    raise RuntimeError(f"generated credit code {code}, expected {expected}")
        elapsed = time.perf_counter() - started
        self.timings.append(("check credit codes", elapsed))
        print(f"  {'check credit codes (core.validators)':<44} {elapsed:7.1f} s  "
              f"{len(rows):>10}", flush=True)

    # Regions, weeks, series, the week's slots -------------------------------------------

    def layout(self) -> None:
        """Helper tables: the regions with their coordinator and series, the weeks with
        their edition, the slots of a week, the city's departments."""
        from core.workdays import work_calendar
        from demo import data
        from government.models import Department, Official, Region
        from sessions.models import Edition, SessionSeries

        cursor = self.cursor
        calendar = work_calendar()
        weeks_wanted = round(self.years * 365.25 / 7) + WEEKS_AHEAD
        self.per_week = max(len(REGION_MIX), math.ceil(self.sessions / weeks_wanted))
        self.weeks = math.ceil(self.sessions / self.per_week)
        last_monday = self.today + timedelta(weeks=WEEKS_AHEAD)
        last_monday -= timedelta(days=last_monday.weekday())
        first_monday = last_monday - timedelta(weeks=self.weeks - 1)

        # The weeks: the series' Wednesday, moved to the next working day on a public
        # holiday as series_generate does; the edition is that of the day's week.
        weeks = []
        for w in range(self.weeks):
            monday = first_monday + timedelta(weeks=w)
            nominal = monday + timedelta(days=2)
            day = nominal if calendar.is_working_day(nominal) else calendar.next_working_day(
                nominal)
            weeks.append([w, monday, nominal, day, (day - first_monday).days // 7])
        edition_weeks = max(self.weeks, max(week[4] for week in weeks) + 1)
        if Edition.objects.exists():
            fail("the database holds editions but no generated sessions; use another "
                 "database")
        editions = Edition.objects.bulk_create([
            Edition(number=w + 1, week_start=first_monday + timedelta(weeks=w),
                    theme=data.EDITION_THEMES[(w + 1) % len(data.EDITION_THEMES)])
            for w in range(edition_weeks)
        ])
        self.timings.append(("editions", 0.0))
        print(f"  {'editions':<44} {'':>9}  {len(editions):>10}", flush=True)
        cursor.execute("""
            CREATE TEMP TABLE bench_week (w int PRIMARY KEY, monday date, nominal date,
                talk_day date, talk_w int, edition_id bigint, theme text);
        """)
        by_week = {e.week_start: e for e in editions}
        rows = []
        for w in range(edition_weeks):
            monday = first_monday + timedelta(weeks=w)
            w, monday, nominal, day, talk_w = (weeks[w] if w < self.weeks
                                               else [w, monday, None, None, w])
            edition = by_week[monday]
            rows.append((w, monday, nominal, day, talk_w, edition.pk, edition.theme))
        cursor.executemany("INSERT INTO bench_week VALUES (%s, %s, %s, %s, %s, %s, %s)", rows)

        # The regions, their coordinators (hosts) and weekly series.
        regions = {r.code: r for r in Region.objects.all()}
        venues = {code: venue for code, _d, _n, _e, _l, venue in data.REGIONS}
        coordinators = {o.user.username: o for o in Official.objects.select_related("user")
                        .filter(role=Official.Role.COORDINATOR)}
        city_departments = list(Department.objects.filter(
            region__level=Region.Level.CITY, is_active=True).exclude(
            code__endswith="-tzb").order_by("pk").values_list("pk", flat=True))
        self.city_departments = len(city_departments)
        cursor.execute("CREATE TEMP TABLE bench_cdept (idx int PRIMARY KEY, "
                       "department_id bigint)")
        cursor.executemany("INSERT INTO bench_cdept VALUES (%s, %s)",
                           list(enumerate(city_departments)))
        cursor.execute("""
            CREATE TEMP TABLE bench_region (idx int PRIMARY KEY, region_id bigint, code text,
                is_city bool, series_id bigint, host_id bigint, coordinator_user_id bigint,
                venue text)
        """)
        self.series = []
        for idx, code in enumerate(REGION_MIX):
            region = regions[code]
            host = coordinators[data.coordinator_username(code)]
            series, _ = SessionSeries.objects.get_or_create(
                name=f"{region.name}每周三政企恳谈会",
                defaults={"region": region, "start_time": "14:30", "duration_minutes": 120,
                          "venue": venues[code], "host": host, "capacity": 60,
                          "starts_on": weeks[0][2], "weeks_ahead": WEEKS_AHEAD,
                          "created_by": self.generator_user})
            local = list(Department.objects.filter(region=region, is_active=True).exclude(
                code__endswith="-tzb") if region.level == Region.Level.COUNTY else [])
            series.departments.set(
                [city_departments[(idx * 4 + j) % len(city_departments)] for j in range(4)]
                + local)
            self.series.append(series)
            cursor.execute("INSERT INTO bench_region VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                           [idx, region.pk, code, region.level == Region.Level.CITY,
                            series.pk, host.pk, host.user_id, venues[code]])

        # A week's slots: the 7 weekly talks, then the extra sessions shared out among the
        # regions by REGION_MIX (largest remainder).
        extra = self.per_week - len(REGION_MIX)
        quotas = {code: extra * share for code, share in REGION_MIX.items()}
        counts = {code: math.floor(q) for code, q in quotas.items()}
        for code in sorted(quotas, key=lambda c: counts[c] - quotas[c])[
                :extra - sum(counts.values())]:
            counts[code] += 1
        slots = [(idx, idx, "talk", None, 2, "14:30", venues[code], True, True)
                 for idx, code in enumerate(REGION_MIX)]
        order = [code for k in range(max(counts.values(), default=0))
                 for code in REGION_MIX if counts[code] > k]
        seen = dict.fromkeys(REGION_MIX, 0)
        for n, code in enumerate(order):
            k = seen[code]
            seen[code] += 1
            kind = EXTRA_KINDS[n % len(EXTRA_KINDS)]
            theme = {"lecture": data.LECTURES[k % len(data.LECTURES)],
                     "salon": data.SALONS[k % len(data.SALONS)]}.get(kind)
            day, start = EXTRA_TIMES[k % len(EXTRA_TIMES)]
            slots.append((len(slots), list(REGION_MIX).index(code), kind, theme, day, start,
                          f"{venues[code]}{k + 1}号会议室", k < len(EXTRA_TIMES), False))
        cursor.execute("""
            CREATE TEMP TABLE bench_slot (slot int PRIMARY KEY, region_idx int, kind text,
                theme text, day_offset int, start_time time, venue text, hosted bool,
                is_series bool)
        """)
        cursor.executemany("INSERT INTO bench_slot VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                           slots)
        cursor.execute("ANALYZE bench_week; ANALYZE bench_slot; ANALYZE bench_region")

    def pools(self) -> None:
        """The people sessions draw from, shuffled: pool 0 everybody (city sessions), pool
        1–6 a county's enterprises' people. The demo entrepreneur is in none (he gets his
        own places)."""
        t = self.tables()
        self.cursor.execute(f"""
            CREATE TEMP TABLE bench_pool AS
            SELECT 0 AS pool, (row_number() OVER (ORDER BY md5(p.id::text)) - 1)::int AS pidx,
                   p.id AS entrepreneur_id
            FROM {t['entrepreneur']} p JOIN {t['enterprise']} e ON e.id = p.enterprise_id
            WHERE {bench_enterprise('e')}
            UNION ALL
            SELECT r.idx, (row_number() OVER (PARTITION BY r.idx ORDER BY md5(p.id::text))
                           - 1)::int, p.id
            FROM {t['entrepreneur']} p JOIN {t['enterprise']} e ON e.id = p.enterprise_id
            JOIN bench_region r ON r.region_id = e.region_id
            WHERE {bench_enterprise('e')};
            ALTER TABLE bench_pool ADD PRIMARY KEY (pool, pidx);
            CREATE TEMP TABLE bench_pool_size AS
                SELECT pool, count(*)::int AS size FROM bench_pool GROUP BY pool;
            ANALYZE bench_pool; ANALYZE bench_pool_size;
        """)

    # Sessions ----------------------------------------------------------------------------

    def plan(self) -> None:
        """Every session to write, in time order, with its status, people (n; the
        attendances are shared out in proportion to a random weight, exactly adding up),
        capacity and the number attended."""
        from django.conf import settings

        cursor = self.cursor
        cursor.execute("SELECT setseed(0.2027)")
        cursor.execute(f"SELECT coalesce(max(id), 0) FROM {self.tables()['session']}")
        self.base = cursor.fetchone()[0]
        self.step("session plan", """
            CREATE TEMP TABLE bench_plan AS
            WITH g AS (
                SELECT g, (g - 1) / %(per_week)s AS back, (g - 1) %% %(per_week)s AS slot,
                       random() AS r_status, random() AS r_w, random() AS r_cap,
                       random() AS r_off, random() AS r_att, random() AS r_demo
                FROM generate_series(1, %(sessions)s) g
            ), t AS (
                SELECT g.*, sl.region_idx, sl.kind, sl.venue, sl.is_series, r.region_id,
                       r.code AS region_code, r.is_city,
                       CASE WHEN r.is_city THEN 0 ELSE r.idx END AS pool,
                       CASE WHEN sl.is_series THEN r.series_id END AS series_id,
                       CASE WHEN sl.is_series THEN wk.nominal END AS series_date,
                       CASE WHEN sl.hosted THEN r.host_id END AS host_id,
                       r.coordinator_user_id,
                       CASE WHEN sl.is_series THEN wt.edition_id ELSE wk.edition_id END
                           AS edition_id,
                       coalesce(sl.theme, CASE WHEN sl.is_series THEN wt.theme
                                               ELSE wk.theme END) AS theme,
                       ((CASE WHEN sl.is_series THEN wk.talk_day
                              ELSE wk.monday + sl.day_offset END) + sl.start_time)
                           AT TIME ZONE %(zone)s AS starts_at
                FROM g
                JOIN bench_week wk ON wk.w = %(weeks)s - 1 - g.back
                JOIN bench_week wt ON wt.w = wk.talk_w
                JOIN bench_slot sl ON sl.slot = g.slot
                JOIN bench_region r ON r.idx = sl.region_idx
            ), st AS (
                SELECT t.*,
                       CASE WHEN starts_at < %(now)s
                                 THEN CASE WHEN r_status < %(cancelled)s THEN 'cancelled'
                                           ELSE 'held' END
                            WHEN starts_at < %(now)s + %(open_days)s * interval '1 day'
                                 THEN 'open'
                            ELSE 'planned' END AS status
                FROM t
            ), w AS (
                SELECT st.*,
                       CASE WHEN status IN ('held', 'open')
                            THEN round(((CASE kind WHEN 'lecture' THEN 1.6 WHEN 'salon'
                                         THEN 0.6 ELSE 1.0 END) * (0.4 + 1.2 * r_w))::numeric, 6)
                            ELSE 0 END AS w,
                       (status IN ('held', 'open') AND region_code IN ('huzhou', 'wuxing')
                        AND r_demo < 1.0 / 28 AND %(demo)s::bigint IS NOT NULL) AS demo
                FROM st
            ), c AS (
                SELECT w.*, sum(w.w) OVER (ORDER BY starts_at, g) AS cum,
                       sum(w.w) OVER () AS total,
                       %(attendances)s - sum(demo::int) OVER () AS shared
                FROM w
            ), sized AS (
                SELECT %(base)s + row_number() OVER (ORDER BY starts_at, g) AS id, c.*,
                       coalesce((floor(shared * cum / nullif(total, 0))
                                 - floor(shared * (cum - c.w) / nullif(total, 0)))::int, 0)
                           AS n
                FROM c
            )
            SELECT sized.*,
                   CASE WHEN status = 'open' AND r_cap < 0.25
                             THEN greatest(2, floor(n * 0.85)::int)
                        WHEN status = 'open' THEN n + 2 + floor(r_cap * 10)::int
                        WHEN status = 'held' THEN greatest(10, n + 1 + floor(r_cap * 10)::int)
                        WHEN kind = 'lecture' THEN 100 WHEN kind = 'salon' THEN 30
                        ELSE 60 END AS cap,
                   n - floor(n * (0.05 + 0.15 * r_att))::int AS attended
            FROM sized
        """, {"per_week": self.per_week, "sessions": self.sessions, "weeks": self.weeks,
              "zone": settings.TIME_ZONE, "now": self.now, "cancelled": CANCELLED_SHARE,
              "open_days": OPEN_DAYS, "attendances": self.attendances, "base": self.base,
              "demo": self.demo_person})
        cursor.execute("ALTER TABLE bench_plan ADD PRIMARY KEY (id); ANALYZE bench_plan")
        cursor.execute("""
            SELECT count(*), coalesce(sum(p.n), 0) + count(*) FILTER (WHERE p.demo),
                   max(p.n - s.size), min(p.starts_at), max(p.starts_at)
            FROM bench_plan p JOIN bench_pool_size s ON s.pool = p.pool
        """)
        count, places, over, first, last = cursor.fetchone()
        if count != self.sessions or places != self.attendances:
            raise RuntimeError(f"planned {count} sessions and {places} places")
        if over is not None and over > 0:
            fail(f"a session would need {over} more people than its county has; raise "
                 "--entrepreneurs or lower --attendances")
        print(f"  {self.weeks} weeks of {self.per_week} sessions, "
              f"{first:%Y-%m-%d} to {last:%Y-%m-%d}", flush=True)

    def write_sessions(self) -> None:
        t = self.tables()
        span = {"generator": self.generator_user.pk, "now": self.now}
        self.step("sessions", f"""
            INSERT INTO {t['session']} (id, edition_id, region_id, series_id, series_date,
                kind, theme, venue, starts_at, ends_at, host_id, capacity, status, minutes,
                cancel_reason, attendee_count, issue_count, closed_at, closed_by_id,
                created_by_id, created_at, sequence)
            SELECT id, edition_id, region_id, series_id, series_date, kind, theme, venue,
                   starts_at, starts_at + interval '2 hours', host_id, cap, status,
                   CASE WHEN status = 'held'
                        THEN '与会企业家反映问题已现场登记，会后按类别交办相关部门，限时答复。'
                        ELSE '' END,
                   CASE WHEN status = 'cancelled' THEN '因主持领导临时公务冲突，本场取消。'
                        ELSE '' END,
                   CASE WHEN status = 'held' THEN attended + demo::int END,
                   CASE WHEN status = 'held' THEN 0 END,
                   CASE WHEN status = 'held'
                        THEN least(starts_at + interval '3 hours', %(now)s) END,
                   CASE WHEN status = 'held' THEN coordinator_user_id END,
                   %(generator)s, least(starts_at - interval '14 days', %(now)s),
                   CASE WHEN status = 'cancelled' THEN 1 ELSE 0 END
            FROM bench_plan ORDER BY id
        """, span)
        self.cursor.execute(f"SELECT setval(pg_get_serial_sequence('{t['session']}', 'id'), "
                            f"(SELECT max(id) FROM {t['session']}))")
        # Four of the city's departments at every session, and the county's own.
        self.step("attending departments", f"""
            INSERT INTO {t['session_departments']} (talksession_id, department_id)
            SELECT p.id, d.department_id FROM bench_plan p
            JOIN bench_cdept d ON d.idx IN (
                (p.id * 2654435761) %% %(c)s, (p.id * 2654435761 + 1) %% %(c)s,
                (p.id * 2654435761 + 2) %% %(c)s, (p.id * 2654435761 + 3) %% %(c)s)
            UNION ALL
            SELECT p.id, d.id FROM bench_plan p
            JOIN government_department d ON d.region_id = p.region_id AND d.is_active
                                        AND NOT p.is_city AND d.code NOT LIKE '%%-tzb'
            ORDER BY 1, 2
        """, {"c": self.city_departments})
        # The reminders done for every held session (two days and two hours before).
        self.step("reminder marks of held sessions", f"""
            INSERT INTO {t['reminder_sent']} (session_id, rule_id, starts_at, superseded,
                                             created_at)
            SELECT p.id, r.id, p.starts_at, false,
                   p.starts_at - r.minutes_before * interval '1 minute'
            FROM bench_plan p CROSS JOIN {t['rule']} r
            WHERE p.status = 'held' AND r.is_active
            ORDER BY p.id, r.minutes_before DESC
        """)

    def write_attendances(self) -> None:
        """The places: k = 1…n from the session's pool, consecutive in its shuffled order
        from a random offset (distinct while n is at most the pool); k = 0 is the demo
        entrepreneur's, where he has one."""
        t = self.tables()
        span = {"now": self.now, "coordinator": self.people["coordinator"].pk,
                "demo": self.demo_person}
        self.step("attendances", f"""
            INSERT INTO {t['attendance']} (session_id, entrepreneur_id, status, invited_at,
                registered_at, checked_in_at, check_in_method, checked_in_by_id, cancelled_at,
                rating, rating_comment, rated_at, updated_at)
            SELECT id, entrepreneur_id, status, registered_at - interval '2 days',
                   registered_at, checked_in_at,
                   CASE WHEN status <> 'attended' THEN ''
                        WHEN k %% 3 = 0 THEN 'list' ELSE 'qr' END,
                   CASE WHEN status = 'attended' AND k %% 3 = 0
                        THEN coordinator_user_id END,
                   NULL, rating, '', rated_at,
                   coalesce(rated_at, checked_in_at, registered_at)
            FROM (
                SELECT p.id, p.coordinator_user_id, e.entrepreneur_id, k.k,
                       CASE WHEN p.status = 'held' AND k.k <= p.attended THEN 'attended'
                            WHEN p.status = 'held' THEN 'absent'
                            WHEN k.k <= p.cap - 1 THEN 'registered'
                            ELSE 'waitlisted' END AS status,
                       least(p.starts_at - interval '10 days', %(now)s - interval '2 days')
                           + k.k * interval '3 minutes' AS registered_at,
                       CASE WHEN p.status = 'held' AND k.k <= p.attended
                            THEN p.starts_at - (k.k %% 25) * interval '1 minute' END
                           AS checked_in_at,
                       CASE WHEN p.status = 'held' AND k.k <= p.attended
                                 AND (p.id + k.k) %% 5 < 2
                            THEN 4 + (p.id + k.k) %% 2 END AS rating,
                       CASE WHEN p.status = 'held' AND k.k <= p.attended
                                 AND (p.id + k.k) %% 5 < 2
                            THEN least(p.starts_at + interval '1 day', %(now)s) END AS rated_at
                FROM bench_plan p
                JOIN bench_pool_size s ON s.pool = p.pool
                CROSS JOIN LATERAL generate_series(1, p.n) k(k)
                JOIN bench_pool e ON e.pool = p.pool
                                 AND e.pidx = (floor(p.r_off * s.size)::int + k.k) %% s.size
                WHERE p.n > 0
                UNION ALL
                SELECT p.id, p.coordinator_user_id, %(demo)s, 0,
                       CASE WHEN p.status = 'held' THEN 'attended' ELSE 'registered' END,
                       least(p.starts_at - interval '10 days', %(now)s - interval '2 days'),
                       CASE WHEN p.status = 'held'
                            THEN p.starts_at - interval '10 minutes' END,
                       NULL, NULL
                FROM bench_plan p WHERE p.demo
            ) rows
            ORDER BY id, k
        """, span)

    def verify(self) -> None:
        """Every reference the new rows make points at a row that exists (set-wise, in
        place of the per-row foreign-key triggers skipped in replica mode)."""
        t = self.tables()
        checks = {
            "entrepreneur → enterprise": (t["entrepreneur"], "enterprise_id", t["enterprise"]),
            "enterprise → region": (t["enterprise"], "region_id", "government_region"),
            "session → edition": (t["session"], "edition_id", t["edition"]),
            "session → region": (t["session"], "region_id", "government_region"),
            "session → series": (t["session"], "series_id", t["series"]),
            "session → host": (t["session"], "host_id", "government_official"),
            "session → closed by": (t["session"], "closed_by_id", "auth_user"),
            "session → created by": (t["session"], "created_by_id", "auth_user"),
            "department → session": (t["session_departments"], "talksession_id",
                                     t["session"]),
            "department → department": (t["session_departments"], "department_id",
                                        "government_department"),
            "reminder mark → session": (t["reminder_sent"], "session_id", t["session"]),
            "reminder mark → rule": (t["reminder_sent"], "rule_id", t["rule"]),
            "attendance → session": (t["attendance"], "session_id", t["session"]),
            "attendance → entrepreneur": (t["attendance"], "entrepreneur_id",
                                          t["entrepreneur"]),
            "attendance → checked in by": (t["attendance"], "checked_in_by_id", "auth_user"),
        }
        started = time.perf_counter()
        for what, (table, column, target) in checks.items():
            self.cursor.execute(f"""
                SELECT count(*) FROM {table} x LEFT JOIN {target} r ON r.id = x.{column}
                WHERE x.{column} IS NOT NULL AND r.id IS NULL
            """)
            dangling = self.cursor.fetchone()[0]
            if dangling:
                raise RuntimeError(f"{what}: {dangling} rows point nowhere")
        elapsed = time.perf_counter() - started
        self.timings.append(("verify references", elapsed))
        print(f"  {'verify references':<44} {elapsed:7.1f} s", flush=True)

    def vacuum(self) -> None:
        from django.db import connection

        with connection.cursor() as cursor:
            self.cursor = cursor
            self.step("VACUUM (ANALYZE)", f"VACUUM (ANALYZE) {', '.join(self.tables().values())}")


def bench_enterprise(alias: str = "") -> str:
    """SQL: the enterprise is one of the generator's (its organisation code is from
    SERIAL_BASE on; the demo's start with 0 or 9)."""
    column = f"{alias}.credit_code" if alias else "credit_code"
    first = str(SERIAL_BASE)[0]
    return f"substr({column}, 9, 1) BETWEEN '{first}' AND '8'"


def generated_counts(generator_user) -> tuple[int, int, int]:
    """(generated sessions, their attendances, bench entrepreneurs) already there."""
    from django.db import connection

    t = SessionsGenerator.tables()
    with connection.cursor() as cursor:
        cursor.execute(f"""
            SELECT (SELECT count(*) FROM {t['session']} WHERE created_by_id = %(user)s),
                   (SELECT count(*) FROM {t['attendance']} a JOIN {t['session']} s
                        ON s.id = a.session_id WHERE s.created_by_id = %(user)s),
                   (SELECT count(*) FROM {t['entrepreneur']} p JOIN {t['enterprise']} e
                        ON e.id = p.enterprise_id WHERE {bench_enterprise('e')})
        """, {"user": generator_user.pk})
        return cursor.fetchone()


def generate(*, people: dict, sessions: int, entrepreneurs: int, attendances: int,
             years: float) -> float:
    """Bring the database to the wanted data; return the seconds it took (0 if reused)."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from sessions.models import TalkSession

    generator_user, created = get_user_model().objects.get_or_create(
        username=GENERATOR_USERNAME, defaults={"first_name": "基准排期"})
    if created:
        generator_user.set_unusable_password()
        generator_user.save(update_fields=["password"])
    have = generated_counts(generator_user)
    if have == (sessions, attendances, entrepreneurs):
        print(f"Reusing the {sessions:,} sessions, {attendances:,} attendances and "
              f"{entrepreneurs:,} entrepreneurs already in the database "
              f"({TalkSession.objects.count() - sessions:,} sessions planned since by the "
              "series).")
        return 0.0
    if have[0] or TalkSession.objects.exists():
        fail(f"the database holds {have[0]:,} generated sessions with {have[1]:,} "
             f"attendances and {have[2]:,} bench entrepreneurs, not {sessions:,}, "
             f"{attendances:,} and {entrepreneurs:,}; rerun with those figures or use "
             "another database")
    print(f"Generating {sessions:,} sessions, {attendances:,} attendances and "
          f"{entrepreneurs:,} entrepreneurs:")
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        replica = tune_for_bulk_writes(cursor)
        generator = SessionsGenerator(
            cursor=cursor, people=people, sessions=sessions, entrepreneurs=entrepreneurs,
            attendances=attendances, years=years, generator_user=generator_user)
        generator.demo_person = people["entrepreneur"].entrepreneur.pk
        generator.enterprises()
        generator.layout()
        generator.pools()
        generator.plan()
        generator.write_sessions()
        generator.write_attendances()
        generator.verify()
        cursor.execute("DROP TABLE bench_county, bench_week, bench_cdept, bench_region, "
                       "bench_slot, bench_pool, bench_pool_size, bench_plan")
        commit_started = time.perf_counter()
    what = "commit" if replica else "commit (deferred foreign-key checks)"
    print(f"  {what:<44} {time.perf_counter() - commit_started:7.1f} s", flush=True)
    generator.vacuum()
    elapsed = time.perf_counter() - started
    print(f"Generated in {elapsed:.0f} s.")
    return elapsed


# --- What is measured -------------------------------------------------------------------


class SessionsBench(Bench):
    """The issue benchmark's measuring, except that work which writes (a first run) is not
    explained: EXPLAIN ANALYZE would run its slowest statement, an INSERT, again."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.writes: set[str] = set()

    def explain_slow(self) -> None:
        measured = self.results
        for m in measured:
            if m.what in self.writes and m.median_ms > self.explain_over:
                print(f"\n=== {m.what}: {m.median_ms:.1f} ms, {m.query_text} queries: "
                      "writes, not explained ===")
        self.results = [m for m in measured if m.what not in self.writes]
        try:
            super().explain_slow()
        finally:
            self.results = measured



def sample_sessions(people: dict) -> dict:
    """The sessions measured: an open one and a held one (the latest) with about
    SESSION_PEOPLE people (in Wuxing if there is one, so every Wuxing role may open them),
    and the demo entrepreneur's next."""
    from django.db.models import Case, Count, F, IntegerField, Q, Value, When
    from django.db.models.functions import Abs
    from django.utils import timezone

    from sessions.models import Attendance, TalkSession

    def closest(status, since):
        return TalkSession.objects.filter(status=status, starts_at__gte=since).annotate(
            people=Count("attendances"),
            elsewhere=Case(When(region__code="wuxing", then=Value(0)), default=Value(1),
                           output_field=IntegerField()),
        ).order_by("elsewhere", Abs(F("people") - SESSION_PEOPLE), "-starts_at", "pk").first()

    now = timezone.now()
    crowded = closest(TalkSession.Status.OPEN, now)
    held = closest(TalkSession.Status.HELD, now - timedelta(days=90))
    mine = (Attendance.objects.filter(entrepreneur__user=people["entrepreneur"],
                                      session__status=TalkSession.Status.OPEN)
            .filter(~Q(session=crowded)).select_related("session")
            .order_by("session__starts_at").first())
    return {"crowded": crowded, "held": held, "mine": mine.session if mine else None}


def feed_getter(client, url: str):
    def get():
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
        return response

    return get


def run_measurements(bench: SessionsBench, people: dict) -> None:
    from django.test import Client

    from sessions.services import (
        calendar_feed_for_user,
        series_generate_all,
        session_reminders_send,
    )
    from sessions.views import FEED_LIMIT

    roles = ("coordinator", "county coordinator", "handler", "entrepreneur")
    clients = {}
    for role in roles:
        client = Client(HTTP_HOST="localhost")
        client.force_login(people[role])
        clients[role] = client
    anonymous = Client(HTTP_HOST="localhost")
    samples = sample_sessions(people)

    print(f"\nPages (median of {bench.runs} warm runs):")
    coordinator = clients["coordinator"]
    bench.page("GET /sessions/ (upcoming) as coordinator", coordinator, "/sessions/")
    bench.page("GET /sessions/?when=past as coordinator", coordinator, "/sessions/?when=past")
    bench.page("GET /sessions/?when=past&page=40 as coordinator", coordinator,
               "/sessions/?when=past&page=40")
    bench.page("GET /sessions/?when=past&page=<last> as coordinator", coordinator,
               "/sessions/?when=past&page=999999")
    bench.page("GET /sessions/?when=all&status=cancelled as coordinator", coordinator,
               "/sessions/?when=all&status=cancelled")
    for role in roles[1:]:
        bench.page(f"GET /sessions/ (upcoming) as {role}", clients[role], "/sessions/")
        bench.page(f"GET /sessions/?when=past as {role}", clients[role],
                   "/sessions/?when=past")
    crowded = samples["crowded"]
    people_there = crowded.attendances.count()
    label = f"<{crowded.region.code}, {people_there} people>"
    for role in ("coordinator", "county coordinator", "entrepreneur"):
        bench.page(f"GET /sessions/{label}/ as {role}", clients[role],
                   f"/sessions/{crowded.pk}/")
    held = samples["held"]
    if held is not None:
        label_held = f"<held, {held.region.code}, {held.attendances.count()} people>"
        bench.page(f"GET /sessions/{label_held}/ as coordinator", coordinator,
                   f"/sessions/{held.pk}/")
    if samples["mine"] is not None:
        bench.page("GET /sessions/<his place>/ as entrepreneur", clients["entrepreneur"],
                   f"/sessions/{samples['mine'].pk}/")
    bench.page(f"GET /sessions/{label}/check-in/ as coordinator", coordinator,
               f"/sessions/{crowded.pk}/check-in/")
    bench.page(f"GET /sessions/{label}/code/ as coordinator", coordinator,
               f"/sessions/{crowded.pk}/code/")
    for role in ("coordinator", "entrepreneur"):
        bench.page(f"GET / as {role}", clients[role], "/")
    for role in ("coordinator", "entrepreneur"):
        token = calendar_feed_for_user(user=people[role]).token
        bench.measure(f"GET /sessions/feed/<{role}>.ics (at most {FEED_LIMIT})",
                      feed_getter(anonymous, f"/sessions/feed/{token}.ics"),
                      note=lambda response: f"{response.content.count(b'BEGIN:VEVENT')} events")

    print("\nPeriodic work:")
    bench.measure("session_reminders_send(), first run", session_reminders_send, runs=1,
                  warm=False, note=lambda n: f"{n} sessions reminded")
    bench.writes.add("session_reminders_send(), first run")
    bench.measure("session_reminders_send(), idle", session_reminders_send,
                  note=lambda n: f"{n} sessions reminded")

    def planned(reports) -> str:
        return (f"{len(reports)} series, "
                f"{sum(len(report.created) for report in reports)} sessions planned")

    bench.measure("series_generate_all(), first run", series_generate_all, runs=1,
                  warm=False, note=planned)
    bench.writes.add("series_generate_all(), first run")
    bench.measure("series_generate_all(), nothing missing", series_generate_all,
                  note=planned)


def check_sizes(*, sessions: int, entrepreneurs: int, attendances: int) -> None:
    """Refuse sizes the generator cannot make."""
    if sessions < MIN_SESSIONS:
        fail(f"--sessions must be at least {MIN_SESSIONS}")
    if entrepreneurs < 1000:
        fail("--entrepreneurs must be at least 1000")
    if not 0 <= attendances <= sessions * 200:
        fail("--attendances must be between 0 and 200 per session")


def add_size_arguments(parser: argparse.ArgumentParser) -> None:
    """The generator's sizes, as options (``province.py`` takes them too)."""
    parser.add_argument("--sessions", type=int, default=20_000,
                        help="talk sessions to generate (default 20,000)")
    parser.add_argument("--attendances", type=int, default=1_000_000,
                        help="places at them (default 1,000,000)")
    parser.add_argument("--entrepreneurs", "--enterprises", type=int, default=100_000,
                        help="enterprises, each with one verified entrepreneur (default "
                             "100,000)")
    parser.add_argument("--years", type=float, default=8.0,
                        help="years of weekly editions, at most (default 8)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_size_arguments(parser)
    parser.add_argument("--runs", type=int, default=5, help="timed runs per measurement")
    parser.add_argument("--explain-over", type=float, default=100.0,
                        help="explain the slowest query of measurements slower than this (ms)")
    args = parser.parse_args()
    check_sizes(sessions=args.sessions, entrepreneurs=args.entrepreneurs,
                attendances=args.attendances)

    config, people = prepare_database()
    generation = generate(people=people, sessions=args.sessions,
                          entrepreneurs=args.entrepreneurs, attendances=args.attendances,
                          years=args.years)

    bench = SessionsBench(runs=args.runs, explain_over=args.explain_over)
    run_measurements(bench, people)
    bench.report()
    if generation:
        print(f"\nGeneration: {generation:.0f} s for {args.sessions:,} sessions, "
              f"{args.attendances:,} attendances and {args.entrepreneurs:,} entrepreneurs.")
    print(f"Load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs at the end "
          f"(1, 5, 15 minutes: {', '.join(f'{x:.1f}' for x in os.getloadavg())}).")
    bench.explain_slow()
    print(f"\nThe database {config['NAME']} is left in place.")


if __name__ == "__main__":
    main()
