"""Working days: the holiday library, the coordinators' overrides, and years nobody knows yet."""

from datetime import date

import pytest

from core.models import CalendarDay
from core.workdays import (
    WorkCalendar,
    add_working_days,
    is_working_day,
    library_knows_year,
    next_working_day,
    working_days_between,
)

LIBRARY = WorkCalendar()  # no overrides: the library alone


# --- The library (chinese-calendar), no database -------------------------------------------

def test_spring_festival_2026_skips_the_holiday_and_counts_the_make_up_saturdays():
    # Friday 13 February → Saturday 14 February is a make-up working day.
    assert LIBRARY.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 14)
    # The holiday runs 15–23 February; the next working day after the 14th is the 24th.
    assert LIBRARY.add_working_days(date(2026, 2, 14), 1) == date(2026, 2, 24)
    # Saturday 28 February is a make-up working day too.
    assert LIBRARY.add_working_days(date(2026, 2, 26), 2) == date(2026, 2, 28)
    # Ten working days from Tuesday 10 February: both Saturdays count, the holiday does not.
    assert LIBRARY.add_working_days(date(2026, 2, 10), 10) == date(2026, 3, 2)
    assert not LIBRARY.is_working_day(date(2026, 2, 16))  # a Monday inside the holiday


def test_national_day_2026_and_its_make_up_days():
    # Dispatched on Wednesday 30 September, the last working day before the holiday
    # (1–7 October): one working day later is Thursday 8 October.
    assert LIBRARY.add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
    # Sunday 20 September and Saturday 10 October are worked in exchange, and count.
    assert LIBRARY.add_working_days(date(2026, 9, 18), 1) == date(2026, 9, 20)
    assert LIBRARY.add_working_days(date(2026, 10, 9), 1) == date(2026, 10, 10)
    assert LIBRARY.add_working_days(date(2026, 10, 10), 1) == date(2026, 10, 12)
    # The Mid-Autumn Festival (25–27 September) just before.
    assert LIBRARY.add_working_days(date(2026, 9, 24), 1) == date(2026, 9, 28)
    # A 15-working-day limit from Monday 28 September ends on Friday 23 October.
    assert LIBRARY.add_working_days(date(2026, 9, 28), 15) == date(2026, 10, 23)
    assert not LIBRARY.is_working_day(date(2026, 10, 5))  # Monday inside the holiday
    assert LIBRARY.next_working_day(date(2026, 10, 1)) == date(2026, 10, 8)


def test_years_the_library_does_not_know_fall_back_to_weekdays_instead_of_crashing():
    # chinese-calendar 1.11 has no schedule for 2027: weekends only, no exception.
    assert library_knows_year(2026)
    assert not library_knows_year(2027)
    assert LIBRARY.add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 1)
    assert LIBRARY.add_working_days(date(2027, 1, 8), 1) == date(2027, 1, 11)  # Fri → Mon
    assert LIBRARY.next_working_day(date(2027, 1, 9)) == date(2027, 1, 11)
    assert LIBRARY.working_days_between(date(2027, 1, 1), date(2027, 1, 31)) == 20


def test_zero_days_is_the_start_and_negative_days_are_refused():
    assert LIBRARY.add_working_days(date(2026, 5, 6), 0) == date(2026, 5, 6)
    with pytest.raises(ValueError):
        LIBRARY.add_working_days(date(2026, 5, 6), -1)


# --- Overrides -----------------------------------------------------------------------------

def test_an_override_making_a_weekday_a_holiday_pushes_the_due_date():
    calendar = WorkCalendar({date(2026, 10, 12): False})
    assert not calendar.is_working_day(date(2026, 10, 12))
    assert calendar.add_working_days(date(2026, 9, 28), 15) == date(2026, 10, 26)
    assert calendar.add_working_days(date(2026, 10, 10), 1) == date(2026, 10, 13)


