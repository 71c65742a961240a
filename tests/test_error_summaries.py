"""The error summary above every form (templates/_form_errors.html), one representative form
per app: sent with mistakes, the page opens with a summary that says what is wrong, and each
of its links leads to a field that is on the page."""

from contextlib import contextmanager
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from tests.helpers import at
from tests.helpers import signed_in as login
from tests.issues.screens import NEW_URL as NEW_ISSUE_URL
from tests.issues.screens import dispatched, post_action, resolved
from tests.sessions.screens import NEW_URL as NEW_SESSION_URL
from tests.sessions.screens import WEDNESDAY, make_session
from tests.worlds import OfficialsWorld, issue_screens_world, session_screens_world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


class Page(HTMLParser):
    """Every id on the page; the summary's text and its links."""

    def __init__(self, html: str):
        super().__init__()
        self.ids: set[str] = set()
        self.summaries = 0
        self.links: list[str] = []
        self.text: list[str] = []
        self._depth = 0  # open <div>s inside the summary, 0 when outside
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if self._depth:
            self._depth += tag == "div"
            if tag == "a":
                self.links.append(attrs.get("href", ""))
        elif tag == "div" and attrs.get("data-testid") == "error-summary":
            self.summaries += 1
            self._depth = 1

    def handle_endtag(self, tag):
        if self._depth and tag == "div":
            self._depth -= 1

    def handle_data(self, data):
        if self._depth:
            self.text.append(data)

    @property
    def summary(self) -> str:
        return " ".join(" ".join(self.text).split())


@contextmanager
def session_world(settings):
    worlds = session_screens_world(settings)
    try:
        yield next(worlds)
    finally:
        worlds.close()


def issue_raised_blank(client, settings):
    world = issue_screens_world()
    login(client, world.person.user)
    return client.post(NEW_ISSUE_URL, {"title": "", "description": ""}), [
        "Title: Give the issue a title.", "Category: Choose the category closest to the issue."]


def issue_returned_without_reason(client, settings):
    world = issue_screens_world()
    issue = dispatched(world)
    return post_action(client, world.users["handler"], issue, "return", {"reason": "  "}), [
        "Say why the issue is not for your department."]


def rating_dissatisfied_without_reason(client, settings):
    world = issue_screens_world()
    issue = resolved(world)
    response = post_action(client, world.person.user, issue, "rate", {"value": "dissatisfied"})
    return response, ["Why are you dissatisfied?: Say why you are dissatisfied."]


def session_ending_before_it_starts(client, settings):
    with session_world(settings) as world:
        login(client, world.users["coordinator"])
        response = client.post(NEW_SESSION_URL, {
            "region": world.county.pk, "kind": "talk", "theme": "数字经济专场",
            "day": "2026-03-11", "start": "16:00", "end": "15:00", "venue": "吴兴区政府 3 楼",
            "host": world.host.pk, "departments": [world.attending.pk], "capacity": "12",
            "status": "open"})
    return response, ["Ends: A session must end after it starts."]


def walk_in_with_a_bad_mobile(client, settings):
    with session_world(settings) as world:
        session = make_session(world.county)
        world.clock.move_to(at(WEDNESDAY, 14))  # check-in is open
        login(client, world.users["coordinator"])
        response = client.post(reverse("sessions:check_in_add", args=[session.pk]), {
            "name": "", "mobile": "12345", "enterprise_name": "湖州孙记茶业",
            "region": str(session.region_id), "credit_code": ""})
    return response, ["Name: This field is required.", "Mobile number: Enter an 11-digit"]


def official_without_anything(client, settings):
    world = OfficialsWorld()
    client.force_login(world.admin)
    return client.post(reverse("officials:create"), {"name": "赵磊"}), [
        "Email: This field is required.", "Role: This field is required."]


@pytest.mark.parametrize("case", [
    issue_raised_blank, issue_returned_without_reason, rating_dissatisfied_without_reason,
    session_ending_before_it_starts, walk_in_with_a_bad_mobile, official_without_anything,
], ids=lambda case: case.__name__)
def test_a_form_sent_with_mistakes_opens_with_a_summary_linked_to_its_fields(
    client, settings, case
):
    response, expected = case(client, settings)

    assert response.status_code in (200, 400)  # the form again, never a 500
    page = Page(response.content.decode())
    assert page.summaries == 1
    assert "problem" in page.summary  # "There is 1 problem" / "There are 3 problems"
    for words in expected:
        assert words in page.summary
    assert page.links, "the summary links to the fields in error"
    for href in page.links:
        assert href.startswith("#") and href[1:] in page.ids, href
