"""The issue screens' forms: refusals that keep what was typed, the rating page, and
attachments."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from issues import workflow
from issues.models import Issue, RatingValue
from tests.factories import EntrepreneurFactory
from tests.helpers import fresh, message_texts
from tests.issues.screens import (
    NEW_URL,
    PDF,
    E,
    S,
    accepted,
    action_url,
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
