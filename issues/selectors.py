"""Read-only queries about issues, scoped to the user who asks.

``issues_for_user`` decides who sees which issue, and every list, page, export and feed
starts from it (``issue_for_user`` for one issue). Each function runs a fixed number of
queries whatever the amount of data.
"""

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from entrepreneurs.selectors import entrepreneur_for_user
from government.models import Official, Region
from government.selectors import official_for_user, region_scope_for_user
from issues.models import SATISFIED_RATINGS, AssistingDepartment, Issue

S = Issue.Status

#: How an entrepreneur sees the workflow: plain words over groups of statuses.
PLAIN_STATUS_GROUPS = (
    ("waiting", _("Received, waiting to be passed on"), (S.SUBMITTED, S.RETURNED)),
    ("handling", _("Being handled by a department"), Issue.WITH_DEPARTMENT_STATUSES),
    ("answered", _("Answered, waiting for your rating"), (S.RESOLVED,)),
    ("closed", _("Closed"), Issue.CLOSED_STATUSES),
    ("not_taken_up", _("Not taken up"), Issue.INVALID_STATUSES),
)
PLAIN_STATUS = {
    status: (key, label) for key, label, statuses in PLAIN_STATUS_GROUPS for status in statuses
}

#: "Due soon" means due today or within this many days.
DUE_SOON_DAYS = 3


def overdue_q(*, today) -> Q:
    """Still with a department and past its due date."""
    return Q(status__in=Issue.WITH_DEPARTMENT_STATUSES, due_on__lt=today)


def satisfaction_rate(*, satisfied: int, rated: int) -> Decimal | None:
    """Satisfied or basically satisfied ÷ rated, in per cent with two decimals."""
    if not rated:
        return None
    rate = Decimal(satisfied) * 100 / Decimal(rated)
    return rate.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def issue_figures(*, region: Region | None = None) -> dict:
    """Issues collected, rated, satisfaction rate, open and overdue. One query."""
    today = timezone.localdate()
    issues = Issue.objects.all()
    if region is not None:
        issues = issues.filter(region=region)
    figures = issues.aggregate(
        collected=Count("id"),
        rated=Count("id", filter=~Q(latest_rating="")),
        satisfied=Count("id", filter=Q(latest_rating__in=SATISFIED_RATINGS)),
        open=Count("id", filter=Q(status__in=Issue.OPEN_STATUSES)),
        overdue=Count("id", filter=overdue_q(today=today)),
    )
    figures["satisfaction_rate"] = satisfaction_rate(
        satisfied=figures["satisfied"], rated=figures["rated"]
    )
    return figures


# --- Who sees which issue --------------------------------------------------------------

#: Officials who work the issues of their own department (as lead or as assisting one).
DEPARTMENT_ROLES = (Official.Role.HANDLER, Official.Role.DEPARTMENT_LEAD)


def department_issues_q(department_id: int) -> Q:
    """Issues a department leads or assists (主办 or 协办)."""
    assisted = AssistingDepartment.objects.filter(
        issue_id=OuterRef("pk"), department_id=department_id
    )
    return Q(lead_department_id=department_id) | Q(Exists(assisted))


def issues_for_user(*, user) -> QuerySet[Issue]:
    """Every issue the user may see; anything else answers "not found".

    * an administrator (superuser) sees all;
    * a handler or department lead: the issues their department leads or assists;
    * a coordinator or leader of the city: all; of a county: the county's;
    * a verified entrepreneur: their enterprise's issues; one not yet verified only
      the issues they submitted themselves (a claimed enterprise is not proof);
    * anybody else, and a deactivated account: nothing.
    """
    if not user.is_authenticated or not user.is_active:
        return Issue.objects.none()
    if user.is_superuser:
        return Issue.objects.all()
    official = official_for_user(user=user)
    if official is not None:
        if official.role in DEPARTMENT_ROLES:
            return Issue.objects.filter(department_issues_q(official.department_id))
        region = region_scope_for_user(user=user)
        return Issue.objects.all() if region is None else Issue.objects.filter(region=region)
    entrepreneur = entrepreneur_for_user(user=user)
    if entrepreneur is not None:
        if entrepreneur.is_verified:
            return Issue.objects.filter(enterprise_id=entrepreneur.enterprise_id)
        return Issue.objects.filter(entrepreneur=entrepreneur)
    return Issue.objects.none()


