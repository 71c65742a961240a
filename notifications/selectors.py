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


def outbox_counts(*, statuses) -> dict[str, int]:
    """How many outbox rows stand in each of ``statuses`` (0 if none): one query through
    the status index, so the millions of sent rows are never counted. For the
    administrators' page (failed, in doubt, pending) and monitoring (pending, failed)."""
    counts = dict.fromkeys(statuses, 0)
    counts.update(Notification.objects.order_by().filter(status__in=statuses)
                  .values_list("status").annotate(Count("pk")))
    return counts
