"""Read-only figures for the dashboard, the ranking, the exports and the public page.

Who may see what: ``dashboard.scope``. Every selector here takes ``ScopedFilters``, which
only ``dashboard_scope_for_user`` (and ``public_scope``, for the public figures) builds,
and issue rows come from ``issues.selectors.issues_for_user``.

Issue figures add up ``IssueRollup`` rows (see ``dashboard.definitions`` for the
definitions); overdue issues are counted live through the open issues' index. Session
figures count held sessions and their attendances. Each function runs a fixed number of
queries whatever the amount of data. The values they return, and the rates, are in
``dashboard.figures``.
"""

from dataclasses import replace
from datetime import date, datetime

from django.core.paginator import Page
from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from core.pagination import CappedPaginator
from core.workdays import work_calendar
from dashboard.definitions import CITY_WIDE, MEASURES
from dashboard.figures import (  # noqa: F401  (importable from here, as before)
    HeadlineFigures,
    IssueFigures,
    IssueSums,
    MonthRow,
    RankingRow,
    RankingSort,
    SessionFigures,
    ShareRow,
    average,
    percent,
    sort_ranking,
)
from dashboard.models import (
    AssistRollup,
    AttendanceMonthRollup,
    AttendeeRollup,
    IssueRollup,
    IssueSummaryRollup,
)
from dashboard.scope import (  # noqa: F401  (importable from here, as before)
    DashboardFilters,
    DashboardNotAllowed,
    DashboardScope,
    FilterChoices,
    ScopedFilters,
    dashboard_filter_choices_for_user,
    dashboard_scope_for_user,
    may_see_dashboard,
    next_month,
    public_scope,
)
from issues.models import Issue
from issues.selectors import issues_for_user, overdue_q
from sessions.models import Attendance, TalkSession


def _require_scoped(filters) -> None:
    """Refuse filters nobody held to a scope (a bare ``DashboardFilters``, or None)."""
    if not isinstance(filters, ScopedFilters):
        raise TypeError("Dashboard selectors take ScopedFilters from "
                        "dashboard_scope_for_user(user=..., filters=...), not "
                        f"{type(filters).__name__}.")


# --- The queries ---------------------------------------------------------------------------

_SUMS = {name: Sum(name) for name in MEASURES}


def _in_region_and_months(rows: QuerySet, filters: ScopedFilters) -> QuerySet:
    """Rollup ``rows`` (with ``region_id`` and ``month``) of the filter's region and months."""
    if filters.region is not None:
        rows = rows.filter(region_id=filters.region.pk)
    if filters.month_from is not None:
        rows = rows.filter(month__gte=filters.month_from.replace(day=1))
    if filters.month_to is not None:
        rows = rows.filter(month__lte=filters.month_to.replace(day=1))
    return rows


def _rollup_rows(filters: ScopedFilters, *, model=None, by: tuple[str, ...] = ()
                 ) -> QuerySet:
    """The issue rollup rows of ``filters``: the summary's (a few thousand) unless a
    department is asked for, or ``model`` says which."""
    if model is None:
        needs_departments = filters.department is not None or "department_id" in by
        model = IssueRollup if needs_departments else IssueSummaryRollup
    rows = _in_region_and_months(model.objects.all(), filters)
    if filters.category is not None:
        rows = rows.filter(category_id=filters.category.pk)
    if filters.department is not None:
        rows = rows.filter(department_id=filters.department.pk)
    return rows


def _in_region_and_period(rows: QuerySet, filters: ScopedFilters, *, moment: str
                          ) -> QuerySet:
    """``rows`` of the filter's region whose ``moment`` (a datetime field) falls in its
    months."""
    if filters.region is not None:
        rows = rows.filter(region_id=filters.region.pk)
    start, end = filters.period_bounds()
    if start is not None:
        rows = rows.filter(**{f"{moment}__gte": start})
    if end is not None:
        rows = rows.filter(**{f"{moment}__lt": end})
    return rows


def _filtered_issues(issues: QuerySet[Issue], filters: ScopedFilters) -> QuerySet[Issue]:
    issues = _in_region_and_period(issues, filters, moment="submitted_at")
    if filters.category is not None:
        issues = issues.filter(category_id=filters.category.pk)
    if filters.department is not None:
        issues = issues.filter(lead_department_id=filters.department.pk)
    return issues


def _overdue(filters: ScopedFilters) -> QuerySet[Issue]:
    return _filtered_issues(Issue.objects.filter(overdue_q(today=timezone.localdate())),
                            filters)


def issue_sums(filters: ScopedFilters, *, by: tuple[str, ...]) -> IssueSums:
    """One query: the issue rollups of ``filters`` summed per ``by`` (columns of
    ``IssueRollup``)."""
    _require_scoped(filters)
    rows = list(_rollup_rows(filters, by=by).values(*by).order_by().annotate(**_SUMS))
    return IssueSums(keys=by, rows=rows)


def overdue_counts(filters: ScopedFilters) -> dict[tuple[int, int | None], int]:
    """One query: the overdue issues of ``filters`` per (region, lead department)."""
    _require_scoped(filters)
    rows = (_overdue(filters).values("region_id", "lead_department_id").order_by()
            .annotate(n=Count("id")).values_list("region_id", "lead_department_id", "n"))
    return {(region, department): n for region, department, n in rows}


