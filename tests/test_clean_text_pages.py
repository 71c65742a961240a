"""A control character in a search box or a filter of the query string is refused with the
reason on the page (or a 400 for an export), never a 500; old rows holding one still show."""

import pytest
from django.urls import reverse

from sessions.models import TalkSession
from tests.factories import IssueFactory
from tests.worlds import dashboard_world

pytestmark = pytest.mark.django_db

BAD = "停车\x01难"
REFUSED = "invisible control characters (U+0001)"


@pytest.fixture
def world():
    return dashboard_world()


@pytest.mark.parametrize(("url", "query"), [
    (reverse("issues:list"), {"search": BAD}),
    (reverse("entrepreneurs:list"), {"q": BAD}),
    (reverse("officials:list"), {"q": BAD}),
    (reverse("dashboard:index"), {"from": BAD, "sort": BAD}),
    (reverse("dashboard:ranking"), {"to": BAD}),
    (reverse("dashboard:overdue"), {"from": BAD}),
    (reverse("dashboard:bulletin"), {"month": BAD}),
    (reverse("admin:issues_issue_changelist"), {"q": BAD}),
    (reverse("admin:auth_user_changelist"), {"q": BAD}),
    (reverse("admin:issues_issue_changelist"), {"status": "a\x00b"}),  # PostgreSQL refuses NUL
    (reverse("admin:issues_issue_changelist"), {"q": "a\x00b"}),
])
def test_a_control_character_in_a_filter_is_no_500(client, world, url, query):
    client.force_login(world.users["admin"])
    response = client.get(url, query)
    # The dashboard answers 400 with the filters' errors, as for any filter that does not fit;
    # an admin list sends back to itself with "?e=1", as for any wrong filter.
    expected = {"/dashboard/": 400, "/admin/": 302}
    assert response.status_code == next(
        (status for start, status in expected.items() if url.startswith(start)), 200)
    if response.status_code == 302:
        assert response["Location"] == url + "?e=1"


def test_a_search_box_says_what_is_wrong(client, world):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(world.users["admin"])
    assert REFUSED in client.get(reverse("issues:list"), {"search": BAD}).content.decode()
    assert REFUSED in client.get(reverse("entrepreneurs:list"), {"q": BAD}).content.decode()
    assert REFUSED in client.get(reverse("officials:list"), {"q": BAD}).content.decode()
    session = TalkSession.objects.first()
    client.force_login(world.users["coordinator"])
    page = client.get(reverse("sessions:check_in", args=[session.pk]), {"q": BAD})
    assert page.status_code == 200
    assert REFUSED in page.content.decode()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_with_a_bad_filter_is_a_400_not_a_500(client, world, fmt):
    client.force_login(world.users["leader"])
    url = reverse("dashboard:export_issues", kwargs={"fmt": fmt})
    assert client.get(url, {"from": BAD}).status_code == 400


def test_old_rows_with_control_characters_still_show_on_every_list(client, world):
    issue = IssueFactory(enterprise=world.enterprises["anji"], title="旧\x01标题\x0b",
                         category=world.land)
    client.force_login(world.users["admin"])
    for url in (reverse("issues:list"), reverse("issues:detail", args=[issue.reference]),
                reverse("admin:issues_issue_changelist"),
                reverse("admin:issues_issue_change", args=[issue.pk])):
        assert client.get(url).status_code == 200, url
