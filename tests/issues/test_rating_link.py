"""Rating by the signed link of the SMS (issue 14, item 3): /r/<token>, no log-in.

The link names one issue and one round; it works once, while the answer waits for its
rating, and a used, expired, altered or earlier link says so with the coordinators'
telephone. A rating through it goes through the workflow like any other.
"""

import re
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import formats, translation

from core.links import absolute_url
from core.workdays import work_calendar
from issues.models import (
    Answer,
    Attachment,
    Issue,
    IssueEvent,
    RatingChannel,
    RatingValue,
    SatisfactionRating,
)
from issues.rating_links import (
    ALPHABET,
    MAC_LENGTH,
    _encode,
    rating_link_parse,
    rating_link_path,
    rating_token,
)
from issues.workflow import issue_accept, issue_close_unrated, issue_dispatch, issue_submit
from notifications.models import Notification
from tests.factories import EnterpriseFactory, EntrepreneurFactory
from tests.helpers import fresh, on
from tests.issues.workflow_steps import (
    OCT_9,
    SMS,
    accepted,
    oct_,
    rated,
    resolved,
    state_of,
)
from tests.test_cache_outage import redis_down  # noqa: F401 - the fixture used below

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

S = Issue.Status
K = IssueEvent.Kind
REPLY = "已协调新增用地指标。"  # what workflow_steps.resolved answers
#: A day inside the rating window of an answer given on OCT_9.
RATING_DAY = oct_(12)


@pytest.fixture
def answered(world) -> Issue:
    """The world's entrepreneur's issue, answered on 9 October (round 1)."""
    return fresh(resolved(world, accepted(world)))


def link(issue: Issue, round: int | None = None) -> str:
    return reverse("rating_link:page",
                   args=[rating_token(issue_id=issue.pk, round=round or issue.round)])


def token_of(path: str) -> str:
    return path.removeprefix("/r/")


def get(client, path, day=RATING_DAY, **extra):
    with on(day, hour=20):
        return client.get(path, **extra)


def post(client, path, data, day=RATING_DAY, **extra):
    with on(day, hour=20):
        return client.post(path, data, **extra)


def shown(day) -> str:
    """A date as the English pages show it."""
    with translation.override("en"):
        return formats.date_format(day, "DATE_FORMAT")


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# --- The token ------------------------------------------------------------------------------


def test_the_token_is_short_names_the_issue_and_round_and_is_signed(answered):
    token = rating_token(issue_id=answered.pk, round=1)
    assert len(token) <= 4 + 1 + 1 + 1 + MAC_LENGTH
    assert re.fullmatch(r"[0-9A-Za-z]+-[0-9A-Za-z]+-[0-9A-Za-z]{13}", token)
    parsed = rating_link_parse(token)
    assert (parsed.issue_id, parsed.round) == (answered.pk, 1)
    assert rating_token(issue_id=answered.pk, round=2) != token
    assert rating_link_path(answered) == f"/r/{token}"
    big = rating_token(issue_id=2**63 - 1, round=3)
    assert rating_link_parse(big).issue_id == 2**63 - 1


def test_the_token_depends_on_the_secret_key(answered, settings):
    token = rating_token(issue_id=answered.pk, round=1)
    settings.SECRET_KEY = "another key entirely, of a decent length, 0123456789"
    assert rating_link_parse(token) is None


def test_the_answer_sms_and_in_app_notice_carry_the_short_link(world, answered):
    path = link(answered)
    sms = Notification.objects.get(channel=SMS, key__contains=":rate:")
    assert sms.address == "13812345678"
    assert sms.body.endswith(" " + absolute_url(path))
    in_app = Notification.objects.get(channel=Notification.Channel.IN_APP,
                                      key__contains=":rate:")
    assert in_app.url == path


def test_a_person_with_no_account_gets_the_link_by_sms_and_rates_without_logging_in(world):
    walk_in = EntrepreneurFactory(enterprise=EnterpriseFactory(region=world.county),
                                  mobile="13900001111")
    assert walk_in.user_id is None
    with on(oct_(8), hour=9):
        issue = issue_submit(actor=world.users["coordinator"], entrepreneur=walk_in,
                             title="厂房消防验收", description="验收排期太久。",
                             category=world.category, source=Issue.Source.SESSION)
    with on(oct_(8), hour=10):
        issue = issue_dispatch(actor=world.users["coordinator"], issue=issue,
                               version=issue.version, lead_department=world.lead_department)
    with on(oct_(8), hour=11):
        issue = issue_accept(actor=world.users["handler"], issue=issue, version=issue.version)
    issue = fresh(resolved(world, issue))
    [sms] = Notification.objects.filter(channel=SMS, key__contains=":rate:")
    assert (sms.address, sms.recipient) == ("13900001111", None)
    path = sms.body.rsplit(" ", 1)[1].removeprefix(django_settings.SITE_URL.rstrip("/"))
    assert path == link(issue)

    response = post(Client(), path, {"value": RatingValue.BASICALLY_SATISFIED})
    assert response.status_code == 302
    issue = fresh(issue)
    assert (issue.status, issue.latest_rating_channel) == (S.CLOSED, RatingChannel.LINK)


