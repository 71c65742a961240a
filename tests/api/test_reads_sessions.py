"""GET /api/v1/sessions/ and /api/v1/sessions/{id}/: the sessions the caller may open,
places left, and an entrepreneur's own place."""

from datetime import date

import pytest

from sessions.models import Attendance, TalkSession
from tests.api.reads_world import API, api_client
from tests.factories import AttendanceFactory
from tests.helpers import at
from tests.worlds import session_screens_world, talk_session

pytestmark = pytest.mark.django_db

WEDNESDAY = date(2026, 3, 4)


@pytest.fixture
def world(settings):
    yield from session_screens_world(settings)


@pytest.fixture
def sessions(world):
    wuxing = talk_session(world.county, at(WEDNESDAY, 14), departments=[world.attending],
                          capacity=3, theme="吴兴恳谈")
    planned = talk_session(world.county, at(WEDNESDAY, 9), status=TalkSession.Status.PLANNED,
                           theme="筹备中")
    anji = talk_session(world.other_county, at(WEDNESDAY, 10), theme="安吉恳谈")
    AttendanceFactory(session=wuxing, entrepreneur=world.person)
    AttendanceFactory(session=wuxing, entrepreneur=world.neighbour)
    AttendanceFactory(session=wuxing, entrepreneur=world.stranger,
                      status=Attendance.Status.CANCELLED)
    return {"wuxing": wuxing, "planned": planned, "anji": anji}


def listed(user, **query) -> list:
    response = api_client(user).get(f"{API}/sessions/", query)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_an_entrepreneur_sees_open_sessions_with_their_place(world, sessions):
    [row] = listed(world.users["person"])
    assert row["theme"] == "吴兴恳谈"
    assert row["capacity"] == 3
    assert row["places_taken"] == 2
    assert row["places_left"] == 1
    assert row["my_status"] == "registered"
    assert row["starts_at"] == "2026-03-04T14:00:00+08:00"
    assert row["region"]["name_en"] == "Wuxing"
    # Anji's person sees Anji's session, and Wuxing's where they had a place (cancelled).
    stranger = {row["theme"]: row["my_status"] for row in listed(world.users["stranger"])}
    assert stranger == {"安吉恳谈": "", "吴兴恳谈": "cancelled"}


def test_an_entrepreneur_cannot_open_another_county_session(world, sessions):
    client = api_client(world.users["person"])
    assert client.get(f"{API}/sessions/{sessions['anji'].pk}/").status_code == 404
    assert client.get(f"{API}/sessions/{sessions['planned'].pk}/").status_code == 404


def test_a_county_coordinator_sees_the_county_sessions(world, sessions):
    themes = {row["theme"] for row in listed(world.users["coordinator"])}
    assert themes == {"吴兴恳谈", "筹备中"}
    assert all(row["my_status"] is None for row in listed(world.users["coordinator"]))
    client = api_client(world.users["coordinator"])
    assert client.get(f"{API}/sessions/{sessions['anji'].pk}/").status_code == 404


def test_a_handler_sees_the_sessions_their_department_attends(world, sessions):
    assert [row["theme"] for row in listed(world.users["handler"])] == ["吴兴恳谈"]
    assert listed(world.users["bystander"]) == []


def test_the_detail_for_an_entrepreneur(world, sessions):
    response = api_client(world.users["person"]).get(f"{API}/sessions/{sessions['wuxing'].pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["my_status"] == "registered"
    assert body["places_left"] == 1
    assert body["may_manage"] is False
    assert body["issues"] == []
    assert [department["name_en"] for department in body["departments"]] == ["Tax Bureau"]


def test_the_detail_for_a_coordinator(world, sessions):
    body = api_client(world.users["coordinator"]).get(
        f"{API}/sessions/{sessions['wuxing'].pk}/").json()
    assert body["may_manage"] is True
    assert body["my_status"] is None
    assert body["places_taken"] == 2


def test_filters(world, sessions):
    coordinator = world.users["coordinator"]
    assert [row["theme"] for row in listed(coordinator, status="planned")] == ["筹备中"]
    assert listed(coordinator, when="past") == []
    assert len(listed(coordinator, when="upcoming")) == 2
    assert listed(world.users["city_coordinator"], region=world.other_county.pk)[0][
        "theme"] == "安吉恳谈"


@pytest.mark.parametrize("query", [{"when": "soon"}, {"status": "x"}, {"region": "abc"},
                                   {"page": "2"}])
def test_bad_filters_are_refused(world, sessions, query):
    response = api_client(world.users["coordinator"]).get(f"{API}/sessions/", query)
    assert response.status_code == 400
    assert next(iter(query)) in response.content.decode()


def test_the_list_runs_a_fixed_number_of_queries(world, sessions, django_assert_max_num_queries):
    client = api_client(world.users["person"])
    client.get(f"{API}/sessions/")
    with django_assert_max_num_queries(10) as few:
        client.get(f"{API}/sessions/")
    for hour in range(8, 18):
        AttendanceFactory(session=talk_session(world.county, at(WEDNESDAY, hour, 30)),
                          entrepreneur=world.person)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(f"{API}/sessions/").json()["results"]) == 11
