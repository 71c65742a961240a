"""The issue workflow's screens through the browser's eyes: raising an issue (an
entrepreneur from a phone, a coordinator on someone's behalf), every action on the issue
page, refusals that keep what was typed, the rating page, attachments, the work queues and
the supervision page."""

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from issues import workflow
from issues.models import ExtensionRequest, Issue, IssueEvent, RatingValue, SatisfactionRating
from tests.factories import (
    EditionFactory,
    EnterpriseFactory,
    EntrepreneurFactory,
    TalkSessionFactory,
)
from tests.helpers import fresh, message_texts
from tests.issues.screens import (
    NEW_URL,
    PDF,
    S,
    accepted,
    detail_url,
    dispatched,
    page_of,
    post_action,
    resolved,
    submitted,
)
from tests.worlds import issue_screens_world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def world():
    """``tests.worlds.issue_screens_world``: Wuxing and Anji, one person per part."""
    return issue_screens_world()

# --- Raising an issue -------------------------------------------------------------------


def test_an_entrepreneur_raises_an_issue_with_a_pdf_and_sees_its_reference(
    client, world, private_storage
):
    form = page_of(client, world.users["entrepreneur"], NEW_URL)
    assert form.status_code == 200
    page = form.content.decode()
    assert "Factor supply" in page and "Land, power, finance and skilled staff." in page
    assert 'name="source"' not in page  # an entrepreneur's own issue is submitted online

    response = client.post(NEW_URL, {
        "title": "扩建用地指标", "description": "厂房扩建需要新增用地指标。",
        "category": world.category.pk,
        "attachments": SimpleUploadedFile("规划图.pdf", PDF, content_type="application/pdf"),
    })

    issue = Issue.objects.get()
    assert response.status_code == 302
    assert response.url == detail_url(issue)
    assert issue.entrepreneur == world.person and issue.source == Issue.Source.ONLINE
    [attachment] = issue.attachments.all()
    assert attachment.original_name == "规划图.pdf" and attachment.content_type == "application/pdf"
    shown = client.get(response.url).content.decode()
    assert f"Its reference is {issue.reference}" in shown
    assert reverse("issues:attachment", args=[issue.reference, attachment.pk]) in shown


def test_a_pending_entrepreneur_is_told_a_coordinator_still_has_to_verify_them(client, world):
    response = page_of(client, world.pending.user, NEW_URL)
    assert response.status_code == 403
    assert "a coordinator still has to verify you" in response.content.decode()
    response = client.post(NEW_URL, {"title": "问题", "description": "说明",
                                     "category": world.category.pk})
    assert response.status_code == 403
    assert not Issue.objects.exists()


@pytest.mark.parametrize("role", ["handler", "leader"])
def test_officials_other_than_coordinators_may_not_raise_issues(client, world, role):
    response = page_of(client, world.users[role], NEW_URL)
    assert response.status_code == 403
    assert "Only verified entrepreneurs raise issues online" in response.content.decode()


def test_a_coordinator_records_an_issue_raised_by_phone_for_a_person_in_scope(client, world):
    url = f"{NEW_URL}?entrepreneur={world.person.pk}"
    page = page_of(client, world.users["coordinator"], url).content.decode()
    assert "Record an issue for 张甲" in page
    assert "By phone" in page and "On a visit" in page

    response = client.post(url, {"title": "电话反映的融资问题", "description": "贷款审批慢。",
                                 "category": world.category.pk, "source": "phone"})

    issue = Issue.objects.get()
    assert response.status_code == 302 and response.url == detail_url(issue)
    assert issue.entrepreneur == world.person and issue.enterprise == world.person.enterprise
    assert issue.source == Issue.Source.PHONE
    assert issue.created_by == world.users["coordinator"]
    assert f"Issue {issue.reference} was recorded for 张甲." in message_texts(response)


