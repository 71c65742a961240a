"""The session screens through the browser's eyes: the list (scope, filters, pages, a fixed
number of queries), a session's page, planning one session or a weekly series, registering
with a waiting list, the phone check-in list and the venue's code, minutes, closing and
rating, invitations, calendars (one session's file and the personal feed, checked against
RFC 5545), an issue recorded from the check-in list, and the Chinese pages.

The clock stands still (time_machine) on Monday 2 March 2026, 09:00 in Huzhou; the session
under test is on Wednesday 4 March, 14:30–16:30, unless the test says otherwise.
"""

import html
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from html.parser import HTMLParser
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils.html import strip_tags
from icalendar import Calendar

from core.workdays import library_is_working_day
from entrepreneurs.models import Enterprise, Entrepreneur
from government.models import Official
from notifications.models import Notification
from sessions.models import Attendance, CalendarFeed, Edition, SessionSeries, TalkSession
from sessions.services import check_in_code_make, edition_for_day
from sessions.tasks import generate_series_task
from tests.factories import (
    AttendanceFactory,
    CityFactory,
    DepartmentFactory,
    EnterpriseFactory,
    EntrepreneurFactory,
    IssueFactory,
    OfficialFactory,
    RegionFactory,
    TalkSessionFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

SHANGHAI = ZoneInfo("Asia/Shanghai")
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
DETAIL_QUERIES = 14


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), SHANGHAI)


START = at(WEDNESDAY, 14, 30)


@dataclass
class World:
    clock: object
    city: object
    county: object
    other_county: object
    attending: object
    host: Official
    person: Entrepreneur
    neighbour: Entrepreneur
    stranger: Entrepreneur
    users: dict


@pytest.fixture
def world(settings):
    """Wuxing (the county) with its coordinator, a host, a department taking part (its
    handler) and two entrepreneurs; Anji (another county) with its coordinator and an
    entrepreneur; the city's coordinator."""
    settings.SESSION_CHECK_IN_OPENS_MINUTES = 120
    settings.SESSION_CHECK_IN_CODE_MINUTES = 15
    with time_machine.travel(at(MONDAY, 9), tick=False) as clock:
        city = CityFactory()
        county = RegionFactory(name="吴兴区", name_en="Wuxing")
        other_county = RegionFactory(name="安吉县", name_en="Anji")
        attending = DepartmentFactory(region=county, name_en="Tax Bureau")

        def official(role, department, **fields):
            return OfficialFactory(role=role, department=department, **fields)

        host = official(R.DEPARTMENT_LEAD, DepartmentFactory(region=county), name="王局长")
        person = EntrepreneurFactory(with_user=True, name="张甲", mobile="13800001111",
                                     enterprise=EnterpriseFactory(region=county, name="甲企业"))
        neighbour = EntrepreneurFactory(with_user=True, name="李乙",
                                        enterprise=EnterpriseFactory(region=county))
        stranger = EntrepreneurFactory(with_user=True, name="赵丙",
                                       enterprise=EnterpriseFactory(region=other_county))
        users = {
            "coordinator": official(R.COORDINATOR, DepartmentFactory(region=county)).user,
            "city_coordinator": official(R.COORDINATOR, DepartmentFactory(region=city)).user,
            "other_coordinator": official(R.COORDINATOR,
                                          DepartmentFactory(region=other_county)).user,
            "handler": official(R.HANDLER, attending).user,
            "bystander": official(R.HANDLER, DepartmentFactory(region=county)).user,
            "person": person.user, "neighbour": neighbour.user, "stranger": stranger.user,
        }
        yield World(clock=clock, city=city, county=county, other_county=other_county,
                    attending=attending, host=host, person=person, neighbour=neighbour,
                    stranger=stranger, users=users)


def make_session(region, starts_at=START, *, hours=2.0, status=T.OPEN, departments=(),
                 **fields) -> TalkSession:
    edition = edition_for_day(day=starts_at.astimezone(SHANGHAI).date(), theme="政企恳谈会")
    session = TalkSessionFactory(edition=edition, region=region, starts_at=starts_at,
                                 ends_at=starts_at + timedelta(hours=hours), status=status,
                                 **fields)
    session.departments.set(departments)
    return session


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


def login(client, user) -> Client:
    client.force_login(user)
    return client


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


# --- The list ------------------------------------------------------------------------------


@pytest.mark.parametrize("viewer", ["city_coordinator", "person"])
def test_the_list_runs_the_same_queries_for_10_sessions_as_for_500(
    client, world, viewer, django_assert_num_queries
):
    regions = [world.city, world.county, world.other_county]
    many_sessions(10, regions=regions, host=world.host)
    registered = TalkSession.objects.filter(region=world.county).order_by("starts_at")[:2]
    for session in registered:
        AttendanceFactory(session=session, entrepreneur=world.person)
        AttendanceFactory(session=session, entrepreneur=world.neighbour)
    login(client, world.users[viewer])
    client.get(LIST_URL)  # the first request of a run fills the process's caches

    with django_assert_num_queries(LIST_QUERIES[viewer]):
        small = client.get(LIST_URL)
    assert small.status_code == 200
    shown_small = row_ids(small)
    assert len(shown_small) == (10 if viewer == "city_coordinator" else 7)

    many_sessions(490, regions=regions, host=world.host, offset=10)
    with django_assert_num_queries(LIST_QUERIES[viewer]):
        large = client.get(LIST_URL)
    assert large.status_code == 200
    assert len(row_ids(large)) == 25
    assert row_ids(large)[:len(shown_small)] == shown_small  # the soonest still come first
    assert "Page 1 of" in text(large)
    if viewer == "person":
        mine = {session.pk: "registered" for session in registered}
        assert place_badges(small) == mine
        assert place_badges(large) == mine
        assert "2 of 10 places taken" in text(large)
    else:
        assert place_badges(large) == {}


