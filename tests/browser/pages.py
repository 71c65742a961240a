"""What the browser journeys share: viewports, the page's words, watching a page for
failures, and the phone's menu."""

import re

from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


def translated(msgid, language: str = "zh-hans") -> str:
    """What the page shows for ``msgid`` (a string or a lazy one) in ``language``."""
    with translation.override(language):
        return gettext(msgid) if isinstance(msgid, str) else str(msgid)


def watch(page, live_server, failed_requests: list, csp_violations: list) -> None:
    """Record the page's failed requests and CSP reports into the given lists.

    A request the browser cancels because the page was left (net::ERR_ABORTED: a favicon
    or a deferred script still loading when the next page was asked for) is no failure of
    the site; everything else is: an answer of 4xx or 5xx, a refused connection, a block.
    """

    def on_response(response):
        if response.url.startswith(live_server.url) and response.status >= 400:
            failed_requests.append(f"{response.status} {response.url}")

    def on_failed(request):
        if request.failure != "net::ERR_ABORTED":
            failed_requests.append(f"failed {request.url}: {request.failure}")

    def on_console(message):
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            csp_violations.append(message.text)

    page.on("response", on_response)
    page.on("requestfailed", on_failed)
    page.on("console", on_console)


def open_menu(page) -> None:
    """On a phone the menu waits behind the toggler (the visitors' and entrepreneurs' collapsing
    top bar, the officials' offcanvas sidebar): tap it once the page (and Bootstrap's script)
    has loaded, and wait until the menu has finished opening. On a desk it is always open."""
    toggler = page.locator(".navbar-toggler")
    menu = page.locator("#main-nav")
    if not toggler.is_visible() or re.search(r"(^|\s)show(\s|$)", menu.get_attribute("class")):
        return
    page.wait_for_load_state("load")
    toggler.click()
    expect(menu).to_have_class(re.compile(r"(^|\s)show(\s|$)"))
    expect(menu).not_to_have_class(re.compile(r"showing|collapsing"))


def open_account_menu(page) -> None:
    """The account menu (password, language for officials, log-out) opens from the person's
    button; on an entrepreneur's phone that button is inside the collapsed menu."""
    account = page.get_by_test_id("nav-user")
    if not account.is_visible():
        open_menu(page)
    if account.get_attribute("aria-expanded") == "true":
        return
    page.wait_for_load_state("load")
    account.click()
    expect(account).to_have_attribute("aria-expanded", "true")


def log_out(page) -> None:
    """The account menu's log-out."""
    open_account_menu(page)
    page.locator("nav").get_by_role("button", name=translated("Log out")).click()


def fits_the_screen(page) -> bool:
    """Nothing sticks out sideways (no horizontal scrolling on a phone)."""
    return page.evaluate(
        "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
