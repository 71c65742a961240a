"""The issue workflow: every change of an issue's state, and the follow-up queue.

    submitted ─dispatch→ dispatched ─accept→ accepted ─note→ in progress ─resolve→ resolved
        │  ↑                 │ return (misrouted, within a working day)          │ rate
        │  └── returned ←────┘                                                   ↓
        └─reject / mark duplicate (terminal)       satisfied → closed · dissatisfied → new round
                                                   (or, after the last round, the coordinator's
                                                   review: dispatch again, or close)
    resolved, unrated for long enough → closed unrated (never counted as satisfied)

Each action is one function here. It takes the acting user, the issue and the version the
user saw; it checks, under a row lock, that the version is current, that the user's part
in the issue (``Party``) allows the action, and that the issue's state does (``RULES``);
then it writes the issue, the timeline entry and the outbox rows in one transaction.
Views, the admin, tasks and the demo data all call these functions; nothing else writes
``Issue.status``.

Refusals raise ``WorkflowError`` (``ActionNotAllowed``: the user's part does not allow it;
``WrongState``: not in this state; ``StaleIssue``: someone else changed it first) or
Django's ``ValidationError`` for bad input, and write nothing.
"""

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.signals import snapshot
from core.workdays import WorkCalendar, work_calendar
from entrepreneurs.selectors import entrepreneur_for_user
from government.models import Department, Official
from government.selectors import official_for_user, region_scope_for_user
from issues import notices
from issues.attachments import attachments_save, attachments_saved_or_removed
from issues.models import (
    SATISFIED_RATINGS,
    AssistingDepartment,
    Category,
    ExtensionRequest,
    Issue,
    IssueEvent,
    RatingValue,
    SatisfactionRating,
)
from issues.rules import workflow_rules
from issues.selectors import issues_for_user
from issues.services import issue_references_allocate
from issues.signals import assistance_changed, issue_changed

S = Issue.Status
E = Issue.Escalation
K = IssueEvent.Kind


class Action(StrEnum):
    DISPATCH = "dispatch"
    ACCEPT = "accept"
    RETURN = "return"
    NOTE = "note"
    REQUEST_EXTENSION = "request_extension"
    DECIDE_EXTENSION = "decide_extension"
    RESOLVE = "resolve"
    REJECT = "reject"
    MARK_DUPLICATE = "mark_duplicate"
    RATE = "rate"
    CLOSE = "close"


class Party(StrEnum):
    """A user's part in one issue; one user may have several (or none)."""

    #: An administrator, or a coordinator whose region covers the issue's.
    COORDINATOR = "coordinator"
    #: A handler or department lead of the lead department (主办).
    LEAD_DEPARTMENT = "lead_department"
    #: A handler or department lead of an assisting department (协办).
    ASSISTING_DEPARTMENT = "assisting_department"
    #: The entrepreneur who raised the issue.
    RAISER = "raiser"


@dataclass(frozen=True)
class Rule:
    from_statuses: tuple[str, ...]
    parties: frozenset[Party]


P = Party
RULES: dict[Action, Rule] = {
    Action.DISPATCH: Rule((S.SUBMITTED, S.RETURNED, S.DISPATCHED, S.REVIEW),
                          frozenset({P.COORDINATOR})),
    Action.ACCEPT: Rule((S.DISPATCHED,), frozenset({P.LEAD_DEPARTMENT})),
    Action.RETURN: Rule((S.DISPATCHED,), frozenset({P.LEAD_DEPARTMENT})),
    Action.NOTE: Rule((S.ACCEPTED, S.IN_PROGRESS),
                      frozenset({P.LEAD_DEPARTMENT, P.ASSISTING_DEPARTMENT, P.COORDINATOR})),
    Action.REQUEST_EXTENSION: Rule((S.ACCEPTED, S.IN_PROGRESS), frozenset({P.LEAD_DEPARTMENT})),
    Action.DECIDE_EXTENSION: Rule((S.ACCEPTED, S.IN_PROGRESS), frozenset({P.COORDINATOR})),
    Action.RESOLVE: Rule((S.ACCEPTED, S.IN_PROGRESS), frozenset({P.LEAD_DEPARTMENT})),
    Action.REJECT: Rule((S.SUBMITTED, S.RETURNED, S.DISPATCHED), frozenset({P.COORDINATOR})),
    Action.MARK_DUPLICATE: Rule((S.SUBMITTED, S.RETURNED, S.DISPATCHED),
                                frozenset({P.COORDINATOR})),
    Action.RATE: Rule((S.RESOLVED,), frozenset({P.RAISER})),
    Action.CLOSE: Rule((S.REVIEW,), frozenset({P.COORDINATOR})),
}

