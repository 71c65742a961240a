"""The issue list: what the user's scope lets them filter on (``IssueScope``), the filters
and sort order (``IssueFilters``), and the list and its pages, each issue described for the
user (due soon, overdue, plain status). A fixed number of queries whatever the number of
issues."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.core.paginator import Page
from django.db import models
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.pagination import CappedPaginator
from entrepreneurs.models import Enterprise
from entrepreneurs.selectors import entrepreneur_for_user
from government.models import Department, Official, Region
from government.selectors import official_for_user, region_scope_for_user
from issues.models import Category, Issue
from issues.services import is_reference
from issues.visibility import (
    DUE_SOON_DAYS,
    PLAIN_STATUS,
    PLAIN_STATUS_GROUPS,
    department_issues_q,
    issues_for_user,
    overdue_q,
)

#: Issues per page of the list.
ISSUE_PAGE_SIZE = 25

#: Plain-words group key → the statuses it stands for.
PLAIN_STATUS_GROUP_STATUSES = {key: statuses for key, _label, statuses in PLAIN_STATUS_GROUPS}


class IssueSort(models.TextChoices):
    NEWEST = "newest", _("Newest first")
    DUE = "due", _("Due date, soonest first")


@dataclass(frozen=True)
class IssueScope:
    """Whose issues the user sees and how they are shown to them.

    ``kind`` is one of "all" (administrator, or an official of the city), "region" (an
    official of a county), "department" (a handler or department lead), "enterprise" (a
    verified entrepreneur), "own" (an entrepreneur waiting for verification: the issues
    they submitted) and "none". ``issues_for_user`` decides which issues; this describes it.
    """

    kind: str
    #: Officials and administrators see exact statuses, enterprises and the whole timeline;
    #: entrepreneurs see statuses in plain words and the public timeline only.
    is_official: bool = False
    region: Region | None = None
    department: Department | None = None
    enterprise: Enterprise | None = None

    @property
    def has_several_regions(self) -> bool:
        """The scope spans the city, so filtering by region helps."""
        return self.is_official and self.region is None


def issue_scope_for_user(*, user) -> IssueScope:
    """What ``issues_for_user`` gives this user, described for the pages. No query beyond
    the user's Official or Entrepreneur record (with its department and region)."""
    if not user.is_authenticated or not user.is_active:
        return IssueScope(kind="none")
    if user.is_superuser:
        return IssueScope(kind="all", is_official=True)
    official = official_for_user(user=user)
    if official is not None:
        if official.role in Official.DEPARTMENT_ROLES:
            return IssueScope(
                kind="department", is_official=True, department=official.department,
                region=region_scope_for_user(user=user),
            )
        region = region_scope_for_user(user=user)
        return IssueScope(kind="all" if region is None else "region", is_official=True,
                          region=region)
    entrepreneur = entrepreneur_for_user(user=user)
    if entrepreneur is not None:
        kind = "enterprise" if entrepreneur.is_verified else "own"
        return IssueScope(kind=kind, enterprise=entrepreneur.enterprise)
    return IssueScope(kind="none")


@dataclass(frozen=True)
class IssueFilters:
    """What the list is narrowed to. ``status`` is an ``Issue.Status`` for officials and a
    key of ``PLAIN_STATUS_GROUPS`` for entrepreneurs; unknown values are ignored."""

    status: str = ""
    category: int | None = None
    region: int | None = None
    overdue: bool = False
    search: str = ""
    sort: str = IssueSort.NEWEST
    #: A work queue's key (``issue_queue_keys_for_user``); applied by
    #: ``issue_queue_page_for_user``.
    queue: str = ""
    #: The issues a department leads or assists, and the days they were submitted on
    #: (inclusive): the API offers these (``api.v1.filters``).
    department: int | None = None
    submitted_from: date | None = None
    submitted_to: date | None = None

    @property
    def is_narrowed(self) -> bool:
        return bool(self.status or self.category or self.region or self.overdue
                    or self.search or self.department or self.submitted_from
                    or self.submitted_to)


@dataclass(frozen=True)
class IssueFilterChoices:
    """The choices the list's filters offer this user. ``regions`` and ``sorts`` are empty
    when they do not apply (one region in scope; entrepreneurs always see newest first)."""

    statuses: list[tuple[str, str]]
    categories: list[tuple[int, str]]
    regions: list[tuple[int, str]] = field(default_factory=list)
    sorts: list[tuple[str, str]] = field(default_factory=list)


