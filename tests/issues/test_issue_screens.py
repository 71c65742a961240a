"""The issue workflow's screens through the browser's eyes: raising an issue (an
entrepreneur from a phone, a coordinator on someone's behalf), every action on the issue
page, refusals that keep what was typed, the rating page, attachments, the work queues and
the supervision page."""

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from entrepreneurs.models import Entrepreneur
from government.models import Official
from issues import workflow
from issues.models import ExtensionRequest, Issue, IssueEvent, RatingValue, SatisfactionRating
from sessions.models import TalkSession
from tests.factories import (
    CategoryFactory,
    CityFactory,
    DepartmentFactory,
    EditionFactory,
    EnterpriseFactory,
    EntrepreneurFactory,
    IssueFactory,
    OfficialFactory,
    RegionFactory,
    TalkSessionFactory,
    UserFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

S = Issue.Status
E = Issue.Escalation
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
NEW_URL = reverse("issues:new")
LIST_URL = reverse("issues:list")
SUPERVISION_URL = reverse("issues:supervision")


@pytest.fixture
def private_storage(settings, tmp_path):
    """Uploads are stored in the test's own folder, never in var/private."""
    location = tmp_path / "private"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                    "OPTIONS": {"location": location}},
    }
    return location


@dataclass
class World:
    person: Entrepreneur
    stranger: Entrepreneur
    pending: Entrepreneur
    users: dict
    departments: dict
    category: object
    county: object
    other_county: object


@pytest.fixture
def world() -> World:
    """Wuxing county and Anji; the Economy Bureau (city) leads the category's issues; the
    Tax Bureau may assist. One person per part in the workflow."""
    city = CityFactory()
    county = RegionFactory(name_en="Wuxing")
    other_county = RegionFactory(name_en="Anji")
    economy = DepartmentFactory(region=city, name_en="Economy Bureau")
    planning = DepartmentFactory(region=city, name_en="Planning Bureau")
    tax = DepartmentFactory(region=county, name_en="Tax Bureau")
    category = CategoryFactory(name_en="Factor supply", default_department=economy,
                               description="Land, power, finance and skilled staff.")
    enterprise = EnterpriseFactory(region=county, name="甲企业")
    person = EntrepreneurFactory(with_user=True, enterprise=enterprise, name="张甲")
    stranger = EntrepreneurFactory(with_user=True, enterprise=EnterpriseFactory(region=county))
    pending = EntrepreneurFactory(with_user=True, enterprise=EnterpriseFactory(region=county),
                                  verification=Entrepreneur.Verification.PENDING)

    def official(role, department):
        return OfficialFactory(role=role, department=department).user

    users = {
        "entrepreneur": person.user,
        "stranger": stranger.user,
        "handler": official(Official.Role.HANDLER, economy),
        "lead": official(Official.Role.DEPARTMENT_LEAD, economy),
        "tax_handler": official(Official.Role.HANDLER, tax),
        "planning_handler": official(Official.Role.HANDLER, planning),
        "coordinator": official(Official.Role.COORDINATOR, DepartmentFactory(region=county)),
        "other_coordinator": official(Official.Role.COORDINATOR,
                                      DepartmentFactory(region=other_county)),
        "leader": official(Official.Role.LEADER, DepartmentFactory(region=city)),
        "admin": UserFactory(is_superuser=True, is_staff=True),
    }
    return World(person=person, stranger=stranger, pending=pending, users=users,
                 departments={"economy": economy, "planning": planning, "tax": tax},
                 category=category, county=county, other_county=other_county)


# --- Moving an issue along with the workflow itself --------------------------------------


def submitted(world: World, title="扩建用地指标") -> Issue:
    return workflow.issue_submit(actor=world.person.user, title=title,
                                 description="厂房扩建需要新增用地指标。", category=world.category)


def dispatched(world: World, **kwargs) -> Issue:
    issue = submitted(world, **kwargs)
    return workflow.issue_dispatch(actor=world.users["coordinator"], issue=issue,
                                   version=issue.version,
                                   lead_department=world.departments["economy"])


def accepted(world: World, **kwargs) -> Issue:
    issue = dispatched(world, **kwargs)
    return workflow.issue_accept(actor=world.users["handler"], issue=issue,
                                 version=issue.version)


def resolved(world: World, **kwargs) -> Issue:
    issue = accepted(world, **kwargs)
    return workflow.issue_resolve(actor=world.users["handler"], issue=issue,
                                  version=issue.version, reply="已协调新增用地指标十亩。")