def test_the_list_pages_by_25_and_filters_by_time_region_and_status(client, world):
    past_city = make_session(world.city, at(date(2026, 2, 18), 14, 30), status=T.HELD,
                             theme="二月城区恳谈")
    past_county = make_session(world.county, at(date(2026, 2, 25), 14, 30), status=T.HELD,
                               theme="二月吴兴恳谈")
    open_county = make_session(world.county, theme="三月吴兴恳谈")
    planned_city = make_session(world.city, at(date(2026, 3, 11), 14, 30), status=T.PLANNED)
    cancelled = make_session(world.other_county, at(date(2026, 3, 18), 14, 30),
                             status=T.CANCELLED, cancel_reason="场地维修")
    login(client, world.users["city_coordinator"])

    def shown(**query):
        response = client.get(LIST_URL, query)
        assert response.status_code == 200
        return row_ids(response)

    assert shown() == [open_county.pk, planned_city.pk, cancelled.pk]
    assert shown(when="upcoming") == shown()
    assert shown(when="past") == [past_county.pk, past_city.pk]  # the latest first
    assert shown(when="all") == [cancelled.pk, planned_city.pk, open_county.pk,
                                 past_county.pk, past_city.pk]
    assert shown(when="all", region=world.county.pk) == [open_county.pk, past_county.pk]
    assert shown(when="all", status=T.HELD) == [past_county.pk, past_city.pk]
    assert shown(status=T.CANCELLED) == [cancelled.pk]
    assert shown(when="past", region=world.other_county.pk) == []
    assert shown(when="nonsense", region="x") == shown()  # a bad filter shows the default
    assert "No sessions match." in text(client.get(LIST_URL, {"status": T.HELD}))

    batch = many_sessions(30, regions=[world.county], first=at(date(2026, 4, 1), 9))
    first = client.get(LIST_URL, {"region": world.county.pk})
    second = client.get(LIST_URL, {"region": world.county.pk, "page": 2})
    expected = [open_county.pk, *(session.pk for session in batch)]
    assert row_ids(first) == expected[:25]
    assert row_ids(second) == expected[25:]
    assert "Page 1 of 2" in text(first) and "Page 2 of 2" in text(second)
    # The next page's link keeps the filter.
    assert f"?region={world.county.pk}&amp;page=2" in first.content.decode()