def issue_for_user(*, user, reference: str) -> Issue:
    """One issue by its reference, if the user may see it; raises Issue.DoesNotExist."""
    return issues_for_user(user=user).select_related(
        "category", "enterprise__region", "entrepreneur", "region", "lead_department"
    ).get(reference=reference)


# --- Entrepreneurs ----------------------------------------------------------------------


def _enterprise_issues(*, user) -> QuerySet[Issue]:
    return issues_for_user(user=user)


def enterprise_issue_summary_for_user(*, user) -> list[dict]:
    """The user's enterprise's issues counted by plain-words status. One query."""
    counts = _enterprise_issues(user=user).aggregate(
        **{
            key: Count("id", filter=Q(status__in=statuses))
            for key, _label, statuses in PLAIN_STATUS_GROUPS
        }
    )
    return [
        {"key": key, "label": label, "count": counts[key] or 0}
        for key, label, _statuses in PLAIN_STATUS_GROUPS
    ]


def latest_enterprise_issues_for_user(*, user, limit: int = 5) -> list[Issue]:
    """The newest issues of the user's enterprise, each with ``plain_status`` and its key."""
    issues = list(
        _enterprise_issues(user=user)
        .select_related("category")
        .order_by("-submitted_at", "-id")[:limit]
    )
    for issue in issues:
        issue.plain_status_key, issue.plain_status = PLAIN_STATUS[issue.status]
    return issues


# --- Department handlers and leads ------------------------------------------------------


def _department_issues(*, user) -> QuerySet[Issue]:
    """Issues the official's department leads or assists."""
    official = official_for_user(user=user)
    if official is None or not user.is_active:
        return Issue.objects.none()
    return Issue.objects.filter(department_issues_q(official.department_id))


def department_queue_for_user(*, user) -> dict:
    """The department's queue: to accept, in progress, due soon, overdue. One query."""
    today = timezone.localdate()
    with_department = Q(status__in=Issue.WITH_DEPARTMENT_STATUSES)
    counts = _department_issues(user=user).aggregate(
        to_accept=Count("id", filter=Q(status=S.DISPATCHED)),
        in_progress=Count("id", filter=Q(status__in=(S.ACCEPTED, S.IN_PROGRESS))),
        due_soon=Count(
            "id",
            filter=with_department
            & Q(due_on__gte=today, due_on__lte=today + timedelta(days=DUE_SOON_DAYS)),
        ),
        overdue=Count("id", filter=overdue_q(today=today)),
    )
    return {key: value or 0 for key, value in counts.items()}


def urgent_department_issues_for_user(*, user, limit: int = 10) -> list[Issue]:
    """The department's issues still with it, soonest due first.

    Each carries ``is_overdue`` and ``is_due_soon``.
    """
    today = timezone.localdate()
    issues = list(
        _department_issues(user=user)
        .filter(status__in=Issue.WITH_DEPARTMENT_STATUSES)
        .select_related("category", "enterprise")
        .order_by(F("due_on").asc(nulls_last=True), "submitted_at", "id")[:limit]
    )
    soon = today + timedelta(days=DUE_SOON_DAYS)
    for issue in issues:
        issue.is_overdue = issue.due_on is not None and issue.due_on < today
        issue.is_due_soon = issue.due_on is not None and today <= issue.due_on <= soon
    return issues


# --- Coordinators -----------------------------------------------------------------------


def _issues_in_scope(*, user) -> QuerySet[Issue]:
    """The coordinator's (or administrator's) issues: the city's, or the county's."""
    return issues_for_user(user=user)


def coordinator_queue_for_user(*, user) -> dict:
    """Awaiting dispatch, returned as misrouted, and overdue, in the user's scope. One query."""
    counts = _issues_in_scope(user=user).aggregate(
        awaiting_dispatch=Count("id", filter=Q(status=S.SUBMITTED)),
        returned=Count("id", filter=Q(status=S.RETURNED)),
        overdue=Count("id", filter=overdue_q(today=timezone.localdate())),
    )
    return {key: value or 0 for key, value in counts.items()}


def issues_awaiting_dispatch_for_user(*, user, limit: int = 10) -> list[Issue]:
    """Submitted or returned issues in the user's scope, oldest first."""
    return list(
        _issues_in_scope(user=user)
        .filter(status__in=(S.SUBMITTED, S.RETURNED))
        .select_related("category", "enterprise", "region")
        .order_by("submitted_at", "id")[:limit]
    )
