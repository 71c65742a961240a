"""Submitting an issue through the API (``POST /api/v1/issues/``): the page's rules and
refusals, the submission rate limit, and ``Idempotency-Key`` (a retry returns the first
result and never creates a second issue)."""

import threading
import time as clock

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django_celery_beat.models import PeriodicTask

from api.idempotency import Idempotency, Replayed, claim, idempotent_requests_purge
from api.models import IdempotentRequest
from api.tasks import purge_idempotency_keys_task
from api.v1 import submission
from entrepreneurs.models import Entrepreneur
from issues.models import Issue, IssueEvent
from notifications.models import Notification
from tests.api import actions_world
from tests.api.actions_world import as_user
from tests.factories import EnterpriseFactory, EntrepreneurFactory
from tests.helpers import fresh

pytestmark = pytest.mark.django_db

world, api = actions_world.world, actions_world.api
URL = "/api/v1/issues/"


def body(world, **fields) -> dict:
    return {"title": "扩建用地指标", "description": "厂房扩建需要新增用地指标。",
            "category": world.category.pk, **fields}


def submit(api, user, data, **headers):
    as_user(api, user)
    return api.post(URL, data, format="json", **headers)


def test_an_entrepreneur_submits_an_issue(api, world):
    told_before = Notification.objects.count()
    response = submit(api, world.users["entrepreneur"], body(world))
    assert response.status_code == 201, response.content
    issue = Issue.objects.get()
    data = response.json()
    assert data == {"reference": issue.reference, "status": Issue.Status.SUBMITTED,
                    "version": issue.version,
                    "url": f"http://testserver/api/v1/issues/{issue.reference}/"}
    assert response["Location"] == data["url"]
    assert response["ETag"] == f'"{issue.version}"'
    assert (issue.entrepreneur, issue.source) == (world.person, Issue.Source.ONLINE)
    assert IssueEvent.objects.filter(issue=issue, kind=IssueEvent.Kind.SUBMITTED).exists()
    assert Notification.objects.count() > told_before


def test_the_category_may_be_named_by_its_code(api, world):
    response = submit(api, world.users["entrepreneur"], body(world, category=world.category.code))
    assert response.status_code == 201, response.content
    assert Issue.objects.get().category == world.category


@pytest.mark.parametrize("fields", [
    {"category": 999999}, {"category": "no-such-code"}, {"category": None},
    {"category": [1]}, {"category": True}, {"title": ""}, {"title": "x" * 300},
    {"title": 5}, {"description": None}, {"colour": "red"}, {"title": "a\x00b"},
    {"source": "phone"}, {"session": 1},
])
def test_a_bad_body_is_400_and_records_nothing(api, world, fields):
    response = submit(api, world.users["entrepreneur"], body(world, **fields))
    assert response.status_code == 400, response.content
    assert not Issue.objects.exists()


@pytest.mark.parametrize("data", [[], "issue", None, 5])
def test_a_body_that_is_not_an_object_is_400(api, world, data):
    response = submit(api, world.users["entrepreneur"], data)
    assert response.status_code == 400
    assert not Issue.objects.exists()


def test_an_unverified_entrepreneur_is_refused_403(api, world):
    world.person.verification = Entrepreneur.Verification.PENDING
    world.person.save(update_fields=["verification"])
    response = submit(api, fresh(world.users["entrepreneur"]), body(world))
    assert response.status_code == 403
    assert not Issue.objects.exists()


def test_a_coordinator_enters_an_issue_for_a_person_of_the_county(api, world):
    response = submit(api, world.users["coordinator"],
                      body(world, entrepreneur=world.person.pk, source=Issue.Source.PHONE))
    assert response.status_code == 201, response.content
    issue = Issue.objects.get()
    assert (issue.entrepreneur, issue.source, issue.created_by) == (
        world.person, Issue.Source.PHONE, world.users["coordinator"])


def test_a_coordinator_says_where_it_was_raised(api, world):
    response = submit(api, world.users["coordinator"], body(world, entrepreneur=world.person.pk))
    assert response.status_code == 400
    assert "source" in response.json()["errors"]
    assert not Issue.objects.exists()


def test_another_countys_person_is_not_found_for_a_county_coordinator(api, world):
    response = submit(api, world.users["other_coordinator"],
                      body(world, entrepreneur=world.person.pk, source=Issue.Source.PHONE))
    assert response.status_code == 400
    assert "entrepreneur" in response.json()["errors"]
    assert not Issue.objects.exists()


def test_only_coordinators_enter_an_issue_for_someone_else(api, world):
    other = EntrepreneurFactory(with_user=True, enterprise=EnterpriseFactory(region=world.county))
    response = submit(api, world.users["entrepreneur"],
                      body(world, entrepreneur=other.pk, source=Issue.Source.PHONE))
    assert response.status_code == 403
    assert not Issue.objects.exists()


def test_the_sites_submission_limit_applies_429(api, world, settings):
    settings.RATELIMIT_ISSUE_SUBMISSION = "1/h"
    assert submit(api, world.users["entrepreneur"], body(world)).status_code == 201
    response = submit(api, world.users["entrepreneur"], body(world, title="第二个问题"))
    assert response.status_code == 429
    assert "nothing has been recorded" in response.json()["detail"]
    assert response.json()["type"].endswith("/throttled")
    assert Issue.objects.count() == 1


# --- Idempotency-Key --------------------------------------------------------------------------


def test_a_retry_with_the_same_key_returns_the_first_result_and_creates_nothing(api, world):
    user = world.users["entrepreneur"]
    first = submit(api, user, body(world), HTTP_IDEMPOTENCY_KEY="order-42")
    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first
    told = Notification.objects.count()
    # The same body, its keys in another order: the same request.
    again = submit(api, user, dict(reversed(list(body(world).items()))),
                   HTTP_IDEMPOTENCY_KEY="order-42")
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert again["Location"] == first["Location"]
    assert Issue.objects.count() == 1
    assert Notification.objects.count() == told
    assert IdempotentRequest.objects.get().status_code == 201