# --- Rating through it -------------------------------------------------------------------------


def test_the_page_shows_the_answer_and_a_form_that_works_anonymously_with_no_script(
        client, world, answered):
    response = get(client, link(answered))
    assert response.status_code == 200
    page = text(response)
    assert answered.reference in page and answered.title in page
    with translation.override("en"):
        department = str(world.lead_department)
    assert REPLY in page and f"The answer from {department}" in page
    assert "<script" not in page  # nothing needs one
    form = re.search(r'<form method="post" action="([^"]+)"', page)
    assert form and form.group(1) == link(answered)
    assert 'name="csrfmiddlewaretoken"' in page
    for value in RatingValue.values:
        assert 'name="value" id="id_value_' in page and f'value="{value}"' in page
    assert 'name="reason"' in page and 'name="comment"' in page
    # The reason is always shown, and the form says when it is needed.
    assert "Required if you are dissatisfied" in page
    rate_by = work_calendar().add_working_days(OCT_9, 10) - timedelta(days=1)
    assert f"Please rate the answer by {shown(rate_by)}." in page
    assert "Log in" not in page and 'href="/issues/' not in page  # no staff navigation


def test_the_form_posts_with_the_csrf_cookie_of_an_anonymous_visitor(answered):
    browser = Client(enforce_csrf_checks=True)
    page = get(browser, link(answered))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    refused = post(browser, link(answered), {"value": RatingValue.SATISFIED})
    assert refused.status_code == 403 and fresh(answered).status == S.RESOLVED
    response = post(browser, link(answered), {"value": RatingValue.SATISFIED,
                                              "csrfmiddlewaretoken": token.group(1)})
    assert response.status_code == 302
    assert fresh(answered).status == S.CLOSED


def test_the_page_keeps_the_token_out_of_referers_yet_lets_a_browser_post_its_origin(answered):
    """Under ``no-referrer`` a browser posts the form with ``Origin: null``, which the CSRF
    check refuses: nobody could rate from a phone. The page sends its origin, never its
    path (the token), to whatever it links to."""
    browser = Client(enforce_csrf_checks=True)
    page = get(browser, link(answered)).content.decode()
    assert re.search(r'<meta name="referrer" content="([^"]+)"', page).group(1) == (
        "strict-origin")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = {"value": RatingValue.SATISFIED, "csrfmiddlewaretoken": token}
    assert post(browser, link(answered), data, HTTP_ORIGIN="null").status_code == 403
    assert fresh(answered).status == S.RESOLVED
    response = post(browser, link(answered), data, HTTP_ORIGIN="http://testserver")
    assert response.status_code == 302
    assert fresh(answered).status == S.CLOSED


@pytest.mark.parametrize("value", [RatingValue.SATISFIED, RatingValue.BASICALLY_SATISFIED])
def test_satisfied_through_the_link_closes_the_issue(client, answered, value):
    response = post(client, link(answered), {"value": value, "comment": " 很及时 "})
    assert response.status_code == 302
    assert response.url == reverse("rating_link:thanks", args=[token_of(link(answered))])
    issue = fresh(answered)
    assert (issue.status, issue.latest_rating, issue.latest_rating_channel) == (
        S.CLOSED, value, RatingChannel.LINK)
    rating = SatisfactionRating.objects.get(issue=issue)
    assert (rating.round, rating.value, rating.channel, rating.rated_by, rating.recorded_by,
            rating.comment) == (1, value, RatingChannel.LINK, None, None, "很及时")
    rated_event = IssueEvent.objects.get(issue=issue, kind=K.RATED)
    assert rated_event.data["channel"] == RatingChannel.LINK and rated_event.actor is None

    thanks = get(client, response.url)
    assert thanks.status_code == 200
    assert "Your rating was recorded and the issue is closed." in text(thanks)
    assert "<script" not in text(thanks)


