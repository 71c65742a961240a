"""The dashboard's pages run a fixed number of queries, whatever the amount of data."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from issues.models import Issue
from sessions.models import Attendance, TalkSession
from tests.dashboard.screens import (
    BULLETIN_URL,
    INDEX_URL,
    OVERDUE_URL,
    PUBLIC_URL,
    RANKING_URL,
    S,
    figure,
    log_in,
    ranking_rows,
    text_of,
)
from tests.factories import (
    AssistingDepartmentFactory,
    AttendanceFactory,
    CategoryFactory,
    DepartmentFactory,
    EditionFactory,
    EnterpriseFactory,
    IssueFactory,
    RegionFactory,
    TalkSessionFactory,
)
from tests.helpers import at
from tests.worlds import DashboardWorld as World
from tests.worlds import local_entrepreneur

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


# --- A fixed number of queries --------------------------------------------------------------

def add_data(world: World, size: int) -> None:
    """More of everything the pages count: counties, departments and categories (rows of
    the tables), issues in several months and states, overdue ones, held sessions."""
    today = timezone.localdate()
    for n in range(size):
        county = RegionFactory()
        department = DepartmentFactory(region=world.city)
        category = CategoryFactory(default_department=department)
        enterprise = EnterpriseFactory(region=county if n % 2 else world.wuxing)
        for month, status in ((7, S.CLOSED), (8, S.IN_PROGRESS), (11, S.DISPATCHED)):
            submitted = at(date(2026, month, 3), 10)
            issue = IssueFactory(enterprise=enterprise, category=category,
                                 submitted_at=submitted, status=status,
                                 lead_department=department, dispatched_at=submitted,
                                 accept_due_on=submitted.date() + timedelta(days=1),
                                 due_on=today - timedelta(days=n + 1),
                                 latest_rating="satisfied" if status == S.CLOSED else "",
                                 resolved_at=(submitted + timedelta(days=3)
                                              if status == S.CLOSED else None),
                                 escalation=Issue.Escalation.BULLETIN)
            AssistingDepartmentFactory(issue=issue, department=world.market)
        session = TalkSessionFactory(
            region=county, status=TalkSession.Status.HELD,
            edition=EditionFactory(week_start=date(2025, 1, 6) + timedelta(weeks=n)))
        AttendanceFactory(session=session, entrepreneur=local_entrepreneur(county),
                          status=Attendance.Status.ATTENDED, checked_in_at=session.starts_at)


def queries_for(client, url: str, query=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, query or {})
    assert response.status_code == 200, url
    return len(queries)


#: Queries per page, the request's own included (session, user, role groups, official,
#: the inbox badge); measured with the hand-made world and with twelve more of everything,
#: which must give the same number. A county's coordinator runs fewer (no county table).
#: The bulletin reads the programme's first month (two queries) to refuse a month before it.
EXPECTED_QUERIES = {
    ("leader", "index"): 18, ("leader", "index-filtered"): 16, ("leader", "ranking"): 13,
    ("leader", "overdue"): 13, ("leader", "bulletin"): 30,
    ("anji_coordinator", "index"): 17, ("anji_coordinator", "index-filtered"): 15,
    ("anji_coordinator", "ranking"): 12, ("anji_coordinator", "overdue"): 11,
    ("anji_coordinator", "bulletin"): 27,
}
PAGES = {
    "index": (INDEX_URL, {}),
    "index-filtered": (INDEX_URL, {"from": "2026-01", "to": "2026-12", "category": "land"}),
    "ranking": (RANKING_URL, {}),
    "overdue": (OVERDUE_URL, {}),
    "bulletin": (BULLETIN_URL, {"month": "2026-10"}),
}


@pytest.mark.parametrize(("who", "name"), sorted(EXPECTED_QUERIES),
                         ids=[f"{who}-{name}" for who, name in sorted(EXPECTED_QUERIES)])
def test_each_page_runs_a_fixed_number_of_queries(client, world, who, name):
    url, query = PAGES[name]
    if "category" in query:
        query = {**query, "category": world.land.pk}
    log_in(client, world, who)
    small = queries_for(client, url, query)
    add_data(world, 12)
    large = queries_for(client, url, query)
    assert (small, large) == (EXPECTED_QUERIES[who, name],) * 2


def test_the_public_page_runs_a_fixed_number_of_queries(client, world):
    small = queries_for(client, PUBLIC_URL)
    add_data(world, 12)
    large = queries_for(client, PUBLIC_URL)
    # Only the headline figures (``headline_figures``): held sessions, attendances and
    # distinct entrepreneurs from their rollups, the issue rollups' sums, overdue issues.
    assert small == large == 5


def test_the_figures_follow_more_data(client, world):
    """The counting does not stop at the hand-made world: twelve more of everything."""
    add_data(world, 12)
    page = text_of(log_in(client, world, "leader").get(INDEX_URL))
    assert figure(page, "collected") == str(5 + 36)
    assert figure(page, "overdue") == str(1 + 24)  # in progress and dispatched, past due
    assert figure(page, "sessions") == str(2 + 12)


def test_the_city_chosen_as_the_region_is_the_whole_city(client, world):
    page = text_of(log_in(client, world, "leader").get(INDEX_URL, {"region": world.city.pk}))
    assert figure(page, "collected") == "5"


def test_the_ranking_of_one_county_leaves_out_the_other_countys_departments(client, world):
    client = log_in(client, world, "leader")
    everywhere = [row["name"] for row in ranking_rows(text_of(client.get(RANKING_URL)),
                                                      "department-ranking")]
    wuxing = [row["name"] for row in ranking_rows(
        text_of(client.get(RANKING_URL, {"region": world.wuxing.pk})), "department-ranking")]
    anji_office = "Anji United Front Department"
    assert anji_office in everywhere
    assert anji_office not in wuxing
    assert "Economy Bureau" in wuxing
