"""Chinese working days: weekends, public holidays and make-up working days (调休).

Three sources decide whether a day is a working day, the first that knows wins:

1. the coordinators' calendar (``core.models.CalendarDay``), edited in the site and the
   admin, for corrections and for years the library does not know yet;
2. the ``chinese-calendar`` library, which ships the State Council's schedule for the
   years it knows;
3. for any other year (the schedule is published late in the year before): Monday to
   Friday are working days, Saturday and Sunday are not. A deadline can always be
   computed; nothing raises for an unknown year.

``WorkCalendar`` answers from a fixed set of overrides; ``work_calendar()`` reads the
current ones from the database in one query. The module-level functions build a fresh
calendar on every call, so every web and worker process sees a change at once; code that
computes many dates at a time builds one ``WorkCalendar`` and asks it instead.
"""

from collections.abc import Mapping
from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar


@lru_cache(maxsize=8192)
def library_is_working_day(day: date) -> bool:
    """The library's answer, or Monday to Friday for a year the library does not know."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:  # a year the library has no schedule for
        return day.weekday() < 5


@lru_cache(maxsize=8192)
def library_is_public_holiday(day: date) -> bool:
    """Whether the library names a public holiday (节假日) on ``day``: a day off for a
    festival, not an ordinary weekend. False for a year the library does not know."""
    try:
        is_off, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return False
    return is_off and name is not None


@lru_cache(maxsize=256)
def library_knows_year(year: int) -> bool:
    """Whether the installed library has the State Council's schedule for ``year``."""
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


class WorkCalendar:
    """Working days with a fixed set of overrides (day → working or not) on top of the library."""

    def __init__(self, overrides: Mapping[date, bool] | None = None):
        self.overrides = dict(overrides or {})

    def is_working_day(self, day: date) -> bool:
        override = self.overrides.get(day)
        if override is not None:
            return override
        return library_is_working_day(day)

    def is_public_holiday(self, day: date) -> bool:
        """A day off that is not an ordinary weekend: a festival, or a weekday the calendar
        marks off. A weekend the calendar makes a working day (调休) is no holiday."""
        override = self.overrides.get(day)
        if override is not None:
            return not override and (day.weekday() < 5 or library_is_public_holiday(day))
        return library_is_public_holiday(day) or (
            day.weekday() < 5 and not library_is_working_day(day))

    def add_working_days(self, start: date, days: int) -> date:
        """The date ``days`` working days after ``start`` (``start`` itself does not count).

        Zero days is ``start`` itself, whether or not it is a working day.
        """
        if days < 0:
            raise ValueError("days must not be negative")
        current = start
        remaining = days
        while remaining:
            current += timedelta(days=1)
            if self.is_working_day(current):
                remaining -= 1
        return current

    def next_working_day(self, day: date) -> date:
        """``day`` itself if it is a working day, else the next one."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """How many working days lie after ``start`` up to and including ``end``; 0 if
        ``end`` is not after ``start``. "Overdue by N working days" is
        ``working_days_between(due_on, today)``."""
        count = 0
        day = start
        while day < end:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count


def work_calendar() -> WorkCalendar:
    """The calendar as it stands now: every override, read in one query, never cached."""
    from core.models import CalendarDay  # noqa: PLC0415 (here, so that WorkCalendar needs no Django set-up)

    return WorkCalendar(dict(CalendarDay.objects.values_list("day", "is_working_day")))


def is_working_day(day: date) -> bool:
    """Whether ``day`` is a working day, by the current calendar (one query)."""
    return work_calendar().is_working_day(day)


def add_working_days(start: date, days: int) -> date:
    """The date ``days`` working days after ``start`` (``start`` itself does not count),
    by the current calendar (one query)."""
    return work_calendar().add_working_days(start, days)


def next_working_day(day: date) -> date:
    """``day`` itself if it is a working day, else the next one, by the current calendar
    (one query)."""
    return work_calendar().next_working_day(day)


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 if ``end <= start``),
    by the current calendar (one query)."""
    return work_calendar().working_days_between(start, end)
