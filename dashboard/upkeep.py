"""Keeping the rollup rows true on every write: the receivers of the domain signals
(``dashboard.signals`` connects them). Each moves a row's contribution
(``dashboard.definitions``) from what the writer loaded (``before``, a
``core.signals.snapshot``) to what it saved, inside the writer's transaction.

Rows are moved with an UPDATE that adds to the stored numbers (``x = x + d``), so
concurrent changes to one row queue on its lock instead of overwriting each other.

* ``issue_changed``: an issue created or changed; its assistances follow it when it moves
  to another month, region or category;
* ``assistance_changed``: an assisting department added or removed;
* ``session_changed``: a session held, no longer held, or moved (month, region): its
  attended places move with it. Held sessions are few, so their own numbers are counted
  live; the places are a million, so each attended place is rolled up, per (region,
  entrepreneur) and per (every region, entrepreneur), for the all-time counts of distinct
  entrepreneurs, and per (month, region), for the attendances;
* ``place_changed``: a place checked in, unticked, moved or deleted.

A write that sends no signal (a bulk UPDATE, the data generators) is covered by the
recount, ``dashboard.rollups.rebuild``.
"""

from collections import Counter, defaultdict

from django.db import connection

from dashboard.definitions import (
    ATTENDED,
    CITY_WIDE,
    FIELDS,
    HELD,
    KEY,
    MEASURES,
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
from issues.models import AssistingDepartment, Issue
from sessions.models import Attendance, TalkSession

#: The session and place fields their rows depend on, in this order.
SESSION_FIELDS = ("status", "starts_at", "region_id")
PLACE_FIELDS = ("status", "session_id", "entrepreneur_id")


def _values(row, fields: tuple) -> tuple:
    return tuple(getattr(row, field) for field in fields)


def _before(before: dict | None, fields: tuple) -> tuple | None:
    return None if before is None else tuple(before[field] for field in fields)


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


def add_assistances(counts: Counter) -> None:
    """Add ``counts`` ((month, region, category, department) → n) to the assistance rows."""
    rows = [(*key, n) for key, n in counts.items() if n]
    _upsert(AssistRollup._meta.db_table, KEY, ("assisted",), rows)


# --- Issues and assistances ----------------------------------------------------------------

def issue_changed(*, issue: Issue, before: dict | None) -> None:
    """An issue was created (``before`` None) or changed: move its contribution."""
    old_values, current = _before(before, FIELDS), _values(issue, FIELDS)
    if current == old_values:
        return
    days = WorkingDayCounter()  # one calendar read for both, and only if one is resolved
    old = contribution(old_values, days=days) if old_values is not None else None
    new = contribution(current, days=days)
    add_to_rollup(old, new)
    if old is not None and old.key[:3] != new.key[:3]:
        _move_assistances(issue.pk, old.key[:3], new.key[:3])


def _assistance_key(assistance: AssistingDepartment) -> tuple:
    # The writer's issue (already in memory: a dispatch creates and reads its assistances
    # through it); its month, region and category are set at submission.
    issue = assistance.issue
    return (month_of(issue.submitted_at), issue.region_id, issue.category_id,
            assistance.department_id)


def assistance_changed(*, assistance: AssistingDepartment, added: bool) -> None:
    """A department began (``added``) or stopped assisting an issue."""
    add_assistances(Counter({_assistance_key(assistance): 1 if added else -1}))


def _move_assistances(issue_id: int, old: tuple, new: tuple) -> None:
    counts = Counter()
    for department_id in AssistingDepartment.objects.filter(issue_id=issue_id).values_list(
            "department_id", flat=True):
        counts[(*old, department_id)] -= 1
        counts[(*new, department_id)] += 1
    add_assistances(counts)


# --- Sessions and places -------------------------------------------------------------------

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


def session_changed(*, session: TalkSession, before: dict | None) -> None:
    """A session was created or changed: when it became held, stopped being held, or
    moved while held, its attended places move with it."""
    old, current = _before(before, SESSION_FIELDS), _values(session, SESSION_FIELDS)
    was_held = old is not None and old[0] == HELD
    if not was_held and current[0] != HELD or old == current:
        return
    entrepreneurs = list(Attendance.objects.filter(session_id=session.pk, status=ATTENDED)
                         .values_list("entrepreneur_id", flat=True))
    if not entrepreneurs:
        return
    people, months = Counter(), Counter()
    for state, sign in ((old, -1), (current, 1)):
        if state is None or state[0] != HELD:
            continue
        more_people, more_months = _place_rows(
            [(month_of(state[1]), state[2], person) for person in entrepreneurs], sign)
        people.update(more_people)
        months.update(more_months)
    _add_places(people, months)


def _held_session_key(session_id: int) -> tuple | None:
    row = TalkSession.objects.filter(pk=session_id, status=HELD).values_list(
        "starts_at", "region_id").first()
    return None if row is None else (month_of(row[0]), row[1])


def place_changed(*, place: Attendance, before: dict | None, deleted: bool = False) -> None:
    """A place was created (``before`` None), changed or ``deleted``: an attended place at
    a held session moves its rows."""
    old = _before(before, PLACE_FIELDS)
    current = None if deleted else _values(place, PLACE_FIELDS)
    if old == current:
        return
    people, months = Counter(), Counter()
    for state, sign in ((old, -1), (current, 1)):
        if state is None or state[0] != ATTENDED:
            continue
        key = _held_session_key(state[1])
        if key is None:
            continue
        more_people, more_months = _place_rows([(*key, state[2])], sign)
        people.update(more_people)
        months.update(more_months)
    _add_places(people, months)
