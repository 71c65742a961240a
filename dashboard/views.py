"""The dashboard's pages: the figures and charts, the ranking (三率), the overdue list, the
exports, the printable monthly bulletin and the public page.

Thin: ``dashboard.selectors`` decides who sees what and counts; ``dashboard.exports``
writes the files. Filters that cannot be read come back on the form with the reason (and
an export answers 400 with it).
"""

from dataclasses import dataclass, replace
from datetime import date, timedelta

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from dashboard import exports
from dashboard.charts import chart_data, chart_summaries
from dashboard.forms import BulletinForm, DashboardFilterForm
from dashboard.selectors import (
    DashboardNotAllowed,
    DashboardScope,
    ScopedFilters,
    category_rows,
    dashboard_filter_choices_for_user,
    dashboard_scope_for_user,
    department_ranking,
    headline_figures,
    issue_rows_for_user,
    issue_sums,
    monthly_rows,
    next_month,
    overdue_counts,
    overdue_issues_page_for_user,
    programme_first_month,
    public_figures,
    region_ranking,
    region_rows,
)
from issues.selectors import supervised_issues_page_for_user, supervision_bulletin_for_user


@dataclass
class Filtered:
    scope: DashboardScope
    form: DashboardFilterForm
    filters: ScopedFilters
    choices: object

    @property
    def counties(self):
        return [region for region in self.choices.regions if region.level == "county"]

    @property
    def departments(self):
        """The ranking's departments: those of the region chosen and the city's."""
        region = self.filters.region
        if region is None:
            return self.choices.departments
        return [department for department in self.choices.departments
                if department.region_id == region.pk or department.region.level == "city"]


def _filtered(request) -> Filtered:
    try:
        choices = dashboard_filter_choices_for_user(user=request.user)
    except DashboardNotAllowed as refusal:
        raise PermissionDenied(str(refusal)) from refusal
    form = DashboardFilterForm(request.GET or None, choices=choices)
    filters = dashboard_scope_for_user(user=request.user, filters=form.filters())
    return Filtered(scope=filters.scope, form=form, filters=filters, choices=choices)


