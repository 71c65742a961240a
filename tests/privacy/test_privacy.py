"""Personal data (PIPL): a person downloads what is held about them and asks for erasure; a
coordinator of their region approves (they are anonymised, the figures stay true) or refuses."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import AuditEvent
from core.privacy import PRIVACY_NOTICE_VERSION
from dashboard.selectors import public_figures
from entrepreneurs.models import Entrepreneur
from government.models import Official
from issues.models import Issue, IssueEvent
from notifications.models import Notification
from privacy.models import DeletionRequest
from privacy.services import deletion_request_create
from sessions.models import Attendance, TalkSession
from tests.factories import (
    AttachmentFactory,
    AttendanceFactory,
    CityFactory,
    DepartmentFactory,
    EnterpriseFactory,
    EntrepreneurFactory,
    IssueEventFactory,
    IssueFactory,
    NotificationFactory,
    OfficialFactory,
    RegionFactory,
    SatisfactionRatingFactory,
    TalkSessionFactory,
)
from tests.helpers import log_in

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
MY_DATA = reverse("privacy:my_data")
EXPORT = reverse("privacy:export")
REQUEST_DELETION = reverse("privacy:request_deletion")
REQUESTS = reverse("privacy:requests")
#: Queries per page, counting the session and user look-ups of a signed-in request.
EXPORT_QUERIES = 14
REQUEST_LIST_QUERIES = 11


def decide_url(deletion_request) -> str:
    return reverse("privacy:decide", args=[deletion_request.pk])


def official(role, region):
    return OfficialFactory(role=role, department=DepartmentFactory(region=region)).user


@pytest.fixture
def world():
    county, other_county = RegionFactory(), RegionFactory()
    enterprise = EnterpriseFactory(region=county)
    person = EntrepreneurFactory(
        with_user=True, enterprise=enterprise, name="钱振华", mobile="13905720001",
        email="qian@example.com", privacy_notice_version=PRIVACY_NOTICE_VERSION,
        privacy_consented_at=timezone.now(),
    )
    colleague = EntrepreneurFactory(
        with_user=True, enterprise=enterprise, name="孙丽娟", mobile="13905720002",
        email="sun@example.com",
    )
    return {
        "county": county,
        "person": person,
        "colleague": colleague,
        "coordinator": official(Official.Role.COORDINATOR, county),
        "city_coordinator": official(Official.Role.COORDINATOR, CityFactory()),
        "other_coordinator": official(Official.Role.COORDINATOR, other_county),
        "handler": official(Official.Role.HANDLER, county),
    }


def add_history(person, count: int, *, tag: str) -> None:
    """``count`` attended sessions, issues (with public and internal timeline entries, a
    rating and an attachment) and notifications for ``person``, plus log-ins."""
    for index in range(count):
        session = TalkSessionFactory(region=person.enterprise.region,
                                     status=TalkSession.Status.HELD, theme=f"{tag} 场次 {index}")
        AttendanceFactory(session=session, entrepreneur=person,
                          status=Attendance.Status.ATTENDED, checked_in_at=timezone.now())
        issue = IssueFactory(enterprise=person.enterprise, entrepreneur=person,
                             title=f"{tag} 问题 {index}", status=Issue.Status.CLOSED,
                             latest_rating="satisfied")
        IssueEventFactory(issue=issue, message=f"{tag} 公开答复 {index}")
        IssueEventFactory(issue=issue, kind=IssueEvent.Kind.PROGRESS, is_public=False,
                          message=f"{tag} 内部备注 {index}")
        SatisfactionRatingFactory(issue=issue, comment=f"{tag} 评价 {index}")
        AttachmentFactory(issue=issue, original_name=f"{tag}-证明-{index}.pdf")
        NotificationFactory(recipient=person.user, channel=Notification.Channel.IN_APP,
                            address="", subject=f"{tag} 通知 {index}")
        audit_record(AuditEvent.Kind.LOGIN, subject=person.user, actor=person.user)


def download(client, user) -> dict:
    client.force_login(user)
    response = client.get(EXPORT)
    assert response.status_code == 200
    return response


# --- Download ---------------------------------------------------------------------------------


def test_the_download_holds_the_persons_data_and_nothing_of_a_colleague(client, world):
    person, colleague = world["person"], world["colleague"]
    add_history(person, 2, tag="本人")
    add_history(colleague, 2, tag="同事")
    assert log_in(client, person.mobile, REMOTE_ADDR="10.1.1.1").status_code == 302
    assert log_in(client, colleague.mobile, REMOTE_ADDR="10.9.9.9").status_code == 302

    response = download(client, person.user)

    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == (
        f'attachment; filename="huzhou-talks-my-data-{timezone.localdate():%Y-%m-%d}.json"'
    )
    raw = response.content.decode()
    data = json.loads(raw)
    assert data["generated_at"]
    assert data["privacy_notice_version"] == PRIVACY_NOTICE_VERSION
    assert data["account"]["username"] == person.user.username
    assert data["person"]["name"] == "钱振华"
    assert data["person"]["mobile"] == "13905720001"
    assert data["person"]["email"] == "qian@example.com"
    assert data["person"]["verification"] == "verified"
    assert data["person"]["privacy_consented_at"]
    assert data["enterprise"]["credit_code"] == person.enterprise.credit_code
    assert [a["session"] for a in data["attendances"]] == ["本人 场次 0", "本人 场次 1"]
    assert [i["title"] for i in data["issues"]] == ["本人 问题 0", "本人 问题 1"]
    first = data["issues"][0]
    assert [entry["message"] for entry in first["timeline"]] == ["本人 公开答复 0"]
    assert first["ratings"][0]["comment"] == "本人 评价 0"
    assert first["attachments"][0] == {
        "name": "本人-证明-0.pdf", "size_bytes": 1024, "type": "application/pdf",
        "uploaded_at": first["attachments"][0]["uploaded_at"],
    }
    assert {n["subject"] for n in data["notifications"]} == {"本人 通知 0", "本人 通知 1"}
    assert "10.1.1.1" in {event["ip_address"] for event in data["account_history"]}
    assert "login" in {event["kind"] for event in data["account_history"]}
    # Nothing of the colleague, and nothing internal to the departments.
    for secret in ("同事", "孙丽娟", "13905720002", "sun@example.com", "10.9.9.9",
                   colleague.user.username, "内部备注"):
        assert secret not in raw
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.DATA_EXPORTED,
                                     subject=person.user).count() == 1


def test_the_download_runs_a_fixed_number_of_queries(client, world):
    person = world["person"]

    def queries() -> int:
        client.force_login(person.user)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(EXPORT)
        assert response.status_code == 200
        return len(captured)

    add_history(person, 1, tag="少")
    few = queries()
    add_history(person, 15, tag="多")
    assert queries() == few == EXPORT_QUERIES


def test_people_who_are_not_entrepreneurs_are_told_why_they_cannot_download(client, world):
    client.force_login(world["handler"])
    for url in (MY_DATA, EXPORT):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 403
        assert "Only entrepreneurs" in response.content.decode()


def test_the_notice_offers_the_data_page_to_entrepreneurs_and_visitors_only(client, world):
    notice = reverse("privacy:notice")
    assert MY_DATA in client.get(notice).content.decode()  # a visitor logs in first
    client.force_login(world["person"].user)
    assert MY_DATA in client.get(notice).content.decode()
    client.force_login(world["handler"])
    assert MY_DATA not in client.get(notice).content.decode()  # it would answer 403


def test_my_data_page_counts_what_is_held_and_offers_download_and_erasure(client, world):
    add_history(world["person"], 3, tag="本人")
    client.force_login(world["person"].user)
    page = client.get(MY_DATA, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "钱振华" in page and "13905720001" in page
    assert EXPORT in page
    assert 'data-testid="deletion-form"' in page
    assert "text stays as you wrote it" in page
    counts = page[page.index('data-testid="my-data-counts"'):page.index("Download a copy")]
    assert counts.count('<span class="fw-semibold">3</span>') == 3  # sessions, issues, messages


# --- Asking ------------------------------------------------------------------------------------


def test_asking_tells_the_coordinators_of_the_region_and_the_city_only(client, world):
    person = world["person"]
    client.force_login(person.user)
    response = client.post(REQUEST_DELETION, {"reason": "不再参加", "confirm": "on"})
    assert response.status_code == 302
    deletion_request = DeletionRequest.objects.get()
    assert deletion_request.entrepreneur == person
    assert deletion_request.status == DeletionRequest.Status.PENDING
    told = set(Notification.objects.filter(channel="in_app").exclude(recipient=person.user)
               .values_list("recipient", flat=True))
    assert told == {world["coordinator"].pk, world["city_coordinator"].pk}
    assert not Notification.objects.filter(body__contains="钱振华").exists()
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.DELETION_REQUESTED,
                                     subject=person.user).exists()
    page = client.get(MY_DATA).content.decode()
    assert 'data-testid="deletion-pending"' in page
    assert 'data-testid="deletion-form"' not in page


def test_the_confirm_box_is_required(client, world):
    client.force_login(world["person"].user)
    response = client.post(REQUEST_DELETION, {"reason": "x"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "Tick the box" in response.content.decode()
    assert not DeletionRequest.objects.exists()


def test_a_second_request_while_one_waits_is_refused_with_a_message(client, world):
    client.force_login(world["person"].user)
    client.post(REQUEST_DELETION, {"confirm": "on"})
    response = client.post(REQUEST_DELETION, {"confirm": "on"}, follow=True,
                           HTTP_ACCEPT_LANGUAGE="en")
    assert "You have already asked for your data to be erased" in response.content.decode()
    assert DeletionRequest.objects.count() == 1
    with pytest.raises(ValidationError):
        deletion_request_create(user=world["person"].user)


# --- Deciding ----------------------------------------------------------------------------------


def headline_figures():
    return public_figures()


def test_approval_erases_the_person_everywhere_and_keeps_the_figures(client, world):
    person, coordinator = world["person"], world["coordinator"]
    user = person.user
    old_username = user.username
    add_history(person, 2, tag="本人")
    add_history(world["colleague"], 1, tag="同事")
    NotificationFactory(recipient=user, status="pending", address="13905720001",
                        channel=Notification.Channel.SMS, subject="钱振华，请参加恳谈会",
                        body="钱振华您好，周三见。")
    NotificationFactory(address="qian@example.com", subject="邀请", body="请回复")
    NotificationFactory(recipient=world["handler"], channel=Notification.Channel.IN_APP,
                        address="", subject="新问题", body="联系电话 13905720001")
    before = headline_figures()
    issues_before = set(Issue.objects.filter(entrepreneur=person).values_list("pk", flat=True))

    client.force_login(user)
    client.post(REQUEST_DELETION, {"reason": "不再参加", "confirm": "on"})
    deletion_request = DeletionRequest.objects.get()
    client.force_login(coordinator)
    assert "钱振华" in client.get(REQUESTS).content.decode()
    response = client.post(decide_url(deletion_request), {"decision": "approve"})
    assert response.status_code == 302

    person.refresh_from_db()
    user.refresh_from_db()
    deletion_request.refresh_from_db()
    assert deletion_request.status == DeletionRequest.Status.APPROVED
    assert deletion_request.decided_by == coordinator
    assert deletion_request.reason == ""
    assert (person.name, person.mobile, person.email, person.position) == ("", "", "", "")
    assert person.consent_to_contact is False
    assert person.anonymised_at is not None
    assert user.username == f"deleted-{user.pk}"
    assert (user.email, user.first_name, user.last_name) == ("", "", "")
    assert not user.is_active
    assert not user.has_usable_password()
    for value in ("钱振华", "13905720001", "qian@example.com"):
        assert not Entrepreneur.objects.filter(name=value).exists()
        assert not get_user_model().objects.filter(email=value).exists()
        for field in ("subject", "body", "address"):
            assert not Notification.objects.filter(**{f"{field}__contains": value}).exists()
    assert not Notification.objects.filter(recipient=user, status="pending").exists()

    # They cannot log in any more, by any identifier, and their session has ended.
    client.logout()
    for identifier in (old_username, "13905720001", "qian@example.com"):
        response = log_in(client, identifier, REMOTE_ADDR="10.0.0.1")
        assert response.status_code == 200
        assert "_auth_user_id" not in client.session
    client.force_login(user)  # an old session cookie no longer belongs to an active account
    assert client.get(MY_DATA).status_code == 302

    # The programme's figures are exactly what they were.
    assert headline_figures() == before
    assert set(Issue.objects.filter(entrepreneur=person).values_list("pk", flat=True)) \
        == issues_before
    assert Attendance.objects.filter(entrepreneur=person).count() == 2

    client.force_login(coordinator)
    page = client.get(REQUESTS, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Person who left the programme" in page
    assert "钱振华" not in page
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.DELETION_DECIDED)
    assert "approved" in event.message
    assert event.actor == coordinator


def test_refusal_needs_a_note_and_tells_the_person(client, world):
    person, coordinator = world["person"], world["coordinator"]
    deletion_request = deletion_request_create(user=person.user, reason="请删除")
    client.force_login(coordinator)

    response = client.post(decide_url(deletion_request), {"decision": "refuse"}, follow=True,
                           HTTP_ACCEPT_LANGUAGE="en")
    assert "Say why the request is refused" in response.content.decode()
    deletion_request.refresh_from_db()
    assert deletion_request.is_pending

    client.post(decide_url(deletion_request), {"decision": "refuse", "note": "尚有未结问题"})
    deletion_request.refresh_from_db()
    assert deletion_request.status == DeletionRequest.Status.REFUSED
    assert deletion_request.decision_note == "尚有未结问题"
    told = Notification.objects.get(recipient=person.user)
    assert told.body == "尚有未结问题"
    person.refresh_from_db()
    assert person.name == "钱振华" and person.user.is_active
    assert "refused" in AuditEvent.objects.get(kind=AuditEvent.Kind.DELETION_DECIDED).message

    client.force_login(person.user)
    page = client.get(MY_DATA).content.decode()
    assert "尚有未结问题" in page
    assert 'data-testid="deletion-form"' in page  # they may ask again

    client.force_login(coordinator)
    response = client.post(decide_url(deletion_request), {"decision": "approve"}, follow=True,
                           HTTP_ACCEPT_LANGUAGE="en")
    assert "already been decided" in response.content.decode()
    person.refresh_from_db()
    assert person.anonymised_at is None


def test_a_coordinator_of_another_county_gets_not_found(client, world):
    deletion_request = deletion_request_create(user=world["person"].user)
    client.force_login(world["other_coordinator"])
    assert 'data-testid="no-requests"' in client.get(REQUESTS).content.decode()
    response = client.post(decide_url(deletion_request), {"decision": "approve"})
    assert response.status_code == 404
    deletion_request.refresh_from_db()
    assert deletion_request.is_pending


def test_the_city_coordinator_and_the_administrator_see_every_county(client, world,
                                                                        admin_user):
    deletion_request = deletion_request_create(user=world["person"].user)
    for user in (world["city_coordinator"], admin_user):
        client.force_login(user)
        page = client.get(REQUESTS).content.decode()
        assert f'data-testid="request-{deletion_request.pk}"' in page
    client.post(decide_url(deletion_request), {"decision": "refuse", "note": "资料不全"})
    deletion_request.refresh_from_db()
    assert deletion_request.status == DeletionRequest.Status.REFUSED
    assert deletion_request.decided_by == admin_user


@pytest.mark.parametrize("who", ["handler", "colleague"])
def test_handlers_and_entrepreneurs_are_told_they_may_not_decide(client, world, who):
    deletion_request = deletion_request_create(user=world["person"].user)
    user = world[who] if who == "handler" else world[who].user
    client.force_login(user)
    response = client.get(REQUESTS, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert "Only programme coordinators and administrators" in response.content.decode()
    assert client.post(decide_url(deletion_request), {"decision": "approve"}).status_code == 403
    deletion_request.refresh_from_db()
    assert deletion_request.is_pending


def test_the_request_list_puts_waiting_first_and_runs_a_fixed_number_of_queries(client, world):
    region = world["county"]

    def add_requests(count: int) -> None:
        for index in range(count):
            enterprise = EnterpriseFactory(region=region)
            person = EntrepreneurFactory(with_user=True, enterprise=enterprise)
            if index % 2:
                DeletionRequest.objects.create(
                    entrepreneur=person, requested_by=person.user, status="refused",
                    decided_by=world["coordinator"], decided_at=timezone.now(), decision_note="否",
                )
            deletion_request_create(user=person.user, reason="请删除")

    def queries() -> tuple[int, str]:
        client.force_login(world["coordinator"])
        with CaptureQueriesContext(connection) as captured:
            response = client.get(REQUESTS)
        assert response.status_code == 200
        return len(captured), response

    add_requests(2)
    few, _ = queries()
    add_requests(30)
    many, response = queries()
    assert few == many == REQUEST_LIST_QUERIES
    rows = list(response.context["page"].object_list)
    assert len(rows) == 25
    assert all(row.is_pending for row in rows)  # 32 waiting ones come before 16 decided


def test_anonymous_visitors_are_sent_to_log_in_except_for_the_notice(client, world):
    deletion_request = deletion_request_create(user=world["person"].user)
    login = reverse("login")
    for url in (MY_DATA, EXPORT, REQUESTS):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(login)
    for url in (REQUEST_DELETION, decide_url(deletion_request)):
        response = client.post(url, {"confirm": "on", "decision": "approve"})
        assert response.status_code == 302
        assert response["Location"].startswith(login)
    assert client.get(reverse("privacy:notice")).status_code == 200
    deletion_request.refresh_from_db()
    assert deletion_request.is_pending


def test_asking_and_deciding_only_answer_to_a_form_post(client, world):
    deletion_request = deletion_request_create(user=world["person"].user)
    client.force_login(world["person"].user)
    assert client.get(REQUEST_DELETION).status_code == 405
    client.force_login(world["coordinator"])
    assert client.get(decide_url(deletion_request)).status_code == 405
    response = client.post(decide_url(deletion_request), {"decision": "erase-everyone"},
                           follow=True)
    assert response.status_code == 200
    deletion_request.refresh_from_db()
    assert deletion_request.is_pending
