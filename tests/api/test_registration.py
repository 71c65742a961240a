"""A place at a session through the API: ``POST`` registers (or puts on the waiting list),
``DELETE`` gives the place up, with the page's refusals (404, 403, 409)."""

from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from sessions.models import Attendance, TalkSession
from tests.helpers import at
from tests.worlds import SESSIONS_MONDAY, session_screens_world, talk_session

pytestmark = pytest.mark.django_db

A = Attendance.Status
WEDNESDAY = SESSIONS_MONDAY + timedelta(days=2)


@pytest.fixture
def world(settings):
    yield from session_screens_world(settings)


@pytest.fixture
def api():
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


def url(session) -> str:
    return f"/api/v1/sessions/{session.pk}/registration/"


def as_(api, world, who):
    api.force_login(world.users[who])
    return api


def test_an_entrepreneur_registers_and_gives_the_place_up(api, world):
    session = talk_session(world.county, at(WEDNESDAY, 14))
    as_(api, world, "person")
    response = api.post(url(session))
    assert response.status_code == 201, response.content
    assert response.json() == {"session": session.pk, "status": A.REGISTERED}
    assert session.attendances.get(entrepreneur=world.person).status == A.REGISTERED
    again = api.post(url(session))
    assert again.status_code == 409
    assert "already have a place" in again.json()["detail"]
    response = api.delete(url(session))
    assert response.status_code == 200
    assert response.json() == {"session": session.pk, "status": A.CANCELLED}
    assert session.attendances.get(entrepreneur=world.person).status == A.CANCELLED
    assert api.delete(url(session)).status_code == 409


def test_a_full_session_puts_the_person_on_the_waiting_list(api, world):
    session = talk_session(world.county, at(WEDNESDAY, 14), capacity=1)
    as_(api, world, "neighbour").post(url(session))
    response = as_(api, world, "person").post(url(session))
    assert response.status_code == 201
    assert response.json()["status"] == A.WAITLISTED


def test_a_session_not_open_for_registration_is_409(api, world):
    session = talk_session(world.county, at(WEDNESDAY, 14), status=TalkSession.Status.CANCELLED)
    response = as_(api, world, "person").post(url(session))
    assert response.status_code == 409
    assert "not open for registration" in response.json()["detail"]
    assert not session.attendances.exists()


def test_another_countys_session_is_not_found(api, world):
    session = talk_session(world.other_county, at(WEDNESDAY, 14))
    response = as_(api, world, "person").post(url(session))
    assert response.status_code == 404
    assert not session.attendances.exists()
    assert as_(api, world, "person").post("/api/v1/sessions/999999/registration/").status_code \
        == 404


def test_an_official_does_not_register_403(api, world):
    session = talk_session(world.county, at(WEDNESDAY, 14))
    response = as_(api, world, "coordinator").post(url(session))
    assert response.status_code == 403
    assert "entrepreneurs" in response.json()["detail"]
    response = as_(api, world, "coordinator").delete(url(session))
    assert response.status_code == 403


def test_a_body_is_ignored_never_a_500(api, world):
    session = talk_session(world.county, at(WEDNESDAY, 14))
    as_(api, world, "person")
    response = api.post(url(session), data="{not json", content_type="application/json")
    assert response.status_code < 500
