"""The capped paginator: a list of any size costs one bounded count, and says "more than"
past the cap."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.pagination import CappedPaginator
from issues.models import Issue
from tests.factories import IssueFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_short_list_is_counted_exactly():
    IssueFactory.create_batch(3)
    paginator = CappedPaginator(Issue.objects.order_by("pk"), 2, cap=5)
    assert (paginator.count, paginator.num_pages, paginator.is_capped) == (3, 2, False)


def test_a_long_list_is_counted_up_to_the_cap_only():
    IssueFactory.create_batch(7)
    paginator = CappedPaginator(Issue.objects.order_by("pk"), 2, cap=5)
    with CaptureQueriesContext(connection) as queries:
        assert paginator.count == 6
    assert paginator.is_capped
    assert "LIMIT 6" in queries.captured_queries[0]["sql"].upper()
    # The pages up to the cap are there, in order.
    page = paginator.get_page(2)
    assert [issue.pk for issue in page] == list(
        Issue.objects.order_by("pk").values_list("pk", flat=True)[2:4])


def test_the_issue_list_says_more_than_the_cap(client, monkeypatch):
    monkeypatch.setattr(CappedPaginator.__init__, "__kwdefaults__", {"cap": 2})
    admin = UserFactory(is_superuser=True, is_staff=True)
    IssueFactory.create_batch(3)
    client.force_login(admin)
    page = client.get("/issues/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "More than 2 issues" in page


def test_a_queue_tab_counts_up_to_its_cap(client, monkeypatch):
    from issues import selectors

    monkeypatch.setattr("issues.queues.QUEUE_COUNT_CAP", 2)
    admin = UserFactory(is_superuser=True, is_staff=True)
    IssueFactory.create_batch(3)  # submitted: waiting to be dispatched
    queues = {queue["key"]: queue for queue in selectors.issue_queues_for_user(user=admin)}
    assert (queues["to_dispatch"]["count"], queues["to_dispatch"]["is_capped"]) == (2, True)
    assert (queues["review"]["count"], queues["review"]["is_capped"]) == (0, False)
    client.force_login(admin)
    page = client.get("/issues/").content.decode()
    assert 'data-testid="queue-count">2+</span>' in page
