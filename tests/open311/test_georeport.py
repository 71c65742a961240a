"""Open311 GeoReport v2 driven the way a 12345 platform drives it: over HTTP, in JSON and in
XML, from discovery to the request's status going from open to closed."""

import pytest

from issues import workflow
from issues.models import Issue, RatingValue
from tests.helpers import fresh

pytestmark = pytest.mark.django_db(transaction=True)

S = Issue.Status
DESCRIPTION = "新厂房用电扩容迟迟未批\n企业三月提交申请，至今没有答复。"


def submit(world, fmt="json", **fields):
    form = {
        "api_key": world.key, "service_code": world.category.code,
        "description": DESCRIPTION,
        "attribute[credit_code]": world.person.enterprise.credit_code,
        "first_name": "三", "last_name": "张", "phone": "138 1234 5678",
        **fields,
    }
    return world.client.post(f"requests.{fmt}", {k: v for k, v in form.items() if v is not None})


def test_discovery_and_services_in_both_formats(world):
    answer = world.client.get("discovery.json")
    assert answer.status == 200
    data = answer.json()
    [endpoint] = data["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2/")
    assert endpoint["type"] == "production"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert {"changeset", "contact", "key_service"} <= set(data)

    root = world.client.get("discovery.xml").xml()
    assert root.tag == "discovery"
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == [
        "text/xml", "application/json"]

    services = world.client.get("services.json").json()
    [service] = services
    assert service["service_code"] == world.category.code
    assert service["service_name"] == world.category.name_en
    assert service["metadata"] is True and service["type"] == "realtime"
    root = world.client.get("services.xml").xml()
    assert root.tag == "services"
    assert root.find("service/metadata").text == "true"
    assert root.find("service/service_code").text == world.category.code

    # Chinese by Accept-Language, or by the locale parameter.
    chinese = world.client.call("services.json", language="zh-CN").json()
    assert chinese[0]["service_name"] == world.category.name
    assert world.client.get("services.json", locale="zh_CN").json() == chinese


def test_a_service_definition_names_the_credit_code_and_the_county(world):
    data = world.client.get(f"services/{world.category.code}.json").json()
    assert data["service_code"] == world.category.code
    attributes = {a["code"]: a for a in data["attributes"]}
    assert attributes["credit_code"]["datatype"] == "string"
    assert attributes["credit_code"]["required"] is False
    county = attributes["county"]
    assert county["datatype"] == "singlevaluelist"
    assert {"key": world.county.code, "name": world.county.name_en} in county["values"]

    root = world.client.get(f"services/{world.category.code}.xml").xml()
    assert root.tag == "service_definition"
    keys = [v.text for v in root.findall("attributes/attribute/values/value/key")]
    assert world.county.code in keys and world.other_county.code in keys

    missing = world.client.get("services/nothing.xml")
    assert missing.status == 404
    assert missing.xml().find("error/code").text == "404"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_request_posted_with_a_key_is_read_back_and_goes_from_open_to_closed(world, fmt):
    answer = submit(world, fmt)
    assert answer.status == 200, answer.text
    if fmt == "json":
        [created] = answer.json()
        reference = created["service_request_id"]
        assert created["account_id"] is None and reference in created["service_notice"]
    else:
        root = answer.xml()
        assert root.tag == "service_requests"
        reference = root.find("request/service_request_id").text
        assert root.find("request/token") is None
    issue = Issue.objects.get(reference=reference)
    assert issue.source == Issue.Source.PHONE
    assert issue.entrepreneur == world.person
    assert issue.created_by == world.users["coordinator"]
    assert issue.title == "新厂房用电扩容迟迟未批"
    assert issue.description == DESCRIPTION

    def read(**params):
        answer = world.client.get(f"requests/{reference}.{fmt}", api_key=world.key, **params)
        assert answer.status == 200, answer.text
        if fmt == "json":
            [row] = answer.json()
            return row
        [request] = answer.xml().findall("request")
        return {child.tag: child.text or None for child in request}

    row = read()
    assert row["service_request_id"] == reference
    assert row["status"] == "open"
    assert row["status_notes"] == "Submitted"
    assert row["service_code"] == world.category.code
    assert row["description"] == DESCRIPTION
    assert row["address"] == world.county.name_en
    assert row["requested_datetime"].endswith("+08:00")
    assert row["agency_responsible"] is None and row["expected_datetime"] is None
    assert row["lat"] is None and row["long"] is None

    coordinator, handler = world.users["coordinator"], world.users["handler"]
    issue = workflow.issue_dispatch(actor=coordinator, issue=issue, version=issue.version,
                                    lead_department=world.lead_department)
    row = read()
    assert row["status"] == "open"
    assert row["status_notes"] == "Dispatched to a department"
    assert row["agency_responsible"] == world.lead_department.name_en
    assert row["expected_datetime"] == f"{issue.due_on.isoformat()}T23:59:59+08:00"

    issue = workflow.issue_accept(actor=handler, issue=issue, version=issue.version)
    issue = workflow.issue_resolve(actor=handler, issue=issue, version=issue.version,
                                   reply="已协调供电公司，下周完成扩容。")
    issue = fresh(issue)
    assert issue.status == S.RESOLVED
    row = read()
    assert row["status"] == "open"
    assert row["status_notes"] == "Answered, awaiting rating"

    workflow.issue_rate(actor=world.users["entrepreneur"], issue=issue, version=issue.version,
                        value=RatingValue.SATISFIED)
    assert fresh(issue).status == S.CLOSED
    row = read()
    assert row["status"] == "closed"
    assert row["status_notes"] == "Closed"
    assert row["updated_datetime"] >= row["requested_datetime"]

    listed = world.client.get(f"requests.{fmt}", api_key=world.key, status="closed")
    assert reference in listed.text
    listed = world.client.get(f"requests.{fmt}", api_key=world.key, status="open")
    assert reference not in listed.text