def fresh(issue: Issue) -> Issue:
    return Issue.objects.get(pk=issue.pk)


def page_of(client, user, url, **extra):
    client.force_login(user)
    return client.get(url, **extra)


def detail_url(issue: Issue) -> str:
    return reverse("issues:detail", args=[issue.reference])


def action_url(issue: Issue, action: str) -> str:
    return reverse(f"issues:{action}", args=[issue.reference])


def post_action(client, user, issue: Issue, action: str, data: dict, version=None):
    client.force_login(user)
    version = fresh(issue).version if version is None else version
    return client.post(action_url(issue, action), {"version": version, **data})


def message_texts(response) -> list[str]:
    return [str(message) for message in response.wsgi_request._messages]


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
    assert f"now due by {issue.due_on.isoformat()}" in message_texts(response)[0]


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
    assert 'data-testid="action-' not in pages["entrepreneur"]
    assert 'data-testid="action-' not in pages["leader"]
    assert 'data-testid="action-accept"' in pages["handler"]
    assert 'data-testid="action-' not in pages["tax_handler"]  # not yet its turn
    assert 'data-testid="action-dispatch"' in pages["coordinator"]
    assert 'data-testid="action-accept"' not in pages["coordinator"]


# --- Refusals keep what was typed -------------------------------------------------------


def test_the_wrong_person_is_refused_with_the_reason(client, world):
    issue = submitted(world)
    response = post_action(client, world.users["entrepreneur"], issue, "reject",
                           {"reason": "我想撤回"})
    assert response.status_code == 403
    page = response.content.decode()
    assert "Only a coordinator of the issue" in page
    assert "我想撤回" in page  # kept, to be copied
    assert fresh(issue).status == S.SUBMITTED


def test_an_action_in_the_wrong_state_is_refused_and_the_reply_kept(client, world):
    issue = dispatched(world)
    response = post_action(client, world.users["handler"], issue, "resolve",
                           {"reply": "这是一个很长的答复，不能丢失。"})
    assert response.status_code == 409
    page = response.content.decode()
    assert "This cannot be done while the issue is “Dispatched to a department”." in page
    refused = page[page.index('data-testid="action-refused"'):]
    assert "这是一个很长的答复，不能丢失。" in refused
    assert fresh(issue).status == S.DISPATCHED


def test_a_stale_page_keeps_the_typed_reply_with_the_new_version(client, world):
    issue = accepted(world)
    handler = world.users["handler"]
    seen = issue.version
    page_of(client, handler, detail_url(issue))  # the handler opens the page, and types…
    workflow.issue_add_note(actor=world.users["coordinator"], issue=issue, version=seen,
                            message="请尽快答复", is_public=False)  # …while this happens
    reply = "经协调，已安排新增用地指标十亩。"

    response = post_action(client, handler, issue, "resolve", {"reply": reply}, version=seen)

    assert response.status_code == 409
    page = response.content.decode()
    assert "Someone else changed this issue while you were looking at it." in page
    assert "请尽快答复" in page  # the page shows the issue as it now is
    card = page[page.index('data-testid="action-resolve"'):]
    assert reply in card[:4000]
    now = fresh(issue).version
    assert now == seen + 1
    assert f'name="version" value="{now}"' in card[:4000]
    # Sending the form again, as it came back, works.
    again = post_action(client, handler, issue, "resolve", {"reply": reply}, version=now)
    assert again.status_code == 302
    assert fresh(issue).status == S.RESOLVED


def test_an_empty_reply_is_a_form_error(client, world):
    issue = accepted(world)
    response = post_action(client, world.users["handler"], issue, "resolve", {"reply": "  "})
    assert response.status_code == 400
    assert "Write the answer to the entrepreneur." in response.content.decode()


def test_actions_are_posted_only_and_need_a_login(client, world):
    issue = dispatched(world)
    client.force_login(world.users["handler"])
    assert client.get(action_url(issue, "accept")).status_code == 405
    client.logout()
    response = client.post(action_url(issue, "accept"), {"version": issue.version})
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    # Outside one's scope the issue does not exist.
    response = post_action(client, world.users["planning_handler"], issue, "accept", {})
    assert response.status_code == 404
    assert fresh(issue).status == S.DISPATCHED


# --- Rating -----------------------------------------------------------------------------