def test_a_coordinator_says_where_the_issue_was_raised_and_at_which_session(client, world):
    now = timezone.now()
    ours = TalkSessionFactory(region=world.county, theme="吴兴恳谈", edition=EditionFactory(),
                              starts_at=now - timedelta(days=10),
                              ends_at=now - timedelta(days=10, hours=-2))
    TalkSessionFactory(region=world.other_county, theme="安吉恳谈", edition=EditionFactory(),
                       starts_at=now - timedelta(days=3), ends_at=now - timedelta(days=3, hours=-2))
    TalkSessionFactory(region=world.county, theme="很久以前", edition=EditionFactory(),
                       starts_at=now - timedelta(days=90),
                       ends_at=now - timedelta(days=90, hours=-2))
    url = f"{NEW_URL}?entrepreneur={world.person.pk}"
    page = page_of(client, world.users["coordinator"], url).content.decode()
    assert "吴兴恳谈" in page
    assert "安吉恳谈" not in page and "很久以前" not in page  # another county; too long ago

    data = {"title": "会上提出的问题", "description": "说明", "category": world.category.pk}
    missing = client.post(url, data)
    assert missing.status_code == 200
    assert "Say where the issue was raised" in missing.content.decode()
    wrong = client.post(url, {**data, "source": "phone", "session": ours.pk})
    assert "Only an issue raised at a session names a session." in wrong.content.decode()
    assert not Issue.objects.exists()

    client.post(url, {**data, "source": "session", "session": ours.pk})
    issue = Issue.objects.get()
    assert issue.source == Issue.Source.SESSION and issue.session == ours


def test_a_coordinator_reaches_only_the_people_of_their_scope(client, world):
    outside = EntrepreneurFactory(enterprise=EnterpriseFactory(region=world.other_county))
    client.force_login(world.users["coordinator"])
    assert client.get(f"{NEW_URL}?entrepreneur={outside.pk}").status_code == 404
    assert client.get(f"{NEW_URL}?entrepreneur=nonsense").status_code == 404
    # Without a person the coordinator is sent to choose one in the directory.
    response = client.get(NEW_URL)
    assert response.status_code == 302 and response.url == reverse("entrepreneurs:list")
    # An entrepreneur cannot enter issues for someone else.
    response = page_of(client, world.users["entrepreneur"],
                       f"{NEW_URL}?entrepreneur={world.stranger.pk}")
    assert response.status_code == 403


def test_over_the_rate_limit_the_form_comes_back_with_what_was_typed(client, world, settings):
    settings.RATELIMIT_ISSUE_SUBMISSION = "1/h"
    client.force_login(world.users["entrepreneur"])
    data = {"description": "说明", "category": world.category.pk}
    assert client.post(NEW_URL, {**data, "title": "第一个问题"}).status_code == 302

    response = client.post(NEW_URL, {**data, "title": "第二个问题"})

    assert response.status_code == 429
    page = response.content.decode()
    assert 'value="第二个问题"' in page
    assert "Too many issues were sent from your network" in page
    assert Issue.objects.count() == 1


def test_a_form_with_mistakes_keeps_the_text_and_asks_for_the_files_again(
    client, world, private_storage
):
    client.force_login(world.users["entrepreneur"])
    response = client.post(NEW_URL, {
        "title": "没有说明的问题", "description": "", "category": world.category.pk,
        "attachments": SimpleUploadedFile("规划图.pdf", PDF, content_type="application/pdf"),
    })
    page = response.content.decode()
    assert response.status_code == 200
    assert 'value="没有说明的问题"' in page
    assert "Describe the issue." in page
    assert "choose your attachments again" in page
    assert not Issue.objects.exists()


def test_a_file_that_is_not_a_document_is_refused_by_its_content(client, world, private_storage):
    client.force_login(world.users["entrepreneur"])
    response = client.post(NEW_URL, {
        "title": "问题", "description": "说明", "category": world.category.pk,
        "attachments": SimpleUploadedFile("invoice.pdf", b"MZ\x90\x00 not a pdf at all"),
    })
    assert response.status_code == 200
    assert "is not a PDF, image, Word or Excel file" in response.content.decode()
    assert not Issue.objects.exists()


