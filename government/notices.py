"""What officials are told about their own account, and in which words: the government
app's outbox rows.

Only ``government.services`` calls these, inside the transaction of the change. The welcome
email's key names the account and the round (``official:<user>:welcome:<n>``): each round is
sent once, and counting the rounds says which comes next.
"""

from django.conf import settings
from django.utils.translation import gettext

from core.links import set_password_url
from government.models import Official
from notifications.models import Notification
from notifications.services import notification_create


def _welcome_prefix(user) -> str:
    return f"official:{user.pk}:welcome:"


def welcome_emails_sent(*, user) -> int:
    """How many rounds of the welcome email the account was sent (any status)."""
    return Notification.objects.filter(key__startswith=_welcome_prefix(user)).count()


def welcome_email(*, user, official: Official, counter: int) -> Notification | None:
    """The one-time link to choose a first password, by email; None if round ``counter``
    was written already."""
    link = set_password_url(user)
    days = max(1, settings.PASSWORD_RESET_TIMEOUT // 86400)
    body = gettext(
        "Hello %(name)s,\n\n"
        "an account for Huzhou Talks has been made for you: %(role)s, %(department)s.\n\n"
        "Choose your password with this link. It works once, for %(days)d days:\n"
        "%(link)s\n\n"
        "Then log in with your email address %(email)s and that password."
    ) % {
        "name": official.name, "role": official.get_role_display(),
        "department": official.department, "days": days, "link": link, "email": user.email,
    }
    return notification_create(
        key=f"{_welcome_prefix(user)}{counter}",
        channel=Notification.Channel.EMAIL,
        address=user.email,
        recipient=user,
        subject=gettext("Your Huzhou Talks account: choose your password"),
        body=body,
        url=link,
    )