def rate_url(issue: Issue) -> str:
    return reverse("issues:rate", args=[issue.reference])


def test_the_entrepreneur_rates_the_answer_in_one_step(client, world):
    issue = resolved(world)
    page = page_of(client, world.users["entrepreneur"], rate_url(issue)).content.decode()
    assert "已协调新增用地指标十亩。" in page  # the answer being rated
    for label in ("Satisfied", "Basically satisfied", "Dissatisfied"):
        assert label in page

    response = client.post(rate_url(issue), {"version": fresh(issue).version,
                                             "value": "satisfied", "comment": "感谢"})

    assert response.status_code == 302 and response.url == detail_url(issue)
    issue = fresh(issue)
    assert issue.status == S.CLOSED and issue.latest_rating == RatingValue.SATISFIED
    assert f"issue {issue.reference} is closed" in message_texts(response)[0]


def test_dissatisfied_needs_a_reason_and_keeps_the_comment(client, world):
    issue = resolved(world)
    client.force_login(world.users["entrepreneur"])
    data = {"version": fresh(issue).version, "value": "dissatisfied", "comment": "指标不够用"}

    response = client.post(rate_url(issue), data)

    assert response.status_code == 400
    page = response.content.decode()
    assert "Say why you are dissatisfied." in page
    assert "指标不够用" in page
    assert fresh(issue).status == S.RESOLVED

    response = client.post(rate_url(issue), {**data, "reason": "handling"})
    assert response.status_code == 302
    issue = fresh(issue)
    assert issue.status == S.DISPATCHED and issue.round == 2
    assert issue.escalation == E.SUPERVISED
    assert "under supervision" in message_texts(response)[0]


def test_the_rating_page_of_an_already_rated_issue_shows_the_rating(client, world):
    issue = resolved(world)
    workflow.issue_rate(actor=world.users["entrepreneur"], issue=issue, version=issue.version,
                        value=RatingValue.BASICALLY_SATISFIED, comment="基本解决")

    response = page_of(client, world.users["entrepreneur"], rate_url(issue))

    assert response.status_code == 200
    page = response.content.decode()
    assert "You have rated this answer" in page
    assert 'data-testid="latest-rating">Basically satisfied<' in page
    assert "基本解决" in page
    assert 'data-testid="rating-form"' not in page

    again = client.post(rate_url(issue), {"version": fresh(issue).version,
                                          "value": "dissatisfied", "comment": "再想想"})
    assert again.status_code == 409
    assert "再想想" in again.content.decode()
    assert fresh(issue).latest_rating == RatingValue.BASICALLY_SATISFIED


def test_the_rating_page_before_an_answer_says_there_is_nothing_to_rate(client, world):
    issue = dispatched(world)
    response = page_of(client, world.users["entrepreneur"], rate_url(issue))
    assert response.status_code == 200
    assert "There is no answer to rate yet." in response.content.decode()


def test_only_the_raiser_may_rate(client, world):
    issue = resolved(world)
    colleague = EntrepreneurFactory(with_user=True, enterprise=world.person.enterprise)
    for user in (world.users["handler"], world.users["coordinator"], colleague.user):
        response = page_of(client, user, rate_url(issue))
        assert response.status_code == 403
        assert "Only the entrepreneur who raised the issue can rate" in response.content.decode()
    assert page_of(client, world.users["stranger"], rate_url(issue)).status_code == 404


# --- Attachments ------------------------------------------------------------------------


def test_the_attachment_is_downloaded_by_those_who_see_the_issue_only(
    client, world, private_storage
):
    client.force_login(world.users["entrepreneur"])
    client.post(NEW_URL, {
        "title": "附件问题", "description": "见附件", "category": world.category.pk,
        "attachments": SimpleUploadedFile("规划图.pdf", PDF, content_type="application/pdf"),
    })
    issue = Issue.objects.get()
    url = reverse("issues:attachment", args=[issue.reference, issue.attachments.get().pk])

    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"

    assert page_of(client, world.users["stranger"], url).status_code == 404
    assert page_of(client, world.users["coordinator"], url).status_code == 200
    assert page_of(client, world.users["other_coordinator"], url).status_code == 404


# --- Work queues ------------------------------------------------------------------------


def queue_counts(page: str) -> dict:
    return {key: int(count) for key, count in re.findall(
        r'data-queue="(\w+)">\s*[^<]*<span[^>]*data-testid="queue-count">(\d+)<', page)}


