"""A talk session's whole journey in a real browser, every part on a phone: a city
coordinator sets up a weekly series, opens the first coming session for registration; two
entrepreneurs take its two places and a third joins the waiting list, moving up when one
gives up their place; at the door the coordinator ticks one off the list and the other
checks in by scanning the venue's code; an issue raised there is recorded from the check-in
list; the coordinator writes the minutes and closes the session, and an attendee rates it.

The journey runs on whatever day it is: the series starts today, and the session used is
the first one still to come. The clock is not moved; where the journey needs the session to
be about to start (check-in) or to have started (closing), the test moves the session's
time in the database, as a coordinator could by editing it.
"""

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone, translation
from django.utils.translation import ngettext
from playwright.sync_api import expect

from government.models import Official, Region
from issues.models import Category, Issue
from notifications.models import Notification
from sessions.models import Attendance, SessionSeries, TalkSession
from tests.browser.pages import PHONE, fits_the_screen, open_menu, translated
from tests.browser.test_issue_journey import PASSWORD, log_in
from tests.factories import (
    CategoryFactory,
    CityFactory,
    DepartmentFactory,
    EnterpriseFactory,
    EntrepreneurFactory,
    OfficialFactory,
    RegionFactory,
    UserFactory,
)

pytestmark = pytest.mark.browser

SERIES_NAME = "吴兴区周三恳谈"
THEME = "要素保障专场"
VENUE = "吴兴区市民之家三楼会议室"
ISSUE_TITLE = "新厂房用电扩容审批慢"
A = Attendance.Status


@dataclass
class World:
    coordinator: str
    county: Region
    category: Category
    #: Entrepreneurs' logins and names: A and B take the two places, C waits.
    a: str
    b: str
    c: str
    names: dict


@pytest.fixture
def world(transactional_db) -> World:
    """Wuxing county under Huzhou; a coordinator of the city's Business Office; three
    verified entrepreneurs of Wuxing enterprises, each with a login."""
    city = CityFactory()
    county = RegionFactory(name="吴兴区", name_en="Wuxing")
    office = DepartmentFactory(region=city, name="市营商办", name_en="City Business Office")
    economy = DepartmentFactory(region=city, name="市经信局", name_en="Economy Bureau")
    category = CategoryFactory(name="要素保障", name_en="Factor supply",
                               default_department=economy)
    OfficialFactory(user=UserFactory(username="city-coordinator", password=PASSWORD),
                    name="王协调", role=Official.Role.COORDINATOR, department=office)
    names = {"shen": "沈一帆", "lu": "陆晓峰", "qian": "钱雨桐"}
    for username, name in names.items():
        enterprise = EnterpriseFactory(region=county, name=f"湖州{name}实业有限公司")
        EntrepreneurFactory(user=UserFactory(username=username, password=PASSWORD), name=name,
                            enterprise=enterprise)
    return World(coordinator="city-coordinator", county=county, category=category,
                 a="shen", b="lu", c="qian", names=names)


@pytest.fixture
def site_url(settings, live_server):
    """The site's public address (which the venue's code and messages link to) is the live
    server's; it runs in this process and reads the setting when used."""
    settings.SITE_URL = live_server.url
    return live_server.url


def open_phone(open_browser, live_server, username: str):
    """A phone of one's own, logged in."""
    phone = open_browser(viewport=PHONE, is_mobile=True, has_touch=True)
    phone.goto(live_server.url + "/")
    log_in(phone, username)
    return phone


def open_sessions(phone) -> None:
    """The menu's Sessions."""
    open_menu(phone)
    phone.get_by_test_id("nav-sessions").tap()
    expect(phone.get_by_test_id("session-list-heading")).to_be_visible()


def open_session_from_list(phone, session: TalkSession) -> None:
    """Sessions in the menu, then the session's row."""
    open_sessions(phone)
    row = phone.locator(f"[data-testid=session-row][data-session='{session.pk}']")
    row.get_by_role("link", name=session.theme).tap()
    expect(phone).to_have_url(re.compile(rf"/sessions/{session.pk}/$"))
    expect(phone.get_by_test_id("session-heading")).to_have_text(session.theme)


def alert(phone, text: str):
    return phone.get_by_role("alert").filter(has_text=text)


def place_status(phone):
    return phone.get_by_test_id("my-place").get_by_test_id("place-status")


