"""Whatever a caller sends, the endpoint answers in the spec's shape and never with a 500:
random query parameters, form fields and addresses (Hypothesis)."""

import json
import urllib.parse

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from issues.models import Issue
from tests.open311.conftest import keyed_world

TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)
QUERY_NAMES = st.sampled_from(["service_request_id", "service_code", "start_date", "end_date",
                               "status", "api_key", "locale", "page", "jurisdiction_id"])
FORM_NAMES = st.sampled_from(["api_key", "service_code", "description", "phone", "email",
                              "address_string", "attribute[credit_code]", "attribute[county]",
                              "first_name", "lat", "attribute[x]", "other"])
FUZZ = settings(max_examples=60, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
def world(db):
    return keyed_world()


def spec_shaped(response) -> None:
    assert response.status_code < 500, response.content[:300]
    if response["Content-Type"].startswith("application/json"):
        data = json.loads(response.content)
        if response.status_code >= 400:
            assert all({"code", "description"} <= set(item) for item in data)
    else:
        assert response["Content-Type"].startswith("text/xml")


@FUZZ
@given(params=st.dictionaries(QUERY_NAMES, TEXT, max_size=5),
       fmt=st.sampled_from(["json", "xml", "yaml", ""]))
def test_any_query_of_the_list(client, world, params, fmt):
    spec_shaped(client.get(f"/open311/v2/requests.{fmt}", params))


@FUZZ
@given(segment=TEXT, fmt=st.sampled_from(["json", "xml", "JSON", "x"]),
       kind=st.sampled_from(["requests", "services", "tokens", "nothing"]))
def test_any_address(client, world, segment, fmt, kind):
    path = f"/open311/v2/{kind}/{urllib.parse.quote(segment, safe='')}.{fmt}"
    spec_shaped(client.get(path))


@FUZZ
@given(form=st.dictionaries(FORM_NAMES, TEXT, max_size=8), use_key=st.booleans())
def test_any_submission(client, world, form, use_key):
    before = Issue.objects.count()
    if use_key:
        form = {**form, "api_key": world.key}
    response = client.post("/open311/v2/requests.json", form)
    spec_shaped(response)
    if response.status_code != 200:
        assert Issue.objects.count() == before
