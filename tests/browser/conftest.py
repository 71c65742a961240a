"""Browser journeys in Debian's Chromium through pytest-playwright and pytest-django's live_server.

Playwright's sync API runs an event loop in the test thread, so Django's
database setup would refuse to run without DJANGO_ALLOW_ASYNC_UNSAFE.
"""

import os

import pytest

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
    """The four documented demo logins (admin, coordinator, handler, entrepreneur)."""
    from demo.seed import seed_demo_accounts, seed_reference_data

    seed_reference_data()
    return seed_demo_accounts()


@pytest.fixture
def failed_requests(page, live_server):
    """Every same-origin request that failed or answered 4xx/5xx while the test ran."""
    failures = []

    def on_response(response):
        if response.url.startswith(live_server.url) and response.status >= 400:
            failures.append(f"{response.status} {response.url}")

    page.on("response", on_response)
    page.on("requestfailed", lambda request: failures.append(f"failed {request.url}"))
    return failures


@pytest.fixture
def csp_violations(page):
    """Everything the Content-Security-Policy blocked while the test ran (should stay empty)."""
    violations = []

    def on_console(message):
        text = message.text
        if "Content Security Policy" in text or "Refused to" in text:
            violations.append(text)

    page.on("console", on_console)
    return violations
