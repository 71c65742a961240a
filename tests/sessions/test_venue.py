"""The venue (issue 14, item 7): the printed sign-in sheet, the venue's screen without the
staff's navigation, check-in buttons that say when check-in opens, a confirmation before
closing a session or undoing a check-in, and the attending departments for everyone."""

import html
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sessions.models import Attendance
from sessions.services import check_in_code_make
from tests.factories import (
    AttendanceFactory,
    DepartmentFactory,
    EnterpriseFactory,
    EntrepreneurFactory,
)
from tests.helpers import at
from tests.helpers import signed_in as login
from tests.sessions.screens import (
    WEDNESDAY,
    A,
    T,
    make_session,
    people,
    place,
    snapshot,
    text,
    words,
)
from tests.worlds import session_screens_world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

#: Queries of the sign-in sheet, whatever the number of people (measured).
SHEET_QUERIES = 10


@pytest.fixture
def world(settings):
    """``tests.worlds.session_screens_world``: Wuxing and Anji, the clock standing still on
    Monday 2 March 2026, 09:00; sessions start on Wednesday 4 March at 14:30."""
    yield from session_screens_world(settings)


class Elements(HTMLParser):
    """The attributes of each element of the page, by its ``data-testid``."""

    def __init__(self, page: str):
        super().__init__()
        self.by_testid: dict[str, list[dict]] = {}
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "data-testid" in attributes:
            self.by_testid.setdefault(attributes["data-testid"], []).append(
                {"tag": tag, **attributes})


def came(session, person, **fields) -> Attendance:
    """``person`` checked in at ``session`` (ticked off the list)."""
    return AttendanceFactory(session=session, entrepreneur=person, status=A.ATTENDED,
                             checked_in_at=timezone.now(),
                             check_in_method=Attendance.CheckIn.LIST, **fields)


def elements(response, testid: str) -> list[dict]:
    return Elements(response.content.decode()).by_testid.get(testid, [])


def hidden_fields(response) -> dict[str, str]:
    """The hidden fields of the confirmation's form."""
    form = response.content.decode().split('data-testid="confirm-form"', 1)[1].split("</form>")[0]
    found = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form)
    return {name: html.unescape(value) for name, value in found if name != "csrfmiddlewaretoken"}


def sheet_rows(response) -> list[list[str]]:
    """The sign-in sheet's rows with a person: the text of each cell."""
    page = response.content.decode()
    rows = re.findall(r'<tr data-testid="sheet-row">(.*?)</tr>', page, re.S)
    return [[" ".join(re.sub(r"<[^>]+>", "", cell).split())
             for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)] for row in rows]


# --- The sign-in sheet ------------------------------------------------------------------------


def test_the_sign_in_sheet_lists_everyone_expected_with_masked_mobiles(client, world):
    other_department = DepartmentFactory(region=world.city, name="市经信局",
                                         name_en="Economy Bureau")
    session = make_session(world.county, host=world.host, venue="吴兴区行政中心 301",
                           theme="数字经济专场", departments=[world.attending, other_department])
    enterprise = world.person.enterprise
    AttendanceFactory(session=session, entrepreneur=world.person)  # 张甲, registered
    AttendanceFactory(session=session, entrepreneur=world.neighbour, status=A.WAITLISTED)
    came(session, EntrepreneurFactory(
        name="孙丁", mobile="13912345678",
        enterprise=EnterpriseFactory(region=world.county, name="丁公司")))
    invited = EntrepreneurFactory(name="钱戊", enterprise__region=world.county)
    AttendanceFactory(session=session, entrepreneur=invited, status=A.INVITED)
    gone = EntrepreneurFactory(name="周己", enterprise__region=world.county)
    AttendanceFactory(session=session, entrepreneur=gone, status=A.CANCELLED)

    login(client, world.users["coordinator"])
    response = client.get(reverse("sessions:sign_in_sheet", args=[session.pk]))
    assert response.status_code == 200
    rows = sheet_rows(response)
    # Ordered by name (as the database's collation orders them); no row for the cancelled.
    names = list(session.attendances.exclude(status=A.CANCELLED).order_by(
        "entrepreneur__name", "id").values_list("entrepreneur__name", flat=True))
    assert sorted(names) == sorted(["张甲", "李乙", "孙丁", "钱戊"])
    assert [row[1] for row in rows] == names
    assert [row[0] for row in rows] == ["1", "2", "3", "4"]
    by_name = {row[1]: row for row in rows}
    assert by_name["张甲"][2:] == [enterprise.name, "138****1111", ""]  # an empty signature
    assert by_name["孙丁"][2:] == ["丁公司", "139****5678", ""]
    page = response.content.decode()
    assert "13800001111" not in page and "13912345678" not in page
    assert "周己" not in page
    # Ten numbered blank rows follow, for walk-ins.
    blanks = re.findall(r'<tr data-testid="sheet-blank-row">\s*<td class="col-no">(\d+)</td>',
                        page)
    assert blanks == [str(n) for n in range(5, 15)]
    assert "4 people expected; the blank rows are for walk-ins." in words(response)

    # The title block: the programme, the sheet, the session and who runs it.
    facts = words(response)
    for shown in ("Qinqing Express · Government–Enterprise Talks", "Sign-in sheet",
                  "数字经济专场", "吴兴区行政中心 301", "Wuxing", "14:30–16:30",
                  str(session.edition), world.host.name, "Tax Bureau", "Economy Bureau"):
        assert shown in facts, shown
    # Nothing of the site's navigation, on screen or on paper.
    assert 'aria-label="Main navigation"' not in page
    assert "Log out" not in page


