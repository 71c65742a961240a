"""GET /api/v1/issues/ and /api/v1/issues/{reference}/: who sees which issue, the filters,
the ETag, and what the issue's answer carries (timeline, answers, files' metadata)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from issues import workflow
from issues.models import Issue
from tests.api.reads_world import API, api_client, reads_world, references
from tests.factories import AssistingDepartmentFactory, IssueFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return reads_world()


def detail(user, issue, **headers):
    return api_client(user).get(f"{API}/issues/{issue.reference}/", headers=headers)


# --- Who sees what ------------------------------------------------------------------------


def test_an_entrepreneur_lists_only_their_enterprise_issues(world):
    assert references(api_client(world.users["entrepreneur"]).get(f"{API}/issues/")) == [
        world.mine.reference]


def test_an_entrepreneur_cannot_read_another_enterprise_issue(world):
    response = detail(world.users["entrepreneur"], world.neighbour)
    assert response.status_code == 404
    assert "ETag" not in response.headers
    assert detail(world.users["stranger"], world.mine).status_code == 404


def test_a_county_coordinator_sees_the_county_only(world):
    coordinator = world.users["coordinator"]
    listed = references(api_client(coordinator).get(f"{API}/issues/"))
    assert sorted(listed) == sorted([world.mine.reference, world.neighbour.reference])
    assert detail(coordinator, world.neighbour).status_code == 200
    assert detail(coordinator, world.far).status_code == 404
    other = world.users["other_coordinator"]
    assert references(api_client(other).get(f"{API}/issues/")) == [world.far.reference]
    assert detail(other, world.mine).status_code == 404


def test_a_handler_sees_their_department_issues(world):
    assert references(api_client(world.users["handler"]).get(f"{API}/issues/")) == [
        world.mine.reference]
    assert detail(world.users["handler"], world.far).status_code == 404
    planning = world.users["planning_handler"]
    assert references(api_client(planning).get(f"{API}/issues/")) == [world.far.reference]


def test_an_assisting_department_sees_the_issues_it_assists(world):
    tax_handler = world.users["tax_handler"]
    assert references(api_client(tax_handler).get(f"{API}/issues/")) == []
    AssistingDepartmentFactory(issue=world.far, department=world.base.departments["tax"])
    [row] = api_client(tax_handler).get(f"{API}/issues/").json()["results"]
    assert (row["reference"], row["department_part"]) == (world.far.reference, "assisting")
    assert detail(tax_handler, world.far).status_code == 200
    assert detail(tax_handler, world.mine).status_code == 404


def test_anonymous_callers_are_refused(world):
    assert api_client(None).get(f"{API}/issues/").status_code in (401, 403)
    assert detail(None, world.mine).status_code in (401, 403)


def test_an_unknown_reference_is_404(world):
    response = api_client(world.users["admin"]).get(f"{API}/issues/HZ-2026-999999/")
    assert response.status_code == 404


# --- The list's rows and filters --------------------------------------------------------


def test_a_row_shows_what_the_list_shows(world):
    [row] = api_client(world.users["handler"]).get(f"{API}/issues/").json()["results"]
    assert row["reference"] == world.mine.reference
    assert row["status"] == "resolved"
    assert row["category"]["name"] == world.base.category.name
    assert row["category"]["name_en"] == "Factor supply"
    assert row["lead_department"]["name_en"] == "Economy Bureau"
    assert row["department_part"] == "lead"
    assert row["submitted_at"].endswith("+08:00")
    assert row["url"].endswith(f"/api/v1/issues/{world.mine.reference}/")


def test_entrepreneurs_read_statuses_in_plain_words(world):
    [row] = api_client(world.users["entrepreneur"]).get(f"{API}/issues/").json()["results"]
    assert row["status"] == "answered"
    assert row["status_group"] == "answered"


def test_filters_narrow_the_list(world):
    client = api_client(world.users["admin"])
    everything = references(client.get(f"{API}/issues/"))
    assert sorted(everything) == sorted(
        [world.mine.reference, world.neighbour.reference, world.far.reference])
    assert references(client.get(f"{API}/issues/", {"status": "dispatched"})) == [
        world.far.reference]
    assert references(client.get(f"{API}/issues/", {"region": world.base.other_county.pk})) == [
        world.far.reference]
    economy = world.base.departments["economy"]
    assert references(client.get(f"{API}/issues/", {"department": economy.pk})) == [
        world.mine.reference]
    assert references(client.get(f"{API}/issues/", {"search": world.mine.reference})) == [
        world.mine.reference]
    assert references(client.get(f"{API}/issues/", {"search": "邻居"})) == [
        world.neighbour.reference]
    assert references(client.get(f"{API}/issues/", {"category": world.base.category.pk})) != []


def test_the_overdue_filter(world):
    Issue.objects.filter(pk=world.far.pk).update(due_on=timezone.localdate() - timedelta(days=2))
    client = api_client(world.users["admin"])
    assert references(client.get(f"{API}/issues/", {"overdue": "true"})) == [world.far.reference]


def test_the_dates_filter(world):
    long_ago = timezone.now() - timedelta(days=40)
    Issue.objects.filter(pk=world.neighbour.pk).update(submitted_at=long_ago)
    client = api_client(world.users["coordinator"])
    day = timezone.localdate(long_ago)
    assert references(client.get(f"{API}/issues/", {"submitted_from": day, "submitted_to": day})
                      ) == [world.neighbour.reference]
    assert references(client.get(f"{API}/issues/", {
        "submitted_from": day + timedelta(days=1)})) == [world.mine.reference]


def test_an_entrepreneur_filters_by_plain_words(world):
    client = api_client(world.users["entrepreneur"])
    assert references(client.get(f"{API}/issues/", {"status": "answered"})) == [
        world.mine.reference]
    assert references(client.get(f"{API}/issues/", {"status": "waiting"})) == []
    response = client.get(f"{API}/issues/", {"status": "resolved"})  # an official's word
    assert response.status_code == 400
    assert "status" in response.json() or "status" in response.content.decode()


@pytest.mark.parametrize("query", [
    {"status": "nonsense"},
    {"category": "abc"},
    {"category": "999999"},
    {"region": "-1"},
    {"department": "999999"},
    {"overdue": "maybe"},
    {"submitted_from": "2026-13-01"},
    {"submitted_from": "2026-10-02", "submitted_to": "2026-10-01"},
    {"search": "x" * 101},
    {"colour": "blue"},
])
def test_bad_filters_are_refused_with_a_reason(world, query):
    response = api_client(world.users["admin"]).get(f"{API}/issues/", query)
    assert response.status_code == 400
    body = response.content.decode()
    assert any(name in body for name in query)


def test_a_county_coordinator_may_not_filter_on_another_region(world):
    client = api_client(world.users["coordinator"])
    assert client.get(f"{API}/issues/", {"region": world.base.other_county.pk}).status_code == 400
    assert references(client.get(f"{API}/issues/", {"region": world.base.county.pk})) != []


def test_the_list_pages_with_a_cursor(world):
    for n in range(3):
        IssueFactory(enterprise=world.base.person.enterprise, entrepreneur=world.base.person,
                     category=world.base.category, title=f"第{n}个")
    client = api_client(world.users["entrepreneur"])
    first = client.get(f"{API}/issues/", {"page_size": 2}).json()
    second = client.get(first["next"]).json()
    seen = [row["reference"] for page in (first, second) for row in page["results"]]
    assert len(seen) == len(set(seen)) == 4
    assert second["next"] is None
    assert client.get(second["previous"]).json()["results"] == first["results"]


def test_the_list_runs_the_same_queries_for_5_or_50_issues(world, django_assert_max_num_queries):
    client = api_client(world.users["coordinator"])
    client.get(f"{API}/issues/")  # the session and the user are read once

    def add(count):
        for _ in range(count):
            IssueFactory(enterprise=world.base.person.enterprise, entrepreneur=world.base.person,
                         category=world.base.category)

    add(3)
    with django_assert_max_num_queries(12) as few:
        assert len(client.get(f"{API}/issues/").json()["results"]) == 5
    add(45)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(f"{API}/issues/").json()["results"]) == 50


# --- One issue ----------------------------------------------------------------------------


def test_the_detail_has_timeline_answers_ratings_and_files(world):
    response = detail(world.users["handler"], world.mine)
    assert response.status_code == 200
    body = response.json()
    assert body["reference"] == world.mine.reference
    assert body["description"] == "厂房扩建需要新增用地指标。"
    kinds = [entry["kind"] for entry in body["timeline"]]
    assert kinds[:3] == ["submitted", "dispatched", "accepted"]
    assert "resolved" in kinds
    assert [entry["message"] for entry in body["timeline"] if entry["kind"] == "progress"] == [
        "已与自然资源局对接。", "内部：指标紧张。"]
    assert all(entry["created_at"].endswith("+08:00") for entry in body["timeline"])
    [answer] = body["answers"]
    assert answer == {**answer, "status": "approved", "reply": "已协调新增用地指标十亩。",
                      "round": 1}
    assert body["ratings"] == []
    [attachment] = body["attachments"]
    assert attachment["name"] == "厂区平面图.pdf"
    assert attachment["size"] == 2048
    assert attachment["content_type"] == "application/pdf"
    assert attachment["uploaded_at"].endswith("+08:00")
    assert attachment["download_url"].endswith(
        f"/issues/{world.mine.reference}/attachments/{attachment['id']}/")
    assert "file" not in attachment
    assert body["lead_department"]["name_en"] == "Economy Bureau"


def test_an_entrepreneur_reads_the_public_timeline_only(world):
    body = detail(world.users["entrepreneur"], world.mine).json()
    messages = [entry["message"] for entry in body["timeline"]]
    assert "已与自然资源局对接。" in messages
    assert "内部：指标紧张。" not in messages
    assert all(entry["is_public"] for entry in body["timeline"])
    assert body["status"] == "answered"
    assert body["escalation"] is None


def test_contacts_only_for_those_who_handle_the_person(world):
    handled = detail(world.users["handler"], world.mine).json()["contact"]
    assert handled["mobile"] == world.base.person.mobile
    assert detail(world.users["entrepreneur"], world.mine).json()["contact"] is None
    assert detail(world.users["leader"], world.mine).json()["contact"] is None


def test_an_answer_awaiting_sign_off_is_shown_only_to_those_who_may(world):
    base = world.base
    economy = base.departments["economy"]
    economy.requires_sign_off = True
    economy.save()
    issue = workflow.issue_submit(actor=base.person.user, title="待签发", description="说明。",
                                  category=base.category)
    issue = workflow.issue_dispatch(actor=base.users["coordinator"], issue=issue,
                                    version=issue.version, lead_department=economy)
    issue = workflow.issue_accept(actor=base.users["handler"], issue=issue, version=issue.version)
    workflow.issue_resolve(actor=base.users["handler"], issue=issue, version=issue.version,
                           reply="草稿答复。")
    lead_view = detail(base.users["lead"], issue).json()["answers"]
    assert [(a["status"], a["reply"]) for a in lead_view] == [("pending", "草稿答复。")]
    assert detail(base.users["entrepreneur"], issue).json()["answers"] == []


def test_the_etag_is_the_version_and_an_unchanged_issue_answers_304(world):
    user = world.users["entrepreneur"]
    response = detail(user, world.mine)
    assert response.headers["ETag"] == f'"{world.mine.version}"'
    assert response.json()["version"] == world.mine.version
    unchanged = detail(user, world.mine, **{"If-None-Match": response.headers["ETag"]})
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert unchanged.headers["ETag"] == response.headers["ETag"]
    stale = detail(user, world.mine, **{"If-None-Match": '"1"'})
    assert stale.status_code == 200


def test_a_304_tells_nothing_outside_the_scope(world):
    etag = f'"{world.neighbour.version}"'
    response = detail(world.users["entrepreneur"], world.neighbour, **{"If-None-Match": etag})
    assert response.status_code == 404


def test_the_detail_runs_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    client = api_client(world.users["handler"])
    client.get(f"{API}/issues/{world.mine.reference}/")
    with django_assert_max_num_queries(16):
        assert client.get(f"{API}/issues/{world.mine.reference}/").status_code == 200


def test_labels_and_refusals_follow_accept_language(world):
    client = api_client(world.users["handler"])
    [row] = client.get(f"{API}/issues/", headers={"Accept-Language": "en"}).json()["results"]
    assert row["status_label"] == "Answered, awaiting rating"
    refused = client.get(f"{API}/issues/", {"category": "999999"},
                         headers={"Accept-Language": "en"})
    assert "No category with this id." in refused.content.decode()
    refused = client.get(f"{API}/issues/", {"category": "999999"})
    assert "没有该编号的问题类别。" in refused.content.decode()
