"""Who reads what through Open311 (anonymous callers the public fields only; a county key
its county), and the refusals, every one in the spec's error format and never a 500."""

import json
from xml.etree import ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.models import ApiToken
from api.services import token_create, token_revoke
from issues.models import Issue
from tests.factories import EnterpriseFactory, EntrepreneurFactory, IssueFactory, UserFactory
from tests.open311.conftest import keyed_world

S = Issue.Status
SECRET = "只有持有密钥的人才能看到的问题描述"


def the_issue(world, **fields):
    return IssueFactory(category=world.category, enterprise=world.person.enterprise,
                        entrepreneur=world.person, description=SECRET, **fields)


def errors_of(answer, status, fmt="json"):
    assert answer.status == status, answer.text
    if fmt == "xml":
        root = answer.xml()
        assert root.tag == "errors"
        items = [{"code": int(e.find("code").text), "description": e.find("description").text}
                 for e in root.findall("error")]
    else:
        items = answer.json()
    assert items and all(item["code"] == status and item["description"] for item in items)
    return " ".join(item["description"] for item in items)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_anonymous_caller_sees_the_public_fields_only(world, fmt):
    issue = the_issue(world, status=S.DISPATCHED, lead_department=world.lead_department)
    withdrawn = the_issue(world, status=S.WITHDRAWN)

    answer = world.client.get(f"requests/{issue.reference}.{fmt}")
    assert answer.status == 200
    for private in (SECRET, issue.title, world.person.name, world.person.mobile,
                    world.person.enterprise.name, world.person.enterprise.credit_code):
        assert private not in answer.text
    assert world.lead_department.name_en in answer.text
    assert world.county.name_en in answer.text

    listed = world.client.get(f"requests.{fmt}")
    assert issue.reference in listed.text
    assert SECRET not in listed.text
    # Not counted by the public figures, so not shown to anybody without a key.
    assert withdrawn.reference not in listed.text
    assert world.client.get(f"requests/{withdrawn.reference}.{fmt}").status == 404
    # The key's coordinator sees both, with the description.
    keyed = world.client.get(f"requests.{fmt}", api_key=world.key)
    assert withdrawn.reference in keyed.text and SECRET in keyed.text


@pytest.mark.django_db(transaction=True)
def test_a_county_key_neither_reads_nor_submits_for_another_county(world):
    issue = the_issue(world)
    other = world.client.get(f"requests/{issue.reference}.json", api_key=world.other_key)
    assert "no service request" in errors_of(other, 404)
    listed = world.client.get("requests.json", api_key=world.other_key)
    assert listed.status == 200 and listed.json() == []
    assert world.client.get(f"tokens/{issue.reference}.json",
                            api_key=world.other_key).status == 404

    answer = world.client.post("requests.xml", {
        "api_key": world.other_key, "service_code": world.category.code,
        "description": "跨区提交", "attribute[credit_code]": world.person.enterprise.credit_code,
        "phone": world.person.mobile,
    })
    assert "outside the region" in errors_of(answer, 403, "xml")
    by_name = world.client.post("requests.json", {
        "api_key": world.other_key, "service_code": world.category.code,
        "description": "跨区提交", "address_string": world.person.enterprise.name,
        "phone": world.person.mobile,
    })
    assert "outside the region" in errors_of(by_name, 403)
    assert Issue.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_enterprise_by_its_registered_name_and_the_person_by_phone(world):
    base = {"api_key": world.key, "service_code": world.category.code,
            "description": "用工难", "phone": world.person.mobile}
    answer = world.client.post("requests.json", {**base,
                                                 "address_string": world.person.enterprise.name})
    assert answer.status == 200, answer.text
    [row] = answer.json()
    assert Issue.objects.get(reference=row["service_request_id"]).enterprise == (
        world.person.enterprise)

    # Two enterprises of one name: the credit code is needed.
    EnterpriseFactory(region=world.county, name=world.person.enterprise.name)
    assert "credit_code" in errors_of(world.client.post("requests.json", {
        **base, "address_string": world.person.enterprise.name}), 400)
    # A caller not in the directory for this enterprise: nothing recorded, the reason said.
    stranger = EntrepreneurFactory(enterprise=EnterpriseFactory(region=world.county))
    assert "not in the directory" in errors_of(world.client.post("requests.json", {
        **base, "attribute[credit_code]": world.person.enterprise.credit_code,
        "phone": stranger.mobile}), 400)
    assert "not in the directory" in errors_of(world.client.post("requests.json", {
        **base, "attribute[credit_code]": world.person.enterprise.credit_code,
        "phone": ""}), 400)
    assert Issue.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_keys_that_may_not_submit_are_refused(world):
    form = {"service_code": world.category.code, "description": "x",
            "attribute[credit_code]": world.person.enterprise.credit_code,
            "phone": world.person.mobile}
    assert "api_key" in errors_of(world.client.post("requests.json", form), 400)
    for key, reason in ((world.read_only_key, "only read"),
                        (world.personal_key, "system key"),
                        ("hzt_nothing_here", "not valid")):
        answer = world.client.post("requests.json", {**form, "api_key": key})
        assert reason in errors_of(answer, 403)
    _row, handler_key = token_create(user=world.users["handler"], name="handler",
                                     writable=True, kind=ApiToken.Kind.SYSTEM)
    answer = world.client.post("requests.xml", {**form, "api_key": handler_key})
    assert "not a coordinator" in errors_of(answer, 403, "xml")
    assert Issue.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_revoked_key_stops_at_once(world):
    token = ApiToken.objects.get(name="12345")
    assert world.client.get("requests.json", api_key=world.key).status == 200
    token_revoke(actor=UserFactory(is_superuser=True), token=token)
    assert "not valid" in errors_of(world.client.get("requests.json", api_key=world.key), 403)


