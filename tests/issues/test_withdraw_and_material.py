"""The raiser's own actions on the issue page: withdrawing (撤回) an issue before it is
dispatched, adding material (补充材料) while it is open; who may, when, what the timeline
and the inboxes show, bad input, and the figures (a withdrawn issue is not a valid one)."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dashboard import rollups
from dashboard.definitions import MEASURES
from issues import workflow
from issues.models import Attachment, Issue, IssueEvent, RatingValue
from issues.workflow.raiser import MAX_ISSUE_ATTACHMENTS
from notifications.models import Notification
from tests.helpers import fresh, message_texts
from tests.issues.screens import (
    LIST_URL,
    PDF,
    S,
    detail_url,
    dispatched,
    page_of,
    post_action,
    resolved,
    submitted,
)
from tests.worlds import issue_screens_world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

WITHDRAW = {"reason": "问题已自行解决。", "confirm": "on"}


@pytest.fixture
def world():
    """``tests.worlds.issue_screens_world``: Wuxing and Anji, one person per part."""
    return issue_screens_world()


def inbox(user) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user).order_by("pk"))


def pdf(name="现场照片.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


# --- Withdrawing ---------------------------------------------------------------------------


def test_the_raiser_withdraws_an_issue_before_dispatch_and_the_timeline_keeps_why(
    client, world
):
    issue = submitted(world)
    page = page_of(client, world.users["entrepreneur"], detail_url(issue)).content.decode()
    assert 'data-testid="action-withdraw"' in page and "Withdraw the issue" in page
    coordinator = world.users["coordinator"]
    told_before = len(inbox(coordinator))

    response = post_action(client, world.users["entrepreneur"], issue, "withdraw", WITHDRAW)

    assert response.status_code == 302
    assert message_texts(response) == [
        f"Issue {issue.reference} was withdrawn. It will not be handled."]
    row = fresh(issue)
    assert row.status == S.WITHDRAWN and row.closed_at is not None
    event = row.events.get(kind=IssueEvent.Kind.WITHDRAWN)
    assert event.is_public and event.message == "问题已自行解决。"
    assert (event.from_status, event.to_status) == (S.SUBMITTED, S.WITHDRAWN)
    page = page_of(client, world.users["entrepreneur"], detail_url(issue)).content.decode()
    assert 'data-kind="withdrawn"' in page and "问题已自行解决。" in page
    assert 'data-testid="action-withdraw"' not in page  # nothing more to do
    assert 'data-testid="action-add_material"' not in page
    # The coordinators find it in their inbox (in the app, no email); nobody else is told.
    told = inbox(coordinator)[told_before:]
    assert [(n.channel, n.subject) for n in told] == [
        ("in_app", f"问题 {issue.reference} 已撤回")]
    assert "问题已自行解决。" in told[0].body
    assert not Notification.objects.filter(
        channel__in=("email", "sms"), subject__contains="撤回").exists()


def test_the_entrepreneur_reads_withdrawn_in_plain_words_and_can_filter_by_it(client, world):
    issue = submitted(world)
    workflow.issue_withdraw(actor=world.users["entrepreneur"], issue=issue,
                            version=issue.version, reason="误提交。")
    submitted(world, title="另一个问题")
    page = page_of(client, world.users["entrepreneur"], f"{LIST_URL}?status=withdrawn")
    text = page.content.decode()
    assert issue.reference in text and "另一个问题" not in text
    assert 'status-withdrawn' in text and "Withdrawn" in text
    home = page_of(client, world.users["entrepreneur"], reverse("home")).content.decode()
    assert "status-withdrawn" in home  # a count of its own on the home page
    officials = page_of(client, world.users["coordinator"], f"{LIST_URL}?status=withdrawn")
    assert issue.reference in officials.content.decode()


def test_withdrawing_needs_a_reason_and_the_tick(client, world):
    issue = submitted(world)
    response = post_action(client, world.users["entrepreneur"], issue, "withdraw",
                           {"reason": "   ", "confirm": ""})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Say why the issue is withdrawn." in page
    assert "Tick the box to confirm that you withdraw the issue." in page
    assert fresh(issue).status == S.SUBMITTED
    long = post_action(client, world.users["entrepreneur"], issue, "withdraw",
                       {"reason": "太" * 501, "confirm": "on"})
    assert long.status_code == 400 and fresh(issue).status == S.SUBMITTED


def test_a_coordinator_withdraws_on_the_persons_request_and_nobody_is_told(client, world):
    issue = submitted(world)
    before = Notification.objects.count()
    response = post_action(client, world.users["coordinator"], issue, "withdraw",
                           {"reason": "企业电话告知：已自行解决。", "confirm": "on"})
    assert response.status_code == 302
    assert fresh(issue).status == S.WITHDRAWN
    assert Notification.objects.count() == before
    assert fresh(issue).events.get(kind=IssueEvent.Kind.WITHDRAWN).data == {"by_raiser": False}


def test_after_dispatch_withdrawing_is_refused_and_says_why(client, world):
    issue = dispatched(world)
    page = page_of(client, world.users["entrepreneur"], detail_url(issue)).content.decode()
    assert 'data-testid="action-withdraw"' not in page
    response = post_action(client, world.users["entrepreneur"], issue, "withdraw", WITHDRAW)
    assert response.status_code == 409
    assert "This cannot be done while the issue is" in response.content.decode()
    assert "问题已自行解决。" in response.content.decode()  # what was typed is kept
    assert fresh(issue).status == S.DISPATCHED
    assert not fresh(issue).events.filter(kind=IssueEvent.Kind.WITHDRAWN).exists()


@pytest.mark.parametrize(("who", "status"), [
    ("stranger", 404), ("other_coordinator", 404), ("handler", 404), ("leader", 403),
])
def test_nobody_else_may_withdraw(client, world, who, status):
    issue = submitted(world)
    response = post_action(client, world.users[who], issue, "withdraw", WITHDRAW)
    assert response.status_code == status
    assert fresh(issue).status == S.SUBMITTED


def test_a_stale_page_cannot_withdraw(client, world):
    issue = submitted(world)
    old = issue.version
    workflow.issue_add_material(actor=world.users["coordinator"], issue=issue,
                                version=issue.version, note="补充电话记录。")
    response = post_action(client, world.users["entrepreneur"], issue, "withdraw", WITHDRAW,
                           version=old)
    assert response.status_code == 409
    assert "Someone else changed this issue" in response.content.decode()
    assert fresh(issue).status == S.SUBMITTED


def test_a_withdrawn_issue_is_not_a_valid_one_and_the_rollups_stay_true(world):
    kept, withdrawn = submitted(world), submitted(world, title="撤回的问题")
    stored_before = rollups.stored_counts()
    workflow.issue_withdraw(actor=world.users["entrepreneur"], issue=withdrawn,
                            version=withdrawn.version, reason="误提交。")
    stored, counted = rollups.stored_counts(), rollups.fresh_counts()
    assert stored == counted
    assert stored != stored_before  # the rows moved when it was withdrawn

    def total(name):
        return sum(row[MEASURES.index(name)] for row in stored[0].values())

    assert total("collected") == 2
    assert total("valid") == 1  # ``kept`` only
    assert total("open") == 1
    rollups.rebuild()
    assert rollups.stored_counts() == stored
    assert fresh(kept).status == S.SUBMITTED


def test_the_admin_shows_a_withdrawn_issue_read_only(client, world):
    issue = submitted(world)
    workflow.issue_withdraw(actor=world.users["entrepreneur"], issue=issue,
                            version=issue.version, reason="误提交。")
    response = page_of(client, world.users["admin"],
                       reverse("admin:issues_issue_change", args=[issue.pk]))
    assert response.status_code == 200
    assert "Withdrawn" in response.content.decode()


# --- Adding material --------------------------------------------------------------------


def test_the_raiser_adds_a_file_and_a_note_and_the_lead_department_is_told(
    client, world, private_storage
):
    issue = dispatched(world)
    row = fresh(issue)
    page = page_of(client, world.users["entrepreneur"], detail_url(issue)).content.decode()
    assert 'data-testid="action-add_material"' in page and 'enctype="multipart/form-data"' in page
    handler, coordinator = world.users["handler"], world.users["coordinator"]
    handler_before, coordinator_before = len(inbox(handler)), len(inbox(coordinator))

    response = post_action(client, world.users["entrepreneur"], issue, "add_material",
                           {"note": "补充现场照片。", "files": [pdf()]})

    assert response.status_code == 302
    assert message_texts(response) == [
        f"The material was added to issue {issue.reference}; those handling it have been "
        "told."]
    after = fresh(issue)
    # No state, round or clock moves; only the version (so a page open elsewhere is stale).
    assert (after.status, after.round, after.due_on, after.accept_due_on) == (
        row.status, row.round, row.due_on, row.accept_due_on)
    assert after.version == row.version + 1
    [attachment] = Attachment.objects.filter(issue=issue)
    assert attachment.original_name == "现场照片.pdf" and attachment.answer_id is None
    event = after.events.get(kind=IssueEvent.Kind.MATERIAL_ADDED)
    assert event.is_public and event.message == "补充现场照片。"
    assert event.data == {"attachments": [attachment.pk]}
    # The timeline shows the note and the file, to the entrepreneur and to the department.
    download = reverse("issues:attachment", args=[issue.reference, attachment.pk])
    for user in (world.users["entrepreneur"], handler):
        page = page_of(client, user, detail_url(issue)).content.decode()
        assert 'data-kind="material_added"' in page and "补充现场照片。" in page
        assert 'data-testid="material-files"' in page and download in page
    assert page_of(client, handler, download).status_code == 200
    told = inbox(handler)[handler_before:]
    assert {n.subject for n in told} == {f"问题 {issue.reference} 有补充材料"}
    assert {n.channel for n in told} == {"in_app", "email"}
    assert len(inbox(coordinator)) == coordinator_before  # the department has it


def test_material_without_a_file_on_a_submitted_issue_goes_to_the_coordinators(client, world):
    issue = submitted(world)
    coordinator_before = len(inbox(world.users["coordinator"]))
    response = post_action(client, world.users["entrepreneur"], issue, "add_material",
                           {"note": "联系人改为王经理，电话 13900000000。"})
    assert response.status_code == 302
    assert fresh(issue).status == S.SUBMITTED
    assert not Attachment.objects.filter(issue=issue).exists()
    told = inbox(world.users["coordinator"])[coordinator_before:]
    assert told and all("联系人改为王经理" in n.body for n in told)
    assert not inbox(world.users["handler"])


def test_material_needs_a_note_or_a_file_and_a_bad_file_is_refused_by_its_content(
    client, world, private_storage
):
    issue = dispatched(world)
    version = fresh(issue).version
    empty = post_action(client, world.users["entrepreneur"], issue, "add_material",
                        {"note": "  "})
    assert empty.status_code == 400
    assert "Write a note or choose at least one file." in empty.content.decode()
    fake = SimpleUploadedFile("报告.pdf", b"MZ\x90\x00not a pdf at all",
                              content_type="application/pdf")
    bad = post_action(client, world.users["entrepreneur"], issue, "add_material",
                      {"note": "附报告。", "files": [fake]})
    assert bad.status_code == 400
    assert "is not a PDF, image, Word or Excel file." in bad.content.decode()
    many = post_action(client, world.users["entrepreneur"], issue, "add_material",
                       {"files": [pdf(f"照片{n}.pdf") for n in range(6)]})
    assert many.status_code == 400
    assert "At most 5 files can be attached." in many.content.decode()
    assert fresh(issue).version == version
    assert not Attachment.objects.filter(issue=issue).exists()
    assert not [path for path in private_storage.rglob("*") if path.is_file()]


def test_an_issue_keeps_a_limited_number_of_its_own_files(world, private_storage):
    issue = dispatched(world)
    raiser = world.users["entrepreneur"]
    for _round in range(MAX_ISSUE_ATTACHMENTS // 5):
        issue = workflow.issue_add_material(actor=raiser, issue=fresh(issue),
                                            version=fresh(issue).version,
                                            files=[pdf(f"{n}.pdf") for n in range(5)])
    with pytest.raises(ValidationError) as refused:
        workflow.issue_add_material(actor=raiser, issue=fresh(issue),
                                    version=fresh(issue).version, files=[pdf()])
    assert [error.code for error in refused.value.error_dict["files"]] == ["attachment_count"]
    assert "20" in str(refused.value)
    assert Attachment.objects.filter(issue=issue).count() == MAX_ISSUE_ATTACHMENTS
    # The refused file was not kept either.
    assert len([path for path in private_storage.rglob("*") if path.is_file()]) == (
        MAX_ISSUE_ATTACHMENTS)


def test_material_is_refused_once_the_issue_is_closed(client, world):
    issue = resolved(world)
    workflow.issue_rate(actor=world.users["entrepreneur"], issue=issue, version=issue.version,
                        value=RatingValue.SATISFIED)
    closed = fresh(issue)
    assert closed.status == S.CLOSED
    page = page_of(client, world.users["entrepreneur"], detail_url(issue)).content.decode()
    assert 'data-testid="action-add_material"' not in page
    events = closed.events.count()
    response = post_action(client, world.users["entrepreneur"], issue, "add_material",
                           {"note": "再补充一点。"})
    assert response.status_code == 409
    assert "再补充一点。" in response.content.decode()
    assert fresh(issue).events.count() == events


@pytest.mark.parametrize(("who", "status"), [
    ("stranger", 404), ("handler", 403), ("tax_handler", 404), ("leader", 403),
])
def test_nobody_else_adds_material(client, world, who, status):
    issue = dispatched(world)
    response = post_action(client, world.users[who], issue, "add_material",
                           {"note": "补充。"})
    assert response.status_code == status
    assert not fresh(issue).events.filter(kind=IssueEvent.Kind.MATERIAL_ADDED).exists()


def test_a_coordinator_adds_material_for_the_raiser(client, world):
    issue = dispatched(world)
    response = post_action(client, world.users["coordinator"], issue, "add_material",
                           {"note": "企业电话补充：已取得环评批复。"})
    assert response.status_code == 302
    assert fresh(issue).events.filter(kind=IssueEvent.Kind.MATERIAL_ADDED).count() == 1


def test_a_withdrawn_issue_cannot_be_rated_and_says_so(client, world):
    issue = submitted(world)
    workflow.issue_withdraw(actor=world.users["entrepreneur"], issue=issue,
                            version=issue.version, reason="误提交。")
    page = page_of(client, world.users["entrepreneur"],
                   reverse("issues:rate", args=[issue.reference])).content.decode()
    assert "The issue was withdrawn, so there is no answer to rate." in page
    assert Issue.objects.get(pk=issue.pk).status == S.WITHDRAWN
