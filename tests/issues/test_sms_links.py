"""What the workflow's SMS texts look like on the phone: signed once, their parts counted on
the outbox row, and the issue page reached by the short link /i/<reference>, which only
redirects (the issue page's own log-in and scope apply)."""

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from issues import workflow
from notifications.backends import sms_parts, sms_text
from notifications.models import Notification
from tests.helpers import on, signed_in
from tests.issues.workflow_steps import SEP_30, SMS, accepted, oct_, resolved, submitted

pytestmark = pytest.mark.django_db

SIGNATURE = "【湖州政企恳谈会】"


def site(path: str) -> str:
    return django_settings.SITE_URL.rstrip("/") + path


def test_the_answer_goes_out_signed_with_its_parts_counted(world):
    issue = resolved(world, accepted(world), oct_(9))
    sms = Notification.objects.get(channel=SMS)
    text = sms_text(sms.subject, sms.body)
    assert text.startswith(f"{SIGNATURE}您的问题 {issue.reference} 已答复")
    assert text.count(SIGNATURE) == 1
    assert sms.sms_parts == sms_parts(text) == 2  # 116 characters: two parts


def test_a_rejection_links_to_the_issue_by_its_short_path(world):
    issue = submitted(world)
    with on(SEP_30):
        workflow.issue_reject(actor=world.users["coordinator"], issue=issue, version=1,
                              reason="属于司法诉讼事项。")
    sms = Notification.objects.get(channel=SMS)
    assert (sms.subject, sms.body) == (
        f"{SIGNATURE}您的问题 {issue.reference} 未予受理",
        f"原因：属于司法诉讼事项。 {site('/i/' + issue.reference)}")
    assert sms.sms_parts == 2  # 85 characters
    # The in-app message keeps the full path.
    in_app = Notification.objects.get(channel="in_app", key__contains=":rejected:",
                                      recipient=world.users["entrepreneur"])
    assert in_app.url == f"/issues/{issue.reference}/"


def test_the_short_link_leads_to_the_issue_page(client, world):
    issue = submitted(world)
    short = f"/i/{issue.reference}"
    assert reverse("short_issue", args=[issue.reference]) == short
    response = client.get(short)
    assert (response.status_code, response.url) == (302, f"/issues/{issue.reference}/")
    # Signed out: the issue page asks to log in first, then comes back to the issue.
    onward = client.get(response.url)
    assert onward.status_code == 302
    assert onward.url == f"{reverse('login')}?next=/issues/{issue.reference}/"
    page = signed_in(client, world.users["entrepreneur"]).get(short, follow=True)
    assert page.status_code == 200 and issue.reference in page.content.decode()


def test_the_short_link_shows_nobody_an_issue_outside_their_scope(client, world):
    issue = submitted(world)
    page = signed_in(client, world.users["other_coordinator"]).get(f"/i/{issue.reference}",
                                                                   follow=True)
    assert page.status_code == 404


def test_an_unknown_reference_is_not_found(client, world):
    signed_in(client, world.users["entrepreneur"])
    assert client.get("/i/HZ-2026-999999", follow=True).status_code == 404
    assert client.get("/i/not-a-reference").status_code == 404
    assert client.get("/i/").status_code == 404
