"""What each issue and each place contributes to the headline figures: the definitions
(DESIGN.md, "Headline figures"), written once, in ``contribution``.

* **collected**: every issue; **valid**: all but rejected and duplicates;
* **open**: in an open state (``Issue.OPEN_STATUSES``);
* **dispatched**: passed to a lead department in its current round (an issue returned as
  misrouted, rejected or a duplicate belongs to no department); **responded**: of those,
  accepted by the accept-by date (the category's limit, one working day), so the
  response rate is responded ÷ dispatched;
* **resolved**: answered and not reopened (answered, closed, closed unrated), so the
  resolution rate, shown as the answer rate (答复率; docs/glossary.md), is resolved ÷ valid;
  **on time**: of those, answered by the due date (按期答复率);
  **resolve days**: working days from submission to the answer;
* **rated**, **satisfied**: on each issue's latest rating, so the satisfaction rate is
  (satisfied + basically satisfied) ÷ rated;
* **rated_online**, **satisfied_online**, **rated_link**, … **satisfied_phone**: the same
  split by the channel of that latest rating (``Issue.latest_rating_channel``: on the site,
  logged in; by the signed link of the SMS; by phone, on a 回访 call). A rating stored
  before channels were recorded counts as online (the only channel there was), so the
  three always add up to rated and satisfied;
* **called**: of the resolved, those with a recorded follow-up call (回访) that reached the
  person (``Issue.last_called_at``), so the 回访 rate is called ÷ resolved.

An attendance counts when the person was checked in (``ATTENDED``) and the session is
``HELD``. The rollup rows (``dashboard.models``) hold these measures per key;
``dashboard.upkeep`` keeps them true on every write and ``dashboard.rollups`` recounts them.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils import timezone

from core.workdays import WorkCalendar, work_calendar
from issues.models import SATISFIED_RATINGS, Issue, RatingChannel
from sessions.models import Attendance, TalkSession

S = Issue.Status
RESOLVED_STATUSES = (S.RESOLVED, *Issue.CLOSED_STATUSES)

#: The issue fields the figures are computed from, in this order.
FIELDS = ("region_id", "category_id", "lead_department_id", "submitted_at", "status",
          "dispatched_at", "accepted_at", "accept_due_on", "resolved_at", "due_on",
          "latest_rating", "latest_rating_channel", "last_called_at")
#: The rating channels the satisfaction is split by, in the order of their MEASURES.
CHANNELS = (RatingChannel.ONLINE, RatingChannel.LINK, RatingChannel.PHONE)
#: The numbers each rollup row holds, in this order.
MEASURES = ("collected", "valid", "open", "dispatched", "responded", "resolved", "on_time",
            "resolve_days", "rated", "satisfied",
            "rated_online", "satisfied_online", "rated_link", "satisfied_link", "rated_phone",
            "satisfied_phone", "called")
KEY = ("month", "region_id", "category_id", "department_id")
SUMMARY_KEY = KEY[:3]

ATTENDED = Attendance.Status.ATTENDED
HELD = TalkSession.Status.HELD
#: The ``region_id`` of a person's row for every region together: the city's distinct
#: entrepreneurs are then a count of rows, not a DISTINCT over every county's rows.
CITY_WIDE = 0


def month_of(moment: datetime) -> date:
    """The first day of the (local) month of ``moment``."""
    return timezone.localtime(moment).date().replace(day=1)


def _local_day(moment: datetime) -> date:
    return timezone.localtime(moment).date()


class WorkingDayCounter:
    """``WorkCalendar.working_days_between`` for many pairs of dates: each day's running
    count is worked out once, then a pair costs a subtraction."""

    def __init__(self, calendar: WorkCalendar | None = None):
        self._calendar = calendar
        self.first: date | None = None
        self.running: list[int] = []

    @property
    def calendar(self) -> WorkCalendar:
        """The calendar given, or the current one, read (one query) when first needed."""
        if self._calendar is None:
            self._calendar = work_calendar()
        return self._calendar

    def _cover(self, start: date, end: date) -> None:
        if self.first is None or start < self.first:
            last = start if self.first is None else self._last()
            self.first, self.running = start, [0]
            end = max(end, last)
        self._extend(end)

    def _last(self) -> date:
        return self.first + timedelta(days=len(self.running) - 1)

    def _extend(self, end: date) -> None:
        last = self._last()
        count = self.running[-1]
        while last < end:
            last += timedelta(days=1)
            count += self.calendar.is_working_day(last)
            self.running.append(count)

    def between(self, start: date, end: date) -> int:
        if end <= start:
            return 0
        self._cover(start, end)
        return (self.running[(end - self.first).days]
                - self.running[(start - self.first).days])


@dataclass(frozen=True)
class Contribution:
    key: tuple            # (month, region_id, category_id, department_id)
    measures: tuple       # in the order of MEASURES


def contribution(values: tuple, *, days: WorkingDayCounter | None = None) -> Contribution:
    """What one issue adds to the figures; ``values`` are its ``FIELDS``.

    ``days`` counts the working days to resolve (one calendar for many issues, read when
    first needed); without it the current calendar is read when the issue is resolved.
    """
    (region_id, category_id, department_id, submitted_at, status, dispatched_at,
     accepted_at, accept_due_on, resolved_at, due_on, latest_rating, channel,
     last_called_at) = values
    valid = status not in Issue.INVALID_STATUSES
    # An issue returned as misrouted, or found invalid, is not the department's any more:
    # it counts for no department until it is dispatched again.
    if status == S.RETURNED or not valid:
        department_id = None
    dispatched = dispatched_at is not None and department_id is not None
    responded = bool(dispatched and accepted_at is not None and accept_due_on is not None
                     and _local_day(accepted_at) <= accept_due_on)
    resolved = status in RESOLVED_STATUSES and resolved_at is not None
    on_time = bool(resolved and due_on is not None and _local_day(resolved_at) <= due_on)
    resolve_days = 0
    if resolved:
        days = days or WorkingDayCounter()
        resolve_days = days.between(_local_day(submitted_at), _local_day(resolved_at))
    rated = bool(latest_rating)
    satisfied = latest_rating in SATISFIED_RATINGS
    # A rating stored before channels were recorded was given on the site.
    channel = (channel or RatingChannel.ONLINE) if rated else ""
    by_channel = []
    for each in CHANNELS:
        by_channel += [int(rated and channel == each), int(satisfied and channel == each)]
    called = resolved and last_called_at is not None
    return Contribution(
        key=(month_of(submitted_at), region_id, category_id, department_id or 0),
        measures=(1, int(valid), int(status in Issue.OPEN_STATUSES), int(dispatched),
                  int(responded), int(resolved), int(on_time), resolve_days, int(rated),
                  int(satisfied), *by_channel, int(called)),
    )


def summarise(rows: dict) -> dict:
    """Rows of ``IssueRollup`` (key → measures) added up over the departments."""
    totals: dict[tuple, list[int]] = defaultdict(lambda: [0] * len(MEASURES))
    for key, measures in rows.items():
        total = totals[key[:3]]
        for index, value in enumerate(measures):
            total[index] += value
    return {key: tuple(total) for key, total in totals.items()}
