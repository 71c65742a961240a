"""The crawl behind tests/browser/test_crawl.py: each demo role follows the links it is
shown, breadth-first from the home page; axe-core checks every page in Chromium and the
server's HTML of every page is kept for one run of the Nu HTML Checker.

Plain functions and records; the fixture that runs them lives in the test module.
"""

import json
import re
import shutil
import subprocess
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

#: The WCAG 2.1 A and AA rules of axe-core (issue 16: "any violation fails").
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

#: Pages kept per URL pattern (digits in a path segment make it a pattern: /issues/<x>/),
#: and per pattern with a query string (the first list filter or page 2 only).
PAGES_PER_PATTERN = 2
PAGES_PER_QUERY_PATTERN = 1

#: Never followed: leaving the session, the language switch (a POST), the files the
#: browser would fetch anyway, and the Django admin beyond its index (its own pages).
SKIPPED_PREFIXES = ("/accounts/logout/", "/i18n/", "/static/", "/media/")

VNU_JAR = Path(__file__).resolve().parents[2] / "node_modules/vnu-jar/build/dist/vnu.jar"

_DIGITS = re.compile(r"\d")


@dataclass
class Visit:
    role: str
    url: str
    status: int
    found_on: str | None
    html_file: Path | None = None
    #: "page" (HTML, checked), "download" (only its status), "probe" (only its answer)
    kind: str = "page"
    redirected_to_login: bool = False
    body: str = field(default="", repr=False)  # the server's HTML, until it is saved


@dataclass
class Problem:
    """One thing to print: who saw it, where, which rule or message, on which element."""

    role: str
    url: str
    rule: str
    message: str
    element: str = ""

    def __str__(self) -> str:
        text = f"[{self.role}] {self.url}\n    {self.rule}: {self.message}"
        if self.element:
            text += f"\n    at {self.element[:300]}"
        return text


def grouped(problems) -> str:
    """One line per rule, message and element, with how many pages and which roles."""
    groups: dict[tuple, list] = {}
    for problem in problems:
        key = (problem.rule, problem.message.splitlines()[0][:160],
               problem.element[:200])
        groups.setdefault(key, []).append(problem)
    lines = []
    for (rule, message, element), items in sorted(groups.items(),
                                                          key=lambda kv: -len(kv[1])):
        roles = ", ".join(sorted({p.role for p in items}))
        lines.append(f"- {rule}: {message}\n    at {element}\n    on {len(items)} "
                     f"page(s) of {roles}, e.g. {items[0].url}")
    return "\n".join(lines)


@dataclass
class CrawlResult:
    visits: list[Visit] = field(default_factory=list)
    dead_links: list[Problem] = field(default_factory=list)
    axe_violations: list[Problem] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def pages(self) -> list[Visit]:
        return [v for v in self.visits if v.kind == "page" and v.html_file is not None]

    def summary(self) -> str:
        per_role = Counter(v.role for v in self.pages)
        downloads = sum(1 for v in self.visits if v.kind == "download")
        probes = sum(1 for v in self.visits if v.kind == "probe")
        timings = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in self.timings.items())
        roles = ", ".join(f"{role} {count}" for role, count in per_role.items())
        return (f"crawl: {len(self.pages)} pages ({roles}), {downloads} downloads, {probes} "
                f"links asked for their answer only; {timings}")


def pattern_of(url: str) -> tuple[str, bool]:
    """The URL's pattern: each path segment with a digit becomes <x>; and whether it has a
    query string."""
    parts = urlsplit(url)
    path = "/".join("<x>" if _DIGITS.search(segment) else segment
                    for segment in parts.path.split("/"))
    return path, bool(parts.query)


def should_follow(path: str, role: str) -> bool:
    if path.startswith(SKIPPED_PREFIXES):
        return False
    if path.startswith("/admin/"):
        return role == "admin" and path == "/admin/"
    return True


def crawl_role(*, context, base_url: str, role: str, out_dir: Path, axe, result: CrawlResult,
               options: dict) -> None:
    """Breadth-first from the home page over the same-origin links ``role`` is shown."""
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.route(lambda url: "/static/" not in url, _stand_in_for_downloads)
    queue = deque([(base_url + "/", None)])
    queued = {base_url + "/"}
    taken = Counter()
    probed = set()
    while queue:
        url, found_on = queue.popleft()
        visit = _visit(page, context, url, role=role, found_on=found_on, base_url=base_url)
        result.visits.append(visit)
        if visit.status >= 400 or visit.redirected_to_login:
            why = (f"answers {visit.status}" if visit.status >= 400
                   else "sends this role to the log-in page")
            result.dead_links.append(Problem(
                role, url, "link leads nowhere", f"{why}; linked from {found_on}"))
            continue
        if visit.kind != "page":
            continue
        violations = axe.run(page, options=options).response["violations"]
        for violation in violations:
            for node in violation["nodes"]:
                result.axe_violations.append(Problem(
                    role, url, violation["id"], _summary(violation, node),
                    f"{', '.join(map(str, node['target']))} {node['html']}"))
        visit.html_file = out_dir / f"{role}-{len(result.visits):04d}.html"
        visit.html_file.write_text(visit.body, encoding="utf-8")
        visit.body = ""
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
            link, _fragment = urldefrag(href)
            if not link.startswith(base_url + "/") or link in queued:
                continue
            path = urlsplit(link).path
            if not should_follow(path, role):
                continue
            pattern, has_query = pattern_of(link)
            cap = PAGES_PER_QUERY_PATTERN if has_query else PAGES_PER_PATTERN
            if taken[(pattern, has_query)] >= cap:
                # Enough pages of that kind were checked; but a kind of page may link to a
                # kind of page its reader may not open (an issue to its session): the first
                # such link from each kind of page is asked for its answer alone.
                pair = (pattern, has_query, pattern_of(url))
                if pair not in probed:
                    probed.add(pair)
                    queued.add(link)
                    _probe(context, link, role=role, found_on=url, result=result)
                continue
            taken[(pattern, has_query)] += 1
            queued.add(link)
            queue.append((link, url))
    page.close()


