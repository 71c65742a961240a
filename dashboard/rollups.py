"""What each issue contributes to the headline figures, and the rollup rows kept equal to
a fresh count of them.

The definitions (DESIGN.md, "Headline figures") live in ``contribution``, once:

* **collected**: every issue; **valid**: all but rejected and duplicates;
* **open**: in an open state (``Issue.OPEN_STATUSES``);
* **dispatched**: passed to a lead department in its current round (an issue returned as
  misrouted, rejected or a duplicate belongs to no department); **responded**: of those,
  accepted by the accept-by date (the category's limit, one working day), so the
  response rate is responded ÷ dispatched;
* **resolved**: answered and not reopened (answered, closed, closed unrated), so the
  resolution rate is resolved ÷ valid; **on time**: of those, answered by the due date;
  **resolve days**: working days from submission to the answer;
* **rated**, **satisfied**: on each issue's latest rating, so the satisfaction rate is
  (satisfied + basically satisfied) ÷ rated.

Overdue issues depend on today, so they are counted live (a few per cent of the issues,
through the open issues' index), never rolled up.

How the rows stay true: ``post_init`` remembers what a loaded issue contributed, and
``post_save`` adds the difference to the rows in the same transaction, with an UPDATE that
adds to the stored numbers (``x = x + d``), so concurrent changes to one row queue on its
lock instead of overwriting each other. An assisting department's row moves when the
assistance is created or deleted. ``rebuild`` recounts everything from the issues; the
data generators call it after their bulk inserts, and it runs after the working-day
calendar is corrected (the working days to resolve depend on it).
"""

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from core.workdays import WorkCalendar, work_calendar
from dashboard.models import (
    AssistRollup,
    AttendanceMonthRollup,
    AttendeeRollup,
    IssueRollup,
    IssueSummaryRollup,
)
from issues.models import SATISFIED_RATINGS, AssistingDepartment, Issue
from sessions.models import Attendance, TalkSession

S = Issue.Status
RESOLVED_STATUSES = (S.RESOLVED, *Issue.CLOSED_STATUSES)

#: The issue fields the figures are computed from, in this order.
FIELDS = ("region_id", "category_id", "lead_department_id", "submitted_at", "status",
          "dispatched_at", "accepted_at", "accept_due_on", "resolved_at", "due_on",
          "latest_rating")
#: The numbers each rollup row holds, in this order.
MEASURES = ("collected", "valid", "open", "dispatched", "responded", "resolved", "on_time",
            "resolve_days", "rated", "satisfied")
KEY = ("month", "region_id", "category_id", "department_id")
SUMMARY_KEY = KEY[:3]


def month_of(moment: datetime) -> date:
    """The first day of the (local) month of ``moment``."""
    return timezone.localtime(moment).date().replace(day=1)


def _local_day(moment: datetime) -> date:
    return timezone.localtime(moment).date()


class WorkingDayCounter:
    """``WorkCalendar.working_days_between`` for many pairs of dates: each day's running
    count is worked out once, then a pair costs a subtraction."""

    def __init__(self, calendar: WorkCalendar):
        self.calendar = calendar
        self.first: date | None = None
        self.running: list[int] = []

    def _cover(self, start: date, end: date) -> None:
        if self.first is None or start < self.first:
            last = start if self.first is None else self._last()
            self.first, self.running = start, [0]
            end = max(end, last)
        self._extend(end)

    def _last(self) -> date:
        return self.first + timedelta(days=len(self.running) - 1)

    def _extend(self, end: date) -> None:
        last = self._last()
        count = self.running[-1]
        while last < end:
            last += timedelta(days=1)
            count += self.calendar.is_working_day(last)
            self.running.append(count)

    def between(self, start: date, end: date) -> int:
        if end <= start:
            return 0
        self._cover(start, end)
        return (self.running[(end - self.first).days]
                - self.running[(start - self.first).days])


@dataclass(frozen=True)
class Contribution:
    key: tuple            # (month, region_id, category_id, department_id)
    measures: tuple       # in the order of MEASURES


def contribution(values: tuple, *, days: WorkingDayCounter | None = None) -> Contribution:
    """What one issue adds to the figures; ``values`` are its ``FIELDS``.

    ``days`` counts the working days to resolve (one calendar for many issues); without
    it the current calendar is read (one query) when the issue is resolved.
    """
    (region_id, category_id, department_id, submitted_at, status, dispatched_at,
     accepted_at, accept_due_on, resolved_at, due_on, latest_rating) = values
    valid = status not in Issue.INVALID_STATUSES
    # An issue returned as misrouted, or found invalid, is not the department's any more:
    # it counts for no department until it is dispatched again.
    if status == S.RETURNED or not valid:
        department_id = None
    dispatched = dispatched_at is not None and department_id is not None
    responded = bool(dispatched and accepted_at is not None and accept_due_on is not None
                     and _local_day(accepted_at) <= accept_due_on)
    resolved = status in RESOLVED_STATUSES and resolved_at is not None
    on_time = bool(resolved and due_on is not None and _local_day(resolved_at) <= due_on)
    resolve_days = 0
    if resolved:
        days = days or WorkingDayCounter(work_calendar())
        resolve_days = days.between(_local_day(submitted_at), _local_day(resolved_at))
    rated = bool(latest_rating)
    satisfied = latest_rating in SATISFIED_RATINGS
    return Contribution(
        key=(month_of(submitted_at), region_id, category_id, department_id or 0),
        measures=(1, int(valid), int(status in Issue.OPEN_STATUSES), int(dispatched),
                  int(responded), int(resolved), int(on_time), resolve_days, int(rated),
                  int(satisfied)),
    )


