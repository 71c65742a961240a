"""The dashboard's screens as a leader, a coordinator or an administrator meets them: the
figures and who sees which county's, filters that cannot be read, the exports opened as a
spreadsheet would open them, the ranking, the overdue list, the printable bulletin and the
public page; each page's number of queries, whatever the amount of data.

Every figure is checked against a small world made by hand (``build_world``), counted on
paper below, so a wrong definition or a filter that does not bite shows as a wrong number.
"""

import csv
import html
import io
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dashboard import exports
from entrepreneurs.models import Enterprise
from government.models import Department, Official, Region
from issues.models import Category, Issue
from sessions.models import Attendance, TalkSession
from tests.factories import (
    AssistingDepartmentFactory,
    AttendanceFactory,
    CategoryFactory,
    CityFactory,
    DepartmentFactory,
    EditionFactory,
    EnterpriseFactory,
    EntrepreneurFactory,
    IssueFactory,
    OfficialFactory,
    RegionFactory,
    TalkSessionFactory,
    UserFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

S = Issue.Status
SHANGHAI = ZoneInfo("Asia/Shanghai")
INDEX_URL = reverse("dashboard:index")
RANKING_URL = reverse("dashboard:ranking")
OVERDUE_URL = reverse("dashboard:overdue")
BULLETIN_URL = reverse("dashboard:bulletin")
PUBLIC_URL = reverse("public_figures")
ISSUES_CSV = reverse("dashboard:export_issues", kwargs={"fmt": "csv"})
ISSUES_XLSX = reverse("dashboard:export_issues", kwargs={"fmt": "xlsx"})
RANKING_CSV = reverse("dashboard:export_ranking", kwargs={"fmt": "csv"})
RANKING_XLSX = reverse("dashboard:export_ranking", kwargs={"fmt": "xlsx"})

ISSUE_HEADER = ["Reference", "Title", "Category", "Region", "Enterprise", "Source", "Status",
                "Lead department", "Round", "Submitted", "Dispatched", "Accepted", "Due",
                "Answered", "Closed", "Latest rating", "Overdue"]
RANKING_HEADER = ["Issues led", "Issues assisted", "Response rate (%)",
                  "Resolution rate (%)", "On-time rate (%)", "Satisfaction rate (%)",
                  "Average working days to resolve", "Overdue now"]
BULLETIN_TITLE = "织里童装城消防验收迟迟未办"


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


@dataclass
class World:
    city: Region
    wuxing: Region
    anji: Region
    economy: Department
    market: Department
    land: Category
    permits: Category
    users: dict
    issues: dict
    enterprises: dict


def local_person(county: Region):
    """An entrepreneur of an enterprise in ``county`` (the factories' default would add a
    county of its own)."""
    return EntrepreneurFactory(enterprise=EnterpriseFactory(region=county))


def build_world(*, password: str = "correct horse battery staple") -> World:  # noqa: S107
    """Two counties under Huzhou, five issues and two held sessions, with no holiday in the
    calendar (so working days are Monday to Friday).

    =====  =======  ========  ========  ==========================================
    issue  county   category  leads     story
    =====  =======  ========  ========  ==========================================
    W1     Wuxing   land      Economy   Mon 2026-09-07; accepted next day (in time);
                                        answered Fri 09-11 (4 working days, on time);
                                        closed, satisfied. Market assists.
    A1     Anji     permits   Market    Wed 2026-09-16; accepted next day (in time);
                                        answered Fri 09-18 (2 days, on time); closed,
                                        dissatisfied.
    W2     Wuxing   land      Economy   Mon 2026-10-12; accepted two days later (late);
                                        answered Fri 10-16 (4 days, after its due
                                        date 10-14); awaiting rating.
    W3     Wuxing   permits   Market    Wed 2026-10-14; dispatched, never accepted,
                                        two weeks overdue now, in the supervision
                                        bulletin.
    A2     Anji     land      —         Wed 2026-10-21; submitted only.
    =====  =======  ========  ========  ==========================================

    Wuxing: 3 collected, response 1/3 = 33.33%, resolution 2/3 = 66.67%, on time 1/2 =
    50.00%, satisfaction 1/1 = 100.00%, 4.0 days, 1 open, 1 overdue.
    Anji: 2 collected, response 1/1 = 100.00%, resolution 1/2 = 50.00%, on time 1/1 =
    100.00%, satisfaction 0/1 = 0.00%, 2.0 days, 1 open, none overdue.
    The city: 5 collected, response 2/4 = 50.00%, resolution 3/5 = 60.00%, on time 2/3 =
    66.67%, satisfaction 1/2 = 50.00%, 10/3 = 3.3 days, 2 open, 1 overdue.
    Sessions: one held in Wuxing (two attend), one in Anji (one attends, one absent).
    """
    city = CityFactory()
    wuxing = RegionFactory(code="wuxing", name="吴兴区", name_en="Wuxing", sort_order=1)
    anji = RegionFactory(code="anji", name="安吉县", name_en="Anji", sort_order=2)
    economy = DepartmentFactory(region=city, code="jxj", name="市经信局",
                                name_en="Economy Bureau")
    market = DepartmentFactory(region=city, code="scjgj", name="市市场监管局",
                               name_en="Market Bureau")
    office = DepartmentFactory(region=city, code="tzb", name="市委统战部",
                               name_en="United Front Department")
    anji_office = DepartmentFactory(region=anji, code="anji-tzb", name="安吉县委统战部",
                                    name_en="Anji United Front Department")
    land = CategoryFactory(code="land", name="要素保障", name_en="Factor supply",
                           default_department=economy, sort_order=1)
    permits = CategoryFactory(code="permits", name="审批服务", name_en="Permits",
                              default_department=market, sort_order=2)

    def official(username, role, department):
        return OfficialFactory(user=UserFactory(username=username, password=password),
                               role=role, department=department).user

    users = {
        "leader": official("leader", Official.Role.LEADER, office),
        "coordinator": official("coordinator", Official.Role.COORDINATOR, office),
        "anji_coordinator": official("anji-coordinator", Official.Role.COORDINATOR,
                                     anji_office),
        "handler": official("handler", Official.Role.HANDLER, economy),
        "admin": UserFactory(username="root", password=password, is_staff=True,
                             is_superuser=True),
    }
    enterprises = {
        "wuxing": EnterpriseFactory(region=wuxing, name="湖州织里童装有限公司"),
        "anji": EnterpriseFactory(region=anji, name="安吉竹木制品有限公司"),
    }
    people = {key: EntrepreneurFactory(enterprise=enterprise)
              for key, enterprise in enterprises.items()}

    def issue(county, category, title, submitted, **fields):
        return IssueFactory(enterprise=enterprises[county], entrepreneur=people[county],
                            category=category, title=title, submitted_at=submitted, **fields)

    today = timezone.localdate()
    issues = {
        "W1": issue("wuxing", land, "新厂房用电扩容", at(date(2026, 9, 7), 9),
                    status=S.CLOSED, lead_department=economy,
                    dispatched_at=at(date(2026, 9, 7), 10), accept_due_on=date(2026, 9, 8),
                    accepted_at=at(date(2026, 9, 8), 9), due_on=date(2026, 9, 25),
                    resolved_at=at(date(2026, 9, 11), 16), closed_at=at(date(2026, 9, 14), 10),
                    latest_rating="satisfied"),
        "A1": issue("anji", permits, "竹制品出口检验排队", at(date(2026, 9, 16), 14, 30),
                    status=S.CLOSED, lead_department=market,
                    dispatched_at=at(date(2026, 9, 16), 15), accept_due_on=date(2026, 9, 17),
                    accepted_at=at(date(2026, 9, 17), 11), due_on=date(2026, 10, 9),
                    resolved_at=at(date(2026, 9, 18), 17), closed_at=at(date(2026, 9, 21), 9),
                    latest_rating="dissatisfied"),
        "W2": issue("wuxing", land, "园区道路修缮", at(date(2026, 10, 12), 8, 45),
                    status=S.RESOLVED, lead_department=economy,
                    dispatched_at=at(date(2026, 10, 12), 10), accept_due_on=date(2026, 10, 13),
                    accepted_at=at(date(2026, 10, 14), 9), due_on=date(2026, 10, 14),
                    resolved_at=at(date(2026, 10, 16), 15)),
        "W3": issue("wuxing", permits, BULLETIN_TITLE, at(date(2026, 10, 14), 10),
                    status=S.DISPATCHED, lead_department=market,
                    dispatched_at=at(date(2026, 10, 14), 11), accept_due_on=date(2026, 10, 15),
                    due_on=today - timedelta(days=14),
                    escalation=Issue.Escalation.BULLETIN),
        "A2": issue("anji", land, "招工难", at(date(2026, 10, 21), 16)),
    }
    AssistingDepartmentFactory(issue=issues["W1"], department=market)

    edition = EditionFactory(week_start=date(2026, 9, 7))  # one edition, a session a county
    for county, attended, absent in ((wuxing, 2, 0), (anji, 1, 1)):
        session = TalkSessionFactory(region=county, status=TalkSession.Status.HELD,
                                     edition=edition)
        for _ in range(attended):
            AttendanceFactory(session=session, entrepreneur=local_person(county),
                              status=Attendance.Status.ATTENDED,
                              checked_in_at=session.starts_at)
        for _ in range(absent):
            AttendanceFactory(session=session, entrepreneur=local_person(county),
                              status=Attendance.Status.ABSENT)
    return World(city=city, wuxing=wuxing, anji=anji, economy=economy, market=market,
                 land=land, permits=permits, users=users, issues=issues,
                 enterprises=enterprises)


@pytest.fixture
def world() -> World:
    return build_world()


# --- Reading the pages --------------------------------------------------------------------

def text_of(response) -> str:
    return response.content.decode()


def figure(page: str, key: str) -> str:
    found = re.search(rf'data-testid="figure-{key}">([^<]*)<', page)
    assert found, f"no figure {key} on the page"
    return found[1].strip()


def figures(page: str, *keys: str) -> dict:
    return {key: figure(page, key) for key in keys}


def section(page: str, testid: str, end: str = "</table>") -> str:
    assert f'data-testid="{testid}"' in page, f"no {testid} on the page"
    return page.split(f'data-testid="{testid}"', 1)[1].split(end, 1)[0]


def ranking_rows(page: str, testid: str) -> list[dict]:
    """The ranking table's rows: the name and each column's text."""
    rows = []
    for chunk in section(page, testid).split("<tr data-pk=")[1:]:
        name = re.search(r'<th scope="row">([^<]*)</th>', chunk)[1]
        cells = dict(re.findall(r'data-col="(\w+)">([^<]*)<', chunk))
        rows.append({"name": html.unescape(name), **cells})
    return rows


def log_in(client, world: World, who: str):
    client.force_login(world.users[who])
    return client


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body.startswith(b"\xef\xbb\xbf"), "Excel needs the byte-order mark to read Chinese"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def read_xlsx(response):
    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    body = b"".join(response.streaming_content)
    return openpyxl.load_workbook(io.BytesIO(body))


def sheet_values(sheet) -> list[list]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def as_date(value):
    return value.date() if isinstance(value, datetime) else value


# --- The dashboard's page -----------------------------------------------------------------

ISSUE_KEYS = ("collected", "satisfaction", "response", "resolution", "on-time", "days", "open",
              "overdue")
SESSION_KEYS = ("editions", "sessions", "attendances", "entrepreneurs")
CITY_FIGURES = {"collected": "5", "satisfaction": "50.00%", "response": "50.00%",
                "resolution": "60.00%", "on-time": "66.67%", "days": "3.3", "open": "2",
                "overdue": "1", "editions": "1", "sessions": "2", "attendances": "3",
                "entrepreneurs": "3"}
WUXING_FIGURES = {"collected": "3", "satisfaction": "100.00%", "response": "33.33%",
                  "resolution": "66.67%", "on-time": "50.00%", "days": "4.0", "open": "1",
                  "overdue": "1", "sessions": "1", "attendances": "2"}
ANJI_FIGURES = {"collected": "2", "satisfaction": "0.00%", "response": "100.00%",
                "resolution": "50.00%", "on-time": "100.00%", "days": "2.0", "open": "1",
                "overdue": "0", "sessions": "1", "attendances": "1"}


@pytest.mark.parametrize("who", ["leader", "coordinator", "admin"])
def test_the_city_sees_every_figure_counted_over_both_counties(client, world, who):
    response = log_in(client, world, who).get(INDEX_URL)
    assert response.status_code == 200
    page = text_of(response)
    assert figures(page, *ISSUE_KEYS, *SESSION_KEYS) == CITY_FIGURES
    assert "The whole city" in section(page, "dashboard-scope", "</p>")
    # The tables under the charts say the same per county, category and month.
    regions = section(page, "regions-table")
    assert re.search(r"Wuxing</th><td class=\"text-end\">3<", regions)
    assert re.search(r"Anji</th><td class=\"text-end\">2<", regions)
    categories = section(page, "categories-table")
    assert re.search(r"Factor supply</th><td class=\"text-end\">3<", categories)
    assert re.search(r"Permits</th><td class=\"text-end\">2<", categories)
    months = section(page, "months-table")
    assert re.search(r"2026-09</th><td class=\"text-end\">2</td><td class=\"text-end\">2<",
                     months)
    assert re.search(r"2026-10</th><td class=\"text-end\">3</td><td class=\"text-end\">0<",
                     months)
    # The charts' numbers, for the script, and the script itself.
    assert 'id="dashboard-chart-data"' in page
    assert page.count("<canvas data-chart=") == 4
    assert "vendor/chartjs/chart.umd.min.js" in page


@pytest.mark.parametrize(("url", "heading"), [
    (RANKING_URL, "ranking-heading"), (OVERDUE_URL, "overdue-heading"),
    (BULLETIN_URL, "bulletin-heading"),
], ids=["ranking", "overdue", "bulletin"])
@pytest.mark.parametrize("who", ["leader", "coordinator", "admin", "anji_coordinator"])
def test_every_dashboard_page_opens_for_those_allowed(client, world, who, url, heading):
    response = log_in(client, world, who).get(url)
    assert response.status_code == 200
    page = text_of(response)
    assert f'data-testid="{heading}"' in page
    assert 'data-testid="dashboard-nav"' in page or url == BULLETIN_URL


def test_the_navigation_offers_the_dashboard_to_leaders_and_not_to_handlers(client, world):
    assert 'data-testid="nav-dashboard"' in text_of(log_in(client, world, "leader").get("/"))
    client.logout()
    assert 'data-testid="nav-dashboard"' not in text_of(
        log_in(client, world, "handler").get("/"))


def test_a_handler_is_told_why_the_dashboard_is_not_for_them(client, world):
    response = log_in(client, world, "handler").get(INDEX_URL)
    assert response.status_code == 403
    assert "The dashboard is for leaders and coordinators" in text_of(response)


def test_anonymous_visitors_are_sent_to_log_in(client, world):
    response = client.get(INDEX_URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_region_filter_narrows_every_figure_to_the_county(client, world):
    page = text_of(log_in(client, world, "leader").get(INDEX_URL, {"region": world.wuxing.pk}))
    assert figures(page, *WUXING_FIGURES) == WUXING_FIGURES
    assert "Wuxing" in section(page, "dashboard-scope", "</p>")
    assert "Anji</th>" not in section(page, "regions-table")


def test_the_month_category_and_department_filters_narrow_the_issues(client, world):
    log_in(client, world, "coordinator")
    october = text_of(client.get(INDEX_URL, {"from": "2026-10", "to": "2026-10"}))
    assert figure(october, "collected") == "3"  # W2, W3, A2
    assert figure(october, "sessions") == "0"   # both sessions were held in September
    permits = text_of(client.get(INDEX_URL, {"category": world.permits.pk}))
    assert figure(permits, "collected") == "2"  # W3, A1
    assert figure(permits, "satisfaction") == "0.00%"
    # Sessions have no category: their figures say they were not narrowed.
    assert "sessions have no category or department" in permits
    economy = text_of(client.get(INDEX_URL, {"department": world.economy.pk}))
    assert figures(economy, "collected", "resolution", "on-time") == {
        "collected": "2", "resolution": "100.00%", "on-time": "50.00%"}


def test_a_county_coordinator_sees_only_their_county_whatever_the_region_asked(client, world):
    log_in(client, world, "anji_coordinator")
    response = client.get(INDEX_URL, {"region": world.wuxing.pk})
    assert response.status_code == 200
    page = text_of(response)
    assert figures(page, *ANJI_FIGURES) == ANJI_FIGURES
    assert "Anji" in section(page, "dashboard-scope", "</p>")
    assert "Wuxing" not in section(page, "regions-table")
    # The region filter offers their county only, and cannot be changed.
    region_select = page.split('name="region"', 1)[1].split("</select>", 1)[0]
    assert "Anji" in region_select and "Wuxing" not in region_select
    assert 'name="region" disabled' in page or "disabled" in region_select.split(">", 1)[0]
    # Their ranking and overdue list stay in Anji too.
    ranking = text_of(client.get(RANKING_URL, {"region": world.wuxing.pk}))
    assert 'data-testid="county-ranking"' not in ranking
    overdue = text_of(client.get(OVERDUE_URL, {"region": world.wuxing.pk}))
    assert world.issues["W3"].reference not in overdue
    assert 'data-testid="no-overdue"' in overdue


@pytest.mark.parametrize(("query", "field", "message"), [
    ({"from": "2025-13"}, "from",
     "Enter a month as year and month, for example 2026-11."),
    ({"from": "2026-10", "to": "2026-09"}, "to",
     "The last month cannot come before the first."),
    ({"region": "99999"}, "region",
     "Select a valid choice. 99999 is not one of the available choices."),
], ids=["month-13", "to-before-from", "unknown-region"])
@pytest.mark.parametrize("url", [INDEX_URL, RANKING_URL, OVERDUE_URL],
                         ids=["index", "ranking", "overdue"])
def test_filters_that_cannot_be_read_come_back_on_the_form(client, world, url, query, field,
                                                           message):
    response = log_in(client, world, "leader").get(url, query)
    assert response.status_code == 400
    page = text_of(response)
    assert html.escape(message) in page or message in page
    # The field is marked, and what was typed is still there.
    assert re.search(rf'name="{field}"[^>]*is-invalid|is-invalid[^>]*name="{field}"', page)
    # Nothing was applied: the figures are the whole city's.
    if url == INDEX_URL:
        assert figure(page, "collected") == "5"


@pytest.mark.parametrize("query", [{"from": "2025-13"}, {"from": "2026-10", "to": "2026-09"},
                                   {"region": "99999"}], ids=["month-13", "to-before-from",
                                                              "unknown-region"])
@pytest.mark.parametrize("url", [ISSUES_CSV, ISSUES_XLSX, RANKING_CSV, RANKING_XLSX])
def test_an_export_with_bad_filters_is_refused_with_the_reason(client, world, url, query):
    response = log_in(client, world, "leader").get(url, query)
    assert response.status_code == 400
    text = response.content.decode()
    assert text.startswith("The filters could not be read, so nothing was exported:")
    assert "Content-Disposition" not in response


def test_a_bad_bulletin_month_is_a_400_with_the_message(client, world):
    response = log_in(client, world, "leader").get(BULLETIN_URL, {"month": "2026-13"})
    assert response.status_code == 400
    assert "Enter a month as year and month, for example 2026-11." in text_of(response)


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
    assert 'filename="issues.xlsx"' in response["Content-Disposition"]
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
    assert 'filename="issues-anji-202609-202610.xlsx"' in response["Content-Disposition"]
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


DEPARTMENT_RANKING = [
    # name, led, assisted, response, resolution, on time, satisfaction, days, overdue
    ["Economy Bureau", 2, 0, 50.0, 100.0, 50.0, 100.0, 4.0, 0],
    ["Market Bureau", 2, 1, 50.0, 50.0, 100.0, 0.0, 2.0, 1],
    # No issue to rate: last, by name.
    ["Anji United Front Department", 0, 0, None, None, None, None, None, 0],
    ["United Front Department", 0, 0, None, None, None, None, None, 0],
]
COUNTY_RANKING = [
    ["Wuxing", 3, 0, 33.33, 66.67, 50.0, 100.0, 4.0, 1],
    ["Anji", 2, 0, 100.0, 50.0, 100.0, 0.0, 2.0, 0],
]


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


# --- The ranking, the overdue list, the bulletin ------------------------------------------

def test_the_ranking_page_shows_each_departments_rates(client, world):
    page = text_of(log_in(client, world, "leader").get(RANKING_URL))
    departments = ranking_rows(page, "department-ranking")
    assert [row["name"] for row in departments] == [row[0] for row in DEPARTMENT_RANKING]
    assert departments[0] == {"name": "Economy Bureau", "led": "2", "assisted": "0",
                              "response_rate": "50.00%", "resolution_rate": "100.00%",
                              "on_time_rate": "50.00%", "satisfaction_rate": "100.00%",
                              "average_days": "4.0", "overdue": "0"}
    assert departments[1]["assisted"] == "1" and departments[1]["overdue"] == "1"
    assert departments[2]["satisfaction_rate"] == "—"
    counties = ranking_rows(page, "county-ranking")
    assert [(row["name"], row["response_rate"]) for row in counties] == [
        ("Wuxing", "33.33%"), ("Anji", "100.00%")]


def sort_link(page: str, table: str, column: str) -> str:
    head = section(page, table, "</thead>")
    found = re.search(rf'<a href="([^"]*)" data-sort="{column}">', head)
    assert found, f"no link to sort {table} by {column}"
    return html.unescape(found[1])


def test_following_a_column_header_sorts_the_ranking_by_it(client, world):
    log_in(client, world, "leader")
    page = text_of(client.get(RANKING_URL, {"from": "2026-09"}))
    # By satisfaction first (the default), best first: Economy 100%, Market 0%.
    names = [row["name"] for row in ranking_rows(page, "department-ranking")]
    assert names[:2] == ["Economy Bureau", "Market Bureau"]
    link = sort_link(page, "department-ranking", "overdue")
    assert link.startswith("?") and "from=2026-09" in link  # the filters are kept
    sorted_page = text_of(client.get(RANKING_URL + link))
    names = [row["name"] for row in ranking_rows(sorted_page, "department-ranking")]
    assert names[0] == "Market Bureau"  # the one overdue issue
    assert re.search(r'aria-sort="descending"><a href="[^"]*" data-sort="overdue"',
                     sorted_page)
    # The same header again sorts the other way; "On time" ascending puts Economy first.
    again = sort_link(sorted_page, "department-ranking", "overdue")
    assert "sort=overdue" in again
    on_time = sort_link(sorted_page, "department-ranking", "on_time_rate")
    by_on_time = text_of(client.get(RANKING_URL + on_time))
    rows = ranking_rows(by_on_time, "department-ranking")
    assert [row["on_time_rate"] for row in rows[:2]] == ["100.00%", "50.00%"]
    ascending = text_of(client.get(
        RANKING_URL + sort_link(by_on_time, "department-ranking", "on_time_rate")))
    rows = ranking_rows(ascending, "department-ranking")
    assert [row["on_time_rate"] for row in rows[:2]] == ["50.00%", "100.00%"]
    # And the exports' links carry the sort.
    export = re.search(r'href="([^"]*)" data-testid="export-ranking-csv"', ascending)
    assert "sort=on_time_rate" in html.unescape(export[1])


def test_the_overdue_list_shows_the_overdue_issue_with_its_lateness(client, world):
    page = text_of(log_in(client, world, "coordinator").get(OVERDUE_URL))
    assert section(page, "overdue-count", "</span>").strip(">").strip() == "1"
    table = section(page, "overdue-table")
    issue = world.issues["W3"]
    assert f'data-reference="{issue.reference}"' in table
    assert BULLETIN_TITLE in table
    assert world.issues["W2"].reference not in table  # answered, though after its due date
    late = re.search(rf'data-reference="{issue.reference}".*?text-danger fw-semibold">(\d+)<',
                     table, re.S)
    assert int(late[1]) == 10  # two calendar weeks, no holiday: ten working days


def test_the_bulletin_shows_the_months_figures_ranking_and_listed_issues(client, world):
    response = log_in(client, world, "leader").get(BULLETIN_URL, {"month": "2026-10"})
    assert response.status_code == 200
    page = text_of(response)
    assert "October 2026" in section(page, "bulletin-heading", "</h1>")
    month = section(page, "bulletin-month-figures", 'data-testid="bulletin-cumulative')
    assert figures(month, "collected", "open", "overdue") == {
        "collected": "3", "open": "2", "overdue": "1"}
    cumulative = section(page, "bulletin-cumulative-figures", "bulletin-ranking-heading")
    assert figure(cumulative, "collected") == "5"
    ranking = ranking_rows(page, "bulletin-department-ranking")
    economy = next(row for row in ranking if row["name"] == "Economy Bureau")
    assert economy["led"] == "1"  # only W2 in October
    assert economy["on_time_rate"] == "0.00%"
    counties = ranking_rows(page, "bulletin-county-ranking")
    # Nothing of October is rated yet, so the counties come by name.
    assert [(row["name"], row["led"]) for row in counties] == [("Anji", "1"), ("Wuxing", "2")]
    # The issues listed in the supervision bulletin, with how late they are.
    assert section(page, "bulletin-supervised-count", "</span>").strip(">").strip() == "1"
    supervised = section(page, "bulletin-supervised")
    assert world.issues["W3"].reference in supervised and BULLETIN_TITLE in supervised
    assert world.issues["A2"].reference not in supervised
    assert "Market Bureau: 1" in section(page, "bulletin-counts", "</p>")
    # Printed: the stylesheet with its print rules, and a print button for script.
    assert "/static/css/dashboard.css" in page
    with open(finders.find("css/dashboard.css"), encoding="utf-8") as stylesheet:
        assert "@media print" in stylesheet.read()
    assert 'class="print-page bulletin"' in page
    assert "data-print hidden" in page


def test_the_bulletin_defaults_to_last_month_and_links_its_neighbours(client, world):
    page = text_of(log_in(client, world, "coordinator").get(BULLETIN_URL))
    today = timezone.localdate()
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    assert f'value="{last_month:%Y-%m}"' in page
    before = (last_month - timedelta(days=1)).replace(day=1)
    assert f'href="?month={before:%Y-%m}" rel="prev"' in page
    assert f'href="?month={today:%Y-%m}" rel="next"' in page


def test_a_county_coordinators_bulletin_is_their_county(client, world):
    page = text_of(log_in(client, world, "anji_coordinator").get(BULLETIN_URL,
                                                                 {"month": "2026-10"}))
    month = section(page, "bulletin-month-figures", 'data-testid="bulletin-cumulative')
    assert figure(month, "collected") == "1"  # A2
    assert 'data-testid="bulletin-county-ranking"' not in page
    assert BULLETIN_TITLE not in page  # W3 is Wuxing's
    assert section(page, "bulletin-supervised-count", "</span>").strip(">").strip() == "0"


# --- The public page ------------------------------------------------------------------------

def test_the_public_page_needs_no_login_and_names_no_one(client, world):
    secret = IssueFactory(enterprise=world.enterprises["wuxing"], title="某某局长索要好处费",
                          category=world.land)
    response = client.get(PUBLIC_URL)
    assert response.status_code == 200
    page = text_of(response)
    assert figures(page, "collected", "satisfaction", "sessions", "attendances") == {
        "collected": "6", "satisfaction": "50.00%", "sessions": "2", "attendances": "3"}
    for title in [secret.title, *(issue.title for issue in world.issues.values())]:
        assert title not in page
    for enterprise in Enterprise.objects.all():
        assert enterprise.name not in page
    for reference in Issue.objects.values_list("reference", flat=True):
        assert reference not in page


def test_the_public_page_speaks_english_when_asked(client, world):
    response = client.get(PUBLIC_URL, HTTP_ACCEPT_LANGUAGE="en")
    page = text_of(response)
    assert '<html lang="en"' in page
    assert "Qinqing Express · Government–Enterprise Talks in figures" in section(
        page, "public-heading", "</h1>")
    assert "satisfaction rate" in page


def test_the_public_page_speaks_chinese_by_the_language_cookie(client, world):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    page = text_of(client.get(PUBLIC_URL))
    assert '<html lang="zh-hans"' in page
    assert "亲清直通车·政企恳谈会数据一览" in section(page, "public-heading", "</h1>")
    assert "满意率" in page
    assert "Qinqing Express" not in page


# --- A fixed number of queries --------------------------------------------------------------

def add_data(world: World, size: int) -> None:
    """More of everything the pages count: counties, departments and categories (rows of
    the tables), issues in several months and states, overdue ones, held sessions."""
    today = timezone.localdate()
    for n in range(size):
        county = RegionFactory()
        department = DepartmentFactory(region=world.city)
        category = CategoryFactory(default_department=department)
        enterprise = EnterpriseFactory(region=county if n % 2 else world.wuxing)
        for month, status in ((7, S.CLOSED), (8, S.IN_PROGRESS), (11, S.DISPATCHED)):
            submitted = at(date(2026, month, 3), 10)
            issue = IssueFactory(enterprise=enterprise, category=category,
                                 submitted_at=submitted, status=status,
                                 lead_department=department, dispatched_at=submitted,
                                 accept_due_on=submitted.date() + timedelta(days=1),
                                 due_on=today - timedelta(days=n + 1),
                                 latest_rating="satisfied" if status == S.CLOSED else "",
                                 resolved_at=(submitted + timedelta(days=3)
                                              if status == S.CLOSED else None),
                                 escalation=Issue.Escalation.BULLETIN)
            AssistingDepartmentFactory(issue=issue, department=world.market)
        session = TalkSessionFactory(
            region=county, status=TalkSession.Status.HELD,
            edition=EditionFactory(week_start=date(2025, 1, 6) + timedelta(weeks=n)))
        AttendanceFactory(session=session, entrepreneur=local_person(county),
                          status=Attendance.Status.ATTENDED, checked_in_at=session.starts_at)


def queries_for(client, url: str, query=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, query or {})
    assert response.status_code == 200, url
    return len(queries)


#: Queries per page, the request's own included (session, user, role groups, official,
#: the inbox badge); measured with the hand-made world and with twelve more of everything,
#: which must give the same number. A county's coordinator runs fewer (no county table).
EXPECTED_QUERIES = {
    ("leader", "index"): 18, ("leader", "index-filtered"): 16, ("leader", "ranking"): 13,
    ("leader", "overdue"): 13, ("leader", "bulletin"): 28,
    ("anji_coordinator", "index"): 17, ("anji_coordinator", "index-filtered"): 15,
    ("anji_coordinator", "ranking"): 12, ("anji_coordinator", "overdue"): 11,
    ("anji_coordinator", "bulletin"): 25,
}
PAGES = {
    "index": (INDEX_URL, {}),
    "index-filtered": (INDEX_URL, {"from": "2026-01", "to": "2026-12", "category": "land"}),
    "ranking": (RANKING_URL, {}),
    "overdue": (OVERDUE_URL, {}),
    "bulletin": (BULLETIN_URL, {"month": "2026-10"}),
}


@pytest.mark.parametrize(("who", "name"), sorted(EXPECTED_QUERIES),
                         ids=[f"{who}-{name}" for who, name in sorted(EXPECTED_QUERIES)])
def test_each_page_runs_a_fixed_number_of_queries(client, world, who, name):
    url, query = PAGES[name]
    if "category" in query:
        query = {**query, "category": world.land.pk}
    log_in(client, world, who)
    small = queries_for(client, url, query)
    add_data(world, 12)
    large = queries_for(client, url, query)
    assert (small, large) == (EXPECTED_QUERIES[who, name],) * 2


def test_the_public_page_runs_a_fixed_number_of_queries(client, world):
    small = queries_for(client, PUBLIC_URL)
    add_data(world, 12)
    large = queries_for(client, PUBLIC_URL)
    # Only the headline figures (``headline_figures``): held sessions, attendances and
    # distinct entrepreneurs from their rollups, the issue rollups' sums, overdue issues.
    assert small == large == 5


def test_the_figures_follow_more_data(client, world):
    """The counting does not stop at the hand-made world: twelve more of everything."""
    add_data(world, 12)
    page = text_of(log_in(client, world, "leader").get(INDEX_URL))
    assert figure(page, "collected") == str(5 + 36)
    assert figure(page, "overdue") == str(1 + 24)  # in progress and dispatched, past due
    assert figure(page, "sessions") == str(2 + 12)


def test_the_city_chosen_as_the_region_is_the_whole_city(client, world):
    page = text_of(log_in(client, world, "leader").get(INDEX_URL, {"region": world.city.pk}))
    assert figure(page, "collected") == "5"


def test_the_ranking_of_one_county_leaves_out_the_other_countys_departments(client, world):
    client = log_in(client, world, "leader")
    everywhere = [row["name"] for row in ranking_rows(text_of(client.get(RANKING_URL)),
                                                      "department-ranking")]
    wuxing = [row["name"] for row in ranking_rows(
        text_of(client.get(RANKING_URL, {"region": world.wuxing.pk})), "department-ranking")]
    anji_office = "Anji United Front Department"
    assert anji_office in everywhere
    assert anji_office not in wuxing
    assert "Economy Bureau" in wuxing
