"""Work queues: what each kind of user has waiting on their home page (an entrepreneur's
issues, a department's queue, the coordinators' queue), the work-queue tabs of the issue
list, the supervision (督办) list and bulletin, and the coordinators' follow-up calls
(回访). Every function takes the user and starts
from ``issues_for_user``; a fixed number of queries whatever the number of issues."""

from dataclasses import dataclass
from datetime import timedelta

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.pagination import CappedPaginator
from core.workdays import work_calendar
from government.models import Department, Official
from government.selectors import official_for_user, user_label
from issues.deadlines import rating_closes_on
from issues.listing import (
    ISSUE_PAGE_SIZE,
    IssueFilters,
    describe_issue,
    issue_list_for_user,
    issue_scope_for_user,
)
from issues.models import (
    Answer,
    ExtensionRequest,
    FollowUpCall,
    Issue,
    RatingValue,
    SatisfactionRating,
)
from issues.policy import RULES, Action
from issues.rules import workflow_rules
from issues.visibility import (
    DUE_SOON_DAYS,
    PLAIN_STATUS,
    PLAIN_STATUS_GROUPS,
    department_issues_q,
    issues_for_user,
    overdue_q,
)

S = Issue.Status


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


def _pending_answers_q(department_id) -> Q:
    """Issues the department leads whose answer waits for its lead's sign-off."""
    pending = Answer.objects.filter(status=Answer.Status.PENDING).values("issue_id")
    return Q(pk__in=pending, lead_department_id=department_id)


def _is_department_lead(user) -> bool:
    official = official_for_user(user=user) if user.is_authenticated else None
    return official is not None and official.role == Official.Role.DEPARTMENT_LEAD


