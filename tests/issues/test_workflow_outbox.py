"""The issue workflow's outbox (who is told, on which channel, once) and two officials
acting on one issue at the same moment."""

import threading
import time as clock

import pytest
from django.db import connection, connections, transaction

from issues.models import (
    IssueEvent,
    RatingValue,
)
from issues.workflow import (
    StaleIssue,
    issue_accept,
    issue_add_note,
    issue_decide_extension,
    issue_dispatch,
    issue_rate,
    issue_request_extension,
    issue_resolve,
)
from notifications.models import Notification
from tests.helpers import fresh, on
from tests.issues.workflow_steps import (
    SEP_30,
    K,
    S,
    accepted,
    oct_,
    state_of,
    submitted,
    told,
)

pytestmark = pytest.mark.django_db


# --- The outbox ------------------------------------------------------------------------------


def test_each_actions_messages_are_written_once(world):
    """Calling an action again with the version it was called with is refused, and writes
    no second message."""
    issue = submitted(world)
    # (day, the call, whether it tells anybody)
    steps = [
        (SEP_30, True, lambda version: issue_dispatch(
            actor=world.users["coordinator"], issue=fresh(issue), version=version,
            lead_department=world.lead_department, assisting={world.helper_department: None})),
        (oct_(8), True, lambda version: issue_accept(actor=world.users["handler"],
                                               issue=fresh(issue), version=version)),
        (oct_(8), True, lambda version: issue_add_note(actor=world.users["handler"],
                                                 issue=fresh(issue), version=version,
                                                 message="已联系企业。", is_public=True)),
        (oct_(9), True, lambda version: issue_request_extension(
            actor=world.users["handler"], issue=fresh(issue), version=version, days=2,
            reason="需要协调。")),
        (oct_(9), True, lambda version: issue_decide_extension(
            actor=world.users["coordinator"], issue=fresh(issue), version=version,
            approve=True)),
        (oct_(12), True, lambda version: issue_resolve(actor=world.users["handler"],
                                                 issue=fresh(issue), version=version,
                                                 reply="已解决。")),
        # A satisfied rating closes the issue without a message.
        (oct_(13), False, lambda version: issue_rate(actor=world.users["entrepreneur"],
                                              issue=fresh(issue), version=version,
                                              value=RatingValue.SATISFIED)),
    ]
    for day, tells, step in steps:
        version = fresh(issue).version
        count = Notification.objects.count()
        with on(day):
            step(version)
        assert (Notification.objects.count() > count) is tells
        after = state_of(issue)
        with on(day), pytest.raises(StaleIssue):
            step(version)
        assert state_of(issue) == after
    assert fresh(issue).status == S.CLOSED
    # No person got the same message twice.
    keys = list(Notification.objects.values_list("key", flat=True))
    assert len(keys) == len(set(keys))
    assert told(world, Notification.objects.filter(key__contains=":dispatched:")) == {
        "handler": 1, "lead": 1, "entrepreneur": 1}


# --- Two officials at once ----------------------------------------------------------------------


def test_two_officials_on_the_same_version_the_second_is_refused_and_its_text_not_written(world):
    issue = accepted(world)
    handlers_copy, leads_copy = fresh(issue), fresh(issue)
    with on(oct_(9)):
        issue_add_note(actor=world.users["handler"], issue=handlers_copy,
                       version=handlers_copy.version, message="已约企业面谈。", is_public=True)
        with pytest.raises(StaleIssue):
            issue_add_note(actor=world.users["lead"], issue=leads_copy,
                           version=leads_copy.version, message="由我来跟进。", is_public=True)
    messages = list(IssueEvent.objects.filter(issue=issue, kind=K.PROGRESS)
                    .values_list("message", flat=True))
    assert messages == ["已约企业面谈。"]
    assert not Notification.objects.filter(body__contains="由我来跟进").exists()


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_the_second_official_waits_for_the_first_and_is_refused(world):
    """The row lock: the second transaction reads the version only after the first commits.

    Runs in CI's PostgreSQL pass; SQLite has no row locks to test.
    """
    if connection.vendor != "postgresql":
        pytest.skip("row locks (SELECT … FOR UPDATE) are tested on PostgreSQL")
    issue = accepted(world)
    version = issue.version
    first_holds_lock = threading.Event()
    outcome: dict[str, object] = {}

    def first():
        try:
            with transaction.atomic():
                issue_add_note(actor=world.users["handler"], issue=fresh(issue),
                               version=version, message="已约企业面谈。", is_public=True)
                first_holds_lock.set()
                clock.sleep(1.0)  # the second official clicks meanwhile
            outcome["first"] = "saved"
        except Exception as error:  # noqa: BLE001 (reported by the assertion below)
            outcome["first"] = error
        finally:
            first_holds_lock.set()
            connections.close_all()

    def second():
        first_holds_lock.wait(timeout=10)
        started = clock.monotonic()
        try:
            issue_add_note(actor=world.users["lead"], issue=fresh(issue),
                           version=version, message="由我来跟进。", is_public=True)
            outcome["second"] = "saved"
        except StaleIssue:
            outcome["second"] = "stale"
        except Exception as error:  # noqa: BLE001
            outcome["second"] = error
        finally:
            outcome["waited"] = clock.monotonic() - started
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    with on(oct_(9)):  # the clock is the process's: one journey for both threads
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    assert (outcome["first"], outcome["second"]) == ("saved", "stale")
    assert outcome["waited"] >= 0.5  # it waited for the first transaction's lock
    messages = list(IssueEvent.objects.filter(issue=issue, kind=K.PROGRESS)
                    .values_list("message", flat=True))
    assert messages == ["已约企业面谈。"]
    assert fresh(issue).version == version + 1
