"""Who sees which issue: ``issues_for_user`` decides, and every list, page, export and
feed starts from it (``issue_for_user`` for one issue); and the plain words an entrepreneur
reads for the workflow's statuses."""

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from entrepreneurs.selectors import entrepreneur_for_user
from government.models import Official
from government.selectors import official_for_user, region_scope_for_user
from issues.models import AssistingDepartment, Issue

S = Issue.Status

#: How an entrepreneur sees the workflow: plain words over groups of statuses.
PLAIN_STATUS_GROUPS = (
    ("waiting", _("Received, waiting to be passed on"), (S.SUBMITTED, S.RETURNED, S.REVIEW)),
    ("handling", _("Being handled by a department"), Issue.WITH_DEPARTMENT_STATUSES),
    ("answered", _("Answered, waiting for your rating"), (S.RESOLVED,)),
    ("closed", _("Closed"), Issue.CLOSED_STATUSES),
    ("not_taken_up", _("Not taken up"), (S.REJECTED, S.DUPLICATE)),
    ("withdrawn", _("Withdrawn"), (S.WITHDRAWN,)),
)
PLAIN_STATUS = {
    status: (key, label) for key, label, statuses in PLAIN_STATUS_GROUPS for status in statuses
}

#: "Due soon" means due today or within this many days.
DUE_SOON_DAYS = 3


def overdue_q(*, today) -> Q:
    """Still with a department and past its due date."""
    return Q(status__in=Issue.WITH_DEPARTMENT_STATUSES, due_on__lt=today)


def department_issues_q(department_id: int) -> Q:
    """Issues a department leads or assists (主办 or 协办)."""
    # An IN over the assisting rows (not a correlated EXISTS), so that the database can
    # use the index of each side instead of testing every issue.
    assisted = AssistingDepartment.objects.filter(department_id=department_id)
    return Q(lead_department_id=department_id) | Q(pk__in=assisted.values("issue_id"))


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
        if official.role in Official.DEPARTMENT_ROLES:
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