def test_the_same_key_with_another_body_is_422(api, world):
    user = world.users["entrepreneur"]
    assert submit(api, user, body(world), HTTP_IDEMPOTENCY_KEY="k1").status_code == 201
    response = submit(api, user, body(world, title="另一个问题"), HTTP_IDEMPOTENCY_KEY="k1")
    assert response.status_code == 422
    assert "different request" in response.json()["detail"]
    assert Issue.objects.count() == 1


def test_a_key_belongs_to_its_caller(api, world):
    other = EntrepreneurFactory(with_user=True, enterprise=EnterpriseFactory(region=world.county))
    assert submit(api, world.users["entrepreneur"], body(world),
                  HTTP_IDEMPOTENCY_KEY="shared").status_code == 201
    assert submit(api, other.user, body(world), HTTP_IDEMPOTENCY_KEY="shared").status_code == 201
    assert Issue.objects.count() == 2


def test_a_refused_request_is_not_remembered(api, world):
    user = world.users["entrepreneur"]
    response = submit(api, user, body(world, category=999999), HTTP_IDEMPOTENCY_KEY="k2")
    assert response.status_code == 400
    assert not IdempotentRequest.objects.exists()
    assert submit(api, user, body(world), HTTP_IDEMPOTENCY_KEY="k2").status_code == 201


@pytest.mark.parametrize("key", ["x" * 256, "clé", "a\tb", "\x7f", ""])
def test_a_malformed_key_is_400(api, world, key):
    response = submit(api, world.users["entrepreneur"], body(world),
                      HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code == 400
    assert not Issue.objects.exists()


def test_a_key_is_claimed_once_and_a_second_claim_gets_the_first_answer(world):
    """What a request racing another with the same key meets: its insert loses, and it is
    answered from the winner's row (or told to try again while the winner has no answer)."""
    user = world.users["entrepreneur"]
    key = Idempotency(key="race", fingerprint="f" * 64)
    IdempotentRequest.objects.create(user=user, key="race", fingerprint="f" * 64,
                                     status_code=201, response_body={"reference": "HZ-1"})
    with pytest.raises(Replayed) as replayed:
        claim(user=user, idempotency=key)
    assert replayed.value.response.data == {"reference": "HZ-1"}
    assert replayed.value.response["Idempotent-Replayed"] == "true"


def test_old_keys_are_purged(world):
    user = world.users["entrepreneur"]
    old = IdempotentRequest.objects.create(user=user, key="old", fingerprint="a", status_code=201)
    IdempotentRequest.objects.filter(pk=old.pk).update(created_at="2000-01-01T00:00Z")
    IdempotentRequest.objects.create(user=user, key="new", fingerprint="a", status_code=201)
    assert idempotent_requests_purge() == 1
    assert list(IdempotentRequest.objects.values_list("key", flat=True)) == ["new"]


def test_beat_forgets_the_keys_every_night(world):
    """migrate made the nightly entry; the task it runs removes the day-old keys."""
    entry = PeriodicTask.objects.get(task="api.purge_idempotency_keys")
    assert (entry.crontab.hour, entry.crontab.minute) == ("3", "15") and entry.enabled
    old = IdempotentRequest.objects.create(user=world.users["entrepreneur"], key="old",
                                           fingerprint="a", status_code=201)
    IdempotentRequest.objects.filter(pk=old.pk).update(created_at="2000-01-01T00:00Z")
    assert purge_idempotency_keys_task() == 1
    assert not IdempotentRequest.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_requests_with_one_key_make_one_issue(world, monkeypatch):
    """Two threads send the same POST with one key at the same moment; the first holds its
    transaction open a while. Never two issues: the second waits for the first and gets its
    answer (or a 409 to try again).

    SQLite runs it too: its write transactions start IMMEDIATE (see settings), so the second
    waits for the first's whole transaction, then finds its key."""
    user = world.users["entrepreneur"]
    real = submission.workflow.issue_submit

    def slow_submit(**kwargs):
        issue = real(**kwargs)
        clock.sleep(0.5)  # the other request arrives meanwhile
        return issue

    monkeypatch.setattr(submission.workflow, "issue_submit", slow_submit)
    data = body(world)
    outcome: list = []
    start = threading.Barrier(2)

    def send():
        try:
            client = actions_world.APIClient(HTTP_ACCEPT_LANGUAGE="en")
            client.force_login(user)
            start.wait()
            response = client.post(URL, data, format="json", HTTP_IDEMPOTENCY_KEY="race-1")
            outcome.append((response.status_code, response.json()))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert Issue.objects.count() == 1
    statuses = sorted(status for status, _body in outcome)
    assert statuses in ([201, 201], [201, 409]), (connection.vendor, outcome)
    if statuses == [201, 201]:
        assert outcome[0][1] == outcome[1][1]


def test_a_replay_reads_its_answer_and_nothing_else(api, world):
    """A retried POST costs the caller's session and one look-up, whatever the issue."""
    user = world.users["entrepreneur"]
    assert submit(api, user, body(world), HTTP_IDEMPOTENCY_KEY="q1").status_code == 201
    with CaptureQueriesContext(connection) as queries:
        response = api.post(URL, body(world), format="json", HTTP_IDEMPOTENCY_KEY="q1")
    assert response["Idempotent-Replayed"] == "true"
    tables = [query["sql"] for query in queries.captured_queries]
    assert not any("INSERT" in sql or "UPDATE" in sql for sql in tables)
    assert len(tables) <= 4, tables
