"""Browser journeys in Debian's Chromium through pytest-playwright and pytest-django's live_server.

Playwright's sync API runs an event loop in the test thread, so Django's
database setup would refuse to run without DJANGO_ALLOW_ASYNC_UNSAFE.
"""

import os

import pytest

from tests.browser.pages import watch
from tests.services import require_chromium

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser_type_launch_args():
    """Debian's Chromium instead of a Playwright download; skips (or fails under CI) without it."""
    return {"executable_path": require_chromium(), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """A browser in China: Chinese first in Accept-Language, Shanghai time."""
    return {**browser_context_args, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


@pytest.fixture
def demo_accounts(transactional_db):
    """The documented demo logins (demo.seed.DEMO_LOGINS), by user name."""
    from demo.seed import seed_demo_accounts, seed_reference_data

    seed_reference_data()
    return seed_demo_accounts()


@pytest.fixture
def failed_requests():
    """Every same-origin request that failed or answered 4xx/5xx while the test ran."""
    return []


@pytest.fixture
def csp_violations():
    """Everything the Content-Security-Policy blocked while the test ran (should stay empty)."""
    return []


@pytest.fixture(autouse=True)
def _watched(request):
    """The test's ``page`` reports into ``failed_requests`` and ``csp_violations``."""
    if "page" in request.fixturenames:
        page = request.getfixturevalue("page")
        watch(page, request.getfixturevalue("live_server"),
              request.getfixturevalue("failed_requests"),
              request.getfixturevalue("csp_violations"))


@pytest.fixture
def open_browser(browser, browser_context_args, live_server, failed_requests, csp_violations):
    """Opens a page in a browser of its own (another person's), watched like ``page``."""
    contexts = []

    def open_page(**options):
        context = browser.new_context(**{**browser_context_args, **options})
        contexts.append(context)
        opened = context.new_page()
        watch(opened, live_server, failed_requests, csp_violations)
        return opened

    yield open_page
    for context in contexts:
        context.close()
