"""The dashboard in a real browser: a city leader logs in, opens the dashboard from the
navigation, narrows it to one county and sees that county's figures, downloads the
county's issues as an Excel file and finds in it that county's issues and no other; the
charts are drawn by the vendored Chart.js with no script error and nothing blocked by the
Content-Security-Policy. On a phone (390px) the figures come first and the page fits the
screen.

The data is the hand-made world of ``tests.worlds.dashboard_world`` (Wuxing: three issues,
Anji: two), so each number on the screen is known in advance.
"""

import re

import openpyxl
import pytest
from playwright.sync_api import expect

from tests.browser.pages import DESKTOP, PHONE, fits_the_screen, open_menu, translated
from tests.browser.test_issue_journey import PASSWORD, log_in
from tests.worlds import DashboardWorld as World
from tests.worlds import dashboard_world as build_world

pytestmark = pytest.mark.browser


@pytest.fixture
def world(transactional_db) -> World:
    return build_world(password=PASSWORD)


@pytest.fixture
def script_errors(page) -> list:
    """Console errors and uncaught exceptions of the page while the test runs."""
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(
        f"console: {message.text}"))
    page.on("pageerror", lambda error: errors.append(f"pageerror: {error}"))
    return errors


def charts_drawn(page) -> list[str]:
    """The names of the canvases Chart.js has drawn a chart on."""
    return page.evaluate("""() => Array.from(document.querySelectorAll("canvas[data-chart]"))
        .filter(canvas => window.Chart && Chart.getChart(canvas) !== undefined)
        .map(canvas => canvas.dataset.chart)""")


def test_a_leader_narrows_the_dashboard_to_a_county_and_downloads_its_issues(
    page, live_server, world, tmp_path, failed_requests, csp_violations, script_errors,
):
    page.set_viewport_size(DESKTOP)
    page.goto(live_server.url + "/")
    log_in(page, "leader")

    # The dashboard, from the navigation.
    open_menu(page)
    page.get_by_role("navigation", name=translated("Main navigation")).get_by_test_id(
        "nav-dashboard").click()
    expect(page).to_have_url(re.compile(r"/dashboard/$"))
    expect(page.get_by_test_id("dashboard-heading")).to_have_text(translated("Dashboard"))
    expect(page.get_by_test_id("figure-collected")).to_have_text("5")
    expect(page.get_by_test_id("figure-satisfaction")).to_have_text("50.00%")

    # The charts: Chart.js loaded from static/ and a chart drawn on each canvas.
    expect(page.locator("canvas[data-chart]")).to_have_count(4)
    page.wait_for_load_state("load")
    assert page.evaluate("typeof Chart") == "function"
    assert sorted(charts_drawn(page)) == ["categories", "months", "regions", "sessions"]

    # One county, then Show: the figures become Wuxing's.
    filters = page.get_by_test_id("dashboard-filters")
    filters.get_by_label(translated("Region")).select_option(label=world.wuxing.name)
    filters.get_by_test_id("apply-filters").click()
    expect(page).to_have_url(re.compile(rf"[?&]region={world.wuxing.pk}(&|$)"))
    expect(page.get_by_test_id("figure-collected")).to_have_text("3")
    expect(page.get_by_test_id("figure-response")).to_have_text("33.33%")
    expect(page.get_by_test_id("figure-overdue")).to_have_text("1")
    expect(page.get_by_test_id("dashboard-scope")).to_contain_text(world.wuxing.name)
    expect(filters.get_by_label(translated("Region"))).to_have_value(str(world.wuxing.pk))
    page.wait_for_load_state("load")
    assert sorted(charts_drawn(page)) == ["categories", "months", "regions", "sessions"]

    # The county's issues as an Excel file.
    export = page.get_by_test_id("export-issues-xlsx")
    expect(export).to_have_text(re.compile(re.escape(translated("Issues (Excel)"))))
    with page.expect_download() as downloading:
        export.click()
    download = downloading.value
    assert download.suggested_filename == "huzhou-talks-issues-wuxing-all-time.xlsx"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    sheet = openpyxl.load_workbook(saved).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert header[:4] == tuple(translated(name) for name in ("Reference", "Title",
                                                             "Category", "Region"))
    region = header.index(translated("Region"))
    reference = header.index(translated("Reference"))
    assert len(rows) == 1 + 3
    assert {row[region] for row in rows[1:]} == {world.wuxing.name}
    assert [row[reference] for row in rows[1:]] == [
        world.issues[key].reference for key in ("W1", "W2", "W3")]

    # On a phone the figures come first: the filters fold away, and open on a tap with the
    # county still chosen; nothing sticks out sideways.
    page.set_viewport_size(PHONE)
    page.reload()
    page.wait_for_load_state("load")
    expect(page.get_by_test_id("figure-collected")).to_have_text("3")
    expect(page.get_by_test_id("figure-collected")).to_be_in_viewport()
    region = page.get_by_test_id("dashboard-filters").get_by_label(translated("Region"))
    expect(region).to_be_hidden()
    page.locator("details[data-filters] > summary").click()
    expect(region).to_be_visible()
    expect(region).to_have_value(str(world.wuxing.pk))
    assert fits_the_screen(page)
    assert len(charts_drawn(page)) == 4

    assert script_errors == []
    assert csp_violations == []
    assert failed_requests == []
