"""Importing a county's list of entrepreneurs: the file, the preview, the import.

A coordinator uploads an XLSX or CSV file (UTF-8 or GB18030), sees each row marked new,
already in the directory or wrong (the reason beside the cell), then imports: the new rows
are added, all of them or none.
"""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from accounts.models import AuditEvent
from core import spreadsheets
from entrepreneurs import services
from entrepreneurs.models import Enterprise, Entrepreneur
from government.models import Official
from tests.factories import (
    CityFactory,
    DepartmentFactory,
    EnterpriseFactory,
    EntrepreneurFactory,
    OfficialFactory,
    credit_code,
)
from tests.helpers import message_texts
from tests.worlds import wuxing_and_anji

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

UPLOAD = reverse("entrepreneurs:import")
CONFIRM = reverse("entrepreneurs:import_confirm")
TEMPLATE = reverse("entrepreneurs:import_template")

HEADER_ZH = ["姓名", "手机", "企业名称", "统一社会信用代码", "区县", "行业", "规模", "职务",
             "同意联系"]
HEADER_EN = ["Name", "Mobile", "Enterprise", "Credit code", "Region", "Industry", "Scale",
             "Position", "Consent"]
NEW_CODE = credit_code(990_100_001)
NEW_CODE_2 = credit_code(990_100_002)


@pytest.fixture
def world():
    city = CityFactory()
    wuxing, anji = wuxing_and_anji(codes=True)
    county_tzb = DepartmentFactory(region=wuxing)
    return {
        "wuxing": wuxing,
        "anji": anji,
        "coordinator": OfficialFactory(department=county_tzb, role=Official.Role.COORDINATOR).user,
        "city_coordinator": OfficialFactory(department=DepartmentFactory(region=city),
                                            role=Official.Role.COORDINATOR).user,
        "leader": OfficialFactory(department=county_tzb, role=Official.Role.LEADER).user,
        "tea": EnterpriseFactory(region=wuxing, name="湖州茶园科技",
                                 credit_code=credit_code(990_100_010)),
        "bamboo": EnterpriseFactory(region=anji, name="安吉竹业",
                                    credit_code=credit_code(990_100_011)),
        "zhou": EntrepreneurFactory(name="周明", mobile="13905721234",
                                    enterprise=EnterpriseFactory(region=wuxing)),
        "entrepreneur": EntrepreneurFactory(with_user=True,
                                            enterprise=EnterpriseFactory(region=wuxing)).user,
    }


def xlsx(rows, *, header=HEADER_ZH, name="名单.xlsx") -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return SimpleUploadedFile(name, out.getvalue())


def csv_file(rows, *, encoding="utf-8", header=HEADER_ZH, name="名单.csv") -> SimpleUploadedFile:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return SimpleUploadedFile(name, out.getvalue().encode(encoding))


def row(name="王磊", mobile="13700000001", enterprise="湖州新材料有限公司", code=NEW_CODE,
        region="吴兴区", industry="制造业", scale="小型", position="总经理", consent="是"):
    return [name, mobile, enterprise, code, region, industry, scale, position, consent]


def preview(client, user, upload):
    client.force_login(user)
    return client.post(UPLOAD, {"file": upload})


def by_row(response) -> dict:
    return {check.number: check for check in response.context["checks"]}


def confirm(client, response):
    return client.post(CONFIRM, {"token": response.context["token"]})


# --- Reading the file ----------------------------------------------------------------------


@pytest.mark.parametrize("make", [
    lambda rows: xlsx(rows),
    lambda rows: csv_file(rows, encoding="utf-8"),
    lambda rows: csv_file(rows, encoding="utf-8-sig"),
    lambda rows: csv_file(rows, encoding="gb18030"),
    lambda rows: xlsx(rows, header=HEADER_EN),
], ids=["xlsx", "csv-utf8", "csv-utf8-bom", "csv-gb18030", "xlsx-english-header"])
def test_xlsx_and_csv_in_utf8_or_gb18030_are_read_with_chinese_text_intact(client, world, make):
    response = preview(client, world["coordinator"], make([
        row(), row(name="李娜", mobile="137 0000 0002", code=NEW_CODE_2,
                   enterprise="湖州丝绸文化有限公司", industry="Culture, sports and entertainment",
                   scale="Micro"),
    ]))
    assert response.status_code == 200
    checks = by_row(response)
    assert [check.status for check in checks.values()] == ["new", "new"]
    assert checks[2].values["name"] == "王磊"
    assert checks[3].cleaned["mobile"] == "13700000002"
    assert checks[3].cleaned["industry"] == Enterprise.Industry.CULTURE
    assert checks[2].cleaned["consent_to_contact"] is True
    assert "Preview of 名单" in response.content.decode()