def _overdue_by(counts: dict, index: int) -> dict:
    totals: dict = {}
    for key, n in counts.items():
        totals[key[index]] = totals.get(key[index], 0) + n
    return totals


def issue_figures(filters: ScopedFilters, *, sums: IssueSums | None = None
                  ) -> IssueFigures:
    """The issue figures for ``filters`` (already held to a scope). Two queries, or one
    with ``sums`` (of the same filters)."""
    _require_scoped(filters)
    row = sums.total() if sums is not None else _rollup_rows(filters).aggregate(**_SUMS)
    return IssueFigures.from_row(row, overdue=_overdue(filters).count())


def _held_sessions(filters: ScopedFilters) -> QuerySet[TalkSession]:
    return _in_region_and_period(TalkSession.objects.filter(status=TalkSession.Status.HELD),
                                 filters, moment="starts_at")


def session_figures(filters: ScopedFilters) -> SessionFigures:
    """Editions with a session held, sessions held, attendances (people checked in at
    them) and the distinct entrepreneurs among those. Three queries.

    Attendances come from the rollups; distinct entrepreneurs too when no month is chosen
    (a row per region and person), else from the places of the months' held sessions (a
    month or a year of them, not the million).
    """
    _require_scoped(filters)
    held = _held_sessions(filters)
    counts = held.aggregate(editions=Count("edition_id", distinct=True),
                            sessions_held=Count("id"))
    attendances = _attendance_months(filters).aggregate(n=Sum("attended"))["n"] or 0
    if filters.month_from is None and filters.month_to is None:
        # One row per person (and region): counting rows counts distinct people.
        region_id = CITY_WIDE if filters.region is None else filters.region.pk
        entrepreneurs = AttendeeRollup.objects.filter(region_id=region_id,
                                                      attended__gt=0).count()
        return SessionFigures(**counts, attendances=attendances, entrepreneurs=entrepreneurs)
    entrepreneurs = Attendance.objects.filter(
        status=Attendance.Status.ATTENDED, session__in=held.values("pk")
    ).values("entrepreneur_id").distinct().count()
    return SessionFigures(**counts, attendances=attendances, entrepreneurs=entrepreneurs)


def _attendance_months(filters: ScopedFilters) -> QuerySet[AttendanceMonthRollup]:
    return _in_region_and_months(AttendanceMonthRollup.objects.all(), filters)


def headline_figures(filters: ScopedFilters, *, sums: IssueSums | None = None
                     ) -> HeadlineFigures:
    """Every headline figure for ``filters``. Five queries, or four with ``sums``."""
    _require_scoped(filters)
    return HeadlineFigures(
        sessions=session_figures(replace(filters, category=None, department=None)),
        issues=issue_figures(filters, sums=sums),
        sessions_filtered=filters.applies_to_sessions,
    )


def headline_figures_for_user(*, user, filters: DashboardFilters | None = None
                              ) -> HeadlineFigures:
    return headline_figures(dashboard_scope_for_user(user=user, filters=filters))


def public_figures() -> HeadlineFigures:
    """The programme's figures for the whole city and all time: what the public page and
    the home pages show."""
    return headline_figures(public_scope())


# --- Charts -------------------------------------------------------------------------------

def monthly_rows(filters: ScopedFilters, *, sums: IssueSums | None = None
                 ) -> list[MonthRow]:
    """Issues, satisfaction, sessions and attendances per month, oldest first, every
    month between the first and the last with data. Three queries, or two with ``sums``
    (by month among others)."""
    _require_scoped(filters)
    months: dict[date, MonthRow] = {}
    sums = sums or issue_sums(filters, by=("month",))
    for month, row in sums.by("month").items():
        months[month] = MonthRow(month=month, collected=row["collected"],
                                 rated=row["rated"], satisfied=row["satisfied"])
    if filters.applies_to_sessions:
        held = _held_sessions(filters)
        session_rows = (held.annotate(month=TruncMonth("starts_at")).values("month")
                        .order_by("month").annotate(sessions_held=Count("id")))
        for row in session_rows:
            month = row["month"]
            month = month.date() if isinstance(month, datetime) else month
            months.setdefault(month, MonthRow(month=month)).sessions_held = row["sessions_held"]
        attended = (_attendance_months(filters).values("month").order_by("month")
                    .annotate(attendances=Sum("attended")))
        for row in attended:
            months.setdefault(row["month"], MonthRow(month=row["month"])).attendances = (
                row["attendances"])
    if not months:
        return []
    first, last = min(months), max(months)
    rows, month = [], first
    while month <= last:
        rows.append(months.get(month) or MonthRow(month=month))
        month = next_month(month)
    return rows


def _shares(filters: ScopedFilters, *, by: str, objects, sums: IssueSums | None
            ) -> list[ShareRow]:
    totals = (sums or issue_sums(filters, by=(by,))).by(by)
    rows = []
    for obj in objects:
        row = totals.get(obj.pk, {})
        rows.append(ShareRow(label=str(obj), pk=obj.pk, collected=row.get("collected", 0),
                             rated=row.get("rated", 0), satisfied=row.get("satisfied", 0)))
    return rows