def test_a_county_coordinator_sees_only_the_countys_sessions(client, world):
    mine = make_session(world.county)
    make_session(world.city, venue="市会议中心")
    theirs = make_session(world.other_county, venue="安吉会堂")
    login(client, world.users["coordinator"])
    assert row_ids(client.get(LIST_URL, {"when": "all"})) == [mine.pk]
    assert client.get(reverse("sessions:detail", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("sessions:detail", args=[mine.pk])).status_code == 200


def test_a_handler_sees_only_the_sessions_their_department_attends(client, world):
    attended = make_session(world.county, departments=[world.attending])
    make_session(world.county, at(date(2026, 3, 11), 14, 30))
    make_session(world.city, venue="市会议中心", departments=[DepartmentFactory(region=world.city)])
    login(client, world.users["handler"])
    assert row_ids(client.get(LIST_URL, {"when": "all"})) == [attended.pk]
    login(client, world.users["bystander"])
    assert row_ids(client.get(LIST_URL, {"when": "all"})) == []


def test_a_hosts_list_counts_each_place_once_whatever_the_departments(client, world):
    hosted = make_session(world.county, host=world.host, departments=[
        world.attending, DepartmentFactory(region=world.county),
        DepartmentFactory(region=world.county)])
    for person in people(3, world.county):
        AttendanceFactory(session=hosted, entrepreneur=person)
    login(client, world.host.user)
    response = client.get(LIST_URL)
    assert row_ids(response) == [hosted.pk]
    assert "3 of 10 places taken" in words(response)


def test_an_entrepreneur_sees_open_and_held_sessions_of_the_city_and_their_county(client, world):
    city_open = make_session(world.city, venue="市会议中心")
    county_held = make_session(world.county, at(date(2026, 2, 25), 14, 30), status=T.HELD)
    county_planned = make_session(world.county, at(date(2026, 3, 11), 14, 30), status=T.PLANNED)
    other_open = make_session(world.other_county, venue="安吉会堂")
    invited_elsewhere = make_session(world.other_county, at(date(2026, 3, 11), 14, 30),
                                     venue="安吉会堂")
    AttendanceFactory(session=invited_elsewhere, entrepreneur=world.person, status=A.INVITED,
                      registered_at=None)
    login(client, world.users["person"])

    response = client.get(LIST_URL, {"when": "all"})
    assert "Sessions you can join" in text(response)
    assert sorted(row_ids(response)) == sorted([city_open.pk, county_held.pk,
                                                invited_elsewhere.pk])
    assert place_badges(response) == {invited_elsewhere.pk: "invited"}
    for hidden in (county_planned, other_open):
        assert client.get(reverse("sessions:detail", args=[hidden.pk])).status_code == 404
    # Another county's entrepreneur sees the city's, not Wuxing's.
    login(client, world.users["stranger"])
    assert sorted(row_ids(client.get(LIST_URL, {"when": "all"}))) == sorted(
        [city_open.pk, other_open.pk, invited_elsewhere.pk])


# --- A session's page ------------------------------------------------------------------------


def test_the_session_page_runs_the_same_queries_for_10_people_as_for_100(
    client, world, django_assert_num_queries
):
    session = make_session(world.county, capacity=200, host=world.host,
                           departments=[world.attending])
    IssueFactory(session=session, enterprise=world.person.enterprise, entrepreneur=world.person)
    for person in people(10, world.county):
        AttendanceFactory(session=session, entrepreneur=person)
    url = reverse("sessions:detail", args=[session.pk])
    login(client, world.users["coordinator"])
    client.get(url)

    with django_assert_num_queries(DETAIL_QUERIES):
        small = client.get(url)
    assert small.content.decode().count('data-testid="person-row"') == 10
    for i, person in enumerate(people(90, world.county)):
        AttendanceFactory(session=session, entrepreneur=person,
                          status=[A.REGISTERED, A.WAITLISTED, A.INVITED][i % 3])
    with django_assert_num_queries(DETAIL_QUERIES):
        large = client.get(url)
    assert large.content.decode().count('data-testid="person-row"') == 100
    assert count_of(large, "count-registered") == "40/200"
    assert count_of(large, "count-waitlisted") == "30"
    assert count_of(large, "count-issues") == "1"


# --- Planning -----------------------------------------------------------------------------------


def planning(world, **changes) -> dict:
    data = {"region": world.county.pk, "kind": "talk", "theme": "数字经济专场",
            "day": "2026-03-11", "start": "14:30", "end": "16:30", "venue": "吴兴区政府 3 楼",
            "host": world.host.pk, "departments": [world.attending.pk], "capacity": "12",
            "status": T.OPEN}
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def test_a_coordinator_plans_a_session_in_the_edition_of_its_week(client, world):
    earlier = make_session(world.county)  # this week's edition exists already
    login(client, world.users["coordinator"])
    assert client.get(NEW_URL).status_code == 200

    response = client.post(NEW_URL, planning(world))

    session = TalkSession.objects.exclude(pk=earlier.pk).get()
    assert response.status_code == 302
    assert response.url == reverse("sessions:detail", args=[session.pk])
    assert session.edition.week_start == date(2026, 3, 9)
    assert session.edition.number == earlier.edition.number + 1
    assert (session.region, session.theme, session.status, session.capacity) == (
        world.county, "数字经济专场", T.OPEN, 12)
    assert session.starts_at == at(date(2026, 3, 11), 14, 30)
    assert list(session.departments.all()) == [world.attending]
    page = client.get(response.url)
    assert alerts(page, "success") == [f"The session is planned in Edition "
                                       f"{session.edition.number}."]
    assert "数字经济专场" in text(page)


def test_a_clash_at_the_venue_answers_400_naming_the_other_session_and_writes_nothing(
    client, world
):
    make_session(world.county, at(date(2026, 3, 11), 15, 0), venue="吴兴区政府 3 楼",
                 theme="已排定的恳谈")
    login(client, world.users["coordinator"])
    before = snapshot()

    response = client.post(NEW_URL, planning(world, venue="  吴兴区政府 3 楼 ", host=""))

    assert response.status_code == 400
    page = text(response)
    assert "is already booked on 2026-03-11 15:00–17:00 for “已排定的恳谈”" in page
    assert 'data-testid="form-errors"' in page
    assert 'value="数字经济专场"' in page  # what was typed is kept
    assert snapshot() == before


def test_a_session_ending_before_it_starts_is_a_field_error(client, world):
    login(client, world.users["coordinator"])
    response = client.post(NEW_URL, planning(world, start="16:00", end="15:00"))
    assert response.status_code == 400
    assert "A session must end after it starts." in text(response)
    assert "end" in controls(response).invalid
    assert not TalkSession.objects.exists()


@pytest.mark.parametrize("changes", [
    {"capacity": "abc"},
    {"capacity": "-3"},
    {"capacity": "99999999999999999999"},
    {"day": "2026-13-45"},
    {"day": "yesterday"},
    {"start": "25:99"},
    {"region": "x"},
    {"region": "999999"},
    {"host": "x"},
    {"departments": ["x"]},
    {"kind": "party"},
    {"status": "held"},
    {"theme": None, "venue": None, "day": None},
    {"theme": "x" * 5000},
    {"day": "2026-02-01"},
], ids=lambda changes: ",".join(changes))
def test_garbage_in_the_planning_form_answers_400_never_500(client, world, changes):
    login(client, world.users["coordinator"])
    response = client.post(NEW_URL, planning(world, **changes))
    assert response.status_code == 400
    assert controls(response).invalid  # the field in question is marked, with its reason
    assert not TalkSession.objects.exists()


def test_a_planning_form_with_only_a_theme_names_every_missing_field(client, world):
    login(client, world.users["coordinator"])
    response = client.post(NEW_URL, {"theme": "只有主题"})
    assert response.status_code == 400
    assert "This field is required." in text(response)
    assert {"region", "day", "start", "end", "venue", "capacity"} <= set(
        controls(response).invalid)
    assert not TalkSession.objects.exists()


# --- Weekly series -----------------------------------------------------------------------------


def series_data(world, **changes) -> dict:
    data = {"name": "吴兴周三恳谈", "region": world.county.pk, "kind": "talk",
            "theme": "政企恳谈会", "weekday": "2", "start_time": "14:30",
            "duration_minutes": "120", "venue": "吴兴区政府 3 楼", "capacity": "10",
            "starts_on": "2026-09-28", "weeks_ahead": "3",
            "on_holiday": SessionSeries.OnHoliday.NEXT_WORKING_DAY}
    data.update(changes)
    return data


def test_a_series_plans_its_weeks_and_moves_the_national_day_week(client, world):
    assert [library_is_working_day(day) for day in
            (date(2026, 9, 30), date(2026, 10, 7), date(2026, 10, 8), date(2026, 10, 14))] == [
        True, False, True, True]
    world.clock.move_to(at(date(2026, 9, 25), 10))
    login(client, world.users["coordinator"])
    assert client.get(SERIES_NEW_URL).status_code == 200

    response = client.post(SERIES_NEW_URL, series_data(world), follow=True)

    assert response.redirect_chain == [(reverse("sessions:series_list"), 302)]
    assert alerts(response, "success") == ["The series “吴兴周三恳谈” is set up.",
                                           "3 sessions planned."]
    assert alerts(response, "info") == ["2026-10-07 is a public holiday: moved to 2026-10-08."]
    series = SessionSeries.objects.get()
    days = [s.starts_at.astimezone(SHANGHAI).date()
            for s in TalkSession.objects.filter(series=series).order_by("starts_at")]
    assert days == [date(2026, 9, 30), date(2026, 10, 8), date(2026, 10, 14)]
    assert 'data-testid="series-row"' in response.content.decode()

    again = client.post(reverse("sessions:series_generate", args=[series.pk]), follow=True)
    assert alerts(again, "info") == ["Every coming week is already planned."]
    assert TalkSession.objects.count() == 3


def test_a_series_that_skips_holidays_says_so(client, world):
    world.clock.move_to(at(date(2026, 9, 25), 10))
    login(client, world.users["coordinator"])
    response = client.post(SERIES_NEW_URL, series_data(
        world, on_holiday=SessionSeries.OnHoliday.SKIP), follow=True)
    assert "2 sessions planned." in alerts(response, "success")
    assert alerts(response, "info") == ["2026-10-07 is a public holiday: skipped."]
    assert TalkSession.objects.count() == 2


def test_a_paused_series_plans_nothing_until_it_goes_on(client, world):
    world.clock.move_to(at(date(2026, 9, 25), 10))
    login(client, world.users["coordinator"])
    client.post(SERIES_NEW_URL, series_data(world, weeks_ahead="1"), follow=True)
    series = SessionSeries.objects.get()
    assert TalkSession.objects.count() == 1

    paused = client.post(reverse("sessions:series_pause", args=[series.pk]), follow=True)
    assert alerts(paused, "success") == [
        "“吴兴周三恳谈” is paused: no more weeks are planned; the sessions already planned stay."]
    assert 'data-testid="resume"' in paused.content.decode()
    world.clock.move_to(at(date(2026, 10, 2), 10))  # the week of 7 October (moved to the 8th)
    generate_series_task()
    assert TalkSession.objects.count() == 1

    client.post(reverse("sessions:series_pause", args=[series.pk]), {"active": "1"})
    generate_series_task()
    assert TalkSession.objects.count() == 2


def test_a_bad_series_form_answers_400(client, world):
    login(client, world.users["coordinator"])
    response = client.post(SERIES_NEW_URL, series_data(world, starts_on="2026-09-28",
                                                       ends_on="2026-09-01",
                                                       capacity="abc", weeks_ahead="99"))
    assert response.status_code == 400
    assert "The last date cannot be before the first date." in text(response)
    assert not SessionSeries.objects.exists()


# --- Registration -------------------------------------------------------------------------------


def test_a_full_session_waitlists_and_a_withdrawal_promotes_the_next(client, world):
    session = make_session(world.county, capacity=1)
    url = reverse("sessions:detail", args=[session.pk])
    register = reverse("sessions:register", args=[session.pk])

    login(client, world.users["person"])
    response = client.post(register, follow=True)
    assert alerts(response, "success") == [
        "You are registered. You will be reminded before the session."]
    assert my_place(response) == "registered"

    other = Client(HTTP_ACCEPT_LANGUAGE="en")
    login(other, world.users["neighbour"])
    assert "Join the waiting list" in text(other.get(url))
    response = other.post(register, follow=True)
    assert alerts(response, "warning") == [
        "The session is full: you are on the waiting list and will be told if a place comes "
        "free."]
    assert my_place(response) == "waitlisted"
    assert "Number 1 on the waiting list." in text(response)
    again = other.post(register)
    assert again.status_code == 409
    assert "You already have a place (or a waiting-list place)" in text(again)

    response = client.post(reverse("sessions:withdraw", args=[session.pk]), follow=True)
    assert alerts(response, "success") == ["Your place is given up."]
    assert my_place(response) == "cancelled"

    page = other.get(url)
    assert my_place(page) == "registered"
    assert "Registered" in text(page)
    assert place(session, world.neighbour).status == A.REGISTERED


def test_withdrawing_without_a_place_answers_409(client, world):
    session = make_session(world.county)
    login(client, world.users["person"])
    response = client.post(reverse("sessions:withdraw", args=[session.pk]))
    assert response.status_code == 409
    assert "You have no place at this session." in text(response)


# --- Check-in ----------------------------------------------------------------------------------


def test_the_check_in_list_ticks_unticks_and_adds_a_walk_in(client, world):
    session = make_session(world.county)
    person = AttendanceFactory(session=session, entrepreneur=world.person)
    AttendanceFactory(session=session, entrepreneur=world.neighbour)
    walker = EntrepreneurFactory(name="孙丁", mobile="13912345678",
                                 enterprise=EnterpriseFactory(region=world.county))
    url = reverse("sessions:check_in", args=[session.pk])
    tick = reverse("sessions:check_in_tick", args=[session.pk, person.pk])
    login(client, world.users["coordinator"])

    early = client.post(tick)
    assert early.status_code == 409
    assert "Check-in opens 120 minutes before the start." in alerts(early, "danger")
    assert place(session, world.person).status == A.REGISTERED

    world.clock.move_to(at(WEDNESDAY, 14))
    response = client.post(tick)
    assert response.status_code == 302
    assert response.url == f"{url}#attendance-{person.pk}"
    page = client.get(url)
    assert re.search(rf'id="attendance-{person.pk}"[^>]*data-status="attended"',
                     page.content.decode())
    assert "1 of 2 checked in" in words(page)
    assert (f"{reverse('issues:new')}?entrepreneur={world.person.pk}&amp;session={session.pk}"
            in page.content.decode())

    client.post(reverse("sessions:check_in_untick", args=[session.pk, person.pk]))
    assert place(session, world.person).status == A.REGISTERED
    assert "0 of 2 checked in" in words(client.get(url))

    for search in ("孙丁", "912345"):
        found = client.get(url, {"q": search})
        assert 'data-testid="walk-in-candidates"' in found.content.decode()
        assert "孙丁" in text(found)
        assert "张甲" not in found.content.decode().split('data-testid="walk-in-candidates"')[1]
    assert "Nobody found." in text(client.get(url, {"q": "没有这个人"}))
    response = client.post(reverse("sessions:check_in_walk_in", args=[session.pk]),
                           {"entrepreneur": walker.pk}, follow=True)
    walk_in = place(session, walker)
    assert (walk_in.status, walk_in.check_in_method) == (A.ATTENDED, Attendance.CheckIn.WALK_IN)
    assert "Added as a walk-in" in text(response)
    assert "1 of 3 checked in" in words(response)

    bad = client.post(reverse("sessions:check_in_walk_in", args=[session.pk]),
                      {"entrepreneur": "abc"})
    assert bad.status_code == 400
    assert "Choose the person from the search results." in text(bad)


def test_someone_who_gave_up_their_place_is_found_at_the_door_though_they_came_before(
    client, world
):
    """They are off the list (their place is cancelled), so the walk-in search must find
    them, even though they were checked in at an earlier session."""
    earlier = make_session(world.county, at(date(2026, 2, 25), 14, 30), status=T.HELD)
    AttendanceFactory(session=earlier, entrepreneur=world.person, status=A.ATTENDED,
                      checked_in_at=at(date(2026, 2, 25), 14, 20))
    session = make_session(world.county)
    AttendanceFactory(session=session, entrepreneur=world.person, status=A.CANCELLED)
    world.clock.move_to(at(WEDNESDAY, 14))
    url = reverse("sessions:check_in", args=[session.pk])
    login(client, world.users["coordinator"])
    assert 'data-name="张甲"' not in client.get(url).content.decode()

    found = client.get(url, {"q": "张甲"})
    assert 'data-testid="walk-in-candidates"' in found.content.decode()
    client.post(reverse("sessions:check_in_walk_in", args=[session.pk]),
                {"entrepreneur": world.person.pk})
    assert place(session, world.person).status == A.ATTENDED
    # Once checked in here, they are no longer offered as a walk-in.
    assert 'data-testid="walk-in-candidates"' not in client.get(
        url, {"q": "张甲"}).content.decode()


def test_the_walk_in_search_offers_nobody_on_the_list_and_the_county_first(client, world):
    session = make_session(world.county)
    AttendanceFactory(session=session, entrepreneur=EntrepreneurFactory(
        name="钱已报", enterprise__region=world.county))
    elsewhere = EntrepreneurFactory(name="钱外县", enterprise__region=world.other_county)
    local = EntrepreneurFactory(name="钱本县", enterprise__region=world.county)
    world.clock.move_to(at(WEDNESDAY, 14))
    login(client, world.users["city_coordinator"])

    found = client.get(reverse("sessions:check_in", args=[session.pk]), {"q": "钱"})

    offered = found.content.decode().split('data-testid="walk-in-candidates"')[1]
    assert "钱已报" not in offered  # registered: ticked on the list above, not added again
    assert offered.index(local.name) < offered.index(elsewhere.name)


# --- The venue's code -----------------------------------------------------------------------------


def scan_path(code_page) -> str:
    link = html.unescape(re.search(r'data-link="([^"]+)"', code_page.content.decode()).group(1))
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}"


