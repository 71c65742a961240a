"""Read-only queries about issues, scoped to the user who asks.

``issues_for_user`` (in ``issues.visibility``) decides who sees which issue, and every
list, page, export and feed starts from it. This module holds the issue's own page (the
detail, its timeline, who may see the contacts) and what the workflow's forms offer (the
pending request for more time, the departments to dispatch to, the sessions an issue was
raised at); and it re-exports the rest, so ``issues.selectors`` answers every read:

* ``issues.visibility``: ``issues_for_user``, ``issue_for_user``, the plain-words statuses;
* ``issues.listing``: the issue list, its filters and pages;
* ``issues.queues``: the home pages' queues, the work-queue tabs, supervision (督办).

Each function runs a fixed number of queries whatever the amount of data.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Exists, OuterRef, Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from government.models import Department, Official
from government.selectors import official_for_user, region_scope_for_user
from issues.listing import (
    ISSUE_PAGE_SIZE,
    PLAIN_STATUS_GROUP_STATUSES,
    IssueFilterChoices,
    IssueFilters,
    IssueScope,
    IssueSort,
    describe_issue,
    issue_filter_choices_for_user,
    issue_list_for_user,
    issue_list_page_for_user,
    issue_scope_for_user,
)
from issues.models import (
    Answer,
    AssistingDepartment,
    Attachment,
    ExtensionRequest,
    FollowUpCall,
    Issue,
    IssueEvent,
    RatingChannel,
    RatingValue,
    SatisfactionRating,
)
from issues.policy import Party, parties_of
from issues.queues import (
    FOLLOW_UP_PAGE_SIZE,
    QUEUE_COUNT_CAP,
    SUPERVISION_PAGE_SIZE,
    answers_awaiting_sign_off_for_user,
    coordinator_queue_for_user,
    department_queue_for_user,
    enterprise_issue_summary_for_user,
    follow_up_queue_for_user,
    issue_queue_keys_for_user,
    issue_queue_page_for_user,
    issue_queues_for_user,
    issues_awaiting_dispatch_for_user,
    latest_enterprise_issues_for_user,
    may_record_calls,
    may_see_supervision,
    supervised_issues_page_for_user,
    supervision_bulletin_for_user,
    urgent_department_issues_for_user,
)
from issues.visibility import (
    DUE_SOON_DAYS,
    PLAIN_STATUS,
    PLAIN_STATUS_GROUPS,
    department_issues_q,
    issue_for_user,
    issues_for_user,
    overdue_q,
)
from sessions.models import TalkSession
from sessions.selectors import sessions_for_user

__all__ = [
    # issues.visibility
    "DUE_SOON_DAYS", "PLAIN_STATUS", "PLAIN_STATUS_GROUPS", "department_issues_q",
    "issue_for_user", "issues_for_user", "overdue_q",
    # issues.listing
    "ISSUE_PAGE_SIZE", "PLAIN_STATUS_GROUP_STATUSES", "IssueFilterChoices", "IssueFilters",
    "IssueScope", "IssueSort", "describe_issue", "issue_filter_choices_for_user",
    "issue_list_for_user", "issue_list_page_for_user", "issue_scope_for_user",
    # issues.queues
    "FOLLOW_UP_PAGE_SIZE", "QUEUE_COUNT_CAP", "SUPERVISION_PAGE_SIZE",
    "answers_awaiting_sign_off_for_user", "coordinator_queue_for_user",
    "department_queue_for_user", "enterprise_issue_summary_for_user",
    "follow_up_queue_for_user", "may_record_calls",
    "issue_queue_keys_for_user", "issue_queue_page_for_user", "issue_queues_for_user",
    "issues_awaiting_dispatch_for_user", "latest_enterprise_issues_for_user",
    "may_see_supervision", "supervised_issues_page_for_user", "supervision_bulletin_for_user",
    "urgent_department_issues_for_user",
    # this module
    "IssueDetail", "actor_display_name", "can_see_issue_contacts", "dispatch_departments",
    "answer_under_review_for_issue", "issue_detail_for_user", "issue_timeline_for_user",
    "may_see_unapproved_answers",
    "pending_extension_request_for_issue", "rating_followed_up",
    "sessions_for_issue_entry_for_user",
]


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
    """The issue's timeline in time order, each entry with ``actor_name``, for an
    official, ``actor_department``, and ``how`` (how a rating was given, what a follow-up
    call found; "" for the others).

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
        event.how = _how(event)
        if event.kind == IssueEvent.Kind.RATED and event.data.get("channel") == RatingChannel.LINK:
            event.actor_name = issue.entrepreneur.display_name  # rated with no log-in
    return events


