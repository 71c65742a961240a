"""GET /api/v1/figures/: the headline figures of the caller's dashboard, equal to what the
dashboard page shows the same person with the same filters; 403 for a role without one."""

from decimal import Decimal

import pytest
from django.urls import reverse

from api.v1.figures import figure_rows
from tests.api.reads_world import API, api_client
from tests.factories import EntrepreneurFactory
from tests.worlds import dashboard_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return dashboard_world()


def as_json(rows: dict) -> dict:
    """``figure_rows`` as the API renders it: decimals as numbers."""
    def value(v):
        return float(v) if isinstance(v, Decimal) else v
    return {group: [{**row, "value": value(row["value"])} for row in items]
            for group, items in rows.items()}


def page_and_api(user, **query):
    client = api_client(user)
    page = client.get(reverse("dashboard:index"), query)
    assert page.status_code == 200
    api = client.get(f"{API}/figures/", query)
    assert api.status_code == 200, api.content
    return as_json(figure_rows(page.context["figures"])), api.json()


@pytest.mark.parametrize("who", ["leader", "coordinator", "anji_coordinator", "admin"])
def test_the_figures_are_the_dashboard_page_figures(world, who):
    page, api = page_and_api(world.users[who])
    for group in ("sessions", "issues", "channels"):
        assert api[group] == page[group]


def test_the_city_figures_say_what_the_world_says(world):
    body = api_client(world.users["leader"]).get(f"{API}/figures/").json()
    issues = {row["key"]: row for row in body["issues"]}
    assert issues["collected"]["value"] == 5
    assert issues["satisfaction_rate"] == {
        **issues["satisfaction_rate"], "value": 50.0, "numerator": 1, "denominator": 2,
        "unit": "percent"}
    assert issues["response_rate"]["value"] == 50.0
    assert issues["average_days"]["value"] == 3.3
    assert body["scope"] is None
    assert body["sessions_filtered"] is True


def test_a_county_coordinator_sees_the_county(world):
    body = api_client(world.users["anji_coordinator"]).get(f"{API}/figures/").json()
    assert body["scope"]["name_en"] == "Anji"
    issues = {row["key"]: row["value"] for row in body["issues"]}
    assert issues["collected"] == 2
    response = api_client(world.users["anji_coordinator"]).get(
        f"{API}/figures/", {"region": world.wuxing.pk})
    assert response.status_code == 400


def test_the_filters_are_the_page_filters(world):
    query = {"region": world.wuxing.pk, "from": "2026-10", "to": "2026-10",
             "category": world.land.pk}
    page, api = page_and_api(world.users["leader"], **query)
    assert api["issues"] == page["issues"]
    collected = next(row for row in api["issues"] if row["key"] == "collected")
    assert collected["value"] == 1  # W2
    body = api_client(world.users["leader"]).get(f"{API}/figures/", query).json()
    assert body["filters"]["month_from"] == "2026-10"
    assert body["filters"]["region"]["name_en"] == "Wuxing"
    assert body["sessions_filtered"] is False


@pytest.mark.parametrize("query", [{"from": "2026-13"}, {"from": "2026-10", "to": "2026-09"},
                                   {"category": "999999"}, {"region": "abc"},
                                   {"period": "month"}])
def test_bad_filters_are_refused(world, query):
    response = api_client(world.users["leader"]).get(f"{API}/figures/", query)
    assert response.status_code == 400
    assert list(query)[-1] in response.content.decode()


def test_roles_without_a_dashboard_are_refused_with_the_reason(world):
    response = api_client(world.users["handler"]).get(f"{API}/figures/")
    assert response.status_code == 403
    assert "数据看板仅供领导和统筹协调员使用" in response.json()["detail"]
    person = EntrepreneurFactory(with_user=True)
    assert api_client(person.user).get(f"{API}/figures/").status_code == 403
