"""Chinese working days: weekends, public holidays and make-up working days (调休).

The ``chinese-calendar`` library knows the State Council's schedule for the
years it ships with. For a year it does not know yet (the schedule is published
late in the year before), weekdays count as working days and weekends do not,
so a deadline can always be computed. Issue 4 adds an admin-editable calendar
that overrides both.
"""

from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar


@lru_cache(maxsize=4096)
def is_working_day(day: date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:  # a year the library has no schedule for
        return day.weekday() < 5


def add_working_days(start: date, days: int) -> date:
    """The date ``days`` working days after ``start`` (``start`` itself does not count)."""
    if days < 0:
        raise ValueError("days must not be negative")
    current = start
    remaining = days
    while remaining:
        current += timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def next_working_day(day: date) -> date:
    """``day`` itself if it is a working day, else the next one."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day
