"""The dashboard's headline figures under each filter, and its charts, checked against the
programme of tests/dashboard/test_dashboard_figures.py."""

from dataclasses import asdict
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest

from dashboard.selectors import (
    DashboardNotAllowed,
    category_rows,
    department_ranking,
    headline_figures_for_user,
    monthly_rows,
    region_rows,
)
from tests.dashboard.programme import (
    READ_ON,
    figures_on,
    submit,
)
from tests.factories import (
    CategoryFactory,
    EnterpriseFactory,
    EntrepreneurFactory,
    RegionFactory,
    UserFactory,
    scoped_filters,
)
from tests.helpers import on

pytestmark = pytest.mark.django_db


# --- Filters ---------------------------------------------------------------------------------


def test_filtering_by_a_county(programme):
    far = figures_on(filters=scoped_filters(region=programme.far)).issues
    assert (far.collected, far.valid, far.open, far.overdue) == (3, 3, 1, 0)
    assert (far.response_rate, far.resolution_rate, far.on_time_rate,
            far.satisfaction_rate, far.average_days) == (
        Decimal("50.00"), Decimal("66.67"), Decimal("100.00"), Decimal("50.00"),
        Decimal("3.0"))
    near = figures_on(filters=scoped_filters(region=programme.near)).issues
    assert (near.collected, near.valid, near.open, near.overdue) == (8, 6, 2, 2)
    assert (near.response_rate, near.resolution_rate, near.on_time_rate,
            near.satisfaction_rate, near.average_days) == (
        Decimal("66.67"), Decimal("66.67"), Decimal("75.00"), Decimal("100.00"),
        Decimal("4.0"))


def test_the_city_as_a_filter_is_the_whole_city(programme):
    filters = scoped_filters(region=programme.city)
    assert filters.region is None
    assert figures_on(filters=filters) == figures_on()


def test_a_countys_coordinator_sees_their_county_whatever_they_ask_for(programme):
    with on(READ_ON, 9):
        figures = headline_figures_for_user(user=programme.far_coordinator,
                                            filters=scoped_filters(region=programme.near))
    assert (figures.issues.collected, figures.sessions.sessions_held) == (3, 1)
    with on(READ_ON, 9):
        city = headline_figures_for_user(user=programme.coordinator,
                                         filters=scoped_filters(region=programme.city))
    assert (city.issues.collected, city.sessions.sessions_held) == (11, 3)
    with pytest.raises(DashboardNotAllowed):
        headline_figures_for_user(user=programme.handlers[programme.a.pk])


def test_filtering_by_month_splits_the_sessions_and_the_issues(programme):
    september = figures_on(filters=scoped_filters(month_from=date(2026, 9, 1),
                                                    month_to=date(2026, 9, 1)))
    # S1 on 30 September; S2 on 1 October belongs to the same edition but to October.
    assert asdict(september.sessions) == {"editions": 1, "sessions_held": 1,
                                          "attendances": 2, "entrepreneurs": 2}
    assert september.issues.collected == 11
    october = figures_on(filters=scoped_filters(month_from=date(2026, 10, 1),
                                                  month_to=date(2026, 10, 1)))
    assert asdict(october.sessions) == {"editions": 2, "sessions_held": 2, "attendances": 3,
                                        "entrepreneurs": 3}
    assert (october.issues.collected, october.issues.overdue) == (0, 0)
    assert october.issues.satisfaction_rate is None


def test_filters_after_the_data_give_zeros_and_no_rates(programme):
    empty = figures_on(filters=scoped_filters(month_from=date(2027, 1, 1)))
    assert asdict(empty.sessions) == {"editions": 0, "sessions_held": 0, "attendances": 0,
                                      "entrepreneurs": 0}
    issues = empty.issues
    assert (issues.collected, issues.valid, issues.open, issues.dispatched, issues.resolved,
            issues.rated, issues.overdue) == (0, 0, 0, 0, 0, 0, 0)
    assert (issues.response_rate, issues.resolution_rate, issues.on_time_rate,
            issues.satisfaction_rate, issues.average_days) == (None, None, None, None, None)
    with on(READ_ON, 9):
        assert monthly_rows(scoped_filters(month_from=date(2027, 1, 1))) == []
        ranking = department_ranking(scoped_filters(month_from=date(2027, 1, 1)),
                                     departments=[programme.a, programme.b])
    assert [(row.name, row.led, row.assisted, row.satisfaction_rate, row.overdue)
            for row in ranking] == [("A局", 0, 0, None, 0), ("B局", 0, 0, None, 0)]