def test_dissatisfied_with_a_reason_reopens_the_issue_for_round_two(client, answered):
    response = post(client, link(answered), {
        "value": RatingValue.DISSATISFIED, "reason": SatisfactionRating.Reason.HANDLING,
        "comment": "三个月太久"})
    assert response.status_code == 302
    issue = fresh(answered)
    assert (issue.status, issue.round, issue.latest_rating_channel) == (
        S.DISPATCHED, 2, RatingChannel.LINK)
    rating = SatisfactionRating.objects.get(issue=issue)
    assert (rating.reason, rating.verify_by_call) == (SatisfactionRating.Reason.HANDLING, True)

    thanks = text(get(client, response.url))
    assert f"answer you by {shown(issue.due_on)}." in thanks
    assert "A coordinator will call you" in thanks


def test_dissatisfied_without_a_reason_is_refused_beside_the_reason_and_writes_nothing(
        client, answered):
    before = state_of(answered)
    response = post(client, link(answered), {"value": RatingValue.DISSATISFIED,
                                             "comment": "太慢"})
    assert response.status_code == 400
    page = text(response)
    assert 'data-testid="reason-errors"' in page and "Say why you are dissatisfied." in page
    assert "太慢" in page  # what was typed stays
    assert state_of(answered) == before


def test_no_value_is_refused_and_writes_nothing(client, answered):
    before = state_of(answered)
    response = post(client, link(answered), {"comment": "\x01"})
    assert response.status_code == 400
    assert "Choose how satisfied you are." in text(response)
    assert state_of(answered) == before


def test_dissatisfied_after_the_last_round_goes_to_review(client, answered, settings):
    settings.ISSUE_MAX_ROUNDS = 1
    response = post(client, link(answered), {
        "value": RatingValue.DISSATISFIED, "reason": SatisfactionRating.Reason.BEYOND_POWER})
    assert response.status_code == 302
    assert (fresh(answered).status, fresh(answered).round) == (S.REVIEW, 1)
    assert "A coordinator will decide what happens next" in text(get(client, response.url))


def test_the_thank_you_page_of_an_unrated_link_goes_back_to_the_form(client, answered):
    token = token_of(link(answered))
    response = get(client, reverse("rating_link:thanks", args=[token]))
    assert (response.status_code, response.url) == (302, link(answered))


def test_the_raiser_logged_in_is_sent_to_the_rating_page_others_see_the_link_page(
        client, world, answered):
    client.force_login(world.users["entrepreneur"])
    response = get(client, link(answered))
    assert response.status_code == 302
    assert response.url == reverse("issues:rate", args=[answered.reference])
    other = Client(HTTP_ACCEPT_LANGUAGE="en")
    other.force_login(world.users["coordinator"])
    assert get(other, link(answered)).status_code == 200


# --- Links that cannot rate ----------------------------------------------------------------


def assert_says(response, status: int, state: str, words: str):
    page = text(response)
    assert response.status_code == status, page[:400]
    assert f'data-state="{state}"' in page
    assert words in page, page
    assert django_settings.PROGRAMME_PHONE in page
    assert 'name="value"' not in page


def test_a_used_link_says_when_the_answer_was_rated_and_rates_nothing_more(client, answered):
    assert post(client, link(answered), {"value": RatingValue.SATISFIED}).status_code == 302
    before = state_of(answered)
    assert_says(get(client, link(answered), day=oct_(13)), 410, "used",
                f"You have already rated this answer on {shown(RATING_DAY)}.")
    again = post(client, link(answered), {"value": RatingValue.DISSATISFIED,
                                          "reason": "handling", "comment": "再评一次"},
                 day=oct_(13))
    assert_says(again, 410, "used", "You have already rated this answer on")
    assert "再评一次" in text(again)  # not lost: shown to copy
    assert state_of(answered) == before


def test_a_rating_given_meanwhile_on_the_site_turns_the_post_into_used(client, world,
                                                                       answered):
    page = get(client, link(answered))
    assert page.status_code == 200
    rated(world, answered, RATING_DAY, RatingValue.SATISFIED)  # logged in, elsewhere
    before = state_of(answered)
    response = post(client, link(answered), {"value": RatingValue.DISSATISFIED,
                                             "reason": "handling", "comment": "不满意"})
    assert_says(response, 410, "used", "You have already rated this answer on")
    assert state_of(answered) == before
    assert SatisfactionRating.objects.get(issue=answered).channel == RatingChannel.ONLINE


