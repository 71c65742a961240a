"""The webhooks' tests: a local fake receiver, endpoints registered to it, and a way to run
the outbox's delivery of the webhook rows now (the tests' broker runs no worker)."""

import pytest

from notifications.models import Notification, WebhookEndpoint
from notifications.services import notification_deliver
from tests.webhooks.receiver import Receiver

SECRET = "s3cret-for-tests"  # noqa: S105


@pytest.fixture(autouse=True)
def _private_addresses_allowed(settings):
    """The fake receiver is on 127.0.0.1: allowed as WEBHOOK_ALLOW_PRIVATE says."""
    settings.WEBHOOK_ALLOW_PRIVATE = True


@pytest.fixture
def receiver():
    with Receiver() as fake:
        yield fake


def endpoint_for(receiver, *, events=tuple(WebhookEndpoint.Event.values), secret=SECRET,
                 name="12345 platform", path="") -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(name=name, url=receiver.url + path, secret=secret,
                                          events=list(events))


@pytest.fixture
def endpoint(receiver):
    return endpoint_for(receiver)


def deliver_due() -> int:
    """Deliver every webhook row that is due, oldest first; returns how many were sent."""
    rows = Notification.objects.filter(
        channel=Notification.Channel.WEBHOOK, status=Notification.Status.PENDING,
    ).order_by("created_at", "id").values_list("pk", flat=True)
    return sum(notification_deliver(notification_id=pk) for pk in list(rows))
