"""The issue screens of the officials' work: the work queues, the supervision page, and the
ways in (the home pages and the person's page)."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from issues import workflow
from issues.models import ExtensionRequest, IssueEvent
from sessions.models import TalkSession
from tests.factories import (
    DepartmentFactory,
    EditionFactory,
    EnterpriseFactory,
    IssueFactory,
    TalkSessionFactory,
)
from tests.helpers import fresh
from tests.issues.screens import (
    LIST_URL,
    NEW_URL,
    SUPERVISION_URL,
    E,
    S,
    accepted,
    detail_url,
    page_of,
    submitted,
)
from tests.worlds import issue_screens_world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def world():
    """``tests.worlds.issue_screens_world``: Wuxing and Anji, one person per part."""
    return issue_screens_world()


# --- Work queues ------------------------------------------------------------------------


def queue_counts(page: str) -> dict:
    return {key: int(count) for key, count in re.findall(
        r'data-queue="(\w+)">\s*[^<]*<span[^>]*data-testid="queue-count">(\d+)<', page)}


def listed_references(page: str) -> list[str]:
    """References in the order of the table (from md up)."""
    table = page[page.index('data-testid="issue-table"'):]
    return re.findall(r'<td class="text-nowrap"><a href="/issues/(HZ-[0-9-]+)/">', table)


@pytest.fixture
def queues(world):
    """Issues of Wuxing in the queues: two submitted and one returned (to dispatch), one
    under supervision with a request for more time, one overdue, one new for the Economy
    Bureau and one due soon."""
    today = timezone.localdate()
    now = timezone.now()
    economy = world.departments["economy"]

    def issue(**kwargs):
        return IssueFactory(enterprise=world.person.enterprise, entrepreneur=world.person,
                            category=world.category, **kwargs)

    made = {
        "old_submitted": issue(status=S.SUBMITTED, submitted_at=now - timedelta(days=5)),
        "new_submitted": issue(status=S.SUBMITTED, submitted_at=now - timedelta(days=1)),
        "returned": issue(status=S.RETURNED, submitted_at=now - timedelta(days=3)),
        "supervised": issue(status=S.IN_PROGRESS, lead_department=economy,
                            escalation=E.SUPERVISED, due_on=today + timedelta(days=20)),
        "overdue": issue(status=S.ACCEPTED, lead_department=economy,
                         due_on=today - timedelta(days=4)),
        "new": issue(status=S.DISPATCHED, lead_department=economy,
                     due_on=today + timedelta(days=15)),
        "due_soon": issue(status=S.IN_PROGRESS, lead_department=economy,
                          due_on=today + timedelta(days=1)),
    }
    ExtensionRequest.objects.create(issue=made["supervised"], round=1, days=3, reason="会商",
                                    requested_by=world.users["handler"])
    return made


def test_the_coordinators_tabs_count_each_queue(client, world, queues):
    page = page_of(client, world.users["coordinator"], LIST_URL).content.decode()
    assert queue_counts(page) == {
        "to_dispatch": 3, "returned": 1, "extension_requests": 1, "review": 0,
        "supervised": 1, "overdue": 1,
    }
    page = client.get(LIST_URL, {"queue": "to_dispatch"}).content.decode()
    order = [queues[key].reference for key in ("old_submitted", "returned", "new_submitted")]
    assert listed_references(page) == order  # oldest first
    page = client.get(LIST_URL, {"queue": "extension_requests"}).content.decode()
    assert listed_references(page) == [queues["supervised"].reference]
    assert "Under supervision (督办)" in page


def test_the_coordinators_decision_queue_lists_the_issues_awaiting_it(client, world, queues):
    review = IssueFactory(enterprise=world.person.enterprise, entrepreneur=world.person,
                          status=S.REVIEW, lead_department=world.departments["economy"])
    page = page_of(client, world.users["coordinator"], LIST_URL).content.decode()
    assert queue_counts(page)["review"] == 1
    page = client.get(LIST_URL, {"queue": "review"}).content.decode()
    assert listed_references(page) == [review.reference]


def test_the_departments_tabs_count_its_queues(client, world, queues):
    page = page_of(client, world.users["handler"], LIST_URL).content.decode()
    assert queue_counts(page) == {"new": 1, "due_soon": 1, "overdue": 1, "in_progress": 3}
    page = client.get(LIST_URL, {"queue": "in_progress"}).content.decode()
    order = [queues[key].reference for key in ("overdue", "due_soon", "supervised")]
    assert listed_references(page) == order  # soonest due first
    # Another queue name is ignored: the whole list.
    page = client.get(LIST_URL, {"queue": "to_dispatch"}).content.decode()
    assert len(listed_references(page)) == 4


def test_entrepreneurs_have_no_queues_but_a_button_to_raise_an_issue(client, world, queues):
    page = page_of(client, world.users["entrepreneur"], LIST_URL).content.decode()
    assert 'data-testid="queue-tabs"' not in page
    assert f'href="{NEW_URL}"' in page


def count_queries(client, url, data=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, data or {})
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(("role", "queue"), [("coordinator", "to_dispatch"),
                                             ("handler", "overdue"), ("admin", "supervised")])
def test_a_queue_runs_a_fixed_number_of_queries(client, world, role, queue):
    today = timezone.localdate()

    def add(count):
        for _ in range(count):
            IssueFactory(enterprise=world.person.enterprise, entrepreneur=world.person,
                         category=world.category, lead_department=world.departments["economy"],
                         status={"to_dispatch": S.SUBMITTED}.get(queue, S.IN_PROGRESS),
                         escalation=E.BULLETIN, due_on=today - timedelta(days=7))

    client.force_login(world.users[role])
    add(3)
    small = count_queries(client, LIST_URL, {"queue": queue})
    add(37)
    large = count_queries(client, LIST_URL, {"queue": queue})
    page = client.get(LIST_URL, {"queue": queue}).content.decode()
    assert small == large
    assert len(listed_references(page)) == 25 and "40 issues" in page


# --- Supervision ------------------------------------------------------------------------


@pytest.fixture
def supervised(world):
    today = timezone.localdate()
    economy, planning = world.departments["economy"], world.departments["planning"]

    def issue(department, escalation, late_days, **kwargs):
        return IssueFactory(enterprise=world.person.enterprise, entrepreneur=world.person,
                            category=world.category, lead_department=department,
                            status=kwargs.pop("status", S.IN_PROGRESS), escalation=escalation,
                            due_on=today - timedelta(days=late_days), **kwargs)

    return {
        "worst": issue(economy, E.BULLETIN, 30, title="最久的问题"),
        "bulletin": issue(economy, E.BULLETIN, 14, title="公告中的问题"),
        "planning": issue(planning, E.BULLETIN, 10, title="规划局的问题"),
        "supervised": issue(planning, E.SUPERVISED, 5, title="督办中的问题"),
        "reminded": issue(planning, E.REMINDED, 2, title="仅催办的问题"),
        "closed": issue(economy, E.BULLETIN, 40, status=S.CLOSED, title="已关闭的问题"),
        "elsewhere": IssueFactory(region=world.other_county, status=S.IN_PROGRESS,
                                  enterprise=EnterpriseFactory(region=world.other_county),
                                  escalation=E.BULLETIN, due_on=today - timedelta(days=9),
                                  title="安吉的问题"),
    }


def test_the_supervision_page_lists_the_most_overdue_first_and_the_bulletin(
    client, world, supervised
):
    response = page_of(client, world.users["coordinator"], SUPERVISION_URL)
    assert response.status_code == 200
    page = response.content.decode()
    table = page[page.index('data-testid="supervised-table"'):page.index('data-testid="bulletin"')]
    expected = [supervised[key].reference for key in ("worst", "bulletin", "planning",
                                                      "supervised")]
    assert re.findall(r'data-reference="(HZ-[0-9-]+)"', table) == expected
    for key in ("reminded", "closed", "elsewhere"):
        assert supervised[key].reference not in page
    assert "Economy Bureau" in table and "Planning Bureau" in table
    days_late = [int(days) for days in re.findall(r'data-testid="days-late">(\d+)<', table)]
    assert days_late == sorted(days_late, reverse=True) and days_late[0] > days_late[-1] > 0

    bulletin = page[page.index('data-testid="bulletin"'):]
    groups = re.findall(r'data-testid="bulletin-department">([^<]+)</td>\s*<td[^>]*>'
                        r'<span class="badge text-bg-danger" data-testid="bulletin-count">'
                        r'(\d+)<', bulletin)
    assert groups == [("Economy Bureau", "2"), ("Planning Bureau", "1")]

    # Only the bulletin's issues, still most overdue first.
    page = page_of(client, world.users["coordinator"],
                   SUPERVISION_URL + "?bulletin=1").content.decode()
    table = page[page.index('data-testid="supervised-table"'):page.index('data-testid="bulletin"')]
    listed = re.findall(r'data-reference="(HZ-[0-9-]+)"', table)
    assert listed == [supervised[key].reference for key in ("worst", "bulletin", "planning")]


def test_the_supervision_list_pages_fifty_at_a_time(client, world, supervised):
    today = timezone.localdate()
    for index in range(60):
        IssueFactory(enterprise=world.person.enterprise, entrepreneur=world.person,
                     lead_department=world.departments["economy"], status=S.ACCEPTED,
                     escalation=E.SUPERVISED, due_on=today - timedelta(days=index % 20 + 1))
    first = page_of(client, world.users["coordinator"], SUPERVISION_URL).content.decode()
    second = page_of(client, world.users["coordinator"],
                     SUPERVISION_URL + "?page=2").content.decode()
    rows = [re.findall(r'data-reference="(HZ-[0-9-]+)"', page) for page in (first, second)]
    assert len(rows[0]) == 50 and len(rows[1]) == 64 - 50
    assert not set(rows[0]) & set(rows[1])


@pytest.mark.parametrize(("role", "status"), [
    ("coordinator", 200), ("leader", 200), ("admin", 200),
    ("handler", 403), ("lead", 403), ("entrepreneur", 403),
])
def test_the_supervision_page_is_for_coordinators_leaders_and_administrators(
    client, world, role, status
):
    response = page_of(client, world.users[role], SUPERVISION_URL)
    assert response.status_code == status
    if status == 403:
        assert "Only coordinators, leaders and administrators" in response.content.decode()


@pytest.mark.parametrize("role", ["coordinator", "leader", "admin"])
def test_the_supervision_page_runs_a_fixed_number_of_queries(client, world, supervised, role):
    client.force_login(world.users[role])
    small = count_queries(client, SUPERVISION_URL)
    for index in range(30):
        IssueFactory(enterprise=world.person.enterprise, entrepreneur=world.person,
                     lead_department=DepartmentFactory(), status=S.ACCEPTED,
                     escalation=E.BULLETIN if index % 2 else E.SUPERVISED,
                     due_on=timezone.localdate() - timedelta(days=index + 3))
    assert count_queries(client, SUPERVISION_URL) == small


# --- Ways in: the home pages and the person's page -----------------------------------------


def test_the_home_pages_lead_to_the_screens(client, world):
    entrepreneur_home = page_of(client, world.users["entrepreneur"], "/").content.decode()
    assert f'href="{NEW_URL}"' in entrepreneur_home
    pending_home = page_of(client, world.pending.user, "/").content.decode()
    assert f'href="{NEW_URL}"' not in pending_home
    department_home = page_of(client, world.users["handler"], "/").content.decode()
    assert f'href="{LIST_URL}?queue=overdue"' in department_home
    coordinator_home = page_of(client, world.users["coordinator"], "/").content.decode()
    assert f'href="{LIST_URL}?queue=to_dispatch"' in coordinator_home
    assert f'href="{SUPERVISION_URL}"' in coordinator_home


def test_the_persons_page_offers_coordinators_to_record_an_issue(client, world):
    url = reverse("entrepreneurs:detail", args=[world.person.pk])
    link = f'href="{NEW_URL}?entrepreneur={world.person.pk}"'
    assert link in page_of(client, world.users["coordinator"], url).content.decode()
    assert link not in page_of(client, world.users["leader"], url).content.decode()


def test_sessions_offered_are_limited_to_fifty(client, world):
    now = timezone.now()
    for index in range(55):
        TalkSessionFactory(region=world.county, edition=EditionFactory(),
                           starts_at=now - timedelta(hours=index + 1),
                           ends_at=now - timedelta(hours=index))
    page = page_of(client, world.users["coordinator"],
                   f"{NEW_URL}?entrepreneur={world.person.pk}").content.decode()
    select = page[page.index('name="session"'):]
    select = select[:select.index("</select>")]
    assert select.count("<option") == 51  # "not raised at a session" and the 50 latest
    assert TalkSession.objects.count() == 55


@pytest.mark.parametrize("role", ["coordinator", "handler"])
def test_the_issue_page_with_its_forms_runs_a_fixed_number_of_queries(client, world, role):
    """A coordinator's page of a submitted issue (the dispatch form lists the departments)
    and a handler's of an accepted one with a request for more time."""
    issue = submitted(world) if role == "coordinator" else accepted(world)
    if role == "handler":
        workflow.issue_request_extension(actor=world.users["handler"], issue=issue,
                                         version=fresh(issue).version, days=3, reason="会商")
    client.force_login(world.users[role])
    small = count_queries(client, detail_url(issue))
    for index in range(30):
        DepartmentFactory()
        IssueEvent.objects.create(issue=issue, kind=IssueEvent.Kind.PROGRESS,
                                  actor=world.users["handler"], message=f"进展 {index}")
    large = count_queries(client, detail_url(issue))
    assert small == large


def test_a_leader_follows_supervision_and_overdue_queues_only(client, world, queues):
    page = page_of(client, world.users["leader"], LIST_URL).content.decode()
    assert queue_counts(page) == {"supervised": 1, "overdue": 1}
    assert f'href="{SUPERVISION_URL}"' in page
    assert 'data-testid="action-' not in page_of(
        client, world.users["leader"], detail_url(queues["supervised"])).content.decode()
