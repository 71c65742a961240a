"""The rating link of the SMS: a short signed path, ``/r/<token>``, with which the raiser of
an issue rates one round's answer without logging in (people added at the door have no
account).

A token is ``<issue pk>-<round>-<MAC>``: the two numbers in base 62 and 13 base-62
characters (77 bits) of an HMAC-SHA256 of them, keyed from ``SECRET_KEY`` with this
module's salt, compared in constant time. So a token names one issue and one round, and
cannot be made or altered without the key; it is short enough for an SMS
(``/r/3D7-1-k9ZqT2mXbW4aP``).

The token is the scope: ``rating_link_read`` says what the holder of a token may see and
do, in plain states (``LinkState``):

* ``open``: the round's answer waits for its rating and the rating window has not passed;
* ``used``: that round has been rated (a link rates once; the workflow refuses a second
  rating under the issue's lock, too);
* ``earlier``: the issue has moved on to a later round, which has its own link;
* ``expired``: the answer can no longer be rated (closed unrated, the window of
  ``ISSUE_RATING_CLOSE_DAYS`` working days after the answer has passed, or the issue was
  closed otherwise, or the person's data was erased);
* ``invalid``: the token was altered, or names no issue.
"""

import re
import string
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from government.models import Department
from issues.deadlines import rating_closes_on
from issues.models import (
    Answer,
    Attachment,
    Issue,
    IssueEvent,
    RatingValue,
    SatisfactionRating,
)

ALPHABET = string.digits + string.ascii_uppercase + string.ascii_lowercase
BASE = len(ALPHABET)
#: Base-62 characters of the MAC: 62**13 ≈ 2**77.
MAC_LENGTH = 13
SALT = "issues.rating_links"
#: The longest token worth parsing (a pk up to 2**64, a round up to 62**3).
MAX_TOKEN_LENGTH = 11 + 1 + 3 + 1 + MAC_LENGTH
_TOKEN = re.compile(rf"([0-9A-Za-z]{{1,11}})-([0-9A-Za-z]{{1,3}})-([0-9A-Za-z]{{{MAC_LENGTH}}})")


def _encode(number: int) -> str:
    digits = []
    while True:
        number, digit = divmod(number, BASE)
        digits.append(ALPHABET[digit])
        if not number:
            return "".join(reversed(digits))


def _decode(text: str) -> int:
    number = 0
    for char in text:
        number = number * BASE + ALPHABET.index(char)
    return number


def _mac(issue_id: int, round: int) -> str:
    digest = salted_hmac(SALT, f"rate:{issue_id}:{round}", algorithm="sha256").digest()
    value = int.from_bytes(digest[:12], "big") % BASE**MAC_LENGTH
    return _encode(value).rjust(MAC_LENGTH, ALPHABET[0])


@dataclass(frozen=True)
class RatingLink:
    """What a genuine token names."""

    issue_id: int
    round: int


def rating_token(*, issue_id: int, round: int) -> str:
    return f"{_encode(issue_id)}-{_encode(round)}-{_mac(issue_id, round)}"


def rating_link_path(issue: Issue) -> str:
    """The path of the link that rates ``issue``'s current round."""
    return reverse("rating_link:page",
                   args=[rating_token(issue_id=issue.pk, round=issue.round)])


