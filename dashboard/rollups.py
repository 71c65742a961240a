"""The dashboard's rollup rows: what each issue contributes to the headline figures, rows
kept equal to a fresh count of them, and the recount.

* The definitions (DESIGN.md, "Headline figures") live in ``dashboard.definitions``
  (``contribution``, once).
* ``dashboard.upkeep`` moves the rows on every write, in the writer's transaction.
* Here: ``fresh_counts`` counts everything afresh and ``rebuild`` replaces the rows with
  it; the data generators call it after their bulk inserts, and it runs nightly and after
  the working-day calendar is corrected (the working days to resolve depend on it).

Overdue issues depend on today, so they are counted live (a few per cent of the issues,
through the open issues' index), never rolled up. Held sessions are few, so their numbers
are counted live too; the attended places are rolled up.

Every name of the definitions and the upkeep stays importable from here.
"""

from collections import Counter, defaultdict

from django.db import connection, transaction

from core.workdays import work_calendar
from dashboard.definitions import (  # noqa: F401
    ATTENDED,
    CITY_WIDE,
    FIELDS,
    HELD,
    KEY,
    MEASURES,
    RESOLVED_STATUSES,
    SUMMARY_KEY,
    Contribution,
    WorkingDayCounter,
    contribution,
    month_of,
    summarise,
)
from dashboard.models import (
    AssistRollup,
    AttendanceMonthRollup,
    AttendeeRollup,
    IssueRollup,
    IssueSummaryRollup,
)
from dashboard.upkeep import (  # noqa: F401
    add_assistances,
    add_to_rollup,
    assistance_changed,
    issue_changed,
    place_changed,
    session_changed,
)
from issues.models import AssistingDepartment, Issue
from sessions.models import Attendance, TalkSession

# --- Counting everything afresh ------------------------------------------------------------

def fresh_counts() -> tuple[dict, Counter]:
    """The rows as a fresh count of every issue gives them: (key → measures, assistance
    key → n). Reads the issues in chunks; about 10 s a million."""
    totals: dict[tuple, list[int]] = defaultdict(lambda: [0] * len(MEASURES))
    days = WorkingDayCounter(work_calendar())
    buckets = {}
    for pk, *values in Issue.objects.order_by().values_list("pk", *FIELDS).iterator(
            chunk_size=5000):
        found = contribution(tuple(values), days=days)
        row = totals[found.key]
        for index, value in enumerate(found.measures):
            row[index] += value
        buckets[pk] = found.key[:3]
    assists = Counter()
    for issue_id, department_id in AssistingDepartment.objects.order_by().values_list(
            "issue_id", "department_id").iterator(chunk_size=5000):
        assists[(*buckets[issue_id], department_id)] += 1
    return {key: tuple(row) for key, row in totals.items()}, assists


def stored_summary_counts() -> dict:
    """The summary rows as stored, without the all-zero ones; they must equal
    ``summarise(fresh_counts()[0])``."""
    return {tuple(row[:3]): tuple(row[3:]) for row in IssueSummaryRollup.objects.values_list(
        *SUMMARY_KEY, *MEASURES) if any(row[3:])}


def stored_counts() -> tuple[dict, Counter]:
    """The rows as stored, without the all-zero ones, in the shape of ``fresh_counts``."""
    issues = {
        tuple(row[:4]): tuple(row[4:])
        for row in IssueRollup.objects.values_list(*KEY, *MEASURES)
        if any(row[4:])
    }
    assists = Counter({tuple(row[:4]): row[4] for row in AssistRollup.objects.values_list(
        *KEY, "assisted") if row[4]})
    return issues, assists


@transaction.atomic
def rebuild() -> int:
    """Replace every rollup row with a fresh count; return the number of issue rows.

    Locks the two tables while it counts (PostgreSQL), so that no change slips between
    the count and the write.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {IssueRollup._meta.db_table}, "
                           f"{IssueSummaryRollup._meta.db_table}, {AssistRollup._meta.db_table}, "
                           f"{AttendeeRollup._meta.db_table}, "
                           f"{AttendanceMonthRollup._meta.db_table} IN EXCLUSIVE MODE")
    issues, assists = fresh_counts()
    IssueRollup.objects.all().delete()
    IssueSummaryRollup.objects.all().delete()
    AssistRollup.objects.all().delete()
    IssueRollup.objects.bulk_create(
        [IssueRollup(**dict(zip(KEY, key, strict=True)),
                     **dict(zip(MEASURES, measures, strict=True)))
         for key, measures in issues.items()],
        batch_size=2000,
    )
    IssueSummaryRollup.objects.bulk_create(
        [IssueSummaryRollup(**dict(zip(SUMMARY_KEY, key, strict=True)),
                            **dict(zip(MEASURES, measures, strict=True)))
         for key, measures in summarise(issues).items()],
        batch_size=2000,
    )
    AssistRollup.objects.bulk_create(
        [AssistRollup(**dict(zip(KEY, key, strict=True)), assisted=n)
         for key, n in assists.items()],
        batch_size=2000,
    )
    rebuild_attendances()
    return len(issues)


def fresh_attendance_counts() -> tuple[Counter, Counter]:
    """The two attendance tables as a fresh count of the attended places at held
    sessions gives them."""
    sessions = {pk: (month_of(starts_at), region_id) for pk, starts_at, region_id in
                TalkSession.objects.filter(status=HELD).order_by().values_list(
                    "pk", "starts_at", "region_id").iterator(chunk_size=5000)}
    people, months = Counter(), Counter()
    for session_id, entrepreneur_id in Attendance.objects.filter(
            status=ATTENDED, session__status=HELD).order_by().values_list(
            "session_id", "entrepreneur_id").iterator(chunk_size=10000):
        month, region_id = sessions[session_id]
        people[(region_id, entrepreneur_id)] += 1
        people[(CITY_WIDE, entrepreneur_id)] += 1
        months[(month, region_id)] += 1
    return people, months


def stored_attendance_counts() -> tuple[Counter, Counter]:
    people = Counter({(region, person): n for region, person, n in
                      AttendeeRollup.objects.values_list("region_id", "entrepreneur_id",
                                                         "attended") if n})
    months = Counter({(month, region): n for month, region, n in
                      AttendanceMonthRollup.objects.values_list("month", "region_id",
                                                                "attended") if n})
    return people, months


def rebuild_attendances() -> None:
    people, months = fresh_attendance_counts()
    AttendeeRollup.objects.all().delete()
    AttendanceMonthRollup.objects.all().delete()
    AttendeeRollup.objects.bulk_create(
        [AttendeeRollup(region_id=region, entrepreneur_id=person, attended=n)
         for (region, person), n in people.items()], batch_size=5000)
    AttendanceMonthRollup.objects.bulk_create(
        [AttendanceMonthRollup(month=month, region_id=region, attended=n)
         for (month, region), n in months.items()], batch_size=2000)
