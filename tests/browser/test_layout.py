"""The layout fits: for each demo login in both languages, from a 360 px phone to a 1920 px
desk, no navigation label wraps onto a second line and no page scrolls sideways; officials
get the sidebar on a desk, everyone's current place is marked.

One browser context per login; each page is loaded once per language and measured at every
width by resizing the viewport.
"""

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from tests.browser.pages import open_menu
from tests.services import database_neutral_checks

pytestmark = [pytest.mark.browser, database_neutral_checks]

DESK_WIDTHS = (1920, 1366, 1024)
PHONE_WIDTHS = (390, 360)
LANGUAGES = ("zh-hans", "en")

#: Each login (None: a visitor) and its home page plus the widest pages it may open.
PAGES = {
    None: ("/",),
    "entrepreneur": ("/", "/issues/"),
    "handler": ("/", "/issues/"),
    "coordinator": ("/", "/issues/", "/dashboard/", "/dashboard/ranking/"),
    "admin": ("/", "/issues/", "/dashboard/", "/dashboard/ranking/"),
}
OFFICIALS = {"handler", "coordinator", "admin"}

#: Every label of the navigation that is on screen: links, group headings, the brand, the
#: account button and the language buttons; each with the number of lines its text takes.
MEASURE_LABELS = """() => {
  const selectors = ['#main-nav a', '#main-nav .site-sidebar-heading', 'header .navbar-brand',
                     '[data-testid=nav-user]', 'header .language-switch button'];
  const shown = (e) => {
    const r = e.getBoundingClientRect();
    const style = getComputedStyle(e);
    return r.width > 0 && r.height > 0 && style.visibility !== 'hidden'
      && r.right > 0 && r.left < window.innerWidth;
  };
  const out = [];
  for (const e of document.querySelectorAll(selectors.join(','))) {
    if (!shown(e)) continue;
    const lineHeight = parseFloat(getComputedStyle(e).lineHeight) || 24;
    const tops = [];
    const walker = document.createTreeWalker(e, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.textContent.trim() || node.parentElement.closest('.visually-hidden')) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      for (const rect of range.getClientRects()) {
        if (rect.width === 0 || rect.height === 0) continue;
        if (!tops.some((top) => Math.abs(top - rect.top) < lineHeight / 2)) tops.push(rect.top);
      }
    }
    // 0 lines: only an icon on screen (the account button on a narrow phone).
    out.push({label: e.textContent.trim().replace(/\\s+/g, ' '), lines: tops.length});
  }
  return out;
}"""

FITS = "() => document.documentElement.scrollWidth <= window.innerWidth"


def _context(browser, live_server, username, language, browser_context_args):
    context = browser.new_context(**browser_context_args)
    cookies = [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language,
                "url": live_server.url}]
    if username:
        client = Client()
        client.force_login(get_user_model().objects.get(username=username))
        cookies.append({"name": settings.SESSION_COOKIE_NAME,
                        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                        "url": live_server.url})
    context.add_cookies(cookies)
    return context


@pytest.mark.parametrize("username", list(PAGES), ids=lambda name: name or "anonymous")
def test_navigation_labels_stay_on_one_line_and_no_page_scrolls_sideways(
    browser, browser_context_args, live_server, demo_accounts, username
):
    problems = []
    for language in LANGUAGES:
        context = _context(browser, live_server, username, language, browser_context_args)
        page = context.new_page()
        for path in PAGES[username]:
            page.set_viewport_size({"width": DESK_WIDTHS[0], "height": 900})
            response = page.goto(live_server.url + path)
            assert response.status == 200, path
            expect(page.locator("html")).to_have_attribute("lang", language)
            for width in DESK_WIDTHS + PHONE_WIDTHS:
                page.set_viewport_size({"width": width, "height": 900})
                where = f"{language} {path} at {width} px"
                if width in DESK_WIDTHS and username in OFFICIALS:
                    # The sidebar is on screen without any menu to open.
                    expect(page.locator("#main-nav nav")).to_be_visible()
                    assert not page.locator(".navbar-toggler").is_visible(), where
                if width in PHONE_WIDTHS:
                    open_menu(page)
                labels = page.evaluate(MEASURE_LABELS)
                assert labels, where
                problems += [f"{where}: '{label['label']}' takes {label['lines']} lines"
                             for label in labels if label["lines"] > 1]
                try:  # a chart redraws itself after a resize: give it a moment
                    page.wait_for_function(FITS, timeout=3000)
                except PlaywrightTimeoutError:
                    problems.append(f"{where}: the page is "
                                    f"{page.evaluate('document.documentElement.scrollWidth')}"
                                    " px wide")
            if path == "/":
                home = page.locator("#main-nav a[aria-current=page]")
                expect(home).to_have_count(1)
                expect(home).to_have_attribute("href", "/")
        context.close()
    assert problems == [], "\n".join(problems)


def test_the_current_place_is_marked_in_the_sidebar(
    browser, browser_context_args, live_server, demo_accounts
):
    context = _context(browser, live_server, "coordinator", "en", browser_context_args)
    page = context.new_page()
    page.set_viewport_size({"width": 1366, "height": 800})
    page.goto(live_server.url + "/dashboard/ranking/")
    current = page.locator("#main-nav [aria-current=page]")
    expect(current).to_have_count(1)
    expect(current).to_have_attribute("data-testid", "nav-dashboard")
    # Marked for the eye too, not only for a screen reader: a bolder, tinted link.
    assert current.evaluate("e => getComputedStyle(e).fontWeight") == "600"
    groups = page.locator("#main-nav .site-sidebar-heading")
    expect(groups).to_have_text(["Workbench", "Issues", "Sessions", "Entrepreneurs", "Data",
                                 "Management"])
    context.close()


def test_skip_link_and_account_menu_work_from_the_keyboard(
    browser, browser_context_args, live_server, demo_accounts
):
    context = _context(browser, live_server, "coordinator", "en", browser_context_args)
    page = context.new_page()
    page.set_viewport_size({"width": 1366, "height": 800})
    page.goto(live_server.url + "/")
    page.wait_for_load_state("load")

    # The first Tab reaches the skip link, shown on screen; Enter moves to the main content.
    page.keyboard.press("Tab")
    skip = page.locator(".site-skip-link")
    expect(skip).to_be_focused()
    assert skip.evaluate("e => getComputedStyle(e).outlineWidth") == "3px"
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()

    # The account menu opens from the keyboard and holds password, language and log-out.
    account = page.get_by_test_id("nav-user")
    account.focus()
    page.keyboard.press("Enter")
    expect(account).to_have_attribute("aria-expanded", "true")
    menu = page.get_by_role("navigation", name="Your account")
    expect(menu.get_by_role("link", name="Password")).to_be_visible()
    expect(menu.get_by_role("button", name="中文")).to_be_visible()
    expect(menu.get_by_role("button", name="English")).to_have_attribute("aria-pressed", "true")
    expect(menu.get_by_role("button", name="Log out")).to_be_visible()
    expect(menu).to_contain_text("经济处处长")  # the person's post beside the name
    page.keyboard.press("Escape")
    expect(account).to_have_attribute("aria-expanded", "false")
    context.close()