def test_the_sign_in_sheet_prints_on_a4_with_the_header_on_every_page(client, world):
    session = make_session(world.county)
    login(client, world.users["coordinator"])
    page = client.get(reverse("sessions:sign_in_sheet", args=[session.pk])).content.decode()
    assert "/static/css/sessions.css" in page
    assert "<style" not in page and "<script>" not in page  # CSP: files only
    css = (Path(django_settings.BASE_DIR) / "static" / "css" / "sessions.css").read_text()
    printed = css.split("@media print", 1)[1]
    assert re.search(r"@page\s*{[^}]*size:\s*A4", printed)
    assert re.search(r"\.sheet-table thead\s*{\s*display:\s*table-header-group", printed)
    assert re.search(r"break-inside:\s*avoid", printed)
    assert re.search(r"\.sheet-toolbar\s*{\s*display:\s*none", printed)
    # The page tells how to print; the Print button appears only where script runs.
    assert "Print this page with your browser's Print command" in text(client.get(
        reverse("sessions:sign_in_sheet", args=[session.pk])))


@pytest.mark.parametrize(("who", "status"), [
    ("coordinator", 200), ("city_coordinator", 200),
    ("person", 403), ("handler", 403),  # they see the session, they do not run it
    ("other_coordinator", 404), ("stranger", 404), ("bystander", 404),
])
def test_the_sign_in_sheet_is_for_the_session_coordinators(client, world, who, status):
    session = make_session(world.county, departments=[world.attending])
    AttendanceFactory(session=session, entrepreneur=world.person)
    login(client, world.users[who])
    response = client.get(reverse("sessions:sign_in_sheet", args=[session.pk]))
    assert response.status_code == status
    if status == 403:
        assert "Only the coordinators of Wuxing run this session." in text(response)
    if status != 200:
        assert "138****1111" not in response.content.decode()


def test_the_sign_in_sheet_is_linked_for_coordinators_only(client, world):
    session = make_session(world.county)
    url = reverse("sessions:sign_in_sheet", args=[session.pk])
    login(client, world.users["coordinator"])
    for page in ("sessions:detail", "sessions:check_in"):
        links = elements(client.get(reverse(page, args=[session.pk])), "sign-in-sheet-link")
        assert [link["href"] for link in links] == [url], page
    person = login(Client(HTTP_ACCEPT_LANGUAGE="en"), world.users["person"])
    assert elements(person.get(reverse("sessions:detail", args=[session.pk])),
                    "sign-in-sheet-link") == []


def test_the_sign_in_sheet_runs_the_same_queries_for_5_people_as_for_30(
    client, world, django_assert_num_queries
):
    session = make_session(world.county, host=world.host, departments=[world.attending])
    for person in people(5, world.county):
        AttendanceFactory(session=session, entrepreneur=person)
    url = reverse("sessions:sign_in_sheet", args=[session.pk])
    login(client, world.users["coordinator"])
    client.get(url)

    with django_assert_num_queries(SHEET_QUERIES):
        small = client.get(url)
    assert len(sheet_rows(small)) == 5
    for i, person in enumerate(people(25, world.county)):
        if i % 4 == 3:
            came(session, person)
        else:
            AttendanceFactory(session=session, entrepreneur=person,
                              status=[A.REGISTERED, A.WAITLISTED, A.INVITED][i % 4])
    with django_assert_num_queries(SHEET_QUERIES):
        large = client.get(url)
    assert len(sheet_rows(large)) == 30


# --- The venue's screen -----------------------------------------------------------------------


