"""The catalogues speak the glossary's words (docs/glossary.md): each English term of its table
is said with its Chinese term, Chinese says 您 (never 你), the lead department is 主办 (never
牵头), and the figure of answered issues is 答复率 (never 办结率)."""

import re

import pytest

from tests.test_translations import ROOT, read_po

GLOSSARY = ROOT / "docs" / "glossary.md"
#: Rows whose "where it appears" starts so are words the product does not show yet.
NOT_SHOWN = ("not on screen", "later")


def glossary_rows() -> list[tuple[str, str, str]]:
    """(Chinese, English, where) of each row of the glossary's first table."""
    rows, in_table = [], False
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        if line.startswith("| 中文 | English | meaning"):
            in_table = True
            continue
        if in_table and not line.startswith("|"):
            break
        if in_table and not line.startswith("| ---"):
            cells = [cell.strip() for cell in line.strip("|").split(" | ")]
            rows.append((cells[0], cells[1], cells[3]))
    return rows


def catalogue(language: str) -> dict:
    """msgid (with its context) → the text shown (the singular form of a plural entry)."""
    entries = read_po(ROOT / "locale" / language / "LC_MESSAGES" / "django.po")
    return {(e.get("msgctxt"), e["msgid"]): e.get("msgstr", e.get("msgstr[0]")) for e in entries}


def plain(english: str) -> str:
    """The English text as a term: no "(%)", no gloss in brackets holding Chinese, lower case."""
    english = re.sub(r"\s*\((%|[^)]*[\u4e00-\u9fff][^)]*)\)", "", english)
    return english.strip().lower()


def test_the_glossary_is_one_table_of_the_programmes_words():
    chinese = {row[0] for row in glossary_rows()}
    assert {"交办", "受理", "主办", "协办", "答复", "催办", "督办", "办结", "回访", "恳谈会",
            "企业家", "响应率", "答复率", "按期答复率", "满意率", "专班", "共性问题"} <= chinese
    assert "牵头" not in chinese and "办结率" not in chinese


@pytest.mark.parametrize("row", [row for row in glossary_rows()
                                 if not row[2].startswith(NOT_SHOWN)], ids=lambda row: row[1])
def test_each_english_term_is_said_with_its_chinese_term(row):
    chinese, english, _ = row
    zh, en = catalogue("zh_Hans"), catalogue("en")
    said = {key: zh[key] for key, text in en.items() if plain(text or key[1]) == english.lower()}
    assert said, f"no catalogue entry says “{english}”: fix the glossary or the catalogue"
    assert {key[1]: text for key, text in said.items() if chinese not in text} == {}


def test_chinese_says_nin_and_the_programmes_words():
    wrong = {msgid: text for (_, msgid), text in catalogue("zh_Hans").items()
             if "你" in text or "牵头" in text or "办结率" in text or "解决率" in text}
    assert wrong == {}
