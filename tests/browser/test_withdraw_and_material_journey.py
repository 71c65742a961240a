"""On a phone, in Chinese: an entrepreneur adds material (补充材料: a note and a photo's
PDF) to one of their issues and withdraws (撤回) another before it is dispatched; no script
is needed for either, and the coordinators find the withdrawal in their inbox.

Set ``SCREENSHOTS`` to a folder to save the two cards, open, there; without it the journey
writes nothing."""

import os
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from government.models import Official
from issues import workflow
from issues.models import Attachment, Issue
from notifications.models import Notification
from tests.browser.pages import PHONE, fits_the_screen, translated
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
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def shoot(page, name: str) -> None:
    """A phone screenshot, only when SCREENSHOTS names a folder."""
    folder = os.environ.get("SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / name), full_page=True)


@pytest.fixture
def private_storage(settings, tmp_path):
    """Uploads go to the test's own folder (the live server runs in this process)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                    "OPTIONS": {"location": tmp_path / "private"}},
    }


def test_an_entrepreneur_adds_material_to_one_issue_and_withdraws_another(
    live_server, transactional_db, private_storage, tmp_path, open_browser, failed_requests,
    csp_violations,
):
    county = RegionFactory(name="吴兴区", name_en="Wuxing")
    city = CityFactory()
    category = CategoryFactory(default_department=DepartmentFactory(region=city))
    person = EntrepreneurFactory(
        user=UserFactory(username="shen", password=PASSWORD), name="沈一帆",
        enterprise=EnterpriseFactory(region=county, name="湖州一帆丝绸有限公司"))
    coordinator = OfficialFactory(role=Official.Role.COORDINATOR,
                                  department=DepartmentFactory(region=county))
    kept, dropped = (
        workflow.issue_submit(actor=person.user, title=title, description="厂房扩建。",
                              category=category)
        for title in ("新厂房用电扩容", "排污许可证延续"))
    photo = tmp_path / "现场照片.pdf"
    photo.write_bytes(PDF)

    phone = open_browser(viewport=PHONE, is_mobile=True, has_touch=True)
    phone.goto(live_server.url + reverse("login"))
    phone.locator("#id_username").fill("shen")
    phone.locator("#id_password").fill(PASSWORD)
    phone.locator("main form button[type=submit]").click()
    expect(phone.get_by_test_id("home-heading")).to_be_visible()

    # 1. Material: a note and a file, from the folded card on the issue's page.
    phone.goto(live_server.url + reverse("issues:detail", args=[kept.reference]))
    card = phone.get_by_test_id("action-add_material")
    card.locator("summary").tap()
    card.locator("#id_add_material_note").fill("补充：供电所受理回执见附件。")
    card.locator("#id_add_material_files").set_input_files(photo)
    shoot(phone, "add-material-phone.png")
    card.get_by_role("button", name=translated("Add the material")).tap()
    expect(phone.get_by_role("alert").filter(has_text=kept.reference)).to_be_visible()
    entry = phone.locator("[data-kind=material_added]")
    expect(entry).to_contain_text("补充：供电所受理回执见附件。")
    expect(entry.get_by_test_id("material-files")).to_contain_text("现场照片.pdf")
    expect(phone.get_by_test_id("issue-attachments")).to_contain_text("现场照片.pdf")
    expect(phone.locator("[data-status]").first).to_have_attribute("data-status", "submitted")
    assert fits_the_screen(phone)
    assert Attachment.objects.filter(issue=kept).count() == 1

    # 2. Withdrawal: a reason and the tick that confirms it; then nothing more to do.
    phone.goto(live_server.url + reverse("issues:detail", args=[dropped.reference]))
    card = phone.get_by_test_id("action-withdraw")
    card.locator("summary").tap()
    card.locator("#id_withdraw_reason").fill("已通过其他渠道解决。")
    card.locator("#id_withdraw_confirm").check()
    shoot(phone, "withdraw-phone.png")
    card.get_by_role("button", name=translated("Withdraw the issue")).tap()
    expect(phone.get_by_role("alert").filter(has_text=dropped.reference)).to_be_visible()
    expect(phone.locator("[data-status]").first).to_have_attribute("data-status", "withdrawn")
    expect(phone.locator("[data-kind=withdrawn]")).to_contain_text("已通过其他渠道解决。")
    expect(phone.locator("[data-testid^=action-]")).to_have_count(0)
    assert fits_the_screen(phone)

    assert Issue.objects.get(pk=dropped.pk).status == Issue.Status.WITHDRAWN
    assert Notification.objects.filter(recipient=coordinator.user,
                                       subject__contains=dropped.reference,
                                       channel="in_app").exists()
    assert failed_requests == [] and csp_violations == []
