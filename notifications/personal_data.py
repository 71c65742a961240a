"""The outbox's share of a person's personal data (PIPL): its export and its erasure.

``privacy.services`` calls the apps' ``personal_data`` modules in turn. This app knows no
domain, so its functions take the user account and plain values (the person's name,
mobile and email), never a domain record.
"""

from django.db.models import Q, Value
from django.db.models.functions import Replace

from core.privacy import export_time
from notifications.models import Notification

#: Email and SMS rows must name an address (a database rule of the outbox); once erased
#: they carry this instead of the person's mobile or email.
ERASED_ADDRESS = "erased"


def export_notifications(*, user) -> list[dict]:
    """The messages sent to the account, on every channel, oldest first. One query."""
    return [
        {
            "subject": notification.subject,
            "body": notification.body,
            "channel": notification.channel,
            "address": notification.address,
            "status": notification.status,
            "time": export_time(notification.created_at),
            "sent_at": export_time(notification.sent_at),
        }
        for notification in Notification.objects.filter(recipient=user).order_by(
            "created_at", "id"
        )
    ]


def erase_notifications(*, user=None, name: str = "", identifiers=()) -> None:
    """Erase the person's messages and their contacts wherever they appear.

    The person's own messages are those addressed to ``user`` (None: no account) or to one
    of ``identifiers`` (their mobile numbers and email addresses): those not sent (pending,
    in doubt, failed) are cancelled, so neither the sweep nor a retry sends them; texts and
    addresses go (``ERASED_ADDRESS`` on email and SMS rows), and
    ``name`` is taken out of their subjects. Each identifier is taken out of every
    message's subject and text, whoever it was sent to. The rows stay, as the record that
    something was sent.
    """
    identifiers = list(identifiers)
    theirs = Q(address__in=identifiers) if identifiers else Q(pk__in=[])
    if user is not None:
        theirs |= Q(recipient=user)
    messages = Notification.objects.filter(theirs)
    S = Notification.Status
    messages.filter(status__in=(S.PENDING, S.SENDING, S.FAILED)).update(status=S.CANCELLED)
    messages.filter(channel=Notification.Channel.IN_APP).update(address="", body="")
    messages.exclude(channel=Notification.Channel.IN_APP).update(
        address=ERASED_ADDRESS, body=""
    )
    if name:
        messages.filter(subject__contains=name).update(
            subject=Replace("subject", Value(name), Value(""))
        )
    # A mobile number or an email address is the person's wherever it appears.
    for value in identifiers:
        Notification.objects.filter(subject__contains=value).update(
            subject=Replace("subject", Value(value), Value(""))
        )
        Notification.objects.filter(body__contains=value).update(
            body=Replace("body", Value(value), Value(""))
        )