def rating_link_parse(token: str) -> RatingLink | None:
    """The issue and round a token names, or None if it is not one this site made."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
        return None
    match = _TOKEN.fullmatch(token)
    if match is None:
        return None
    issue_part, round_part, mac = match.groups()
    issue_id, round = _decode(issue_part), _decode(round_part)
    # One spelling per link: no leading zeros.
    if _encode(issue_id) != issue_part or _encode(round) != round_part or round < 1:
        return None
    if not constant_time_compare(mac, _mac(issue_id, round)):
        return None
    return RatingLink(issue_id=issue_id, round=round)


class LinkState(StrEnum):
    OPEN = "open"
    USED = "used"
    EARLIER = "earlier"
    EXPIRED = "expired"
    INVALID = "invalid"


#: The HTTP status of each state's page: a link that cannot be used any more is gone (410);
#: a link that never was one is not found (404).
STATUS_CODES = {LinkState.OPEN: 200, LinkState.USED: 410, LinkState.EARLIER: 410,
                LinkState.EXPIRED: 410, LinkState.INVALID: 404}


@dataclass
class LinkReading:
    """What the holder of a token may see: the state and, for a genuine token, the issue,
    the round, its rating if given, and (while open) the answer and its files."""

    state: LinkState
    token: str = ""
    link: RatingLink | None = None
    issue: Issue | None = None
    rating: SatisfactionRating | None = None
    answer_text: str = ""
    answered_at: datetime | None = None
    department: Department | None = None
    attachments: list[Attachment] = field(default_factory=list)
    #: The last day the link works (the rating window's end), and whether it has passed
    #: or the issue was closed unrated.
    rate_by: date | None = None
    time_passed: bool = False

    @property
    def status_code(self) -> int:
        return STATUS_CODES[self.state]


def _window_end(issue: Issue, *, today: date) -> tuple[date | None, bool]:
    """The last day to rate the answer, and whether it has passed (the follow-up queue
    closes the answer unrated on ``rating_closes_on``)."""
    closes_on = rating_closes_on(issue)
    if closes_on is None:
        return None, False
    return closes_on - timedelta(days=1), today >= closes_on


def rating_link_read(token: str, *, today: date | None = None) -> LinkReading:
    """The state of the link ``token`` and what its page shows. At most six queries."""
    link = rating_link_parse(token)
    if link is None:
        return LinkReading(LinkState.INVALID)
    issue = (Issue.objects.select_related("lead_department", "entrepreneur")
             .filter(pk=link.issue_id).first())
    if issue is None or link.round > issue.round:
        return LinkReading(LinkState.INVALID)
    reading = LinkReading(LinkState.OPEN, token=token, link=link, issue=issue,
                          department=issue.lead_department)
    reading.rating = issue.ratings.filter(round=link.round).first()
    if link.round < issue.round:
        reading.state = LinkState.EARLIER
        return reading
    if reading.rating is not None:
        reading.state = LinkState.USED
        return reading
    reading.rate_by, passed = _window_end(issue, today=today or timezone.localdate())
    reading.time_passed = passed or issue.status == Issue.Status.CLOSED_UNRATED
    erased = issue.entrepreneur.anonymised_at is not None
    if issue.status != Issue.Status.RESOLVED or passed or erased:
        reading.state = LinkState.EXPIRED
        return reading
    _read_answer(reading)
    return reading


def _read_answer(reading: LinkReading) -> None:
    """The round's answer: the approved ``Answer`` (signed off where the department asks for
    it) with its files, or, for answers given before there were Answer rows, the text of
    the round's "answered" timeline entry."""
    issue, round = reading.issue, reading.link.round
    answer = (Answer.objects.filter(issue=issue, round=round, status=Answer.Status.APPROVED)
              .order_by("-decided_at", "-id").first())
    if answer is not None:
        reading.answer_text = answer.reply
        reading.answered_at = answer.decided_at or answer.written_at
        reading.attachments = list(
            Attachment.objects.filter(answer=answer).order_by("uploaded_at", "id"))
        return
    event = (IssueEvent.objects.filter(issue=issue, round=round, kind=IssueEvent.Kind.RESOLVED,
                                       is_public=True)
             .order_by("-created_at", "-id").first())
    if event is not None:
        reading.answer_text = event.message
        reading.answered_at = event.created_at


def rating_link_attachment(reading: LinkReading, pk: int) -> Attachment:
    """A file of the answer an open link shows; ``Attachment.DoesNotExist`` for any other."""
    for attachment in reading.attachments:
        if attachment.pk == pk:
            return attachment
    raise Attachment.DoesNotExist


def rating_outcome(reading: LinkReading) -> tuple[str, date | None]:
    """What the rating the link gave led to, for its thank-you page: "closed", "reopened"
    (with the new round's due date while the department holds it) or "review" (the last
    round: a coordinator decides)."""
    rating, issue = reading.rating, reading.issue
    if rating.value != RatingValue.DISSATISFIED:
        return "closed", None
    if issue.round == rating.round:
        return "review", None
    due_on = issue.due_on if (issue.round == rating.round + 1
                              and issue.status in Issue.WITH_DEPARTMENT_STATUSES) else None
    return "reopened", due_on
