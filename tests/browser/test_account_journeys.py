"""Account journeys in a real browser: signing up and being verified, staying inside one's
own enterprise, an official's account from creation to first log-in, and the lock-out."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from accounts.forms import IdentifierAuthenticationForm
from demo.seed import DEMO_PASSWORD
from entrepreneurs.models import Enterprise, Entrepreneur
from government.models import Department, Official, Region
from notifications.models import Notification
from tests.browser.pages import PHONE, fits_the_screen, open_account_menu, open_menu, translated
from tests.factories import IssueFactory, credit_code

pytestmark = pytest.mark.browser

NEW_PASSWORD = "Bamboo-shoots-in-Anji-2026"  # noqa: S105 - a test account's password
WRONG_PASSWORD = "huzhou-demo-wrong"  # noqa: S105


def log_in(page, identifier: str, password: str = DEMO_PASSWORD) -> None:
    """From any page: the menu's log-in link, then the form."""
    open_menu(page)
    with page.expect_navigation():
        page.locator("nav").get_by_role("link", name=translated("Log in")).click()
    expect(page.get_by_test_id("login-heading")).to_be_visible()
    submit_log_in(page, identifier, password)


def submit_log_in(page, identifier: str, password: str) -> None:
    """Fill in the log-in form on the page and send it; returns once the answer is shown
    (which may be the same form again, so waiting for the form would not do)."""
    page.locator("#id_username").fill(identifier)
    page.locator("#id_password").fill(password)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()


def fill_step_1(page, name: str, mobile: str, email: str) -> None:
    """Sign-up's first step: the person, the password twice, the privacy notice."""
    page.locator("#id_name").fill(name)
    page.locator("#id_mobile").fill(mobile)
    page.locator("#id_email").fill(email)
    page.locator("#id_password").fill(NEW_PASSWORD)
    page.locator("#id_password_confirm").fill(NEW_PASSWORD)
    page.locator("#id_privacy_consent").check()
    with page.expect_navigation():
        page.get_by_test_id("signup-next").click()


def at_most_two_screens(page) -> bool:
    """The page is at most two screens tall (issue 16: sign-up was 4,200 px on a phone)."""
    height = page.evaluate("() => document.documentElement.scrollHeight")
    return height <= 2 * page.viewport_size["height"]


def log_out(page) -> None:
    open_account_menu(page)
    page.locator("nav").get_by_role("button", name=translated("Log out")).click()
    expect(page.get_by_test_id("home-heading")).to_have_attribute("data-role", "anonymous")