def listed_references(page: str) -> list[str]:
    """References in the order of the table (from md up)."""
    table = page[page.index('data-testid="issue-table"'):]
    return re.findall(r'<td class="text-nowrap"><a href="/issues/(HZ-[0-9-]+)/">', table)


@pytest.fixture
def queues(world):
    """Issues of Wuxing in the queues: two submitted and one returned (to dispatch), one
    under supervision with a request for more time, one overdue, one new for the Economy
    Bureau and one due soon."""
    today = timezone.localdate()
    now = timezone.now()
    economy = world.departments["economy"]

    def issue(**kwargs):
        return IssueFactory(enterprise=world.person.enterprise, entrepreneur=world.person,
                            category=world.category, **kwargs)

    made = {
        "old_submitted": issue(status=S.SUBMITTED, submitted_at=now - timedelta(days=5)),
        "new_submitted": issue(status=S.SUBMITTED, submitted_at=now - timedelta(days=1)),
        "returned": issue(status=S.RETURNED, submitted_at=now - timedelta(days=3)),
        "supervised": issue(status=S.IN_PROGRESS, lead_department=economy,
                            escalation=E.SUPERVISED, due_on=today + timedelta(days=20)),
        "overdue": issue(status=S.ACCEPTED, lead_department=economy,
                         due_on=today - timedelta(days=4)),
        "new": issue(status=S.DISPATCHED, lead_department=economy,
                     due_on=today + timedelta(days=15)),
        "due_soon": issue(status=S.IN_PROGRESS, lead_department=economy,
                          due_on=today + timedelta(days=1)),
    }
    ExtensionRequest.objects.create(issue=made["supervised"], round=1, days=3, reason="会商",
                                    requested_by=world.users["handler"])
    return made


def test_the_coordinators_tabs_count_each_queue(client, world, queues):
    page = page_of(client, world.users["coordinator"], LIST_URL).content.decode()
    assert queue_counts(page) == {
        "to_dispatch": 3, "returned": 1, "extension_requests": 1, "review": 0,
        "supervised": 1, "overdue": 1,
    }
    page = client.get(LIST_URL, {"queue": "to_dispatch"}).content.decode()
    order = [queues[key].reference for key in ("old_submitted", "returned", "new_submitted")]
    assert listed_references(page) == order  # oldest first
    page = client.get(LIST_URL, {"queue": "extension_requests"}).content.decode()
    assert listed_references(page) == [queues["supervised"].reference]
    assert "Under supervision (督办)" in page


def test_the_coordinators_decision_queue_lists_the_issues_awaiting_it(client, world, queues):
    review = IssueFactory(enterprise=world.person.enterprise, entrepreneur=world.person,
                          status=S.REVIEW, lead_department=world.departments["economy"])
    page = page_of(client, world.users["coordinator"], LIST_URL).content.decode()
    assert queue_counts(page)["review"] == 1
    page = client.get(LIST_URL, {"queue": "review"}).content.decode()
    assert listed_references(page) == [review.reference]


def test_the_departments_tabs_count_its_queues(client, world, queues):
    page = page_of(client, world.users["handler"], LIST_URL).content.decode()
    assert queue_counts(page) == {"new": 1, "due_soon": 1, "overdue": 1, "in_progress": 3}
    page = client.get(LIST_URL, {"queue": "in_progress"}).content.decode()
    order = [queues[key].reference for key in ("overdue", "due_soon", "supervised")]
    assert listed_references(page) == order  # soonest due first
    # Another queue name is ignored: the whole list.
    page = client.get(LIST_URL, {"queue": "to_dispatch"}).content.decode()
    assert len(listed_references(page)) == 4


def test_entrepreneurs_have_no_queues_but_a_button_to_raise_an_issue(client, world, queues):
    page = page_of(client, world.users["entrepreneur"], LIST_URL).content.decode()
    assert 'data-testid="queue-tabs"' not in page
    assert f'href="{NEW_URL}"' in page


def count_queries(client, url, data=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, data or {})
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(("role", "queue"), [("coordinator", "to_dispatch"),
                                             ("handler", "overdue"), ("admin", "supervised")])
