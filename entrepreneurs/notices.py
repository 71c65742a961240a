"""Who is told about a person's registration, and in which words: the entrepreneurs' outbox
rows.

Only ``entrepreneurs.services`` calls these, inside the transaction of the change, so a
message exists exactly when its change does. Each key names what happened, the person (and
the decision's time) and the channel: a second call writes nothing. Texts are in the
language of the request that caused them.
"""

from django.urls import reverse
from django.utils.translation import gettext

from core.links import absolute_url
from entrepreneurs.models import Enterprise, Entrepreneur
from government.selectors import coordinators_covering
from notifications.models import Notification
from notifications.services import notification_create, notify_users


def signed_up(*, person: Entrepreneur, enterprise: Enterprise) -> int:
    """The coordinators of the enterprise's region and of the city, in the app."""
    return notify_users(
        users=[official.user for official in coordinators_covering(region=enterprise.region)],
        key=f"entrepreneurs:signed-up:{person.pk}",
        subject=gettext("A new entrepreneur is waiting for verification"),
        # No name: officials' messages outlive a person's erasure (privacy.services), so
        # they say where to look, and the queue shows who.
        body=gettext(
            "Someone from %(enterprise)s (%(region)s) signed up and waits for a "
            "coordinator to verify them."
        ) % {"enterprise": enterprise.name, "region": enterprise.region},
        path=reverse("entrepreneurs:pending"),
    )


def _tell_person(*, person: Entrepreneur, key: str, subject: str, body: str) -> None:
    """In the app, and by email when the person gave an address."""
    url = reverse("home")
    if person.user_id is not None:
        notification_create(
            key=f"{key}:in_app", channel=Notification.Channel.IN_APP, recipient=person.user,
            subject=subject, body=body, url=url,
        )
    if person.email:
        notification_create(
            key=f"{key}:email", channel=Notification.Channel.EMAIL, recipient=person.user,
            address=person.email, subject=subject, body=f"{body}\n\n{absolute_url(url)}",
        )


def verified(*, person: Entrepreneur, stamp: str) -> None:
    """The person: they may now submit issues and register for sessions."""
    _tell_person(
        person=person, key=f"entrepreneurs:verified:{stamp}",
        subject=gettext("Your registration is verified"),
        body=gettext(
            "A coordinator has verified that you speak for %(enterprise)s. You can now submit "
            "issues and register for talk sessions."
        ) % {"enterprise": person.enterprise.name},
    )


def refused(*, person: Entrepreneur, stamp: str, reason: str) -> None:
    """The person, with the coordinator's reason."""
    _tell_person(
        person=person, key=f"entrepreneurs:refused:{stamp}",
        subject=gettext("Your registration was not verified"),
        body=gettext(
            "A coordinator could not verify your registration for %(enterprise)s. The reason "
            "given: %(reason)s"
        ) % {"enterprise": person.enterprise.name, "reason": reason},
    )


def claim_invitation(*, person: Entrepreneur, link: str):
    """The person added without an account, by SMS: the link to claim one. One row, keyed
    ``entrepreneur:<pk>:claim``; None if it was written before."""
    return notification_create(
        key=f"entrepreneur:{person.pk}:claim", channel=Notification.Channel.SMS,
        recipient=None, address=person.mobile,
        subject=gettext("Set up your Huzhou Talks account"),
        body=gettext(
            "%(name)s, you are now in the Government–Enterprise Talks directory. To follow "
            "your issues online, set your password within 30 days: %(link)s"
        ) % {"name": person.name, "link": link},
    )
