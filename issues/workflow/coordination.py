"""The coordinators' transitions: dispatch to a lead department (with assisting ones),
reject, mark as a duplicate, decide a request for more time, close after the last round's
review."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.dates import day_shown
from core.workdays import WorkCalendar, work_calendar
from government.models import Department
from issues import notices
from issues.models import AssistingDepartment, ExtensionRequest, Issue
from issues.policy import Action, WrongState
from issues.rules import workflow_rules
from issues.selectors import issues_for_user
from issues.signals import assistance_changed
from issues.workflow.base import E, K, S, _begin, _required, event_key, record_change


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
    if any(days is not None and days < 0 for days in assisting.values()):
        raise ValidationError(_("An assisting department's working days cannot be negative."),
                              code="assisting_days")
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
    # Each assistance is announced (assistance_changed), as the dashboard counts them.
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
                  "due": day_shown(issue.due_on), "accept": day_shown(issue.accept_due_on),
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
                % {**values, "due": day_shown(assistance.due_on)},
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
              "due": day_shown(issue.due_on)}
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
