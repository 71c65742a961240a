"""The entrepreneur directory: who may open it, whom it lists, and whose contacts it shows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from entrepreneurs.models import Entrepreneur
from entrepreneurs.selectors import can_see_contact, entrepreneurs_for_user
from government.models import Official
from tests.factories import (
    CityFactory,
    DepartmentFactory,
    EnterpriseFactory,
    EntrepreneurFactory,
    OfficialFactory,
    credit_code,
)
from tests.worlds import wuxing_and_anji

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

DIRECTORY = reverse("entrepreneurs:list")
#: Queries for one page of the directory, whatever the number of people: session and user;
#: for officials their role groups (navigation), permissions (2), official, department and
#: region; the filter's regions (city-wide viewers only); the count and the page's rows.
EXPECTED_QUERIES = {"coordinator_wuxing": 11, "leader_city": 12, "admin": 6}


@pytest.fixture
def world(admin_user):
    city = CityFactory()
    wuxing, anji = wuxing_and_anji(codes=True)

    def official(region, role):
        return OfficialFactory(department=DepartmentFactory(region=region), role=role).user

    return {
        "wuxing": wuxing,
        "anji": anji,
        "zhou": EntrepreneurFactory(
            with_user=True, name="周明", mobile="13905721234", email="zhou@example.com",
            enterprise=EnterpriseFactory(region=wuxing, name="湖州茶园科技",
                                         credit_code=credit_code(990_000_501)),
        ),
        "wu": EntrepreneurFactory(
            name="吴芳", mobile="13905725678", email="wu@example.com",
            verification=Entrepreneur.Verification.PENDING,
            enterprise=EnterpriseFactory(region=anji, name="安吉竹业",
                                         credit_code=credit_code(990_000_502)),
        ),
        "users": {
            "coordinator_wuxing": official(wuxing, Official.Role.COORDINATOR),
            "coordinator_city": official(city, Official.Role.COORDINATOR),
            "leader_city": official(city, Official.Role.LEADER),
            "leader_wuxing": official(wuxing, Official.Role.LEADER),
            "handler": official(city, Official.Role.HANDLER),
            "department_lead": official(city, Official.Role.DEPARTMENT_LEAD),
            "entrepreneur": EntrepreneurFactory(
                with_user=True, name="孙悦", enterprise=EnterpriseFactory(region=anji)).user,
            "admin": admin_user,
        },
    }


def listed(client, user, **params) -> list[str]:
    client.force_login(user)
    response = client.get(DIRECTORY, params)
    assert response.status_code == 200
    return [person.name for person in response.context["page"]]


@pytest.mark.parametrize("who", ["handler", "department_lead", "entrepreneur"])
def test_handlers_and_entrepreneurs_are_refused_with_a_reason(client, world, who):
    client.force_login(world["users"][who])
    response = client.get(DIRECTORY)
    assert response.status_code == 403
    assert "Only coordinators, leaders and administrators" in response.content.decode()
    person = world["zhou"]
    assert client.get(reverse("entrepreneurs:detail", args=[person.pk])).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client, world):
    response = client.get(DIRECTORY)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize(("who", "names"), [
    ("coordinator_wuxing", ["周明"]),
    ("leader_wuxing", ["周明"]),
    ("coordinator_city", ["吴芳", "周明", "孙悦"]),
    ("leader_city", ["吴芳", "周明", "孙悦"]),
    ("admin", ["吴芳", "周明", "孙悦"]),
])
def test_each_official_sees_the_people_of_their_scope(client, world, who, names):
    assert sorted(listed(client, world["users"][who])) == sorted(names)


@pytest.mark.parametrize("who", ["coordinator_wuxing", "leader_wuxing"])
def test_a_person_outside_the_county_is_not_found(client, world, who):
    client.force_login(world["users"][who])
    url = reverse("entrepreneurs:detail", args=[world["wu"].pk])
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(("who", "full"), [
    ("coordinator_wuxing", True), ("coordinator_city", True), ("admin", True),
    ("leader_city", False), ("leader_wuxing", False),
])
def test_contacts_are_masked_unless_the_viewer_handles_the_person(client, world, who, full):
    client.force_login(world["users"][who])
    for url in (DIRECTORY, reverse("entrepreneurs:detail", args=[world["zhou"].pk])):
        page = client.get(url).content.decode()
        assert ("13905721234" in page) is full
        assert ("zhou@example.com" in page) is full
        assert ("139****1234" in page) is not full
        assert ("z***@example.com" in page) is not full


def test_scope_and_contact_rule_agree_for_a_county_coordinator(world):
    # Scope and masking agree: whom a county coordinator may list, they handle.
    coordinator = world["users"]["coordinator_wuxing"]
    assert list(entrepreneurs_for_user(user=coordinator)) == [world["zhou"]]
    assert can_see_contact(coordinator, world["zhou"])
    assert not can_see_contact(coordinator, world["wu"])


@pytest.mark.parametrize(("params", "names"), [
    ({"q": "周"}, ["周明"]),
    ({"q": "竹业"}, ["吴芳"]),
    ({"q": f"{credit_code(990_000_502)[:9]} {credit_code(990_000_502)[9:]}".lower()}, ["吴芳"]),
    ({"verification": "pending"}, ["吴芳"]),
    ({"verification": "verified"}, ["周明", "孙悦"]),
    ({"region": "anji"}, ["吴芳", "孙悦"]),
    ({"region": "not-a-region"}, ["吴芳", "周明", "孙悦"]),  # a bad filter is ignored, not a 500
])
def test_search_and_filters(client, world, params, names):
    if params.get("region") == "anji":
        params = {"region": world["anji"].pk}
    assert sorted(listed(client, world["users"]["coordinator_city"], **params)) == sorted(names)


def test_pages_of_25_in_a_stable_order_never_overlap(client, world):
    wuxing = world["wuxing"]
    for _ in range(30):
        EntrepreneurFactory(name="同名", enterprise=EnterpriseFactory(region=wuxing))
    client.force_login(world["users"]["coordinator_wuxing"])
    pages = [client.get(DIRECTORY, {"page": n}).context["page"] for n in (1, 2)]
    ids = [person.pk for page in pages for person in page]
    assert len(pages[0].object_list) == 25
    assert len(ids) == len(set(ids)) == 31


def add_people(region, count: int) -> None:
    for n in range(count):
        EntrepreneurFactory(enterprise=EnterpriseFactory(region=region),
                            verification="pending" if n % 2 else "verified")


@pytest.mark.parametrize("who", list(EXPECTED_QUERIES))
def test_the_directory_runs_a_fixed_number_of_queries(client, world, who):
    user = world["users"][who]

    def count() -> int:
        client.force_login(user)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(DIRECTORY)
        assert response.status_code == 200
        return len(queries)

    small = count()
    add_people(world["wuxing"], 40)
    add_people(world["anji"], 40)
    large = count()
    assert small == large == EXPECTED_QUERIES[who]


def test_can_see_contact_asks_the_database_nothing_per_person(world):
    coordinator = world["users"]["coordinator_city"]
    people = list(Entrepreneur.objects.select_related("enterprise"))
    can_see_contact(coordinator, people[0])  # permissions and official are read once
    with CaptureQueriesContext(connection) as queries:
        assert all(can_see_contact(coordinator, person) for person in people)
    assert len(queries) == 0
