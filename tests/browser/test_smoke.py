"""Smoke test in a real browser: each demo role logs in, sees its home page, logs out;
the language switch turns the page from Chinese to English and back."""

import pytest
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from demo.seed import DEMO_PASSWORD
from tests.browser.pages import open_account_menu

pytestmark = pytest.mark.browser

#: Each demo login, its role, and the heading msgid of that role's home page.
DEMO_ROLES = [
    ("admin", "admin", "Administration"),
    ("coordinator", "coordinator", "Coordination desk"),
    ("handler", "handler", "Department queue"),
    ("entrepreneur", "entrepreneur", "Your issues and sessions"),
]


def translated(msgid: str, language: str) -> str:
    """What the page shows for ``msgid`` in ``language``, catalogue or no catalogue."""
    with translation.override(language):
        return gettext(msgid)


def log_in(page, username: str) -> None:
    page.locator("nav").get_by_role("link", name=translated("Log in", "zh-hans")).click()
    expect(page.get_by_test_id("login-heading")).to_be_visible()
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()


@pytest.mark.parametrize(
    ("username", "role", "heading"), DEMO_ROLES, ids=[row[0] for row in DEMO_ROLES]
)
def test_each_role_logs_in_sees_its_home_page_and_logs_out(
    page, live_server, demo_accounts, failed_requests, username, role, heading
):
    page.goto(live_server.url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_test_id("home-heading")).to_have_attribute("data-role", "anonymous")
    # Bootstrap's stylesheet is served from static/ (no CDN): the navbar is laid out as flex.
    assert page.locator("nav.navbar").evaluate("e => getComputedStyle(e).display") == "flex"

    log_in(page, username)

    home_heading = page.get_by_test_id("home-heading")
    expect(home_heading).to_have_attribute("data-role", role)
    expect(home_heading).to_have_text(translated(heading, "zh-hans"))
    expect(page.get_by_test_id("nav-user")).to_be_visible()

    open_account_menu(page)  # the person's button opens the account menu with the log-out
    page.locator("nav").get_by_role("button", name=translated("Log out", "zh-hans")).click()

    expect(page.get_by_test_id("home-heading")).to_have_attribute("data-role", "anonymous")
    login_link = page.locator("nav").get_by_role("link", name=translated("Log in", "zh-hans"))
    expect(login_link).to_be_visible()
    assert failed_requests == []


def test_language_switch_from_chinese_to_english_and_back(page, live_server, failed_requests):
    page.goto(live_server.url + "/")
    nav = page.locator("nav")
    login_zh, login_en = translated("Log in", "zh-hans"), translated("Log in", "en")
    assert login_zh != login_en  # Django's own catalogue already translates this one

    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(nav.get_by_role("button", name="中文")).to_have_attribute("aria-pressed", "true")
    expect(nav.get_by_role("link", name=login_zh)).to_be_visible()

    nav.get_by_role("button", name="English").click()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(nav.get_by_role("button", name="English")).to_have_attribute("aria-pressed", "true")
    expect(nav.get_by_role("link", name=login_en)).to_be_visible()
    expect(nav.get_by_role("link", name=login_zh)).to_have_count(0)
    expect(page.get_by_test_id("home-heading")).to_have_text(
        translated("Qinqing Express · Government–Enterprise Talks", "en")
    )

    nav.get_by_role("button", name="中文").click()

    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(nav.get_by_role("button", name="中文")).to_have_attribute("aria-pressed", "true")
    expect(nav.get_by_role("link", name=login_zh)).to_be_visible()
    assert failed_requests == []


def test_menu_collapses_on_a_phone(page, live_server):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + "/")
    nav = page.locator("nav")
    login_link = nav.get_by_role("link", name=translated("Log in", "zh-hans"))
    # The language switch stays in sight; the rest of the menu waits behind the toggler.
    expect(nav.get_by_role("button", name="English")).to_be_visible()
    expect(login_link).to_be_hidden()

    nav.locator(".navbar-toggler").click()

    expect(login_link).to_be_visible()
