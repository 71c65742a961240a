"""A person not in the directory at the door (issue 14, item 1): the coordinator's short form
on the check-in list adds them, verified in person, checks them in at once, and an issue
can be recorded for them; duplicates are offered, never written twice; a refusal writes
nothing."""

import re
from contextlib import contextmanager

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from entrepreneurs.models import Enterprise, Entrepreneur
from notifications.models import Notification
from sessions.models import Attendance
from sessions.services import NotAllowed, WrongState, attendance_register_walk_in
from tests.entrepreneurs.test_signup import form_data, sign_up
from tests.factories import AttendanceFactory, EnterpriseFactory, EntrepreneurFactory, credit_code
from tests.helpers import at
from tests.helpers import signed_in as login
from tests.sessions.screens import WEDNESDAY, A, make_session, place, text, words
from tests.worlds import session_screens_world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

OPEN_AT = at(WEDNESDAY, 14)  # check-in opens two hours before the 14:30 start (worlds)
CODE = credit_code(990_001_401)


@pytest.fixture
def world(settings):
    yield from session_screens_world(settings)


@pytest.fixture
def door(client, world):
    """The Wuxing coordinator at the door of an open Wuxing session, check-in open."""
    session = make_session(world.county)
    world.clock.move_to(OPEN_AT)
    login(client, world.users["coordinator"])
    return session


def add(client, session, **changes):
    data = {"name": "孙丁", "mobile": "139 0572 8888", "enterprise_name": "湖州孙记茶业",
            "region": str(session.region_id), "credit_code": ""}
    data.update(changes)
    return client.post(reverse("sessions:check_in_add", args=[session.pk]), data)


def rows():
    """Every row a walk-in may write, to prove a refusal wrote none."""
    return (list(Entrepreneur.objects.order_by("pk").values()),
            list(Enterprise.objects.order_by("pk").values()),
            list(Attendance.objects.order_by("pk").values()),
            sorted(Notification.objects.values_list("key", flat=True)),
            AuditEvent.objects.exclude(kind=AuditEvent.Kind.LOGIN).count())


@contextmanager
def writes_nothing():
    before = rows()
    yield
    assert rows() == before


def test_a_walk_in_is_added_verified_checked_in_and_invited_to_claim_an_account(
        client, world, door):
    page = client.get(reverse("sessions:check_in", args=[door.pk]), {"q": "孙丁"})
    assert "Nobody found." in text(page)
    assert 'data-testid="walk-in-new" open' in page.content.decode()  # unfolded: nobody found

    response = add(client, door)
    person = Entrepreneur.objects.get(mobile="13905728888")
    attendance = place(door, person)
    assert response.status_code == 302
    assert response.url.endswith(f"#attendance-{attendance.pk}")
    assert (attendance.status, attendance.check_in_method, attendance.checked_in_by) == (
        A.ATTENDED, Attendance.CheckIn.WALK_IN, world.users["coordinator"])
    assert person.user is None and person.source == Entrepreneur.Source.WALK_IN
    assert (person.verification, person.verified_by) == (
        Entrepreneur.Verification.VERIFIED, world.users["coordinator"])
    assert person.verified_at is not None
    assert person.verification_note.startswith(f"Verified in person at session #{door.pk}")
    enterprise = person.enterprise
    assert (enterprise.name, enterprise.region, enterprise.provisional,
            enterprise.credit_code) == ("湖州孙记茶业", world.county, True, None)
    audit = AuditEvent.objects.get(kind=AuditEvent.Kind.VERIFIED)
    assert audit.actor == world.users["coordinator"]
    assert f"walk-in entrepreneur #{person.pk} verified in person at session #{door.pk}" in (
        audit.message)
    sms = Notification.objects.get(key=f"entrepreneur:{person.pk}:claim")
    assert (sms.channel, sms.address, sms.recipient) == (Notification.Channel.SMS,
                                                         "13905728888", None)
    assert re.search(r"https?://\S+/c/[0-9a-z]+-[0-9a-z]+-[0-9a-f]+$", sms.body)

    page = client.get(response.url)
    assert "孙丁 is in the directory and checked in." in text(page)
    assert "1 of 1 checked in" in words(page)
    assert (f"{reverse('issues:new')}?entrepreneur={person.pk}&amp;session={door.pk}"
            in page.content.decode())
    # The link records an issue for them straight away.
    entry = client.get(f"{reverse('issues:new')}?entrepreneur={person.pk}&session={door.pk}")
    assert entry.status_code == 200
    assert "孙丁" in text(entry)


def test_a_walk_in_with_a_registered_credit_code_joins_that_enterprise(client, world, door):
    registered = EnterpriseFactory(region=world.county, name="湖州老茶厂", credit_code=CODE)
    add(client, door, credit_code=CODE.lower(), enterprise_name="别的名字", region="")
    person = Entrepreneur.objects.get(mobile="13905728888")
    assert person.enterprise == registered
    assert Enterprise.objects.filter(name="别的名字").count() == 0
    assert not Enterprise.objects.filter(provisional=True).exists()


