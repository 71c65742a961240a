"""Reading a dashboard page's HTML as a validator and a screen reader would: its ids, its
tables' header and data cells, its canvases and inputs (the standard library's parser)."""

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Cell:
    tag: str
    attrs: dict
    text: str = ""


@dataclass
class Table:
    attrs: dict
    caption: str = ""
    caption_attrs: dict = field(default_factory=dict)
    head: list[list[Cell]] = field(default_factory=list)
    body: list[list[Cell]] = field(default_factory=list)


class PageParts(HTMLParser):
    """Every id, element with attributes of interest, and table of a page."""

    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []
        self.elements: list[tuple[str, dict]] = []
        self.tables: list[Table] = []
        self._tables: list[Table] = []
        self._section = "body"
        self._cell: Cell | None = None
        self._in_caption = False
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.append(attrs["id"])
        self.elements.append((tag, attrs))
        if tag == "table":
            self._tables.append(Table(attrs=attrs))
        elif not self._tables:
            return
        table = self._tables[-1]
        if tag == "caption":
            self._in_caption, table.caption_attrs = True, attrs
        elif tag in ("thead", "tbody"):
            self._section = tag
        elif tag == "tr":
            (table.head if self._section == "thead" else table.body).append([])
        elif tag in ("th", "td"):
            self._cell = Cell(tag=tag, attrs=attrs)
            (table.head if self._section == "thead" else table.body)[-1].append(self._cell)

    def handle_endtag(self, tag):
        if tag == "table" and self._tables:
            self.tables.append(self._tables.pop())
        elif tag == "caption":
            self._in_caption = False
        elif tag in ("th", "td"):
            self._cell = None

    def handle_data(self, data):
        if self._in_caption and self._tables:
            self._tables[-1].caption += data
        elif self._cell is not None:
            self._cell.text += data

    def table(self, testid: str) -> Table:
        found = [table for table in self.tables if table.attrs.get("data-testid") == testid]
        assert found, f"no table {testid} on the page"
        return found[0]

    def duplicate_ids(self) -> list[str]:
        return sorted({name for name in self.ids if self.ids.count(name) > 1})
