"""Claiming an account later (issue 14, item 2): the SMS's single-use link lets a person added
without an account set a password for their existing record; a used, altered or expired
link is refused in plain words with the coordinators' telephone."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from core.privacy import PRIVACY_NOTICE_VERSION
from entrepreneurs.models import Entrepreneur
from entrepreneurs.services import entrepreneur_add_walk_in, entrepreneur_invite_to_claim
from entrepreneurs.tokens import claim_token_make
from government.models import Official
from notifications.models import Notification
from tests.factories import (
    DepartmentFactory,
    EntrepreneurFactory,
    IssueFactory,
    OfficialFactory,
    RegionFactory,
    UserFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

PASSWORD = "Tea-garden-2026"


@pytest.fixture
def walk_in():
    """A walk-in of Wuxing, added by its coordinator, with an issue recorded for them."""
    wuxing = RegionFactory(code="wuxing", name="吴兴区", name_en="Wuxing")
    coordinator = OfficialFactory(department=DepartmentFactory(region=wuxing),
                                  role=Official.Role.COORDINATOR).user
    person = entrepreneur_add_walk_in(actor=coordinator, name="孙丁", mobile="13905728888",
                                      enterprise_name="湖州孙记茶业", region=wuxing)
    IssueFactory(enterprise=person.enterprise, entrepreneur=person, region=wuxing,
                 title="厂房消防验收")
    return person


def link_of(person) -> str:
    body = Notification.objects.get(key=f"entrepreneur:{person.pk}:claim").body
    return re.search(r"https?://[^/\s]+(/c/\S+)$", body).group(1)


def claim(client, path, **changes):
    data = {"password": PASSWORD, "password_confirm": PASSWORD, "privacy_consent": "on"}
    data.update(changes)
    return client.post(path, data)


def test_the_link_sets_up_an_account_for_the_existing_record_and_logs_in(client, walk_in,
                                                                        settings):
    path = link_of(walk_in)
    page = client.get(path)
    assert page.status_code == 200
    assert "孙丁 of 湖州孙记茶业: choose a password." in page.content.decode()

    response = claim(client, path)
    assert response.status_code == 302
    person = Entrepreneur.objects.get(pk=walk_in.pk)
    user = person.user
    assert user is not None and user.username == "13905728888" and user.check_password(PASSWORD)
    assert Entrepreneur.objects.filter(mobile="13905728888").count() == 1
    assert (person.privacy_notice_version, person.verification) == (
        PRIVACY_NOTICE_VERSION, Entrepreneur.Verification.VERIFIED)
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.ACCOUNT_CREATED, subject=user,
                                     message__startswith=f"claimed entrepreneur #{person.pk}"
                                     ).exists()
    # Logged in as themself, with their issue there.
    assert int(client.session["_auth_user_id"]) == user.pk
    issues = client.get(reverse("issues:list"))
    assert "厂房消防验收" in issues.content.decode()

    # The link cannot be used again, even from another browser.
    client.logout()
    again = client.get(path)
    assert again.status_code == 400
    assert "This link has already been used: your account is set up." in (
        again.content.decode())
    assert settings.PROGRAMME_PHONE in again.content.decode()
    replay = claim(client, path, password="Another-pass-2027",
                   password_confirm="Another-pass-2027")
    assert replay.status_code == 400
    assert get_user_model().objects.get(pk=user.pk).check_password(PASSWORD)


def test_an_altered_link_is_refused_and_nothing_is_written(client, walk_in, settings):
    path = link_of(walk_in)
    altered = path[:-1] + ("0" if path[-1] != "0" else "1")
    other_person = EntrepreneurFactory()
    for bad in (altered, path.replace("/c/", "/c/x"), "/c/abc",
                "/c/" + claim_token_make(other_person).split("-", 1)[0] + path.split("-", 1)[1]):
        response = claim(client, bad)
        assert response.status_code == 400, bad
        assert "This link is not complete or not one of ours." in response.content.decode()
        assert settings.PROGRAMME_PHONE in response.content.decode()
    assert Entrepreneur.objects.get(pk=walk_in.pk).user is None
    assert not Entrepreneur.objects.get(pk=other_person.pk).user


def test_an_expired_link_is_refused(client, walk_in):
    path = link_of(walk_in)
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        response = claim(client, path)
    assert response.status_code == 400
    assert "This link has expired. Please call the coordinators" in response.content.decode()
    assert Entrepreneur.objects.get(pk=walk_in.pk).user is None
    with time_machine.travel(timezone.now() + timedelta(days=29)):
        assert client.get(path).status_code == 200


def test_the_password_rules_and_the_privacy_notice_apply_as_at_sign_up(client, walk_in):
    path = link_of(walk_in)
    weak = claim(client, path, password="123", password_confirm="123")
    assert weak.status_code == 400
    assert "This password is too short." in weak.content.decode()
    differ = claim(client, path, password_confirm="Tea-garden-2027")
    assert "The two passwords differ." in differ.content.decode()
    no_consent = claim(client, path, privacy_consent="")
    assert "Please read and agree to the privacy notice to set up your account." in (
        no_consent.content.decode())
    assert Entrepreneur.objects.get(pk=walk_in.pk).user is None


def test_the_claim_page_is_rate_limited(client, walk_in, settings):
    settings.RATELIMIT_ACCOUNT_CLAIM = "2/h"
    path = link_of(walk_in)
    for _ in range(2):
        claim(client, path, password="123", password_confirm="123")
    over = claim(client, path)
    assert over.status_code == 429
    assert Entrepreneur.objects.get(pk=walk_in.pk).user is None


def test_one_invitation_per_person_and_none_for_someone_with_an_account(walk_in):
    assert entrepreneur_invite_to_claim(walk_in) is None  # sent when they were added
    assert Notification.objects.filter(key__endswith=":claim").count() == 1
    assert entrepreneur_invite_to_claim(EntrepreneurFactory(user=UserFactory())) is None
    imported = EntrepreneurFactory(source=Entrepreneur.Source.IMPORTED)
    sms = entrepreneur_invite_to_claim(imported)
    assert (sms.key, sms.channel, sms.address, sms.recipient) == (
        f"entrepreneur:{imported.pk}:claim", Notification.Channel.SMS, imported.mobile, None)