def test_an_unknown_credit_code_makes_a_provisional_enterprise_that_takes_nobody_else(
        client, world, door):
    add(client, door, credit_code=CODE)
    first = Entrepreneur.objects.get(mobile="13905728888")
    assert (first.enterprise.credit_code, first.enterprise.provisional) == (CODE, True)

    with writes_nothing():
        response = add(client, door, name="孙戊", mobile="13905729999", credit_code=CODE)
    assert response.status_code == 400
    assert ("湖州孙记茶业 was added at the door and its credit code is not confirmed yet, so "
            "nobody else can be added to it.") in text(response)


def test_a_mobile_already_in_the_directory_offers_that_person_instead(client, world, door):
    with writes_nothing():
        response = add(client, door, mobile="138 0000 1111")  # 张甲 of 甲企业
    assert response.status_code == 400
    assert "张甲 of 甲企业 is already in the directory with this mobile number." in text(response)
    offer = response.content.decode().split('data-testid="walk-in-existing"')[1]
    assert f'action="{reverse("sessions:check_in_walk_in", args=[door.pk])}"' in offer
    assert f'name="entrepreneur" value="{world.person.pk}"' in offer
    assert "Check in 张甲 instead" in offer

    client.post(reverse("sessions:check_in_walk_in", args=[door.pk]),
                {"entrepreneur": world.person.pk})
    assert place(door, world.person).status == A.ATTENDED
    assert Entrepreneur.objects.filter(mobile="13800001111").count() == 1


def test_a_mobile_of_another_region_is_refused_without_naming_the_person(client, world, door):
    with writes_nothing():
        response = add(client, door, mobile=world.stranger.mobile)
    assert "Someone of another region is already in the directory" in text(response)
    assert world.stranger.name not in text(response)
    assert 'data-testid="walk-in-existing"' not in response.content.decode()


def test_a_malformed_mobile_or_code_gets_the_messages_of_sign_up(client, world, door):
    with writes_nothing():
        door_answer = add(client, door, mobile="12345", credit_code="91330502ABC")
    assert door_answer.status_code == 400
    client.logout()
    # Sign-up asks the mobile at step 1 and the code at step 2.
    step_1 = client.post(reverse("entrepreneurs:signup"), {"mobile": "12345"})
    step_2 = sign_up(client, form_data(world.county, credit_code="91330502ABC"))
    for message, signup in (
        ("Enter an 11-digit mainland mobile number starting with 13–19, e.g. 13812345678.",
         step_1),
        ("A unified social credit code has 18 characters; this one has 11.", step_2),
    ):
        assert message in text(door_answer)
        assert message in text(signup)


def test_a_new_enterprise_needs_its_name_and_one_of_the_coordinators_regions(
        client, world, door):
    with writes_nothing():
        anji = add(client, door, region=str(world.other_county.pk))
        nameless = add(client, door, enterprise_name="  ")
        nowhere = add(client, door, region="")
    assert {anji.status_code, nameless.status_code, nowhere.status_code} == {400}
    assert "Select a valid choice." in text(anji)  # Anji is not the coordinator's
    assert "Give the enterprise's name." in text(nameless)
    assert "Choose the district, county or area where the enterprise is registered." in text(
        nowhere)


def test_refused_before_check_in_opens_and_for_someone_who_does_not_run_it(
        client, world, door):
    world.clock.move_to(at(WEDNESDAY, 11))
    with writes_nothing():
        early = add(client, door)
    assert early.status_code == 409
    assert "Check-in opens 120 minutes before the start." in text(early)

    world.clock.move_to(OPEN_AT)
    login(client, world.users["other_coordinator"])
    with writes_nothing():
        assert add(client, door).status_code == 404  # not even seen from Anji
    with writes_nothing(), pytest.raises(NotAllowed):
        attendance_register_walk_in(actor=world.users["other_coordinator"], session=door,
                                    name="孙丁", mobile="13905728888",
                                    enterprise_name="湖州孙记茶业", region=world.county)


def test_the_service_refuses_a_session_already_held(world):
    session = make_session(world.county, status="held")
    world.clock.move_to(OPEN_AT)
    with writes_nothing(), pytest.raises(WrongState):
        attendance_register_walk_in(actor=world.users["coordinator"], session=session,
                                    name="孙丁", mobile="13905728888",
                                    enterprise_name="湖州孙记茶业", region=world.county)


def test_the_check_in_page_runs_the_same_queries_for_5_people_as_for_40(
        client, world, door, django_assert_num_queries):
    def fill(count):
        for _ in range(count):
            AttendanceFactory(session=door, entrepreneur=EntrepreneurFactory(
                enterprise=EnterpriseFactory(region=world.county)))

    url = reverse("sessions:check_in", args=[door.pk])
    fill(5)
    client.get(url, {"q": "企业家"})  # warm the user's caches
    with django_assert_num_queries(CHECK_IN_QUERIES) as few:
        client.get(url, {"q": "企业家"})
    fill(35)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(url, {"q": "企业家"})
    assert response.status_code == 200


#: Queries of the check-in list with a search, whatever the number of people (measured).
CHECK_IN_QUERIES = 13