def test_the_venue_screen_shows_the_code_without_the_staff_navigation(client, world):
    session = make_session(world.county, theme="数字经济专场")
    came(session, world.person)
    login(client, world.users["coordinator"])
    response = client.get(reverse("sessions:code", args=[session.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'aria-label="Main navigation"' not in page
    for staff in ("Dashboard", "Issues", "Sessions", "Entrepreneurs", "Inbox", "Log out"):
        assert staff not in words(response), staff
    assert elements(response, "venue-screen")
    code = elements(response, "check-in-code")
    assert f"{reverse('sessions:scan', args=[session.pk])}?c=" in code[0]["data-link"]
    assert "<svg" in page
    assert "数字经济专场" in words(response)
    assert "Scan with your phone to check in" in words(response)
    assert "1 person checked in" in words(response)
    # The code is renewed in place every minute by the sessions script, not by a timed
    # reload of the whole page (axe's meta-refresh, WCAG 2.2.1).
    assert code[0]["data-renew-seconds"] == "60"
    assert "http-equiv" not in page
    assert "js/sessions.js" in page
    # The way back for the coordinator, and the way there from the check-in list.
    assert reverse("sessions:check_in", args=[session.pk]) in page
    door = client.get(reverse("sessions:check_in", args=[session.pk])).content.decode()
    assert f'href="{reverse("sessions:code", args=[session.pk])}"' in door


# --- Check-in opens at … ----------------------------------------------------------------------


def test_check_in_buttons_say_when_check_in_opens_and_wait_for_it(client, world):
    session = make_session(world.county)  # Wednesday 14:30; check-in opens two hours before
    row = AttendanceFactory(session=session, entrepreneur=world.person)
    walker = EntrepreneurFactory(name="孙丁", enterprise__region=world.county)
    door = reverse("sessions:check_in", args=[session.pk])
    login(client, world.users["coordinator"])

    # On Monday the day is named too.
    response = client.get(door, {"q": "孙丁"})
    assert "Check-in opens on 4 Mar 2026 at 12:30." in words(response)
    for testid in ("tick", "add-walk-in"):
        (button,) = elements(response, testid)
        assert "disabled" in button and button["aria-describedby"] == "check-in-opens", testid

    world.clock.move_to(at(WEDNESDAY, 12, 29))
    response = client.get(door, {"q": "孙丁"})
    assert elements(response, "check-in-opens")[0]["role"] == "status"
    assert "Check-in opens at 12:30." in words(response)
    assert "disabled" in elements(response, "tick")[0]
    assert "disabled" in elements(response, "add-walk-in")[0]
    # The service refuses as the page says.
    early = client.post(reverse("sessions:check_in_tick", args=[session.pk, row.pk]))
    assert early.status_code == 409
    assert place(session, world.person).status == A.REGISTERED

    world.clock.move_to(at(WEDNESDAY, 12, 30))
    response = client.get(door, {"q": "孙丁"})
    assert "Check-in opens" not in words(response)
    assert elements(response, "check-in-opens") == []
    assert "disabled" not in elements(response, "tick")[0]
    assert "disabled" not in elements(response, "add-walk-in")[0]
    assert client.post(reverse("sessions:check_in_tick", args=[session.pk, row.pk])
                       ).status_code == 302
    assert place(session, world.person).status == A.ATTENDED
    added = client.post(reverse("sessions:check_in_walk_in", args=[session.pk]),
                        {"entrepreneur": walker.pk})
    assert added.status_code == 302
    assert place(session, walker).status == A.ATTENDED


def test_the_scan_page_says_when_check_in_opens(client, world):
    session = make_session(world.county)
    AttendanceFactory(session=session, entrepreneur=world.person)
    scan = reverse("sessions:scan", args=[session.pk])
    login(client, world.users["person"])

    world.clock.move_to(at(WEDNESDAY, 12))
    response = client.get(scan, {"c": check_in_code_make(session=session)})
    assert "Check-in opens at 12:30." in words(response)
    (button,) = elements(response, "confirm-check-in")
    assert "disabled" in button

    world.clock.move_to(at(WEDNESDAY, 12, 30))
    response = client.get(scan, {"c": check_in_code_make(session=session)})
    assert "Check-in opens" not in words(response)
    assert "disabled" not in elements(response, "confirm-check-in")[0]


# --- Confirmations ----------------------------------------------------------------------------


def test_closing_a_session_asks_first_and_only_the_confirmed_post_closes_it(client, world):
    session = make_session(world.county)
    AttendanceFactory(session=session, entrepreneur=world.person)
    minutes_url = reverse("sessions:minutes", args=[session.pk])
    world.clock.move_to(at(WEDNESDAY, 16, 40))
    login(client, world.users["coordinator"])
    minutes = "张甲提出用地问题。\n已转自然资源局。"

    before = snapshot()
    asked = client.post(minutes_url, {"minutes": minutes, "close": "1"})
    assert asked.status_code == 200
    assert snapshot() == before  # nothing written, not even the minutes
    assert words(asked).count("Close this session?") >= 1
    assert ("people registered but not checked in are marked absent" in words(asked))
    (form,) = elements(asked, "confirm-form")
    assert form["action"] == minutes_url
    (confirm,) = elements(asked, "confirm")
    assert (confirm["name"], confirm["value"]) == ("confirm", "1")
    assert elements(asked, "confirm-back")[0]["href"] == reverse("sessions:detail",
                                                                  args=[session.pk])
    assert hidden_fields(asked) == {"minutes": minutes, "close": "1"}  # sent again as typed

    # Saving the minutes alone is not asked about.
    saved = client.post(minutes_url, {"minutes": "会前准备"})
    assert saved.status_code == 302
    session.refresh_from_db()
    assert (session.status, session.minutes) == (T.OPEN, "会前准备")

    # The confirmation's form, sent as the browser sends it: closed.
    closed = client.post(minutes_url, {"minutes": minutes, "close": "1", "confirm": "1"},
                         follow=True)
    assert "The session is closed and its counts are fixed." in words(closed)
    session.refresh_from_db()
    assert (session.status, session.minutes) == (T.HELD, minutes)
    assert place(session, world.person).status == A.ABSENT


def test_a_closing_that_would_be_refused_is_refused_before_asking(client, world):
    session = make_session(world.county)
    minutes_url = reverse("sessions:minutes", args=[session.pk])
    login(client, world.users["coordinator"])
    too_early = client.post(minutes_url, {"minutes": "会前准备", "close": "1"})
    assert too_early.status_code == 409
    assert "A session can be closed once it has started." in text(too_early)
    world.clock.move_to(at(WEDNESDAY, 16, 40))
    empty = client.post(minutes_url, {"minutes": "  ", "close": "1"})
    assert empty.status_code == 400
    assert "Write the minutes before closing the session." in text(empty)
    assert "Close this session?" not in text(empty)
    session.refresh_from_db()
    assert session.status == T.OPEN


def test_undoing_a_check_in_asks_first_and_only_the_confirmed_post_undoes_it(client, world):
    session = make_session(world.county)
    row = AttendanceFactory(session=session, entrepreneur=world.person)
    world.clock.move_to(at(WEDNESDAY, 14))
    login(client, world.users["coordinator"])
    client.post(reverse("sessions:check_in_tick", args=[session.pk, row.pk]))
    undo = reverse("sessions:check_in_untick", args=[session.pk, row.pk])

    before = snapshot()
    asked = client.post(undo)
    assert asked.status_code == 200
    assert snapshot() == before
    assert place(session, world.person).status == A.ATTENDED
    assert "Undo the check-in of 张甲?" in words(asked)
    assert "张甲 goes back to registered" in words(asked)
    assert elements(asked, "confirm-form")[0]["action"] == undo
    assert elements(asked, "confirm-back")[0]["href"] == (
        f"{reverse('sessions:check_in', args=[session.pk])}#attendance-{row.pk}")
    assert hidden_fields(asked) == {}

    undone = client.post(undo, {"confirm": "1"})
    assert undone.status_code == 302
    attendance = place(session, world.person)
    assert (attendance.status, attendance.checked_in_at) == (A.REGISTERED, None)
    assert attendance.check_in_method == ""

    # Ticking again is never asked about.
    assert client.post(reverse("sessions:check_in_tick", args=[session.pk, row.pk])
                       ).status_code == 302
    assert place(session, world.person).status == A.ATTENDED
    assert Attendance.objects.filter(session=session).count() == 1


# --- The attending departments ----------------------------------------------------------------


def test_the_attending_departments_are_shown_to_everyone_who_sees_the_session(client, world):
    economy = DepartmentFactory(region=world.city, name="市经信局", name_en="Economy Bureau")
    session = make_session(world.county, departments=[world.attending, economy])
    for who in ("person", "neighbour", "handler", "coordinator"):
        viewer = login(Client(HTTP_ACCEPT_LANGUAGE="en"), world.users[who])
        response = viewer.get(reverse("sessions:detail", args=[session.pk]))
        assert response.status_code == 200, who
        block = response.content.decode().split('data-testid="session-departments"', 1)[1]
        block = block.split("</div>", 1)[0]
        assert "Attending departments" in block, who
        assert "Tax Bureau" in block and "Economy Bureau" in block, who
    chinese = login(Client(HTTP_ACCEPT_LANGUAGE="zh-hans"), world.users["person"])
    page = chinese.get(reverse("sessions:detail", args=[session.pk]))
    assert "参会部门" in text(page) and "市经信局" in text(page)

    bare = make_session(world.county, starts_at=at(WEDNESDAY, 9))
    page = login(Client(HTTP_ACCEPT_LANGUAGE="en"), world.users["person"]).get(
        reverse("sessions:detail", args=[bare.pk]))
    assert elements(page, "session-departments") == []