# --- Each action by the right person ----------------------------------------------------


def test_the_coordinator_dispatches_with_an_assisting_department(client, world):
    issue = submitted(world)
    page = page_of(client, world.users["coordinator"], detail_url(issue)).content.decode()
    assert 'data-testid="action-dispatch"' in page
    economy = world.departments["economy"]
    # The category's default department is chosen already.
    assert f'<option value="{economy.pk}" selected>' in page

    response = post_action(client, world.users["coordinator"], issue, "dispatch", {
        "lead_department": economy.pk, "assisting": [world.departments["tax"].pk],
        "assisting_days": 5, "note": "请经信局牵头",
    })

    issue = fresh(issue)
    assert response.status_code == 302 and response.url == detail_url(issue)
    assert issue.status == S.DISPATCHED and issue.lead_department == economy
    [assistance] = issue.assistances.all()
    assert assistance.department == world.departments["tax"]
    assert assistance.resolve_limit_days == 5
    assert f"Issue {issue.reference} was sent to Economy Bureau." in message_texts(response)


def test_the_lead_department_accepts_notes_and_answers(client, world):
    issue = dispatched(world)
    handler = world.users["handler"]
    page = page_of(client, handler, detail_url(issue)).content.decode()
    assert 'data-testid="action-accept"' in page and 'data-testid="action-return"' in page
    assert 'data-testid="action-dispatch"' not in page

    assert post_action(client, handler, issue, "accept", {}).status_code == 302
    assert fresh(issue).status == S.ACCEPTED

    response = post_action(client, handler, issue, "note",
                           {"message": "已联系自然资源局", "is_public": "on"})
    assert response.status_code == 302
    assert fresh(issue).status == S.IN_PROGRESS
    assert "Your note was added; the entrepreneur can read it." in message_texts(response)

    response = post_action(client, handler, issue, "resolve", {"reply": "已新增用地指标十亩。"})
    assert response.status_code == 302
    assert fresh(issue).status == S.RESOLVED
    entrepreneur_page = page_of(client, world.users["entrepreneur"],
                                detail_url(issue)).content.decode()
    assert "已新增用地指标十亩。" in entrepreneur_page
    assert reverse("issues:rate", args=[issue.reference]) in entrepreneur_page


def test_a_note_from_a_coordinator_is_internal_unless_ticked(client, world):
    issue = accepted(world)
    page = page_of(client, world.users["coordinator"], detail_url(issue)).content.decode()
    card = page[page.index('data-testid="action-note"'):]
    assert 'name="is_public"' in card and 'name="is_public" checked' not in card[:2000]
    post_action(client, world.users["coordinator"], issue, "note", {"message": "请加快"})
    event = IssueEvent.objects.filter(issue=issue, kind=IssueEvent.Kind.PROGRESS).get()
    assert event.is_public is False


def test_more_time_is_asked_for_and_granted(client, world):
    issue = accepted(world)
    due = issue.due_on
    handler, coordinator = world.users["handler"], world.users["coordinator"]
    response = post_action(client, handler, issue, "request_extension",
                           {"days": 5, "reason": "需要省厅批复"})
    assert response.status_code == 302
    assert "Your request for 5 more working days was sent" in message_texts(response)[0]

    page = page_of(client, coordinator, detail_url(issue)).content.decode()
    pending = page[page.index('data-testid="pending-extension"'):]
    assert "需要省厅批复" in pending
    assert 'data-testid="extension-days">5<' in pending
    assert 'data-testid="action-decide_extension"' in page
    # The entrepreneur does not see the departments' internal request.
    assert "需要省厅批复" not in page_of(client, world.users["entrepreneur"],
                                      detail_url(issue)).content.decode()

    refused = post_action(client, coordinator, issue, "decide_extension", {"decision": "refuse"})
    assert refused.status_code == 400
    assert "Say why the request is refused." in refused.content.decode()

    response = post_action(client, coordinator, issue, "decide_extension", {"decision": "approve"})
    assert response.status_code == 302
    issue = fresh(issue)
    assert issue.due_on > due
    assert issue.extension_requests.get().status == ExtensionRequest.Status.APPROVED
    # The date as pages print it in English (4 Jan 2027), not 2027-01-04.
    due_on = issue.due_on
    assert f"now due by {due_on.day} {due_on:%b %Y}." in message_texts(response)[0]


