"""The dashboard's ranking of departments and counties, and a fixed number of queries
whatever the amount of data, checked against the programme of
tests/dashboard/test_dashboard_figures.py."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from dashboard.models import IssueRollup
from dashboard.rollups import rebuild
from dashboard.selectors import (
    IssueFigures,
    RankingRow,
    department_ranking,
    headline_figures,
    monthly_rows,
    region_ranking,
    sort_ranking,
)
from issues.models import Issue, RatingValue
from tests.dashboard.programme import (
    READ_ON,
    S,
)
from tests.factories import (
    EnterpriseFactory,
    EntrepreneurFactory,
    IssueFactory,
    scoped_filters,
)
from tests.helpers import at, on

pytestmark = pytest.mark.django_db


# --- The ranking -----------------------------------------------------------------------------


def ranking(programme, sort: str = "", filters=None):
    with on(READ_ON, 9):
        # Given out of name order: the ranking puts them in it.
        return department_ranking(filters or scoped_filters(),
                                  departments=[programme.d, programme.c, programme.b,
                                               programme.a], sort=sort)


def test_the_ranking_has_a_row_per_department_with_issues_led_and_assisted(programme):
    rows = {row.name: row for row in ranking(programme)}
    assert list(rows) == ["A局", "B局", "C局", "D局"]
    a, b, c, d = rows.values()
    # A leads I1–I5 and I11; B leads I9 and I10 and assists I11; C assists I1 and I9.
    assert [(row.led, row.assisted, row.overdue) for row in (a, b, c, d)] == [
        (6, 0, 2), (2, 1, 0), (0, 2, 0), (0, 0, 0)]
    assert (a.response_rate, a.resolution_rate, a.on_time_rate, a.satisfaction_rate,
            a.average_days) == (Decimal("66.67"), Decimal("66.67"), Decimal("75.00"),
                                Decimal("100.00"), Decimal("4.0"))
    assert (b.response_rate, b.resolution_rate, b.on_time_rate, b.satisfaction_rate,
            b.average_days) == (Decimal("50.00"), Decimal("100.00"), Decimal("100.00"),
                                Decimal("50.00"), Decimal("3.0"))
    assert (c.response_rate, c.satisfaction_rate, c.average_days) == (None, None, None)


def test_the_ranking_under_a_department_filter_has_that_department_only(programme):
    rows = ranking(programme, filters=scoped_filters(department=programme.b))
    assert [(row.name, row.led, row.assisted) for row in rows] == [("B局", 2, 1)]


@pytest.mark.parametrize(("sort", "order"), [
    ("", ["A局", "B局", "C局", "D局"]),  # the default: most satisfied first
    ("-satisfaction_rate", ["A局", "B局", "C局", "D局"]),
    ("satisfaction_rate", ["B局", "A局", "C局", "D局"]),  # no rate: last either way
    ("response_rate", ["B局", "A局", "C局", "D局"]),
    ("-response_rate", ["A局", "B局", "C局", "D局"]),
    ("-overdue", ["A局", "B局", "C局", "D局"]),  # ties keep the name order
    ("overdue", ["B局", "C局", "D局", "A局"]),
    ("assisted", ["A局", "D局", "B局", "C局"]),
    ("-assisted", ["C局", "B局", "A局", "D局"]),
    ("-led", ["A局", "B局", "C局", "D局"]),
    ("led", ["C局", "D局", "B局", "A局"]),
    ("-name", ["D局", "C局", "B局", "A局"]),
    ("nonsense", ["A局", "B局", "C局", "D局"]),
])
def test_sorting_the_ranking(programme, sort, order):
    assert [row.name for row in ranking(programme, sort)] == order


def test_sorting_keeps_equal_values_in_name_order_and_missing_ones_last():
    def row(name, satisfied, rated):
        return RankingRow(name=name, pk=0, figures=IssueFigures(rated=rated,
                                                                satisfied=satisfied))

    rows = [row("丁", 1, 2), row("甲", None, 0), row("乙", 1, 2), row("丙", 2, 2),
            row("戊", None, 0)]
    names = sorted(["丁", "甲", "乙", "丙", "戊"])
    fifty = [name for name in names if name in ("丁", "乙")]
    missing = [name for name in names if name in ("甲", "戊")]
    assert [r.name for r in sort_ranking(rows, "-satisfaction_rate")] == ["丙", *fifty,
                                                                           *missing]
    assert [r.name for r in sort_ranking(rows, "satisfaction_rate")] == [*fifty, "丙",
                                                                          *missing]


def test_the_county_ranking(programme):
    with on(READ_ON, 9):
        rows = region_ranking(scoped_filters(), regions=[programme.near, programme.far],
                              sort="-satisfaction_rate")
    assert [(row.pk, row.led, row.satisfaction_rate, row.overdue) for row in rows] == [
        (programme.near.pk, 8, Decimal("100.00"), 2),
        (programme.far.pk, 3, Decimal("50.00"), 0)]


# --- A fixed number of queries, whatever the amount of data -----------------------------------


def _many_more_issues(programme, n: int = 60) -> None:
    """``n`` issues in bulk (as the data generators write them), over four months, both
    counties, both categories and all four departments, then ``rebuild``."""
    enterprises = {region.pk: EnterpriseFactory(region=region)
                   for region in (programme.near, programme.far)}
    people = {pk: EntrepreneurFactory(enterprise=enterprise)
              for pk, enterprise in enterprises.items()}
    departments = [programme.a, programme.b, programme.c, programme.d, None]
    statuses = [S.SUBMITTED, S.DISPATCHED, S.IN_PROGRESS, S.RESOLVED, S.CLOSED, S.REJECTED]
    issues = []
    for k in range(n):
        region = (programme.near, programme.far)[k % 2]
        department = departments[k % 5]
        status = statuses[k % 6] if department else S.SUBMITTED
        submitted = at(date(2026, 6 + k % 4, 1 + k % 28), 9)
        resolved = status in (S.RESOLVED, S.CLOSED)
        issues.append(IssueFactory.build(
            category=(programme.cat1, programme.cat2)[k % 3 % 2],
            enterprise=enterprises[region.pk], entrepreneur=people[region.pk], region=region,
            status=status, rejection_reason="超范围" if status == S.REJECTED else "",
            lead_department=department, submitted_at=submitted,
            dispatched_at=submitted + timedelta(hours=1) if department else None,
            accept_due_on=submitted.date() + timedelta(days=1) if department else None,
            accepted_at=submitted + timedelta(days=1) if status not in (
                S.SUBMITTED, S.DISPATCHED, S.REJECTED) else None,
            due_on=submitted.date() + timedelta(days=20) if department else None,
            resolved_at=submitted + timedelta(days=k % 25) if resolved else None,
            latest_rating=RatingValue.SATISFIED if status == S.CLOSED else "",
        ))
    Issue.objects.bulk_create(issues)
    rebuild()


def test_the_figures_take_a_fixed_number_of_queries(programme, django_assert_num_queries):
    everything = scoped_filters()
    autumn = scoped_filters(month_from=date(2026, 9, 1), month_to=date(2026, 10, 1))
    departments = [programme.a, programme.b, programme.c, programme.d]
    rows_before = IssueRollup.objects.count()

    def count_queries():
        with on(READ_ON, 9):
            # The numbers the selectors' docstrings promise.
            with django_assert_num_queries(5):
                figures = headline_figures(everything)
            with django_assert_num_queries(5):
                headline_figures(autumn)
            with django_assert_num_queries(3):
                department_ranking(everything, departments=departments)
            with django_assert_num_queries(3):
                months = monthly_rows(everything)
        return figures, months

    small, small_months = count_queries()
    _many_more_issues(programme)
    large, large_months = count_queries()
    assert (small.issues.collected, large.issues.collected) == (11, 71)
    assert IssueRollup.objects.count() >= rows_before + 30
    assert (len(small_months), len(large_months)) == (2, 5)