#: Who a party is, in words for the refusal's message.
WHO = {
    P.COORDINATOR: gettext_lazy("a coordinator of the issue's region"),
    P.LEAD_DEPARTMENT: gettext_lazy("the lead department"),
    P.ASSISTING_DEPARTMENT: gettext_lazy("an assisting department"),
    P.RAISER: gettext_lazy("the entrepreneur who raised the issue"),
}


class WorkflowError(Exception):
    """The action was refused; ``message`` says why, in the user's language."""

    status_code = 400

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class ActionNotAllowed(WorkflowError):
    status_code = 403


class WrongState(WorkflowError):
    status_code = 409


class StaleIssue(WorkflowError):
    status_code = 409


# --- Who may do what --------------------------------------------------------------------


def parties_of(*, user, issue: Issue) -> frozenset[Party]:
    """The user's parts in the issue. At most one query (assisting departments)."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    if user.is_superuser:
        return frozenset({P.COORDINATOR})
    official = official_for_user(user=user)
    if official is not None:
        if official.role == Official.Role.COORDINATOR:
            region = region_scope_for_user(user=user)
            covers = region is None or region.pk == issue.region_id
            return frozenset({P.COORDINATOR}) if covers else frozenset()
        if official.role in Official.DEPARTMENT_ROLES:
            parties = set()
            if issue.lead_department_id == official.department_id:
                parties.add(P.LEAD_DEPARTMENT)
            # Read from the prefetched assisting departments when the caller has them.
            if any(assistance.department_id == official.department_id
                   for assistance in issue.assistances.all()):
                parties.add(P.ASSISTING_DEPARTMENT)
            return frozenset(parties)
        return frozenset()  # leaders read, they do not act
    entrepreneur = entrepreneur_for_user(user=user)
    if entrepreneur is not None and entrepreneur.pk == issue.entrepreneur_id:
        return frozenset({P.RAISER})
    return frozenset()


def available_actions(*, user, issue: Issue) -> frozenset[Action]:
    """What the user may do to the issue now, for the page's buttons. The functions below
    check again when they run."""
    parties = parties_of(user=user, issue=issue)
    return frozenset(
        action for action, rule in RULES.items()
        if issue.status in rule.from_statuses and parties & rule.parties
    )


def action_refusal(*, user, action: Action, issue: Issue) -> WorkflowError | None:
    """Why the user may not take the action on the issue now (None if they may): what a
    page says instead of offering the form."""
    return _refusal(action, parties=parties_of(user=user, issue=issue), issue=issue)


def _refusal(action: Action, *, parties, issue: Issue) -> WorkflowError | None:
    rule = RULES[action]
    if not parties & rule.parties:
        who = ", ".join(str(WHO[party]) for party in sorted(rule.parties))
        return ActionNotAllowed(_("Only %(who)s can do this.") % {"who": who})
    if issue.status not in rule.from_statuses:
        return WrongState(
            _("This cannot be done while the issue is “%(status)s”.")
            % {"status": issue.get_status_display()}
        )
    return None


@transaction.atomic
def _begin(action: Action, *, actor, issue: Issue, version: int) -> Issue:
    """The issue re-read under a row lock, once the actor, version and state allow the
    action. Must be called inside the action's transaction."""
    locked = (
        Issue.objects.select_for_update(of=("self",))
        .select_related("category", "entrepreneur__user", "region", "lead_department")
        .get(pk=issue.pk)
    )
    locked._loaded_values = snapshot(locked)
    if locked.version != version:
        raise StaleIssue(_(
            "Someone else changed this issue while you were looking at it. Nothing you "
            "entered was saved; the page now shows the issue as it is, so check it and try "
            "again."
        ))
    refusal = _refusal(action, parties=parties_of(user=actor, issue=locked), issue=locked)
    if refusal is not None:
        raise refusal
    return locked


def record_change(issue: Issue, *, actor, kind: str, fields=(), to_status: str | None = None,
            message: str = "", is_public: bool = True, data: dict | None = None,
            bump: bool = True) -> IssueEvent:
    """Save the issue's changed ``fields`` (and status and version) and write its timeline
    entry."""
    from_status = issue.status
    if to_status is not None:
        issue.status = to_status
    update = set(fields)
    if to_status is not None:
        update.add("status")
    if bump:
        issue.version += 1
        update.add("version")
    if update:
        save_issue(issue, fields=update)
    return IssueEvent.objects.create(
        issue=issue, kind=kind, actor=actor,
        from_status=from_status if to_status is not None else "",
        to_status=issue.status if to_status is not None else "",
        round=issue.round, message=message, is_public=is_public, data=data or {},
    )


