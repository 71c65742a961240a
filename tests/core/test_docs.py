"""The README is the front door: short, and every relative link in it (and in docs/) leads
to a file or folder of the repository."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
#: A Markdown inline link or image: [text](target) or [text](target "title").
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
MAX_README_LINES = 150


def relative_links(path: Path) -> list[str]:
    """The link targets of a Markdown file that point into the repository, without their
    #fragment; links to web addresses and to places on the same page are left out."""
    text = path.read_text(encoding="utf-8")
    targets = []
    for target in LINK.findall(text):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE) or target.startswith("#"):
            continue
        targets.append(target.split("#", 1)[0])
    return targets


def test_the_readme_has_at_most_150_lines():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= MAX_README_LINES, f"README.md has {len(lines)} lines"


def test_the_readme_links_to_the_docs():
    assert "docs/architecture.md" in relative_links(README)


@pytest.mark.parametrize(
    "page", [README, *sorted((ROOT / "docs").glob("*.md"))], ids=lambda page: page.name
)
def test_every_relative_link_resolves_to_a_file_in_the_repository(page):
    missing = [target for target in relative_links(page)
               if not (page.parent / target).resolve().exists()]
    assert not missing, f"{page.relative_to(ROOT)} links to missing files: {missing}"


def test_links_are_found_and_web_addresses_skipped(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("[a](docs/a.md#part) ![b](b.png) [c](https://example.com) [d](#top)\n",
                    encoding="utf-8")
    assert relative_links(page) == ["docs/a.md", "b.png"]
