"""Every page each demo role can reach, checked (issue 16, "Checked in CI").

The demo is seeded once (reference data, the eight demo logins, the history: issues in
every state, sessions, months of figures); then each role logs in once, in its own context
of one Chromium, and follows the same-origin links it is shown breadth-first from the home
page (tests/browser/crawl.py says what it skips and how few pages of one pattern it keeps).
The crawl runs once for the module; three tests read it:

- a link a role is shown answers that role with a page (no 4xx/5xx, no log-in wall);
- axe-core (WCAG 2.1 A and AA rules) finds nothing on any page;
- the Nu HTML Checker finds no error in any page's HTML (one run over all of them).
"""

import time

import pytest
from django.core.management import call_command

from dashboard.rollups import rebuild as rebuild_rollups
from demo.seed import DEMO_PASSWORD, seed_all
from issues.models import Answer, FollowUpCall, Issue, IssueEvent, SatisfactionRating
from tests.browser.crawl import VNU_JAR, Problem, crawl, grouped, java, run_vnu
from tests.browser.pages import DESKTOP
from tests.services import database_neutral_checks, require

try:
    from axe_playwright_python.sync_playwright import Axe
except ImportError:  # the test extras are not installed
    Axe = None

pytestmark = [pytest.mark.browser, database_neutral_checks]

#: The demo login of each role (None: not logged in), in the README's table.
ROLE_LOGINS = {
    "anonymous": None,
    "entrepreneur": "entrepreneur",
    "handler": "handler",
    "department lead": "lead",
    "coordinator": "coordinator",
    "county coordinator": "wuxing",
    "leader": "leader",
    "admin": "admin",
}


#: Closed issues kept besides the open ones and the demo entrepreneur's.
CLOSED_KEPT = 60


def seed_small_demo() -> None:
    """The demo, trimmed to a small history: the issues still open (every state), the demo
    entrepreneur's, and the last closed ones; sessions and months of figures as seeded.
    Small, so that lists and exports answer quickly; every kind of page still has content."""
    seed_all()
    keep = (set(Issue.objects.exclude(status=Issue.Status.CLOSED).values_list("pk", flat=True))
            | set(Issue.objects.filter(entrepreneur__user__username="entrepreneur")
                  .values_list("pk", flat=True))
            | set(Issue.objects.filter(status=Issue.Status.CLOSED).order_by("-closed_at")
                  .values_list("pk", flat=True)[:CLOSED_KEPT]))
    trimmed = Issue.objects.exclude(pk__in=keep)
    for model in (FollowUpCall, Answer, SatisfactionRating):
        model.objects.filter(issue__in=trimmed).delete()
    # The timeline refuses deletes (it is the record); a test's trim bypasses that.
    IssueEvent.objects.filter(issue__in=trimmed)._raw_delete(IssueEvent.objects.db)
    trimmed.delete()
    rebuild_rollups()


@pytest.fixture(scope="module")
def crawled(django_db_setup, django_db_blocker, live_server, browser, browser_context_args,
            tmp_path_factory):
    """The demo seeded, every role's pages crawled and checked by axe; flushed afterwards."""
    require(Axe is not None, "axe-playwright-python is not installed (pip install '.[test]')")
    out_dir = tmp_path_factory.mktemp("crawl")
    with django_db_blocker.unblock():
        started = time.perf_counter()
        seed_small_demo()
        seeded = time.perf_counter() - started
        try:
            result = crawl(
                browser=browser, context_args={**browser_context_args, "viewport": DESKTOP},
                base_url=live_server.url, logins=ROLE_LOGINS, password=DEMO_PASSWORD,
                out_dir=out_dir, axe=Axe(),
            )
        finally:
            call_command("flush", interactive=False, verbosity=0)
    result.timings = {"seed": seeded, **result.timings}
    print("\n" + result.summary())
    return result


def report(title: str, problems) -> str:
    return f"{len(problems)} {title}:\n{grouped(problems)}"


@pytest.fixture(scope="module")
def nu_errors(crawled) -> list[Problem]:
    """One run of the Nu HTML Checker over every page the crawl kept."""
    require(java() is not None, "Java is not installed (apt-get install default-jre-headless)")
    require(VNU_JAR.exists(), f"{VNU_JAR} is missing (npm ci)")
    started = time.perf_counter()
    by_file = {visit.html_file.resolve().as_uri(): visit for visit in crawled.pages}
    messages = run_vnu([visit.html_file for visit in crawled.pages])
    print(f"\nNu HTML Checker: {len(by_file)} pages in {time.perf_counter() - started:.1f} s")
    problems = []
    for message in messages:
        visit = by_file.get(message.get("url", "").replace("file:/", "file:///", 1))
        role, url = (visit.role, visit.url) if visit else ("?", message.get("url", ""))
        problems.append(Problem(
            role, url, "html", message["message"],
            f"{message.get('extract', '')!r} (line {message.get('lastLine')})"))
    return problems


def test_every_role_reaches_pages_in_every_part_of_the_site(crawled):
    patterns = {(visit.role, visit.url.split("/")[3]) for visit in crawled.pages}
    for role in ("coordinator", "county coordinator", "leader", "admin"):
        assert {(role, "issues"), (role, "sessions"), (role, "dashboard")} <= patterns, role
    for role in ("handler", "department lead", "entrepreneur"):
        assert {(role, "issues"), (role, "sessions")} <= patterns, role
    assert ("anonymous", "figures") in patterns
    assert len(crawled.pages) >= 100


def test_no_link_leads_nowhere(crawled):
    assert not crawled.dead_links, report("links lead nowhere", crawled.dead_links)


def test_axe_finds_no_wcag_violation_in_the_pages(crawled):
    problems = crawled.axe_violations
    assert not problems, report("axe-core violations", problems)


def test_the_nu_html_checker_finds_no_error_in_the_pages(nu_errors):
    problems = nu_errors
    assert not problems, report("HTML errors", problems)
