"""Which endpoint URLs are accepted, and the admin: registering an endpoint (its secret
made and shown), the delivery log with status codes, and "send again"."""

import shutil
import subprocess

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.urls import reverse

from notifications.models import Notification, WebhookDelivery, WebhookEndpoint
from notifications.services import webhook_event
from notifications.webhooks import check_url, signature
from tests.factories import UserFactory
from tests.webhooks.conftest import deliver_due, endpoint_for

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", [
    "ftp://example.org/hooks",
    "file:///etc/passwd",
    "http://169.254.169.254/latest/meta-data/",  # AWS, Tencent Cloud (169.254.0.23) …
    "http://169.254.0.23/",
    "http://100.100.100.200/latest/meta-data/",  # Alibaba Cloud's metadata service
    "http://[fe80::1]/hooks",
    "http://[::ffff:169.254.169.254]/",
    "http://0.0.0.0/",
    "http://224.0.0.1/",
    "http://user:pass@127.0.0.1/hooks",
    "http://no-such-host.invalid/hooks",
])
def test_refused_addresses(settings, url):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    with pytest.raises(ValidationError):
        check_url(url)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/hooks", "http://10.1.2.3/hooks",
                                 "https://[::1]/hooks", "http://192.168.1.10/hooks"])
def test_private_addresses_only_when_allowed(settings, url):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    check_url(url)
    settings.WEBHOOK_ALLOW_PRIVATE = False
    with pytest.raises(ValidationError, match="WEBHOOK_ALLOW_PRIVATE"):
        check_url(url)


def test_private_addresses_only_where_allowed(settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    check_url("http://127.0.0.1/hooks")
    settings.WEBHOOK_ALLOW_PRIVATE = False
    with pytest.raises(ValidationError):
        check_url("http://127.0.0.1/hooks")


def test_the_documented_openssl_check_agrees(tmp_path):
    """docs/api-webhooks.md verifies a signature with `openssl dgst`: the same hex."""
    if not shutil.which("openssl"):
        pytest.skip("no openssl")
    body = '{"id":"1","event":"issue.closed","created_at":"","data":{"a":"湖州"}}'.encode()
    (tmp_path / "body.json").write_bytes(body)
    command = ('printf "%s." "$TIMESTAMP" | cat - body.json '
               '| openssl dgst -sha256 -hmac "$SECRET" -r | cut -d" " -f1')
    hexdigest = subprocess.run(
        ["sh", "-c", command], cwd=tmp_path, capture_output=True, text=True, check=True,
        env={"TIMESTAMP": "1700000000", "SECRET": "abc", "PATH": "/usr/bin:/bin"},
    ).stdout.strip()
    assert f"sha256={hexdigest}" == signature(secret="abc", timestamp="1700000000", body=body)


# --- The admin -------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def in_english(admin_client):
    admin_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def test_an_administrator_registers_an_endpoint_and_sees_its_secret(admin_client, receiver,
                                                                    caplog):
    response = admin_client.post(reverse("admin:notifications_webhookendpoint_add"), {
        "name": "county system", "url": receiver.url, "events": ["issue.closed",
                                                                   "session.held"],
        "active": "on",
    }, follow=True)
    assert response.status_code == 200
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.events == ["issue.closed", "session.held"]
    assert len(endpoint.secret) >= 40
    assert "A signing secret was made for county system" in response.content.decode()
    page = admin_client.get(reverse("admin:notifications_webhookendpoint_change",
                                    args=[endpoint.pk])).content.decode()
    assert endpoint.secret in page
    assert endpoint.secret not in caplog.text
    # Saving again keeps the secret; the action gives a new one.
    old = endpoint.secret
    admin_client.post(reverse("admin:notifications_webhookendpoint_change", args=[endpoint.pk]),
                      {"name": "county system", "url": receiver.url, "events": ["issue.closed"],
                       "active": "on"})
    endpoint.refresh_from_db()
    assert (endpoint.secret, endpoint.events) == (old, ["issue.closed"])
    admin_client.post(reverse("admin:notifications_webhookendpoint_changelist"),
                      {"action": "new_secret", "_selected_action": [endpoint.pk]})
    endpoint.refresh_from_db()
    assert endpoint.secret != old
    assert endpoint.secret not in caplog.text


def test_the_admin_refuses_a_metadata_address(admin_client):
    response = admin_client.post(reverse("admin:notifications_webhookendpoint_add"), {
        "name": "bad", "url": "http://169.254.169.254/latest/", "events": ["issue.closed"],
        "active": "on",
    })
    assert response.status_code == 200
    assert "is a link-local or cloud metadata address" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_the_delivery_log_and_send_again(admin_client, receiver):
    endpoint_for(receiver)
    receiver.answers = [410]
    webhook_event(event="issue.closed", key="issue:1:r1", payload={})
    deliver_due()
    log = admin_client.get(reverse("admin:notifications_webhookdelivery_changelist"))
    page = log.content.decode()
    assert "410" in page and "issue.closed" in page and "Failed" in page
    attempt = WebhookDelivery.objects.get()
    response = admin_client.post(reverse("admin:notifications_webhookdelivery_changelist"),
                                 {"action": "send_again", "_selected_action": [attempt.pk]},
                                 follow=True)
    assert "1 event was queued to be sent again." in response.content.decode()
    assert deliver_due() == 1
    assert [request.json["event"] for request in receiver.received] == ["issue.closed"] * 2
    assert Notification.objects.filter(status=Notification.Status.SENT).count() == 1
    detail = admin_client.get(reverse("admin:notifications_webhookdelivery_change",
                                      args=[attempt.pk]))
    assert detail.status_code == 200


def test_a_person_without_the_right_cannot_send_again(client, receiver):
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_webhookdelivery"))
    client.force_login(viewer)
    endpoint_for(receiver)
    webhook_event(event="issue.closed", key="issue:1:r1", payload={})
    deliver_due()
    attempt = WebhookDelivery.objects.get()
    client.post(reverse("admin:notifications_webhookdelivery_changelist"),
                {"action": "send_again", "_selected_action": [attempt.pk]})
    assert Notification.objects.count() == 1
