"""The Simplified Chinese and English catalogues are complete, compiled and current."""

import ast
import gettext
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.services import require

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("zh_Hans", "en")
#: Every Python package of the project (a new app is picked up by itself) and the templates.
SOURCE_FOLDERS = tuple(
    sorted(
        path.parent.name
        for path in ROOT.glob("*/__init__.py")
        if path.parent.name not in ("tests",)
    )
) + ("templates",)


def read_po(path: Path) -> list[dict]:
    """Entries of a .po file: msgid, msgid_plural, msgstr (or msgstr[n]) and flags."""
    entries, entry, key = [], None, None
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            if entry and "msgid" in entry:
                entries.append(entry)
            entry, key = None, None
            continue
        entry = entry if entry is not None else {"flags": set()}
        if line.startswith("#,"):
            entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[key] += ast.literal_eval(line)
        else:
            key, _, value = line.partition(" ")
            entry[key] = ast.literal_eval(value)
    return [e for e in entries if e["msgid"]]  # the header has an empty msgid


def untranslated(entries: list[dict]) -> list[str]:
    return [e["msgid"] for e in entries
            if "fuzzy" in e["flags"]
            or any(not value for key, value in e.items() if key.startswith("msgstr"))]


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_has_no_untranslated_or_fuzzy_entry(language):
    entries = read_po(ROOT / "locale" / language / "LC_MESSAGES" / "django.po")
    assert len(entries) > 300
    assert untranslated(entries) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogue_matches_its_source(language):
    folder = ROOT / "locale" / language / "LC_MESSAGES"
    with open(folder / "django.mo", "rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for entry in read_po(folder / "django.po"):
        context = entry.get("msgctxt")  # an entry with a context is looked up with it
        if "msgid_plural" in entry:
            found = (compiled.npgettext(context, entry["msgid"], entry["msgid_plural"], 1)
                     if context is not None
                     else compiled.ngettext(entry["msgid"], entry["msgid_plural"], 1))
            assert found == entry["msgstr[0]"], entry["msgid"]
        else:
            found = (compiled.pgettext(context, entry["msgid"]) if context is not None
                     else compiled.gettext(entry["msgid"]))
            assert found == entry["msgstr"], entry["msgid"]


def test_chinese_is_what_a_first_visit_sees(client, db):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="")
    page = response.content.decode()
    assert 'lang="zh-hans"' in page
    assert "亲清直通车·政企恳谈会" in page
    english = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Qinqing Express" in english


def test_makemessages_finds_no_string_missing_from_the_catalogues(tmp_path):
    require(shutil.which("xgettext") is not None,
            "GNU gettext is not installed (apt-get install gettext)")
    for name in SOURCE_FOLDERS + ("locale",):
        shutil.copytree(ROOT / name, tmp_path / name,
                        ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    shutil.copy(ROOT / "manage.py", tmp_path / "manage.py")
    env = {**os.environ, "DEBUG": "true", "DATABASE_URL": f"sqlite:///{tmp_path / 'db'}"}
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "--no-location",
         *[arg for language in LANGUAGES for arg in ("-l", language)]],
        cwd=tmp_path, env=env, check=True, capture_output=True, timeout=120,
    )
    for language in LANGUAGES:
        entries = read_po(tmp_path / "locale" / language / "LC_MESSAGES" / "django.po")
        assert untranslated(entries) == [], f"{language}: run `make messages` and translate"
