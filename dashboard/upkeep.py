"""Keeping the rollup rows true on every write: each write moves its issue's, assistance's,
session's or place's contribution (``dashboard.definitions``) from what it was to what it
is, in the writer's transaction.

Rows are moved with an UPDATE that adds to the stored numbers (``x = x + d``), so
concurrent changes to one row queue on its lock instead of overwriting each other.
``post_init`` remembers what a loaded row contributed, and ``post_save`` adds the
difference (``dashboard.signals`` connects them).
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


# --- Attendances ---------------------------------------------------------------------------
#
# An attendance counts when the person was checked in and the session is held. Held
# sessions are few (tens of thousands), so their numbers are counted live; the places are
# a million, so each attended place is rolled up: per (region, entrepreneur) and per
# (every region, entrepreneur), for the all-time counts of distinct entrepreneurs, and per
# (month, region), for the attendances. A place's rows move when the place is saved
# (checked in, unticked) and when its session becomes held or stops being held, or moves
# to another month or region.

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


