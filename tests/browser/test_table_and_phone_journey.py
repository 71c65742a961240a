"""The table and the phone (issue 14), every official's page on a 390×844 phone: at an open
session the coordinator adds a walk-in who has no account, checks them in and records their
issue, and dispatches it to a department whose lead signs answers off; the handler answers
with a PDF letter and the lead signs it off; the walk-in opens the rating link of the SMS
in the outbox, with no log-in, and rates the answer dissatisfied; the coordinator records
the 回访 call from the follow-up queue; the issue reopens, is answered and signed off again,
and the coordinator records the satisfied rating given by phone, which closes it. The
dashboard then shows the satisfaction by channel and the 回访 rate.

Set ``SCREENSHOTS`` to a folder (``SCREENSHOTS=docs/screenshots``) to save the phone
screenshots of the docs there; without it the journey writes nothing.
"""

import os
import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from entrepreneurs.models import Entrepreneur
from government.models import Department, Official, Region
from issues.models import (
    Answer,
    Category,
    FollowUpCall,
    Issue,
    IssueEvent,
    RatingChannel,
    RatingValue,
    SatisfactionRating,
)
from notifications.models import Notification
from sessions.models import Attendance, TalkSession
from tests.browser.pages import PHONE, fits_the_screen, open_menu, translated
from tests.browser.test_issue_journey import PASSWORD, PDF, log_in
from tests.factories import (
    CategoryFactory,
    CityFactory,
    DepartmentFactory,
    OfficialFactory,
    RegionFactory,
    TalkSessionFactory,
    UserFactory,
)

pytestmark = pytest.mark.browser

THEME = "要素保障专场"
VENUE = "吴兴区市民之家三楼会议室"
WALK_IN = {"name": "孙丁", "mobile": "13905728888", "enterprise": "湖州孙记茶业有限公司"}
TITLE = "茶园冷库用电扩容迟迟未批"
LETTER = "答复函.pdf"
K = IssueEvent.Kind
S = Issue.Status


@dataclass
class World:
    coordinator: str
    handler: str
    lead: str
    county: Region
    department: Department
    category: Category
    session: TalkSession


@pytest.fixture
def world(transactional_db) -> World:
    """Wuxing county under Huzhou: its coordinator; the city's Economy Bureau, whose answers
    its lead signs off (审核签发), with a handler and the lead; a session of Wuxing, open
    for registration, starting in ten minutes (so check-in is open)."""
    city = CityFactory()
    county = RegionFactory(name="吴兴区", name_en="Wuxing")
    office = DepartmentFactory(region=county, name="吴兴区营商办",
                               name_en="Wuxing Business Office")
    economy = DepartmentFactory(region=city, name="市经信局", name_en="Economy Bureau",
                                requires_sign_off=True)
    category = CategoryFactory(name="要素保障", name_en="Factor supply",
                               default_department=economy)

    def official(username, name, role, department):
        OfficialFactory(user=UserFactory(username=username, password=PASSWORD), name=name,
                        role=role, department=department)

    official("wuxing-coordinator", "王协调", Official.Role.COORDINATOR, office)
    official("economy-handler", "李经办", Official.Role.HANDLER, economy)
    official("economy-lead", "赵局长", Official.Role.DEPARTMENT_LEAD, economy)
    starts_at = timezone.now() + timedelta(minutes=10)
    session = TalkSessionFactory(region=county, theme=THEME, venue=VENUE,
                                 status=TalkSession.Status.OPEN, starts_at=starts_at,
                                 ends_at=starts_at + timedelta(hours=2))
    return World(coordinator="wuxing-coordinator", handler="economy-handler",
                 lead="economy-lead", county=county, department=economy, category=category,
                 session=session)


@pytest.fixture
def site_url(settings, live_server):
    """The site's public address (which the SMS links point to) is the live server's."""
    settings.SITE_URL = live_server.url
    return live_server.url