def test_the_venue_code_checks_an_entrepreneur_in(client, world):
    session = make_session(world.county)
    AttendanceFactory(session=session, entrepreneur=world.person)
    world.clock.move_to(at(WEDNESDAY, 14))
    venue = Client(HTTP_ACCEPT_LANGUAGE="en")
    login(venue, world.users["coordinator"])

    code_page = venue.get(reverse("sessions:code", args=[session.pk]))
    assert code_page.status_code == 200
    assert "<svg" in code_page.content.decode()
    link = scan_path(code_page)
    assert link.startswith(reverse("sessions:scan", args=[session.pk]) + "?c=")

    login(client, world.users["person"])
    confirm = client.get(link)
    assert confirm.status_code == 200
    assert 'data-testid="confirm-check-in"' in confirm.content.decode()
    assert place(session, world.person).status == A.REGISTERED  # only the tap checks in

    response = client.post(reverse("sessions:scan", args=[session.pk]),
                           {"c": link.split("?c=", 1)[1]}, follow=True)
    assert alerts(response, "success") == ["You are checked in. Welcome!"]
    assert my_place(response) == "attended"
    attendance = place(session, world.person)
    assert (attendance.status, attendance.check_in_method) == (A.ATTENDED, Attendance.CheckIn.QR)
    assert "1 person checked in" in text(venue.get(reverse("sessions:code", args=[session.pk])))


