"""Read-only queries about issues, scoped to the user who asks.

``issues_for_user`` decides who sees which issue, and every list, page, export and feed
starts from it (``issue_for_user`` for one issue). Each function runs a fixed number of
queries whatever the amount of data.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.core.exceptions import ObjectDoesNotExist
from django.core.paginator import Page, Paginator
from django.db import models
from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.pagination import CappedPaginator
from core.workdays import work_calendar
from entrepreneurs.models import Enterprise
from entrepreneurs.selectors import entrepreneur_for_user
from government.models import Department, Official, Region
from government.selectors import official_for_user, region_scope_for_user
from issues.models import (
    AssistingDepartment,
    Attachment,
    Category,
    ExtensionRequest,
    Issue,
    IssueEvent,
    SatisfactionRating,
)
from issues.services import is_reference
from sessions.models import TalkSession

S = Issue.Status

#: How an entrepreneur sees the workflow: plain words over groups of statuses.
PLAIN_STATUS_GROUPS = (
    ("waiting", _("Received, waiting to be passed on"), (S.SUBMITTED, S.RETURNED, S.REVIEW)),
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


# --- Who sees which issue --------------------------------------------------------------



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
    counts = _department_issues(user=user).filter(status__in=Issue.OPEN_STATUSES).aggregate(
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
    counts = _issues_in_scope(user=user).filter(status__in=Issue.OPEN_STATUSES).aggregate(
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


# --- The issue list and the issue page --------------------------------------------------

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

    @property
    def is_narrowed(self) -> bool:
        return bool(self.status or self.category or self.region or self.overdue
                    or self.search)


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
    search = filters.search.strip()
    if is_reference(search):
        # A whole reference finds its issue through the unique index, not by scanning.
        issues = issues.filter(reference=search.upper())
    elif search:
        issues = issues.filter(Q(reference__icontains=search) | Q(title__icontains=search))
    if filters.sort == IssueSort.DUE and scope.is_official:
        return issues.order_by(F("due_on").asc(nulls_last=True), "-submitted_at", "-id")
    return issues.order_by("-submitted_at", "-id")


def _describe(issue: Issue, *, scope: IssueScope, today) -> Issue:
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
    range gives the last page. Each issue is described as ``_describe`` says.

    Two queries (the count, and the page) whatever the number of issues.
    """
    scope = issue_scope_for_user(user=user)
    paginator = CappedPaginator(issue_list_for_user(user=user, filters=filters),
                                ISSUE_PAGE_SIZE)
    page = paginator.get_page(page_number)
    today = timezone.localdate()
    page.object_list = [_describe(issue, scope=scope, today=today) for issue in page]
    return page


def _related(instance, name: str):
    """A one-to-one neighbour, or None when there is none (read from select_related)."""
    try:
        return getattr(instance, name)
    except ObjectDoesNotExist:
        return None


def actor_display_name(user) -> str:
    """How the timeline names who did something: the Official's or the Entrepreneur's name,
    else the account's full name, never the user name."""
    if user is None:
        return _("The system")
    official = _related(user, "official")
    if official is not None:
        return official.name
    entrepreneur = _related(user, "entrepreneur")
    if entrepreneur is not None:
        return entrepreneur.display_name
    return user.get_full_name() or _("Programme staff")


def issue_timeline_for_user(*, user, issue: Issue) -> list[IssueEvent]:
    """The issue's timeline in time order, each entry with ``actor_name`` and, for an
    official, ``actor_department``.

    Entrepreneurs see the public entries only; officials and administrators see all. A
    user who may not see the issue gets nothing. One query whatever the timeline's length.
    """
    events = (
        IssueEvent.objects.filter(issue_id=issue.pk, issue__in=issues_for_user(user=user))
        .select_related("actor__official__department", "actor__entrepreneur")
        .order_by("created_at", "id")
    )
    if not issue_scope_for_user(user=user).is_official:
        events = events.filter(is_public=True)
    events = list(events)
    for event in events:
        event.actor_name = actor_display_name(event.actor)
        official = _related(event.actor, "official") if event.actor else None
        event.actor_department = official.department if official else None
    return events