def issue_filter_choices_for_user(*, user) -> IssueFilterChoices:
    """Statuses (exact or plain words), categories, and regions when several are in scope.

    One query for the categories, and one for the regions when they are offered.
    """
    scope = issue_scope_for_user(user=user)
    if scope.kind == "none":
        return IssueFilterChoices(statuses=[], categories=[])
    categories = [(category.pk, str(category)) for category in Category.objects.all()]
    if not scope.is_official:
        statuses = [(key, label) for key, label, _statuses in PLAIN_STATUS_GROUPS]
        return IssueFilterChoices(statuses=statuses, categories=categories)
    regions = []
    if scope.has_several_regions:
        regions = [(region.pk, str(region)) for region in Region.objects.all()]
    return IssueFilterChoices(
        statuses=list(Issue.Status.choices), categories=categories, regions=regions,
        sorts=list(IssueSort.choices),
    )


def issue_list_for_user(*, user, filters: IssueFilters | None = None) -> QuerySet[Issue]:
    """The user's issues (``issues_for_user``) narrowed by ``filters``, in a stable order,
    with what a row shows joined in. One query when evaluated."""
    filters = filters or IssueFilters()
    scope = issue_scope_for_user(user=user)
    # A row never shows the description: leaving it out keeps deep pages light.
    issues = issues_for_user(user=user).select_related(
        "category", "enterprise", "lead_department"
    ).defer("description", "rejection_reason")
    if filters.status:
        if scope.is_official:
            issues = issues.filter(status=filters.status)
        else:
            issues = issues.filter(
                status__in=PLAIN_STATUS_GROUP_STATUSES.get(filters.status, ())
            )
    if filters.category:
        issues = issues.filter(category_id=filters.category)
    if filters.region:
        issues = issues.filter(region_id=filters.region)
    if filters.overdue:
        issues = issues.filter(overdue_q(today=timezone.localdate()))
    if filters.department:
        issues = issues.filter(department_issues_q(filters.department))
    if filters.submitted_from:
        issues = issues.filter(submitted_at__gte=_day_start(filters.submitted_from))
    if filters.submitted_to:
        issues = issues.filter(
            submitted_at__lt=_day_start(filters.submitted_to + timedelta(days=1)))
    search = filters.search.strip()
    if is_reference(search):
        # A whole reference finds its issue through the unique index, not by scanning.
        issues = issues.filter(reference=search.upper())
    elif search:
        issues = issues.filter(Q(reference__icontains=search) | Q(title__icontains=search))
    if filters.sort == IssueSort.DUE and scope.is_official:
        return issues.order_by(F("due_on").asc(nulls_last=True), "-submitted_at", "-id")
    return issues.order_by("-submitted_at", "-id")


def _day_start(day: date) -> datetime:
    """The first moment of ``day`` in Huzhou (a bound the submitted_at index can use)."""
    return timezone.make_aware(datetime.combine(day, time.min))


def describe_issue(issue: Issue, *, scope: IssueScope, today) -> Issue:
    """Set what the pages show beside the stored fields: ``status_label`` in the viewer's
    words (exact for officials, plain for entrepreneurs) and ``status_group`` (the plain
    group's key, for the badge's colour), ``is_overdue`` / ``is_due_soon``, and, for a
    department, ``department_part`` ("lead" or "assisting")."""
    issue.status_group, plain_label = PLAIN_STATUS[issue.status]
    issue.status_label = issue.get_status_display() if scope.is_official else plain_label
    with_department = issue.status in Issue.WITH_DEPARTMENT_STATUSES and issue.due_on
    issue.is_overdue = bool(with_department and issue.due_on < today)
    issue.is_due_soon = bool(
        with_department and today <= issue.due_on <= today + timedelta(days=DUE_SOON_DAYS)
    )
    issue.department_part = ""
    if scope.department is not None:
        leads = issue.lead_department_id == scope.department.pk
        issue.department_part = "lead" if leads else "assisting"
    return issue


def issue_list_page_for_user(
    *, user, filters: IssueFilters | None = None, page_number=None
) -> Page:
    """One page (``ISSUE_PAGE_SIZE``) of ``issue_list_for_user``; a page number out of
    range gives the last page. Each issue is described as ``describe_issue`` says.

    Two queries (the count, and the page) whatever the number of issues.
    """
    scope = issue_scope_for_user(user=user)
    paginator = CappedPaginator(issue_list_for_user(user=user, filters=filters),
                                ISSUE_PAGE_SIZE)
    page = paginator.get_page(page_number)
    today = timezone.localdate()
    page.object_list = [describe_issue(issue, scope=scope, today=today) for issue in page]
    return page
