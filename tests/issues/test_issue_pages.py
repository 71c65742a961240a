"""The issue list and the issue page: who sees which issue, what each sees on it, and a
fixed number of queries whatever the amount of data."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from entrepreneurs.models import Entrepreneur
from government.models import Official
from issues.models import Issue, IssueEvent, SatisfactionRating
from issues.selectors import ISSUE_PAGE_SIZE
from tests.factories import (
    AttachmentFactory,
    CategoryFactory,
    CityFactory,
    DepartmentFactory,
    EnterpriseFactory,
    EntrepreneurFactory,
    IssueEventFactory,
    IssueFactory,
    OfficialFactory,
    RegionFactory,
    SatisfactionRatingFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

S = Issue.Status
LIST_URL = reverse("issues:list")
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


def detail_url(issue: Issue) -> str:
    return reverse("issues:detail", args=[issue.reference])


def official(role, department, name=None):
    kwargs = {"name": name} if name else {}
    return OfficialFactory(role=role, department=department, **kwargs).user


@pytest.fixture
def world():
    """Two counties; enterprises A and B in county A, C in county B; departments X (leads
    issue A), Z (assists it) and Y (leads the issues of B and C); one person per role."""
    city = CityFactory()
    county_a, county_b = RegionFactory(name_en="Wuxing"), RegionFactory(name_en="Nanxun")
    city_department = DepartmentFactory(region=city)
    x = DepartmentFactory(region=county_a, name_en="Economy Bureau")
    y = DepartmentFactory(region=county_a, name_en="Planning Bureau")
    z = DepartmentFactory(region=county_a, name_en="Tax Bureau")
    enterprise_a = EnterpriseFactory(region=county_a, name="甲企业")
    enterprise_b = EnterpriseFactory(region=county_a, name="乙企业")
    enterprise_c = EnterpriseFactory(region=county_b, name="丙企业")
    person_a = EntrepreneurFactory(with_user=True, enterprise=enterprise_a, name="张甲",
                                   mobile="13812345678", email="zhangjia@example.com")
    person_b = EntrepreneurFactory(with_user=True, enterprise=enterprise_b, name="李乙")
    person_c = EntrepreneurFactory(enterprise=enterprise_c)
    today = timezone.localdate()
    issue_a = IssueFactory(
        enterprise=enterprise_a, entrepreneur=person_a, title="扩建用地指标",
        description="厂房扩建需要新增用地指标。", status=S.IN_PROGRESS, lead_department=x,
        due_on=today + timedelta(days=10),
    )
    issue_a.assistances.create(department=z)
    issue_b = IssueFactory(enterprise=enterprise_b, entrepreneur=person_b, status=S.DISPATCHED,
                           lead_department=y, title="乙的融资问题")
    issue_c = IssueFactory(enterprise=enterprise_c, entrepreneur=person_c, status=S.SUBMITTED,
                           lead_department=y, title="丙的人才问题")
    handler_x = official(Official.Role.HANDLER, x, name="王经办")
    users = {
        "entrepreneur_a": person_a.user,
        "entrepreneur_b": person_b.user,
        "handler_x": handler_x,
        "lead_x": official(Official.Role.DEPARTMENT_LEAD, x),
        "handler_z": official(Official.Role.HANDLER, z),
        "handler_y": official(Official.Role.HANDLER, y),
        "coordinator_a": official(Official.Role.COORDINATOR, DepartmentFactory(region=county_a)),
        "coordinator_b": official(Official.Role.COORDINATOR, DepartmentFactory(region=county_b)),
        "city_coordinator": official(Official.Role.COORDINATOR, city_department),
        "leader": official(Official.Role.LEADER, city_department),
        "admin": UserFactory(is_superuser=True, is_staff=True),
        "no_role": UserFactory(),
        "anonymous": None,
    }
    return {
        "users": users, "issues": {"a": issue_a, "b": issue_b, "c": issue_c},
        "departments": {"x": x, "y": y, "z": z}, "regions": {"a": county_a, "b": county_b},
        "people": {"a": person_a, "b": person_b}, "enterprises": {"a": enterprise_a},
    }


def get(client, user, url, **extra):
    if user is not None:
        client.force_login(user)
    return client.get(url, **{**ENGLISH, **extra})


def listed(page: str, world) -> set[str]:
    return {key for key, issue in world["issues"].items() if detail_url(issue) in page}


# --- Who sees which issue ---------------------------------------------------------------

#: role → (the issues the list shows, the answer the page of issue A gives)
SCOPES = {
    "entrepreneur_a": ({"a"}, 200),
    "entrepreneur_b": ({"b"}, 404),
    "handler_x": ({"a"}, 200),
    "lead_x": ({"a"}, 200),
    "handler_z": ({"a"}, 200),
    "handler_y": ({"b", "c"}, 404),
    "coordinator_a": ({"a", "b"}, 200),
    "coordinator_b": ({"c"}, 404),
    "city_coordinator": ({"a", "b", "c"}, 200),
    "leader": ({"a", "b", "c"}, 200),
    "admin": ({"a", "b", "c"}, 200),
    "no_role": (set(), 404),
}


@pytest.mark.parametrize("role", list(SCOPES))
def test_each_role_lists_the_issues_in_its_scope_and_opens_only_those(client, world, role):
    expected_list, expected_status = SCOPES[role]
    user = world["users"][role]
    response = get(client, user, LIST_URL)
    assert response.status_code == 200
    assert listed(response.content.decode(), world) == expected_list
    response = client.get(detail_url(world["issues"]["a"]), **ENGLISH)
    assert response.status_code == expected_status
    for key in {"a", "b", "c"} - expected_list:
        assert client.get(detail_url(world["issues"][key])).status_code == 404


def test_an_issue_out_of_scope_answers_with_the_sites_not_found_page(client, world):
    response = get(client, world["users"]["entrepreneur_b"], detail_url(world["issues"]["a"]))
    assert response.status_code == 404
    page = response.content.decode()
    assert "Page not found" in page
    assert "扩建用地指标" not in page
    assert client.get("/issues/HZ-2026-999999/", **ENGLISH).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, world):
    for url in (LIST_URL, detail_url(world["issues"]["a"])):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url == f"{reverse('login')}?next={url}"


def test_a_user_without_a_role_sees_an_empty_list_with_an_explanation(client, world):
    response = get(client, world["users"]["no_role"], LIST_URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="no-scope"' in page
    assert "not yet linked to an enterprise or a government department" in page


def test_an_unverified_entrepreneur_sees_only_the_issues_they_submitted(client, world):
    newcomer = EntrepreneurFactory(
        with_user=True, enterprise=world["enterprises"]["a"],
        verification=Entrepreneur.Verification.PENDING,
    )
    own = IssueFactory(enterprise=newcomer.enterprise, entrepreneur=newcomer, title="新人的问题")
    response = get(client, newcomer.user, LIST_URL)
    page = response.content.decode()
    assert detail_url(own) in page
    assert listed(page, world) == set()
    assert "Issues you submitted" in page
    assert client.get(detail_url(own)).status_code == 200
    assert client.get(detail_url(world["issues"]["a"])).status_code == 404


# --- What the list shows ----------------------------------------------------------------


def test_the_entrepreneur_sees_their_enterprises_issues_in_plain_words(client, world):
    page = get(client, world["users"]["entrepreneur_a"], LIST_URL).content.decode()
    assert "Your enterprise's issues" in page
    assert "Being handled by a department" in page
    assert ">In progress<" not in page
    assert "甲企业" in page  # their own enterprise, named under the heading
    assert "Economy Bureau" in page  # the lead department


def test_officials_see_the_exact_status_and_the_enterprise(client, world):
    page = get(client, world["users"]["coordinator_a"], LIST_URL).content.decode()
    assert ">In progress<" in page
    assert "Being handled by a department" not in page
    assert "甲企业" in page and "乙企业" in page


def test_a_department_sees_whether_it_leads_or_assists(client, world):
    lead_page = get(client, world["users"]["handler_x"], LIST_URL).content.decode()
    assist_page = get(client, world["users"]["handler_z"], LIST_URL).content.decode()
    assert ">Lead<" in lead_page and ">Assisting<" not in lead_page
    assert ">Assisting<" in assist_page and ">Lead<" not in assist_page


def test_due_dates_carry_overdue_and_due_soon_badges(client, world):
    today = timezone.localdate()
    x = world["departments"]["x"]
    IssueFactory(lead_department=x, status=S.ACCEPTED, due_on=today - timedelta(days=1))
    IssueFactory(lead_department=x, status=S.ACCEPTED, due_on=today + timedelta(days=2))
    # Answered already: no longer overdue, whatever the date said.
    IssueFactory(lead_department=x, status=S.RESOLVED, due_on=today - timedelta(days=5))
    page = get(client, world["users"]["handler_x"], LIST_URL).content.decode()
    # Each badge appears once in the cards and once in the table.
    assert page.count('data-testid="overdue"') == 2
    assert page.count('data-testid="due-soon"') == 2


# --- Filters, search, sorting, pages ----------------------------------------------------


def test_officials_filter_by_exact_status_category_and_region(client, world):
    coordinator = world["users"]["city_coordinator"]
    page = get(client, coordinator, LIST_URL, data={"status": S.DISPATCHED}).content.decode()
    assert listed(page, world) == {"b"}
    category = world["issues"]["c"].category
    page = get(client, coordinator, LIST_URL, data={"category": category.pk}).content.decode()
    assert listed(page, world) == {"c"}
    region = world["regions"]["b"]
    page = get(client, coordinator, LIST_URL, data={"region": region.pk}).content.decode()
    assert listed(page, world) == {"c"}


def test_the_region_filter_is_offered_only_with_several_regions_in_scope(client, world):
    city_page = get(client, world["users"]["city_coordinator"], LIST_URL).content.decode()
    county_page = get(client, world["users"]["coordinator_a"], LIST_URL).content.decode()
    entrepreneur_page = get(client, world["users"]["entrepreneur_a"], LIST_URL).content.decode()
    assert 'name="region"' in city_page
    assert 'name="region"' not in county_page
    assert 'name="region"' not in entrepreneur_page


def test_entrepreneurs_filter_by_plain_words_status(client, world):
    person = world["people"]["a"]
    closed = IssueFactory(enterprise=person.enterprise, entrepreneur=person, status=S.CLOSED)
    user = world["users"]["entrepreneur_a"]
    page = get(client, user, LIST_URL, data={"status": "closed"}).content.decode()
    assert detail_url(closed) in page
    assert listed(page, world) == set()
    page = get(client, user, LIST_URL, data={"status": "handling"}).content.decode()
    assert detail_url(closed) not in page
    assert listed(page, world) == {"a"}
    # An official's exact status means nothing here: a clear message, no filter applied.
    response = get(client, user, LIST_URL, data={"status": S.IN_PROGRESS})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_the_overdue_toggle_keeps_only_overdue_issues(client, world):
    late = IssueFactory(lead_department=world["departments"]["x"], status=S.IN_PROGRESS,
                        due_on=timezone.localdate() - timedelta(days=3))
    page = get(client, world["users"]["admin"], LIST_URL, data={"overdue": "on"}).content.decode()
    assert detail_url(late) in page
    assert listed(page, world) == set()


def test_search_finds_an_issue_by_reference_or_title(client, world):
    user = world["users"]["admin"]
    issue_b = world["issues"]["b"]
    page = get(client, user, LIST_URL, data={"search": issue_b.reference}).content.decode()
    assert listed(page, world) == {"b"}
    page = get(client, user, LIST_URL, data={"search": "用地"}).content.decode()
    assert listed(page, world) == {"a"}
    page = get(client, user, LIST_URL, data={"search": "no such thing"}).content.decode()
    assert listed(page, world) == set()
    assert "No issue matches these filters." in page


def test_a_whole_reference_typed_in_any_case_finds_just_that_issue(client, world):
    user = world["users"]["admin"]
    issue_b = world["issues"]["b"]
    typed = f"  {issue_b.reference.lower()} "
    page = get(client, user, LIST_URL, data={"search": typed}).content.decode()
    assert listed(page, world) == {"b"}
    # A partial reference still searches: the year finds every issue of that year.
    page = get(client, user, LIST_URL, data={"search": issue_b.reference[:7]}).content.decode()
    assert "b" in listed(page, world)


def test_the_list_is_newest_first_and_officials_may_sort_by_due_date(client, world):
    today = timezone.localdate()
    x = world["departments"]["x"]
    now = timezone.now()
    later = IssueFactory(lead_department=x, due_on=today + timedelta(days=20),
                         submitted_at=now - timedelta(days=1))
    sooner = IssueFactory(lead_department=x, due_on=today + timedelta(days=1),
                          submitted_at=now - timedelta(days=5))
    undated = IssueFactory(lead_department=x, due_on=None, submitted_at=now)
    user = world["users"]["handler_x"]

    def order(page):
        return sorted((later, sooner, undated), key=lambda i: page.index(detail_url(i)))

    assert order(get(client, user, LIST_URL).content.decode()) == [undated, later, sooner]
    page = get(client, user, LIST_URL, data={"sort": "due"}).content.decode()
    assert order(page) == [sooner, later, undated]  # no due date comes last


def test_pages_of_25_keep_the_filters_in_their_links(client, world):
    category = CategoryFactory()
    x = world["departments"]["x"]
    issues = [IssueFactory(lead_department=x, category=category, status=S.ACCEPTED)
              for _ in range(ISSUE_PAGE_SIZE + 5)]
    IssueFactory(lead_department=x, status=S.ACCEPTED)  # another category: filtered out
    user = world["users"]["handler_x"]
    query = {"category": category.pk, "status": S.ACCEPTED}
    first = get(client, user, LIST_URL, data=query).content.decode()
    assert sum(detail_url(issue) in first for issue in issues) == ISSUE_PAGE_SIZE
    assert f"?category={category.pk}&amp;status=accepted&amp;page=2" in first
    second = get(client, user, LIST_URL, data={**query, "page": 2}).content.decode()
    assert sum(detail_url(issue) in second for issue in issues) == 5
    assert "30 issues" in second
    # A page number out of range shows the last page rather than an error.
    assert get(client, user, LIST_URL, data={**query, "page": 99}).status_code == 200


#: Queries of the list page: session, user, the person's records (Official, with its
#: department and region; for others the missing Official and the Entrepreneur),
#: categories, regions (when several are in scope), one capped count per work queue
#: (officials: a department 4, a coordinator or administrator 6, a leader 2), the count,
#: the page, the inbox's unread count and the role groups (navigation; the groups not for
#: a superuser).
LIST_QUERIES = {
    "entrepreneur_a": 9, "handler_x": 14, "coordinator_a": 16, "city_coordinator": 17,
    "leader": 13, "admin": 13,
}


def add_issues(world, count: int) -> None:
    """``count`` overdue issues of enterprise A led by X, each with its own category."""
    person = world["people"]["a"]
    for _ in range(count):
        IssueFactory(enterprise=person.enterprise, entrepreneur=person,
                     lead_department=world["departments"]["x"], status=S.IN_PROGRESS,
                     due_on=timezone.localdate() - timedelta(days=1))


def count_queries(client, url, **extra) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **{**ENGLISH, **extra})
    assert response.status_code == 200
    return len(queries), response.content.decode()


@pytest.mark.parametrize("role", list(LIST_QUERIES))
def test_the_list_runs_a_fixed_number_of_queries(client, world, role):
    client.force_login(world["users"][role])
    small, _ = count_queries(client, LIST_URL)
    add_issues(world, 57)
    large, page = count_queries(client, LIST_URL)
    filtered, _ = count_queries(client, LIST_URL, data={"search": "HZ", "overdue": "on"})
    assert small == large == filtered == LIST_QUERIES[role]
    assert "page 1 of" in page


# --- What the issue page shows ----------------------------------------------------------


@pytest.fixture
def story(world):
    """Issue A's timeline: submitted, dispatched, an internal note, answered; a rating and
    an attachment."""
    issue = world["issues"]["a"]
    person, handler = world["people"]["a"], world["users"]["handler_x"]
    IssueEventFactory(issue=issue, kind=IssueEvent.Kind.SUBMITTED, actor=person.user,
                      message="请协调用地指标")
    IssueEventFactory(issue=issue, kind=IssueEvent.Kind.DISPATCHED,
                      actor=world["users"]["city_coordinator"], message="交经信局主办")
    IssueEventFactory(issue=issue, kind=IssueEvent.Kind.PROGRESS, actor=handler,
                      is_public=False, message="内部：等待自然资源局回复")
    IssueEventFactory(issue=issue, kind=IssueEvent.Kind.RESOLVED, actor=handler,
                      message="已安排新增用地指标十亩")
    IssueEventFactory(issue=issue, kind=IssueEvent.Kind.REMINDER, actor=None,
                      message="请为答复评价")
    SatisfactionRatingFactory(issue=issue, round=1, value=SatisfactionRating.Value.DISSATISFIED,
                              reason=SatisfactionRating.Reason.HANDLING, comment="指标不够")
    AttachmentFactory(issue=issue, original_name="规划图.pdf", size=2048)
    return issue


def test_the_issue_page_shows_the_issue_its_departments_reply_rating_and_files(
    client, world, story
):
    page = get(client, world["users"]["coordinator_a"], detail_url(story)).content.decode()
    for text in (
        story.reference, "扩建用地指标", "厂房扩建需要新增用地指标。", story.category.name_en,
        "Submitted online", "Economy Bureau", "Tax Bureau", "已安排新增用地指标十亩",
        "Round 1", "Dissatisfied", "指标不够", "规划图.pdf", "application/pdf", "2.0\xa0KB",
        "甲企业", "张甲",
    ):
        assert text in page, text
    assert 'href="/media' not in page  # files are only handed out by the download view
    attachment = story.attachments.get()
    assert reverse("issues:attachment", args=[story.reference, attachment.pk]) in page


def test_the_entrepreneur_sees_plain_status_and_only_the_public_timeline(client, world, story):
    page = get(client, world["users"]["entrepreneur_a"], detail_url(story)).content.decode()
    assert "Being handled by a department" in page
    assert "已安排新增用地指标十亩" in page
    assert "请协调用地指标" in page
    assert "内部：等待自然资源局回复" not in page
    official_page = get(client, world["users"]["handler_x"], detail_url(story)).content.decode()
    assert "内部：等待自然资源局回复" in official_page
    assert ">In progress<" in official_page


def test_the_timeline_names_people_by_their_display_name_never_their_user_name(
    client, world, story
):
    page = get(client, world["users"]["admin"], detail_url(story)).content.decode()
    timeline = page[page.index('data-testid="issue-timeline"'):]
    assert "王经办" in timeline  # the handler's Official name
    assert "张甲" in timeline  # the entrepreneur's name
    assert "The system" in timeline  # the reminder nobody sent by hand
    for user in (world["users"]["handler_x"], world["people"]["a"].user):
        assert user.username not in page
    kinds = [kind for kind in IssueEvent.Kind.values if f'data-kind="{kind}"' in timeline]
    assert sorted(kinds) == sorted(["submitted", "dispatched", "progress", "resolved",
                                    "reminder"])
    assert timeline.index("请协调用地指标") < timeline.index("已安排新增用地指标十亩")


#: role → whether the person's mobile and email show in full on issue A's page.
CONTACTS_SHOWN = {
    "admin": True, "coordinator_a": True, "city_coordinator": True, "handler_x": True,
    "lead_x": True, "handler_z": True, "leader": False, "entrepreneur_a": False,
}


@pytest.mark.parametrize("role", list(CONTACTS_SHOWN))
def test_contact_details_are_masked_unless_the_viewer_handles_the_person(client, world, role):
    page = get(client, world["users"][role], detail_url(world["issues"]["a"])).content.decode()
    contact = page[page.index('data-testid="issue-contact"'):]
    assert "张甲" in contact
    if CONTACTS_SHOWN[role]:
        assert "13812345678" in contact and "zhangjia@example.com" in contact
    else:
        assert "138****5678" in contact and "z***@example.com" in contact
        assert "13812345678" not in page and "zhangjia@example.com" not in page


#: Queries of the issue page: session, user, the person's records (as for the list), the
#: issue, its assisting departments, attachments, ratings and timeline, the pending
#: request for more time (officials), the inbox's unread count and the role groups
#: (navigation; not for a superuser). Issue A is in progress: no action form needs a query.
#: A coordinator's page also reads the user's permissions (two queries), asked whether the
#: session the issue was raised at is one they may open (sessions.selectors).
DETAIL_QUERIES = {"entrepreneur_a": 11, "handler_x": 13, "city_coordinator": 15, "admin": 9}


@pytest.mark.parametrize("role", list(DETAIL_QUERIES))
def test_the_issue_page_runs_a_fixed_number_of_queries(client, world, story, role):
    client.force_login(world["users"][role])
    small, _ = count_queries(client, detail_url(story))
    actors = [world["users"]["handler_x"], world["people"]["a"].user,
              world["users"]["admin"], None]
    for index in range(40):
        IssueEventFactory(issue=story, kind=IssueEvent.Kind.PROGRESS, actor=actors[index % 4],
                          is_public=index % 2 == 0, message=f"进展 {index}")
    for _ in range(5):
        AttachmentFactory(issue=story)
    SatisfactionRatingFactory(issue=story, round=2)
    large, page = count_queries(client, detail_url(story))
    assert small == large == DETAIL_QUERIES[role]
    assert "进展 38" in page


# --- Languages --------------------------------------------------------------------------


def test_the_pages_render_in_english_and_chinese(client, world, story):
    client.force_login(world["users"]["entrepreneur_a"])
    for url in (LIST_URL, detail_url(story)):
        english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        chinese = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        assert 'lang="en"' in english and 'lang="zh-hans"' in chinese
        assert "Being handled by a department" in english
        assert "Being handled by a department" not in chinese
    list_page = client.get(LIST_URL, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "本企业的问题" in list_page


def test_the_session_an_issue_was_raised_at_is_linked_only_for_those_who_may_open_it(
        client, world):
    """A handler whose department did not attend the session is shown its name, no link
    that would answer "not found"; the county's coordinator gets the link."""
    from tests.factories import TalkSessionFactory

    issue = world["issues"]["a"]
    issue.session = TalkSessionFactory(region=world["regions"]["a"])
    issue.save(update_fields=["session"])
    session_url = reverse("sessions:detail", args=[issue.session.pk])

    page = get(client, world["users"]["handler_x"], detail_url(issue)).content.decode()
    assert issue.session.theme in page
    assert session_url not in page
    assert client.get(session_url).status_code == 404

    page = get(client, world["users"]["coordinator_a"], detail_url(issue)).content.decode()
    assert session_url in page
    assert client.get(session_url).status_code == 200
