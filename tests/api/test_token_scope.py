"""The issue's test of scope, with real tokens in the Authorization header and no session:
an entrepreneur's personal token never reads another enterprise's issue, and a county's
system key never reads or acts outside its county, while each works inside its own."""

import pytest
from rest_framework.test import APIClient

from api.services import system_key_issue, token_create
from government.models import Official
from issues.models import Issue
from tests.api.reads_world import reads_world
from tests.helpers import fresh

pytestmark = pytest.mark.django_db

ISSUES = "/api/v1/issues/"


@pytest.fixture
def world():
    return reads_world()


def bearer(text: str) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {text}")
    return client


def listed(client: APIClient) -> set[str]:
    return {row["reference"] for row in client.get(ISSUES).json()["results"]}


def test_an_entrepreneurs_token_reads_its_own_issue_and_no_other(world):
    _token, text = token_create(user=world.users["entrepreneur"], name="ERP", writable=True)
    api = bearer(text)
    assert api.get(f"{ISSUES}{world.mine.reference}/").status_code == 200
    for other in (world.neighbour, world.far):
        response = api.get(f"{ISSUES}{other.reference}/")
        assert response.status_code == 404
        assert response["Content-Type"].startswith("application/problem+json")
        assert other.title not in response.content.decode()
    assert listed(api) == {world.mine.reference}


@pytest.fixture
def county_key(world):
    """A read-write key issued to Wuxing's own system, as a coordinator of Wuxing."""
    _key, text = system_key_issue(
        actor=world.users["admin"], name="吴兴区企业服务平台", role=Official.Role.COORDINATOR,
        department=world.users["coordinator"].official.department, writable=True)
    return bearer(text)


def test_a_county_key_reads_its_county_and_nothing_beyond(world, county_key):
    assert county_key.get(f"{ISSUES}{world.neighbour.reference}/").status_code == 200
    assert county_key.get(f"{ISSUES}{world.far.reference}/").status_code == 404
    assert world.far.reference not in listed(county_key)
    assert {world.mine.reference, world.neighbour.reference} <= listed(county_key)


def test_a_county_key_acts_in_its_county_and_not_beyond(world, county_key):
    economy, planning = world.base.departments["economy"], world.base.departments["planning"]
    far = fresh(world.far)
    refused = county_key.post(f"{ISSUES}{far.reference}/dispatch/",
                              {"lead_department": planning.pk}, format="json",
                              HTTP_IF_MATCH=f'"{far.version}"')
    assert refused.status_code == 404
    assert fresh(far).version == far.version  # nothing written

    neighbour = fresh(world.neighbour)
    done = county_key.post(f"{ISSUES}{neighbour.reference}/dispatch/",
                           {"lead_department": economy.pk}, format="json",
                           HTTP_IF_MATCH=f'"{neighbour.version}"')
    assert done.status_code == 200, done.content
    assert fresh(neighbour).status == Issue.Status.DISPATCHED


def test_a_county_key_cannot_enter_an_issue_for_another_countys_person(world, county_key):
    before = Issue.objects.count()
    response = county_key.post(ISSUES, {
        "title": "跨区代录", "description": "安吉企业的问题，由吴兴代录。",
        "category": world.base.category.pk, "entrepreneur": world.far.entrepreneur_id,
        "source": Issue.Source.PHONE,
    }, format="json")
    assert response.status_code == 400
    assert "entrepreneur" in response.json()["errors"]
    assert Issue.objects.count() == before