def test_sign_up_be_verified_and_log_in_by_mobile(
    page, live_server, demo_accounts, open_browser, failed_requests, csp_violations
):
    wuxing = Region.objects.get(code="wuxing")
    code = credit_code(4242, region="330502")
    name, mobile, enterprise = "林书远", "13805720009", "湖州书远竹木制品有限公司"

    # An anonymous visitor on a phone signs up, in two short steps.
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + "/")
    page.get_by_test_id("signup-link").click()
    expect(page.get_by_test_id("signup-heading")).to_be_visible()
    expect(page.get_by_test_id("signup-step")).to_have_attribute("data-step", "1")
    assert fits_the_screen(page)
    assert at_most_two_screens(page)
    fill_step_1(page, name, "1380572", "lin.shuyuan@example.com")  # a digit or four short

    # The error summary comes first, focused, and its link leads to the mobile field.
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("请检查以下 1 项")
    expect(page.get_by_test_id("signup-step")).to_have_attribute("data-step", "1")
    summary.get_by_role("link").click()
    expect(page.locator("#id_mobile")).to_be_focused()
    assert at_most_two_screens(page)
    fill_step_1(page, name, mobile, "lin.shuyuan@example.com")

    # Step 2: the enterprise. Going back keeps what was typed on both steps.
    expect(page.get_by_test_id("signup-step")).to_have_attribute("data-step", "2")
    expect(page.get_by_test_id("signup-person")).to_contain_text(name)
    assert fits_the_screen(page)
    assert at_most_two_screens(page)
    page.locator("#id_credit_code").fill(code)
    page.locator("#id_enterprise_name").fill(enterprise)
    with page.expect_navigation():
        page.get_by_test_id("signup-back").click()
    expect(page.locator("#id_name")).to_have_value(name)
    expect(page.locator("#id_mobile")).to_have_value(mobile)
    with page.expect_navigation():
        page.get_by_test_id("signup-next").click()  # the password chosen before stays
    expect(page.locator("#id_credit_code")).to_have_value(code)
    expect(page.locator("#id_enterprise_name")).to_have_value(enterprise)
    page.locator("#id_region").select_option(label=wuxing.name)
    page.locator("#id_industry").select_option(Enterprise.Industry.MANUFACTURING.value)
    page.locator("#id_scale").select_option(Enterprise.Scale.SMALL.value)
    page.get_by_test_id("signup-submit").click()

    # Signed in, waiting for verification: the panel says so, and no issue lists yet.
    expect(page.get_by_test_id("home-heading")).to_have_attribute("data-role", "entrepreneur")
    pending_panel = page.get_by_test_id("verification-pending")
    expect(pending_panel).to_be_visible()
    expect(pending_panel).to_contain_text(wuxing.name)
    expect(page.get_by_role("alert").filter(has_text=name)).to_be_visible()
    expect(page.locator("main")).to_contain_text(enterprise)
    expect(page.locator("#status-heading")).to_have_count(0)
    expect(page.locator("#latest-heading")).to_have_count(0)
    assert fits_the_screen(page)
    log_out(page)

    # The city coordinator, at a desk, verifies the new person.
    desk = open_browser()
    desk.goto(live_server.url + "/")
    log_in(desk, "coordinator")
    expect(desk.get_by_test_id("home-heading")).to_have_attribute("data-role", "coordinator")
    desk.locator("nav").get_by_role("link", name=translated("Sign-ups to verify")).click()
    expect(desk.get_by_test_id("pending-heading")).to_be_visible()
    row = desk.get_by_test_id("pending-person").filter(has_text=name)
    expect(row).to_contain_text(code)
    expect(row).to_contain_text(mobile)  # a city coordinator sees the number to call
    row.get_by_role("link", name=translated("Review")).click()
    expect(desk.get_by_test_id("person-name")).to_have_text(name)
    decision = desk.get_by_test_id("decision-form")
    decision.locator("input[name=decision][value=verify]").check()
    decision.locator("button[type=submit]").click()

    expect(desk.get_by_test_id("pending-heading")).to_be_visible()
    expect(desk.get_by_role("alert").filter(has_text=name)).to_be_visible()
    expect(desk.get_by_test_id("pending-person").filter(has_text=name)).to_have_count(0)
    expect(desk.get_by_test_id("pending-person").filter(has_text="孙悦")).to_have_count(1)
    log_out(desk)

    # Back on the phone: the entrepreneur logs in by mobile, typed the way people type it.
    log_in(page, "+86 138 0572 0009", NEW_PASSWORD)
    expect(page.get_by_test_id("home-heading")).to_have_attribute("data-role", "entrepreneur")
    expect(page.get_by_test_id("verification-pending")).to_have_count(0)
    expect(page.locator("#status-heading")).to_be_visible()
    expect(page.locator("#latest-heading")).to_be_visible()
    expect(page.locator("main")).to_contain_text(enterprise)
    assert fits_the_screen(page)

    assert csp_violations == []
    assert failed_requests == []


def test_another_enterprises_issue_is_not_found(
    page, live_server, demo_accounts, failed_requests, csp_violations
):
    person = Entrepreneur.objects.get(user__username="entrepreneur")
    own = IssueFactory(enterprise=person.enterprise, entrepreneur=person,
                       title="丝路纺织新厂房用电扩容")
    other = IssueFactory(title="别家企业的融资担保难题")

    page.goto(live_server.url + "/")
    log_in(page, "entrepreneur")
    expect(page.get_by_test_id("home-heading")).to_have_attribute("data-role", "entrepreneur")
    page.locator("nav").get_by_role("link", name=translated("Issues"), exact=True).click()

    expect(page.get_by_test_id("issue-list-heading")).to_have_attribute("data-scope",
                                                                        "enterprise")
    table = page.get_by_test_id("issue-table")
    expect(table).to_contain_text(own.reference)
    expect(page.get_by_text(other.title)).to_have_count(0)
    own_url = f"{live_server.url}/issues/{own.reference}/"
    with page.expect_response(own_url) as opened:
        table.get_by_role("link", name=own.title).click()
    assert opened.value.status == 200
    expect(page.get_by_test_id("issue-title")).to_have_text(own.title)
    expect(page.get_by_test_id("issue-reference")).to_have_text(own.reference)

    # Typing another enterprise's issue address: the site's own "not found" page.
    other_url = f"{live_server.url}/issues/{other.reference}/"
    response = page.goto(other_url)
    assert response.status == 404
    not_found = page.get_by_test_id("not-found")
    expect(not_found.get_by_role("heading")).to_have_text(translated("Page not found"))
    expect(page.get_by_test_id("nav-user")).to_be_visible()  # still signed in, site chrome
    expect(page.get_by_text(other.title)).to_have_count(0)
    assert other.title not in page.content()

    assert csp_violations == []
    assert failed_requests == [f"404 {other_url}"]


