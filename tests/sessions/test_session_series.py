"""Weekly series: the coming weeks planned on the series' weekday, each date once, editions
numbered week by week, Chinese public holidays skipped or moved to the next working day,
clashing weeks left out and reported, and the daily task that runs every series.

The holidays are the State Council's 2026 schedule, as the ``chinese-calendar`` library
ships it: the Spring Festival holiday covers Wednesday 18 February (the next working day is
Tuesday 24 February); National Day covers Wednesday 7 October (the next working day is
Thursday 8 October), while Wednesday 30 September is a working day.
"""

from datetime import date, time, timedelta

import pytest
import time_machine

from core.models import CalendarDay
from core.workdays import library_is_working_day
from government.models import Official
from sessions.models import Edition, SessionKind, SessionSeries, TalkSession
from sessions.services import edition_for_day, series_generate, session_cancel, session_update
from sessions.tasks import generate_series_task
from tests.factories import (
    CityFactory,
    DepartmentFactory,
    OfficialFactory,
    RegionFactory,
    SessionSeriesFactory,
    TalkSessionFactory,
)
from tests.helpers import SHANGHAI, at

pytestmark = pytest.mark.django_db

T = TalkSession.Status
S = SessionSeries.OnHoliday


def mar(day: int) -> date:
    return date(2026, 3, day)


@pytest.fixture
def monday():
    """Monday 2 March 2026, 02:00: the daily run's hour."""
    with time_machine.travel(at(mar(2), 2), tick=False) as clock:
        yield clock


@pytest.fixture
def region():
    CityFactory()
    return RegionFactory()


def sessions_of(series) -> list[TalkSession]:
    return list(TalkSession.objects.filter(series=series).select_related("edition")
                .order_by("starts_at"))


def local_days(sessions) -> list[date]:
    return [s.starts_at.astimezone(SHANGHAI).date() for s in sessions]


def booked(region, starts_at, *, hours=2, **fields) -> TalkSession:
    """A session planned by hand, outside any series."""
    edition = edition_for_day(day=starts_at.date(), theme="政企恳谈会")
    return TalkSessionFactory(edition=edition, region=region, starts_at=starts_at,
                              ends_at=starts_at + timedelta(hours=hours), **fields)


# --- The coming weeks ---------------------------------------------------------------------


def test_the_coming_weeks_are_planned_on_the_series_weekday(monday, region):
    host = OfficialFactory(role=Official.Role.DEPARTMENT_LEAD,
                           department=DepartmentFactory(region=region))
    departments = [DepartmentFactory(region=region), DepartmentFactory(region=region)]
    series = SessionSeriesFactory(region=region, weekday=3, start_time=time(9, 30),
                                  duration_minutes=90, venue="德清会客厅", host=host,
                                  capacity=12, kind=SessionKind.SALON, theme="新生代沙龙",
                                  weeks_ahead=4)
    series.departments.set(departments)

    report = series_generate(series=series)

    sessions = sessions_of(series)
    assert report.created == sorted(report.created, key=lambda s: s.starts_at)
    assert {s.pk for s in report.created} == {s.pk for s in sessions}
    assert local_days(sessions) == [mar(5), mar(12), mar(19), mar(26)]  # four Thursdays
    assert [s.series_date for s in sessions] == [mar(5), mar(12), mar(19), mar(26)]
    for session in sessions:
        day = session.series_date
        assert (session.starts_at, session.ends_at) == (at(day, 9, 30), at(day, 11))
        assert (session.region, session.venue, session.host, session.capacity) == (
            region, "德清会客厅", host, 12)
        assert (session.kind, session.theme, session.status) == (
            SessionKind.SALON, "新生代沙龙", T.PLANNED)
        assert set(session.departments.all()) == set(departments)
    assert (report.moved, report.skipped, report.clashes) == ([], [], [])


def test_a_run_on_another_weekday_also_keeps_weeks_ahead_weeks_planned(region):
    series = SessionSeriesFactory(region=region, weekday=2, weeks_ahead=3)
    with time_machine.travel(at(mar(5), 2), tick=False):  # a Thursday
        series_generate(series=series)
    assert local_days(sessions_of(series)) == [mar(11), mar(18), mar(25)]


def test_a_second_run_plans_nothing_more(monday, region):
    series = SessionSeriesFactory(region=region, weeks_ahead=4)
    first = series_generate(series=series)
    second = series_generate(series=series)
    assert (len(first.created), len(second.created)) == (4, 0)
    assert TalkSession.objects.count() == 4
    assert Edition.objects.count() == 4


def test_a_week_is_generated_once_even_after_its_session_is_moved_or_cancelled(
        monday, region):
    coordinator = OfficialFactory(role=Official.Role.COORDINATOR,
                                  department=DepartmentFactory(region=region)).user
    series = SessionSeriesFactory(region=region, weeks_ahead=2)
    first, second = series_generate(series=series).created
    session_update(actor=coordinator, session=first, theme=first.theme, kind=first.kind,
                   venue="另一会场", starts_at=at(mar(5), 9), ends_at=at(mar(5), 11),
                   capacity=first.capacity)
    session_cancel(actor=coordinator, session=second, reason="台风")

    assert series_generate(series=series).created == []
    assert [(s.series_date, s.status) for s in sessions_of(series)] == [
        (mar(4), T.PLANNED), (mar(11), T.CANCELLED)]


