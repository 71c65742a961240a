"""A session's SMS texts carry the short link /s/<pk>, which only redirects to the session's
page (its own log-in and scope apply); the app and email keep the full path."""

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from notifications.backends import sms_parts, sms_text
from notifications.models import Notification
from sessions.services import session_invite
from tests.helpers import signed_in
from tests.sessions.service_steps import IN_APP, SMS, make_session, person

pytestmark = pytest.mark.django_db


def test_an_invitation_by_sms_is_signed_and_links_by_the_short_path(world):
    session = make_session(world.county)
    invited = person(world.county)
    assert session_invite(actor=world.coordinator, session=session) == 1
    rows = Notification.objects.filter(key__startswith=f"session:{session.pk}:invited:")
    sms, in_app = rows.get(channel=SMS), rows.get(channel=IN_APP)
    short = django_settings.SITE_URL.rstrip("/") + f"/s/{session.pk}"
    assert sms.address == invited.mobile
    assert sms.subject.startswith("【湖州政企恳谈会】参会邀请：")
    assert sms.body.endswith(f"。 {short}")
    assert sms.sms_parts == sms_parts(sms_text(sms.subject, sms.body))
    assert in_app.url == f"/sessions/{session.pk}/"


def test_the_short_link_leads_to_the_sessions_page(client, world):
    session = make_session(world.county)
    short = reverse("short_session", args=[session.pk])
    assert short == f"/s/{session.pk}"
    response = client.get(short)
    assert (response.status_code, response.url) == (302, f"/sessions/{session.pk}/")
    assert client.get(response.url).url.startswith(reverse("login"))
    page = signed_in(client, world.coordinator).get(short, follow=True)
    assert page.status_code == 200 and session.theme in page.content.decode()


def test_an_unknown_session_is_not_found(client, world):
    signed_in(client, world.coordinator)
    assert client.get("/s/999999", follow=True).status_code == 404
    assert client.get("/s/seven").status_code == 404
