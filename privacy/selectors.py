"""Read-only queries about personal data and deletion requests, scoped to the user who asks.

Each function runs a fixed number of queries whatever the amount of data.
"""

from django.db.models import Case, F, IntegerField, QuerySet, Value, When

from accounts.models import AuditEvent
from entrepreneurs.selectors import entrepreneur_for_user
from government.selectors import (  # user_label: re-exported, it lived here
    official_for_user,
    region_scope_for_user,
    user_label,
)
from issues.models import Issue
from notifications.models import Notification
from privacy.models import DeletionRequest
from sessions.models import Attendance

__all__ = [
    "DECIDE_PERMISSION", "deletion_request_for_user", "deletion_request_list_for_user",
    "deletion_requests_for_user", "may_decide_deletion_requests", "personal_data_summary",
    "user_label",
]

#: Coordinators hold this permission (accounts.roles); they decide deletion requests.
DECIDE_PERMISSION = "entrepreneurs.verify_entrepreneur"


def may_decide_deletion_requests(*, user) -> bool:
    """An administrator, or an official who may verify people (a coordinator)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return user.has_perm(DECIDE_PERMISSION) and official_for_user(user=user) is not None


def deletion_requests_for_user(*, user) -> QuerySet[DeletionRequest]:
    """Every deletion request the user may see and decide; nothing for anybody else.

    An administrator sees all; a coordinator of the city all; a coordinator of a county
    the requests of people whose enterprise is in that county.
    """
    if not may_decide_deletion_requests(user=user):
        return DeletionRequest.objects.none()
    if user.is_superuser:
        return DeletionRequest.objects.all()
    region = region_scope_for_user(user=user)
    if region is None:
        return DeletionRequest.objects.all()
    return DeletionRequest.objects.filter(entrepreneur__enterprise__region=region)


def deletion_request_list_for_user(*, user) -> QuerySet[DeletionRequest]:
    """The user's deletion requests: waiting ones first (oldest first), then decided ones
    (latest decision first). One query for the rows, whatever their number."""
    pending_first = Case(
        When(status=DeletionRequest.Status.PENDING, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return (
        deletion_requests_for_user(user=user)
        .select_related(
            "entrepreneur__enterprise__region", "decided_by__official", "requested_by"
        )
        .order_by(pending_first, F("decided_at").desc(nulls_last=True), "created_at", "id")
    )


def deletion_request_for_user(*, user, pk: int) -> DeletionRequest:
    """One request in the user's scope; raises DeletionRequest.DoesNotExist otherwise."""
    return deletion_requests_for_user(user=user).select_related(
        "entrepreneur__enterprise__region", "entrepreneur__user"
    ).get(pk=pk)


def personal_data_summary(*, user) -> dict | None:
    """What the programme holds about the signed-in entrepreneur, counted; None if the user
    has no entrepreneur record. Six queries at most."""
    person = entrepreneur_for_user(user=user)
    if person is None:
        return None
    return {
        "person": person,
        "attendances": Attendance.objects.filter(entrepreneur=person).count(),
        "issues": Issue.objects.filter(entrepreneur=person).count(),
        "notifications": Notification.objects.filter(recipient=user).count(),
        "account_events": AuditEvent.objects.filter(subject=user).count(),
        "latest_request": DeletionRequest.objects.filter(entrepreneur=person)
        .select_related("decided_by")
        .order_by("-created_at", "-id")
        .first(),
    }