def test_filtering_by_category_leaves_the_session_figures_to_region_and_months(programme):
    figures = figures_on(filters=scoped_filters(category=programme.cat2))
    issues = figures.issues
    # I4, I9, I10.
    assert (issues.collected, issues.responded, issues.dispatched) == (3, 2, 3)
    assert (issues.response_rate, issues.resolution_rate, issues.satisfaction_rate) == (
        Decimal("66.67"), Decimal("100.00"), Decimal("66.67"))
    assert figures.sessions_filtered is False
    assert figures.sessions.sessions_held == 3


def test_filtering_by_lead_department(programme):
    figures = figures_on(filters=scoped_filters(department=programme.b))
    issues = figures.issues
    # I9 and I10.
    assert (issues.collected, issues.open, issues.overdue) == (2, 0, 0)
    assert (issues.response_rate, issues.resolution_rate, issues.on_time_rate,
            issues.satisfaction_rate) == (Decimal("50.00"), Decimal("100.00"),
                                          Decimal("100.00"), Decimal("50.00"))
    a = figures_on(filters=scoped_filters(department=programme.a)).issues
    assert (a.collected, a.overdue) == (6, 2)
    assert figures.sessions_filtered is False


def test_the_last_day_of_a_month_late_in_the_evening_belongs_to_that_month():
    county = RegionFactory()
    person = EntrepreneurFactory(user=UserFactory(),
                                 enterprise=EnterpriseFactory(region=county))
    category = CategoryFactory()
    w = SimpleNamespace()
    # 23:30 in Huzhou on 31 October is 15:30 UTC: October, in Huzhou's calendar.
    submit(w, person, category, date(2026, 10, 31), hour=23, minute=30)
    submit(w, person, category, date(2026, 11, 1), hour=0, minute=30)
    submit(w, person, category, date(2026, 11, 30), hour=23, minute=30)

    def collected(month_from, month_to):
        return figures_on(date(2026, 12, 1), scoped_filters(
            region=county, month_from=month_from, month_to=month_to)).issues.collected

    assert collected(date(2026, 10, 1), date(2026, 10, 1)) == 1
    assert collected(date(2026, 11, 1), date(2026, 11, 1)) == 2
    assert collected(date(2026, 10, 1), date(2026, 11, 1)) == 3
    assert collected(date(2026, 12, 1), None) == 0
    with on(date(2026, 12, 1)):
        rows = monthly_rows(scoped_filters(region=county))
    assert [(row.month, row.collected) for row in rows] == [(date(2026, 10, 1), 1),
                                                            (date(2026, 11, 1), 2)]


# --- Charts ----------------------------------------------------------------------------------


def test_monthly_rows(programme):
    with on(READ_ON, 9):
        rows = monthly_rows(scoped_filters())
    assert [(row.month, row.collected, row.rated, row.satisfied, row.sessions_held,
             row.attendances) for row in rows] == [
        (date(2026, 9, 1), 11, 4, 3, 1, 2),
        (date(2026, 10, 1), 0, 0, 0, 2, 3),
    ]
    assert rows[0].satisfaction_rate == Decimal("75.00")
    assert rows[1].satisfaction_rate is None


def test_monthly_rows_fill_the_months_between(programme):
    city = programme.city
    extra = EntrepreneurFactory(user=UserFactory(), enterprise=EnterpriseFactory(region=city))
    submit(programme, extra, programme.cat1, date(2026, 12, 15))
    with on(date(2026, 12, 16)):
        rows = monthly_rows(scoped_filters(category=programme.cat1))
    # Sessions do not count under a category filter.
    assert [(row.month, row.collected, row.sessions_held) for row in rows] == [
        (date(2026, 9, 1), 8, 0), (date(2026, 10, 1), 0, 0), (date(2026, 11, 1), 0, 0),
        (date(2026, 12, 1), 1, 0)]


def test_category_and_county_rows(programme):
    with on(READ_ON, 9):
        categories = category_rows(scoped_filters(),
                                   categories=[programme.cat1, programme.cat2])
        regions = region_rows(scoped_filters(), regions=[programme.near, programme.far])
    assert [(row.label, row.collected, row.rated, row.satisfied, row.satisfaction_rate)
            for row in categories] == [("要素保障", 8, 1, 1, Decimal("100.00")),
                                       ("政策兑现", 3, 3, 2, Decimal("66.67"))]
    assert [(row.pk, row.collected, row.rated, row.satisfied) for row in regions] == [
        (programme.near.pk, 8, 2, 2), (programme.far.pk, 3, 2, 1)]