def test_a_mobile_typed_as_a_number_in_excel_is_read_as_its_digits(client, world):
    upload = xlsx([[*row()[:1], 13700000001, *row()[2:]]])
    checks = by_row(preview(client, world["coordinator"], upload))
    assert checks[2].cleaned["mobile"] == "13700000001"
    assert checks[2].status == "new"


@pytest.mark.parametrize(("content", "name", "message"), [
    (b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n", "名单.xlsx", "is not an Excel workbook"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "名单.csv", "is not an Excel workbook"),
    (b"PK\x03\x04" + b"\x00" * 64, "名单.xlsx", "cannot be read"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "名单.xls", "old Excel file"),
    (b"", "名单.csv", "empty"),
    ("职务,备注\n董事长,无\n".encode(), "名单.csv", "Missing: Name、Mobile"),
    ("姓名,手机,企业名称,统一社会信用代码\n".encode(), "名单.csv", "no rows under it"),
], ids=["pdf", "png", "broken-zip", "xls", "empty", "no-header", "header-only"])
def test_a_file_that_is_not_a_usable_list_gets_a_form_error(client, world, content, name,
                                                            message):
    response = preview(client, world["coordinator"], SimpleUploadedFile(name, content))
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors["file"])
    assert response.context["checks"] is None


def test_a_word_document_is_not_taken_for_a_workbook(client, world):
    out = io.BytesIO()
    import zipfile
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    response = preview(client, world["coordinator"], SimpleUploadedFile("名单.xlsx",
                                                                         out.getvalue()))
    assert response.status_code == 400
    assert "is not an Excel workbook" in " ".join(response.context["form"].errors["file"])


