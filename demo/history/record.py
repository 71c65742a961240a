"""The published record the history reproduces, and the small helpers both halves share.

The figures are the programme's published ones; ``HistoryReport`` counts what a
build wrote; ``at`` makes a Huzhou datetime; ``make_credit_code`` makes a valid
unified social credit code (the benchmarks use it too).
"""

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from core.validators import credit_code_check_character

PUBLISHED_EDITIONS = 76
PUBLISHED_SESSIONS = 595
PUBLISHED_ATTENDANCES = 4545
PUBLISHED_ISSUES = 5895
PUBLISHED_SATISFIED = 5862  # satisfied or basically satisfied: 5,862 / 5,895 = 99.44%
REOPENED_OPEN = PUBLISHED_ISSUES - PUBLISHED_SATISFIED  # 33, rated dissatisfied and reopened
REOPENED_THEN_SATISFIED = 40  # dissatisfied once, satisfied after a second round

RANDOM_SEED = 2026

TZ = ZoneInfo("Asia/Shanghai")


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=TZ)


def make_credit_code(division: str, serial: int) -> str:
    """A valid code for a company (91) registered in ``division``."""
    organisation = f"{serial:08d}"
    # GB 11714 check character of the organisation code.
    total = sum(int(c) * w for c, w in zip(organisation, (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
    check = 11 - total % 11
    organisation += {10: "X", 11: "0"}.get(check, str(check))
    first = f"91{division}{organisation}"
    return first + credit_code_check_character(first)


@dataclass
class HistoryReport:
    editions: int = 0
    sessions: int = 0
    attendances: int = 0
    issues: int = 0
    events: int = 0
    ratings: int = 0
    skipped: bool = False
