"""A synthetic province in one PostgreSQL database: the data the dashboard is measured on.

Run it against a database of its own, whose name says "bench"::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/huzhou_bench_province \\
        .venv/bin/python benchmarks/province.py

The defaults are the target sizes: 100,000 enterprises (each with one verified
entrepreneur), 20,000 talk sessions with 1,000,000 places, and 1,000,000 issues with their
timelines and ratings. For a small province to compare with (10,000 issues)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/huzhou_bench_province_small \\
        .venv/bin/python benchmarks/province.py \\
        --issues 10000 --enterprises 5000 --sessions 1000 --attendances 10000

1. Set-up (``issues_at_scale.prepare_database``): creates the database if it is missing,
   migrates, loads the demo's reference data and logins and the city leader.
2. The sessions generator (``sessions_at_scale.generate``): the enterprises and their
   entrepreneurs, the editions, series, sessions and places.
3. The issues generator (``issues_at_scale.generate``), drawing every issue's enterprise
   and entrepreneur from all verified entrepreneurs (``every_entrepreneur``): the issues
   spread over the province's enterprises instead of enterprises of their own.
4. ``dashboard.rollups.rebuild()``: the generators' bulk SQL bypasses the rollup upkeep
   of each save, so the dashboard's rows are recounted from the issues and the places.
5. VACUUM (ANALYZE) of the whole database.

Each generator reuses what the database already holds (see their scripts); the rollups are
recounted only when something was generated or they do not add up to the data. Prints
the time of each phase and the total. Nothing is measured here: see
``dashboard_at_scale.py``.
"""

import argparse
import os
import time

import issues_at_scale
import sessions_at_scale
from issues_at_scale import MIN_ISSUES, fail, prepare_database


def rollups_add_up() -> bool:
    """The rollup rows count every issue and every attended place once (a quick check,
    not a full recount)."""
    from django.db.models import Sum

    from dashboard.models import AttendanceMonthRollup, IssueRollup
    from issues.models import Issue
    from sessions.models import Attendance, TalkSession

    issues = IssueRollup.objects.aggregate(n=Sum("collected"))["n"] or 0
    places = AttendanceMonthRollup.objects.aggregate(n=Sum("attended"))["n"] or 0
    return issues == Issue.objects.count() and places == Attendance.objects.filter(
        status=Attendance.Status.ATTENDED, session__status=TalkSession.Status.HELD).count()


def vacuum_all() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")


def row_counts() -> dict:
    """The number of rows of what the province is made of."""
    from django.db import connection

    from dashboard.models import IssueRollup
    from entrepreneurs.models import Enterprise, Entrepreneur
    from issues.models import Issue, IssueEvent, SatisfactionRating
    from sessions.models import Attendance, TalkSession

    models = {"enterprises": Enterprise, "entrepreneurs": Entrepreneur,
              "sessions": TalkSession, "attendances": Attendance, "issues": Issue,
              "timeline entries": IssueEvent, "ratings": SatisfactionRating,
              "issue rollup rows": IssueRollup}
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(
            f"SELECT '{name}', count(*) FROM {model._meta.db_table}"
            for name, model in models.items()))
        counts = dict(cursor.fetchall())
    return {name: counts[name] for name in models}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--issues", type=int, default=1_000_000,
                        help="issues (default 1,000,000)")
    sessions_at_scale.add_size_arguments(parser)
    parser.add_argument("--rebuild", action="store_true",
                        help="recount the rollups even when nothing was generated")
    args = parser.parse_args()
    if args.issues < MIN_ISSUES:
        fail(f"--issues must be at least {MIN_ISSUES}")
    sessions_at_scale.check_sizes(sessions=args.sessions, entrepreneurs=args.entrepreneurs,
                                  attendances=args.attendances)

    phases: list[tuple[str, float]] = []
    started = clock = time.perf_counter()

    def phase(what: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        phases.append((what, now - clock))
        print(f"--- {what}: {now - clock:.1f} s", flush=True)
        clock = now

    config, people = prepare_database()
    phase("set-up (migrate, reference data, logins)")

    print(f"\nSessions: {args.entrepreneurs:,} enterprises, {args.sessions:,} sessions, "
          f"{args.attendances:,} attendances.", flush=True)
    generated = sessions_at_scale.generate(
        people=people, sessions=args.sessions, entrepreneurs=args.entrepreneurs,
        attendances=args.attendances, years=args.years)
    phase("enterprises, sessions, attendances (sessions_at_scale)")

    print(f"\nIssues: {args.issues:,}, from every verified entrepreneur.", flush=True)
    generated += issues_at_scale.generate(target=args.issues, people=people,
                                          every_entrepreneur=True)
    phase("issues, timelines, ratings (issues_at_scale)")

    print()
    if generated or args.rebuild or not rollups_add_up():
        from dashboard.rollups import rebuild

        print(f"Recounting the dashboard's rollups: {rebuild():,} issue rows.", flush=True)
        phase("dashboard rollups (dashboard.rollups.rebuild)")
    else:
        print("The dashboard's rollups add up to the issues and places: not recounted.")
        phase("dashboard rollups (checked, reused)")

    vacuum_all()
    phase("VACUUM (ANALYZE) of the database")

    total = time.perf_counter() - started
    width = max(len(what) for what, _ in phases)
    print(f"\nProvince {config['NAME']}:")
    for what, seconds in phases:
        print(f"  {what:<{width}} {seconds:8.1f} s")
    print(f"  {'total':<{width}} {total:8.1f} s ({total / 60:.1f} min)")
    print("\nRows: " + ", ".join(f"{name} {n:,}" for name, n in row_counts().items()))
    print(f"Load average {', '.join(f'{x:.1f}' for x in os.getloadavg())} "
          f"(1, 5, 15 minutes) on {os.cpu_count()} CPUs at the end.")
    print(f"The database {config['NAME']} is left in place.")


if __name__ == "__main__":
    main()