def _upsert(table: str, key_columns: tuple, measure_columns: tuple, rows: list[tuple]):
    """Add each row's measures to the stored row with its key (creating it at zero)."""
    if not rows:
        return
    quote = connection.ops.quote_name
    columns = ", ".join(quote(column) for column in (*key_columns, *measure_columns))
    placeholders = ", ".join(["%s"] * (len(key_columns) + len(measure_columns)))
    adds = ", ".join(f"{quote(column)} = {quote(table)}.{quote(column)} + "
                     f"excluded.{quote(column)}" for column in measure_columns)
    sql = (f"INSERT INTO {quote(table)} ({columns}) VALUES ({placeholders}) "
           f"ON CONFLICT ({', '.join(quote(column) for column in key_columns)}) "
           f"DO UPDATE SET {adds}")
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def add_to_rollup(old: Contribution | None, new: Contribution | None) -> None:
    """Move an issue's contribution from ``old`` to ``new`` (None: no issue)."""
    changes: dict[tuple, list[int]] = defaultdict(lambda: [0] * len(MEASURES))
    if old is not None:
        for index, value in enumerate(old.measures):
            changes[old.key][index] -= value
    if new is not None:
        for index, value in enumerate(new.measures):
            changes[new.key][index] += value
    rows = [(*key, *deltas) for key, deltas in changes.items() if any(deltas)]
    _upsert(IssueRollup._meta.db_table, KEY, MEASURES, rows)
    summary = summarise(changes)
    _upsert(IssueSummaryRollup._meta.db_table, SUMMARY_KEY, MEASURES,
            [(*key, *deltas) for key, deltas in summary.items() if any(deltas)])


def summarise(rows: dict) -> dict:
    """Rows of ``IssueRollup`` (key → measures) added up over the departments."""
    totals: dict[tuple, list[int]] = defaultdict(lambda: [0] * len(MEASURES))
    for key, measures in rows.items():
        total = totals[key[:3]]
        for index, value in enumerate(measures):
            total[index] += value
    return {key: tuple(total) for key, total in totals.items()}


def add_assistances(counts: Counter) -> None:
    """Add ``counts`` ((month, region, category, department) → n) to the assistance rows."""
    rows = [(*key, n) for key, n in counts.items() if n]
    _upsert(AssistRollup._meta.db_table, KEY, ("assisted",), rows)


# --- Keeping the rows true on every save ---------------------------------------------------

def remember(issue: Issue) -> None:
    """Note what a loaded issue stands for in the rows (skipped when a field it needs was
    deferred; ``issue_saving`` then reads the row before it is saved)."""
    if issue.pk is None or issue.get_deferred_fields().intersection(FIELDS):
        issue._rollup_values = None
        return
    issue._rollup_values = tuple(getattr(issue, field) for field in FIELDS)


def _attname(field: str) -> str:
    return field.removesuffix("_id")


def issue_saving(issue: Issue) -> None:
    """Before a save of an issue loaded without a field the figures need (deferred):
    read what the row holds, so that the save can move it."""
    if issue.pk is not None and getattr(issue, "_rollup_values", None) is None:
        issue._rollup_values = Issue.objects.filter(pk=issue.pk).values_list(
            *FIELDS).first()


def issue_saved(issue: Issue, *, created: bool, update_fields) -> None:
    """Called after every save of an issue, inside its transaction."""
    before = None if created else getattr(issue, "_rollup_values", None)
    current = tuple(getattr(issue, field) for field in FIELDS)
    if update_fields is not None and before is not None:
        # Only the saved fields reached the row; the others still hold what was loaded.
        saved = {_attname(field) for field in update_fields} | set(update_fields)
        current = tuple(value if field in saved or _attname(field) in saved else old
                        for field, value, old in zip(FIELDS, current, before, strict=True))
    if current == before:
        return
    old = contribution(before) if before is not None else None
    new = contribution(current)
    add_to_rollup(old, new)
    if old is not None and old.key[:3] != new.key[:3]:
        _move_assistances(issue.pk, old.key[:3], new.key[:3])
    issue._rollup_values = current


def _assistance_key(assistance: AssistingDepartment) -> tuple:
    month, region_id, category_id = _issue_bucket(assistance.issue_id)
    return (month, region_id, category_id, assistance.department_id)


def _issue_bucket(issue_id: int) -> tuple:
    submitted_at, region_id, category_id = Issue.objects.filter(pk=issue_id).values_list(
        "submitted_at", "region_id", "category_id").get()
    return (month_of(submitted_at), region_id, category_id)