def test_each_week_has_its_edition_numbered_in_turn_and_an_existing_one_is_reused(
        monday, region):
    Edition.objects.create(number=40, theme="第40期", week_start=mar(9))
    series = SessionSeriesFactory(region=region, weeks_ahead=4)
    series_generate(series=series)
    assert [(s.series_date, s.edition.number, s.edition.week_start)
            for s in sessions_of(series)] == [
        (mar(4), 41, mar(2)), (mar(11), 40, mar(9)), (mar(18), 42, mar(16)),
        (mar(25), 43, mar(23))]

    # Two more weeks ahead: the new weeks get the next numbers.
    series.weeks_ahead = 6
    series.save()
    report = series_generate(series=series)
    assert [(s.series_date, s.edition.number) for s in report.created] == [
        (date(2026, 4, 1), 44), (date(2026, 4, 8), 45)]


def test_another_series_in_the_same_week_shares_the_edition(monday, region):
    other_region = RegionFactory()
    ours = SessionSeriesFactory(region=region, weeks_ahead=2)
    theirs = SessionSeriesFactory(region=other_region, weeks_ahead=2)
    series_generate(series=ours)
    series_generate(series=theirs)
    assert [s.edition for s in sessions_of(ours)] == [s.edition for s in sessions_of(theirs)]
    assert Edition.objects.count() == 2


def test_the_first_and_last_dates_bound_the_series(monday, region):
    later = SessionSeriesFactory(region=region, starts_on=mar(16), weeks_ahead=4)
    short = SessionSeriesFactory(region=region, venue="另一会场", starts_on=mar(1),
                                 ends_on=mar(11), weeks_ahead=4)
    series_generate(series=later)
    series_generate(series=short)
    assert local_days(sessions_of(later)) == [mar(18), mar(25)]
    assert local_days(sessions_of(short)) == [mar(4), mar(11)]


def test_an_inactive_series_plans_nothing(monday, region):
    series = SessionSeriesFactory(region=region, is_active=False)
    report = series_generate(series=series)
    assert (report.created, TalkSession.objects.count()) == ([], 0)


def test_a_time_already_past_today_is_not_planned(region):
    """The two weeks from Wednesday 4 March, 15:00: that day's 14:30 has passed, 11 March is
    in them, 18 March is the third week."""
    series = SessionSeriesFactory(region=region, weeks_ahead=2)
    with time_machine.travel(at(mar(4), 15), tick=False):  # Wednesday, after 14:30
        series_generate(series=series)
    assert local_days(sessions_of(series)) == [mar(11)]


# --- Public holidays ------------------------------------------------------------------------


def test_national_day_is_skipped_when_the_series_says_so(region):
    assert library_is_working_day(date(2026, 9, 30))
    assert not library_is_working_day(date(2026, 10, 7))
    series = SessionSeriesFactory(region=region, on_holiday=S.SKIP, weeks_ahead=3)
    with time_machine.travel(at(date(2026, 9, 28), 2), tick=False):
        report = series_generate(series=series)
        again = series_generate(series=series)
    assert local_days(sessions_of(series)) == [date(2026, 9, 30), date(2026, 10, 14)]
    assert (report.skipped, report.moved) == ([date(2026, 10, 7)], [])
    assert (again.created, again.skipped) == ([], [date(2026, 10, 7)])


def test_national_day_moves_to_the_next_working_day(region):
    assert not library_is_working_day(date(2026, 10, 7))
    assert library_is_working_day(date(2026, 10, 8))
    series = SessionSeriesFactory(region=region, on_holiday=S.NEXT_WORKING_DAY, weeks_ahead=3)
    with time_machine.travel(at(date(2026, 9, 28), 2), tick=False):
        report = series_generate(series=series)
        again = series_generate(series=series)

    sessions = sessions_of(series)
    assert local_days(sessions) == [date(2026, 9, 30), date(2026, 10, 8), date(2026, 10, 14)]
    moved = sessions[1]
    assert (moved.series_date, moved.starts_at) == (date(2026, 10, 7), at(date(2026, 10, 8),
                                                                          14, 30))
    assert moved.edition.week_start == date(2026, 10, 5)
    assert (report.moved, report.skipped) == ([(date(2026, 10, 7), date(2026, 10, 8))], [])
    assert again.created == []


