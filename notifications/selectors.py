"""The in-app inbox: a person's in-app rows, read only by that person.

In-app rows are the messages themselves, so a pending row counts as received as soon as it
is due (``send_after``); a cancelled one was withdrawn and is never shown. Each function
runs a fixed number of queries whatever the number of rows.
"""

from django.db.models import Count, QuerySet
from django.utils import timezone

from notifications.models import Notification

#: Rows that count as received: delivery of an in-app row only marks it sent.
RECEIVED = (Notification.Status.PENDING, Notification.Status.SENT)


def inbox_for_user(*, user, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's in-app messages, newest first; nothing for an anonymous user."""
    if not user.is_authenticated:
        return Notification.objects.none()
    rows = Notification.objects.filter(
        recipient=user, channel=Notification.Channel.IN_APP, status__in=RECEIVED,
        send_after__lte=timezone.now(),
    )
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    return rows.order_by("-created_at", "-id")


def inbox_entry_for_user(*, user, pk: int) -> Notification:
    """One message of the user's inbox; ``Notification.DoesNotExist`` for anybody else's."""
    return inbox_for_user(user=user).get(pk=pk)


def inbox_unread_count(*, user) -> int:
    """How many of the user's messages are unread: one query, none when signed out."""
    if not user.is_authenticated:
        return 0
    return inbox_for_user(user=user, unread_only=True).count()


def outbox_counts() -> dict[str, int]:
    """How many outbox rows stand in each status (every status named, 0 if none): one
    query, for the administrators' page and monitoring."""
    counts = dict.fromkeys(Notification.Status.values, 0)
    counts.update(Notification.objects.order_by().values_list("status").annotate(Count("pk")))
    return counts


#: The outbox rows monitoring counts, by their stored values: waiting to go out, given up.
BACKLOG_STATUSES = ("pending", "failed")


def outbox_backlog() -> dict[str, int]:
    """How many outbox rows are pending and how many failed (0 if none): one query on the
    status index, for ``/health/`` and the metrics. Other statuses are not counted."""
    counts = dict.fromkeys(BACKLOG_STATUSES, 0)
    counts.update(Notification.objects.order_by().filter(status__in=BACKLOG_STATUSES)
                  .values_list("status").annotate(Count("pk")))
    return counts
