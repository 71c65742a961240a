"""The session screens through the browser's eyes: the list (scope, filters, pages, a fixed
number of queries), a session's page, planning one session or a weekly series, registering
with a waiting list, the phone check-in list and the venue's code, minutes, closing and
rating, invitations, calendars (one session's file and the personal feed, checked against
RFC 5545), an issue recorded from the check-in list, and the Chinese pages.

The clock stands still (time_machine) on Monday 2 March 2026, 09:00 in Huzhou; the session
under test is on Wednesday 4 March, 14:30–16:30, unless the test says otherwise.
"""

from datetime import date

import pytest
from django.urls import reverse

from core.workdays import library_is_working_day
from sessions.models import SessionSeries, TalkSession
from sessions.tasks import generate_series_task
from tests.factories import (
    AttendanceFactory,
    DepartmentFactory,
    IssueFactory,
)
from tests.helpers import SHANGHAI, at
from tests.helpers import signed_in as login
from tests.sessions.screens import (
    DETAIL_QUERIES,
    LIST_QUERIES,
    LIST_URL,
    NEW_URL,
    SERIES_NEW_URL,
    A,
    T,
    alerts,
    controls,
    count_of,
    make_session,
    many_sessions,
    people,
    place_badges,
    row_ids,
    snapshot,
    text,
    words,
)
from tests.worlds import session_screens_world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def world(settings):
    """``tests.worlds.session_screens_world``: Wuxing and Anji, the clock standing still."""
    yield from session_screens_world(settings)


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
    assert "is already booked on 11 Mar 2026 15:00–17:00 for “已排定的恳谈”" in page
    assert 'data-testid="error-summary"' in page  # above the form…
    assert page.count("is already booked on") == 1  # …and not repeated by it
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
    assert alerts(response, "info") == ["7 Oct 2026 is a public holiday: moved to 8 Oct 2026."]
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
    assert alerts(response, "info") == ["7 Oct 2026 is a public holiday: skipped."]
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
