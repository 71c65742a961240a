"""Every dashboard selector takes ``ScopedFilters``, which only the scope's builders make:
filters nobody held to a user's scope cannot reach a count."""

from dataclasses import replace

import pytest

from dashboard.scope import DashboardFilters, DashboardScope, ScopedFilters, public_scope
from dashboard.selectors import (
    dashboard_scope_for_user,
    department_ranking,
    headline_figures,
    issue_sums,
    monthly_rows,
)
from government.models import Official
from tests.factories import CityFactory, DepartmentFactory, OfficialFactory, RegionFactory

pytestmark = pytest.mark.django_db


def test_scoped_filters_cannot_be_built_by_hand():
    with pytest.raises(TypeError):
        ScopedFilters()
    with pytest.raises(TypeError):
        ScopedFilters(scope=DashboardScope(), _token=object())


@pytest.mark.parametrize("selector", [
    headline_figures, monthly_rows,
    lambda filters: issue_sums(filters, by=("month",)),
    lambda filters: department_ranking(filters, departments=[]),
])
def test_the_selectors_refuse_filters_nobody_scoped(selector):
    with pytest.raises(TypeError):
        selector(DashboardFilters())
    with pytest.raises(TypeError):
        selector(None)


def test_a_countys_official_stays_in_the_county_whatever_the_filters_say():
    county, other = RegionFactory(parent=CityFactory()), RegionFactory()
    leader = OfficialFactory(role=Official.Role.LEADER,
                             department=DepartmentFactory(region=county)).user
    scoped = dashboard_scope_for_user(user=leader, filters=DashboardFilters(region=other))
    assert (scoped.region, scoped.scope.region, scoped.is_city) == (county, county, False)
    assert replace(scoped, month_from=None).region == county  # a copy stays scoped
    with pytest.raises(ValueError):
        replace(scoped, region=None)  # but cannot leave the county


def test_the_public_scope_is_the_whole_city_unfiltered():
    scoped = public_scope()
    assert scoped.is_city and scoped == replace(scoped)
    assert (scoped.region, scoped.month_from, scoped.category) == (None, None, None)
