"""The dashboard's exports, opened as a spreadsheet would open them: the issues and the
ranking, as CSV and as Excel, each with the viewer's county only."""

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from dashboard import exports
from issues.models import Issue
from tests.dashboard.screens import (
    COUNTY_RANKING,
    DEPARTMENT_RANKING,
    ISSUE_HEADER,
    ISSUES_CSV,
    ISSUES_XLSX,
    RANKING_CSV,
    RANKING_HEADER,
    RANKING_XLSX,
    as_date,
    log_in,
    read_csv,
    read_xlsx,
    sheet_values,
)
from tests.factories import IssueFactory
from tests.helpers import at
from tests.worlds import DashboardWorld as World

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


# --- Exports --------------------------------------------------------------------------------

def expected_issue_row(world: World, key: str) -> list:
    """What the export's row of issue ``key`` says, as typed values (None: an empty cell)."""
    issue = Issue.objects.get(pk=world.issues[key].pk)
    rows = {
        "W1": ["Factor supply", "Wuxing", "Closed", "Economy Bureau",
               datetime(2026, 9, 7, 9), datetime(2026, 9, 7, 10), datetime(2026, 9, 8, 9),
               date(2026, 9, 25), datetime(2026, 9, 11, 16), datetime(2026, 9, 14, 10),
               "Satisfied", "no"],
        "A1": ["Permits", "Anji", "Closed", "Market Bureau",
               datetime(2026, 9, 16, 14, 30), datetime(2026, 9, 16, 15),
               datetime(2026, 9, 17, 11), date(2026, 10, 9), datetime(2026, 9, 18, 17),
               datetime(2026, 9, 21, 9), "Dissatisfied", "no"],
        "W2": ["Factor supply", "Wuxing", "Answered, awaiting rating", "Economy Bureau",
               datetime(2026, 10, 12, 8, 45), datetime(2026, 10, 12, 10),
               datetime(2026, 10, 14, 9), date(2026, 10, 14), datetime(2026, 10, 16, 15),
               None, None, "no"],
        "W3": ["Permits", "Wuxing", "Dispatched to a department", "Market Bureau",
               datetime(2026, 10, 14, 10), datetime(2026, 10, 14, 11), None,
               timezone.localdate() - timedelta(days=14), None, None, None, "yes"],
        "A2": ["Factor supply", "Anji", "Submitted", None, datetime(2026, 10, 21, 16),
               None, None, None, None, None, None, "no"],
    }[key]
    category, region, status, lead, *times, rating, overdue = rows
    return [issue.reference, issue.title, category, region, issue.enterprise.name,
            "Submitted online", status, lead, 1, *times, rating, overdue]


