"""After the answer: the entrepreneur's rating (satisfied closes the issue, dissatisfied
opens a new round under supervision or, after the last round, the coordinator's review),
and the system's closing of an answer left unrated."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.workdays import work_calendar
from government.models import Official
from issues import notices
from issues.models import SATISFIED_RATINGS, Issue, IssueEvent, RatingValue, SatisfactionRating
from issues.policy import Action, wrong_state
from issues.rules import workflow_rules
from issues.workflow.base import E, K, S, _begin, event_key, lock_issue, record_change


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


@transaction.atomic
def issue_close_unrated(*, issue: Issue) -> IssueEvent | None:
    """The system closes an answer the entrepreneur left unrated for
    ``rating_close_days`` working days (the follow-up queue decides when); it never counts
    as satisfied. The issue is re-read under its lock, as every transition does; None if
    it is gone."""
    issue = lock_issue(Issue.objects.select_related("entrepreneur__user", "region"),
                       pk=issue.pk)
    if issue is None:
        return None
    if issue.status != S.RESOLVED:
        raise wrong_state(issue)
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