def department_queue_for_user(*, user) -> dict:
    """The department's queue: to accept, in progress, due soon, overdue, and answers
    waiting for its lead's sign-off (审核签发). One query."""
    today = timezone.localdate()
    with_department = Q(status__in=Issue.WITH_DEPARTMENT_STATUSES)
    official = official_for_user(user=user)
    department_id = official.department_id if official is not None else None
    counts = _department_issues(user=user).filter(status__in=Issue.OPEN_STATUSES).aggregate(
        to_sign_off=Count("id", filter=_pending_answers_q(department_id)),
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


def answers_awaiting_sign_off_for_user(*, user, limit: int = 10) -> list[Answer]:
    """For a department lead: the answers their handlers wrote that wait for the lead's
    sign-off, oldest first, each with its ``issue`` and ``written_by_name``; nobody else has
    any. One query (none for others)."""
    if not user.is_active or not _is_department_lead(user):
        return []
    department_id = official_for_user(user=user).department_id
    answers = list(
        Answer.objects.filter(status=Answer.Status.PENDING,
                              issue__lead_department_id=department_id,
                              issue__in=issues_for_user(user=user))
        .select_related("issue__category", "issue__enterprise", "written_by__official")
        .order_by("written_at", "id")[:limit]
    )
    for answer in answers:
        answer.written_by_name = user_label(answer.written_by)
    return answers


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


# --- Work queues, supervision, and what the workflow's screens offer ---------------------


def _queue_definitions(*, today, department_id=None) -> dict:
    """Every work queue: key → (label, the condition, the order of its list).
    ``department_id``: the user's department (for the answers awaiting sign-off)."""
    by_due = (F("due_on").asc(nulls_last=True), "submitted_at", "id")
    oldest_first = ("submitted_at", "id")
    pending_extension = ExtensionRequest.objects.filter(
        status=ExtensionRequest.Status.PENDING
    ).values("issue_id")
    due_soon = Q(status__in=Issue.WITH_DEPARTMENT_STATUSES,
                 due_on__gte=today, due_on__lte=today + timedelta(days=DUE_SOON_DAYS))
    return {
        "sign_off": (_("Awaiting sign-off"), _pending_answers_q(department_id), by_due),
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

    A department (handler or lead): new, due soon, overdue, in progress; a department lead
    first the answers awaiting their sign-off. A coordinator or
    administrator: to dispatch, returned, extension requests, the coordinator's decision,
    under supervision, overdue. A leader: under supervision, overdue. Entrepreneurs: none.
    No query beyond the user's Official record.
    """
    scope = issue_scope_for_user(user=user)
    if not scope.is_official:
        return ()
    if scope.kind == "department":
        lead = ("sign_off",) if _is_department_lead(user) else ()
        return (*lead, "new", "due_soon", "overdue", "in_progress")
    official = None if user.is_superuser else official_for_user(user=user)
    if user.is_superuser or (official is not None
                             and official.role == Official.Role.COORDINATOR):
        return ("to_dispatch", "returned", "extension_requests", "review", "supervised",
                "overdue")
    return ("supervised", "overdue")


def _department_id(user) -> int | None:
    official = official_for_user(user=user) if user.is_authenticated else None
    return official.department_id if official is not None else None


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
    definitions = _queue_definitions(
        today=timezone.localdate(),
        department_id=_department_id(user) if "sign_off" in keys else None)
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
        department_id = _department_id(user) if filters.queue == "sign_off" else None
        _label, condition, order = _queue_definitions(
            today=timezone.localdate(), department_id=department_id)[filters.queue]
        issues = issues.filter(condition).order_by(*order)
    scope = issue_scope_for_user(user=user)
    page = CappedPaginator(issues, ISSUE_PAGE_SIZE).get_page(page_number)
    today = timezone.localdate()
    page.object_list = [describe_issue(issue, scope=scope, today=today) for issue in page]
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


# --- Follow-up calls (回访) -----------------------------------------------------------------

#: Rows per page of each part of the follow-up queue (made to be read on a phone).
FOLLOW_UP_PAGE_SIZE = 20


def may_record_calls(*, user) -> bool:
    """Coordinators and administrators make the follow-up calls (回访)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    official = official_for_user(user=user)
    return official is not None and official.role == Official.Role.COORDINATOR


@dataclass
class FollowUpQueue:
    """The three parts of the follow-up queue, each one page (``FOLLOW_UP_PAGE_SIZE``)."""

    #: Answered issues awaiting a rating, nearest rating deadline first; each issue carries
    #: ``rating_due_on`` (the day it closes unrated) and ``unreached_calls``.
    awaiting: Page
    #: Dissatisfied ratings with no call that reached the person since, oldest first; each
    #: carries ``call_due_on``, ``is_late`` and ``attempts`` (calls that did not reach).
    dissatisfied: Page
    #: The sample of the other ratings to verify by a call, not yet verified, oldest first;
    #: each carries ``attempts``.
    verification: Page


def _ratings_to_call(*, user) -> QuerySet[SatisfactionRating]:
    """The user's ratings to be followed up: of an issue in scope in a state a call may be
    recorded in, with no call since that reached the person (a rating given on a call
    needs none); each with ``attempts``, the calls about it that did not reach them."""
    reached = FollowUpCall.objects.filter(about_rating=OuterRef("pk"), reached=True)
    unreached = (FollowUpCall.objects.filter(about_rating=OuterRef("pk"), reached=False)
                 .order_by().values("about_rating").annotate(n=Count("id")).values("n"))
    return (
        SatisfactionRating.objects
        .filter(issue__in=issues_for_user(user=user).values("pk"),
                issue__status__in=RULES[Action.RECORD_CALL].from_statuses,
                given_in_call__isnull=True)
        .exclude(Exists(reached))
        .annotate(attempts=Coalesce(Subquery(unreached), 0))
        .select_related("issue__entrepreneur", "issue__enterprise")
        .order_by("rated_at", "id")
    )


def follow_up_queue_for_user(*, user, awaiting_page=None, dissatisfied_page=None,
                             verification_page=None) -> FollowUpQueue:
    """The coordinator's follow-up queue (回访), in their region (``issues_for_user``):
    answered issues awaiting a rating, dissatisfied ratings to call back within
    ``call_dissatisfied_within_days`` working days, and the sample of the others to verify.
    Seven queries (each part's count and page, and the working-day calendar) whatever the
    number of rows; nothing for a user who makes no calls."""
    if not may_record_calls(user=user):
        empty = Paginator([], FOLLOW_UP_PAGE_SIZE).get_page(1)
        return FollowUpQueue(awaiting=empty, dissatisfied=empty, verification=empty)
    rules = workflow_rules()
    calendar = work_calendar()
    today = timezone.localdate()
    awaiting = CappedPaginator(
        issues_for_user(user=user).filter(status=S.RESOLVED)
        .select_related("entrepreneur", "enterprise")
        .order_by(F("resolved_at").asc(nulls_last=True), "id"),
        FOLLOW_UP_PAGE_SIZE,
    ).get_page(awaiting_page)
    for issue in awaiting:
        issue.rating_due_on = rating_closes_on(issue, calendar=calendar)
    ratings = _ratings_to_call(user=user)
    dissatisfied = CappedPaginator(ratings.filter(value=RatingValue.DISSATISFIED),
                                   FOLLOW_UP_PAGE_SIZE).get_page(dissatisfied_page)
    for rating in dissatisfied:
        rating.call_due_on = calendar.add_working_days(timezone.localdate(rating.rated_at),
                                                       rules.call_dissatisfied_within_days)
        rating.is_late = rating.call_due_on < today
    verification = CappedPaginator(
        ratings.filter(verify_by_call=True).exclude(value=RatingValue.DISSATISFIED),
        FOLLOW_UP_PAGE_SIZE,
    ).get_page(verification_page)
    return FollowUpQueue(awaiting=awaiting, dissatisfied=dissatisfied,
                         verification=verification)