def _summary(violation: dict, node: dict) -> str:
    """axe's help for the rule and what it measured ("contrast of 2.36 (…)"), on one line."""
    measured = [line.strip() for line in (node.get("failureSummary") or "").splitlines()
                if line.strip() and not line.startswith("Fix ")]
    return " ".join([violation["help"] + ".", *measured])


LOG_IN_PATHS = ("/accounts/login/", "/admin/login/")


def _probe(context, url: str, *, role: str, found_on: str, result: CrawlResult) -> None:
    """Only the answer to ``url`` (redirects followed), not the page."""
    answer = context.request.get(url, timeout=60_000)
    visit = Visit(role, url, answer.status, found_on, kind="probe")
    visit.redirected_to_login = (role != "anonymous" and answer.url != url
                                 and urlsplit(answer.url).path in LOG_IN_PATHS)
    answer.dispose()
    result.visits.append(visit)
    if visit.status >= 400 or visit.redirected_to_login:
        why = (f"answers {visit.status}" if visit.status >= 400
               else "sends this role to the log-in page")
        result.dead_links.append(Problem(
            role, url, "link leads nowhere", f"{why}; linked from {found_on}"))


def _visit(page, context, url: str, *, role: str, found_on: str | None,
           base_url: str) -> Visit:
    response = page.goto(url, wait_until="load")
    content_type = response.headers.get("content-type", "")
    kind = "page" if content_type.startswith("text/html") else "download"
    visit = Visit(role, url, response.status, found_on, kind=kind)
    if response.headers.get(DOWNLOAD_HEADER):
        visit.kind, visit.status = "download", int(response.headers[DOWNLOAD_HEADER])
    visit.redirected_to_login = (
        role != "anonymous" and response.request.redirected_from is not None
        and urlsplit(response.url).path in LOG_IN_PATHS)
    if visit.kind == "page" and response.status < 400:
        visit.body = response.text()
    return visit


#: Set on the stand-in page shown instead of a download: the download's own status.
DOWNLOAD_HEADER = "x-crawl-download-status"


def _stand_in_for_downloads(route, request) -> None:
    """Navigations are fetched here, one redirect at a time; a file the browser would save
    (an attachment, or anything but HTML) is replaced by an empty page carrying its status,
    so the crawl records it without waiting on Chromium's download."""
    if not request.is_navigation_request():
        route.continue_()
        return
    response = route.fetch(max_redirects=0)
    content_type = response.headers.get("content-type", "")
    is_file = ("attachment" in response.headers.get("content-disposition", "")
               or not (content_type.startswith("text/html") or 300 <= response.status < 400))
    if is_file:
        route.fulfill(status=200, content_type="text/html",
                      headers={DOWNLOAD_HEADER: str(response.status)}, body="")
    else:
        route.fulfill(response=response)


def crawl(*, browser, context_args: dict, base_url: str, logins: dict, password: str,
          out_dir: Path, axe) -> CrawlResult:
    """Every role's crawl, one browser context each, in one browser."""
    result = CrawlResult()
    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
    for role, username in logins.items():
        started = time.perf_counter()
        context = browser.new_context(**context_args)
        if username is not None:
            _log_in(context, base_url, username, password)
        crawl_role(context=context, base_url=base_url, role=role, out_dir=out_dir, axe=axe,
                   result=result, options=options)
        context.close()
        result.timings[role] = time.perf_counter() - started
        print(f"crawl: {role} done in {result.timings[role]:.1f} s, "
              f"{len(result.visits)} visits so far", flush=True)
    return result


def _log_in(context, base_url: str, username: str, password: str) -> None:
    page = context.new_page()
    page.goto(base_url + "/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    if urlsplit(page.url).path == "/accounts/login/":
        raise AssertionError(f"the demo login {username!r} could not log in")
    page.close()


# --- The Nu HTML Checker -----------------------------------------------------------------


def java() -> str | None:
    return shutil.which("java")


def run_vnu(files: list[Path]) -> list[dict]:
    """One run of the Nu HTML Checker over ``files``: its error messages."""
    completed = subprocess.run(
        [java(), "-jar", str(VNU_JAR), "--format", "json", "--errors-only",
         "--exit-zero-always", *map(str, files)],
        capture_output=True, text=True, timeout=600, check=True,
    )
    return json.loads(completed.stderr or completed.stdout)["messages"]
