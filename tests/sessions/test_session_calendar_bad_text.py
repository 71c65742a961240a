"""Calendars stay valid whatever an old row holds: a theme with a line break or a control
character (stored before every form refused them) gives a calendar file and a feed that a
calendar application reads, with the text cleaned, never a 500."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from sessions.models import CalendarFeed
from tests.factories import AttendanceFactory
from tests.helpers import signed_in as login
from tests.sessions.screens import T, assert_rfc5545_lines, make_session
from tests.worlds import session_screens_world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

#: What no calendar file may hold: a control character other than a line's CR LF (and a
#: fold's space), or a raw line break inside a value.
CONTROL = re.compile(rb"[\x00-\x08\x0b-\x0c\x0e-\x1f]|[^\r]\n")


@pytest.fixture
def world(settings):
    yield from session_screens_world(settings)


def test_a_theme_with_a_line_break_gives_a_valid_calendar_file(client, world):
    session = make_session(world.county, theme="数字经济\n专场\x01", venue="会场\x02\t三楼",
                           status=T.CANCELLED, cancel_reason="台风\r\n改期\x03")
    AttendanceFactory(session=session, entrepreneur=world.person)
    login(client, world.users["person"])

    response = client.get(reverse("sessions:ics", args=[session.pk]))

    assert response.status_code == 200
    raw = response.content
    assert_rfc5545_lines(raw)
    assert not CONTROL.search(raw)
    calendar = Calendar.from_ical(raw)
    assert str(calendar["X-WR-CALNAME"]) == "数字经济 专场"
    [event] = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == "数字经济 专场 · Wuxing"
    assert str(event["LOCATION"]) == "会场 三楼"
    assert str(event["DESCRIPTION"]).splitlines()[-2:] == ["台风", "改期"]


def test_the_personal_feed_carries_no_control_character_into_a_summary(world):
    mine = make_session(world.county, theme="我报名的\x01恳谈\x1b[31m")
    AttendanceFactory(session=mine, entrepreneur=world.person)
    feed = CalendarFeed.objects.create(user=world.users["person"])

    response = Client().get(reverse("sessions:feed", args=[feed.token]))

    assert response.status_code == 200
    raw = response.content
    assert_rfc5545_lines(raw)
    assert not CONTROL.search(raw)
    [event] = Calendar.from_ical(raw).walk("VEVENT")
    assert str(event["SUMMARY"]).startswith("我报名的恳谈[31m · ")