def _how(event: IssueEvent) -> str:
    """A rating's channel (by phone: who recorded it), or a follow-up call's outcome."""
    data = event.data or {}
    if event.kind == IssueEvent.Kind.RATED:
        if data.get("channel") == RatingChannel.PHONE:
            return _("Rated by phone (回访), recorded by %(name)s") % {"name": event.actor_name}
        if data.get("channel") == RatingChannel.LINK:
            return _("Rated through the link sent by SMS")
        return ""
    if event.kind != IssueEvent.Kind.CALL:
        return ""
    if data.get("reached"):
        parts = [str(_("Reached the person"))]
        if data.get("rating") in RatingValue.values:
            parts.append(str(_("rating given: %(rating)s") % {
                "rating": RatingValue(data["rating"]).label}))
    elif data.get("attempt"):
        parts = [str(_("Not reached (unanswered call %(attempt)s this round)") % {
            "attempt": data["attempt"]})]
    else:
        parts = [str(_("Not reached"))]
    if data.get("purpose") in FollowUpCall.Purpose.values:
        parts.append(str(FollowUpCall.Purpose(data["purpose"]).label))
    return " · ".join(parts)


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


def may_see_unapproved_answers(*, user, issue: Issue) -> bool:
    """May the user read an answer that is not signed off (yet), waiting for a lead or sent
    back, and download its files? The lead department's handlers and leads (who write and
    sign off its answers), the coordinators covering the issue and administrators. Everyone
    else who sees the issue reads an answer once it is approved. Reads the issue's
    assisting departments (prefetched by ``issue_detail_for_user``)."""
    return bool(parties_of(user=user, issue=issue) & {Party.LEAD_DEPARTMENT, Party.COORDINATOR})


def answer_under_review_for_issue(*, issue: Issue) -> Answer | None:
    """The answer of the issue's current round that waits for the lead's sign-off, else
    the last one sent back in this round (with the lead's note), else None; with
    ``written_by_name`` and ``decided_by_name``. One query. Only for those who
    ``may_see_unapproved_answers``."""
    answer = (
        Answer.objects.filter(issue_id=issue.pk, round=issue.round,
                              status__in=(Answer.Status.PENDING, Answer.Status.SENT_BACK))
        .select_related("written_by__official", "written_by__entrepreneur",
                        "decided_by__official", "decided_by__entrepreneur")
        # The pending one first ("pending" sorts before "sent_back"), then the latest.
        .order_by("status", "-written_at", "-id")
        .first()
    )
    if answer is not None:
        answer.written_by_name = actor_display_name(answer.written_by)
        answer.decided_by_name = (actor_display_name(answer.decided_by)
                                  if answer.decided_by_id else "")
    return answer


@dataclass
class IssueDetail:
    """Everything the issue page shows, read for one user."""

    issue: Issue
    scope: IssueScope
    timeline: list[IssueEvent]
    #: The latest public answer (a "resolved" entry of the timeline), if any; like every
    #: "resolved" entry it carries ``files``, the signed-off answer's attachments.
    reply: IssueEvent | None
    show_contacts: bool
    #: The answer waiting for the lead's sign-off (or the last one sent back) with its
    #: ``files``, for those who ``may_see_unapproved_answers``; None for everyone else.
    answer_under_review: Answer | None = None

    @property
    def assistances(self) -> list[AssistingDepartment]:
        return list(self.issue.assistances.all())

    @property
    def attachments(self) -> list[Attachment]:
        """The issue's own attachments (an answer's files are shown with the answer)."""
        return [item for item in self.issue.attachments.all() if item.answer_id is None]

    @property
    def ratings(self) -> list[SatisfactionRating]:
        return list(self.issue.ratings.all())


