"""Follow-up calls (回访): recording a call (the rating by phone, the unanswered calls that
close an answer unrated, the refusals), the coordinators' follow-up queue (its parts, order,
scope and query count) and the pages."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.workdays import work_calendar
from issues.models import (
    FollowUpCall,
    Issue,
    IssueEvent,
    RatingChannel,
    RatingValue,
    SatisfactionRating,
)
from issues.queues import FOLLOW_UP_PAGE_SIZE, follow_up_queue_for_user
from issues.workflow import ActionNotAllowed, StaleIssue, issue_record_call
from notifications.models import Notification
from tests.factories import EnterpriseFactory, EntrepreneurFactory, IssueFactory
from tests.helpers import fresh, message_texts, on, signed_in
from tests.issues.workflow_steps import OCT_9, accepted, oct_, rated, resolved, state_of

pytestmark = pytest.mark.django_db

S = Issue.Status
K = IssueEvent.Kind
P = FollowUpCall.Purpose
SATISFIED, DISSATISFIED = RatingValue.SATISFIED, RatingValue.DISSATISFIED
HANDLING = SatisfactionRating.Reason.HANDLING
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def world(world):
    world.official_names = {name: user.official.name for name, user in world.users.items()
                            if hasattr(user, "official")}
    return world


def answered(world) -> Issue:
    """An issue of the county answered on 9 October 2026, awaiting its rating."""
    return fresh(resolved(world, accepted(world)))


def call(world, issue, *, day=date(2026, 10, 12), who="coordinator", **kwargs):
    kwargs.setdefault("purpose", P.AWAITING_RATING)
    kwargs.setdefault("reached", True)
    with on(day, hour=14):
        return issue_record_call(actor=world.users[who], issue=fresh(issue),
                                 version=fresh(issue).version, **kwargs)


def queue(world, who="coordinator", day=date(2026, 10, 12)):
    with on(day, hour=9):
        parts = follow_up_queue_for_user(user=world.users[who])
        return {name: list(getattr(parts, name))
                for name in ("awaiting", "dissatisfied", "verification")}


# --- Recording a call -----------------------------------------------------------------------


def test_a_reached_call_takes_a_satisfied_rating_by_phone_and_closes(world, client):
    issue = answered(world)
    before = issue.version
    made = call(world, issue, value=SATISFIED, comment="电话回访：对答复满意。",
                note="企业负责人接听。")
    issue = fresh(issue)
    rating = issue.ratings.get()
    assert issue.status == S.CLOSED and issue.latest_rating_channel == RatingChannel.PHONE
    assert issue.version == before + 1
    assert (rating.channel, rating.recorded_by, rating.rated_by) == (
        RatingChannel.PHONE, world.users["coordinator"], None)
    assert made.rating_given == rating and made.reached and made.round == 1
    assert issue.last_called_at is not None and issue.unreached_calls == 0
    kinds = list(issue.events.filter(kind__in=(K.CALL, K.RATED, K.CLOSED))
                 .values_list("kind", "is_public"))
    assert kinds == [(K.CALL, False), (K.RATED, True), (K.CLOSED, True)]
    call_event = issue.events.get(kind=K.CALL)
    assert call_event.message == "企业负责人接听。"
    assert call_event.data == {"purpose": P.AWAITING_RATING, "reached": True, "rating": SATISFIED}

    # The entrepreneur's page says the rating was given by phone, and shows no call.
    url = reverse("issues:detail", args=[issue.reference])
    coordinator = world.official_names["coordinator"]
    text = signed_in(client, world.users["entrepreneur"]).get(url, **ENGLISH).content.decode()
    assert f"Rated by phone (回访), recorded by {coordinator}" in text
    assert 'data-kind="call"' not in text
    assert f"电话回访评价，由 {coordinator} 代为记录" in client.get(url).content.decode()
    # Officials see the call, internal.
    text = signed_in(client, world.users["coordinator"]).get(url, **ENGLISH).content.decode()
    assert 'data-kind="call"' in text
    assert "Reached the person · rating given: Satisfied · The answer awaits a rating" in text


def test_a_reached_dissatisfied_call_reopens_a_new_round_and_resets_the_attempts(world):
    issue = answered(world)
    call(world, issue, reached=False, day=oct_(12))
    assert fresh(issue).unreached_calls == 1
    call(world, issue, day=oct_(13), value=DISSATISFIED, reason=HANDLING, comment="没有解决。")
    issue = fresh(issue)
    assert (issue.status, issue.round, issue.unreached_calls) == (S.DISPATCHED, 2, 0)
    assert issue.ratings.get().channel == RatingChannel.PHONE
    # A rating given on the call needs no call back: it is not in the dissatisfied part.
    assert queue(world, day=oct_(14))["dissatisfied"] == []


def test_a_reached_call_without_a_rating_only_notes_it(world):
    issue = answered(world)
    call(world, issue, note="企业说稍后在线评价。")
    issue = fresh(issue)
    assert issue.status == S.RESOLVED and issue.last_called_at is not None
    assert issue.ratings.count() == 0 and issue.unreached_calls == 0


def test_unanswered_calls_count_and_the_third_closes_the_answer_unrated(world):
    issue = answered(world)
    call(world, issue, reached=False, day=oct_(12))
    call(world, issue, reached=False, day=oct_(13))
    issue = fresh(issue)
    assert (issue.status, issue.unreached_calls, issue.last_called_at) == (S.RESOLVED, 2, None)
    before = Notification.objects.count()
    call(world, issue, reached=False, day=oct_(14))
    issue = fresh(issue)
    assert issue.status == S.CLOSED_UNRATED and issue.latest_rating == ""
    closed = issue.events.get(kind=K.CLOSED)
    assert closed.message == "3 次回访均未接通，按未评价办结。"  # in the site's language
    assert [event.data.get("attempt") for event in issue.events.filter(kind=K.CALL)] == [1, 2, 3]
    assert Notification.objects.count() > before  # the entrepreneur is told
    assert FollowUpCall.objects.filter(issue=issue, reached=False).count() == 3


@override_settings(ISSUE_CALL_ATTEMPTS_BEFORE_CLOSING=2)
def test_the_number_of_attempts_before_closing_is_a_setting(world):
    issue = answered(world)
    call(world, issue, reached=False, day=oct_(12))
    assert fresh(issue).status == S.RESOLVED
    call(world, issue, reached=False, day=oct_(13))
    assert fresh(issue).status == S.CLOSED_UNRATED


# --- Refusals write nothing ----------------------------------------------------------------


def _nothing_written(issue, attempt) -> Exception:
    before = (state_of(issue), FollowUpCall.objects.count(), fresh(issue).unreached_calls,
              fresh(issue).last_called_at)
    with pytest.raises((ValidationError, ActionNotAllowed, StaleIssue)) as refused:
        attempt()
    assert (state_of(issue), FollowUpCall.objects.count(), fresh(issue).unreached_calls,
            fresh(issue).last_called_at) == before
    return refused.value


def test_refusals_write_nothing(world):
    issue = answered(world)
    other = IssueFactory(category=world.category, status=S.CLOSED)
    other_rating = SatisfactionRating.objects.create(issue=other, round=1, value=SATISFIED)
    cases = {
        "a rating from a call that did not reach": {"reached": False, "value": SATISFIED},
        "dissatisfied without a reason": {"value": DISSATISFIED},
        "an unknown rating": {"value": "delighted"},
        "an unknown purpose": {"purpose": "chat"},
        "another issue's rating": {"purpose": P.VERIFICATION, "about_rating": other_rating},
        "a follow-up without its rating": {"purpose": P.DISSATISFIED},
    }
    for label, kwargs in cases.items():
        refused = _nothing_written(issue, lambda kwargs=kwargs: call(world, issue, **kwargs))
        assert isinstance(refused, ValidationError), label
    for who in ("entrepreneur", "handler", "other_coordinator"):
        refused = _nothing_written(issue, lambda who=who: call(world, issue, who=who,
                                                                reached=False))
        assert isinstance(refused, ActionNotAllowed), who


def test_no_rating_and_no_awaiting_call_once_the_answer_is_rated(world):
    issue = rated(world, answered(world), oct_(12), DISSATISFIED)  # back with the department
    rating = issue.ratings.get()
    for kwargs in ({"purpose": P.AWAITING_RATING},
                   {"purpose": P.DISSATISFIED, "about_rating": rating, "value": SATISFIED},
                   {"purpose": P.VERIFICATION, "about_rating": rating}):
        assert isinstance(_nothing_written(issue, lambda kwargs=kwargs: call(
            world, issue, **kwargs)), ValidationError)


def test_a_stale_version_is_refused(world):
    issue = answered(world)
    seen = fresh(issue)
    call(world, issue, reached=False)
    with on(oct_(13), hour=9):
        refused = _nothing_written(issue, lambda: issue_record_call(
            actor=world.users["coordinator"], issue=seen, version=seen.version,
            purpose=P.AWAITING_RATING, reached=True, value=SATISFIED))
    assert isinstance(refused, StaleIssue)


# --- The queue -----------------------------------------------------------------------------


def test_answers_awaiting_a_rating_nearest_deadline_first_with_attempts(world):
    later = answered(world)  # answered on 9 October
    earlier = fresh(resolved(world, accepted(world), day=oct_(8)))
    call(world, later, reached=False, day=oct_(12))
    awaiting = queue(world, day=oct_(13))["awaiting"]
    assert [issue.pk for issue in awaiting] == [earlier.pk, later.pk]
    calendar = work_calendar()
    assert awaiting[1].rating_due_on == calendar.add_working_days(OCT_9, 10)
    assert (awaiting[0].unreached_calls, awaiting[1].unreached_calls) == (0, 1)


def test_the_queue_is_the_coordinators_region(world):
    issue = answered(world)
    assert [i.pk for i in queue(world, "city_coordinator")["awaiting"]] == [issue.pk]
    assert queue(world, "other_coordinator") == {
        "awaiting": [], "dissatisfied": [], "verification": []}
    for who in ("entrepreneur", "handler", "lead"):
        assert queue(world, who)["awaiting"] == []


def test_a_dissatisfied_rating_waits_for_a_call_that_reaches_the_person(world):
    issue = rated(world, answered(world), oct_(12), DISSATISFIED)
    rating = issue.ratings.get()
    [waiting] = queue(world, day=oct_(13))["dissatisfied"]
    assert waiting.pk == rating.pk and not waiting.is_late
    assert waiting.call_due_on == work_calendar().add_working_days(oct_(12), 2)
    # Two working days on, the call is late; an unanswered call counts, it stays.
    call(world, issue, purpose=P.DISSATISFIED, about_rating=rating, reached=False,
         day=oct_(15))
    [waiting] = queue(world, day=oct_(15))["dissatisfied"]
    assert waiting.is_late and waiting.attempts == 1
    assert fresh(issue).unreached_calls == 0  # only unanswered calls about an awaited rating
    call(world, issue, purpose=P.DISSATISFIED, about_rating=rating, day=oct_(16),
         note="已说明将督办。")
    assert queue(world, day=oct_(16))["dissatisfied"] == []
    assert fresh(issue).status == S.DISPATCHED  # the call changes no state


@override_settings(ISSUE_CALL_VERIFY_PERCENT=100)
def test_the_verification_sample_waits_for_a_call(world):
    issue = rated(world, answered(world), oct_(12), SATISFIED)
    rating = issue.ratings.get()
    assert rating.verify_by_call
    assert [r.pk for r in queue(world)["verification"]] == [rating.pk]
    call(world, issue, purpose=P.VERIFICATION, about_rating=rating, note="确认满意。")
    assert queue(world)["verification"] == []


@override_settings(ISSUE_CALL_VERIFY_PERCENT=0)
def test_a_rating_outside_the_sample_is_not_called(world):
    rated(world, answered(world), oct_(12), SATISFIED)
    assert queue(world) == {"awaiting": [], "dissatisfied": [], "verification": []}


def _fill(world, n: int, *, start: int = 0) -> None:
    """``n`` rows in each part of the queue, each of its own person."""
    now = timezone.now()
    for number in range(start, start + n):
        enterprise = EnterpriseFactory(region=world.county)
        person = EntrepreneurFactory(enterprise=enterprise, mobile=f"1370000{number:04d}")
        common = {"category": world.category, "enterprise": enterprise, "entrepreneur": person,
                      "lead_department": world.lead_department}
        IssueFactory(status=S.RESOLVED, resolved_at=now - timedelta(days=number), **common)
        unhappy = IssueFactory(status=S.DISPATCHED, round=2, **common)
        SatisfactionRating.objects.create(issue=unhappy, round=1, value=DISSATISFIED,
                                          reason=HANDLING, verify_by_call=True)
        happy = IssueFactory(status=S.CLOSED, **common)
        SatisfactionRating.objects.create(issue=happy, round=1, value=SATISFIED,
                                          verify_by_call=True)


def _queries(world, client) -> tuple[int, int]:
    coordinator = world.users["coordinator"]
    with CaptureQueriesContext(connection) as read:
        parts = follow_up_queue_for_user(user=coordinator)
        rows = [list(parts.awaiting), list(parts.dissatisfied), list(parts.verification)]
        for part in rows:
            for row in part:
                issue = getattr(row, "issue", row)
                str(issue.entrepreneur.mobile), str(issue.enterprise.name)
    signed_in(client, coordinator)
    with CaptureQueriesContext(connection) as page:
        response = client.get(reverse("issues:follow_up"))
    assert response.status_code == 200
    return len(read), len(page)


def test_the_queue_costs_the_same_for_5_or_25_rows(world, client):
    _fill(world, 5)
    small = _queries(world, client)
    _fill(world, 20, start=5)
    large = _queries(world, client)
    assert small == large
    assert small[0] <= 9  # the user's scope, each part's count and page, the calendar
    parts = follow_up_queue_for_user(user=world.users["coordinator"])
    assert parts.awaiting.paginator.count == 25
    assert len(parts.awaiting) == len(parts.dissatisfied) == FOLLOW_UP_PAGE_SIZE


# --- The pages -----------------------------------------------------------------------------


def test_the_queue_page_lists_people_with_a_tel_link(world, client):
    answered(world)
    with on(oct_(12)):
        page = signed_in(client, world.users["coordinator"]).get(reverse("issues:follow_up"))
    text = page.content.decode()
    assert page.status_code == 200
    assert 'href="tel:13812345678"' in text and world.person.name in text
    assert 'data-testid="nav-follow-up"' in text


@pytest.mark.parametrize("who", ["entrepreneur", "handler", "lead"])
def test_people_who_make_no_calls_are_refused_the_queue(world, client, who):
    page = signed_in(client, world.users[who]).get(reverse("issues:follow_up"))
    assert page.status_code == 403


def test_the_call_page_outside_scope_is_not_found_and_for_others_not_allowed(world, client):
    issue = answered(world)
    url = reverse("issues:record_call", args=[issue.reference])
    assert signed_in(client, world.users["other_coordinator"]).get(url).status_code == 404
    assert signed_in(client, world.users["handler"]).get(url).status_code == 403
    assert signed_in(client, world.users["entrepreneur"]).get(url).status_code == 403


def test_recording_a_call_on_its_page(world, client):
    issue = answered(world)
    url = reverse("issues:record_call", args=[issue.reference])
    signed_in(client, world.users["coordinator"])
    with on(oct_(12), hour=14):
        page = client.get(url)
        assert page.status_code == 200 and 'href="tel:13812345678"' in page.content.decode()
        refused = client.post(url, {"version": issue.version, "reached": "no",
                                    "value": SATISFIED, "note": "无人接听"}, **ENGLISH)
        assert refused.status_code == 400
        assert "A rating can only be recorded from a call that reached the person." in \
            refused.content.decode()
        assert FollowUpCall.objects.count() == 0
        done = client.post(url, {"version": issue.version, "reached": "yes",
                                 "value": SATISFIED, "comment": "满意", "note": "已回访"},
                           **ENGLISH)
    assert done.status_code == 302 and done.url == reverse("issues:follow_up")
    assert message_texts(done) == [
        f"The rating by phone was recorded; issue {issue.reference} is closed."]
    assert fresh(issue).status == S.CLOSED


def test_the_call_page_follows_up_the_rating_it_was_opened_for(world, client):
    issue = rated(world, answered(world), oct_(12), DISSATISFIED)
    rating = issue.ratings.get()
    url = reverse("issues:record_call", args=[issue.reference])
    signed_in(client, world.users["coordinator"])
    with on(oct_(13), hour=10):
        page = client.get(f"{url}?rating={rating.pk}", **ENGLISH)
        text = page.content.decode()
        assert "Following up a dissatisfied rating" in text
        assert 'name="value"' not in text  # no rating to take: the answer was rated
        done = client.post(url, {"version": fresh(issue).version, "reached": "yes",
                                 "about_rating": rating.pk, "note": "已解释"})
    assert done.status_code == 302
    made = FollowUpCall.objects.get()
    assert (made.purpose, made.about_rating, made.reached) == (P.DISSATISFIED, rating, True)


def test_a_stale_call_page_says_so_and_keeps_what_was_typed(world, client):
    issue = answered(world)
    url = reverse("issues:record_call", args=[issue.reference])
    version = issue.version
    call(world, issue, reached=False)
    with on(oct_(13), hour=10):
        page = signed_in(client, world.users["coordinator"]).post(
            url, {"version": version, "reached": "yes", "note": "第二次回访"})
    assert page.status_code == 409
    assert "第二次回访" in page.content.decode()
    assert FollowUpCall.objects.count() == 1