def assistance_saved(assistance: AssistingDepartment, *, created: bool) -> None:
    if created:
        add_assistances(Counter({_assistance_key(assistance): 1}))


def assistance_deleted(assistance: AssistingDepartment) -> None:
    add_assistances(Counter({_assistance_key(assistance): -1}))


def _move_assistances(issue_id: int, old: tuple, new: tuple) -> None:
    counts = Counter()
    for department_id in AssistingDepartment.objects.filter(issue_id=issue_id).values_list(
            "department_id", flat=True):
        counts[(*old, department_id)] -= 1
        counts[(*new, department_id)] += 1
    add_assistances(counts)


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


# --- Attendances ---------------------------------------------------------------------------
#
# An attendance counts when the person was checked in and the session is held. Held
# sessions are few (tens of thousands), so their numbers are counted live; the places are
# a million, so each attended place is rolled up: per (region, entrepreneur) and per
# (every region, entrepreneur), for the all-time counts of distinct entrepreneurs, and per
# (month, region), for the attendances. A place's rows move when the place is saved
# (checked in, unticked) and when its session becomes held or stops being held, or moves
# to another month or region.

ATTENDED = Attendance.Status.ATTENDED
HELD = TalkSession.Status.HELD
#: The ``region_id`` of a person's row for every region together: the city's distinct
#: entrepreneurs are then a count of rows, not a DISTINCT over every county's rows.
CITY_WIDE = 0


def remember_session(session: TalkSession) -> None:
    if session.pk is None or session.get_deferred_fields().intersection(
            ("status", "starts_at", "region_id")):
        session._rollup_values = None
        return
    session._rollup_values = (session.status, session.starts_at, session.region_id)


def _place_rows(places: list[tuple], sign: int) -> tuple[Counter, Counter]:
    """(month, region, entrepreneur) of attended places → the two tables' deltas."""
    people, months = Counter(), Counter()
    for month, region_id, entrepreneur_id in places:
        people[(region_id, entrepreneur_id)] += sign
        people[(CITY_WIDE, entrepreneur_id)] += sign
        months[(month, region_id)] += sign
    return people, months


def _add_places(people: Counter, months: Counter) -> None:
    _upsert(AttendeeRollup._meta.db_table, ("region_id", "entrepreneur_id"), ("attended",),
            [(*key, n) for key, n in people.items() if n])
    _upsert(AttendanceMonthRollup._meta.db_table, ("month", "region_id"), ("attended",),
            [(*key, n) for key, n in months.items() if n])


def session_saving(session: TalkSession) -> None:
    """Before a save of a session loaded without the fields (deferred): read them."""
    if session.pk is not None and getattr(session, "_rollup_values", None) is None:
        session._rollup_values = TalkSession.objects.filter(pk=session.pk).values_list(
            "status", "starts_at", "region_id").first()


def session_saved(session: TalkSession, *, created: bool) -> None:
    before = None if created else getattr(session, "_rollup_values", None)
    current = (session.status, session.starts_at, session.region_id)
    session._rollup_values = current
    was_held = before is not None and before[0] == HELD
    if not was_held and current[0] != HELD or before == current:
        return
    entrepreneurs = list(Attendance.objects.filter(session_id=session.pk, status=ATTENDED)
                         .values_list("entrepreneur_id", flat=True))
    if not entrepreneurs:
        return
    people, months = Counter(), Counter()
    for state, sign in ((before, -1), (current, 1)):
        if state is None or state[0] != HELD:
            continue
        more_people, more_months = _place_rows(
            [(month_of(state[1]), state[2], person) for person in entrepreneurs], sign)
        people.update(more_people)
        months.update(more_months)
    _add_places(people, months)


def remember_place(place: Attendance) -> None:
    if place.pk is None or place.get_deferred_fields().intersection(
            ("status", "session_id", "entrepreneur_id")):
        place._rollup_values = None
        return
    place._rollup_values = (place.status, place.session_id, place.entrepreneur_id)


def _held_session_key(session_id: int) -> tuple | None:
    row = TalkSession.objects.filter(pk=session_id, status=HELD).values_list(
        "starts_at", "region_id").first()
    return None if row is None else (month_of(row[0]), row[1])


def place_saved(place: Attendance, *, created: bool) -> None:
    before = None if created else getattr(place, "_rollup_values", None)
    current = (place.status, place.session_id, place.entrepreneur_id)
    place._rollup_values = current
    if before == current:
        return
    counted = [state for state in (before, current) if state is not None
               and state[0] == ATTENDED]
    if not counted:
        return
    people, months = Counter(), Counter()
    for state in (before, current):
        if state is None or state[0] != ATTENDED:
            continue
        key = _held_session_key(state[1])
        if key is None:
            continue
        sign = -1 if state is before else 1
        more_people, more_months = _place_rows([(*key, state[2])], sign)
        people.update(more_people)
        months.update(more_months)
    _add_places(people, months)


def place_deleted(place: Attendance) -> None:
    state = getattr(place, "_rollup_values", None)
    if state is None or state[0] != ATTENDED:
        return
    key = _held_session_key(state[1])
    if key is not None:
        _add_places(*_place_rows([(*key, state[2])], -1))


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