def test_an_expired_code_and_another_sessions_code_answer_400(client, world, settings):
    session = make_session(world.county)
    other = make_session(world.county, venue="另一会场")
    AttendanceFactory(session=session, entrepreneur=world.person)
    world.clock.move_to(at(WEDNESDAY, 14))
    code = check_in_code_make(session=session)
    scan = reverse("sessions:scan", args=[session.pk])
    login(client, world.users["person"])

    wrong = client.get(scan, {"c": check_in_code_make(session=other)})
    assert wrong.status_code == 400
    assert "This code belongs to another session." in text(wrong)
    assert 'data-testid="confirm-check-in"' not in wrong.content.decode()
    forged = client.post(scan, {"c": "not-a-code"})
    assert forged.status_code == 400
    assert "This is not a check-in code of ours." in text(forged)

    world.clock.shift(timedelta(minutes=settings.SESSION_CHECK_IN_CODE_MINUTES + 1))
    for response in (client.get(scan, {"c": code}), client.post(scan, {"c": code})):
        assert response.status_code == 400
        assert "This code has expired. Scan the code on the venue's screen again." in text(
            response)
    assert place(session, world.person).status == A.REGISTERED


# --- Minutes, closing, rating ------------------------------------------------------------------


def test_minutes_closing_and_rating(client, world):
    session = make_session(world.county)
    came = AttendanceFactory(session=session, entrepreneur=world.person)
    AttendanceFactory(session=session, entrepreneur=world.neighbour)
    minutes = reverse("sessions:minutes", args=[session.pk])
    url = reverse("sessions:detail", args=[session.pk])
    coordinator = Client(HTTP_ACCEPT_LANGUAGE="en")
    login(coordinator, world.users["coordinator"])

    saved = coordinator.post(minutes, {"minutes": "张甲提出用地问题。"}, follow=True)
    assert alerts(saved, "success") == ["The minutes are saved."]
    early = coordinator.post(minutes, {"minutes": "张甲提出用地问题。", "close": "1"})
    assert early.status_code == 409
    assert "A session can be closed once it has started." in alerts(early, "danger")

    world.clock.move_to(at(WEDNESDAY, 14, 40))
    coordinator.post(reverse("sessions:check_in_tick", args=[session.pk, came.pk]))
    IssueFactory(session=session, enterprise=world.person.enterprise, entrepreneur=world.person)
    empty = coordinator.post(minutes, {"minutes": "  ", "close": "1"})
    assert empty.status_code == 400
    assert "Write the minutes before closing the session." in text(empty)
    assert "minutes" in controls(empty).invalid
    assert TalkSession.objects.get(pk=session.pk).status == T.OPEN

    login(client, world.users["person"])
    too_soon = client.post(reverse("sessions:rate", args=[session.pk]), {"rating": "5"})
    assert too_soon.status_code == 409
    assert "A session is rated once it is held and closed." in text(too_soon)

    world.clock.move_to(at(WEDNESDAY, 16, 40))
    closed = coordinator.post(minutes, {"minutes": "张甲提出用地问题。", "close": "1"},
                              follow=True)
    assert alerts(closed, "success") == ["The session is closed and its counts are fixed."]
    assert 'data-status="held"' in closed.content.decode()
    assert count_of(closed, "count-attended") == "1"
    assert count_of(closed, "count-issues") == "1"
    assert 'data-testid="closed-at"' in closed.content.decode()
    assert place(session, world.neighbour).status == A.ABSENT
    # The counts stay as they were at closing, whatever is recorded later.
    IssueFactory(session=session, enterprise=world.person.enterprise, entrepreneur=world.person)
    assert count_of(coordinator.get(url), "count-issues") == "1"

    page = client.get(url)
    assert 'data-testid="rate-session"' in page.content.decode()
    rated = client.post(reverse("sessions:rate", args=[session.pk]),
                        {"rating": "4", "comment": "很有收获"}, follow=True)
    assert alerts(rated, "success") == ["Thank you for rating the session."]
    assert "You rated this session 4 of 5." in text(rated)
    assert 'data-testid="rate-session"' not in rated.content.decode()
    twice = client.post(reverse("sessions:rate", args=[session.pk]), {"rating": "1"})
    assert twice.status_code == 409
    assert "You have already rated this session. Thank you." in text(twice)
    assert place(session, world.person).rating == 4

    absent = Client(HTTP_ACCEPT_LANGUAGE="en")
    login(absent, world.users["neighbour"])
    refused = absent.post(reverse("sessions:rate", args=[session.pk]), {"rating": "5"})
    assert refused.status_code == 403
    bad = client.post(reverse("sessions:rate", args=[session.pk]), {"rating": "9"})
    assert bad.status_code == 400
    # The coordinator sees how the attendees rated it.
    coordinator = Client(HTTP_ACCEPT_LANGUAGE="en")
    login(coordinator, world.users["coordinator"])
    page = coordinator.get(reverse("sessions:detail", args=[session.pk]))
    assert "Rated 4.0 of 5 by 1 attendee." in text(page)