def category_rows(filters: ScopedFilters, *, categories, sums: IssueSums | None = None
                  ) -> list[ShareRow]:
    """Issues per category, in the categories' order. One query, none with ``sums``."""
    _require_scoped(filters)
    return _shares(filters, by="category_id", objects=categories, sums=sums)


def region_rows(filters: ScopedFilters, *, regions, sums: IssueSums | None = None
                ) -> list[ShareRow]:
    """Issues per county (the city's own issues on the city's row). One query, none with
    ``sums``."""
    _require_scoped(filters)
    return _shares(filters, by="region_id", objects=regions, sums=sums)


# --- The ranking (三率) ----------------------------------------------------------------------

def department_ranking(filters: ScopedFilters, *, departments, sort: str = "",
                       sums: IssueSums | None = None, overdue: dict | None = None
                       ) -> list[RankingRow]:
    """Per department: issues led (with their rates) and assisted, and overdue now.
    Three queries; one with ``sums`` (by department among others) and ``overdue``
    (``overdue_counts``)."""
    _require_scoped(filters)
    led = (sums or issue_sums(filters, by=("department_id",))).by("department_id")
    assisted = dict(_rollup_rows(filters, model=AssistRollup).values("department_id")
                    .order_by("department_id").annotate(n=Sum("assisted"))
                    .values_list("department_id", "n"))
    overdue = _overdue_by(overdue if overdue is not None else overdue_counts(filters), 1)
    rows = []
    for department in departments:
        if filters.department is not None and department.pk != filters.department.pk:
            continue
        rows.append(RankingRow(
            name=str(department), pk=department.pk, region=department.region,
            figures=IssueFigures.from_row(led.get(department.pk, {}),
                                          overdue=overdue.get(department.pk, 0)),
            assisted=assisted.get(department.pk, 0),
        ))
    return sort_ranking(rows, sort)


def region_ranking(filters: ScopedFilters, *, regions, sort: str = "",
                   sums: IssueSums | None = None, overdue: dict | None = None
                   ) -> list[RankingRow]:
    """The same per county (the issues of its enterprises). Two queries; none with
    ``sums`` (by region among others) and ``overdue``."""
    _require_scoped(filters)
    totals = (sums or issue_sums(filters, by=("region_id",))).by("region_id")
    overdue = _overdue_by(overdue if overdue is not None else overdue_counts(filters), 0)
    rows = [
        RankingRow(name=str(region), pk=region.pk, region=region,
                   figures=IssueFigures.from_row(totals.get(region.pk, {}),
                                                 overdue=overdue.get(region.pk, 0)))
        for region in regions
        if filters.region is None or region.pk == filters.region.pk
    ]
    return sort_ranking(rows, sort)


# --- Issue rows: the supervision list and the export ---------------------------------------

#: Overdue issues per page of the supervision list.
OVERDUE_PAGE_SIZE = 50


def overdue_issues_page_for_user(*, user, filters: DashboardFilters | None = None,
                                 page_number=None) -> Page:
    """One page of the overdue issues in the user's scope and filters, longest overdue
    first (earliest due date, then oldest submitted). Each carries ``working_days_late``.
    Three or four queries (the count, capped at ``COUNT_CAP``; the page, in two steps
    after the first; the working-day calendar) whatever the number."""
    filters = dashboard_scope_for_user(user=user, filters=filters)
    issues = _filtered_issues(
        issues_for_user(user=user).filter(overdue_q(today=timezone.localdate())), filters
    ).select_related("category", "enterprise", "region", "lead_department").order_by(
        "due_on", "submitted_at", "id")
    page = CappedPaginator(issues, OVERDUE_PAGE_SIZE).get_page(page_number)
    calendar, today = work_calendar(), timezone.localdate()
    for issue in page:
        issue.working_days_late = calendar.working_days_between(issue.due_on, today)
    return page


def issue_rows_for_user(*, user, filters: DashboardFilters | None = None) -> QuerySet[Issue]:
    """Every issue in the user's scope and filters, oldest first, with what an export row
    shows joined in (for streaming with ``.iterator()``)."""
    filters = dashboard_scope_for_user(user=user, filters=filters)
    return _filtered_issues(issues_for_user(user=user), filters).select_related(
        "category", "enterprise", "region", "lead_department"
    ).order_by("submitted_at", "id")


def programme_first_month() -> date | None:
    """The month of the programme's first record: its first issue or its first held
    session (the bulletin has nothing to say before it); None when there is neither. Two
    queries, through the rollups' and the sessions' month and start indexes."""
    first_issue = IssueRollup.objects.order_by("month").values_list("month", flat=True).first()
    first_held = (TalkSession.objects.filter(status=TalkSession.Status.HELD)
                  .order_by("starts_at").values_list("starts_at", flat=True).first())
    months = [first_issue] if first_issue is not None else []
    if first_held is not None:
        months.append(timezone.localtime(first_held).date().replace(day=1))
    return min(months, default=None)
