"""An issue's whole journey in a real browser: an entrepreneur on a phone raises it with an
attachment, a coordinator dispatches it, the department accepts and answers, the
entrepreneur rates the answer dissatisfied from the notification, the department answers
again in round 2, and the entrepreneur rates that answer satisfied, which closes it."""

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import expect

from government.models import Department, Official
from issues.models import Category, Issue, IssueEvent, RatingValue, SatisfactionRating
from notifications.models import Notification
from tests.browser.pages import DESKTOP, PHONE, fits_the_screen, open_menu, translated
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

PASSWORD = "Moganshan-bamboo-2026"  # noqa: S105 - the test accounts' password
PDF = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
       b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
       b"trailer << /Root 1 0 R >>\n%%EOF\n")
PDF_NAME = "用电申请.pdf"
TITLE = "新厂房用电扩容迟迟未批"
K = IssueEvent.Kind


@dataclass
class World:
    entrepreneur: str
    coordinator: str
    handler: str
    department: Department
    category: Category


@pytest.fixture
def world(transactional_db) -> World:
    """Wuxing county under Huzhou; the city's Economy Bureau leads the category's issues.
    One login for each part: a verified entrepreneur of Wuxing, Wuxing's coordinator and a
    handler of the Economy Bureau."""
    city = CityFactory()
    county = RegionFactory(name="吴兴区", name_en="Wuxing")
    economy = DepartmentFactory(region=city, name="市经信局", name_en="Economy Bureau")
    DepartmentFactory(region=city, name="市资规局", name_en="Planning Bureau")
    office = DepartmentFactory(region=county, name="吴兴区营商办", name_en="Wuxing Business Office")
    category = CategoryFactory(name="要素保障", name_en="Factor supply",
                               default_department=economy,
                               description="用地、用电、融资和人才。")

    def user(username):
        return UserFactory(username=username, password=PASSWORD)

    EntrepreneurFactory(user=user("shen"), name="沈一帆",
                        enterprise=EnterpriseFactory(region=county, name="湖州一帆丝绸有限公司"))
    OfficialFactory(user=user("wuxing-coordinator"), name="王协调",
                    role=Official.Role.COORDINATOR, department=office)
    OfficialFactory(user=user("economy-handler"), name="李经办",
                    role=Official.Role.HANDLER, department=economy)
    return World(entrepreneur="shen", coordinator="wuxing-coordinator",
                 handler="economy-handler", department=economy, category=category)


@pytest.fixture
def private_storage(settings, tmp_path):
    """Uploads go to the test's own folder. The live server runs in this process and the
    storage is looked up when used, so it sees the change."""
    location = tmp_path / "private"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                    "OPTIONS": {"location": location}},
    }
    return location


def log_in(page, username: str) -> None:
    """From the page shown: the menu's log-in link, then the form."""
    open_menu(page)
    page.get_by_role("navigation", name=translated("Main navigation")).get_by_role(
        "link", name=translated("Log in")).click()
    expect(page.get_by_test_id("login-heading")).to_be_visible()
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_test_id("home-heading")).to_be_visible()


def open_issue_from_queue(page, queue: str, issue: Issue) -> None:
    """An official's way to an issue: the Issues list, a work queue's tab, the issue's row."""
    open_menu(page)
    menu = page.get_by_role("navigation", name=translated("Main navigation"))
    menu.get_by_role("link", name=translated("Issues"), exact=True).click()
    tab = page.get_by_test_id("queue-tabs").locator(f"a[data-queue={queue}]")
    expect(tab.get_by_test_id("queue-count")).to_have_text("1")
    tab.click()
    expect(tab).to_have_attribute("aria-current", "page")
    page.get_by_test_id("issue-table").get_by_role("link", name=issue.title).click()
    expect(page.get_by_test_id("issue-reference")).to_have_text(issue.reference)


def accept_and_answer(page, reply: str) -> None:
    """The handler on the issue page: accept, then send the answer."""
    page.get_by_test_id("action-accept").get_by_role(
        "button", name=translated("Accept"), exact=True).click()
    expect(page.locator("[data-status]").first).to_have_attribute("data-status", "accepted")
    answer = page.get_by_test_id("action-resolve")
    answer.locator("#id_resolve_reply").fill(reply)
    answer.get_by_role("button", name=translated("Send the answer")).click()
    expect(page.get_by_role("alert").filter(
        has_text=translated("Your answer was sent. The entrepreneur is asked to rate it.")
    )).to_be_visible()
    expect(page.locator("[data-status]").first).to_have_attribute("data-status", "resolved")
    expect(page.get_by_test_id("issue-reply")).to_contain_text(reply)


