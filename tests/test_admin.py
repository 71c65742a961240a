"""Every admin page a superuser can reach answers, and lists cost a fixed number of queries."""

from datetime import date

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import ClockedSchedule, CrontabSchedule, SolarSchedule

from accounts.audit import audit_record
from accounts.models import AuditEvent
from api.services import token_create
from core.models import CalendarDay
from core.services import record_heartbeat
from issues.models import ExtensionRequest, Issue, IssueEvent, SatisfactionRating
from issues.services import issue_references_allocate
from notifications.models import Notification, WebhookDelivery, WebhookEndpoint
from privacy.models import DeletionRequest
from sessions.models import ReminderRule, ReminderSent
from tests import factories

pytestmark = pytest.mark.django_db

REGISTERED = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)
MODEL_IDS = [model._meta.label_lower for model, _ in REGISTERED]


@pytest.fixture
def one_of_everything():
    """At least one row for every model the project defines, made by the factories."""
    factories.OfficialFactory()
    factories.SessionSeriesFactory()
    attendance = factories.AttendanceFactory(
        entrepreneur=factories.EntrepreneurFactory(with_user=True))
    ReminderSent.objects.create(session=attendance.session, rule=ReminderRule.objects.first(),
                                starts_at=attendance.session.starts_at)
    issue = factories.IssueFactory()
    factories.IssueEventFactory(issue=issue)
    factories.AttachmentFactory(issue=issue)
    factories.SatisfactionRatingFactory(issue=issue)
    ExtensionRequest.objects.create(issue=issue, round=1, days=3, reason="需要协调",
                                    requested_by=factories.UserFactory())
    CalendarDay.objects.create(day=date(2027, 10, 1), is_working_day=False, note="国庆节")
    factories.NotificationFactory()
    # A webhook endpoint and one attempt of one of its rows (the delivery log).
    endpoint = WebhookEndpoint.objects.create(name="12345", url="https://example.org/hooks",
                                              secret="x", events=["issue.closed"])
    WebhookDelivery.objects.create(
        notification=factories.NotificationFactory(
            channel=Notification.Channel.WEBHOOK, address=endpoint.url,
            webhook_endpoint=endpoint),
        endpoint=endpoint, event="issue.closed", status_code=200)
    DeletionRequest.objects.create(entrepreneur=factories.EntrepreneurFactory(with_user=True))
    token_create(user=factories.UserFactory(), name="script")  # a personal API token
    record_heartbeat(name="worker")
    issue_references_allocate(year=2027)
    Group.objects.create(name="coordinators")
    # django-celery-beat's schedules (migrate already made the interval ones and their tasks).
    CrontabSchedule.objects.create(minute="0", hour="8", day_of_week="1")
    SolarSchedule.objects.create(event="sunrise", latitude=30.89, longitude=120.09)
    ClockedSchedule.objects.create(clocked_time=timezone.now())
    # The audit trail and django-axes' records of log-in attempts.
    audit_record(AuditEvent.Kind.LOGIN_FAILED, identifier="13800000000")
    attempt = {"username": "13800000000", "ip_address": "10.0.0.1", "user_agent": "test",
               "path_info": "/accounts/login/"}
    AccessAttempt.objects.create(**attempt, failures_since_start=1, get_data="", post_data="",
                                 http_accept="*/*")
    AccessLog.objects.create(**attempt, http_accept="*/*")
    AccessFailureLog.objects.create(**attempt, http_accept="*/*")


def _url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize(("model", "model_admin"), REGISTERED, ids=MODEL_IDS)
def test_changelist_and_search_answer(admin_client, one_of_everything, model, model_admin):
    url = _url(model, "changelist")
    assert admin_client.get(url).status_code == 200
    assert admin_client.get(url, {"q": "x"}).status_code == 200


@pytest.mark.parametrize(("model", "model_admin"), REGISTERED, ids=MODEL_IDS)
def test_change_page_answers(admin_client, one_of_everything, model, model_admin):
    row = model._default_manager.order_by("pk").first()
    assert row is not None, f"make a {model._meta.label} row in one_of_everything above"
    response = admin_client.get(_url(model, "change", row.pk))
    assert response.status_code == 200


