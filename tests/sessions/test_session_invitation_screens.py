"""The session screens around a session: invitations, the calendars (feeds and files), an issue
raised at the table, and the pages in Chinese."""

import html
import re
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from entrepreneurs.models import Enterprise
from notifications.models import Notification
from sessions.models import CalendarFeed
from sessions.services import check_in_code_make
from tests.factories import (
    AttendanceFactory,
    EntrepreneurFactory,
)
from tests.helpers import at
from tests.helpers import signed_in as login
from tests.sessions.screens import (
    FEED_PAGE_URL,
    LIST_URL,
    NEW_URL,
    SERIES_NEW_URL,
    START,
    WEDNESDAY,
    A,
    T,
    alerts,
    assert_rfc5545_lines,
    controls,
    make_session,
    my_place,
    place_badges,
    text,
    words,
)
from tests.worlds import session_screens_world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def world(settings):
    """``tests.worlds.session_screens_world``: Wuxing and Anji, the clock standing still."""
    yield from session_screens_world(settings)


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
    monkeypatch.setattr("sessions.views.feeds.FEED_LIMIT", 2)
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