# --- Invitations --------------------------------------------------------------------------------


def test_invitations_by_filter_reach_the_people_and_their_phones(client, world):
    session = make_session(world.county, status=T.PLANNED)
    services = EntrepreneurFactory.create_batch(
        2, with_user=True, enterprise__region=world.county,
        enterprise__industry=Enterprise.Industry.BUSINESS_SERVICES)
    url = reverse("sessions:invite", args=[session.pk])
    detail = reverse("sessions:detail", args=[session.pk])
    invitee = Client(HTTP_ACCEPT_LANGUAGE="en")
    login(invitee, services[0].user)
    assert invitee.get(detail).status_code == 404  # a planned session is not shown yet
    login(client, world.users["coordinator"])

    counted = client.get(url, {"industry": Enterprise.Industry.BUSINESS_SERVICES})
    assert counted.status_code == 200
    assert "The filter finds 2 people." in text(counted)
    assert "Invite 2 people" in text(counted)
    everyone = {"region": "", "industry": "", "scale": "", "new_generation": ""}
    assert "The filter finds 4 people." in text(client.get(url, everyone))  # the county's
    assert 'data-testid="invite-found"' not in client.get(url).content.decode()

    response = client.post(url, {"industry": Enterprise.Industry.BUSINESS_SERVICES}, follow=True)
    assert alerts(response, "success") == ["2 people were invited."]
    assert {a.entrepreneur_id: a.status for a in session.attendances.all()} == {
        person.pk: A.INVITED for person in services}
    for person in services:
        channels = set(Notification.objects.filter(
            key__startswith=f"session:{session.pk}:invited:e{person.pk}:").values_list(
            "channel", "address"))
        assert channels == {(Notification.Channel.IN_APP, ""),
                            (Notification.Channel.SMS, person.mobile)}

    page = invitee.get(detail)
    assert page.status_code == 200
    assert my_place(page) == "invited"
    assert "Decline the invitation" in text(page)
    listed = invitee.get(LIST_URL)
    assert place_badges(listed) == {session.pk: "invited"}
    assert "Invited" in text(listed)
    assert "The filter finds 0 people." in text(client.get(url, {
        "industry": Enterprise.Industry.BUSINESS_SERVICES}))
    assert client.get(url, {"scale": "gigantic"}).status_code == 400


