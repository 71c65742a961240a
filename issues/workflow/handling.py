"""The departments' transitions: accept or return a dispatched issue, progress notes, ask
for more time. Answering (resolve) and the lead's sign-off are in ``answering``."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.dates import day_shown
from core.workdays import work_calendar
from issues import notices
from issues.models import ExtensionRequest, Issue, IssueEvent
from issues.policy import Action, Party, WrongState, parties_of
from issues.rules import workflow_rules
from issues.workflow.base import K, S, _begin, _required, event_key, record_change


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
                "due": day_shown(issue.due_on)},
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
        ) % {"days": rules.return_window_days, "date": day_shown(last_day)})
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
    leads = Party.LEAD_DEPARTMENT in parties_of(user=actor, issue=issue)
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
