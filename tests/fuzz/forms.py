"""The forms of a page, read from its HTML with ``html.parser``: every field a person could
fill in, with the value the page offers, so the walk can send one bad value at a time and
leave the others as a person would."""

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit

from django.utils import timezone

#: Inputs that are not fields a person types into.
NOT_FIELDS = {"submit", "button", "reset", "image"}


@dataclass
class Form:
    method: str
    action: str  # path and query, as the page gives it (or the page's own)
    multipart: bool = False
    #: name -> the values the page would send (several for checkboxes and multiple selects)
    fields: dict = field(default_factory=dict)
    #: name -> the input's type ("text", "date", "select", "textarea", "checkbox", ...)
    types: dict = field(default_factory=dict)

    @property
    def key(self) -> tuple:
        """What makes two forms the same form, wherever they are found."""
        return (self.method, urlsplit(self.action).path, tuple(sorted(self.fields)))

    def names(self) -> list[str]:
        return [name for name in self.fields if name != "csrfmiddlewaretoken"]

    def good_pairs(self, *, without: str = "") -> list[tuple[str, object]]:
        """The fields as a person would send them: what the page offers, or a plausible
        value where it offers nothing."""
        pairs = []
        for name, values in self.fields.items():
            if name == without or name == "csrfmiddlewaretoken":
                continue
            for value in values or [plausible(self.types.get(name, "text"))]:
                pairs.append((name, value))
        return pairs


def plausible(kind: str) -> str:
    today = timezone.localdate()
    return {"date": today.isoformat(), "month": today.strftime("%Y-%m"),
            "datetime-local": f"{today.isoformat()}T10:00", "time": "10:00", "number": "1",
            "email": "someone@example.com", "tel": "13800000000", "url": "https://example.com/",
            "checkbox": "on", "file": "", "password": "correct horse battery staple",
            }.get(kind, "合理的内容")


class _FormParser(HTMLParser):
    def __init__(self, page_path: str):
        super().__init__(convert_charrefs=True)
        self.page_path = page_path
        self.forms: list[Form] = []
        self.form: Form | None = None
        self.select: str | None = None
        self.select_first: str | None = None
        self.select_chosen = False
        self.textarea: str | None = None
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.form = Form(method=(attrs.get("method") or "get").lower(),
                             action=attrs.get("action") or self.page_path,
                             multipart="multipart" in attrs.get("enctype", ""))
            self.forms.append(self.form)
            return
        if self.form is None or not attrs.get("name") and tag != "option":
            return
        name = attrs.get("name", "")
        if tag == "input":
            kind = attrs.get("type", "text").lower()
            if kind in NOT_FIELDS:
                return
            values = self.form.fields.setdefault(name, [])
            self.form.types[name] = kind
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    values.append(attrs.get("value", "on"))
            elif attrs.get("value"):
                values.append(attrs["value"])
        elif tag == "textarea":
            self.textarea, self.text = name, []
            self.form.types[name] = "textarea"
        elif tag == "select":
            self.select, self.select_first, self.select_chosen = name, None, False
            self.form.fields.setdefault(name, [])
            self.form.types[name] = "select"
        elif tag == "option" and self.select:
            value = attrs.get("value", "")
            if self.select_first is None and value:
                self.select_first = value
            if "selected" in attrs:
                self.form.fields[self.select].append(value)
                self.select_chosen = True

    def handle_data(self, data):
        if self.textarea is not None:
            self.text.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "textarea" and self.form is not None and self.textarea is not None:
            text = "".join(self.text).strip()
            self.form.fields[self.textarea] = [text] if text else []
            self.textarea = None
        elif tag == "select" and self.form is not None and self.select is not None:
            if not self.select_chosen and self.select_first:
                self.form.fields[self.select].append(self.select_first)
            self.select = None


def forms_of(html: str, page_path: str) -> list[Form]:
    parser = _FormParser(page_path)
    parser.feed(html)
    return [form for form in parser.forms if form.method in ("get", "post")]


def encoded(pairs) -> str:
    """``pairs`` as a form body or query string; ``bytes`` values go as they are
    (percent-encoded raw bytes: how a browser would send what a ``str`` cannot hold)."""
    return urlencode(pairs)