def test_a_file_over_the_size_or_row_limit_gets_a_form_error(client, world, settings,
                                                             monkeypatch):
    big = SimpleUploadedFile("名单.csv", b"a," * (spreadsheets.MAX_UPLOAD_BYTES // 2 + 10))
    response = preview(client, world["coordinator"], big)
    assert response.status_code == 400
    assert "larger than 2 MB" in " ".join(response.context["form"].errors["file"])
    monkeypatch.setattr(spreadsheets, "MAX_ROWS", 3)
    rows = [row(mobile=f"1370000000{n}") for n in range(5)]
    response = client.post(UPLOAD, {"file": csv_file(rows)})
    assert "more than 3 rows" in " ".join(response.context["form"].errors["file"])


def test_no_file_at_all_is_a_form_error(client, world):
    client.force_login(world["coordinator"])
    response = client.post(UPLOAD, {})
    assert response.status_code == 400
    assert response.context["form"].errors["file"] == ["Choose the file to import."]


# --- The preview -------------------------------------------------------------------------


def test_the_preview_marks_each_row_new_matching_or_wrong_with_the_reason_per_cell(
        client, world):
    tea = world["tea"]
    response = preview(client, world["coordinator"], xlsx([
        row(),                                                        # 2 new, new enterprise
        row(name="陈静", mobile="13700000003", code=tea.credit_code,   # 3 new, existing one
            enterprise="", region="", industry="", scale=""),
        row(name="周明", mobile="13905721234"),                        # 4 in the directory
        row(mobile="1370000", code="91330502MA2B00001X"),              # 5 bad mobile and code
        row(name="王磊", mobile="13700000001", code=NEW_CODE_2),        # 6 same mobile as 2
        row(mobile="13700000006", code=NEW_CODE_2, region="安吉县"),    # 7 not my county
        row(mobile="13700000007", code=world["bamboo"].credit_code),  # 8 Anji's enterprise
        row(mobile="13700000008", code=NEW_CODE_2, region="火星", industry="养殖",
            scale="巨型", consent="也许"),                              # 9 unknown values
        row(mobile="13700000009", code=NEW_CODE_2, enterprise="", industry=""),  # 10 missing
    ]))
    assert response.status_code == 200
    checks = by_row(response)
    assert {n: c.status for n, c in checks.items()} == {
        2: "new", 3: "new", 4: "match", 5: "wrong", 6: "wrong", 7: "wrong", 8: "wrong",
        9: "wrong", 10: "wrong"}
    assert checks[2].notes == ["New enterprise."]
    assert checks[3].notes == ["Enterprise already in the directory: 湖州茶园科技."]
    assert "Already in the directory: 周明" in checks[4].notes[0]
    # The messages of sign-up, beside the cell
    assert checks[5].errors["mobile"] == [
        "Enter an 11-digit mainland mobile number starting with 13–19, e.g. 13812345678."]
    assert checks[5].errors["credit_code"] == [
        "The check digit does not match: please check the code for a mistyped or swapped "
        "character."]
    assert checks[6].errors == {"mobile": ["The same mobile number as row 2."]}
    assert checks[7].errors == {"region": ["This is not the region you look after (Wuxing)."]}
    assert checks[8].errors == {"credit_code": [
        "This enterprise is registered in Anji, outside the region you look after."]}
    assert set(checks[9].errors) == {"region", "industry", "scale", "consent"}
    assert checks[9].errors["region"] == ["No district, county or area of this name."]
    assert set(checks[10].errors) == {"enterprise", "industry"}
    page = response.content.decode()
    assert page.count('data-status="wrong"') == 6
    assert "The same mobile number as row 2." in page
    counts = response.context["counts"]
    assert counts == {"new": 2, "match": 1, "wrong": 6}
    assert "Import 2 new rows" in page


def test_a_person_of_another_county_is_matched_without_naming_them(client, world):
    EntrepreneurFactory(name="吴芳", mobile="13905725678",
                        enterprise=EnterpriseFactory(region=world["anji"]))
    checks = by_row(preview(client, world["coordinator"], xlsx([row(mobile="13905725678")])))
    assert checks[2].status == "match"
    assert checks[2].notes == ["Already in the directory, in another region. Nothing is "
                               "changed."]


def test_a_mobile_of_an_official_is_wrong_as_at_sign_up(client, world):
    OfficialFactory(mobile="13700000001")
    checks = by_row(preview(client, world["coordinator"], xlsx([row()])))
    assert checks[2].errors == {"mobile": ["This mobile number already belongs to another "
                                           "account."]}


def test_a_city_coordinator_imports_into_any_county(client, world):
    checks = by_row(preview(client, world["city_coordinator"], xlsx([
        row(), row(mobile="13700000002", code=NEW_CODE_2, region="Anji"),
        row(mobile="13700000003", code=world["bamboo"].credit_code)])))
    assert [c.status for c in checks.values()] == ["new", "new", "new"]


def test_the_preview_reads_a_fixed_number_of_queries_whatever_the_rows(client, world):
    client.force_login(world["coordinator"])

    def queries(count):
        rows = [row(mobile=f"1370000{n:04d}", code=credit_code(990_200_000 + n))
                for n in range(count)]
        with CaptureQueriesContext(connection) as captured:
            assert client.post(UPLOAD, {"file": xlsx(rows)}).status_code == 200
        return len(captured)

    assert queries(3) == queries(60)


# --- The import --------------------------------------------------------------------------


def test_the_import_adds_the_new_rows_as_verified_people_without_accounts(client, world,
                                                                           monkeypatch):
    invited = []
    monkeypatch.setattr(services, "entrepreneur_invite_to_claim", invited.append,
                        raising=False)
    coordinator = world["coordinator"]
    response = preview(client, coordinator, xlsx([
        row(), row(name="陈静", mobile="13700000003", code=NEW_CODE, consent=""),
        row(name="周明", mobile="13905721234"), row(mobile="12"),
    ]))
    people_before = Entrepreneur.objects.count()
    response = confirm(client, response)
    assert response.status_code == 302
    assert response.url == reverse("entrepreneurs:list")
    assert message_texts(response) == [
        "Imported from 名单.xlsx: 2 people and 1 enterprises added; 1 already in the "
        "directory; 1 wrong rows left out."]
    assert Entrepreneur.objects.count() == people_before + 2
    wang = Entrepreneur.objects.get(mobile="13700000001")
    chen = Entrepreneur.objects.get(mobile="13700000003")
    enterprise = Enterprise.objects.get(credit_code=NEW_CODE)
    assert (wang.user, wang.source, wang.verification, wang.verified_by) == (
        None, Entrepreneur.Source.IMPORTED, Entrepreneur.Verification.VERIFIED, coordinator)
    assert wang.verification_note == "Imported from 名单.xlsx"
    assert (wang.consent_to_contact, chen.consent_to_contact) == (True, False)
    assert wang.enterprise == chen.enterprise == enterprise
    assert (enterprise.name, enterprise.region, enterprise.industry, enterprise.scale) == (
        "湖州新材料有限公司", world["wuxing"], "manufacturing", "small")
    assert (enterprise.provisional, enterprise.confirmed_by) == (False, coordinator)
    assert enterprise.confirmed_at is not None
    zhou = Entrepreneur.objects.get(mobile="13905721234")
    assert zhou.name == "周明" and zhou.source == Entrepreneur.Source.SIGNUP
    event = AuditEvent.objects.filter(actor=coordinator).latest("id")
    assert event.message == ("imported from 名单.xlsx: 2 people added, 1 enterprises added, "
                             "1 already in the directory, 1 rows wrong")
    assert invited == [wang, chen]
    # The directory lists them
    page = client.get(reverse("entrepreneurs:list"), {"q": "湖州新材料"}).content.decode()
    assert "王磊" in page and "陈静" in page


def test_the_same_preview_cannot_be_imported_twice(client, world):
    response = preview(client, world["coordinator"], xlsx([row()]))
    assert confirm(client, response).status_code == 302
    again = confirm(client, response)
    assert again.status_code == 400
    assert "no longer valid" in again.context["refusal"]
    assert Entrepreneur.objects.filter(mobile="13700000001").count() == 1


def test_if_someone_added_a_mobile_since_the_preview_nothing_is_imported(client, world):
    response = preview(client, world["coordinator"], xlsx([
        row(), row(name="陈静", mobile="13700000003", code=NEW_CODE_2)]))
    EntrepreneurFactory(name="王磊", mobile="13700000001",
                        enterprise=EnterpriseFactory(region=world["wuxing"]))
    people = Entrepreneur.objects.count()
    refused = confirm(client, response)
    assert refused.status_code == 409
    assert "Something changed since the preview" in refused.context["refusal"]
    assert Entrepreneur.objects.count() == people
    assert not Enterprise.objects.filter(credit_code__in=[NEW_CODE, NEW_CODE_2]).exists()
    # The preview again, as it is now: the rest can be imported with its new token
    assert [c.status for c in refused.context["checks"]] == ["match", "new"]
    assert confirm(client, refused).status_code == 302
    assert Entrepreneur.objects.filter(mobile="13700000003").exists()


def test_a_write_that_fails_half_way_leaves_nothing_written(client, world, monkeypatch):
    response = preview(client, world["coordinator"], xlsx([
        row(), row(name="陈静", mobile="13700000003", code=NEW_CODE_2)]))
    save = Entrepreneur.save

    def fail_on_the_second(self, *args, **kwargs):
        if self.mobile == "13700000003":
            raise IntegrityError("someone was quicker")
        return save(self, *args, **kwargs)

    monkeypatch.setattr(Entrepreneur, "save", fail_on_the_second)
    people, audit = Entrepreneur.objects.count(), AuditEvent.objects.count()
    refused = confirm(client, response)
    assert refused.status_code == 409
    assert Entrepreneur.objects.count() == people
    assert AuditEvent.objects.count() == audit
    assert not Enterprise.objects.filter(credit_code__in=[NEW_CODE, NEW_CODE_2]).exists()


@pytest.mark.parametrize("token", ["", "x", "altered"])
def test_an_altered_or_missing_preview_token_is_refused(client, world, token):
    response = preview(client, world["coordinator"], xlsx([row()]))
    if token == "altered":
        good = response.context["token"]
        token = good[:-2] + ("AA" if not good.endswith("AA") else "BB")
    refused = client.post(CONFIRM, {"token": token})
    assert refused.status_code == 400
    assert "Nothing has been imported" in refused.context["refusal"]
    assert not Entrepreneur.objects.filter(mobile="13700000001").exists()


def test_another_persons_preview_token_is_refused(client, world):
    response = preview(client, world["coordinator"], xlsx([row()]))
    token = response.context["token"]
    client.force_login(world["city_coordinator"])
    refused = client.post(CONFIRM, {"token": token})
    assert refused.status_code == 400
    assert not Entrepreneur.objects.filter(mobile="13700000001").exists()


# --- Who may -------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["entrepreneur", "leader"])
def test_entrepreneurs_and_leaders_may_not_import(client, world, who):
    client.force_login(world[who])
    for response in (client.get(UPLOAD), client.get(TEMPLATE),
                     client.post(UPLOAD, {"file": xlsx([row()])}),
                     client.post(CONFIRM, {"token": "x"})):
        assert response.status_code == 403
        assert "Only a coordinator or an administrator can import" in str(
            response.context["exception"])
    assert not Entrepreneur.objects.filter(mobile="13700000001").exists()


def test_the_import_service_refuses_someone_who_may_not(world):
    with pytest.raises(services.PermissionDenied):
        services.entrepreneurs_import(actor=world["leader"], records=[], file_name="x",
                                      expected=[])


def test_the_directory_links_to_the_import_for_coordinators(client, world):
    client.force_login(world["coordinator"])
    assert UPLOAD in client.get(reverse("entrepreneurs:list")).content.decode()
    page = client.get(UPLOAD)
    assert page.status_code == 200
    assert TEMPLATE in page.content.decode()


# --- The template --------------------------------------------------------------------------


def test_the_template_has_the_headers_and_an_example_row_that_imports(client, world):
    client.force_login(world["coordinator"])
    response = client.get(TEMPLATE)
    assert response.status_code == 200
    assert response["Content-Type"] == spreadsheets.XLSX_CONTENT_TYPE
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [cell.value for cell in sheet[1]]
    assert header[:4] == ["Name *", "Mobile *", "Enterprise name *",
                          "Unified social credit code *"]
    checks = by_row(client.post(UPLOAD, {"file": SimpleUploadedFile("template.xlsx",
                                                                   response.content)}))
    assert [check.status for check in checks.values()] == ["new"]