def save_issue(issue: Issue, *, fields) -> None:
    """Save the issue's ``fields`` and send ``issue_changed`` with the values it held as
    loaded under its lock (``_begin``, or ``lock_issue``); then those are the new "before",
    so that a second save in the same transaction sends a correct one too."""
    issue.save(update_fields=sorted(fields))
    issue_changed.send(sender=Issue, issue=issue, before=issue._loaded_values)
    issue._loaded_values = snapshot(issue)


def lock_issue(queryset, *, pk: int) -> Issue | None:
    """The issue re-read from ``queryset`` under a row lock, with the snapshot ``save_issue``
    sends as ``before``; None if it is gone. Must be called inside a transaction."""
    issue = queryset.select_for_update(of=("self",)).filter(pk=pk).first()
    if issue is not None:
        issue._loaded_values = snapshot(issue)
    return issue


def _required(text: str, message: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError(message, code="required")
    return text


def event_key(issue: Issue, event: IssueEvent, what: str) -> str:
    return f"issue:{issue.pk}:{what}:e{event.pk}"


# --- Submission -------------------------------------------------------------------------


def may_submit_for_self(*, user) -> bool:
    """A verified entrepreneur raises their own issues."""
    person = entrepreneur_for_user(user=user)
    return bool(user.is_active and person is not None and person.is_verified
                and user.has_perm("issues.add_issue"))


def may_submit_for_others(*, user) -> bool:
    """Coordinators (and administrators) enter issues on an entrepreneur's behalf."""
    if not user.is_active:
        return False
    if user.is_superuser:
        return True
    official = official_for_user(user=user)
    return (official is not None and official.role == Official.Role.COORDINATOR
            and user.has_perm("issues.add_issue"))


def issue_submit(*, actor, title: str, description: str, category: Category, entrepreneur=None,
                 source: str = Issue.Source.ONLINE, session=None, attachments=()) -> Issue:
    """Record a new issue with a fresh reference; tell the region's coordinators.

    An entrepreneur submits their own (``entrepreneur`` is None or themselves; source
    online). A coordinator enters one for an entrepreneur in their region, saying where it
    was raised (at a session, by phone, on a visit). ``attachments`` are files already
    checked by ``issues.attachments.attachments_validate``. Files and rows are written
    together: if anything fails, the stored files are removed too.
    """
    with attachments_saved_or_removed():
        return _submit(actor=actor, title=title, description=description, category=category,
                       entrepreneur=entrepreneur, source=source, session=session,
                       attachments=attachments)


def _submit(*, actor, title, description, category, entrepreneur, source, session,
            attachments) -> Issue:
    own = entrepreneur_for_user(user=actor)
    for_self = entrepreneur is None or (own is not None and entrepreneur.pk == own.pk)
    if for_self:
        if not may_submit_for_self(user=actor):
            raise ActionNotAllowed(_(
                "Only verified entrepreneurs can raise issues online. If you signed up "
                "recently, a coordinator still has to verify you."
            ))
        entrepreneur = own
        source = Issue.Source.ONLINE
        session = None
    else:
        if not may_submit_for_others(user=actor):
            raise ActionNotAllowed(_("Only coordinators can enter an issue for someone else."))
        region = None if actor.is_superuser else region_scope_for_user(user=actor)
        if region is not None and entrepreneur.enterprise.region_id != region.pk:
            raise ActionNotAllowed(_("This entrepreneur's enterprise is outside your region."))
        if source == Issue.Source.ONLINE:
            raise ValidationError(
                _("Say where the issue was raised: at a session, by phone or on a visit."),
                code="source",
            )
        if session is not None and source != Issue.Source.SESSION:
            raise ValidationError(_("Only an issue raised at a session names a session."),
                                  code="session")
    title = _required(title, _("Give the issue a title."))
    description = _required(description, _("Describe the issue."))
    now = timezone.now()
    [reference] = issue_references_allocate(year=timezone.localdate().year)
    issue = Issue.objects.create(
        reference=reference, title=title, description=description, category=category,
        enterprise=entrepreneur.enterprise, entrepreneur=entrepreneur,
        region=entrepreneur.enterprise.region, source=source, session=session,
        created_by=actor, submitted_at=now,
    )
    issue_changed.send(sender=Issue, issue=issue, before=None)
    issue._loaded_values = snapshot(issue)
    if attachments:
        attachments_save(issue=issue, checked=list(attachments), user=actor)
    event = IssueEvent.objects.create(
        issue=issue, kind=K.SUBMITTED, actor=actor, to_status=S.SUBMITTED, round=1,
        data={"source": source, "attachments": len(attachments)}, created_at=now,
    )
    with notices.site_language():
        notices.tell_officials(
            users=notices.coordinator_users(issue=issue), key=event_key(issue, event, "submitted"),
            subject=_("New issue %(reference)s to dispatch") % {"reference": reference},
            body=_("%(enterprise)s raised “%(title)s” (%(category)s). It waits for a "
                   "department.") % {"enterprise": issue.enterprise.name, "title": title,
                                     "category": category},
            issue=issue,
        )
        notices.tell_entrepreneur(
            issue=issue, key=event_key(issue, event, "received"),
            subject=_("We received your issue %(reference)s") % {"reference": reference},
            body=_("“%(title)s” is with the coordinators, who will pass it to the right "
                   "department.") % {"title": title},
        )
    return issue


# --- Coordinators: dispatch, reject, duplicate, extensions, review ----------------------


def _deadlines(calendar: WorkCalendar, start: date, days: int | None) -> date | None:
    return None if days is None else calendar.add_working_days(start, days)


@transaction.atomic
def issue_dispatch(*, actor, issue: Issue, version: int, lead_department: Department,
                   assisting: dict[Department, int | None] | None = None,
                   note: str = "") -> Issue:
    """Send the issue to a lead department (主办), with optional assisting ones (协办).

    The deadlines are the category's limits in working days from today; an assisting
    department may be given its own number of days. Dispatching again while it waits for
    acceptance moves it to another department; dispatching from the coordinator's review
    starts a new round under supervision.
    """
    assisting = dict(assisting or {})
    if not lead_department.is_active:
        raise ValidationError(_("This department no longer takes issues."), code="department")
    if lead_department in assisting:
        raise ValidationError(_("The lead department cannot also assist."), code="assisting")
    if any(not department.is_active for department in assisting):
        raise ValidationError(_("An assisting department no longer takes issues."),
                              code="assisting")
    issue = _begin(Action.DISPATCH, actor=actor, issue=issue, version=version)
    calendar = work_calendar()
    today = timezone.localdate()
    fields = ["lead_department", "dispatched_at", "round_started_on", "accept_limit_days",
              "resolve_limit_days", "accept_due_on", "due_on", "accepted_at",
              "accept_reminded_for", "due_reminded_for"]
    if issue.status == S.REVIEW:
        issue.round += 1
        issue.escalation, issue.escalated_at = E.SUPERVISED, timezone.now()
        issue.resolved_at = None
        fields += ["round", "escalation", "escalated_at", "resolved_at"]
    elif issue.status != S.DISPATCHED:
        issue.escalation, issue.escalated_at = E.NONE, None
        fields += ["escalation", "escalated_at"]
    category = issue.category
    issue.lead_department = lead_department
    issue.dispatched_at = timezone.now()
    issue.round_started_on = today
    issue.accept_limit_days = category.accept_limit_days
    issue.resolve_limit_days = category.resolve_limit_days
    issue.accept_due_on = _deadlines(calendar, today, issue.accept_limit_days)
    issue.due_on = _deadlines(calendar, today, issue.resolve_limit_days)
    issue.accepted_at = None
    issue.accept_reminded_for = issue.due_reminded_for = None
    removed = list(issue.assistances.all())
    issue.assistances.all().delete()
    for assistance in removed:
        assistance_changed.send(sender=AssistingDepartment, assistance=assistance, added=False)
    # One save each (not bulk_create): the dashboard's rollups count assistances on save.
    for department, days in sorted(assisting.items(), key=lambda item: item[0].pk):
        assistance = AssistingDepartment.objects.create(
            issue=issue, department=department,
            resolve_limit_days=days or category.resolve_limit_days,
            due_on=_deadlines(calendar, today, days or category.resolve_limit_days),
        )
        assistance_changed.send(sender=AssistingDepartment, assistance=assistance, added=True)
    event = record_change(
        issue, actor=actor, kind=K.DISPATCHED, fields=fields, to_status=S.DISPATCHED,
        message=note.strip(),
        data={"lead_department": lead_department.pk,
              "assisting": sorted(department.pk for department in assisting),
              "due_on": issue.due_on.isoformat()},
    )
    with notices.site_language():
        values = {"reference": issue.reference, "title": issue.title,
                  "due": issue.due_on.isoformat(), "accept": issue.accept_due_on.isoformat(),
                  "window": workflow_rules().return_window_days}
        notices.tell_officials(
            users=notices.department_users(department_id=lead_department.pk),
            key=event_key(issue, event, "dispatched"),
            subject=_("Issue %(reference)s is yours to lead") % values,
            body=_("“%(title)s”: accept it by %(accept)s and answer by %(due)s, or return it "
                   "within %(window)s working day(s) if it is not yours.") % values,
            issue=issue,
        )
        for assistance in issue.assistances.all():
            notices.tell_officials(
                users=notices.department_users(department_id=assistance.department_id),
                key=event_key(issue, event, "assisting"),
                subject=_("Please assist with issue %(reference)s") % values,
                body=_("“%(title)s”: your part is due by %(due)s.")
                % {**values, "due": assistance.due_on.isoformat()},
                issue=issue,
            )
        notices.tell_entrepreneur(
            issue=issue, key=event_key(issue, event, "dispatched"),
            subject=_("Your issue %(reference)s was passed to a department") % values,
            body=_("%(department)s is handling “%(title)s”; the answer is due by %(due)s.")
            % {**values, "department": lead_department},
        )
    return issue


@transaction.atomic
def issue_reject(*, actor, issue: Issue, version: int, reason: str) -> Issue:
    """Out of the programme's scope: closed for good, with the reason the entrepreneur reads."""
    reason = _required(reason, _("Say why the issue is out of scope."))
    issue = _begin(Action.REJECT, actor=actor, issue=issue, version=version)
    issue.rejection_reason = reason
    issue.closed_at = timezone.now()
    event = record_change(issue, actor=actor, kind=K.REJECTED, to_status=S.REJECTED,
                          fields=["rejection_reason", "closed_at"], message=reason)
    with notices.site_language():
        notices.tell_entrepreneur(
            issue=issue, key=event_key(issue, event, "rejected"), sms=True,
            subject=_("Your issue %(reference)s was not taken up") % {
                "reference": issue.reference},
            body=_("Reason: %(reason)s") % {"reason": reason},
        )
    return issue


@transaction.atomic
def issue_mark_duplicate(*, actor, issue: Issue, version: int, original: Issue) -> Issue:
    """The same problem is already being handled as ``original`` (followed to the first one)."""
    # Who may act first: someone without a part is refused as such, whatever they name.
    issue = _begin(Action.MARK_DUPLICATE, actor=actor, issue=issue, version=version)
    while original.status == S.DUPLICATE and original.duplicate_of_id:
        original = original.duplicate_of
    if original.pk == issue.pk:
        raise ValidationError(_("An issue cannot duplicate itself."), code="original")
    if not issues_for_user(user=actor).filter(pk=original.pk).exists():
        raise ValidationError(_("No issue with this reference is open to you."),
                              code="original")
    issue.duplicate_of = original
    issue.closed_at = timezone.now()
    event = record_change(issue, actor=actor, kind=K.DUPLICATE, to_status=S.DUPLICATE,
                          fields=["duplicate_of", "closed_at"],
                          data={"original": original.reference})
    with notices.site_language():
        notices.tell_entrepreneur(
            issue=issue, key=event_key(issue, event, "duplicate"),
            subject=_("Your issue %(reference)s is handled with %(original)s") % {
                "reference": issue.reference, "original": original.reference},
            body=_("The same problem is already being handled as %(original)s; follow it "
                   "there.") % {"original": original.reference},
        )
    return issue


@transaction.atomic
def issue_decide_extension(*, actor, issue: Issue, version: int, approve: bool,
                           note: str = "") -> ExtensionRequest:
    """Grant or refuse the pending request for more time; granting moves the due date."""
    issue = _begin(Action.DECIDE_EXTENSION, actor=actor, issue=issue, version=version)
    request = issue.extension_requests.filter(status=ExtensionRequest.Status.PENDING).first()
    if request is None:
        raise WrongState(_("No request for more time is waiting for a decision."))
    note = note.strip()
    if not approve and not note:
        raise ValidationError(_("Say why the request is refused."), code="required")
    request.status = (ExtensionRequest.Status.APPROVED if approve
                      else ExtensionRequest.Status.REFUSED)
    request.decided_by, request.decided_at, request.decision_note = actor, timezone.now(), note
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    fields = []
    if approve:
        issue.resolve_limit_days += request.days
        issue.due_on = work_calendar().add_working_days(issue.round_started_on,
                                                        issue.resolve_limit_days)
        issue.due_reminded_for = None
        fields = ["resolve_limit_days", "due_on", "due_reminded_for"]
    values = {"reference": issue.reference, "days": request.days,
              "due": issue.due_on.isoformat() if issue.due_on else "—"}
    with notices.site_language():
        message = (_("%(days)s more working days granted; now due by %(due)s.") % values
                   if approve else note)
        event = record_change(issue, actor=actor, kind=K.EXTENSION_DECIDED, fields=fields,
                              message=message, is_public=approve,
                              data={"approved": approve, "days": request.days,
                              "request": request.pk})
        notices.tell_officials(
            users=[request.requested_by], key=event_key(issue, event, "extension"),
            subject=(_("More time granted for %(reference)s") if approve
                     else _("More time refused for %(reference)s")) % values,
            body=message, issue=issue,
        )
        if approve:
            notices.tell_entrepreneur(
                issue=issue, key=event_key(issue, event, "extension"),
                subject=_("New due date for your issue %(reference)s") % values,
                body=message,
            )
    return request


@transaction.atomic
def issue_close(*, actor, issue: Issue, version: int, note: str) -> Issue:
    """After the last round's dissatisfied rating, the coordinator closes the issue.

    Its latest rating stays "dissatisfied", so it counts against satisfaction.
    """
    note = _required(note, _("Say why the issue is closed."))
    issue = _begin(Action.CLOSE, actor=actor, issue=issue, version=version)
    issue.closed_at = timezone.now()
    event = record_change(issue, actor=actor, kind=K.CLOSED, to_status=S.CLOSED,
                          fields=["closed_at"], message=note)
    with notices.site_language():
        notices.tell_entrepreneur(
            issue=issue, key=event_key(issue, event, "closed"), sms=True,
            subject=_("Your issue %(reference)s was closed") % {"reference": issue.reference},
            body=note,
        )
    return issue


@transaction.atomic
def issue_close_unrated(*, issue: Issue) -> IssueEvent:
    """The system closes an answer the entrepreneur left unrated for
    ``rating_close_days`` working days (the follow-up queue decides when); it never counts
    as satisfied. ``issue``: loaded under its lock (``lock_issue``), or it is locked here."""
    if not hasattr(issue, "_loaded_values"):
        issue = lock_issue(Issue.objects.select_related("entrepreneur__user", "region"),
                           pk=issue.pk)
    if issue.status != S.RESOLVED:
        raise WrongState(
            _("This cannot be done while the issue is “%(status)s”.")
            % {"status": issue.get_status_display()}
        )
    rules = workflow_rules()
    with notices.site_language():
        issue.closed_at = timezone.now()
        event = record_change(issue, actor=None, kind=K.CLOSED, to_status=S.CLOSED_UNRATED,
                              fields=["closed_at"],
                              message=_("Closed without a rating after %(days)s working days.")
                              % {"days": rules.rating_close_days})
        notices.tell_entrepreneur(
            issue=issue, key=event_key(issue, event, "closed-unrated"),
            subject=_("Your issue %(reference)s was closed without a rating")
            % {"reference": issue.reference},
            body=event.message,
        )
    return event


# --- Departments: accept, return, notes, extension, resolve -----------------------------


@transaction.atomic
def issue_accept(*, actor, issue: Issue, version: int) -> Issue:
    issue = _begin(Action.ACCEPT, actor=actor, issue=issue, version=version)
    issue.accepted_at = timezone.now()
    event = record_change(issue, actor=actor, kind=K.ACCEPTED, to_status=S.ACCEPTED,
                          fields=["accepted_at"])
    with notices.site_language():
        notices.tell_entrepreneur(
            issue=issue, key=event_key(issue, event, "accepted"),
            subject=_("%(department)s accepted your issue %(reference)s") % {
                "department": issue.lead_department, "reference": issue.reference},
            body=_("The answer is due by %(due)s.") % {
                "due": issue.due_on.isoformat() if issue.due_on else "—"},
        )
    return issue


@transaction.atomic
def issue_return(*, actor, issue: Issue, version: int, reason: str) -> Issue:
    """Not this department's: back to the coordinators, within a working day of dispatch."""
    reason = _required(reason, _("Say why the issue is not for your department."))
    issue = _begin(Action.RETURN, actor=actor, issue=issue, version=version)
    rules = workflow_rules()
    started = issue.round_started_on or timezone.localdate(issue.dispatched_at)
    last_day = work_calendar().add_working_days(started, rules.return_window_days)
    if timezone.localdate() > last_day:
        raise WrongState(_(
            "An issue can be returned only within %(days)s working day(s) of dispatch "
            "(until %(date)s). Accept it, or ask a coordinator to dispatch it elsewhere."
        ) % {"days": rules.return_window_days, "date": last_day.isoformat()})
    department = issue.lead_department
    event = record_change(issue, actor=actor, kind=K.RETURNED, to_status=S.RETURNED,
                          message=reason, is_public=False,
                          data={"department": department.pk if department else None})
    with notices.site_language():
        notices.tell_officials(
            users=notices.coordinator_users(issue=issue), key=event_key(issue, event, "returned"),
            subject=_("Issue %(reference)s was returned as misrouted") % {
                "reference": issue.reference},
            body=_("%(department)s: %(reason)s") % {"department": department,
                                                     "reason": reason},
            issue=issue,
        )
    return issue


@transaction.atomic
def issue_add_note(*, actor, issue: Issue, version: int, message: str,
                   is_public: bool) -> IssueEvent:
    """A progress note, shown to the entrepreneur or kept internal. The lead department's
    first note moves an accepted issue to "in progress"."""
    message = _required(message, _("Write the note."))
    issue = _begin(Action.NOTE, actor=actor, issue=issue, version=version)
    leads = P.LEAD_DEPARTMENT in parties_of(user=actor, issue=issue)
    to_status = S.IN_PROGRESS if leads and issue.status == S.ACCEPTED else None
    event = record_change(issue, actor=actor, kind=K.PROGRESS, to_status=to_status,
                          message=message, is_public=is_public)
    if is_public:
        with notices.site_language():
            notices.tell_entrepreneur(
                issue=issue, key=event_key(issue, event, "progress"),
                subject=_("News on your issue %(reference)s") % {
                    "reference": issue.reference},
                body=message,
            )
    return event


@transaction.atomic
def issue_request_extension(*, actor, issue: Issue, version: int, days: int,
                            reason: str) -> ExtensionRequest:
    """Ask a coordinator for more working days, before the due date has passed."""
    reason = _required(reason, _("Say why more time is needed."))
    rules = workflow_rules()
    if not 1 <= days <= rules.max_extension_days:
        raise ValidationError(
            _("Ask for 1 to %(max)s working days.") % {"max": rules.max_extension_days},
            code="days",
        )
    issue = _begin(Action.REQUEST_EXTENSION, actor=actor, issue=issue, version=version)
    if issue.due_on is not None and timezone.localdate() > issue.due_on:
        raise WrongState(_("The due date has passed; more time can only be asked for before "
                           "it. Answer the issue, or talk to the coordinators."))
    if issue.extension_requests.filter(status=ExtensionRequest.Status.PENDING).exists():
        raise WrongState(_("A request for more time is already waiting for a decision."))
    request = ExtensionRequest.objects.create(issue=issue, round=issue.round, days=days,
                                              reason=reason, requested_by=actor)
    event = record_change(issue, actor=actor, kind=K.EXTENSION_REQUESTED, message=reason,
                          is_public=False, data={"days": days, "request": request.pk})
    with notices.site_language():
        notices.tell_officials(
            users=notices.coordinator_users(issue=issue), key=event_key(issue, event, "extension"),
            subject=_("%(department)s asks for more time on %(reference)s") % {
                "department": issue.lead_department, "reference": issue.reference},
            body=_("%(days)s more working days: %(reason)s") % {"days": days,
                                                                "reason": reason},
            issue=issue,
        )
    return request


@transaction.atomic
def issue_resolve(*, actor, issue: Issue, version: int, reply: str) -> Issue:
    """Answer the entrepreneur, who is asked to rate the answer (in the app and by SMS)."""
    reply = _required(reply, _("Write the answer to the entrepreneur."))
    issue = _begin(Action.RESOLVE, actor=actor, issue=issue, version=version)
    issue.extension_requests.filter(status=ExtensionRequest.Status.PENDING).update(
        status=ExtensionRequest.Status.WITHDRAWN, decided_at=timezone.now())
    issue.resolved_at = timezone.now()
    issue.rating_reminded_at = None
    record_change(issue, actor=actor, kind=K.RESOLVED, to_status=S.RESOLVED,
                  fields=["resolved_at", "rating_reminded_at"], message=reply)
    with notices.site_language():
        notices.tell_entrepreneur(
            issue=issue, key=f"issue:{issue.pk}:rate:r{issue.round}", sms=True,
            path=notices.rating_path(issue),
            subject=_("Your issue %(reference)s has an answer: please rate it") % {
                "reference": issue.reference},
            body=_("%(department)s answered “%(title)s”. Tell us if you are satisfied.") % {
                "department": issue.lead_department, "title": issue.title},
        )
    return issue


# --- The entrepreneur's rating ----------------------------------------------------------


@transaction.atomic
def issue_rate(*, actor, issue: Issue, version: int, value: str, reason: str = "",
               comment: str = "") -> SatisfactionRating:
    """Rate this round's answer. Satisfied (or basically) closes the issue; dissatisfied
    reopens it for a new round under supervision, or after the last round puts it before
    a coordinator."""
    if value not in RatingValue.values:
        raise ValidationError(_("Choose how satisfied you are."), code="value")
    if value == RatingValue.DISSATISFIED:
        if reason not in SatisfactionRating.Reason.values:
            raise ValidationError(_("Say why you are dissatisfied."), code="reason")
    else:
        reason = ""
    issue = _begin(Action.RATE, actor=actor, issue=issue, version=version)
    rating = SatisfactionRating.objects.create(
        issue=issue, round=issue.round, value=value, reason=reason,
        comment=(comment or "").strip(), rated_by=actor,
    )
    issue.latest_rating = value
    fields = ["latest_rating"]
    rules = workflow_rules()
    values = {"reference": issue.reference, "title": issue.title}
    rated = record_change(issue, actor=actor, kind=K.RATED, fields=fields, message=rating.comment,
                          data={"value": value, "reason": reason})
    if value in SATISFIED_RATINGS:
        issue.closed_at = timezone.now()
        record_change(issue, actor=None, kind=K.CLOSED, to_status=S.CLOSED, fields=["closed_at"],
                      bump=False)
        return rating
    with notices.site_language():
        if issue.round >= rules.max_rounds:
            event = record_change(issue, actor=None, kind=K.ESCALATED, to_status=S.REVIEW,
                                  bump=False, is_public=False, data={"review": True},
                                  message=_("Dissatisfied after the last round: a coordinator "
                                      "decides."))
            notices.tell_officials(
                users=notices.coordinator_users(issue=issue),
                key=event_key(issue, event, "review"),
                subject=_("Decide on issue %(reference)s") % values,
                body=_("“%(title)s” was rated dissatisfied after its last round. Dispatch "
                       "it again or close it.") % values,
                issue=issue,
            )
            return rating
        _reopen(issue, rated=rated, reason=reason)
    return rating


def _reopen(issue: Issue, *, rated: IssueEvent, reason: str) -> None:
    """A new round with the same departments, the clock restarted, under supervision."""
    calendar = work_calendar()
    today = timezone.localdate()
    category = issue.category
    issue.round += 1
    issue.round_started_on = today
    issue.dispatched_at = timezone.now()
    issue.accepted_at = issue.resolved_at = None
    issue.accept_limit_days = category.accept_limit_days
    issue.resolve_limit_days = category.resolve_limit_days
    issue.accept_due_on = calendar.add_working_days(today, issue.accept_limit_days)
    issue.due_on = calendar.add_working_days(today, issue.resolve_limit_days)
    issue.accept_reminded_for = issue.due_reminded_for = None
    issue.escalation, issue.escalated_at = E.SUPERVISED, timezone.now()
    for assistance in issue.assistances.all():
        assistance.due_on = calendar.add_working_days(
            today, assistance.resolve_limit_days or category.resolve_limit_days)
        assistance.due_reminded_for = None
        assistance.save(update_fields=["due_on", "due_reminded_for"])
    event = record_change(
        issue, actor=None, kind=K.REOPENED, to_status=S.DISPATCHED, bump=False,
        fields=["round", "round_started_on", "dispatched_at", "accepted_at", "resolved_at",
                "accept_limit_days", "resolve_limit_days", "accept_due_on", "due_on",
                "accept_reminded_for", "due_reminded_for", "escalation", "escalated_at"],
        message=_("Reopened for round %(round)s under supervision; due by %(due)s.") % {
            "round": issue.round, "due": issue.due_on.isoformat()},
        data={"reason": reason, "rating_event": rated.pk},
    )
    values = {"reference": issue.reference, "title": issue.title, "round": issue.round,
              "due": issue.due_on.isoformat(),
              "reason": SatisfactionRating.Reason(reason).label}
    notices.tell_officials(
        users=notices.department_users(department_id=issue.lead_department_id),
        key=event_key(issue, event, "reopened"),
        subject=_("Supervised: issue %(reference)s is back (round %(round)s)") % values,
        body=_("The entrepreneur was dissatisfied (%(reason)s) with the answer to "
               "“%(title)s”. Accept it again and answer by %(due)s.") % values,
        issue=issue,
    )
    leads_and_coordinators = [
        *notices.department_users(department_id=issue.lead_department_id,
                                  roles=(Official.Role.DEPARTMENT_LEAD,)),
        *notices.coordinator_users(issue=issue),
    ]
    notices.tell_officials(
        users=leads_and_coordinators, key=event_key(issue, event, "supervised"),
        subject=_("Supervision (督办): issue %(reference)s was reopened") % values,
        body=_("Round %(round)s of “%(title)s” is due by %(due)s.") % values, issue=issue,
    )
    notices.tell_entrepreneur(
        issue=issue, key=event_key(issue, event, "reopened"),
        subject=_("Your issue %(reference)s is being handled again") % values,
        body=_("The department must answer again by %(due)s, under supervision.") % values,
    )
