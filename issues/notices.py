"""Who is told about a change of an issue, and in which words: the workflow's outbox rows.

Only ``issues.workflow`` calls these, inside the transaction of the change, so a message
exists exactly when its change does. Each row's key names the issue, what happened, the
round or the timeline entry, the recipient and the channel: a second call writes nothing.
Texts are written in the site's language (Chinese), whoever's click caused them.
"""

from contextlib import contextmanager

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from core.links import absolute_url
from government.models import Official
from government.selectors import coordinators_covering
from issues.models import Issue
from issues.rating_links import rating_link_path
from notifications.models import Notification
from notifications.services import notification_create, notify_users

C = Notification.Channel



@contextmanager
def site_language():
    with translation.override(settings.LANGUAGE_CODE):
        yield


def issue_path(issue: Issue) -> str:
    return reverse("issues:detail", args=[issue.reference])


def short_issue_url(issue: Issue) -> str:
    """The short link an SMS carries to the issue page (/i/<reference>, a 302 to it)."""
    return absolute_url(reverse("short_issue", args=[issue.reference]))


def rating_path(issue: Issue) -> str:
    """Where a request to rate sends the raiser: the signed link of the current round
    (``/r/<token>``), which works without logging in (``issues.rating_links``)."""
    return rating_link_path(issue)


def _official_user_rows(officials) -> list:
    return [official.user for official in officials if official.user.is_active]


def department_users(*, department_id: int, roles=Official.DEPARTMENT_ROLES) -> list:
    """Active handlers and leads (or only ``roles``) of a department."""
    officials = Official.objects.filter(
        department_id=department_id, role__in=roles, user__is_active=True
    ).select_related("user").order_by("pk")
    return _official_user_rows(officials)


def coordinator_users(*, issue: Issue) -> list:
    return _official_user_rows(coordinators_covering(region=issue.region))


def tell_officials(*, users, key: str, subject: str, body: str, issue: Issue) -> int:
    """In the app, and by email to those with an address. Returns rows written."""
    return notify_users(users=users, key=key, subject=subject, body=body,
                        path=issue_path(issue), email=True)


def tell_entrepreneur(*, issue: Issue, key: str, subject: str, body: str, sms: bool = False,
                      path: str | None = None) -> int:
    """In the app; by SMS too when ``sms`` (answers and requests to rate: phone first). The
    SMS links to ``path`` if given, else by the short link to the issue page."""
    person = issue.entrepreneur
    sms_url = absolute_url(path) if path else short_issue_url(issue)
    path = path or issue_path(issue)
    written = 0
    if person.user_id is not None and person.anonymised_at is None:
        written += bool(notification_create(
            key=f"{key}:{person.user_id}:in_app", channel=C.IN_APP, recipient=person.user,
            subject=subject, body=body, url=path,
        ))
    if sms and person.mobile and person.anonymised_at is None:
        written += bool(notification_create(
            key=f"{key}:{person.pk}:sms", channel=C.SMS, recipient=person.user,
            address=person.mobile, subject=subject, body=f"{body} {sms_url}",
        ))
    return written
