"""GET /api/v1/categories/, /departments/, /regions/: bilingual reference data, in the
cursor's list shape."""

import pytest

from tests.api.reads_world import API, api_client
from tests.factories import (
    CategoryFactory,
    CityFactory,
    DepartmentFactory,
    RegionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def data():
    city = CityFactory()
    wuxing = RegionFactory(name="吴兴区", name_en="Wuxing", parent=city)
    economy = DepartmentFactory(region=city, name="市经信局", name_en="Economy Bureau")
    land = CategoryFactory(name="要素保障", name_en="Factor supply", default_department=economy)
    return {"city": city, "wuxing": wuxing, "economy": economy, "land": land,
            "user": UserFactory()}


def test_categories_in_both_languages(data):
    body = api_client(data["user"]).get(f"{API}/categories/").json()
    assert set(body) == {"next", "previous", "results"}
    [row] = body["results"]
    assert (row["name"], row["name_en"]) == ("要素保障", "Factor supply")
    assert row["default_department"] == data["economy"].pk


def test_departments_and_regions(data):
    client = api_client(data["user"])
    [department] = client.get(f"{API}/departments/").json()["results"]
    assert department == {**department, "name": "市经信局", "name_en": "Economy Bureau",
                          "region": data["city"].pk, "is_active": True}
    regions = client.get(f"{API}/regions/").json()["results"]
    wuxing = next(row for row in regions if row["id"] == data["wuxing"].pk)
    assert wuxing == {**wuxing, "name": "吴兴区", "name_en": "Wuxing", "level": "county",
                      "parent": data["city"].pk}


def test_reference_data_needs_a_caller(data):
    assert api_client(None).get(f"{API}/regions/").status_code in (401, 403)


def test_unknown_parameters_are_refused(data):
    response = api_client(data["user"]).get(f"{API}/regions/", {"level": "county"})
    assert response.status_code == 400
    assert "level" in response.content.decode()