def test_the_spring_festival_moves_into_the_next_week_and_shares_its_edition(region):
    assert not library_is_working_day(date(2026, 2, 18))
    assert [library_is_working_day(date(2026, 2, d)) for d in range(19, 25)] == [
        False, False, False, False, False, True]  # Thursday 19 to Tuesday 24
    series = SessionSeriesFactory(region=region, weeks_ahead=3)
    with time_machine.travel(at(date(2026, 2, 9), 2), tick=False):
        report = series_generate(series=series)

    sessions = sessions_of(series)
    assert [(s.series_date, d) for s, d in zip(sessions, local_days(sessions), strict=True)] == [
        (date(2026, 2, 11), date(2026, 2, 11)), (date(2026, 2, 18), date(2026, 2, 24)),
        (date(2026, 2, 25), date(2026, 2, 25))]
    assert sessions[1].edition == sessions[2].edition
    assert [s.edition.number for s in sessions] == [1, 2, 2]
    assert report.moved == [(date(2026, 2, 18), date(2026, 2, 24))]


def test_a_day_off_set_by_the_coordinators_counts_as_a_holiday(monday, region):
    CalendarDay.objects.create(day=mar(11), is_working_day=False, note="临时停工")
    series = SessionSeriesFactory(region=region, on_holiday=S.SKIP, weeks_ahead=3)
    report = series_generate(series=series)
    assert local_days(sessions_of(series)) == [mar(4), mar(18)]
    assert report.skipped == [mar(11)]


# --- Clashes --------------------------------------------------------------------------------


def test_a_week_that_would_double_book_the_venue_is_left_out_and_reported(monday, region):
    booked(region, at(mar(11), 15), theme="招商推介会", venue=" 市民之家")
    booked(RegionFactory(), at(mar(18), 14, 30), theme="别处同名会场", venue="市民之家")
    series = SessionSeriesFactory(region=region, venue="市民之家", weeks_ahead=3)

    report = series_generate(series=series)

    assert local_days(report.created) == [mar(4), mar(18)]
    assert [day for day, _messages in report.clashes] == [mar(11)]
    (messages,) = [messages for _day, messages in report.clashes]
    assert len(messages) == 1 and "招商推介会" in messages[0]
    # The week stays open: once the other session is cancelled, the next run plans it.
    other = TalkSession.objects.get(theme="招商推介会")
    other.status = T.CANCELLED
    other.save()
    assert local_days(series_generate(series=series).created) == [mar(11)]


def test_a_week_that_would_double_book_the_host_is_left_out_and_reported(monday, region):
    host = OfficialFactory(role=Official.Role.DEPARTMENT_LEAD,
                           department=DepartmentFactory(region=region))
    booked(RegionFactory(), at(mar(18), 13), theme="外地调研座谈", venue="南浔会议中心",
           host=host)
    series = SessionSeriesFactory(region=region, host=host, weeks_ahead=3)

    report = series_generate(series=series)

    assert local_days(report.created) == [mar(4), mar(11)]
    assert [day for day, _messages in report.clashes] == [mar(18)]
    assert "外地调研座谈" in report.clashes[0][1][0]
    assert host.name in report.clashes[0][1][0]
    assert not TalkSession.objects.filter(series=series, series_date=mar(18)).exists()


# --- The daily task -------------------------------------------------------------------------


def test_the_daily_task_plans_every_active_series(monday, region):
    other = RegionFactory()
    SessionSeriesFactory(region=region, weeks_ahead=2)
    SessionSeriesFactory(region=other, weeks_ahead=3)
    idle = SessionSeriesFactory(region=other, venue="另一会场", is_active=False)

    assert generate_series_task() == 5
    assert generate_series_task() == 0
    assert TalkSession.objects.filter(series__region=region).count() == 2
    assert TalkSession.objects.filter(series__region=other).count() == 3
    assert not TalkSession.objects.filter(series=idle).exists()


def test_an_ordinary_weekend_is_no_holiday_but_a_national_day_weekend_is(region):
    """A Saturday salon series meets on ordinary Saturdays (19 September 2026); Saturday 26
    September (Mid-Autumn Festival) and Saturday 3 October (National Day) are holidays and
    move to the next working day, Monday 28 September and Thursday 8 October."""
    assert not library_is_working_day(date(2026, 9, 19))  # an ordinary Saturday
    series = SessionSeriesFactory(region=region, weekday=5, weeks_ahead=3,
                                  kind=SessionKind.SALON)
    with time_machine.travel(at(date(2026, 9, 14), 2), tick=False):
        report = series_generate(series=series)
    assert local_days(sessions_of(series)) == [date(2026, 9, 19), date(2026, 9, 28),
                                               date(2026, 10, 8)]
    assert report.moved == [(date(2026, 9, 26), date(2026, 9, 28)),
                            (date(2026, 10, 3), date(2026, 10, 8))]


def test_a_run_on_the_series_day_before_its_hour_counts_today_as_one_of_the_weeks(region):
    series = SessionSeriesFactory(region=region, weeks_ahead=2)
    with time_machine.travel(at(mar(4), 9), tick=False):  # Wednesday morning, before 14:30
        series_generate(series=series)
    assert local_days(sessions_of(series)) == [mar(4), mar(11)]