def test_the_lead_department_returns_a_misrouted_issue(client, world):
    issue = dispatched(world)
    response = post_action(client, world.users["handler"], issue, "return",
                           {"reason": "应由自然资源局办理"})
    assert response.status_code == 302
    assert fresh(issue).status == S.RETURNED
    page = page_of(client, world.users["coordinator"], detail_url(issue)).content.decode()
    assert "应由自然资源局办理" in page and 'data-testid="action-dispatch"' in page


def test_the_coordinator_rejects_an_issue_out_of_scope(client, world):
    issue = submitted(world)
    response = post_action(client, world.users["coordinator"], issue, "reject",
                           {"reason": "属于民事纠纷"})
    assert response.status_code == 302
    issue = fresh(issue)
    assert issue.status == S.REJECTED and issue.rejection_reason == "属于民事纠纷"
    page = page_of(client, world.users["entrepreneur"], detail_url(issue)).content.decode()
    assert "属于民事纠纷" in page and "Not taken up" in page


def test_the_coordinator_marks_a_duplicate_by_the_originals_reference(client, world):
    original = submitted(world, title="原问题")
    issue = submitted(world, title="重复的问题")
    coordinator = world.users["coordinator"]
    unknown = post_action(client, coordinator, issue, "mark_duplicate",
                          {"original": "HZ-2020-999999"})
    assert unknown.status_code == 400
    assert "No issue with this reference is open to you." in unknown.content.decode()

    response = post_action(client, coordinator, issue, "mark_duplicate",
                           {"original": original.reference.lower()})
    assert response.status_code == 302
    issue = fresh(issue)
    assert issue.status == S.DUPLICATE and issue.duplicate_of == original
    page = page_of(client, world.users["entrepreneur"], detail_url(issue)).content.decode()
    assert detail_url(original) in page


def test_after_the_last_round_the_coordinator_closes_the_issue(client, world, settings):
    settings.ISSUE_MAX_ROUNDS = 1
    issue = resolved(world)
    workflow.issue_rate(actor=world.users["entrepreneur"], issue=issue, version=issue.version,
                        value=RatingValue.DISSATISFIED,
                        reason=SatisfactionRating.Reason.BEYOND_POWER)
    assert fresh(issue).status == S.REVIEW
    page = page_of(client, world.users["coordinator"], detail_url(issue)).content.decode()
    assert 'data-testid="action-close"' in page and 'data-testid="action-dispatch"' in page

    response = post_action(client, world.users["coordinator"], issue, "close",
                           {"note": "已尽力协调，超出职权"})
    assert response.status_code == 302
    assert fresh(issue).status == S.CLOSED


def test_what_each_person_is_offered_depends_on_their_part(client, world):
    issue = dispatched(world)
    pages = {role: page_of(client, world.users[role], detail_url(issue)).content.decode()
             for role in ("entrepreneur", "handler", "tax_handler", "coordinator", "leader")}
    # The raiser may add material (补充材料) while it is open; withdrawing is too late.
    assert re.findall(r'data-testid="action-([a-z_]+)"', pages["entrepreneur"]) == [
        "add_material"]
    assert 'data-testid="action-' not in pages["leader"]
    assert 'data-testid="action-accept"' in pages["handler"]
    assert 'data-testid="action-' not in pages["tax_handler"]  # not yet its turn
    assert 'data-testid="action-dispatch"' in pages["coordinator"]
    assert 'data-testid="action-accept"' not in pages["coordinator"]