def issue_detail_for_user(*, user, reference: str) -> IssueDetail:
    """One issue with its departments, attachments, ratings and timeline, if the user may
    see it (through ``issues_for_user``); raises ``Issue.DoesNotExist`` otherwise.

    Five queries (the issue, its assisting departments, attachments, ratings, and the
    timeline) whatever the length of the timeline or the number of attachments; a sixth,
    the answer under review, for those who ``may_see_unapproved_answers`` while the issue
    is with its department and an answer was sent for sign-off in this round. An answer's
    files are shown with it: with each "resolved" entry of the timeline (its ``data`` names
    the signed-off answer), and with the answer under review; files added later (补充材料)
    with their "material added" entry too.
    """
    issue = (
        issues_for_user(user=user)
        # Whether the session the issue was raised at is one the user may open: the page
        # links to it only then (a handler's department may not have attended it).
        .annotate(session_visible=Exists(
            sessions_for_user(user=user).filter(pk=OuterRef("session_id"))))
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
    describe_issue(issue, scope=scope, today=timezone.localdate())
    timeline = issue_timeline_for_user(user=user, issue=issue)
    files: dict[int, list[Attachment]] = {}
    for attachment in issue.attachments.all():
        if attachment.answer_id is not None:
            files.setdefault(attachment.answer_id, []).append(attachment)
    own = {attachment.pk: attachment for attachment in issue.attachments.all()
           if attachment.answer_id is None}
    for event in timeline:
        data = event.data if isinstance(event.data, dict) else {}
        if event.kind == IssueEvent.Kind.RESOLVED:
            event.files = files.get(data.get("answer"), [])
        elif event.kind == IssueEvent.Kind.MATERIAL_ADDED:
            # The files added (补充材料), also listed with the issue's own attachments.
            event.files = [own[pk] for pk in data.get("attachments", ()) if pk in own]
    replies = [
        event for event in timeline
        if event.kind == IssueEvent.Kind.RESOLVED and event.is_public and event.message
    ]
    under_review = None
    # Only an answer sent for sign-off in this round can be under review: the timeline
    # (which such users read whole) says whether to look.
    submitted = any(event.kind == IssueEvent.Kind.ANSWER_SUBMITTED
                    and event.round == issue.round for event in timeline)
    if (submitted and issue.status in (Issue.Status.ACCEPTED, Issue.Status.IN_PROGRESS)
            and may_see_unapproved_answers(user=user, issue=issue)):
        under_review = answer_under_review_for_issue(issue=issue)
        if under_review is not None:
            under_review.files = files.get(under_review.pk, [])
    return IssueDetail(
        issue=issue, scope=scope, timeline=timeline, reply=replies[-1] if replies else None,
        show_contacts=can_see_issue_contacts(user=user, issue=issue),
        answer_under_review=under_review,
    )


# --- What the workflow's forms offer ----------------------------------------------------


def rating_followed_up(*, detail: "IssueDetail", asked) -> SatisfactionRating | None:
    """The rating a follow-up call about the issue is about: the one ``asked`` for (its pk,
    from the queue) if it is this issue's; else, once the answer no longer awaits a rating,
    its latest rating; else None (the call is about the answer awaiting one)."""
    try:
        pk = int(asked)
    except (TypeError, ValueError):
        pk = None
    rating = next((rating for rating in detail.ratings if rating.pk == pk), None)
    if rating is None and detail.issue.status != Issue.Status.RESOLVED and detail.ratings:
        rating = detail.ratings[-1]
    return rating


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