# --- Calendars ----------------------------------------------------------------------------------


def assert_rfc5545_lines(raw: bytes) -> None:
    """Every content line ends with CRLF and is at most 75 octets long (RFC 5545 §3.1)."""
    assert raw.endswith(b"\r\n")
    assert raw.count(b"\n") == raw.count(b"\r\n")
    lines = raw.split(b"\r\n")[:-1]
    too_long = [line for line in lines if len(line) > 75]
    assert not too_long, too_long[:3]
    for line in lines:
        line.decode("utf-8")  # a fold never splits a character


def events(raw: bytes) -> list:
    return list(Calendar.from_ical(raw).walk("VEVENT"))


def test_a_sessions_calendar_file_is_valid_icalendar_in_shanghai_time(client, world):
    long_theme = "湖州市亲清直通车政企恳谈会数字经济与先进制造业专场" * 4
    session = make_session(world.county, theme=long_theme[:200], venue="吴兴区人民政府三楼会议室")
    AttendanceFactory(session=session, entrepreneur=world.person)
    url = reverse("sessions:ics", args=[session.pk])
    login(client, world.users["person"])

    response = client.get(url)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    raw = response.content
    assert_rfc5545_lines(raw)
    assert b"\r\n " in raw  # the long summary is folded onto continuation lines
    calendar = Calendar.from_ical(raw)
    [event] = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == f"{long_theme[:200]} · Wuxing"
    assert str(event["LOCATION"]) == "吴兴区人民政府三楼会议室"
    assert event["DTSTART"].params["TZID"] == "Asia/Shanghai"
    starts = event.decoded("DTSTART")
    assert (starts.hour, starts.minute) == (14, 30)
    assert str(starts.tzinfo) == "Asia/Shanghai" and starts == START
    assert event.decoded("DTEND") == START + timedelta(hours=2)
    assert [str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")] == ["Asia/Shanghai"]
    assert b"DTSTART;TZID=Asia/Shanghai:20260304T143000\r\n" in raw
    uid = str(event["UID"])
    assert event["SEQUENCE"] == 0
    assert str(events(client.get(url).content)[0]["UID"]) == uid

    coordinator = Client(HTTP_ACCEPT_LANGUAGE="en")
    login(coordinator, world.users["coordinator"])
    moved = coordinator.post(reverse("sessions:edit", args=[session.pk]), {
        "kind": "talk", "theme": session.theme, "day": "2026-03-04", "start": "15:00",
        "end": "17:00", "venue": session.venue, "capacity": "10"})
    assert moved.status_code == 302
    [event] = events(client.get(url).content)
    assert str(event["UID"]) == uid
    assert event["SEQUENCE"] == 1
    assert (event.decoded("DTSTART").hour, event.decoded("DTSTART").minute) == (15, 0)


def test_the_personal_feed_lists_the_persons_sessions_without_a_login(client, world):
    mine = make_session(world.county, theme="我报名的恳谈")
    AttendanceFactory(session=mine, entrepreneur=world.person)
    others = make_session(world.city, venue="市会议中心", theme="别人的恳谈")
    AttendanceFactory(session=others, entrepreneur=world.neighbour)
    login(client, world.users["person"])

    page = client.get(FEED_PAGE_URL)
    assert page.status_code == 200
    feed_url = html.unescape(re.search(r'value="([^"]+)" data-testid="feed-url"',
                                       page.content.decode()).group(1))
    assert "webcal://" in page.content.decode()
    path = urlsplit(feed_url).path
    assert path.startswith("/sessions/feed/") and path.endswith(".ics")

    anonymous = Client()
    response = anonymous.get(path)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert_rfc5545_lines(response.content)
    summaries = [str(event["SUMMARY"]) for event in events(response.content)]
    assert summaries == ["我报名的恳谈 · 吴兴区"]
    assert Calendar.from_ical(response.content).walk("VTIMEZONE")

    renewed = client.post(FEED_PAGE_URL, follow=True)
    assert alerts(renewed, "success") == [
        "A new address was made; the old one no longer works."]
    assert anonymous.get(path).status_code == 404
    new_path = urlsplit(re.search(r'value="(http[^"]+\.ics)"',
                                  renewed.content.decode()).group(1)).path
    assert new_path != path
    assert anonymous.get(new_path).status_code == 200


def test_a_feed_cut_at_its_limit_keeps_every_coming_session(client, world, monkeypatch):
    """A city coordinator's feed holds at most FEED_LIMIT events: the oldest past ones go,
    never the coming ones."""
    monkeypatch.setattr("sessions.views.FEED_LIMIT", 2)
    past = [make_session(world.county, at(date(2026, 2, day), 14, 30), venue=f"旧会场{day}",
                         status=T.HELD) for day in (4, 11, 18)]
    coming = [make_session(world.county, at(date(2026, 3, day), 14, 30), venue=f"新会场{day}")
              for day in (4, 11)]
    feed = CalendarFeed.objects.create(user=world.users["city_coordinator"])
    response = Client().get(reverse("sessions:feed", args=[feed.token]))
    locations = sorted(str(event["LOCATION"]) for event in events(response.content))
    assert locations == sorted(session.venue for session in coming)
    assert past[-1].venue not in locations


# --- An issue raised at the table -----------------------------------------------------------------


def test_an_issue_recorded_from_the_check_in_list_names_its_session(client, world):
    session = make_session(world.county)
    make_session(world.county, at(date(2026, 3, 5), 14, 30), venue="另一会场")
    login(client, world.users["coordinator"])

    response = client.get(reverse("issues:new"), {"entrepreneur": world.person.pk,
                                                  "session": session.pk})

    assert response.status_code == 200
    form = controls(response)
    assert ("source", "session") in form.checked
    assert form.selected == [("session", str(session.pk))]


# --- Chinese pages --------------------------------------------------------------------------------


def test_the_main_screens_render_in_chinese_by_default(client, world):
    client.defaults.pop("HTTP_ACCEPT_LANGUAGE", None)
    session = make_session(world.county, departments=[world.attending], host=world.host)
    AttendanceFactory(session=session, entrepreneur=world.person)
    world.clock.move_to(at(WEDNESDAY, 14))
    code = check_in_code_make(session=session)
    pk = session.pk
    screens = {
        "coordinator": [LIST_URL, f"{LIST_URL}?when=past", NEW_URL, SERIES_NEW_URL,
                        reverse("sessions:series_list"), reverse("sessions:detail", args=[pk]),
                        reverse("sessions:edit", args=[pk]), reverse("sessions:invite", args=[pk]),
                        reverse("sessions:check_in", args=[pk]) + "?q=张",
                        reverse("sessions:code", args=[pk]), FEED_PAGE_URL],
        "person": [LIST_URL, reverse("sessions:detail", args=[pk]),
                   reverse("sessions:scan", args=[pk]) + f"?c={code}", FEED_PAGE_URL],
        "handler": [LIST_URL, reverse("sessions:detail", args=[pk])],
    }
    for who, urls in screens.items():
        login(client, world.users[who])
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (who, url)
            page = response.content.decode()
            assert '<html lang="zh-hans"' in page, (who, url)
    login(client, world.users["person"])
    for url in (LIST_URL, reverse("sessions:detail", args=[pk])):
        page = words(client.get(url))
        assert "吴兴区" in page and "报名中" in page  # the region and status, in Chinese
        assert "亲清直通车·政企恳谈会" in page
    response = client.get(reverse("sessions:ics", args=[pk]))
    assert response.status_code == 200
    assert str(events(response.content)[0]["SUMMARY"]).endswith(" · 吴兴区")
