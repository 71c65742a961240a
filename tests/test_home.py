"""Each role's home page: what it shows, and a fixed number of queries whatever the data size."""

from datetime import datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dashboard import rollups
from demo.seed import seed_demo_accounts, seed_reference_data
from entrepreneurs.models import Entrepreneur
from government.models import Department
from issues.models import Category, Issue
from sessions.models import TalkSession
from tests.factories import (
    AttendanceFactory,
    EditionFactory,
    IssueFactory,
    TalkSessionFactory,
)

pytestmark = pytest.mark.django_db

S = Issue.Status
#: Queries per home page, counting the session, user and role-group look-ups of a
#: signed-in request and the inbox badge's count of unread messages. The coordinator's
#: includes their permissions (two queries) and the count of sign-ups waiting for verification.
#: The anonymous, leader and administrator pages show the headline figures, which
#: ``dashboard.selectors.headline_figures`` counts in five queries (held sessions,
#: attendances and distinct entrepreneurs from their rollups, the issue rollups' sums,
#: overdue issues).
EXPECTED_QUERIES = {
    "anonymous": 5, "entrepreneur": 9, "handler": 9, "coordinator": 13, "leader": 12, "admin": 9,
}


@pytest.fixture
def users():
    seed_reference_data()
    return {**seed_demo_accounts(), "anonymous": None}


def add_work(count: int) -> None:
    """``count`` issues in every state for the demo handler's department and the demo
    entrepreneur's enterprise, and ``count`` upcoming sessions they registered for."""
    person = Entrepreneur.objects.select_related("enterprise__region").get(
        user__username="entrepreneur")
    department = Department.objects.get(code="huzhou-jxj")
    category = Category.objects.get(code="government-service")
    today = timezone.localdate()
    next_monday = today + timedelta(days=7 - today.weekday())
    start = TalkSession.objects.count()
    for index in range(count):
        for status in (S.SUBMITTED, S.DISPATCHED, S.RETURNED, S.ACCEPTED, S.IN_PROGRESS,
                       S.RESOLVED, S.CLOSED):
            IssueFactory(enterprise=person.enterprise, entrepreneur=person, category=category,
                         region=person.enterprise.region, lead_department=department,
                         status=status, due_on=today + timedelta(days=index - 2))
        edition = EditionFactory(week_start=next_monday + timedelta(weeks=start + index))
        session = TalkSessionFactory(edition=edition, region=person.enterprise.region,
                                     status=TalkSession.Status.OPEN)
        AttendanceFactory(session=session, entrepreneur=person)


def home_queries(client, user) -> tuple[int, str]:
    if user is not None:
        client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/")
    assert response.status_code == 200
    return len(queries), response.content.decode()


@pytest.mark.parametrize("role", list(EXPECTED_QUERIES))
def test_home_page_runs_a_fixed_number_of_queries(client, users, role):
    add_work(1)
    small, _ = home_queries(client, users[role])
    add_work(12)
    large, _ = home_queries(client, users[role])
    assert small == large == EXPECTED_QUERIES[role]


def test_the_handler_sees_the_departments_issues_and_not_others(client, users):
    add_work(1)
    ours = Issue.objects.filter(status=S.IN_PROGRESS).first()
    theirs = IssueFactory(status=S.IN_PROGRESS, due_on=timezone.localdate(),
                          lead_department=Department.objects.get(code="huzhou-kjj"))
    _, page = home_queries(client, users["handler"])
    assert ours.reference in page
    assert theirs.reference not in page


def test_the_entrepreneur_sees_their_enterprises_issues_and_sessions_only(client, users):
    add_work(1)
    ours = Issue.objects.filter(entrepreneur__user__username="entrepreneur").first()
    theirs = IssueFactory(title="别家企业的问题")
    _, page = home_queries(client, users["entrepreneur"])
    assert ours.title in page
    assert theirs.title not in page


def test_the_public_page_shows_the_headline_figures_without_names(client, users):
    add_work(2)
    # Written outside the workflow (no domain signal): the recount puts the rollups right.
    for status, rating in ((S.CLOSED, "satisfied"), (S.RESOLVED, "dissatisfied")):
        Issue.objects.filter(status=status).update(latest_rating=rating)
    rollups.rebuild()
    _, page = home_queries(client, None)
    assert "50.00%" in page  # 2 satisfied of 4 rated
    assert Issue.objects.first().title not in page
    assert "钱振华" not in page


def test_on_the_day_the_coordinator_reaches_the_check_in_list_from_home(client, users):
    """Wednesday from a phone: today's session carries its check-in list on the home page;
    a later one does not."""
    region = Entrepreneur.objects.get(user__username="entrepreneur").enterprise.region
    now = timezone.localtime()
    noon = timezone.make_aware(datetime.combine(now.date(), time(12)))
    today = TalkSessionFactory(
        region=region, status=TalkSession.Status.OPEN, starts_at=noon,
        ends_at=noon + timedelta(hours=2),
        edition=EditionFactory(week_start=now.date() - timedelta(days=now.weekday())))
    later = TalkSessionFactory(region=region, status=TalkSession.Status.OPEN,
                               starts_at=now + timedelta(days=8),
                               ends_at=now + timedelta(days=8, hours=2),
                               edition=EditionFactory(week_start=now.date() + timedelta(
                                   days=7 - now.weekday())))
    _, page = home_queries(client, users["coordinator"])
    assert f'href="/sessions/{today.pk}/check-in/" data-testid="today-check-in"' in page
    assert f"/sessions/{later.pk}/check-in/" not in page
