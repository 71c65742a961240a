"""Each event an integrator can subscribe to, as a local receiver gets it: the issue's way
from submitted to closed and a session planned and held, signed with the endpoint's secret,
with the documented payload and nobody's personal data; an endpoint subscribed to some
events gets only those."""

import json
from datetime import timedelta

import pytest

from issues.models import RatingValue
from notifications.models import Notification
from sessions.services import session_close
from tests.issues.workflow_steps import OCT_9, accepted, oct_, rated, resolved
from tests.sessions.service_steps import START, create
from tests.webhooks.conftest import SECRET, deliver_due, endpoint_for
from tests.worlds import session_services_world, workflow_world

pytestmark = pytest.mark.django_db

ISSUE_EVENTS = ["issue.submitted", "issue.dispatched", "issue.answered", "issue.rated",
                "issue.closed"]


def closed_issue(world):
    issue = accepted(world)
    issue = resolved(world, issue, OCT_9)
    return rated(world, issue, oct_(12), RatingValue.SATISFIED)


def test_an_issue_from_submitted_to_closed(settings, receiver, endpoint):
    settings.SITE_URL = "https://talks.example.org"
    world = workflow_world()
    issue = closed_issue(world)
    assert deliver_due() == 5
    assert receiver.events() == ISSUE_EVENTS
    for request in receiver.received:
        assert request.path == "/hooks"
        assert request.headers["Content-Type"] == "application/json"
        assert request.signed_with(SECRET)
        assert not request.signed_with("another secret")
        assert request.json["event"] == request.event
        assert set(request.json) == {"id", "event", "created_at", "data"}
        assert request.json["created_at"].endswith("+08:00")
        data = request.json["data"]
        assert data["reference"] == issue.reference
        assert data["category"] == world.category.code
        assert data["region"] == world.county.code
        assert data["api_url"] == f"https://talks.example.org/api/v1/issues/{issue.reference}/"
        assert data["url"] == f"https://talks.example.org/issues/{issue.reference}/"
    # Every delivery has its own id, stable across its attempts.
    deliveries = {request.headers["X-Huzhou-Delivery"] for request in receiver.received}
    assert len(deliveries) == 5
    submitted, dispatched, answered, rating, closed = (r.json["data"] for r in receiver.received)
    assert (submitted["status"], submitted["previous_status"]) == ("submitted", None)
    assert submitted["lead_department"] is None
    assert submitted["submitted_at"] == "2026-09-30T09:00:00+08:00"
    assert (dispatched["status"], dispatched["previous_status"]) == ("dispatched", "submitted")
    assert dispatched["lead_department"] == {
        "id": world.lead_department.pk, "code": world.lead_department.code,
        "name": "测试经信局", "name_en": world.lead_department.name_en}
    assert dispatched["due_on"] is not None
    assert (answered["status"], answered["previous_status"]) == ("resolved", "accepted")
    assert answered["answered_at"] == "2026-10-09T15:00:00+08:00"
    assert rating["rating"] == RatingValue.SATISFIED
    assert (closed["status"], closed["previous_status"]) == ("closed", "resolved")
    assert closed["closed_at"] == "2026-10-12T16:00:00+08:00"
    # Delivered once: a second run of the delivery sends nothing.
    assert deliver_due() == 0
    assert len(receiver.received) == 5


def test_no_personal_data_in_any_payload(receiver, endpoint):
    world = workflow_world()
    issue = closed_issue(world)
    deliver_due()
    person = world.person
    secrets = [issue.title, issue.description, person.name, person.mobile,
               person.enterprise.name, person.enterprise.credit_code, person.user.username,
               person.user.email or "@"]
    for row in Notification.objects.filter(channel=Notification.Channel.WEBHOOK):
        for secret in secrets:
            assert secret not in row.body
    for request in receiver.received:
        body = request.body.decode()
        assert not [secret for secret in secrets if secret in body]
        assert "description" not in json.loads(body)["data"]


def test_an_endpoint_gets_only_the_events_it_subscribed_to(receiver):
    everything = endpoint_for(receiver, path="/all")
    some = endpoint_for(receiver, path="/some", events=["issue.closed", "issue.submitted"],
                        name="county system")
    endpoint_for(receiver, path="/off", name="switched off").__class__.objects.filter(
        name="switched off").update(active=False)
    closed_issue(workflow_world())
    deliver_due()
    by_path = {}
    for request in receiver.received:
        by_path.setdefault(request.path, []).append(request.event)
    assert by_path == {"/hooks/all": ISSUE_EVENTS,
                       "/hooks/some": ["issue.submitted", "issue.closed"]}
    assert everything.outbox_rows.count() == 5
    assert some.outbox_rows.count() == 2


def test_a_dissatisfied_rating_is_rated_then_dispatched_again(receiver, endpoint):
    world = workflow_world()
    issue = accepted(world)
    issue = resolved(world, issue, OCT_9)
    rated(world, issue, oct_(12), RatingValue.DISSATISFIED)
    deliver_due()
    assert receiver.events() == ["issue.submitted", "issue.dispatched", "issue.answered",
                                 "issue.rated", "issue.dispatched"]
    again = receiver.received[-1].json["data"]
    assert (again["round"], again["previous_status"]) == (2, "resolved")
    assert receiver.received[-2].json["data"]["rating"] == RatingValue.DISSATISFIED


def test_a_session_planned_and_held(settings, receiver):
    settings.SITE_URL = "https://talks.example.org"
    endpoint_for(receiver, events=["session.planned", "session.held"])
    steps = session_services_world(settings)
    world = next(steps)
    try:
        session = create(world, theme="数字经济专场")
        world.clock.move_to(START + timedelta(hours=1))
        session_close(actor=world.coordinator, session=session,
                      minutes="会议纪要：企业提出三件事。")
    finally:
        steps.close()
    deliver_due()
    assert receiver.events() == ["session.planned", "session.held"]
    planned, held = (request.json["data"] for request in receiver.received)
    assert all(request.signed_with(SECRET) for request in receiver.received)
    assert planned == {
        "id": session.pk, "status": "planned", "previous_status": None, "kind": "talk",
        "theme": "数字经济专场", "region": world.county.code,
        "starts_at": "2026-03-04T14:30:00+08:00", "ends_at": "2026-03-04T16:30:00+08:00",
        "held_at": None, "attendee_count": None, "issue_count": None,
        "api_url": f"https://talks.example.org/api/v1/sessions/{session.pk}/",
        "url": f"https://talks.example.org/sessions/{session.pk}/",
    }
    assert (held["status"], held["previous_status"]) == ("held", "planned")
    assert held["held_at"] == "2026-03-04T15:30:00+08:00"
    assert (held["attendee_count"], held["issue_count"]) == (0, 0)
    assert "纪要" not in receiver.received[1].body.decode()


def test_no_endpoint_no_rows(receiver):
    closed_issue(workflow_world())
    assert not Notification.objects.filter(channel=Notification.Channel.WEBHOOK).exists()