def rate_from_the_inbox(phone, issue: Issue, user, *, round_: int) -> None:
    """On the phone: the inbox, then one tap on the round's request to rate, which opens the
    rating page itself."""
    notice = Notification.objects.get(key=f"issue:{issue.pk}:rate:r{round_}:{user.pk}:in_app")
    expect(phone.get_by_test_id("nav-toggler-unread")).to_be_visible()  # the menu's dot
    open_menu(phone)
    inbox = phone.get_by_test_id("nav-inbox")
    expect(inbox.get_by_test_id("nav-inbox-unread")).to_be_visible()
    inbox.tap()
    expect(phone.get_by_test_id("inbox-heading")).to_be_visible()
    assert fits_the_screen(phone)
    item = phone.locator(f"[data-testid=inbox-item][data-pk='{notice.pk}']")
    expect(item).to_have_attribute("data-unread", "yes")
    expect(item).to_contain_text(issue.reference)
    item.tap()
    expect(phone).to_have_url(re.compile(rf"/issues/{issue.reference}/rate/$"))
    expect(phone.get_by_test_id("rate-heading")).to_be_visible()
    assert fits_the_screen(phone)


def test_raise_dispatch_answer_rate_dissatisfied_answer_again_and_close(
    live_server, world, private_storage, tmp_path, open_browser, failed_requests,
    csp_violations,
):
    pdf = tmp_path / PDF_NAME
    pdf.write_bytes(PDF)
    description = ("新厂房年底投产，需要把用电容量从 800 千伏安增至 2000 千伏安，"
                   "供电所已申请两个月。")
    first_reply = "已协调供电公司，三个月内完成扩容。"
    second_reply = "供电公司已排定施工，下周一开工，月底前通电。"

    # 1. The entrepreneur, on a phone, raises the issue with a PDF attached.
    phone = open_browser(viewport=PHONE, is_mobile=True, has_touch=True)
    phone.goto(live_server.url + "/")
    log_in(phone, world.entrepreneur)
    expect(phone.get_by_test_id("home-heading")).to_have_attribute("data-role", "entrepreneur")
    phone.get_by_test_id("raise-issue").tap()
    expect(phone.get_by_test_id("new-issue-heading")).to_be_visible()
    assert fits_the_screen(phone)
    phone.locator("#id_title").fill(TITLE)
    phone.locator("#id_description").fill(description)
    phone.get_by_label(world.category.name).check()
    attachments = phone.locator("#id_attachments")
    expect(attachments).to_be_visible()
    attachments.set_input_files(pdf)
    send = phone.get_by_test_id("new-issue-form").get_by_role(
        "button", name=translated("Send the issue"))
    send.tap()

    expect(phone.get_by_test_id("issue-title")).to_have_text(TITLE)
    issue = Issue.objects.get(title=TITLE)
    expect(phone.get_by_test_id("issue-reference")).to_have_text(issue.reference)
    expect(phone.get_by_role("alert").filter(has_text=issue.reference)).to_be_visible()
    listed = phone.get_by_test_id("issue-attachments")
    expect(listed).to_contain_text(PDF_NAME)
    expect(listed).to_contain_text("application/pdf")
    assert fits_the_screen(phone)

    # 2. Wuxing's coordinator finds it waiting to be dispatched and sends it to the
    # suggested lead department, the category's.
    desk = open_browser(viewport=DESKTOP)
    desk.goto(live_server.url + "/")
    log_in(desk, world.coordinator)
    expect(desk.get_by_test_id("home-heading")).to_have_attribute("data-role", "coordinator")
    open_issue_from_queue(desk, "to_dispatch", issue)
    dispatch = desk.get_by_test_id("action-dispatch")
    expect(dispatch.locator("#id_dispatch_lead_department")).to_have_value(
        str(world.department.pk))
    dispatch.get_by_role("button", name=translated("Dispatch"), exact=True).click()
    expect(desk.get_by_role("alert").filter(has_text=world.department.name)).to_be_visible()
    expect(desk.get_by_test_id("lead-department")).to_have_text(world.department.name)
    expect(desk.locator("[data-status]").first).to_have_attribute("data-status", "dispatched")

    # 3. The Economy Bureau's handler finds it among the new issues, accepts and answers.
    bureau = open_browser(viewport=DESKTOP)
    bureau.goto(live_server.url + "/")
    log_in(bureau, world.handler)
    expect(bureau.get_by_test_id("home-heading")).to_have_attribute("data-role", "handler")
    open_issue_from_queue(bureau, "new", issue)
    expect(bureau.get_by_test_id("issue-attachments")).to_contain_text(PDF_NAME)
    accept_and_answer(bureau, first_reply)

    # 4. The entrepreneur taps the request to rate in the inbox and is dissatisfied with how
    # the department handled it: the issue goes back to the department for round 2.
    person = issue.entrepreneur.user
    phone.goto(live_server.url + "/")
    rate_from_the_inbox(phone, issue, person, round_=1)
    expect(phone.get_by_test_id("issue-reply")).to_contain_text(first_reply)
    form = phone.get_by_test_id("rating-form")
    reason = form.locator("[data-rating-reason]")
    expect(reason).to_be_hidden()  # asked only of the dissatisfied
    form.get_by_text(translated(RatingValue.DISSATISFIED.label), exact=True).tap()
    expect(reason).to_be_visible()
    reason.get_by_text(translated(SatisfactionRating.Reason.HANDLING.label)).tap()
    expect(reason.locator("input[value=handling]")).to_be_checked()
    form.locator("#id_rate_comment").fill("三个月太久，年底就要投产。")
    assert fits_the_screen(phone)
    form.get_by_role("button", name=translated("Send my rating")).tap()

    expect(phone.get_by_test_id("issue-reference")).to_have_text(issue.reference)
    expect(phone.get_by_test_id("issue-round")).to_have_text("2")
    expect(phone.locator("[data-status]").first).to_have_attribute("data-status", "dispatched")
    expect(phone.get_by_test_id("issue-ratings")).to_contain_text(
        translated(RatingValue.DISSATISFIED.label))
    expect(phone.get_by_test_id("rate-prompt")).to_have_count(0)
    assert fits_the_screen(phone)

    # 5. The handler finds it new again, accepts it and answers again.
    open_issue_from_queue(bureau, "new", issue)
    expect(bureau.get_by_test_id("issue-round")).to_have_text("2")
    accept_and_answer(bureau, second_reply)

    # 6. The entrepreneur rates the new answer satisfied, which closes the issue.
    phone.goto(live_server.url + "/")
    rate_from_the_inbox(phone, issue, person, round_=2)
    expect(phone.get_by_test_id("issue-reply")).to_contain_text(second_reply)
    form = phone.get_by_test_id("rating-form")
    form.get_by_text(translated(RatingValue.SATISFIED.label), exact=True).tap()
    expect(form.locator("[data-rating-reason]")).to_be_hidden()
    form.get_by_role("button", name=translated("Send my rating")).tap()

    expect(phone.get_by_test_id("issue-reference")).to_have_text(issue.reference)
    expect(phone.locator("[data-status]").first).to_have_attribute("data-status", "closed")
    expect(phone.get_by_test_id("rate-prompt")).to_have_count(0)
    ratings = phone.get_by_test_id("issue-ratings").locator("li")
    expect(ratings).to_have_count(2)
    expect(ratings.nth(1)).to_contain_text(translated(RatingValue.SATISFIED.label))
    timeline = phone.get_by_test_id("issue-timeline").locator("li[data-kind]")
    expect(timeline).to_have_count(10)
    assert [item.get_attribute("data-kind") for item in timeline.all()] == [
        K.SUBMITTED, K.DISPATCHED, K.ACCEPTED, K.RESOLVED, K.RATED, K.REOPENED,
        K.ACCEPTED, K.RESOLVED, K.RATED, K.CLOSED,
    ]

    # The attachment is still the entrepreneur's to download, byte for byte.
    link = phone.get_by_test_id("issue-attachments").get_by_role("link", name=PDF_NAME)
    with phone.expect_download() as downloading:
        link.tap()
    download = downloading.value
    assert download.suggested_filename == PDF_NAME
    assert Path(download.path()).read_bytes() == PDF

    issue.refresh_from_db()
    assert issue.status == Issue.Status.CLOSED
    assert issue.round == 2
    assert issue.lead_department == world.department
    assert issue.latest_rating == RatingValue.SATISFIED
    assert list(issue.ratings.order_by("round").values_list("round", "value", "reason")) == [
        (1, RatingValue.DISSATISFIED, SatisfactionRating.Reason.HANDLING),
        (2, RatingValue.SATISFIED, ""),
    ]
    assert [attachment.original_name for attachment in issue.attachments.all()] == [PDF_NAME]
    assert list(private_storage.rglob("*"))  # stored in the test's folder, not var/private

    assert csp_violations == []
    assert failed_requests == []