def can_see_issue_contacts(*, user, issue: Issue) -> bool:
    """May the user see the mobile and email of the person who raised the issue in full?

    Those who handle the person: an administrator; a coordinator whose region scope covers
    the issue's region (a city coordinator covers all); a handler or department lead of the
    lead or an assisting department. Everybody else sees them masked. Reads the issue's
    assisting departments (prefetched by ``issue_detail_for_user``).
    """
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    official = official_for_user(user=user)
    if official is None:
        return False
    if official.role == Official.Role.COORDINATOR:
        region = region_scope_for_user(user=user)
        return region is None or region.pk == issue.region_id
    if official.role in Official.DEPARTMENT_ROLES:
        department_id = official.department_id
        return issue.lead_department_id == department_id or any(
            assistance.department_id == department_id for assistance in issue.assistances.all()
        )
    return False


@dataclass
class IssueDetail:
    """Everything the issue page shows, read for one user."""

    issue: Issue
    scope: IssueScope
    timeline: list[IssueEvent]
    #: The latest public answer (a "resolved" entry of the timeline), if any.
    reply: IssueEvent | None
    show_contacts: bool

    @property
    def assistances(self) -> list[AssistingDepartment]:
        return list(self.issue.assistances.all())

    @property
    def attachments(self) -> list[Attachment]:
        return list(self.issue.attachments.all())

    @property
    def ratings(self) -> list[SatisfactionRating]:
        return list(self.issue.ratings.all())


def issue_detail_for_user(*, user, reference: str) -> IssueDetail:
    """One issue with its departments, attachments, ratings and timeline, if the user may
    see it (through ``issues_for_user``); raises ``Issue.DoesNotExist`` otherwise.

    Five queries (the issue, its assisting departments, attachments, ratings, and the
    timeline) whatever the length of the timeline or the number of attachments.
    """
    issue = (
        issues_for_user(user=user)
        .select_related("category", "enterprise__region", "entrepreneur", "region",
                        "lead_department", "session")
        .prefetch_related(
            Prefetch(
                "assistances",
                queryset=AssistingDepartment.objects.select_related("department")
                .order_by("created_at", "id"),
            ),
            Prefetch("attachments", queryset=Attachment.objects.order_by("uploaded_at", "id")),
            Prefetch("ratings", queryset=SatisfactionRating.objects.order_by("round", "id")),
        )
        .get(reference=reference)
    )
    scope = issue_scope_for_user(user=user)
    _describe(issue, scope=scope, today=timezone.localdate())
    timeline = issue_timeline_for_user(user=user, issue=issue)
    replies = [
        event for event in timeline
        if event.kind == IssueEvent.Kind.RESOLVED and event.is_public and event.message
    ]
    return IssueDetail(
        issue=issue, scope=scope, timeline=timeline, reply=replies[-1] if replies else None,
        show_contacts=can_see_issue_contacts(user=user, issue=issue),
    )


# --- Work queues, supervision, and what the workflow's screens offer ---------------------


def _queue_definitions(*, today) -> dict:
    """Every work queue: key → (label, the condition, the order of its list)."""
    by_due = (F("due_on").asc(nulls_last=True), "submitted_at", "id")
    oldest_first = ("submitted_at", "id")
    pending_extension = ExtensionRequest.objects.filter(
        status=ExtensionRequest.Status.PENDING
    ).values("issue_id")
    due_soon = Q(status__in=Issue.WITH_DEPARTMENT_STATUSES,
                 due_on__gte=today, due_on__lte=today + timedelta(days=DUE_SOON_DAYS))
    return {
        "new": (_("New"), Q(status=S.DISPATCHED),
                (F("accept_due_on").asc(nulls_last=True), "submitted_at", "id")),
        "due_soon": (_("Due soon"), due_soon, by_due),
        "overdue": (_("Overdue"), overdue_q(today=today), by_due),
        "in_progress": (_("In progress"), Q(status__in=(S.ACCEPTED, S.IN_PROGRESS)), by_due),
        "to_dispatch": (_("To dispatch"), Q(status__in=(S.SUBMITTED, S.RETURNED)),
                        oldest_first),
        "returned": (_("Returned"), Q(status=S.RETURNED), oldest_first),
        "extension_requests": (_("Extension requests"), Q(pk__in=pending_extension), by_due),
        "review": (_("Coordinator's decision"), Q(status=S.REVIEW), oldest_first),
        "supervised": (
            _("Under supervision"),
            Q(status__in=Issue.OPEN_STATUSES, escalation__gte=Issue.Escalation.SUPERVISED),
            by_due,
        ),
    }