def test_the_link_expires_with_the_rating_window(client, answered):
    closes_on = work_calendar().add_working_days(OCT_9, 10)
    assert get(client, link(answered), day=closes_on - timedelta(days=1)).status_code == 200
    before = state_of(answered)
    assert_says(get(client, link(answered), day=closes_on), 410, "expired",
                "The time to rate this answer has passed")
    response = post(client, link(answered), {"value": RatingValue.SATISFIED}, day=closes_on)
    assert_says(response, 410, "expired", "The time to rate this answer has passed")
    assert state_of(answered) == before


def test_a_link_to_an_answer_closed_unrated_has_expired(client, answered):
    with on(oct_(12)):
        issue_close_unrated(issue=answered)
    assert_says(get(client, link(answered)), 410, "expired",
                "The time to rate this answer has passed")
    assert post(client, link(answered), {"value": "satisfied"}).status_code == 410
    assert fresh(answered).status == S.CLOSED_UNRATED


def test_the_link_of_an_earlier_round_says_so_and_the_new_round_has_its_own(client, world,
                                                                           answered):
    first = link(answered)
    post(client, first, {"value": RatingValue.DISSATISFIED, "reason": "handling"})
    with on(oct_(13)):
        issue = issue_accept(actor=world.users["handler"], issue=fresh(answered),
                             version=fresh(answered).version)
    issue = fresh(resolved(world, issue, oct_(14)))
    second = link(issue)
    assert second != first and issue.round == 2
    before = state_of(issue)
    response = get(client, first, day=oct_(15))
    assert_says(response, 410, "earlier", "This link is for an earlier answer")
    assert f"You rated the earlier answer on {shown(RATING_DAY)}." in text(response)
    response = post(client, first, {"value": RatingValue.SATISFIED}, day=oct_(15))
    assert_says(response, 410, "earlier", "This link is for an earlier answer")
    assert state_of(issue) == before

    assert post(client, second, {"value": RatingValue.SATISFIED}, day=oct_(15)).status_code == 302
    assert list(fresh(issue).ratings.values_list("round", "value", "channel")) == [
        (1, "dissatisfied", "link"), (2, "satisfied", "link")]


def altered(token: str):
    """The token with each position changed in turn (to the next character of the
    alphabet, a separator to a letter): every altered spelling."""
    for position, char in enumerate(token):
        other = ALPHABET[(ALPHABET.index(char) + 1) % len(ALPHABET)] if char in ALPHABET else "a"
        yield token[:position] + other + token[position + 1:]


def test_a_token_altered_at_any_position_is_refused(client, answered, settings):
    settings.RATELIMIT_RATING_LINK_REFUSED = "1000/h"
    token = token_of(link(answered))
    before = state_of(answered)
    tried = 0
    for bad in altered(token):
        response = get(client, f"/r/{bad}")
        assert_says(response, 404, "invalid", "The link may have been cut short or changed.")
        assert answered.reference not in text(response)
        assert post(client, f"/r/{bad}", {"value": "satisfied"}).status_code == 404
        tried += 1
    assert tried == len(token)
    for bad in (token[:-1], token + "a", token.lower(), token.upper(), "", "0-1-" + "0" * 13,
                "x" * 5000, token.replace("-", "/")):
        assert get(client, f"/r/{bad}").status_code == 404
    assert state_of(answered) == before


def test_another_issues_pk_with_this_signature_is_refused(client, world, answered):
    other = fresh(resolved(world, accepted(world)))
    token = token_of(link(answered))
    _pk, round_, mac = token.split("-")
    swapped = f"{_encode(other.pk)}-{round_}-{mac}"
    before = (state_of(answered), state_of(other))
    assert_says(get(client, f"/r/{swapped}"), 404, "invalid", "not valid")
    assert post(client, f"/r/{swapped}", {"value": "satisfied"}).status_code == 404
    wrong_round = f"{_encode(answered.pk)}-2-{mac}"
    assert get(client, f"/r/{wrong_round}").status_code == 404
    assert (state_of(answered), state_of(other)) == before


def test_a_genuine_token_of_a_deleted_or_future_round_is_not_valid(client, answered):
    assert get(client, link(answered, round=5)).status_code == 404
    assert get(client, reverse("rating_link:page",
                               args=[rating_token(issue_id=10**9, round=1)])).status_code == 404


# --- Rate limits ----------------------------------------------------------------------------


