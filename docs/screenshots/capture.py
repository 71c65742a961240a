"""Redraw the main pages' screenshots in docs/screenshots/ from a running demo.

    make run PORT=8100 &                       # or any server with the demo data
    .venv/bin/python docs/screenshots/capture.py --base http://127.0.0.1:8100

Each page is drawn at 1366×800 (the officials' desk) and 390×844 (a phone), in Chinese and
English, in Debian's Chromium (`CHROMIUM_PATH`, default /usr/bin/chromium): files are named
``<page>-<width>-<language>.png``. The bulletin is also drawn as printed (``@media print``).
Chinese needs a CJK font on the machine (Debian's fonts-noto-cjk). Needs the test extras
(Playwright); nothing in the product imports this file.
"""

import argparse
import os
import re
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
PASSWORD = "huzhou-demo"
VIEWPORTS = {1366: {"width": 1366, "height": 800}, 390: {"width": 390, "height": 844}}
LANGUAGES = {"zh": "zh-hans", "en": "en"}

#: (file stem, login or None for a visitor, path or a callable finding it on the page).
PAGES = [
    ("public-home", None, "/"),
    ("coordinator-home", "coordinator", "/"),
    ("coordinator-issues", "coordinator", "/issues/"),
    ("coordinator-issue", "coordinator", "first-issue"),
    ("coordinator-sessions", "coordinator", "/sessions/"),
    ("leader-dashboard", "leader", "/dashboard/"),
    ("leader-bulletin", "leader", "/dashboard/bulletin/"),
    ("handler-home", "handler", "/"),
    ("entrepreneur-home", "entrepreneur", "/"),
    ("entrepreneur-raise-issue", "entrepreneur", "/issues/new/"),
    ("sign-up", None, "/entrepreneurs/signup/"),
]


def log_in(page, base: str, login: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", login)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit], main form input[type=submit]").last.click()
    page.wait_for_load_state()


def first_issue_path(page, base: str) -> str:
    page.goto(f"{base}/issues/")
    href = page.locator("main a[href^='/issues/'][href$='/']").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))")
    return next(h for h in href if re.fullmatch(r"/issues/[A-Z]+-\d{4}-\d+/", h))


def capture(base: str, out: Path, chromium: str) -> list[Path]:
    written = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        for lang, code in LANGUAGES.items():
            for width, viewport in VIEWPORTS.items():
                contexts = {}
                for stem, login, path in PAGES:
                    if login not in contexts:
                        context = browser.new_context(viewport=viewport, locale="zh-CN",
                                                      timezone_id="Asia/Shanghai")
                        context.add_cookies([{"name": "django_language", "value": code,
                                              "url": base}])
                        page = context.new_page()
                        if login:
                            log_in(page, base, login)
                        contexts[login] = page
                    page = contexts[login]
                    target = first_issue_path(page, base) if path == "first-issue" else path
                    page.emulate_media(media="screen")
                    page.goto(f"{base}{target}")
                    page.wait_for_load_state("networkidle")
                    file = out / f"{stem}-{width}-{lang}.png"
                    page.screenshot(path=str(file))
                    written.append(file)
                    if stem == "leader-bulletin" and width == 1366:
                        page.emulate_media(media="print")
                        file = out / f"{stem}-print-{lang}.png"
                        page.screenshot(path=str(file), full_page=True)
                        written.append(file)
                for page in contexts.values():
                    page.context.close()
        browser.close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--out", type=Path, default=HERE)
    parser.add_argument("--chromium", default=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for file in capture(args.base.rstrip("/"), args.out, args.chromium):
        print(file)


if __name__ == "__main__":
    main()