def issue_queue_keys_for_user(*, user) -> tuple[str, ...]:
    """The work queues the issue list offers the user, in the order of its tabs.

    A department (handler or lead): new, due soon, overdue, in progress. A coordinator or
    administrator: to dispatch, returned, extension requests, the coordinator's decision,
    under supervision, overdue. A leader: under supervision, overdue. Entrepreneurs: none.
    No query beyond the user's Official record.
    """
    scope = issue_scope_for_user(user=user)
    if not scope.is_official:
        return ()
    if scope.kind == "department":
        return ("new", "due_soon", "overdue", "in_progress")
    official = None if user.is_superuser else official_for_user(user=user)
    if user.is_superuser or (official is not None
                             and official.role == Official.Role.COORDINATOR):
        return ("to_dispatch", "returned", "extension_requests", "review", "supervised",
                "overdue")
    return ("supervised", "overdue")


#: A work queue's tab counts this many issues at most, then says "999+".
QUEUE_COUNT_CAP = 999


def issue_queues_for_user(*, user) -> list[dict]:
    """The user's work queues, each a dict of ``key``, ``label``, ``count`` (issues in it
    now, in the user's scope, at most ``QUEUE_COUNT_CAP``) and ``is_capped`` (more than
    that). One query per queue, each reading at most ``QUEUE_COUNT_CAP`` + 1 entries of
    its index, so the tabs cost the same however many issues are open; none for a user
    without queues."""
    keys = issue_queue_keys_for_user(user=user)
    if not keys:
        return []
    definitions = _queue_definitions(today=timezone.localdate())
    issues = issues_for_user(user=user).order_by()
    queues = []
    for key in keys:
        label, condition, _order = definitions[key]
        count = issues.filter(condition)[:QUEUE_COUNT_CAP + 1].count()
        queues.append({"key": key, "label": label, "count": min(count, QUEUE_COUNT_CAP),
                       "is_capped": count > QUEUE_COUNT_CAP})
    return queues


def issue_queue_page_for_user(
    *, user, filters: IssueFilters | None = None, page_number=None
) -> Page:
    """``issue_list_page_for_user``, narrowed to the work queue ``filters.queue`` (one of
    ``issue_queue_keys_for_user``; anything else is ignored) and in that queue's order:
    soonest due first for a department's queues, oldest first for those waiting for a
    coordinator. Two queries (the count, capped at ``COUNT_CAP``, and the page) whatever the
    number of issues."""
    filters = filters or IssueFilters()
    issues = issue_list_for_user(user=user, filters=filters)
    if filters.queue and filters.queue in issue_queue_keys_for_user(user=user):
        _label, condition, order = _queue_definitions(today=timezone.localdate())[filters.queue]
        issues = issues.filter(condition).order_by(*order)
    scope = issue_scope_for_user(user=user)
    page = CappedPaginator(issues, ISSUE_PAGE_SIZE).get_page(page_number)
    today = timezone.localdate()
    page.object_list = [_describe(issue, scope=scope, today=today) for issue in page]
    return page