BAD_QUERIES = [
    ({"start_date": "yesterday"}, "ISO 8601"),
    ({"start_date": "2026-13-45"}, "ISO 8601"),
    ({"start_date": "2026-01-01", "end_date": "2026-06-01"}, "90 days"),
    ({"start_date": "2026-06-01", "end_date": "2026-01-01"}, "before"),
    ({"status": "pending"}, "open, closed"),
    ({"service_code": "nothing"}, "Unknown service_code"),
    ({"service_code": ",".join(f"c{n}" for n in range(30))}, "at most 20"),
    ({"service_request_id": ",".join(f"HZ-{n}" for n in range(201))}, "at most 200"),
    ({"status": "open\x00"}, "control characters"),
    ({"api_key": "hzt_" + "x" * 500}, "not valid"),
]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bad_queries_are_refused_in_the_spec_format(world, fmt):
    for params, reason in BAD_QUERIES:
        answer = world.client.get(f"requests.{fmt}", **params)
        assert answer.status in (400, 403), (params, answer.status, answer.text)
        assert reason in errors_of(answer, answer.status, fmt), params
    assert world.client.get(f"requests.{fmt}", start_date="2026-12-01T08:00:00Z",
                            end_date="2026-12-07").status == 200
    # The calendar's edges: a window there is empty, never an error of ours.
    for params in ({"end_date": "9999-12-31T23:59:59"}, {"start_date": "0001-01-01"},
                   {"start_date": "9999-12-31"}, {"end_date": "0001-01-01T00:00:00+14:00"}):
        answer = world.client.get(f"requests.{fmt}", **params)
        assert answer.status in (200, 400), (params, answer.text)


@pytest.mark.django_db(transaction=True)
def test_bad_submissions_are_refused_and_write_nothing(world):
    base = {"api_key": world.key, "service_code": world.category.code,
            "description": "用工难", "attribute[credit_code]": world.person.enterprise.credit_code,
            "phone": world.person.mobile}
    cases = [
        ({"description": "x" * 4001}, "at most 4000"),
        ({"description": ""}, "description is required"),
        ({"description": "控制\x07字符"}, "control characters"),
        ({"service_code": "nothing"}, "no service"),
        ({"service_code": ""}, "service_code is required"),
        ({"attribute[credit_code]": "123"}, "18 characters"),
        ({"attribute[credit_code]": "91330502MA2B3C4D5E"}, ""),
        ({"attribute[credit_code]": "", "address_string": ""}, "Say which enterprise"),
        ({"attribute[county]": "atlantis"}, "attribute[county]"),
        ({"attribute[county]": world.other_county.code}, "attribute[county]"),
        ({"attribute[colour]": "red"}, "Unknown fields"),
        ({"title": "extra"}, "Unknown fields"),
        ({"first_name": "名" * 51}, "longer than"),
        ({"phone": "1" * 31}, "longer than"),
    ]
    for change, reason in cases:
        answer = world.client.post("requests.json", {**base, **change})
        assert reason in errors_of(answer, 400), change
    twice = world.client.post("requests.json", {**base, "phone": [world.person.mobile, "1"]})
    assert "more than once" in errors_of(twice, 400)
    as_json = world.client.call("requests.json", body=json.dumps(base).encode(),
                                content_type="application/json")
    assert "api_key" in errors_of(as_json, 400)
    broken = world.client.call("requests.json", body=b"--x\r\nnonsense",
                               content_type="multipart/form-data; boundary=x")
    assert broken.status == 400
    as_xml = world.client.call("requests.xml", body=b"<!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>",
                               content_type="text/xml")
    errors_of(as_xml, 400, "xml")
    assert Issue.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_formats_methods_addresses_and_tokens(world):
    issue = the_issue(world)
    assert "Unknown format" in errors_of(world.client.get("services.yaml"), 400)
    assert errors_of(world.client.get("services.json\x00".replace("\x00", "%00")), 400)
    assert errors_of(world.client.get("nothing/here.xml"), 404, "xml")
    assert errors_of(world.client.get("requests"), 404)
    answer = world.client.call("services.json", method="DELETE")
    assert errors_of(answer, 405)
    assert errors_of(world.client.get("requests/HZ-0000-404.xml"), 404, "xml")

    # We never hand out a token; the id serves as its own, for a platform that asks anyway.
    token = world.client.get(f"tokens/{issue.reference}.xml").xml()
    assert token.find("request/service_request_id").text == issue.reference
    assert token.find("request/token").text == issue.reference
    assert "no token" in errors_of(world.client.get("tokens/unknown.json"), 404)


