"""The dashboard's screens as a leader, a coordinator or an administrator meets them: the
figures and who sees which county's, filters that cannot be read, the exports opened as a
spreadsheet would open them, the ranking, the overdue list, the printable bulletin and the
public page; each page's number of queries, whatever the amount of data.

Every figure is checked against a small world made by hand (``tests.worlds.dashboard_world``),
counted on paper there, so a wrong definition or a filter that does not bite shows as a wrong
number.
"""

import html
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils import timezone

from entrepreneurs.models import Enterprise
from issues.models import Issue
from tests.dashboard.screens import (
    BULLETIN_URL,
    DEPARTMENT_RANKING,
    INDEX_URL,
    ISSUES_CSV,
    ISSUES_XLSX,
    OVERDUE_URL,
    PUBLIC_URL,
    RANKING_CSV,
    RANKING_URL,
    RANKING_XLSX,
    figure,
    figures,
    log_in,
    ranking_rows,
    section,
    text_of,
)
from tests.factories import IssueFactory
from tests.worlds import BULLETIN_TITLE

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

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
    # The last full month is the latest bulletin out: no link to the month under way.
    assert 'rel="next"' not in page


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