def test_a_new_officials_account_from_creation_to_first_log_in(
    page, live_server, demo_accounts, open_browser, failed_requests, csp_violations
):
    department = Department.objects.get(code="huzhou-jxj")
    name, email = "周敏", "zhou.min@example.com"

    # The city coordinator creates the account.
    page.goto(live_server.url + "/")
    log_in(page, "coordinator")
    expect(page.get_by_test_id("home-heading")).to_have_attribute("data-role", "coordinator")
    page.locator("nav").get_by_role("link", name=translated("Officials")).click()
    expect(page.get_by_test_id("officials-heading")).to_be_visible()
    page.get_by_test_id("official-create").click()
    form = page.get_by_test_id("official-form")
    form.locator("#id_name").fill(name)
    form.locator("#id_email").fill(email)
    form.locator("#id_department").select_option(str(department.pk))
    form.locator("#id_role").select_option(Official.Role.HANDLER.value)
    form.locator("#id_title").fill("企业服务科科员")
    form.locator("button[type=submit]").click()

    expect(page.get_by_test_id("official-name")).to_have_text(name)
    expect(page.get_by_test_id("official-role")).to_have_text(
        translated(Official.Role.HANDLER.label)
    )
    expect(page.get_by_test_id("official-department")).to_contain_text(department.name)
    expect(page.get_by_test_id("official-password")).to_have_text(
        translated("Not chosen yet: the link has not been used")
    )
    expect(page.get_by_role("alert").filter(has_text=email)).to_be_visible()
    log_out(page)

    # The email's link, as it would arrive.
    welcome = Notification.objects.order_by("-id").first()
    assert welcome.channel == Notification.Channel.EMAIL
    assert welcome.address == email
    link = live_server.url + urlsplit(welcome.url).path

    # The new official, in their own browser, chooses a password and logs in.
    newcomer = open_browser()
    newcomer.goto(link)
    expect(newcomer.locator("main h1")).to_have_text(translated("Welcome: choose your password"))
    newcomer.locator("#id_new_password1").fill(NEW_PASSWORD)
    newcomer.locator("#id_new_password2").fill(NEW_PASSWORD)
    newcomer.locator("main form button[type=submit]").click()

    expect(newcomer.get_by_test_id("login-heading")).to_be_visible()
    expect(newcomer.get_by_role("alert").filter(
        has_text=translated("Your password is set. Log in to start.")
    )).to_be_visible()
    newcomer.locator("#id_username").fill(email)
    newcomer.locator("#id_password").fill(NEW_PASSWORD)
    newcomer.locator("main form button[type=submit]").click()

    heading = newcomer.get_by_test_id("home-heading")
    expect(heading).to_have_attribute("data-role", "handler")
    expect(heading).to_have_text(translated("Department queue"))
    expect(newcomer.get_by_test_id("nav-user")).to_contain_text(name)

    # The link worked once.
    newcomer.goto(link)
    expect(newcomer.get_by_test_id("link-invalid")).to_be_visible()
    expect(newcomer.locator("#id_new_password1")).to_have_count(0)

    assert csp_violations == []
    assert failed_requests == []


def test_five_wrong_passwords_lock_the_account_out(
    page, live_server, demo_accounts, failed_requests, csp_violations
):
    wrong_message = translated(IdentifierAuthenticationForm.error_messages["invalid_login"])
    # The demo entrepreneur, however they type themself: user name, mobile, email.
    identifiers = ["entrepreneur", "13905720001", "qian@example.com", "+86 139 0572 0001",
                   "QIAN@example.com"]

    page.goto(live_server.url + "/")
    log_in(page, identifiers[0], WRONG_PASSWORD)
    for previous, typed in zip(identifiers, identifiers[1:], strict=False):
        # The form comes back with the message and what was typed; the person tries again.
        expect(page.get_by_text(wrong_message)).to_be_visible()
        expect(page.get_by_test_id("error-summary")).to_be_focused()  # not the autofocus
        expect(page.locator("#id_username")).to_have_value(previous)
        expect(page.locator("#id_password")).to_have_value("")
        submit_log_in(page, typed, WRONG_PASSWORD)

    expect(page.get_by_test_id("locked-out")).to_be_visible()  # the fifth failure locks it
    expect(page.get_by_test_id("locked-out-until")).to_contain_text("约15分钟后")  # and says when
    expect(page.get_by_test_id("login-heading")).to_have_count(0)

    log_in(page, "entrepreneur", DEMO_PASSWORD)  # even the right password is refused now
    locked = page.get_by_test_id("locked-out")
    expect(locked).to_be_visible()
    expect(locked.get_by_role("link", name=translated("Choose a new password"))).to_have_attribute(
        "href", "/accounts/password-reset/"
    )
    expect(page.get_by_test_id("nav-user")).to_have_count(0)

    assert csp_violations == []
    login_url = f"{live_server.url}/accounts/login/"
    assert failed_requests == [f"429 {login_url}", f"429 {login_url}"]
