from datetime import date

import pytest

from core.workdays import add_working_days, is_working_day, next_working_day


def test_spring_festival_2026_skips_the_holiday_and_counts_the_make_up_saturday():
    # Friday 13 February → Saturday 14 February is a make-up working day.
    assert add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 14)
    # The holiday runs 15–23 February; the next working day after the 14th is the 24th.
    assert add_working_days(date(2026, 2, 14), 1) == date(2026, 2, 24)
    # Saturday 28 February is a make-up working day too.
    assert add_working_days(date(2026, 2, 26), 2) == date(2026, 2, 28)


def test_national_day_2026_and_its_make_up_days():
    assert add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert is_working_day(date(2026, 9, 20))  # Sunday, worked in exchange
    assert is_working_day(date(2026, 10, 10))  # Saturday, worked in exchange
    assert not is_working_day(date(2026, 10, 5))  # Monday inside the holiday


def test_years_the_library_does_not_know_fall_back_to_weekdays_instead_of_crashing():
    # chinese-calendar 1.11 has no schedule for 2027: weekends only, no exception.
    assert add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 1)
    assert add_working_days(date(2027, 1, 8), 1) == date(2027, 1, 11)  # Friday → Monday
    assert next_working_day(date(2027, 1, 9)) == date(2027, 1, 11)


def test_zero_days_is_the_start_and_negative_days_are_refused():
    assert add_working_days(date(2026, 5, 6), 0) == date(2026, 5, 6)
    with pytest.raises(ValueError):
        add_working_days(date(2026, 5, 6), -1)