@pytest.mark.django_db(transaction=True)
def test_stored_control_characters_still_make_well_formed_xml(world):
    issue = the_issue(world)
    Issue.objects.filter(pk=issue.pk).update(description="旧数据\x01\x0b含控制字符")
    answer = world.client.get(f"requests/{issue.reference}.xml", api_key=world.key)
    row = answer.xml().find("request/description").text
    assert "旧数据" in row and "\x01" not in row
    ET.fromstring(answer.body)  # noqa: S314


@pytest.mark.django_db
def test_a_page_of_requests_takes_a_fixed_number_of_queries(client):
    world = keyed_world()
    the_issue(world, status=S.DISPATCHED, lead_department=world.lead_department)

    def count(**params):
        with CaptureQueriesContext(connection) as queries:
            answer = client.get("/open311/v2/requests.json", params)
        assert answer.status_code == 200
        return len(queries), len(answer.json())

    few_anonymous, one = count()
    count(api_key=world.key)  # the key's first use is recorded once (api.keys.mark_used)
    few_keyed, _one = count(api_key=world.key)
    assert one == 1
    for _n in range(30):
        the_issue(world, status=S.DISPATCHED, lead_department=world.lead_department)
    many_anonymous, thirty_one = count()
    many_keyed, _thirty_one = count(api_key=world.key)
    assert thirty_one == 31
    assert many_anonymous == few_anonymous
    assert many_keyed == few_keyed
    assert few_anonymous <= 2  # the requests, and nothing per request


@pytest.mark.django_db(transaction=True)
def test_refusals_speak_the_callers_language(world):
    answer = world.client.call("requests/HZ-0000-404.json", language="zh-CN")
    assert "没有您可查看的服务请求" in errors_of(answer, 404)
    answer = world.client.call("requests.xml", params={"status": "x", "locale": "zh_CN"})
    assert "status 取 open、closed" in errors_of(answer, 400, "xml")


@pytest.mark.django_db(transaction=True)
def test_the_citys_key_submits_for_any_county_and_finds_the_caller_by_email(world):
    _row, city_key = token_create(user=world.users["city_coordinator"], name="12345 city",
                                  writable=True, kind=ApiToken.Kind.SYSTEM)
    elsewhere = EntrepreneurFactory(enterprise=EnterpriseFactory(region=world.other_county),
                                    email="Boss@Example.com")
    answer = world.client.post("requests.xml", {
        "api_key": city_key, "service_code": world.category.code, "description": "子女入学",
        "attribute[credit_code]": elsewhere.enterprise.credit_code.lower(),
        "attribute[county]": world.other_county.code, "email": "boss@example.com",
    })
    assert answer.status == 200, answer.text
    reference = answer.xml().find("request/service_request_id").text
    issue = Issue.objects.get(reference=reference)
    assert (issue.entrepreneur, issue.region) == (elsewhere, world.other_county)
    # The county's own key does not see it; the other county's does.
    assert world.client.get(f"requests/{reference}.json", api_key=world.key).status == 404
    answer = world.client.get(f"requests/{reference}.json", api_key=world.other_key)
    assert answer.json()[0]["description"] == "子女入学"
