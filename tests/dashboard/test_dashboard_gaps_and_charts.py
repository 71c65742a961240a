"""Months without ratings are gaps, not zeros (in the chart's data, its table, the
bulletin's figures and ranking), and every chart says what it shows to someone who cannot
see it: the canvas is an image with a summary, its numbers are in a table.

In ``tests.worlds.dashboard_world`` September 2026 has two rated issues (one satisfied) and
October 2026 three issues, none rated.
"""

import json
import re

import pytest
from django.contrib.staticfiles import finders

from tests.dashboard.html_reading import PageParts
from tests.dashboard.screens import (
    BULLETIN_URL,
    INDEX_URL,
    figure,
    log_in,
    ranking_rows,
    section,
    text_of,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def chart_data(page: str) -> dict:
    found = re.search(r'<script id="dashboard-chart-data" type="application/json">(.*?)'
                      r"</script>", page, re.S)
    return json.loads(found[1])


def test_a_month_without_ratings_is_a_gap_in_the_satisfaction_line(client, world):
    page = text_of(log_in(client, world, "leader").get(INDEX_URL))
    data = chart_data(page)
    assert data["months"] == ["2026-09", "2026-10"]
    assert data["satisfaction"] == [50.0, None]  # null in the JSON, never 0
    assert data["issues"] == [2, 3]
    # The line is not drawn across the gap.
    with open(finders.find("js/dashboard.js"), encoding="utf-8") as script:
        source = script.read()
    assert "spanGaps: false" in source and "spanGaps: true" not in source


def test_the_table_beside_the_chart_shows_a_dash_that_says_no_ratings(client, world):
    parts = PageParts(text_of(log_in(client, world, "leader").get(INDEX_URL)))
    rows = {row[0].text: [cell.text for cell in row[1:]]
            for row in parts.table("months-table").body}
    assert rows["2026-09"] == ["2", "2", "50.00%"]
    assert rows["2026-10"] == ["3", "0", "— no ratings"]
    page = text_of(client.get(INDEX_URL))
    months = section(page, "months-table")
    assert '—<span class="visually-hidden"> no ratings</span>' in months


def test_the_bulletin_of_a_month_without_ratings_shows_gaps_not_zeros(client, world):
    page = text_of(log_in(client, world, "leader").get(BULLETIN_URL, {"month": "2026-10"}))
    month = section(page, "bulletin-month-figures", 'data-testid="bulletin-cumulative')
    assert figure(month, "satisfaction") == "—"
    assert "0.00%" not in re.search(r'data-testid="figure-satisfaction">(.*?)</div>',
                                    month)[1]
    # The cumulative figure counts only the rated months: 1 of 2, not averaged with a 0.
    cumulative = section(page, "bulletin-cumulative-figures", "bulletin-ranking-heading")
    assert figure(cumulative, "satisfaction") == "50.00%"
    # Each rate without a denominator in the ranking: a dash and the reason.
    for row in ranking_rows(page, "bulletin-county-ranking"):
        assert row["satisfaction_rate"] == "—"
    ranking = section(page, "bulletin-county-ranking")
    assert ranking.count('<span class="visually-hidden"> no ratings</span>') == 2


def test_every_chart_is_an_image_with_a_summary_and_a_table_of_its_numbers(client, world):
    page = text_of(log_in(client, world, "leader").get(INDEX_URL))
    parts = PageParts(page)
    canvases = {attrs["data-chart"]: attrs for tag, attrs in parts.elements if tag == "canvas"}
    assert sorted(canvases) == ["categories", "months", "regions", "sessions"]
    for attrs in canvases.values():
        assert attrs.get("role") == "img"
        assert "aria-hidden" not in attrs
        assert attrs["aria-label"].endswith("The numbers are in the table below.")
    assert canvases["months"]["aria-label"].startswith(
        "Issues collected per month (bars) and the satisfaction rate (line), September 2026 "
        "to October 2026: 5 issues, the most in October 2026 (3); 1 of 2 months have "
        "ratings")
    assert "2 sessions, 3 attendances" in canvases["sessions"]["aria-label"]
    assert "the most in Factor supply (3 of 5)" in canvases["categories"]["aria-label"]
    assert "the most in Wuxing (3 of 5)" in canvases["regions"]["aria-label"]
    for testid in ("months-table", "sessions-table", "categories-table", "regions-table"):
        table = parts.table(testid)
        assert table.caption.strip()
        assert all(cell.attrs.get("scope") == "col" for cell in table.head[0])
        assert all(row[0].attrs.get("scope") == "row" for row in table.body)


def test_a_chart_with_nothing_to_draw_says_so(client, world):
    page = text_of(log_in(client, world, "leader").get(INDEX_URL, {"from": "2025-01",
                                                                   "to": "2025-02"}))
    canvases = {attrs["data-chart"]: attrs for tag, attrs in PageParts(page).elements
                if tag == "canvas"}
    assert canvases["months"]["aria-label"] == "No issues for these filters."
    assert canvases["sessions"]["aria-label"] == "No sessions for these filters."
    assert canvases["categories"]["aria-label"] == "No issues for these filters."
