"""Every export's file name says what it holds: the programme, what (issues, the
departments' or the counties' ranking), the county, the category or department when
narrowed, and the months."""

import pytest

from tests.dashboard.screens import ISSUES_CSV, ISSUES_XLSX, RANKING_CSV, RANKING_XLSX, log_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def disposition(response) -> str:
    assert response.status_code == 200
    return response["Content-Disposition"]


@pytest.mark.parametrize(("url", "query", "name"), [
    (RANKING_CSV, {"from": "2026-11", "to": "2026-11"},
     "huzhou-talks-ranking-departments-2026-11.csv"),
    (RANKING_CSV, {"from": "2026-11", "to": "2026-11", "by": "region"},
     "huzhou-talks-ranking-counties-2026-11.csv"),
    (RANKING_CSV, {}, "huzhou-talks-ranking-departments-all-time.csv"),
    (RANKING_XLSX, {"from": "2026-09", "to": "2026-10"},
     "huzhou-talks-ranking-departments-and-counties-2026-09-to-2026-10.xlsx"),
    (ISSUES_CSV, {"from": "2026-09"}, "huzhou-talks-issues-from-2026-09.csv"),
    (ISSUES_XLSX, {"to": "2026-10"}, "huzhou-talks-issues-to-2026-10.xlsx"),
], ids=["departments-month", "counties-month", "departments-all-time", "ranking-xlsx",
        "issues-from", "issues-to"])
def test_the_file_name_says_what_and_which_months(client, world, url, query, name):
    response = log_in(client, world, "leader").get(url, query)
    assert disposition(response) == f'attachment; filename="{name}"'


def test_the_two_ranking_csvs_have_different_names(client, world):
    log_in(client, world, "leader")
    departments = disposition(client.get(RANKING_CSV))
    counties = disposition(client.get(RANKING_CSV, {"by": "region"}))
    assert departments != counties
    assert "ranking.csv" not in departments + counties


def test_the_name_carries_the_county_category_and_department(client, world):
    log_in(client, world, "leader")
    response = client.get(ISSUES_CSV, {"region": world.anji.pk, "category": world.permits.pk,
                                       "from": "2026-09", "to": "2026-09"})
    assert disposition(response) == (
        'attachment; filename="huzhou-talks-issues-anji-category-permits-2026-09.csv"')
    response = client.get(RANKING_CSV, {"department": world.economy.pk})
    assert disposition(response) == (
        'attachment; filename="huzhou-talks-ranking-departments-department-jxj-all-time.csv"')


def test_a_county_coordinators_files_are_named_for_their_county(client, world):
    response = log_in(client, world, "anji_coordinator").get(RANKING_CSV,
                                                             {"region": world.wuxing.pk})
    assert disposition(response) == (
        'attachment; filename="huzhou-talks-ranking-departments-anji-all-time.csv"')
