"""Answer letters (答复函) and the lead's sign-off (审核签发): a department's answer carries
files checked like an issue's own; where the department asks for it, a handler's answer
waits for a lead, who approves it (then the entrepreneur receives it, and the working-day
clock stops) or sends it back with a note. The entrepreneur never sees an answer, nor its
files, before it is approved."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dashboard.definitions import FIELDS, MEASURES, contribution
from government.models import Official
from issues import workflow
from issues.models import MAX_ATTACHMENT_BYTES, Answer, Attachment, Issue, IssueEvent
from issues.personal_data import export_issues
from issues.selectors import answers_awaiting_sign_off_for_user
from notifications.models import Notification
from tests.factories import DepartmentFactory
from tests.helpers import at, fresh, on
from tests.issues.workflow_steps import IN_APP, OCT_9, SMS, K, S, accepted, oct_, told
from tests.worlds import official_user

pytestmark = pytest.mark.django_db

R = Official.Role
A = Answer.Status
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48


@pytest.fixture(autouse=True)
def _storage(private_storage):
    return private_storage


def letter(name="答复函.pdf", content=PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def with_sign_off(world):
    world.lead_department.requires_sign_off = True
    world.lead_department.save(update_fields=["requires_sign_off"])


def answer(world, issue: Issue, day: date = OCT_9, *, by="handler", files=(),
           reply="已协调新增用地指标，详见答复函。") -> Issue:
    with on(day, hour=15):
        return workflow.issue_resolve(actor=world.users[by], issue=fresh(issue),
                                      version=fresh(issue).version, reply=reply, files=files)


def approve(world, issue: Issue, day: date, *, by="lead") -> Issue:
    with on(day, hour=16):
        return workflow.issue_approve_answer(actor=world.users[by], issue=fresh(issue),
                                             version=fresh(issue).version, note="同意。")


def send_back(world, issue: Issue, day: date, note="请补充政策依据。", *, by="lead") -> Issue:
    with on(day, hour=16):
        return workflow.issue_send_back_answer(actor=world.users[by], issue=fresh(issue),
                                               version=fresh(issue).version, note=note)


def page(client, user, issue: Issue) -> str:
    client.force_login(user)
    response = client.get(reverse("issues:detail", args=[issue.reference]), **ENGLISH)
    assert response.status_code == 200
    return response.content.decode()


def download(client, user, attachment: Attachment) -> int:
    client.force_login(user)
    return client.get(reverse("issues:attachment",
                              args=[attachment.issue.reference, attachment.pk])).status_code


def on_time(issue: Issue) -> bool:
    row = fresh(issue)
    measures = contribution(tuple(getattr(row, name) for name in FIELDS)).measures
    return bool(measures[MEASURES.index("on_time")])


def written(issue: Issue) -> tuple:
    """What a refused answer must leave alone."""
    row = fresh(issue)
    return (row.status, row.version, row.resolved_at, Answer.objects.count(),
            Attachment.objects.count(), IssueEvent.objects.filter(issue=issue).count(),
            Notification.objects.count())


# --- Without sign-off ------------------------------------------------------------------------


def test_an_answer_with_a_pdf_letter_is_sent_at_once_and_the_raiser_downloads_it(
        client, world, private_storage):
    issue = answer(world, accepted(world), files=[letter()])
    assert issue.status == S.RESOLVED
    row = Answer.objects.get(issue=issue)
    assert (row.status, row.round, row.written_by, row.decided_by) == (
        A.APPROVED, 1, world.users["handler"], world.users["handler"])
    [pdf] = Attachment.objects.filter(answer=row)
    assert (pdf.issue, pdf.original_name, pdf.content_type) == (issue, "答复函.pdf",
                                                              "application/pdf")
    assert (private_storage / pdf.file.name).read_bytes() == PDF
    resolved = IssueEvent.objects.get(issue=issue, kind=K.RESOLVED)
    assert resolved.data["answer"] == row.pk and resolved.is_public
    # The raiser reads the answer with its letter, on the issue page and the rating page.
    html = page(client, world.users["entrepreneur"], issue)
    link = reverse("issues:attachment", args=[issue.reference, pdf.pk])
    assert html.count(link) == 2  # the answer block and its timeline entry
    assert 'data-testid="issue-attachments"' not in html  # not among the issue's own files
    rate = client.get(reverse("issues:rate", args=[issue.reference]), **ENGLISH)
    assert link in rate.content.decode()
    response = client.get(link)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF


def test_the_lead_of_a_department_with_sign_off_answers_without_waiting(world):
    with_sign_off(world)
    issue = answer(world, accepted(world), by="lead")
    assert issue.status == S.RESOLVED
    assert Answer.objects.get(issue=issue).status == A.APPROVED
    data = IssueEvent.objects.get(issue=issue, kind=K.RESOLVED).data
    assert data["signed_off_by"] == data["written_by"] == world.users["lead"].pk


# --- With sign-off ----------------------------------------------------------------------------


def test_a_handlers_answer_waits_for_the_lead_and_the_raiser_sees_nothing(client, world):
    with_sign_off(world)
    issue = accepted(world)
    due_on = issue.due_on
    Notification.objects.all().delete()
    issue = answer(world, issue, files=[letter()],
                   reply="草稿：已协调新增用地指标。")
    row = fresh(issue)
    assert (row.status, row.resolved_at, row.due_on) == (S.IN_PROGRESS, None, due_on)
    waiting = Answer.objects.get(issue=issue)
    assert (waiting.status, waiting.decided_by) == (A.PENDING, None)
    event = IssueEvent.objects.filter(issue=issue).latest("id")
    assert (event.kind, event.is_public, event.data["answer"]) == (
        K.ANSWER_SUBMITTED, False, waiting.pk)
    # The department's leads are told, nobody else; the raiser gets no rating request.
    assert told(world, Notification.objects.all()) == {"lead": 1}
    assert not Notification.objects.filter(channel=SMS).exists()
    [pdf] = waiting.attachments.all()
    link = reverse("issues:attachment", args=[issue.reference, pdf.pk])
    html = page(client, world.users["entrepreneur"], issue)
    assert "草稿" not in html and link not in html
    assert 'data-testid="answer-under-review"' not in html
    assert download(client, world.users["entrepreneur"], pdf) == 404
    # The handler sees it waiting; the lead sees it with the forms to decide.
    html = page(client, world.users["handler"], issue)
    assert "草稿" in html and link in html and 'data-status="pending"' in html
    assert 'data-testid="action-resolve"' not in html
    assert 'data-testid="action-approve_answer"' not in html
    html = page(client, world.users["lead"], issue)
    assert 'data-testid="action-approve_answer"' in html
    assert 'data-testid="action-send_back_answer"' in html
    assert download(client, world.users["handler"], pdf) == 200


def test_an_accepted_issue_moves_in_progress_and_stays_with_the_department(world):
    with_sign_off(world)
    issue = accepted(world)
    assert issue.status == S.ACCEPTED
    assert answer(world, issue).status == S.IN_PROGRESS


def test_approval_sends_the_answer_and_stops_the_clock_at_the_approval(client, world):
    with_sign_off(world)
    issue = answer(world, accepted(world), files=[letter()])
    Notification.objects.all().delete()
    issue = approve(world, issue, oct_(12))
    row = fresh(issue)
    assert row.status == S.RESOLVED
    assert row.resolved_at == at(oct_(12), 16)
    waiting = Answer.objects.get(issue=issue)
    assert (waiting.status, waiting.decided_by, waiting.decided_at) == (
        A.APPROVED, world.users["lead"], at(oct_(12), 16))
    event = IssueEvent.objects.filter(issue=issue, kind=K.RESOLVED).get()
    assert (event.actor, event.is_public, event.message) == (
        world.users["lead"], True, waiting.reply)
    assert event.data == {"answer": waiting.pk, "written_by": world.users["handler"].pk,
                          "signed_off_by": world.users["lead"].pk}
    # The raiser is asked to rate it, in the app and by SMS, as for any answer.
    sms = Notification.objects.get(channel=SMS)
    assert sms.address == "13812345678"
    assert Notification.objects.filter(channel=IN_APP,
                                       recipient=world.users["entrepreneur"]).exists()
    html = page(client, world.users["entrepreneur"], issue)
    [pdf] = waiting.attachments.all()
    assert waiting.reply in html
    assert reverse("issues:attachment", args=[issue.reference, pdf.pk]) in html
    assert download(client, world.users["entrepreneur"], pdf) == 200


def test_the_due_date_does_not_move_and_a_late_approval_counts_late(world):
    with_sign_off(world)
    issue = accepted(world)
    due_on = issue.due_on
    assert due_on < oct_(30)
    issue = answer(world, issue, day=oct_(9))  # written in time
    assert fresh(issue).due_on == due_on
    issue = approve(world, issue, oct_(30))  # signed off after the due date
    row = fresh(issue)
    assert (row.due_on, timezone.localdate(row.resolved_at)) == (due_on, oct_(30))
    assert on_time(issue) is False


def test_an_approval_before_the_due_date_counts_on_time(world):
    with_sign_off(world)
    issue = approve(world, answer(world, accepted(world), day=oct_(9)), oct_(9))
    assert timezone.localdate(fresh(issue).resolved_at) <= fresh(issue).due_on
    assert on_time(issue) is True


def test_send_back_needs_a_note_and_the_handler_answers_again(client, world):
    with_sign_off(world)
    issue = answer(world, accepted(world), reply="第一稿")
    before = written(issue)
    with pytest.raises(ValidationError):
        send_back(world, issue, oct_(9), note="  ")
    assert written(issue) == before
    Notification.objects.all().delete()
    issue = send_back(world, issue, oct_(9), note="请补充政策依据。")
    first = Answer.objects.get(issue=issue)
    assert (first.status, first.decision_note, first.decided_by) == (
        A.SENT_BACK, "请补充政策依据。", world.users["lead"])
    event = IssueEvent.objects.filter(issue=issue).latest("id")
    assert (event.kind, event.is_public, event.message) == (
        K.ANSWER_SENT_BACK, False, "请补充政策依据。")
    assert fresh(issue).status == S.IN_PROGRESS
    assert told(world, Notification.objects.all()) == {"handler": 1}
    assert "请补充政策依据" in Notification.objects.get(channel=IN_APP).body
    # The handler reads the note and answers again; the raiser still sees nothing.
    html = page(client, world.users["handler"], issue)
    assert 'data-status="sent_back"' in html and "请补充政策依据" in html
    assert 'data-testid="action-resolve"' in html
    assert "第一稿" not in page(client, world.users["entrepreneur"], issue)
    issue = answer(world, issue, reply="第二稿：附政策依据。")
    second = Answer.objects.filter(issue=issue, status=A.PENDING).get()
    assert second.reply == "第二稿：附政策依据。"
    issue = approve(world, issue, oct_(12))
    html = page(client, world.users["entrepreneur"], issue)
    assert "第二稿" in html and "第一稿" not in html


def test_the_send_back_form_needs_a_note(client, world):
    with_sign_off(world)
    issue = answer(world, accepted(world))
    client.force_login(world.users["lead"])
    response = client.post(reverse("issues:send_back_answer", args=[issue.reference]),
                           {"version": fresh(issue).version, "note": ""}, **ENGLISH)
    assert response.status_code == 400
    assert Answer.objects.get(issue=issue).status == A.PENDING


# --- Who may decide -------------------------------------------------------------------------


def test_a_handler_cannot_approve_nor_send_back(client, world):
    with_sign_off(world)
    issue = answer(world, accepted(world))
    before = written(issue)
    for act in (approve, send_back):
        with pytest.raises(workflow.ActionNotAllowed):
            act(world, issue, oct_(9), by="handler")
    assert written(issue) == before
    client.force_login(world.users["handler"])
    response = client.post(reverse("issues:approve_answer", args=[issue.reference]),
                           {"version": fresh(issue).version}, **ENGLISH)
    assert response.status_code == 403
    assert written(issue) == before


def test_another_departments_lead_cannot_approve(client, world):
    with_sign_off(world)
    issue = answer(world, accepted(world))
    world.users["other_lead"] = official_user(R.DEPARTMENT_LEAD,
                                              DepartmentFactory(region=world.county))
    world.users["helper_lead"] = official_user(R.DEPARTMENT_LEAD, world.helper_department)
    before = written(issue)
    for who in ("other_lead", "helper_lead"):
        with pytest.raises(workflow.ActionNotAllowed):
            approve(world, issue, oct_(9), by=who)
    assert written(issue) == before
    client.force_login(world.users["other_lead"])
    response = client.post(reverse("issues:approve_answer", args=[issue.reference]),
                           {"version": fresh(issue).version}, **ENGLISH)
    assert response.status_code == 404  # not theirs to see
    assert written(issue) == before
    assert answers_awaiting_sign_off_for_user(user=world.users["other_lead"]) == []


def test_a_second_answer_while_one_waits_is_refused(world):
    with_sign_off(world)
    issue = answer(world, accepted(world))
    before = written(issue)
    with pytest.raises(workflow.WrongState, match="已有一份答复在等待"):
        answer(world, issue, files=[letter()])
    assert written(issue) == before


def test_nothing_to_approve_is_refused(world):
    with_sign_off(world)
    issue = accepted(world)
    before = written(issue)
    for act in (approve, send_back):
        with pytest.raises(workflow.WrongState):
            act(world, issue, oct_(9))
    assert written(issue) == before


# --- Bad files ------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [
    pytest.param(lambda: letter("答复函.pdf", EXE), id="exe-named-pdf"),
    pytest.param(lambda: letter("答复函.pdf", PDF + b"\0" * MAX_ATTACHMENT_BYTES), id="too-big"),
    pytest.param(lambda: letter("空.pdf", b""), id="empty"),
])
def test_a_bad_file_refuses_the_whole_answer(world, private_storage, bad):
    issue = accepted(world)
    before = written(issue)
    with pytest.raises(ValidationError):
        answer(world, issue, files=[letter("好的.pdf"), bad()])
    assert written(issue) == before
    assert not [path for path in private_storage.rglob("*") if path.is_file()]


def test_a_bad_file_through_the_form_is_a_form_error_with_nothing_written(client, world,
                                                                          private_storage):
    issue = accepted(world)
    before = written(issue)
    client.force_login(world.users["handler"])
    response = client.post(
        reverse("issues:resolve", args=[issue.reference]),
        {"version": issue.version, "reply": "已解决", "files": [letter("答复函.pdf", EXE)]},
        **ENGLISH)
    assert response.status_code == 400
    assert "is not a PDF, image, Word or Excel file" in response.content.decode()
    assert written(issue) == before
    assert not [path for path in private_storage.rglob("*") if path.is_file()]


def test_too_many_files_are_refused(world):
    issue = accepted(world)
    before = written(issue)
    with pytest.raises(ValidationError):
        answer(world, issue, files=[letter(f"{index}.pdf") for index in range(6)])
    assert written(issue) == before


def test_the_answer_form_is_multipart_and_takes_a_letter(client, world):
    issue = accepted(world)
    html = page(client, world.users["handler"], issue)
    form = html[html.index('data-action="resolve"') - 300:html.index('data-action="resolve"')]
    assert 'enctype="multipart/form-data"' in form
    assert 'type="file" name="files"' in html and "multiple" in html
    response = client.post(reverse("issues:resolve", args=[issue.reference]),
                           {"version": fresh(issue).version, "reply": "已解决，见答复函。",
                            "files": [letter(), letter("现场照片.pdf")]})
    assert response.status_code == 302
    assert fresh(issue).status == S.RESOLVED
    assert Attachment.objects.filter(answer__issue=issue).count() == 2


# --- Downloads ------------------------------------------------------------------------------


def test_who_may_download_an_answers_files(client, world):
    with_sign_off(world)
    issue = answer(world, accepted(world), files=[letter()])
    pdf = Attachment.objects.get(answer__issue=issue)
    world.users["other_lead"] = official_user(R.DEPARTMENT_LEAD,
                                              DepartmentFactory(region=world.county))
    # A city leader sees every issue, but reads an answer only once it is signed off.
    world.users["leader"] = official_user(
        R.LEADER, world.users["city_coordinator"].official.department)
    pending = {"entrepreneur": 404, "handler": 200, "lead": 200, "coordinator": 200,
               "city_coordinator": 200, "other_coordinator": 404, "helper": 404,
               "other_lead": 404, "leader": 404}
    assert {who: download(client, world.users[who], pdf) for who in pending} == pending
    issue = send_back(world, issue, oct_(9))
    assert {who: download(client, world.users[who], pdf) for who in pending} == pending
    issue = answer(world, issue, files=[letter("第二稿.pdf")])
    approve(world, issue, oct_(12))
    second = Attachment.objects.get(answer__status=A.APPROVED)
    approved = {**pending, "entrepreneur": 200, "leader": 200}
    assert {who: download(client, world.users[who], second) for who in approved} == approved
    # The letter of the answer sent back stays with the department.
    assert download(client, world.users["entrepreneur"], pdf) == 404


def test_the_raisers_data_export_names_only_files_they_were_sent(world):
    with_sign_off(world)
    issue = answer(world, accepted(world), files=[letter("草稿.pdf")])
    [exported] = export_issues(person=world.person)
    assert exported["attachments"] == []
    approve(world, issue, oct_(12))
    [exported] = export_issues(person=world.person)
    assert [item["name"] for item in exported["attachments"]] == ["草稿.pdf"]


# --- The lead's queue -----------------------------------------------------------------------


def test_the_leads_queue_lists_the_answers_waiting_in_a_fixed_number_of_queries(client, world):
    with_sign_off(world)
    issues = [answer(world, accepted(world)) for _ in range(2)]
    lead = world.users["lead"]
    assert [row.issue for row in answers_awaiting_sign_off_for_user(user=lead)] == issues
    assert answers_awaiting_sign_off_for_user(user=world.users["handler"]) == []

    def home():
        client.force_login(lead)
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/", **ENGLISH)
        return len(queries), response.content.decode()

    few, html = home()
    assert 'data-testid="sign-off-count">2<' in html
    assert all(issue.reference in html for issue in issues)
    for _ in range(4):
        answer(world, accepted(world))
    many, html = home()
    assert 'data-testid="sign-off-count">6<' in html
    assert few == many
    # The work-queue tab lists the same issues.
    response = client.get(reverse("issues:list"), {"queue": "sign_off"}, **ENGLISH)
    assert response.status_code == 200
    assert all(issue.reference in response.content.decode() for issue in issues)
    approve(world, issues[0], oct_(12))
    assert issues[0] not in [row.issue for row in answers_awaiting_sign_off_for_user(user=lead)]


def test_a_handlers_home_has_no_sign_off_queue(client, world):
    with_sign_off(world)
    answer(world, accepted(world))
    client.force_login(world.users["handler"])
    assert 'data-testid="sign-off-queue"' not in client.get("/").content.decode()


def test_the_lead_signs_off_from_the_issue_page(client, world):
    with_sign_off(world)
    issue = answer(world, accepted(world), files=[letter()])
    client.force_login(world.users["lead"])
    response = client.post(reverse("issues:approve_answer", args=[issue.reference]),
                           {"version": fresh(issue).version, "note": ""}, **ENGLISH)
    assert response.status_code == 302
    assert fresh(issue).status == S.RESOLVED
    assert Answer.objects.get(issue=issue).decided_by == world.users["lead"]
    html = client.get(response["Location"], **ENGLISH).content.decode()
    assert "The answer was signed off and sent" in html
    assert 'data-testid="answer-under-review"' not in html