def csv_form(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def test_the_issues_csv_is_every_issue_oldest_first_cell_by_cell(client, world):
    rows = read_csv(log_in(client, world, "leader").get(ISSUES_CSV))
    assert rows[0] == ISSUE_HEADER
    order = ["W1", "A1", "W2", "W3", "A2"]
    assert len(rows) == 1 + len(order)
    for row, key in zip(rows[1:], order, strict=True):
        assert row == [csv_form(value) for value in expected_issue_row(world, key)], key


def test_the_issues_excel_file_holds_typed_cells(client, world):
    response = log_in(client, world, "coordinator").get(ISSUES_XLSX)
    assert "attachment" in response["Content-Disposition"]
    assert 'filename="huzhou-talks-issues-all-time.xlsx"' in response["Content-Disposition"]
    book = read_xlsx(response)
    assert book.sheetnames == ["Issues"]
    rows = sheet_values(book["Issues"])
    assert rows[0] == ISSUE_HEADER
    order = ["W1", "A1", "W2", "W3", "A2"]
    assert len(rows) == 1 + len(order)
    for row, key in zip(rows[1:], order, strict=True):
        expected = expected_issue_row(world, key)
        due_column = ISSUE_HEADER.index("Due")
        assert as_date(row[due_column]) == expected[due_column], key
        row[due_column] = expected[due_column]
        assert row == expected, key
    # Dates are dates to the spreadsheet, not text.
    first = book["Issues"]["J2"]
    assert first.is_date and first.number_format == "yyyy-mm-dd hh:mm"


def test_a_county_filter_exports_only_that_countys_issues(client, world):
    log_in(client, world, "leader")
    anji = [world.issues[key].reference for key in ("A1", "A2")]
    rows = read_csv(client.get(ISSUES_CSV, {"region": world.anji.pk}))
    assert [row[0] for row in rows[1:]] == anji
    assert {row[3] for row in rows[1:]} == {"Anji"}
    response = client.get(ISSUES_XLSX, {"region": world.anji.pk, "from": "2026-09",
                                        "to": "2026-10"})
    assert response["Content-Disposition"] == (
        'attachment; filename="huzhou-talks-issues-anji-2026-09-to-2026-10.xlsx"')
    sheet = read_xlsx(response)["Issues"]
    assert [row[0] for row in sheet_values(sheet)[1:]] == anji


def test_month_and_category_filters_apply_to_the_export(client, world):
    log_in(client, world, "leader")
    rows = read_csv(client.get(ISSUES_CSV, {"from": "2026-10", "category": world.land.pk}))
    assert [row[0] for row in rows[1:]] == [world.issues[key].reference for key in ("W2", "A2")]


def test_a_county_official_never_exports_another_countys_issues(client, world):
    log_in(client, world, "anji_coordinator")
    anji = [world.issues[key].reference for key in ("A1", "A2")]
    for query in ({}, {"region": world.wuxing.pk}):
        rows = read_csv(client.get(ISSUES_CSV, query))
        assert [row[0] for row in rows[1:]] == anji, query
        sheet = read_xlsx(client.get(ISSUES_XLSX, query))["Issues"]
        assert [row[0] for row in sheet_values(sheet)[1:]] == anji, query
    counties = read_xlsx(client.get(RANKING_XLSX, {"region": world.wuxing.pk}))["Counties"]
    assert [row[0] for row in sheet_values(counties)[1:]] == ["Anji"]


def test_a_title_that_looks_like_a_formula_is_exported_as_text(client, world):
    formula = '=HYPERLINK("http://evil.example/","点此领取补贴")'
    issue = IssueFactory(enterprise=world.enterprises["anji"], title=formula,
                         category=world.land, submitted_at=at(date(2026, 10, 30), 9))
    log_in(client, world, "leader")
    rows = read_csv(client.get(ISSUES_CSV, {"region": world.anji.pk}))
    row = next(row for row in rows if row[0] == issue.reference)
    assert row[1] == "'" + formula
    sheet = read_xlsx(client.get(ISSUES_XLSX, {"region": world.anji.pk}))["Issues"]
    cell = next(row[1] for row in sheet.iter_rows(min_row=2) if row[0].value == issue.reference)
    assert cell.data_type == "s"
    assert cell.value == formula


def test_an_excel_export_over_the_cap_is_refused_with_the_reason(client, world, monkeypatch):
    monkeypatch.setattr(exports, "EXCEL_MAX_ROWS", 2)
    log_in(client, world, "leader")
    response = client.get(ISSUES_XLSX)
    assert response.status_code == 400
    assert response.content.decode() == (
        "5 issues match, more than an Excel file holds here (2). "
        "Narrow the filters, or download CSV.")
    # Narrowed to a county it fits; CSV has no cap.
    assert len(sheet_values(read_xlsx(client.get(ISSUES_XLSX, {"region": world.anji.pk}))
                            ["Issues"])) == 3
    assert len(read_csv(client.get(ISSUES_CSV))) == 6


def test_the_ranking_csv_gives_each_departments_rates(client, world):
    rows = read_csv(log_in(client, world, "leader").get(RANKING_CSV))
    assert rows[0] == ["Department", *RANKING_HEADER]
    assert [row[0] for row in rows[1:]] == [row[0] for row in DEPARTMENT_RANKING]
    for row, expected in zip(rows[1:], DEPARTMENT_RANKING, strict=True):
        name, *numbers = row
        assert [float(cell) if cell else None for cell in numbers] == expected[1:], name
    assert rows[1][3] == "50.00"  # two decimals, as on the page


def test_the_counties_csv_ranks_the_counties(client, world):
    rows = read_csv(log_in(client, world, "leader").get(RANKING_CSV, {"by": "region"}))
    assert rows[0] == ["County", *RANKING_HEADER]
    for row, expected in zip(rows[1:], COUNTY_RANKING, strict=True):
        name, *numbers = row
        assert [name, *(float(cell) if cell else None for cell in numbers)] == expected
    assert len(rows) == 1 + len(COUNTY_RANKING)


def test_the_ranking_excel_file_has_a_sheet_each_with_numbers(client, world):
    book = read_xlsx(log_in(client, world, "admin").get(RANKING_XLSX))
    assert book.sheetnames == ["Departments", "Counties"]
    departments = sheet_values(book["Departments"])
    assert departments[0] == ["Department", *RANKING_HEADER]
    assert departments[1:] == DEPARTMENT_RANKING
    counties = sheet_values(book["Counties"])
    assert counties[0] == ["County", *RANKING_HEADER]
    assert counties[1:] == COUNTY_RANKING
    assert book["Departments"]["D2"].data_type == "n"


def test_the_ranking_export_follows_the_sort_and_filters(client, world):
    log_in(client, world, "leader")
    rows = read_csv(client.get(RANKING_CSV, {"sort": "-overdue"}))
    assert rows[1][0] == "Market Bureau"
    october = read_csv(client.get(RANKING_CSV, {"from": "2026-10", "to": "2026-10",
                                                "by": "region"}))
    # No issue of October is rated yet: both counties lack the rate, so by name.
    assert [row[:2] for row in october[1:]] == [["Anji", "1"], ["Wuxing", "2"]]
