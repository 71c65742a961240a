"""The dashboard's numbers as values: the rates and averages made of the rollup measures
(a numerator over a denominator, in per cent, half up), the figure rows the pages and
exports show, and the ranking's sort.

Nothing here reads the database: ``dashboard.selectors`` counts, these classes hold the
counts and work out the rates. The definitions of the measures are in
``dashboard.definitions``.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

from dashboard.definitions import CHANNELS, MEASURES
from government.models import Region
from issues.models import RatingChannel

# --- Rates ---------------------------------------------------------------------------------


def percent(part: int, whole: int) -> Decimal | None:
    """``part`` ÷ ``whole`` in per cent, two decimals, half up; None when nothing counts."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def average(total: int, count: int) -> Decimal | None:
    if not count:
        return None
    return (Decimal(total) / Decimal(count)).quantize(Decimal("0.1"), ROUND_HALF_UP)


#: Each rating channel as the figures name it (满意率（在线/短信链接/电话回访）).
CHANNEL_LABELS = {
    RatingChannel.ONLINE: _("Online"),
    RatingChannel.LINK: _("SMS link"),
    RatingChannel.PHONE: _("Phone (回访)"),
}
#: The satisfaction rate of each channel, as a figure's label.
CHANNEL_RATE_LABELS = {
    RatingChannel.ONLINE: _("satisfaction rate (online)"),
    RatingChannel.LINK: _("satisfaction rate (SMS link)"),
    RatingChannel.PHONE: _("satisfaction rate (phone, 回访)"),
}


@dataclass(frozen=True)
class ChannelFigures:
    """The latest ratings given through one channel."""

    channel: str
    rated: int
    satisfied: int

    @property
    def label(self) -> str:
        return str(CHANNEL_LABELS[self.channel])

    @property
    def rate_label(self) -> str:
        return str(CHANNEL_RATE_LABELS[self.channel])

    @property
    def satisfaction_rate(self) -> Decimal | None:
        return percent(self.satisfied, self.rated)


@dataclass
class IssueFigures:
    """The issue measures of ``dashboard.rollups`` and the rates made of them."""

    collected: int = 0
    valid: int = 0
    open: int = 0
    dispatched: int = 0
    responded: int = 0
    resolved: int = 0
    on_time: int = 0
    resolve_days: int = 0
    rated: int = 0
    satisfied: int = 0
    rated_online: int = 0
    satisfied_online: int = 0
    rated_link: int = 0
    satisfied_link: int = 0
    rated_phone: int = 0
    satisfied_phone: int = 0
    called: int = 0
    overdue: int = 0

    @classmethod
    def from_row(cls, row: dict, *, overdue: int = 0) -> "IssueFigures":
        return cls(**{name: row.get(name) or 0 for name in MEASURES}, overdue=overdue)

    @property
    def response_rate(self) -> Decimal | None:
        return percent(self.responded, self.dispatched)

    @property
    def resolution_rate(self) -> Decimal | None:
        return percent(self.resolved, self.valid)

    @property
    def on_time_rate(self) -> Decimal | None:
        return percent(self.on_time, self.resolved)

    @property
    def satisfaction_rate(self) -> Decimal | None:
        return percent(self.satisfied, self.rated)

    @property
    def average_days(self) -> Decimal | None:
        return average(self.resolve_days, self.resolved)

    @property
    def channels(self) -> list[ChannelFigures]:
        """The satisfaction split by the latest rating's channel: online, SMS link, phone."""
        return [ChannelFigures(channel=channel, rated=getattr(self, f"rated_{channel}"),
                               satisfied=getattr(self, f"satisfied_{channel}"))
                for channel in CHANNELS]

    @property
    def call_rate(self) -> Decimal | None:
        """The 回访 rate: resolved issues with a follow-up call that reached the person."""
        return percent(self.called, self.resolved)


@dataclass
class SessionFigures:
    editions: int = 0
    sessions_held: int = 0
    attendances: int = 0
    entrepreneurs: int = 0


@dataclass
class HeadlineFigures:
    sessions: SessionFigures
    issues: IssueFigures
    #: False when a category or department filter is on: session figures then cover
    #: the region and months only.
    sessions_filtered: bool = True


@dataclass
class IssueSums:
    """The rollup rows of some filters summed by ``keys`` in one query; a page adds them
    up further in Python (its totals, per month, per category…) instead of reading the
    rows again for each."""

    keys: tuple[str, ...]
    rows: list[dict]

    def total(self) -> dict:
        return self._add(self.rows)

    def by(self, key: str) -> dict:
        """The sums per value of ``key`` (one of ``keys``)."""
        groups: dict = {}
        for row in self.rows:
            groups.setdefault(row[key], []).append(row)
        return {value: self._add(rows) for value, rows in groups.items()}

    @staticmethod
    def _add(rows: list[dict]) -> dict:
        return {name: sum(row[name] or 0 for row in rows) for name in MEASURES}


# --- Chart rows ----------------------------------------------------------------------------

@dataclass
class MonthRow:
    month: date
    collected: int = 0
    rated: int = 0
    satisfied: int = 0
    sessions_held: int = 0
    attendances: int = 0

    @property
    def satisfaction_rate(self) -> Decimal | None:
        return percent(self.satisfied, self.rated)


@dataclass
class ShareRow:
    """One category's or region's issues."""

    label: str
    pk: int
    collected: int = 0
    rated: int = 0
    satisfied: int = 0

    @property
    def satisfaction_rate(self) -> Decimal | None:
        return percent(self.satisfied, self.rated)


# --- The ranking (三率) ----------------------------------------------------------------------

class RankingSort:
    """The columns the ranking sorts by; each is an ``RankingRow`` attribute."""

    COLUMNS = ("name", "led", "assisted", "response_rate", "resolution_rate", "on_time_rate",
               "satisfaction_rate", "average_days", "overdue")
    DEFAULT = "-satisfaction_rate"

    @classmethod
    def parse(cls, value: str) -> str:
        return value if value.lstrip("-") in cls.COLUMNS else cls.DEFAULT


@dataclass
class RankingRow:
    name: str
    pk: int
    figures: IssueFigures = field(default_factory=IssueFigures)
    assisted: int = 0
    region: Region | None = None

    led = property(lambda self: self.figures.collected)
    overdue = property(lambda self: self.figures.overdue)
    response_rate = property(lambda self: self.figures.response_rate)
    resolution_rate = property(lambda self: self.figures.resolution_rate)
    on_time_rate = property(lambda self: self.figures.on_time_rate)
    satisfaction_rate = property(lambda self: self.figures.satisfaction_rate)
    average_days = property(lambda self: self.figures.average_days)
    channels = property(lambda self: self.figures.channels)
    call_rate = property(lambda self: self.figures.call_rate)


def sort_ranking(rows: list[RankingRow], sort: str) -> list[RankingRow]:
    """Sorted by ``sort`` (a column, "-" for descending); rows without a value (no issue
    to rate) go last either way, and ties keep the name order."""
    sort = RankingSort.parse(sort)
    name, descending = sort.lstrip("-"), sort.startswith("-")
    rows = sorted(rows, key=lambda row: row.name)
    present = [row for row in rows if getattr(row, name) is not None]
    missing = [row for row in rows if getattr(row, name) is None]
    present.sort(key=lambda row: getattr(row, name), reverse=descending)
    return present + missing