def test_a_hundred_altered_signatures_are_all_refused_then_rate_limited(client, answered,
                                                                       settings):
    settings.RATELIMIT_RATING_LINK = "1000/h"  # the refused-link limit is the one at work
    token = token_of(link(answered))
    pk_part, round_part, mac = token.split("-")
    before = state_of(answered)
    statuses = []
    for attempt in range(100):
        guess = "".join(ALPHABET[(ALPHABET.index(c) + attempt + 1) % len(ALPHABET)] for c in mac)
        method = get if attempt % 2 else post
        args = ({"value": "satisfied"},) if method is post else ()
        statuses.append(method(client, f"/r/{pk_part}-{round_part}-{guess}", *args)
                        .status_code)
    limit = int(django_settings.RATELIMIT_RATING_LINK_REFUSED.split("/")[0])
    assert statuses == [404] * limit + [429] * (100 - limit)
    assert state_of(answered) == before
    # From that address, even the genuine link is refused now (a right guess looks wrong)...
    limited = get(client, link(answered))
    assert limited.status_code == 429
    assert "Too many attempts" in text(limited)
    assert django_settings.PROGRAMME_PHONE in text(limited)
    # ...while the person, from their own phone, still rates.
    assert get(client, link(answered), REMOTE_ADDR="10.1.2.3").status_code == 200


def test_every_request_of_the_link_counts_per_address(client, answered, settings):
    settings.RATELIMIT_RATING_LINK = "3/h"
    assert [get(client, link(answered)).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert post(client, link(answered), {"value": "satisfied"}).status_code == 429
    assert fresh(answered).status == S.RESOLVED


def test_with_the_cache_down_the_link_still_rates(client, answered, redis_down):  # noqa: F811
    assert get(client, link(answered)).status_code == 200
    assert post(client, link(answered), {"value": "satisfied"}).status_code == 302
    assert fresh(answered).status == S.CLOSED
    assert any("Rate limit 'rating_link' not counted" in line
               for line in redis_down("core.ratelimits"))


# --- The answer's files ---------------------------------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def attach(issue, *, answer=None, name="答复函.pdf", by=None):
    attachment = Attachment(issue=issue, answer=answer, original_name=name,
                            content_type="application/pdf", size=len(PDF), sha256="1" * 64,
                            uploaded_by=by)
    attachment.file.save("letter.pdf", ContentFile(PDF), save=False)
    attachment.save()
    return attachment


@pytest.fixture
def signed_off(world, answered, private_storage):
    """The answer as the sign-off makes it: round 1's Answer (which the answer wrote)
    approved by the lead, with a letter."""
    handler, lead = world.users["handler"], world.users["lead"]
    answer = Answer.objects.get(issue=answered, round=1, status=Answer.Status.APPROVED)
    answer.reply, answer.written_by, answer.decided_by = "经审核签发：已安排指标。", handler, lead
    answer.save(update_fields=["reply", "written_by", "decided_by"])
    letter = attach(answered, answer=answer, by=handler)
    own = attach(answered, name="营业执照.pdf", by=world.users["entrepreneur"])
    return answer, letter, own


def test_the_page_shows_the_signed_off_answer_and_its_letter_for_download(client, answered,
                                                                          signed_off):
    _answer, letter, own = signed_off
    page = text(get(client, link(answered)))
    assert "经审核签发：已安排指标。" in page and REPLY not in page
    file_url = reverse("rating_link:file", args=[token_of(link(answered)), letter.pk])
    assert file_url in page and "答复函.pdf" in page
    assert "营业执照.pdf" not in page  # the issue's own files are not the answer's

    with on(RATING_DAY):
        response = client.get(file_url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"

    own_url = reverse("rating_link:file", args=[token_of(link(answered)), own.pk])
    assert get(client, own_url).status_code == 404


def test_the_files_of_another_issue_or_after_the_rating_are_not_handed_out(
        client, world, answered, signed_off):
    _answer, letter, _own = signed_off
    other = fresh(resolved(world, accepted(world)))
    other_token = token_of(link(other))
    assert get(client, reverse("rating_link:file", args=[other_token, letter.pk])
               ).status_code == 404
    post(client, link(answered), {"value": "satisfied"})
    response = get(client, reverse("rating_link:file",
                                   args=[token_of(link(answered)), letter.pk]))
    assert response.status_code == 410


def test_the_page_reads_a_fixed_number_of_queries(client, answered, signed_off,
                                                  django_assert_max_num_queries):
    with django_assert_max_num_queries(9):
        assert get(client, link(answered)).status_code == 200
