"""What the session screens' tests share: the 2026 dates and URLs, making sessions and
people, and reading a page as a person does (rows, badges, messages, form controls)."""

import html
import re
from datetime import date, datetime, timedelta
from html.parser import HTMLParser

from django.urls import reverse
from django.utils.html import strip_tags

from entrepreneurs.models import Entrepreneur
from government.models import Official
from notifications.models import Notification
from sessions.models import Attendance, Edition, TalkSession
from sessions.services import edition_for_day
from tests.factories import EntrepreneurFactory
from tests.helpers import SHANGHAI, at
from tests.worlds import talk_session

A = Attendance.Status
T = TalkSession.Status
R = Official.Role
MONDAY, WEDNESDAY = date(2026, 3, 2), date(2026, 3, 4)
LIST_URL = reverse("sessions:list")
NEW_URL = reverse("sessions:create")
SERIES_NEW_URL = reverse("sessions:series_create")
FEED_PAGE_URL = reverse("sessions:calendar_feed")

#: Queries of one page of the session list, whatever the number of sessions (measured).
LIST_QUERIES = {"city_coordinator": 13, "person": 11}
#: Queries of a session's page for its coordinator, whatever the number of people.
DETAIL_QUERIES = 15  # with the attending departments (one query)


START = at(WEDNESDAY, 14, 30)


def make_session(region, starts_at=START, **fields) -> TalkSession:
    return talk_session(region, starts_at, **fields)


def many_sessions(count: int, *, regions, first: datetime = START, offset: int = 0,
                  host=None) -> list[TalkSession]:
    """``count`` open sessions, five a week from ``first``, in turn in each of ``regions``,
    every other one with ``host``: written in bulk, as a year of data would be."""
    sessions = []
    for i in range(offset, offset + count):
        starts_at = first + timedelta(weeks=i // 5, minutes=10 * (i % 5))
        sessions.append(TalkSession(
            edition=edition_for_day(day=starts_at.astimezone(SHANGHAI).date(), theme="恳谈"),
            region=regions[i % len(regions)], theme=f"批量恳谈 {i}", venue=f"会场 {i}",
            starts_at=starts_at, ends_at=starts_at + timedelta(hours=2), capacity=10,
            status=T.OPEN, host=host if i % 2 else None,
        ))
    return TalkSession.objects.bulk_create(sessions)


def people(count: int, region) -> list[Entrepreneur]:
    return EntrepreneurFactory.create_batch(count, enterprise__region=region)


def text(response) -> str:
    """The page as the person reads it (entities such as &#x27; turned back)."""
    return html.unescape(response.content.decode())


def words(response) -> str:
    """The page's words without the markup, spaces collapsed."""
    return " ".join(html.unescape(strip_tags(response.content.decode())).split())


def row_ids(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-testid="session-row" data-session="(\d+)"',
                                         response.content.decode())]


def place_badges(response) -> dict[int, str]:
    """The list's "your place" badge of each row that has one, by session."""
    page = response.content.decode()
    badges = {}
    for chunk in page.split('data-testid="session-row" data-session="')[1:]:
        pk, rest = chunk.split('"', 1)
        found = re.search(r'data-testid="place-status" data-status="(\w+)"', rest)
        if found:
            badges[int(pk)] = found.group(1)
    return badges


def my_place(response) -> str | None:
    """The status shown in the "Your place" box of a session's page."""
    page = response.content.decode()
    box = page.split('data-testid="my-place"', 1)[1]
    found = re.search(r'data-testid="place-status" data-status="(\w+)"', box.split("</section>")[0])
    return found.group(1) if found else None


def alerts(response, level: str) -> list[str]:
    """The texts of the page's messages of one Bootstrap level (success, warning, danger…)."""
    found = re.findall(rf'<div class="alert alert-{level} alert-dismissible[^>]*>(.*?)<button',
                       response.content.decode(), re.S)
    return [html.unescape(" ".join(item.split())) for item in found]


def count_of(response, testid: str) -> str:
    found = re.search(rf'data-testid="{testid}"[^>]*>([^<]*)<', response.content.decode())
    return found.group(1).strip()


class FormControls(HTMLParser):
    """The checked boxes and radios, the selected options and the invalid fields of a page."""

    def __init__(self, page: str):
        super().__init__()
        self.checked: list[tuple[str, str]] = []
        self.selected: list[tuple[str, str]] = []
        self.invalid: list[str] = []
        self._select = None
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "is-invalid" in (attributes.get("class") or "").split():
            self.invalid.append(attributes.get("name"))
        if tag == "input" and "checked" in attributes:
            self.checked.append((attributes.get("name"), attributes.get("value")))
        elif tag == "select":
            self._select = attributes.get("name")
        elif tag == "option" and "selected" in attributes:
            self.selected.append((self._select, attributes.get("value")))


def controls(response) -> FormControls:
    return FormControls(response.content.decode())


def place(session, someone) -> Attendance:
    return Attendance.objects.get(session=session, entrepreneur=someone)


def snapshot():
    return (list(TalkSession.objects.order_by("pk").values()),
            list(Edition.objects.order_by("pk").values()),
            list(Attendance.objects.order_by("pk").values()),
            Notification.objects.count())


def assert_rfc5545_lines(raw: bytes) -> None:
    """Every content line ends with CRLF and is at most 75 octets long (RFC 5545 §3.1)."""
    assert raw.endswith(b"\r\n")
    assert raw.count(b"\n") == raw.count(b"\r\n")
    lines = raw.split(b"\r\n")[:-1]
    too_long = [line for line in lines if len(line) > 75]
    assert not too_long, too_long[:3]
    for line in lines:
        line.decode("utf-8")  # a fold never splits a character