@pytest.mark.parametrize(("model", "model_admin"), REGISTERED, ids=MODEL_IDS)
def test_add_page_answers_where_adding_is_allowed(admin_client, rf, admin_user, model,
                                                  model_admin):
    request = rf.get("/")
    request.user = admin_user
    expected = 200 if model_admin.has_add_permission(request) else 403
    assert admin_client.get(_url(model, "add")).status_code == expected


@pytest.mark.parametrize("model", [Issue, IssueEvent, SatisfactionRating],
                         ids=lambda m: m._meta.label_lower)
def test_issue_records_cannot_be_added_or_deleted_in_the_admin(admin_client, one_of_everything,
                                                               model):
    row = model._default_manager.first()
    assert admin_client.get(_url(model, "add")).status_code == 403
    assert admin_client.get(_url(model, "delete", row.pk)).status_code == 403
    assert admin_client.post(_url(model, "delete", row.pk), {"post": "yes"}).status_code == 403
    assert model._default_manager.filter(pk=row.pk).exists()
    changelist = admin_client.get(_url(model, "changelist")).content.decode()
    assert _url(model, "add") not in changelist
    assert 'value="delete_selected"' not in changelist


@pytest.mark.parametrize("model", [IssueEvent, SatisfactionRating],
                         ids=lambda m: m._meta.label_lower)
def test_timeline_and_ratings_are_view_only(admin_client, one_of_everything, model):
    row = model._default_manager.first()
    page = admin_client.get(_url(model, "change", row.pk)).content.decode()
    assert 'name="_save"' not in page
    for field in ("kind", "message", "value", "reason", "comment"):
        assert f'name="{field}"' not in page
    response = admin_client.post(_url(model, "change", row.pk), {"message": "x", "value": "x"})
    assert response.status_code == 403


def test_issue_fields_cannot_be_edited_in_the_admin(admin_client, one_of_everything):
    issue = Issue.objects.first()
    url = _url(Issue, "change", issue.pk)
    page = admin_client.get(url).content.decode()
    for field in ("title", "description", "status", "lead_department", "due_on"):
        assert f'name="{field}"' not in page
    admin_client.post(url, {"title": "改掉标题", "status": Issue.Status.CLOSED, "_save": "1"})
    issue.refresh_from_db()
    assert issue.title != "改掉标题"
    assert issue.status == Issue.Status.SUBMITTED


def test_issue_change_page_lists_the_timeline(admin_client, one_of_everything):
    event = IssueEvent.objects.select_related("issue").first()
    page = admin_client.get(_url(Issue, "change", event.issue.pk)).content.decode()
    assert event.issue.reference in page
    assert event.message in page


def _make_issues(n):
    factories.IssueFactory.create_batch(n)


def _make_sessions(n):
    for _ in range(n):
        factories.AttendanceFactory(status="attended", checked_in_at=timezone.now())


def _make_enterprises(n):
    factories.EnterpriseFactory.create_batch(n)


def _make_officials(n):
    factories.OfficialFactory.create_batch(n)


def _make_attendances(n):
    factories.AttendanceFactory.create_batch(n)


@pytest.mark.parametrize(
    ("model_label", "make_rows"),
    [
        ("issues.issue", _make_issues),
        ("talk_sessions.talksession", _make_sessions),
        ("entrepreneurs.enterprise", _make_enterprises),
        ("government.official", _make_officials),
        ("talk_sessions.attendance", _make_attendances),
    ],
)
def test_changelist_query_count_does_not_grow_with_rows(admin_client, model_label, make_rows):
    model = next(m for m, _ in REGISTERED if m._meta.label_lower == model_label)
    url = _url(model, "changelist")

    def count_queries(expected_rows):
        with CaptureQueriesContext(connection) as queries:
            response = admin_client.get(url)
        assert response.status_code == 200
        assert response.context["cl"].result_count == expected_rows
        return len(queries)

    make_rows(3)
    few = count_queries(3)
    make_rows(30)
    assert count_queries(33) == few