def test_an_override_can_make_a_library_holiday_a_working_day():
    calendar = WorkCalendar({date(2026, 10, 7): True})
    assert calendar.add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 7)


def test_overrides_enter_a_year_the_library_does_not_know():
    # A 2027 schedule typed in by a coordinator: Friday 1 October to Thursday 7 October off,
    # Saturday 9 October worked.
    holiday = {date(2027, 10, day): False for day in range(1, 8)}
    calendar = WorkCalendar({**holiday, date(2027, 10, 9): True})
    assert calendar.add_working_days(date(2027, 9, 30), 1) == date(2027, 10, 8)
    assert calendar.add_working_days(date(2027, 10, 8), 1) == date(2027, 10, 9)
    assert calendar.next_working_day(date(2027, 10, 2)) == date(2027, 10, 8)


def test_working_days_between_counts_after_the_start_up_to_the_end():
    # Due on 30 September, seen on Friday 9 October: overdue by two working days (8th, 9th).
    assert LIBRARY.working_days_between(date(2026, 9, 30), date(2026, 10, 9)) == 2
    assert LIBRARY.working_days_between(date(2026, 9, 30), date(2026, 10, 7)) == 0
    assert LIBRARY.working_days_between(date(2026, 10, 9), date(2026, 10, 9)) == 0
    assert LIBRARY.working_days_between(date(2026, 10, 9), date(2026, 9, 30)) == 0
    calendar = WorkCalendar({date(2026, 10, 8): False})
    assert calendar.working_days_between(date(2026, 9, 30), date(2026, 10, 9)) == 1


# --- The module's functions read the calendar table at every call --------------------------

@pytest.mark.django_db
def test_the_module_functions_see_a_change_at_once_in_one_query(django_assert_num_queries):
    start = date(2026, 9, 28)
    assert add_working_days(start, 15) == date(2026, 10, 23)
    CalendarDay.objects.create(day=date(2026, 10, 12), is_working_day=False, note="测试")
    with django_assert_num_queries(1):
        assert add_working_days(start, 15) == date(2026, 10, 26)
    assert not is_working_day(date(2026, 10, 12))
    assert next_working_day(date(2026, 10, 11)) == date(2026, 10, 13)
    assert working_days_between(date(2026, 10, 9), date(2026, 10, 13)) == 2  # 10th, 13th


@pytest.mark.django_db
def test_an_unknown_year_without_overrides_does_not_crash():
    assert add_working_days(date(2027, 12, 31), 1) == date(2028, 1, 3)
    assert is_working_day(date(2031, 6, 2))
    assert working_days_between(date(2027, 12, 31), date(2028, 1, 7)) == 5


# --- Public holidays, as the weekly series see them ----------------------------------------

@pytest.mark.parametrize(("day", "holiday"), [
    (date(2026, 9, 19), False),   # an ordinary Saturday: a day off, but no holiday
    (date(2026, 9, 26), True),    # Saturday in the Mid-Autumn Festival
    (date(2026, 10, 7), True),    # Wednesday in the National Day holiday
    (date(2026, 10, 10), False),  # the make-up working Saturday after National Day
    (date(2026, 10, 14), False),  # an ordinary Wednesday
    (date(2027, 10, 2), False),   # a year the library does not know: weekends are no holiday
    (date(2027, 10, 6), False),   # …and weekdays are working days until a coordinator says
])
def test_public_holidays_are_festivals_not_ordinary_weekends(day, holiday):
    assert LIBRARY.is_public_holiday(day) is holiday


def test_a_weekday_the_coordinators_mark_off_is_a_holiday_and_a_worked_weekend_is_not():
    calendar = WorkCalendar({date(2027, 10, 6): False, date(2026, 9, 26): True,
                             date(2026, 9, 19): False})
    assert calendar.is_public_holiday(date(2027, 10, 6))
    assert not calendar.is_public_holiday(date(2026, 9, 26))
    assert not calendar.is_public_holiday(date(2026, 9, 19))  # still an ordinary weekend