def move_session(session: TalkSession, *, starts_in: timedelta) -> None:
    """The session starts ``starts_in`` from now and lasts two hours."""
    starts_at = timezone.now() + starts_in
    TalkSession.objects.filter(pk=session.pk).update(starts_at=starts_at,
                                                     ends_at=starts_at + timedelta(hours=2))


def register(phone, session: TalkSession, *, button: str) -> None:
    """An entrepreneur finds the session under Sessions and takes a place (or a waiting
    place)."""
    open_session_from_list(phone, session)
    expect(place_status(phone)).to_have_count(0)  # no place yet
    take = phone.get_by_test_id("register")
    expect(take).to_have_text(translated(button))
    take.tap()
    expect(phone).to_have_url(re.compile(rf"/sessions/{session.pk}/$"))


def test_series_register_waitlist_check_in_record_issue_close_and_rate(
    live_server, site_url, world, open_browser, failed_requests, csp_violations,
):
    today = timezone.localdate()

    # 1. The coordinator sets up a weekly series on Wednesdays from today, two weeks ahead;
    # a Wednesday that is a public holiday moves to the next working day, so at least one
    # session is planned whatever today is.
    desk = open_phone(open_browser, live_server, world.coordinator)
    expect(desk.get_by_test_id("home-heading")).to_have_attribute("data-role", "coordinator")
    open_sessions(desk)
    desk.get_by_test_id("series-link").tap()
    desk.get_by_test_id("new-series").tap()
    form = desk.get_by_test_id("series-form")
    expect(form).to_be_visible()
    assert fits_the_screen(desk)
    form.locator("#id_name").fill(SERIES_NAME)
    form.locator("#id_region").select_option(str(world.county.pk))
    form.locator("#id_theme").fill(THEME)
    form.locator("#id_weekday").select_option("2")
    form.locator("#id_start_time").fill("14:30")
    form.locator("#id_duration_minutes").fill("120")
    form.locator("#id_venue").fill(VENUE)
    form.locator("#id_capacity").fill("2")
    expect(form.locator("#id_starts_on")).to_have_value(today.isoformat())  # today, already
    form.locator("#id_starts_on").fill(today.isoformat())
    form.locator("#id_weeks_ahead").fill("2")
    form.locator("#id_on_holiday").select_option(SessionSeries.OnHoliday.NEXT_WORKING_DAY)
    desk.get_by_test_id("save-series").tap()

    expect(desk).to_have_url(re.compile(r"/sessions/series/$"))
    series = SessionSeries.objects.get(name=SERIES_NAME)
    planned = list(series.sessions.order_by("starts_at"))
    assert planned  # two or three Wednesdays (or their next working days) in 15 days
    with translation.override("zh-hans"):
        planned_text = ngettext("%(count)d session planned.", "%(count)d sessions planned.",
                                len(planned)) % {"count": len(planned)}
    expect(alert(desk, planned_text)).to_be_visible()
    expect(desk.get_by_test_id("series-row")).to_have_count(1)
    expect(desk.get_by_test_id("series-row")).to_contain_text(SERIES_NAME)
    assert {s.status for s in planned} == {TalkSession.Status.PLANNED}
    assert {s.capacity for s in planned} == {2}

    # 2. From the session list, the first session still to come (today's may have begun
    # already, on a Wednesday afternoon); the coordinator opens its registration.
    coming = [s for s in planned if s.starts_at > timezone.now()]
    assert coming
    session = coming[0]
    open_sessions(desk)
    expect(desk.get_by_test_id("session-row")).to_have_count(len(planned))
    open_session_from_list(desk, session)
    status = desk.get_by_test_id("session-status")
    expect(status).to_have_attribute("data-status", "planned")
    assert fits_the_screen(desk)
    desk.get_by_test_id("open-registration").tap()
    expect(alert(desk, translated("Registration is open."))).to_be_visible()
    expect(status).to_have_attribute("data-status", "open")

    # 3. Check-in opens SESSION_CHECK_IN_OPENS_MINUTES before the start: rather than wait,
    # the session now starts in 30 minutes, still time enough to register and give up places.
    assert django_settings.SESSION_CHECK_IN_OPENS_MINUTES > 30
    move_session(session, starts_in=timedelta(minutes=30))

    # 4. A and B take the two places, C joins the waiting list; B gives up and C moves up.
    phone_a = open_phone(open_browser, live_server, world.a)
    register(phone_a, session, button="Register")
    expect(alert(phone_a, translated("You are registered. You will be reminded before the "
                                     "session."))).to_be_visible()
    expect(place_status(phone_a)).to_have_attribute("data-status", "registered")
    assert fits_the_screen(phone_a)

    phone_b = open_phone(open_browser, live_server, world.b)
    register(phone_b, session, button="Register")
    expect(place_status(phone_b)).to_have_attribute("data-status", "registered")

    phone_c = open_phone(open_browser, live_server, world.c)
    register(phone_c, session, button="Join the waiting list")
    expect(alert(phone_c, translated("The session is full: you are on the waiting list and "
                                     "will be told if a place comes free."))).to_be_visible()
    expect(place_status(phone_c)).to_have_attribute("data-status", "waitlisted")
    expect(phone_c.get_by_test_id("waitlist-position")).to_contain_text("1")

    phone_b.get_by_test_id("withdraw").tap()
    expect(alert(phone_b, translated("Your place is given up."))).to_be_visible()
    expect(place_status(phone_b)).to_have_attribute("data-status", "cancelled")

    phone_c.reload()
    expect(place_status(phone_c)).to_have_attribute("data-status", "registered")
    expect(phone_c.get_by_test_id("waitlist-position")).to_have_count(0)

    # 5. At the door: the coordinator ticks A off the check-in list.
    desk.reload()
    desk.get_by_test_id("check-in-link").tap()
    expect(desk).to_have_url(re.compile(rf"/sessions/{session.pk}/check-in/$"))
    count = desk.get_by_test_id("check-in-count")
    expect(count.locator(".fw-semibold")).to_have_text("0")
    expect(count).to_contain_text("2")  # A and C expected; B gave up
    rows = desk.get_by_test_id("check-in-row")
    expect(rows).to_have_count(2)
    row_a = desk.locator(f"[data-testid=check-in-row][data-name='{world.names[world.a]}']")
    row_c = desk.locator(f"[data-testid=check-in-row][data-name='{world.names[world.c]}']")
    expect(row_a).to_have_attribute("data-status", "registered")
    assert fits_the_screen(desk)
    row_a.get_by_test_id("tick").tap()
    expect(row_a).to_have_attribute("data-status", "attended")
    expect(row_a.get_by_test_id("untick")).to_be_visible()
    expect(row_c).to_have_attribute("data-status", "registered")
    expect(count.locator(".fw-semibold")).to_have_text("1")
    expect(count).to_contain_text("2")

    # 6. The venue's screen shows the code; C scans it and confirms on the phone.
    desk.get_by_role("link", name=translated("Session page, minutes and closing")).tap()
    desk.get_by_test_id("code-link").tap()
    code = desk.get_by_test_id("check-in-code")
    expect(code.locator("svg")).to_have_count(1)
    link = code.get_attribute("data-link")
    assert link.startswith(f"{live_server.url}/sessions/{session.pk}/scan/?c=")
    expect(desk.get_by_test_id("checked-in")).to_contain_text("1")

    phone_c.goto(link)
    assert fits_the_screen(phone_c)
    phone_c.get_by_test_id("confirm-check-in").tap()
    expect(phone_c).to_have_url(re.compile(rf"/sessions/{session.pk}/$"))
    expect(alert(phone_c, translated("You are checked in. Welcome!"))).to_be_visible()
    expect(place_status(phone_c)).to_have_attribute("data-status", "attended")

    # 7. Beside A on the check-in list, the coordinator records the issue A raised: the
    # form comes with "raised at a session" and this session chosen.
    desk.get_by_role("link", name=translated("Check-in list")).tap()
    expect(row_c).to_have_attribute("data-status", "attended")
    expect(count.locator(".fw-semibold")).to_have_text("2")
    row_a.get_by_test_id("record-issue").tap()
    expect(desk).to_have_url(re.compile(
        rf"/issues/new/\?entrepreneur=\d+&session={session.pk}$"))
    expect(desk.get_by_test_id("new-issue-heading")).to_contain_text(world.names[world.a])
    issue_form = desk.get_by_test_id("new-issue-form")
    expect(issue_form.locator(f"input[name=source][value={Issue.Source.SESSION}]")).to_be_checked()
    expect(issue_form.locator("#id_session")).to_have_value(str(session.pk))
    issue_form.locator("#id_title").fill(ISSUE_TITLE)
    issue_form.locator("#id_description").fill("新厂房年底投产，用电容量需从 800 千伏安增至 "
                                               "2000 千伏安，供电所两个月未批。")
    issue_form.get_by_label(world.category.name).check()
    issue_form.get_by_role("button", name=translated("Record the issue")).tap()

    expect(desk.get_by_test_id("issue-title")).to_have_text(ISSUE_TITLE)
    issue = Issue.objects.get(title=ISSUE_TITLE)
    expect(desk.get_by_test_id("issue-reference")).to_have_text(issue.reference)
    assert issue.source == Issue.Source.SESSION
    assert issue.session_id == session.pk
    assert issue.entrepreneur.name == world.names[world.a]

    # 8. The session has begun (closing needs that; again its time is moved rather than
    # waited for). From the issue the coordinator goes back to the session, writes the
    # minutes and closes it.
    move_session(session, starts_in=-timedelta(minutes=1))
    desk.get_by_test_id("issue-session").tap()
    expect(desk.get_by_test_id("session-heading")).to_have_text(session.theme)
    minutes = "沈一帆反映新厂房用电扩容审批慢，已记录并转市经信局；钱雨桐扫码签到。"
    minutes_form = desk.get_by_test_id("minutes-form")
    minutes_form.locator("textarea[name=minutes]").fill(minutes)
    minutes_form.get_by_test_id("close-session").tap()
    # Closing asks first, saying what follows; only the confirmation closes.
    expect(desk.get_by_test_id("confirm-question")).to_have_text(
        translated("Close this session?"))
    assert fits_the_screen(desk)
    desk.get_by_test_id("confirm").tap()
    expect(alert(desk, translated("The session is closed and its counts are fixed."))
           ).to_be_visible()
    expect(desk.get_by_test_id("session-status")).to_have_attribute("data-status", "held")
    expect(desk.get_by_test_id("count-attended")).to_have_text("2")
    expect(desk.get_by_test_id("count-issues")).to_have_text("1")
    expect(desk.get_by_test_id("session-issues")).to_contain_text(issue.reference)
    assert fits_the_screen(desk)

    session.refresh_from_db()
    assert session.status == TalkSession.Status.HELD
    assert session.minutes == minutes
    assert (session.attendee_count, session.issue_count) == (2, 1)
    assert dict(session.attendances.values_list("entrepreneur__name", "status")) == {
        world.names[world.a]: A.ATTENDED, world.names[world.b]: A.CANCELLED,
        world.names[world.c]: A.ATTENDED,
    }  # B gave up, so nobody is absent
    person_c = session.attendances.get(status=A.ATTENDED, entrepreneur__name=world.names[world.c])
    told_c = Notification.objects.filter(key__startswith=f"session:{session.pk}:",
                                         recipient=person_c.entrepreneur.user)
    assert sorted((n.key.split(":")[2], n.channel) for n in told_c) == [
        ("promoted", Notification.Channel.IN_APP), ("promoted", Notification.Channel.SMS),
        ("registered", Notification.Channel.IN_APP),
    ]
    assert translated("On the waiting list: %(theme)s") % {"theme": THEME} in {
        n.subject for n in told_c}

    # 9. A rates the held session: five stars.
    phone_a.reload()
    expect(phone_a.get_by_test_id("session-status")).to_have_attribute("data-status", "held")
    expect(place_status(phone_a)).to_have_attribute("data-status", "attended")
    rating = phone_a.get_by_test_id("rate-session")
    rating.locator("input[name=rating][value='5']").check()
    rating.get_by_role("button", name=translated("Send my rating")).tap()
    expect(alert(phone_a, translated("Thank you for rating the session."))).to_be_visible()
    expect(phone_a.get_by_test_id("my-rating")).to_have_text(
        translated("You rated this session %(stars)s of 5.") % {"stars": 5})
    expect(phone_a.get_by_test_id("rate-session")).to_have_count(0)
    assert session.attendances.get(entrepreneur__name=world.names[world.a]).rating == 5

    assert csp_violations == []
    assert failed_requests == []
