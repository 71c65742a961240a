"""Every read endpoint's query parameters (and the issue's reference, the If-None-Match
header) with the fuzz corpus's bad values: a 4xx or a 2xx, never a 5xx."""

from urllib.parse import quote, quote_from_bytes

import pytest

from tests.api.reads_world import API, api_client, reads_world
from tests.fuzz.corpus import corpus

pytestmark = pytest.mark.django_db

PARAMETERS = {
    "issues/": ("status", "category", "region", "department", "overdue", "search",
                "submitted_from", "submitted_to", "cursor", "page_size"),
    "sessions/": ("when", "status", "region", "cursor"),
    "notifications/": ("unread", "cursor"),
    "regions/": ("cursor", "page_size"),
    "figures/": ("region", "from", "to", "category", "department"),
}


def values(per_kind: int = 2) -> list:
    """A few values of each kind of the corpus (the first, the last and some between)."""
    picked = []
    for kind_values in corpus().values():
        step = max(len(kind_values) // per_kind, 1)
        picked.extend(kind_values[::step][:per_kind] + kind_values[-1:])
    return picked


def encoded(value) -> str:
    return quote_from_bytes(value, safe="") if isinstance(value, bytes) else quote(value, safe="")


@pytest.mark.parametrize("who", ["admin", "entrepreneur"])
def test_bad_query_values_never_give_a_server_error(who):
    world = reads_world()
    client = api_client(world.users[who])
    failures = []
    for path, names in PARAMETERS.items():
        for name in names:
            for value in values():
                url = f"{API}/{path}?{name}={encoded(value)}"
                status = client.get(url).status_code
                if status >= 500:
                    failures.append((url, status))
    assert failures == []


@pytest.mark.parametrize("number", ["0", "2147483648", "9" * 40])
def test_ids_out_of_range_are_404(number):
    client = api_client(reads_world().users["admin"])
    assert client.get(f"{API}/sessions/{number}/").status_code == 404
    assert client.post(f"{API}/notifications/{number}/read/").status_code == 404


def test_bad_references_and_etags_never_give_a_server_error():
    world = reads_world()
    client = api_client(world.users["admin"])
    failures = []
    for value in values(3):
        text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
        url = f"{API}/issues/{encoded(value)}/"
        if client.get(url).status_code >= 500:
            failures.append(url)
        header = text.replace("\r", "").replace("\n", "")
        try:
            status = client.get(f"{API}/issues/{world.mine.reference}/",
                                headers={"If-None-Match": header}).status_code
        except (ValueError, UnicodeEncodeError):
            continue  # the test client refuses to send it: so does any HTTP client
        if status >= 500:
            failures.append(("If-None-Match", header))
    assert failures == []