def may_see_supervision(*, user) -> bool:
    """Coordinators, leaders and administrators follow the supervised issues (督办)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    official = official_for_user(user=user)
    return official is not None and official.role in (Official.Role.COORDINATOR,
                                                      Official.Role.LEADER)


#: Supervised issues per page of the supervision list (printed a page at a time).
SUPERVISION_PAGE_SIZE = 50


def _supervised(*, user, bulletin_only: bool = False) -> QuerySet[Issue]:
    level = Issue.Escalation.BULLETIN if bulletin_only else Issue.Escalation.SUPERVISED
    return issues_for_user(user=user).filter(status__in=Issue.OPEN_STATUSES,
                                             escalation__gte=level)


def supervised_issues_page_for_user(*, user, bulletin_only: bool = False,
                                    page_number=None) -> Page:
    """One page (``SUPERVISION_PAGE_SIZE``) of the open issues under supervision (督办) in
    the user's scope — or only those listed in the bulletin — most overdue first (earliest
    due date; none last). Each carries ``working_days_late`` (0 when not past its due date).
    Three queries (the count, the page, and the working-day calendar) whatever the number."""
    issues = (
        _supervised(user=user, bulletin_only=bulletin_only)
        .select_related("lead_department__region", "enterprise", "category", "region")
        .order_by(F("due_on").asc(nulls_last=True), "submitted_at", "id")
    )
    page = Paginator(issues, SUPERVISION_PAGE_SIZE).get_page(page_number)
    calendar = work_calendar()
    today = timezone.localdate()
    for issue in page:
        late = issue.due_on is not None and issue.due_on < today
        issue.working_days_late = (calendar.working_days_between(issue.due_on, today)
                                   if late else 0)
    return page


def supervision_bulletin_for_user(*, user) -> list[dict]:
    """The supervision bulletin in the user's scope: how many open issues each lead
    department has listed in it, as dicts of ``department`` (None when no department leads
    it) and ``count``, the department with most first. Two queries (the counts, the
    departments) whatever the number of issues."""
    counts = list(
        _supervised(user=user, bulletin_only=True)
        .values("lead_department_id").annotate(count=Count("id")).order_by()
    )
    departments = Department.objects.select_related("region").in_bulk(
        [row["lead_department_id"] for row in counts if row["lead_department_id"]]
    )
    groups = [{"department": departments.get(row["lead_department_id"]), "count": row["count"]}
              for row in counts]
    return sorted(groups, key=lambda group: (-group["count"], str(group["department"] or "")))


def pending_extension_request_for_issue(*, issue: Issue):
    """The issue's request for more time waiting for a decision, or None; with
    ``requested_by_name`` and ``requested_by_department`` (the asking official's). One query.
    Officials only: departments' requests are internal."""
    request = (
        ExtensionRequest.objects.filter(issue_id=issue.pk,
                                        status=ExtensionRequest.Status.PENDING)
        .select_related("requested_by__official__department", "requested_by__entrepreneur")
        .order_by("-requested_at", "-id")
        .first()
    )
    if request is not None:
        request.requested_by_name = actor_display_name(request.requested_by)
        official = _related(request.requested_by, "official")
        request.requested_by_department = official.department if official else None
    return request


def dispatch_departments() -> list[Department]:
    """Departments that take issues, by region then name, for the dispatch form. One query."""
    return list(
        Department.objects.filter(is_active=True).select_related("region")
        .order_by("region__sort_order", "region__code", "name", "id")
    )


def sessions_for_issue_entry_for_user(*, user, limit: int = 50) -> list:
    """Sessions an issue entered by a coordinator may have been raised at: from 60 days ago
    to 7 days ahead, in the coordinator's region scope (an administrator's or a city
    coordinator's: all), not cancelled, the ``limit`` latest first. One query."""
    now = timezone.now()
    sessions = TalkSession.objects.filter(
        starts_at__gte=now - timedelta(days=60), starts_at__lte=now + timedelta(days=7),
    ).exclude(status=TalkSession.Status.CANCELLED)
    if not user.is_superuser:
        region = region_scope_for_user(user=user)
        if region is not None:
            sessions = sessions.filter(region=region)
    return list(sessions.select_related("region").order_by("-starts_at", "-id")[:limit])