def _query(request) -> str:
    """The filters' query string, for the links to exports and other views."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@require_GET
@login_required
def index(request):
    state = _filtered(request)
    filters = state.filters
    # Two reads of the issue rollups serve the figures and the three issue charts.
    sums = issue_sums(filters, by=("month", "region_id"))
    figures = headline_figures(filters, sums=sums)
    months = monthly_rows(filters, sums=sums)
    categories = category_rows(filters, categories=state.choices.categories)
    regions = region_rows_for(state, sums=sums)
    return render(request, "dashboard/index.html", {
        "state": state, "form": state.form, "filters": filters, "figures": figures,
        "months": months, "categories": categories, "regions": regions,
        "query": _query(request), "today": timezone.localdate(),
        "chart_data": chart_data(months, categories, regions, figures),
        "chart_summaries": chart_summaries(months, categories, regions),
    }, status=200 if not state.form.errors else 400)


def region_rows_for(state: Filtered, *, sums):
    regions = [state.filters.region] if state.filters.region is not None else state.counties
    return region_rows(state.filters, regions=regions, sums=sums)


def _rankings(filters, *, departments, counties, sort: str = "") -> tuple[list, list]:
    """The departments' and the counties' rankings from one read of the rollups and one
    count of the overdue issues."""
    sums = issue_sums(filters, by=("region_id", "department_id"))
    overdue = overdue_counts(filters)
    return (
        department_ranking(filters, departments=departments, sort=sort, sums=sums,
                           overdue=overdue),
        region_ranking(filters, regions=counties, sort=sort, sums=sums, overdue=overdue),
    )


def _query_without(request, name: str) -> str:
    """The query string without ``name``, ready to have it appended ("a=1&" or "")."""
    query = request.GET.copy()
    query.pop(name, None)
    query.pop("page", None)
    text = query.urlencode()
    return text + "&" if text else ""


@require_GET
@login_required
def ranking(request):
    state = _filtered(request)
    sort = state.form.sort_order()
    departments, counties = _rankings(state.filters, departments=state.departments,
                                      counties=state.counties, sort=sort)
    return render(request, "dashboard/ranking.html", {
        "state": state, "form": state.form, "filters": state.filters, "sort": sort,
        "departments": departments, "counties": counties,
        "query": _query(request), "columns": _ranking_columns(),
        "county_columns": _ranking_columns(counties=True),
        "sort_query": _query_without(request, "sort"),
    }, status=200 if not state.form.errors else 400)


def _ranking_columns(*, counties: bool = False):
    """The ranking's number columns, each with its figure's name and unit, on the page and
    in the bulletin (the exports' headers say the same). A county leads nothing: its row
    counts the issues of its enterprises, and it assists none."""
    return [
        ("led", _("Issues collected") if counties else _("Issues led")),
        *([] if counties else [("assisted", _("Issues assisted"))]),
        ("response_rate", _("Response rate (%)")),
        ("resolution_rate", _("Resolution rate (%)")),
        ("on_time_rate", _("On-time rate (%)")),
        ("satisfaction_rate", _("Satisfaction rate (%)")),
        ("average_days", _("Average working days to resolve")),
        ("overdue", _("Overdue now")),
    ]


@require_GET
@login_required
def overdue(request):
    state = _filtered(request)
    page = overdue_issues_page_for_user(user=request.user, filters=state.filters,
                                        page_number=request.GET.get("page"))
    return render(request, "dashboard/overdue.html", {
        "state": state, "form": state.form, "filters": state.filters, "page": page,
        "issues": page.object_list, "query": _query(request),
        "today": timezone.localdate(),
    }, status=200 if not state.form.errors else 400)


def _bad_filters(form) -> HttpResponseBadRequest:
    reasons = "; ".join(f"{form.fields[name].label if name in form.fields else name}: "
                        f"{' '.join(errors)}" for name, errors in form.errors.items())
    return HttpResponseBadRequest(
        _("The filters could not be read, so nothing was exported: %(reasons)s")
        % {"reasons": reasons}, content_type="text/plain; charset=utf-8")


def _excel(output, name: str) -> FileResponse:
    return FileResponse(output, as_attachment=True, filename=name, content_type=(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))


@require_GET
@login_required
def export_issues(request, fmt: str):
    state = _filtered(request)
    if state.form.errors:
        return _bad_filters(state.form)
    rows = issue_rows_for_user(user=request.user, filters=state.filters)
    today = timezone.localdate()
    name = exports.file_name("issues", state.filters, fmt)
    if fmt == "csv":
        lines = exports.csv_lines(
            exports.issue_columns(),
            (exports.issue_values(issue, today=today) for issue in rows.iterator(2000)),
        )
        response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = content_disposition_header(True, name)
        return response
    count = rows.count()
    if count > exports.EXCEL_MAX_ROWS:
        return HttpResponseBadRequest(
            _("%(count)s issues match, more than an Excel file holds here (%(limit)s). "
              "Narrow the filters, or download CSV.")
            % {"count": count, "limit": exports.EXCEL_MAX_ROWS},
            content_type="text/plain; charset=utf-8")
    output = exports.workbook_file([(
        _("Issues"), exports.issue_columns(),
        (exports.issue_values(issue, today=today) for issue in rows.iterator(2000)),
    )])
    return _excel(output, name)


@require_GET
@login_required
def export_ranking(request, fmt: str):
    state = _filtered(request)
    if state.form.errors:
        return _bad_filters(state.form)
    departments, counties = _rankings(state.filters, departments=state.departments,
                                      counties=state.counties, sort=state.form.sort_order())
    if fmt == "csv":
        by_region = request.GET.get("by") == "region"
        rows = counties if by_region else departments
        header = exports.ranking_columns(first=_("County") if by_region else _("Department"))
        name = exports.file_name(
            "ranking-counties" if by_region else "ranking-departments", state.filters, fmt)
        response = HttpResponse("".join(exports.csv_lines(
            header, (exports.ranking_values(row) for row in rows))),
            content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = content_disposition_header(True, name)
        return response
    name = exports.file_name("ranking-departments-and-counties", state.filters, fmt)
    output = exports.workbook_file([
        (_("Departments"), exports.ranking_columns(first=_("Department")),
         [exports.ranking_values(row) for row in departments]),
        (_("Counties"), exports.ranking_columns(first=_("County")),
         [exports.ranking_values(row) for row in counties]),
    ])
    return _excel(output, name)


def _last_full_month(today: date) -> date:
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


@require_GET
@login_required
def bulletin(request):
    """The month's bulletin, the last full month's by default. A month asked for that is
    not out yet (after the last full month), before the programme's first record or
    unreadable comes back on the form with the reason and a link to a bulletin there is
    (400), never as a bulletin of zeros; with no month asked for before the first bulletin
    is out, the page says so."""
    try:
        everything = dashboard_scope_for_user(user=request.user)
    except DashboardNotAllowed as refusal:
        raise PermissionDenied(str(refusal)) from refusal
    scope = everything.scope
    today = timezone.localdate()
    latest = _last_full_month(today)
    first = programme_first_month()
    form = BulletinForm(request.GET or None, latest=latest, first=first)
    context = {"form": form, "scope": scope, "today": today, "columns": _ranking_columns(),
               "county_columns": _ranking_columns(counties=True)}
    if form.is_bound and not form.is_valid():
        suggested = first if "before_first" in _error_codes(form) else latest
        if first is not None and not first <= suggested <= latest:
            suggested = None  # the programme began this month: no bulletin is out yet
            context["first"] = first
        return render(request, "dashboard/bulletin.html", {
            **context, "month": None, "suggested": suggested,
        }, status=400)
    month = form.month_shown() if form.is_bound else latest
    if first is not None and month < first:
        # No month asked for, and the programme began this month: no bulletin is out yet.
        return render(request, "dashboard/bulletin.html", {
            **context, "month": None, "first": first})
    choices = dashboard_filter_choices_for_user(user=request.user)
    filters = replace(everything, month_from=month, month_to=month)
    cumulative = replace(filters, month_from=None)
    counties = [region for region in choices.regions if region.level == "county"]
    departments, county_rows = _rankings(filters, departments=choices.departments,
                                         counties=counties)
    supervised = supervised_issues_page_for_user(user=request.user, bulletin_only=True)
    previous = _last_full_month(month)
    following = next_month(month)
    return render(request, "dashboard/bulletin.html", {
        **context, "month": month,
        "previous_month": previous if first is None or previous >= first else None,
        "next_month": following if following <= latest else None,
        "figures": headline_figures(filters), "cumulative": headline_figures(cumulative),
        "departments": departments, "counties": county_rows if scope.is_city else [],
        "supervised": supervised, "bulletin_counts": supervision_bulletin_for_user(
            user=request.user),
    })


def _error_codes(form) -> set[str]:
    return {error.code for errors in form.errors.as_data().values() for error in errors}


@require_GET
def public(request):
    """The programme's headline figures for everyone: no names, no issue texts."""
    return render(request, "dashboard/public.html", {"figures": public_figures()})
