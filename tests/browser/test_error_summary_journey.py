"""An entrepreneur on a phone sends the issue form empty: the error summary comes first and
takes the focus, and its links lead to the fields, a radio group's to its first choice."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.pages import PHONE, fits_the_screen
from tests.factories import CategoryFactory, EntrepreneurFactory, UserFactory

pytestmark = pytest.mark.browser

PASSWORD = "Moganshan-bamboo-2026"  # noqa: S105 - the test account's password


def test_the_issue_forms_summary_is_focused_and_leads_to_each_field(
    live_server, transactional_db, open_browser, failed_requests, csp_violations
):
    CategoryFactory()
    EntrepreneurFactory(user=UserFactory(username="shen", password=PASSWORD))
    phone = open_browser(viewport=PHONE, is_mobile=True, has_touch=True)
    phone.goto(live_server.url + reverse("login"))
    phone.locator("#id_username").fill("shen")
    phone.locator("#id_password").fill(PASSWORD)
    phone.locator("main form button[type=submit]").click()
    expect(phone.get_by_test_id("home-heading")).to_be_visible()

    phone.goto(live_server.url + reverse("issues:new"))
    phone.get_by_test_id("new-issue-form").locator("button[type=submit]").tap()

    summary = phone.get_by_test_id("error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("请检查以下 3 项")
    links = summary.get_by_role("link")
    expect(links).to_have_count(3)
    links.nth(0).tap()
    expect(phone.locator("#id_title")).to_be_focused()
    links.nth(2).tap()
    expect(phone.locator("#id_category_0")).to_be_focused()
    expect(phone.locator("#id_category_0")).to_be_in_viewport()
    assert fits_the_screen(phone)
    assert failed_requests == [] and csp_violations == []