def test_a_queue_runs_a_fixed_number_of_queries(client, world, role, queue):
    today = timezone.localdate()

    def add(count):
        for _ in range(count):
            IssueFactory(enterprise=world.person.enterprise, entrepreneur=world.person,
                         category=world.category, lead_department=world.departments["economy"],
                         status={"to_dispatch": S.SUBMITTED}.get(queue, S.IN_PROGRESS),
                         escalation=E.BULLETIN, due_on=today - timedelta(days=7))

    client.force_login(world.users[role])
    add(3)
    small = count_queries(client, LIST_URL, {"queue": queue})
    add(37)
    large = count_queries(client, LIST_URL, {"queue": queue})
    page = client.get(LIST_URL, {"queue": queue}).content.decode()
    assert small == large
    assert len(listed_references(page)) == 25 and "40 issues" in page


# --- Supervision ------------------------------------------------------------------------


@pytest.fixture
def supervised(world):
    today = timezone.localdate()
    economy, planning = world.departments["economy"], world.departments["planning"]

    def issue(department, escalation, late_days, **kwargs):
        return IssueFactory(enterprise=world.person.enterprise, entrepreneur=world.person,
                            category=world.category, lead_department=department,
                            status=kwargs.pop("status", S.IN_PROGRESS), escalation=escalation,
                            due_on=today - timedelta(days=late_days), **kwargs)

    return {
        "worst": issue(economy, E.BULLETIN, 30, title="最久的问题"),
        "bulletin": issue(economy, E.BULLETIN, 14, title="公告中的问题"),
        "planning": issue(planning, E.BULLETIN, 10, title="规划局的问题"),
        "supervised": issue(planning, E.SUPERVISED, 5, title="督办中的问题"),
        "reminded": issue(planning, E.REMINDED, 2, title="仅催办的问题"),
        "closed": issue(economy, E.BULLETIN, 40, status=S.CLOSED, title="已关闭的问题"),
        "elsewhere": IssueFactory(region=world.other_county, status=S.IN_PROGRESS,
                                  enterprise=EnterpriseFactory(region=world.other_county),
                                  escalation=E.BULLETIN, due_on=today - timedelta(days=9),
                                  title="安吉的问题"),
    }


def test_the_supervision_page_lists_the_most_overdue_first_and_the_bulletin(
    client, world, supervised
):
    response = page_of(client, world.users["coordinator"], SUPERVISION_URL)
    assert response.status_code == 200
    page = response.content.decode()
    table = page[page.index('data-testid="supervised-table"'):page.index('data-testid="bulletin"')]
    expected = [supervised[key].reference for key in ("worst", "bulletin", "planning",
                                                      "supervised")]
    assert re.findall(r'data-reference="(HZ-[0-9-]+)"', table) == expected
    for key in ("reminded", "closed", "elsewhere"):
        assert supervised[key].reference not in page
    assert "Economy Bureau" in table and "Planning Bureau" in table
    days_late = [int(days) for days in re.findall(r'data-testid="days-late">(\d+)<', table)]
    assert days_late == sorted(days_late, reverse=True) and days_late[0] > days_late[-1] > 0

    bulletin = page[page.index('data-testid="bulletin"'):]
    groups = re.findall(r'data-testid="bulletin-department">([^<]+)</td>\s*<td[^>]*>'
                        r'<span class="badge text-bg-danger" data-testid="bulletin-count">'
                        r'(\d+)<', bulletin)
    assert groups == [("Economy Bureau", "2"), ("Planning Bureau", "1")]

    # Only the bulletin's issues, still most overdue first.
    page = page_of(client, world.users["coordinator"],
                   SUPERVISION_URL + "?bulletin=1").content.decode()
    table = page[page.index('data-testid="supervised-table"'):page.index('data-testid="bulletin"')]
    listed = re.findall(r'data-reference="(HZ-[0-9-]+)"', table)
    assert listed == [supervised[key].reference for key in ("worst", "bulletin", "planning")]


def test_the_supervision_list_pages_fifty_at_a_time(client, world, supervised):
    today = timezone.localdate()
    for index in range(60):
        IssueFactory(enterprise=world.person.enterprise, entrepreneur=world.person,
                     lead_department=world.departments["economy"], status=S.ACCEPTED,
                     escalation=E.SUPERVISED, due_on=today - timedelta(days=index % 20 + 1))
    first = page_of(client, world.users["coordinator"], SUPERVISION_URL).content.decode()
    second = page_of(client, world.users["coordinator"],
                     SUPERVISION_URL + "?page=2").content.decode()
    rows = [re.findall(r'data-reference="(HZ-[0-9-]+)"', page) for page in (first, second)]
    assert len(rows[0]) == 50 and len(rows[1]) == 64 - 50
    assert not set(rows[0]) & set(rows[1])


