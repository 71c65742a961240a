"""Read-only figures for the dashboard, the ranking, the exports and the public page.

Who may see what: ``dashboard_scope_for_user`` (leaders, coordinators and administrators;
a county's officials see their county). Every page and export starts from it, and issue
rows come from ``issues.selectors.issues_for_user``.

Issue figures add up ``IssueRollup`` rows (see ``dashboard.rollups`` for the definitions);
overdue issues are counted live through the open issues' index. Session figures count held
sessions and their attendances. Each function runs a fixed number of queries whatever the
amount of data.
"""

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.core.paginator import Page
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.pagination import CappedPaginator
from core.workdays import work_calendar
from dashboard.models import (
    AssistRollup,
    AttendanceMonthRollup,
    AttendeeRollup,
    IssueRollup,
    IssueSummaryRollup,
)
from dashboard.rollups import CITY_WIDE, MEASURES
from government.models import Department, Official, Region
from government.selectors import official_for_user, region_scope_for_user
from issues.models import Category, Issue
from issues.selectors import issues_for_user, overdue_q
from sessions.models import Attendance, TalkSession


class DashboardNotAllowed(Exception):
    """The user may not see the dashboard; the message says why."""


# --- Who sees what -------------------------------------------------------------------------

@dataclass(frozen=True)
class DashboardScope:
    """The part of the city the user's figures cover: ``region`` None is the whole city."""

    region: Region | None = None

    @property
    def is_city(self) -> bool:
        return self.region is None


def dashboard_scope_for_user(*, user) -> DashboardScope:
    """Leaders and coordinators see the figures of their city or county; administrators
    the city's. Anyone else is refused with the reason (``DashboardNotAllowed``)."""
    if not user.is_authenticated or not user.is_active:
        raise DashboardNotAllowed(_("Log in to see the dashboard."))
    if user.is_superuser:
        return DashboardScope()
    official = official_for_user(user=user)
    if official is None or official.role not in (Official.Role.LEADER,
                                                 Official.Role.COORDINATOR):
        raise DashboardNotAllowed(_(
            "The dashboard is for leaders and coordinators. Your own issues and queues are "
            "on your home page."
        ))
    return DashboardScope(region=region_scope_for_user(user=user))


def may_see_dashboard(*, user) -> bool:
    try:
        dashboard_scope_for_user(user=user)
    except DashboardNotAllowed:
        return False
    return True


# --- Filters -------------------------------------------------------------------------------

@dataclass(frozen=True)
class DashboardFilters:
    """What the figures are narrowed to. Months are first days of months, both included;
    None is open-ended. ``region`` None is the whole scope."""

    region: Region | None = None
    month_from: date | None = None
    month_to: date | None = None
    category: Category | None = None
    department: Department | None = None

    def within(self, scope: DashboardScope) -> "DashboardFilters":
        """These filters, held to the scope: a county's official always sees their county."""
        if scope.region is not None:
            return replace(self, region=scope.region)
        if self.region is not None and self.region.level == Region.Level.CITY:
            return replace(self, region=None)
        return self

    @property
    def applies_to_sessions(self) -> bool:
        """Sessions have no category or lead department; their figures ignore those."""
        return self.category is None and self.department is None

    def period_bounds(self) -> tuple[datetime | None, datetime | None]:
        """The filter's months as aware datetimes: [start, end)."""
        start = end = None
        if self.month_from is not None:
            start = _aware(self.month_from)
        if self.month_to is not None:
            end = _aware(next_month(self.month_to))
        return start, end


def next_month(month: date) -> date:
    return (month.replace(day=1) + timedelta(days=32)).replace(day=1)


