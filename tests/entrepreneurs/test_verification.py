"""A coordinator verifies (or refuses) the people who signed up in their region."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from entrepreneurs.models import Entrepreneur
from entrepreneurs.services import entrepreneur_verify
from government.models import Official
from notifications.models import Notification
from tests.factories import (
    CityFactory,
    DepartmentFactory,
    EnterpriseFactory,
    EntrepreneurFactory,
    OfficialFactory,
)
from tests.helpers import fresh
from tests.worlds import wuxing_and_anji

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

PENDING = Entrepreneur.Verification.PENDING


@pytest.fixture
def world(admin_user):
    city = CityFactory()
    wuxing, anji = wuxing_and_anji(codes=True)

    def official(region, role, name, department=None):
        department = department or DepartmentFactory(region=region, name_en=f"{name}'s office")
        return OfficialFactory(department=department, role=role, name=name).user

    person = EntrepreneurFactory(
        with_user=True, verification=PENDING, name="周明", mobile="13905721234",
        email="zhou@example.com", enterprise=EnterpriseFactory(region=wuxing, name="湖州茶园"),
    )
    return {
        "person": person,
        "wuxing": official(wuxing, Official.Role.COORDINATOR, "沈科长"),
        "anji": official(anji, Official.Role.COORDINATOR, "安吉协调员"),
        "city": official(city, Official.Role.COORDINATOR, "市协调员"),
        "handler": official(city, Official.Role.HANDLER, "经办人"),
        "leader": official(city, Official.Role.LEADER, "领导"),
        "entrepreneur": EntrepreneurFactory(with_user=True).user,
        "admin": admin_user,
    }


def decide(client, user, person, **data):
    client.force_login(user)
    return client.post(reverse("entrepreneurs:verify", args=[person.pk]), data)


def test_a_person_waiting_has_no_rights_and_is_told_why(client, world):
    person = world["person"]
    assert not person.user.has_perm("issues.add_issue")
    assert not person.user.has_perm("talk_sessions.add_attendance")
    client.force_login(person.user)
    page = client.get(reverse("home")).content.decode()
    assert "waiting for verification by the coordinator of Wuxing" in page
    assert "you cannot submit issues or register for sessions" in page
    assert 'id="status-heading"' not in page


def test_the_county_coordinator_sees_the_person_with_full_contact_details(client, world):
    client.force_login(world["wuxing"])
    page = client.get(reverse("entrepreneurs:pending")).content.decode()
    assert "周明" in page
    assert "13905721234" in page and "zhou@example.com" in page
    detail = client.get(reverse("entrepreneurs:detail", args=[world["person"].pk]))
    assert detail.status_code == 200
    assert 'data-testid="decision-form"' in detail.content.decode()


@pytest.mark.parametrize(("who", "sees"), [("city", True), ("admin", True), ("anji", False)])
def test_the_queue_holds_the_people_of_the_coordinators_scope(client, world, who, sees):
    client.force_login(world[who])
    response = client.get(reverse("entrepreneurs:pending"))
    assert response.status_code == 200
    assert ("周明" in response.content.decode()) is sees


@pytest.mark.parametrize("who", ["handler", "leader", "entrepreneur"])
def test_others_may_not_open_the_queue_and_are_told_why(client, world, who):
    client.force_login(world[who])
    response = client.get(reverse("entrepreneurs:pending"))
    assert response.status_code == 403
    assert "Only a coordinator or an administrator can verify" in response.content.decode()


def test_the_queue_is_oldest_first_and_paginated(client, world):
    wuxing = world["person"].enterprise.region
    now = timezone.now()
    for n in range(30):
        EntrepreneurFactory(verification=PENDING, name=f"排队{n:02d}",
                            enterprise=EnterpriseFactory(region=wuxing),
                            created_at=now - timedelta(hours=n))
    client.force_login(world["wuxing"])
    first = client.get(reverse("entrepreneurs:pending")).context["page"]
    second = client.get(reverse("entrepreneurs:pending"), {"page": 2}).context["page"]
    names = [p.name for p in first] + [p.name for p in second]
    assert len(first.object_list) == 25
    assert names[:2] == ["排队29", "排队28"]
    assert len(names) == len(set(names)) == 31


def test_the_queue_runs_a_fixed_number_of_queries(client, world):
    wuxing = world["person"].enterprise.region

    def count() -> int:
        client.force_login(world["wuxing"])
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("entrepreneurs:pending")).status_code == 200
        return len(queries)

    small = count()
    for _ in range(40):
        EntrepreneurFactory(verification=PENDING, enterprise=EnterpriseFactory(region=wuxing))
    # Session, user, role groups, permissions (2), official, department, region, count, rows.
    assert small == count() == 11


def test_the_county_coordinator_verifies_and_the_person_gains_their_rights(client, world):
    person = world["person"]
    response = decide(client, world["wuxing"], person, decision="verify")

    assert response.status_code == 302
    assert response.url == reverse("entrepreneurs:pending")
    person.refresh_from_db()
    assert person.verification == Entrepreneur.Verification.VERIFIED
    assert person.verified_by == world["wuxing"]
    assert person.verified_at is not None
    assert fresh(person.user).has_perm("issues.add_issue")
    assert AuditEvent.objects.filter(
        kind=AuditEvent.Kind.VERIFIED, subject=person.user, actor=world["wuxing"]).exists()
    told = Notification.objects.filter(recipient=person.user)
    assert set(told.values_list("channel", flat=True)) == {"in_app", "email"}
    assert told.get(channel="email").address == "zhou@example.com"

    client.force_login(person.user)
    page = client.get(reverse("home")).content.decode()
    assert 'data-testid="verification-pending"' not in page
    assert 'id="status-heading"' in page


def test_a_person_without_email_is_told_in_the_app_only(client, world):
    person = world["person"]
    Entrepreneur.objects.filter(pk=person.pk).update(email="")
    decide(client, world["city"], person, decision="verify")
    assert list(Notification.objects.values_list("channel", flat=True)) == ["in_app"]


def test_a_coordinator_of_another_county_gets_not_found(client, world):
    person = world["person"]
    assert decide(client, world["anji"], person, decision="verify").status_code == 404
    detail = client.get(reverse("entrepreneurs:detail", args=[person.pk]))
    assert detail.status_code == 404
    person.refresh_from_db()
    assert person.verification == PENDING


@pytest.mark.parametrize("who", ["handler", "leader", "entrepreneur"])
def test_others_may_not_decide(client, world, who):
    person = world["person"]
    response = decide(client, world[who], person, decision="verify")
    assert response.status_code == 403
    assert response.context["exception"]
    person.refresh_from_db()
    assert person.verification == PENDING


def test_deciding_answers_only_to_post(client, world):
    client.force_login(world["wuxing"])
    url = reverse("entrepreneurs:verify", args=[world["person"].pk])
    assert client.get(url).status_code == 405


def test_refusing_needs_a_reason_the_person_then_reads(client, world):
    person = world["person"]
    response = decide(client, world["wuxing"], person, decision="refuse", reason="  ")
    assert response.status_code == 200
    assert "Say why the registration is refused" in response.content.decode()
    person.refresh_from_db()
    assert person.verification == PENDING
    assert not Notification.objects.exists()

    reason = "营业执照上的法定代表人不是您，请提供授权书。"
    response = decide(client, world["wuxing"], person, decision="refuse", reason=reason)

    assert response.status_code == 302
    person.refresh_from_db()
    assert person.verification == Entrepreneur.Verification.REJECTED
    assert person.verification_note == reason
    assert not fresh(person.user).has_perm("issues.add_issue")
    assert AuditEvent.objects.filter(
        kind=AuditEvent.Kind.VERIFICATION_REFUSED, subject=person.user).exists()
    assert reason in Notification.objects.get(channel="in_app").body

    client.force_login(person.user)
    page = client.get(reverse("home")).content.decode()
    assert 'data-testid="verification-refused"' in page
    assert reason in page
    assert "contact 沈科长 of 沈科长&#x27;s office" in page


def test_a_second_decision_gets_a_message_not_an_error(client, world):
    person = world["person"]
    decide(client, world["wuxing"], person, decision="verify")

    response = decide(client, world["city"], person, decision="refuse", reason="重复")

    assert response.status_code == 302
    assert response.url == reverse("entrepreneurs:detail", args=[person.pk])
    page = client.get(response.url).content.decode()
    assert "This person was already verified on" in page
    person.refresh_from_db()
    assert person.verification == Entrepreneur.Verification.VERIFIED
    assert person.verified_by == world["wuxing"]
    with pytest.raises(ValidationError):
        entrepreneur_verify(actor=world["city"], entrepreneur=person)


def test_the_coordinator_home_counts_the_people_waiting(client, world):
    client.force_login(world["wuxing"])
    page = client.get(reverse("home")).content.decode()
    assert "1</span> entrepreneur is waiting for verification" in page
    assert reverse("entrepreneurs:pending") in page
    client.force_login(world["anji"])
    assert "Nobody is waiting for verification" in client.get(reverse("home")).content.decode()