@pytest.mark.parametrize(("role", "status"), [
    ("coordinator", 200), ("leader", 200), ("admin", 200),
    ("handler", 403), ("lead", 403), ("entrepreneur", 403),
])
def test_the_supervision_page_is_for_coordinators_leaders_and_administrators(
    client, world, role, status
):
    response = page_of(client, world.users[role], SUPERVISION_URL)
    assert response.status_code == status
    if status == 403:
        assert "Only coordinators, leaders and administrators" in response.content.decode()


@pytest.mark.parametrize("role", ["coordinator", "leader", "admin"])
def test_the_supervision_page_runs_a_fixed_number_of_queries(client, world, supervised, role):
    client.force_login(world.users[role])
    small = count_queries(client, SUPERVISION_URL)
    for index in range(30):
        IssueFactory(enterprise=world.person.enterprise, entrepreneur=world.person,
                     lead_department=DepartmentFactory(), status=S.ACCEPTED,
                     escalation=E.BULLETIN if index % 2 else E.SUPERVISED,
                     due_on=timezone.localdate() - timedelta(days=index + 3))
    assert count_queries(client, SUPERVISION_URL) == small


# --- Ways in: the home pages and the person's page -----------------------------------------


def test_the_home_pages_lead_to_the_screens(client, world):
    entrepreneur_home = page_of(client, world.users["entrepreneur"], "/").content.decode()
    assert f'href="{NEW_URL}"' in entrepreneur_home
    pending_home = page_of(client, world.pending.user, "/").content.decode()
    assert f'href="{NEW_URL}"' not in pending_home
    department_home = page_of(client, world.users["handler"], "/").content.decode()
    assert f'href="{LIST_URL}?queue=overdue"' in department_home
    coordinator_home = page_of(client, world.users["coordinator"], "/").content.decode()
    assert f'href="{LIST_URL}?queue=to_dispatch"' in coordinator_home
    assert f'href="{SUPERVISION_URL}"' in coordinator_home


def test_the_persons_page_offers_coordinators_to_record_an_issue(client, world):
    url = reverse("entrepreneurs:detail", args=[world.person.pk])
    link = f'href="{NEW_URL}?entrepreneur={world.person.pk}"'
    assert link in page_of(client, world.users["coordinator"], url).content.decode()
    assert link not in page_of(client, world.users["leader"], url).content.decode()


def test_sessions_offered_are_limited_to_fifty(client, world):
    now = timezone.now()
    for index in range(55):
        TalkSessionFactory(region=world.county, edition=EditionFactory(),
                           starts_at=now - timedelta(hours=index + 1),
                           ends_at=now - timedelta(hours=index))
    page = page_of(client, world.users["coordinator"],
                   f"{NEW_URL}?entrepreneur={world.person.pk}").content.decode()
    select = page[page.index('name="session"'):]
    select = select[:select.index("</select>")]
    assert select.count("<option") == 51  # "not raised at a session" and the 50 latest
    assert TalkSession.objects.count() == 55


@pytest.mark.parametrize("role", ["coordinator", "handler"])
def test_the_issue_page_with_its_forms_runs_a_fixed_number_of_queries(client, world, role):
    """A coordinator's page of a submitted issue (the dispatch form lists the departments)
    and a handler's of an accepted one with a request for more time."""
    issue = submitted(world) if role == "coordinator" else accepted(world)
    if role == "handler":
        workflow.issue_request_extension(actor=world.users["handler"], issue=issue,
                                         version=fresh(issue).version, days=3, reason="会商")
    client.force_login(world.users[role])
    small = count_queries(client, detail_url(issue))
    for index in range(30):
        DepartmentFactory()
        IssueEvent.objects.create(issue=issue, kind=IssueEvent.Kind.PROGRESS,
                                  actor=world.users["handler"], message=f"进展 {index}")
    large = count_queries(client, detail_url(issue))
    assert small == large


def test_a_leader_follows_supervision_and_overdue_queues_only(client, world, queues):
    page = page_of(client, world.users["leader"], LIST_URL).content.decode()
    assert queue_counts(page) == {"supervised": 1, "overdue": 1}
    assert f'href="{SUPERVISION_URL}"' in page
    assert 'data-testid="action-' not in page_of(
        client, world.users["leader"], detail_url(queues["supervised"])).content.decode()