def _aware(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@dataclass(frozen=True)
class FilterChoices:
    regions: list[Region]
    categories: list[Category]
    departments: list[Department]


def dashboard_filter_choices_for_user(*, user) -> FilterChoices:
    """The regions (the city and each county, or only the user's county), categories and
    departments (of the scope) the filters offer. Three queries."""
    scope = dashboard_scope_for_user(user=user)
    regions = list(Region.objects.all()) if scope.is_city else [scope.region]
    departments = Department.objects.select_related("region")
    if scope.region is not None:
        departments = departments.filter(Q(region=scope.region) | Q(region__level="city"))
    return FilterChoices(regions=regions, categories=list(Category.objects.all()),
                         departments=list(departments))


# --- Rates ---------------------------------------------------------------------------------

def percent(part: int, whole: int) -> Decimal | None:
    """``part`` ÷ ``whole`` in per cent, two decimals, half up; None when nothing counts."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def average(total: int, count: int) -> Decimal | None:
    if not count:
        return None
    return (Decimal(total) / Decimal(count)).quantize(Decimal("0.1"), ROUND_HALF_UP)


@dataclass
class IssueFigures:
    """The issue measures of ``dashboard.rollups`` and the rates made of them."""

    collected: int = 0
    valid: int = 0
    open: int = 0
    dispatched: int = 0
    responded: int = 0
    resolved: int = 0
    on_time: int = 0
    resolve_days: int = 0
    rated: int = 0
    satisfied: int = 0
    overdue: int = 0

    @classmethod
    def from_row(cls, row: dict, *, overdue: int = 0) -> "IssueFigures":
        return cls(**{name: row.get(name) or 0 for name in MEASURES}, overdue=overdue)

    @property
    def response_rate(self) -> Decimal | None:
        return percent(self.responded, self.dispatched)

    @property
    def resolution_rate(self) -> Decimal | None:
        return percent(self.resolved, self.valid)

    @property
    def on_time_rate(self) -> Decimal | None:
        return percent(self.on_time, self.resolved)

    @property
    def satisfaction_rate(self) -> Decimal | None:
        return percent(self.satisfied, self.rated)

    @property
    def average_days(self) -> Decimal | None:
        return average(self.resolve_days, self.resolved)


@dataclass
class SessionFigures:
    editions: int = 0
    sessions_held: int = 0
    attendances: int = 0
    entrepreneurs: int = 0


@dataclass
class HeadlineFigures:
    sessions: SessionFigures
    issues: IssueFigures
    #: False when a category or department filter is on: session figures then cover
    #: the region and months only.
    sessions_filtered: bool = True


# --- The queries ---------------------------------------------------------------------------

_SUMS = {name: Sum(name) for name in MEASURES}


def _in_region_and_months(rows: QuerySet, filters: DashboardFilters) -> QuerySet:
    """Rollup ``rows`` (with ``region_id`` and ``month``) of the filter's region and months."""
    if filters.region is not None:
        rows = rows.filter(region_id=filters.region.pk)
    if filters.month_from is not None:
        rows = rows.filter(month__gte=filters.month_from.replace(day=1))
    if filters.month_to is not None:
        rows = rows.filter(month__lte=filters.month_to.replace(day=1))
    return rows


def _rollup_rows(filters: DashboardFilters, *, model=None, by: tuple[str, ...] = ()
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


def _in_region_and_period(rows: QuerySet, filters: DashboardFilters, *, moment: str
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


def _filtered_issues(issues: QuerySet[Issue], filters: DashboardFilters) -> QuerySet[Issue]:
    issues = _in_region_and_period(issues, filters, moment="submitted_at")
    if filters.category is not None:
        issues = issues.filter(category_id=filters.category.pk)
    if filters.department is not None:
        issues = issues.filter(lead_department_id=filters.department.pk)
    return issues


def _overdue(filters: DashboardFilters) -> QuerySet[Issue]:
    return _filtered_issues(Issue.objects.filter(overdue_q(today=timezone.localdate())),
                            filters)


@dataclass
class IssueSums:
    """The rollup rows of some filters summed by ``keys`` in one query; a page adds them
    up further in Python (its totals, per month, per category…) instead of reading the
    rows again for each."""

    keys: tuple[str, ...]
    rows: list[dict]

    def total(self) -> dict:
        return self._add(self.rows)

    def by(self, key: str) -> dict:
        """The sums per value of ``key`` (one of ``keys``)."""
        groups: dict = {}
        for row in self.rows:
            groups.setdefault(row[key], []).append(row)
        return {value: self._add(rows) for value, rows in groups.items()}

    @staticmethod
    def _add(rows: list[dict]) -> dict:
        return {name: sum(row[name] or 0 for row in rows) for name in MEASURES}


def issue_sums(filters: DashboardFilters, *, by: tuple[str, ...]) -> IssueSums:
    """One query: the issue rollups of ``filters`` summed per ``by`` (columns of
    ``IssueRollup``)."""
    rows = list(_rollup_rows(filters, by=by).values(*by).order_by().annotate(**_SUMS))
    return IssueSums(keys=by, rows=rows)


def overdue_counts(filters: DashboardFilters) -> dict[tuple[int, int | None], int]:
    """One query: the overdue issues of ``filters`` per (region, lead department)."""
    rows = (_overdue(filters).values("region_id", "lead_department_id").order_by()
            .annotate(n=Count("id")).values_list("region_id", "lead_department_id", "n"))
    return {(region, department): n for region, department, n in rows}


def _overdue_by(counts: dict, index: int) -> dict:
    totals: dict = {}
    for key, n in counts.items():
        totals[key[index]] = totals.get(key[index], 0) + n
    return totals


def issue_figures(filters: DashboardFilters, *, sums: IssueSums | None = None
                  ) -> IssueFigures:
    """The issue figures for ``filters`` (already held to a scope). Two queries, or one
    with ``sums`` (of the same filters)."""
    row = sums.total() if sums is not None else _rollup_rows(filters).aggregate(**_SUMS)
    return IssueFigures.from_row(row, overdue=_overdue(filters).count())


def _held_sessions(filters: DashboardFilters) -> QuerySet[TalkSession]:
    return _in_region_and_period(TalkSession.objects.filter(status=TalkSession.Status.HELD),
                                 filters, moment="starts_at")


def session_figures(filters: DashboardFilters) -> SessionFigures:
    """Editions with a session held, sessions held, attendances (people checked in at
    them) and the distinct entrepreneurs among those. Three queries.

    Attendances come from the rollups; distinct entrepreneurs too when no month is chosen
    (a row per region and person), else from the places of the months' held sessions (a
    month or a year of them, not the million).
    """
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


def _attendance_months(filters: DashboardFilters) -> QuerySet[AttendanceMonthRollup]:
    return _in_region_and_months(AttendanceMonthRollup.objects.all(), filters)


def headline_figures(filters: DashboardFilters | None = None, *,
                     sums: IssueSums | None = None) -> HeadlineFigures:
    """Every headline figure for ``filters`` (held to a scope by the caller). Five queries,
    or four with ``sums``."""
    filters = filters or DashboardFilters()
    return HeadlineFigures(
        sessions=session_figures(replace(filters, category=None, department=None)),
        issues=issue_figures(filters, sums=sums),
        sessions_filtered=filters.applies_to_sessions,
    )


def headline_figures_for_user(*, user, filters: DashboardFilters | None = None
                              ) -> HeadlineFigures:
    scope = dashboard_scope_for_user(user=user)
    return headline_figures((filters or DashboardFilters()).within(scope))


def public_figures() -> HeadlineFigures:
    """The programme's figures for the whole city and all time: what the public page and
    the home pages show."""
    return headline_figures(DashboardFilters())


# --- Charts --------------------------------------------------------------------------------

@dataclass
class MonthRow:
    month: date
    collected: int = 0
    rated: int = 0
    satisfied: int = 0
    sessions_held: int = 0
    attendances: int = 0

    @property
    def satisfaction_rate(self) -> Decimal | None:
        return percent(self.satisfied, self.rated)


def monthly_rows(filters: DashboardFilters, *, sums: IssueSums | None = None
                 ) -> list[MonthRow]:
    """Issues, satisfaction, sessions and attendances per month, oldest first, every
    month between the first and the last with data. Three queries, or two with ``sums``
    (by month among others)."""
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


@dataclass
class ShareRow:
    """One category's or region's issues."""

    label: str
    pk: int
    collected: int = 0
    rated: int = 0
    satisfied: int = 0

    @property
    def satisfaction_rate(self) -> Decimal | None:
        return percent(self.satisfied, self.rated)


def _shares(filters: DashboardFilters, *, by: str, objects, sums: IssueSums | None
            ) -> list[ShareRow]:
    totals = (sums or issue_sums(filters, by=(by,))).by(by)
    rows = []
    for obj in objects:
        row = totals.get(obj.pk, {})
        rows.append(ShareRow(label=str(obj), pk=obj.pk, collected=row.get("collected", 0),
                             rated=row.get("rated", 0), satisfied=row.get("satisfied", 0)))
    return rows


def category_rows(filters: DashboardFilters, *, categories, sums: IssueSums | None = None
                  ) -> list[ShareRow]:
    """Issues per category, in the categories' order. One query, none with ``sums``."""
    return _shares(filters, by="category_id", objects=categories, sums=sums)


def region_rows(filters: DashboardFilters, *, regions, sums: IssueSums | None = None
                ) -> list[ShareRow]:
    """Issues per county (the city's own issues on the city's row). One query, none with
    ``sums``."""
    return _shares(filters, by="region_id", objects=regions, sums=sums)


# --- The ranking (三率) ----------------------------------------------------------------------

class RankingSort:
    """The columns the ranking sorts by; each is an ``RankingRow`` attribute."""

    COLUMNS = ("name", "led", "assisted", "response_rate", "resolution_rate", "on_time_rate",
               "satisfaction_rate", "average_days", "overdue")
    DEFAULT = "-satisfaction_rate"

    @classmethod
    def parse(cls, value: str) -> str:
        return value if value.lstrip("-") in cls.COLUMNS else cls.DEFAULT


@dataclass
class RankingRow:
    name: str
    pk: int
    figures: IssueFigures = field(default_factory=IssueFigures)
    assisted: int = 0
    region: Region | None = None

    led = property(lambda self: self.figures.collected)
    overdue = property(lambda self: self.figures.overdue)
    response_rate = property(lambda self: self.figures.response_rate)
    resolution_rate = property(lambda self: self.figures.resolution_rate)
    on_time_rate = property(lambda self: self.figures.on_time_rate)
    satisfaction_rate = property(lambda self: self.figures.satisfaction_rate)
    average_days = property(lambda self: self.figures.average_days)


def sort_ranking(rows: list[RankingRow], sort: str) -> list[RankingRow]:
    """Sorted by ``sort`` (a column, "-" for descending); rows without a value (no issue
    to rate) go last either way, and ties keep the name order."""
    sort = RankingSort.parse(sort)
    name, descending = sort.lstrip("-"), sort.startswith("-")
    rows = sorted(rows, key=lambda row: row.name)
    present = [row for row in rows if getattr(row, name) is not None]
    missing = [row for row in rows if getattr(row, name) is None]
    present.sort(key=lambda row: getattr(row, name), reverse=descending)
    return present + missing


def department_ranking(filters: DashboardFilters, *, departments, sort: str = "",
                       sums: IssueSums | None = None, overdue: dict | None = None
                       ) -> list[RankingRow]:
    """Per department: issues led (with their rates) and assisted, and overdue now.
    Three queries; one with ``sums`` (by department among others) and ``overdue``
    (``overdue_counts``)."""
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


def region_ranking(filters: DashboardFilters, *, regions, sort: str = "",
                   sums: IssueSums | None = None, overdue: dict | None = None
                   ) -> list[RankingRow]:
    """The same per county (the issues of its enterprises). Two queries; none with
    ``sums`` (by region among others) and ``overdue``."""
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
    scope = dashboard_scope_for_user(user=user)
    filters = (filters or DashboardFilters()).within(scope)
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
    scope = dashboard_scope_for_user(user=user)
    filters = (filters or DashboardFilters()).within(scope)
    return _filtered_issues(issues_for_user(user=user), filters).select_related(
        "category", "enterprise", "region", "lead_department"
    ).order_by("submitted_at", "id")


def months_with_data() -> tuple[date | None, date | None]:
    """The first and last months that have issues or sessions (for the bulletin's choice
    of month). Two queries."""
    first_issue = IssueRollup.objects.order_by("month").values_list("month", flat=True).first()
    last_issue = IssueRollup.objects.order_by("-month").values_list("month", flat=True).first()
    return first_issue, last_issue

