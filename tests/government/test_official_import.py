"""Importing a list of officials (administrators only): preview, then the accounts, all or
none, each with the one-time link to choose a password."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from accounts.models import AuditEvent
from government.models import Official
from notifications.models import Notification
from tests.factories import DepartmentFactory, UserFactory
from tests.helpers import message_texts

pytestmark = pytest.mark.django_db

UPLOAD = reverse("officials:import")
CONFIRM = reverse("officials:import_confirm")
TEMPLATE = reverse("officials:import_template")
HEADER = ["姓名", "邮箱", "手机", "部门", "角色", "职务"]


def xlsx(rows) -> SimpleUploadedFile:
    workbook = Workbook()
    workbook.active.append(HEADER)
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return SimpleUploadedFile("干部名单.xlsx", out.getvalue())


def preview(client, user, rows):
    client.force_login(user)
    return client.post(UPLOAD, {"file": xlsx(rows)})


def test_the_preview_marks_new_matching_and_wrong_officials(client, world):
    DepartmentFactory(region=world.anji, code="aj-jxj", name="市经信局")  # a second 市经信局
    response = preview(client, world.admin, [
        ["赵强", "zhaoqiang@example.gov.cn", "13905729001", "jxj", "部门经办人", "科员"],  # 2
        ["钱红", "qianhong@example.gov.cn", "", "吴兴统战部", "协调员", ""],               # 3
        ["陆伟", "other@example.gov.cn", "13905720001", "jxj", "handler", ""],           # 4 mobile
        ["某人", world.handler.user.email.upper(), "", "jxj", "handler", ""],             # 5 email
        ["孙丽", "sunli@example.gov.cn", "", "市经信局", "handler", ""],  # 6 two such
        ["周杰", "not-an-email", "", "nowhere", "boss", ""],                             # 7
        ["吴刚", "zhaoqiang@example.gov.cn", "", "jxj", "handler", ""],                   # 8 dup
        ["郑洁", "zhengjie@example.gov.cn", "", "old", "handler", ""],                    # 9 closed
    ])
    assert response.status_code == 200
    checks = {check.number: check for check in response.context["checks"]}
    assert {n: c.status for n, c in checks.items()} == {
        2: "new", 3: "new", 4: "match", 5: "match", 6: "wrong", 7: "wrong", 8: "wrong",
        9: "wrong"}
    assert checks[2].cleaned["department"] == world.jxj
    assert checks[2].cleaned["role"] == Official.Role.HANDLER
    assert checks[3].cleaned["department"] == world.wuxing_tzb
    assert "陆伟" in checks[4].notes[0]
    assert checks[6].errors == {"department": [
        "Several departments have this name: give the department's code."]}
    assert checks[7].errors == {"department": ["No department with this code or name."],
                                "role": ["Choose one of: Department handler、Department lead、"
                                         "Coordinator、Leader."]}
    assert checks[8].errors == {"email": ["The same as row 2."]}
    assert checks[9].errors == {"department": ["This department is no longer active."]}


def test_the_import_creates_the_new_accounts_with_their_password_links(client, world):
    response = preview(client, world.admin, [
        ["赵强", "ZhaoQiang@example.gov.cn", "13905729001", "jxj", "部门经办人", "科员"],
        ["陆伟", "other@example.gov.cn", "13905720001", "jxj", "handler", ""],
        ["周杰", "not-an-email", "", "jxj", "handler", ""],
    ])
    done = client.post(CONFIRM, {"token": response.context["token"]})
    assert done.status_code == 302
    assert message_texts(done) == ["Imported from 干部名单.xlsx: 1 accounts created; each "
                                   "official is emailed a link to choose a password."]
    zhao = Official.objects.get(name="赵强")
    assert (zhao.department, zhao.role, zhao.title, zhao.mobile) == (
        world.jxj, Official.Role.HANDLER, "科员", "13905729001")
    assert zhao.user.username == "zhaoqiang@example.gov.cn"
    assert not zhao.user.has_usable_password()
    assert Notification.objects.filter(recipient=zhao.user, channel="email").count() == 1
    assert AuditEvent.objects.filter(actor=world.admin).latest("id").message == (
        "imported officials from 干部名单.xlsx: 1 accounts created, 1 officials already, "
        "1 rows wrong")
    assert not get_user_model().objects.filter(email="other@example.gov.cn").exists()


def test_an_account_made_since_the_preview_stops_the_whole_import(client, world):
    response = preview(client, world.admin, [
        ["赵强", "zhaoqiang@example.gov.cn", "", "jxj", "handler", ""],
        ["钱红", "qianhong@example.gov.cn", "", "jxj", "handler", ""],
    ])
    UserFactory(username="qianhong", email="qianhong@example.gov.cn")
    officials = Official.objects.count()
    refused = client.post(CONFIRM, {"token": response.context["token"]})
    assert refused.status_code == 409
    assert Official.objects.count() == officials
    assert [c.status for c in refused.context["checks"]] == ["new", "wrong"]


@pytest.mark.parametrize("who", ["city_coordinator", "county_coordinator", "city_leader",
                                 "entrepreneur"])
def test_only_administrators_import_officials(client, world, who):
    client.force_login(world.user(who))
    for response in (client.get(UPLOAD), client.get(TEMPLATE),
                     client.post(UPLOAD, {"file": xlsx([])}),
                     client.post(CONFIRM, {"token": "x"})):
        assert response.status_code == 403
        assert "Only an administrator can import officials." in str(
            response.context["exception"])
    assert "officials/import" not in client.get(reverse("officials:list")).content.decode()


def test_the_list_links_to_the_import_and_its_template(client, world):
    client.force_login(world.admin)
    assert UPLOAD in client.get(reverse("officials:list")).content.decode()
    template = client.get(TEMPLATE)
    assert template.status_code == 200
    response = client.post(UPLOAD, {"file": SimpleUploadedFile("t.xlsx", template.content)})
    assert response.status_code == 200
    # The example row names a department code that this world does not have
    assert [c.status for c in response.context["checks"]] == ["wrong"]