def shoot(page, name: str, *, full_page: bool = True) -> None:
    """A phone screenshot for the docs, only when SCREENSHOTS names a folder."""
    folder = os.environ.get("SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / name), full_page=full_page)


def open_phone(open_browser, live_server, username: str | None = None):
    """A phone of one's own; logged in as ``username`` if given."""
    phone = open_browser(viewport=PHONE, is_mobile=True, has_touch=True)
    phone.goto(live_server.url + "/")
    if username:
        log_in(phone, username)
    return phone


def alert(phone, text: str):
    return phone.get_by_role("alert").filter(has_text=text)


def status_of(phone):
    return phone.locator("[data-status]").first


def open_issue_from_queue(phone, queue: str, issue: Issue) -> None:
    """An official's way to an issue on a phone: the Issues list, a work queue's tab, the
    issue's card."""
    open_menu(phone)
    menu = phone.get_by_role("navigation", name=translated("Main navigation"))
    menu.get_by_role("link", name=translated("Issues"), exact=True).tap()
    tab = phone.get_by_test_id("queue-tabs").locator(f"a[data-queue={queue}]")
    expect(tab.get_by_test_id("queue-count")).to_have_text("1")
    tab.tap()
    expect(tab).to_have_attribute("aria-current", "page")
    assert fits_the_screen(phone)
    phone.get_by_test_id("issue-cards").get_by_role("link", name=issue.title).tap()
    expect(phone.get_by_test_id("issue-reference")).to_have_text(issue.reference)


def answer(phone, reply: str, *, letter: Path | None = None) -> None:
    """The handler on the issue page: accept, then answer (with the letter); the answer waits
    for the lead's sign-off."""
    phone.get_by_test_id("action-accept").get_by_role(
        "button", name=translated("Accept"), exact=True).tap()
    expect(status_of(phone)).to_have_attribute("data-status", S.ACCEPTED)
    form = phone.get_by_test_id("action-resolve")
    form.locator("#id_resolve_reply").fill(reply)
    if letter is not None:
        form.locator("#id_resolve_files").set_input_files(letter)
    assert fits_the_screen(phone)
    form.get_by_role("button", name=translated("Send the answer")).tap()
    expect(alert(phone, translated(
        "Your answer waits for your department's lead to sign it off; the entrepreneur "
        "receives it once it is approved."))).to_be_visible()
    expect(status_of(phone)).to_have_attribute("data-status", S.IN_PROGRESS)  # not sent yet
    review = phone.get_by_test_id("answer-under-review")
    expect(review).to_have_attribute("data-status", Answer.Status.PENDING)
    expect(review).to_contain_text(reply)
    assert fits_the_screen(phone)


def sign_off(phone, live_server, issue: Issue, reply: str, *,
             screenshot: str | None = None) -> None:
    """The lead's home page lists the answer awaiting sign-off; the lead opens it and
    approves it: the entrepreneur now receives it."""
    phone.goto(live_server.url + "/")
    queue = phone.get_by_test_id("sign-off-queue")
    expect(queue.get_by_test_id("sign-off-count")).to_have_text("1")
    queue.get_by_role("link", name=issue.title).tap()
    expect(phone.get_by_test_id("issue-reference")).to_have_text(issue.reference)
    expect(phone.get_by_test_id("answer-under-review")).to_contain_text(reply)
    approve = phone.get_by_test_id("action-approve_answer")
    expect(approve).to_be_visible()
    assert fits_the_screen(phone)
    if screenshot:
        approve.scroll_into_view_if_needed()
        shoot(phone, screenshot)
    approve.get_by_role("button", name=translated("Approve and send")).tap()
    expect(alert(phone, translated(
        "The answer was signed off and sent. The entrepreneur is asked to rate it."))
    ).to_be_visible()
    expect(status_of(phone)).to_have_attribute("data-status", S.RESOLVED)
    expect(phone.get_by_test_id("issue-reply")).to_contain_text(reply)
    expect(phone.get_by_test_id("answer-under-review")).to_have_count(0)
    assert fits_the_screen(phone)


def open_follow_up(phone) -> None:
    """The menu's follow-up calls (回访)."""
    open_menu(phone)
    phone.get_by_test_id("nav-follow-up").tap()
    expect(phone.get_by_test_id("follow-up-heading")).to_have_text(
        translated("Follow-up calls (回访)"))
    assert fits_the_screen(phone)


def test_walk_in_answer_letter_sign_off_link_rating_follow_up_call_and_phone_rating(
    live_server, site_url, world, private_storage, tmp_path, open_browser, failed_requests,
    csp_violations,
):
    session = world.session
    letter = tmp_path / LETTER
    letter.write_bytes(PDF)
    description = "茶园新建冷库，需要把用电容量增至 400 千伏安，供电所已申请两个月未批。"
    first_reply = "已协调供电公司，三个月内完成扩容，详见答复函。"
    second_reply = "供电公司已排定施工，下周一开工，月底前通电。"

    # 1. At the door: the coordinator opens the session's check-in list on a phone. The
    # walk-in is not in the directory: the search finds nobody, so the short form is open.
    desk = open_phone(open_browser, live_server, world.coordinator)
    expect(desk.get_by_test_id("home-heading")).to_have_attribute("data-role", "coordinator")
    open_menu(desk)
    desk.get_by_test_id("nav-sessions").tap()
    desk.locator(f"[data-testid=session-row][data-session='{session.pk}']").get_by_role(
        "link", name=THEME).tap()
    expect(desk.get_by_test_id("session-heading")).to_have_text(THEME)
    desk.get_by_test_id("check-in-link").tap()
    expect(desk).to_have_url(re.compile(rf"/sessions/{session.pk}/check-in/$"))
    expect(desk.get_by_test_id("check-in-opens")).to_have_count(0)  # check-in is open
    expect(desk.get_by_test_id("check-in-row")).to_have_count(0)
    search = desk.get_by_test_id("walk-in-search")
    search.locator("input[name=q]").fill(WALK_IN["name"])
    search.get_by_role("button", name=translated("Find")).tap()
    expect(desk.get_by_text(translated(
        "Nobody found. Add them below if they are not in the directory."))).to_be_visible()
    new = desk.get_by_test_id("walk-in-new")
    expect(new).to_have_attribute("open", "")
    form = desk.get_by_test_id("walk-in-form")
    form.locator("#id_name").fill(WALK_IN["name"])
    form.locator("#id_mobile").fill(WALK_IN["mobile"])
    form.locator("#id_enterprise_name").fill(WALK_IN["enterprise"])
    expect(form.locator("#id_region")).to_have_value(str(world.county.pk))  # the session's
    expect(form.locator("#id_credit_code")).to_have_value("")  # they do not know it
    assert fits_the_screen(desk)
    form.scroll_into_view_if_needed()
    shoot(desk, "check-in-walk-in-form.png")
    form.get_by_test_id("walk-in-add").tap()

    # They are in the directory, with no account, and checked in at once.
    expect(alert(desk, WALK_IN["name"])).to_be_visible()
    expect(desk).to_have_url(re.compile(rf"/sessions/{session.pk}/check-in/#attendance-\d+$"))
    row = desk.locator(f"[data-testid=check-in-row][data-name='{WALK_IN['name']}']")
    expect(row).to_have_attribute("data-status", Attendance.Status.ATTENDED)
    expect(row).to_contain_text(WALK_IN["enterprise"])
    expect(row).to_contain_text(translated(Attendance.CheckIn.WALK_IN.label))
    expect(row.get_by_test_id("untick")).to_be_visible()
    expect(desk.get_by_test_id("check-in-count").locator(".fw-semibold")).to_have_text("1")
    assert fits_the_screen(desk)
    shoot(desk, "check-in-walk-in-added.png", full_page=False)
    person = Entrepreneur.objects.get(mobile=WALK_IN["mobile"])
    assert person.user is None
    assert person.source == Entrepreneur.Source.WALK_IN
    assert person.enterprise.credit_code is None and person.enterprise.provisional

    # The venue's printable sign-in sheet lists them; the venue's screen shows the code.
    desk.get_by_test_id("sign-in-sheet-link").tap()
    sheet = desk.get_by_test_id("sign-in-sheet")
    expect(sheet.get_by_test_id("sheet-theme")).to_have_text(THEME)
    expect(sheet.get_by_test_id("sheet-row")).to_have_count(1)
    expect(sheet.get_by_test_id("sheet-row")).to_contain_text(WALK_IN["name"])
    expect(sheet.get_by_test_id("sheet-mobile")).not_to_contain_text(WALK_IN["mobile"])
    shoot(desk, "sign-in-sheet.png")
    desk.go_back()
    desk.get_by_role("link", name=translated("Code for the venue's screen")).tap()
    code = desk.get_by_test_id("check-in-code")
    expect(code.locator("svg")).to_have_count(1)
    expect(desk.get_by_test_id("checked-in")).to_contain_text("1")
    expect(desk.locator("nav .navbar-toggler")).to_have_count(0)  # no staff navigation
    assert fits_the_screen(desk)
    shoot(desk, "venue-code.png", full_page=False)
    desk.go_back()

    # Beside their row, the coordinator records the issue they raise at the table.
    row.get_by_test_id("record-issue").tap()
    expect(desk).to_have_url(re.compile(
        rf"/issues/new/\?entrepreneur={person.pk}&session={session.pk}$"))
    expect(desk.get_by_test_id("new-issue-heading")).to_contain_text(WALK_IN["name"])
    issue_form = desk.get_by_test_id("new-issue-form")
    expect(issue_form.locator(f"input[name=source][value={Issue.Source.SESSION}]")).to_be_checked()
    expect(issue_form.locator("#id_session")).to_have_value(str(session.pk))
    issue_form.locator("#id_title").fill(TITLE)
    issue_form.locator("#id_description").fill(description)
    issue_form.get_by_label(world.category.name).check()
    assert fits_the_screen(desk)
    issue_form.get_by_role("button", name=translated("Record the issue")).tap()
    expect(desk.get_by_test_id("issue-title")).to_have_text(TITLE)
    issue = Issue.objects.get(title=TITLE)
    expect(desk.get_by_test_id("issue-reference")).to_have_text(issue.reference)
    expect(status_of(desk)).to_have_attribute("data-status", S.SUBMITTED)
    assert (issue.entrepreneur, issue.session, issue.source) == (
        person, session, Issue.Source.SESSION)

    # It goes to the category's department, whose lead signs its answers off.
    dispatch = desk.get_by_test_id("action-dispatch")
    expect(dispatch.locator("#id_dispatch_lead_department")).to_have_value(
        str(world.department.pk))
    dispatch.get_by_role("button", name=translated("Dispatch"), exact=True).tap()
    expect(alert(desk, world.department.name)).to_be_visible()
    expect(status_of(desk)).to_have_attribute("data-status", S.DISPATCHED)
    expect(desk.get_by_test_id("lead-department")).to_have_text(world.department.name)
    assert fits_the_screen(desk)

    # 2. The handler, on a phone, accepts and answers with the PDF letter; the answer
    # waits for the lead.
    bureau = open_phone(open_browser, live_server, world.handler)
    expect(bureau.get_by_test_id("home-heading")).to_have_attribute("data-role", "handler")
    open_issue_from_queue(bureau, "new", issue)
    answer(bureau, first_reply, letter=letter)
    expect(bureau.get_by_test_id("answer-under-review").get_by_test_id("answer-files")
           ).to_contain_text(LETTER)
    shoot(bureau, "answer-with-letter.png")
    assert not Notification.objects.filter(key__startswith=f"issue:{issue.pk}:rate:").exists()

    # The lead, on a phone, finds it on the home page and signs it off.
    lead = open_phone(open_browser, live_server, world.lead)
    expect(lead.get_by_test_id("home-heading")).to_have_attribute("data-role",
                                                                   "department_lead")
    sign_off(lead, live_server, issue, first_reply, screenshot="lead-sign-off.png")
    expect(lead.get_by_test_id("issue-reply").get_by_test_id("answer-files")).to_contain_text(
        LETTER)

    # 3. The walk-in's phone gets the SMS with the rating link (read from the outbox); it
    # opens with no log-in, in a browser of its own.
    sms = Notification.objects.get(key=f"issue:{issue.pk}:rate:r1:{person.pk}:sms")
    assert (sms.channel, sms.address, sms.recipient) == (
        Notification.Channel.SMS, WALK_IN["mobile"], None)
    link = re.search(r"https?://\S+/r/\S+", sms.body).group(0)
    assert link.startswith(live_server.url + "/r/")
    walk_in = open_browser(viewport=PHONE, is_mobile=True, has_touch=True)
    walk_in.goto(link)
    expect(walk_in.get_by_test_id("rate-heading")).to_be_visible()
    expect(walk_in.get_by_test_id("issue-reference")).to_have_text(issue.reference)
    expect(walk_in.get_by_test_id("issue-reply")).to_contain_text(first_reply)
    files = walk_in.get_by_test_id("answer-attachments")
    expect(files.get_by_role("link", name=LETTER)).to_be_visible()
    expect(walk_in.get_by_test_id("link-help")).to_contain_text(settings.PROGRAMME_PHONE)
    expect(walk_in.locator("nav .navbar-toggler")).to_have_count(0)  # nobody is logged in
    assert fits_the_screen(walk_in)
    form = walk_in.get_by_test_id("rating-form")
    form.get_by_text(translated(RatingValue.DISSATISFIED.label), exact=True).tap()
    reason = form.locator("[data-rating-reason]")
    reason.get_by_text(translated(SatisfactionRating.Reason.HANDLING.label)).tap()
    expect(reason.locator("input[value=handling]")).to_be_checked()
    form.locator("textarea[name=comment]").fill("三个月太久，冷库下个月就要用。")
    assert fits_the_screen(walk_in)
    shoot(walk_in, "rating-link-phone.png")
    form.get_by_role("button", name=translated("Send my rating")).tap()
    thanks = walk_in.get_by_test_id("rating-thanks")
    expect(thanks).to_have_attribute("data-outcome", "reopened")
    expect(thanks.get_by_test_id("rating-value")).to_have_text(
        translated(RatingValue.DISSATISFIED.label))
    expect(thanks.get_by_test_id("will-call")).to_be_visible()
    assert fits_the_screen(walk_in)
    issue.refresh_from_db()
    assert (issue.status, issue.round, issue.latest_rating_channel) == (
        S.DISPATCHED, 2, RatingChannel.LINK)

    # The link works once: opened again (410 Gone) it says the answer it was for is past.
    walk_in.goto(link)
    expect(walk_in.get_by_test_id("link-state")).to_have_attribute("data-state", "earlier")
    expect(walk_in.get_by_test_id("link-phone")).to_contain_text(settings.PROGRAMME_PHONE)
    assert fits_the_screen(walk_in)

    # 4. The coordinator's follow-up queue (回访) lists the dissatisfied rating; the call
    # reaches the person, and a note is kept.
    first_rating = issue.ratings.get(round=1)
    assert (first_rating.channel, first_rating.recorded_by) == (RatingChannel.LINK, None)
    open_follow_up(desk)
    dissatisfied = desk.get_by_test_id("follow-up-dissatisfied")
    item = dissatisfied.locator(f"li[data-rating='{first_rating.pk}']")
    expect(item).to_contain_text(WALK_IN["name"])
    expect(item).to_contain_text(issue.reference)
    expect(item).to_contain_text(translated(SatisfactionRating.Reason.HANDLING.label))
    expect(item.get_by_test_id("call-late")).to_have_count(0)
    shoot(desk, "follow-up-queue.png")
    item.get_by_test_id("record-call").tap()
    expect(desk.get_by_test_id("record-call-heading")).to_be_visible()
    expect(desk.get_by_test_id("call-about-rating")).to_contain_text(
        translated(RatingValue.DISSATISFIED.label))
    expect(desk.get_by_test_id("call-tel")).to_have_attribute("href",
                                                             f"tel:{WALK_IN['mobile']}")
    call_form = desk.get_by_test_id("record-call-form")
    call_form.get_by_label(translated("Yes, we spoke")).check()
    call_form.locator("textarea[name$=note]").fill("已致电，解释第二轮由市经信局督办，"
                                                   "本周内答复。")
    assert fits_the_screen(desk)
    shoot(desk, "record-call.png")
    call_form.get_by_role("button", name=translated("Record the call")).tap()
    expect(desk.get_by_test_id("follow-up-heading")).to_be_visible()
    expect(alert(desk, translated("The call about issue %(reference)s was recorded.")
                 % {"reference": issue.reference})).to_be_visible()
    expect(desk.get_by_test_id("follow-up-dissatisfied").locator(
        f"li[data-rating='{first_rating.pk}']")).to_have_count(0)
    assert fits_the_screen(desk)

    # 5. Round 2: the handler accepts and answers again, the lead signs it off.
    open_issue_from_queue(bureau, "new", issue)
    expect(bureau.get_by_test_id("issue-round")).to_have_text("2")
    answer(bureau, second_reply)
    sign_off(lead, live_server, issue, second_reply)

    # The coordinator calls from the queue's part for answers awaiting a rating: reached,
    # satisfied, recorded on the walk-in's behalf as given by phone; the issue closes.
    open_follow_up(desk)
    awaiting = desk.get_by_test_id("follow-up-awaiting").locator(
        f"li[data-reference='{issue.reference}']")
    expect(awaiting).to_contain_text(WALK_IN["name"])
    awaiting.get_by_test_id("record-call").tap()
    expect(desk.get_by_test_id("issue-reply")).to_contain_text(second_reply)
    call_form = desk.get_by_test_id("record-call-form")
    call_form.get_by_label(translated("Yes, we spoke")).check()
    call_form.get_by_label(translated(RatingValue.SATISFIED.label), exact=True).check()
    call_form.locator("textarea[name$=note]").fill("满意，月底前通电即可。")
    assert fits_the_screen(desk)
    call_form.get_by_role("button", name=translated("Record the call")).tap()
    expect(alert(desk, translated(
        "The rating by phone was recorded; issue %(reference)s is closed.")
        % {"reference": issue.reference})).to_be_visible()
    expect(desk.get_by_test_id("follow-up-awaiting").locator(
        f"li[data-reference='{issue.reference}']")).to_have_count(0)

    # The issue page: closed, both ratings, the phone one as such in the timeline.
    desk.goto(f"{live_server.url}/issues/{issue.reference}/")
    expect(status_of(desk)).to_have_attribute("data-status", S.CLOSED)
    ratings = desk.get_by_test_id("issue-ratings").locator("li")
    expect(ratings).to_have_count(2)
    expect(ratings.nth(0)).to_contain_text(translated(RatingValue.DISSATISFIED.label))
    expect(ratings.nth(1)).to_contain_text(translated(RatingValue.SATISFIED.label))
    timeline = desk.get_by_test_id("issue-timeline").locator("li[data-kind]")
    kinds = [entry.get_attribute("data-kind") for entry in timeline.all()]
    assert kinds.count(K.RATED) == 2
    assert kinds[-1] == K.CLOSED
    assert kinds.count(K.CALL) == 2
    assert fits_the_screen(desk)

    issue.refresh_from_db()
    assert (issue.status, issue.round, issue.latest_rating, issue.latest_rating_channel) == (
        S.CLOSED, 2, RatingValue.SATISFIED, RatingChannel.PHONE)
    assert issue.last_called_at is not None
    assert list(issue.ratings.order_by("round").values_list(
        "round", "value", "channel", "recorded_by__username")) == [
        (1, RatingValue.DISSATISFIED, RatingChannel.LINK, None),
        (2, RatingValue.SATISFIED, RatingChannel.PHONE, world.coordinator),
    ]
    assert list(FollowUpCall.objects.filter(issue=issue).order_by("called_at").values_list(
        "round", "purpose", "reached")) == [
        (2, FollowUpCall.Purpose.DISSATISFIED, True),
        (2, FollowUpCall.Purpose.AWAITING_RATING, True),
    ]
    assert list(Answer.objects.filter(issue=issue).order_by("round").values_list(
        "round", "status", "decided_by__username")) == [
        (1, Answer.Status.APPROVED, world.lead), (2, Answer.Status.APPROVED, world.lead),
    ]
    assert [a.original_name for a in issue.attachments.filter(answer__round=1)] == [LETTER]

    # 6. The dashboard: the issue's latest rating was given by phone, satisfied; none by
    # the link any more (its rating was superseded by round 2's); one call in one resolved.
    open_menu(desk)
    desk.get_by_test_id("nav-dashboard").tap()
    expect(desk.get_by_test_id("dashboard-heading")).to_be_visible()
    channels = desk.get_by_test_id("channel-figures")
    # No rating by that channel: a dash (with its reason for screen readers), never 0%.
    expect(channels.get_by_test_id("figure-satisfaction-online")).to_have_text(re.compile("^—"))
    expect(channels.get_by_test_id("figure-satisfaction-link")).to_have_text(re.compile("^—"))
    expect(channels.get_by_test_id("figure-satisfaction-phone")).to_have_text("100.00%")
    expect(channels.get_by_test_id("figure-call-rate")).to_have_text("100.00%")
    expect(channels).to_contain_text(translated(
        "%(n)s of %(total)s resolved reached by a call") % {"n": 1, "total": 1})
    expect(desk.get_by_test_id("figure-satisfaction")).to_have_text("100.00%")
    assert fits_the_screen(desk)
    channels.scroll_into_view_if_needed()
    shoot(desk, "dashboard-channels.png", full_page=False)

    assert csp_violations == []
    assert failed_requests == [f"410 {link}"]  # only the used link, opened again on purpose
