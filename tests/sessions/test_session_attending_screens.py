"""The session screens of the day itself: registering with a waiting list, the phone check-in
list, the venue's code, minutes, closing and rating."""

import html
import re
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from sessions.models import Attendance, TalkSession
from sessions.services import check_in_code_make
from tests.factories import (
    AttendanceFactory,
    EnterpriseFactory,
    EntrepreneurFactory,
    IssueFactory,
)
from tests.helpers import at
from tests.helpers import signed_in as login
from tests.sessions.screens import (
    WEDNESDAY,
    A,
    T,
    alerts,
    controls,
    count_of,
    make_session,
    my_place,
    place,
    text,
    words,
)
from tests.worlds import session_screens_world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def world(settings):
    """``tests.worlds.session_screens_world``: Wuxing and Anji, the clock standing still."""
    yield from session_screens_world(settings)


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

    client.post(reverse("sessions:check_in_untick", args=[session.pk, person.pk]),
                {"confirm": "1"})
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
    closed = coordinator.post(minutes, {"minutes": "张甲提出用地问题。", "close": "1",
                                        "confirm": "1"}, follow=True)
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
