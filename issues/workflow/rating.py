"""After the answer: the entrepreneur's rating (satisfied closes the issue, dissatisfied
opens a new round under supervision or, after the last round, the coordinator's review),
given on the site (``issue_rate``), through the signed link of the SMS
(``issue_rate_by_link``) or on a follow-up call to a coordinator (``issue_rate_by_phone``);
and the system's closing of an answer left unrated."""

import hashlib

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.dates import day_shown
from core.workdays import work_calendar
from government.models import Official
from issues import notices
from issues.models import (
    SATISFIED_RATINGS,
    Issue,
    IssueEvent,
    RatingChannel,
    RatingValue,
    SatisfactionRating,
)
from issues.policy import Action, WrongState, wrong_state
from issues.rules import workflow_rules
from issues.workflow.base import E, K, S, _begin, event_key, lock_issue, record_change


@transaction.atomic
def issue_rate(*, actor, issue: Issue, version: int, value: str, reason: str = "",
               comment: str = "") -> SatisfactionRating:
    """The raiser rates this round's answer on the site, logged in."""
    _check_rating(value, reason)
    issue = _begin(Action.RATE, actor=actor, issue=issue, version=version)
    return _rate(issue, value=value, reason=reason, comment=comment, channel=RatingChannel.ONLINE,
                 rated_by=actor)


@transaction.atomic
def issue_rate_by_link(*, issue_id: int, round: int, value: str, reason: str = "",
                       comment: str = "") -> SatisfactionRating:
    """The raiser rates the answer of ``round`` through the signed link sent to them, with
    no log-in: the caller has checked the link's signature; this checks, under the lock,
    that the round is still the one awaiting a rating (a link is used once: the round's
    rating, once given, refuses a second)."""
    _check_rating(value, reason)
    issue = lock_issue(Issue.objects.select_related("category", "entrepreneur__user", "region",
                                                    "lead_department"), pk=issue_id)
    if issue is None:
        raise WrongState(_("This issue no longer exists."))
    if issue.round != round or issue.ratings.filter(round=round).exists():
        raise WrongState(_("This answer has already been rated."))
    if issue.status != S.RESOLVED:
        raise wrong_state(issue)
    return _rate(issue, value=value, reason=reason, comment=comment, channel=RatingChannel.LINK)


@transaction.atomic
def issue_rate_by_phone(*, actor, issue: Issue, version: int, value: str, reason: str = "",
                        comment: str = "") -> SatisfactionRating:
    """A coordinator records the rating the raiser gave on a follow-up call (回访); it is
    stored with the phone channel and the coordinator who took it."""
    _check_rating(value, reason)
    issue = _begin(Action.RATE_BY_PHONE, actor=actor, issue=issue, version=version)
    return _rate_by_phone(issue, actor=actor, value=value, reason=reason, comment=comment)


def _rate_by_phone(issue: Issue, *, actor, value: str, reason: str,
                   comment: str) -> SatisfactionRating:
    """The phone rating of the locked ``issue`` (checked by the caller): by
    ``issue_rate_by_phone`` and by a follow-up call that reached the person
    (``issue_record_call``)."""
    return _rate(issue, value=value, reason=reason, comment=comment, channel=RatingChannel.PHONE,
                 recorded_by=actor, event_actor=actor)


def _check_rating(value: str, reason: str) -> None:
    if value not in RatingValue.values:
        raise ValidationError(_("Choose how satisfied you are."), code="value")
    if value == RatingValue.DISSATISFIED and reason not in SatisfactionRating.Reason.values:
        raise ValidationError(_("Say why you are dissatisfied."), code="reason")


def _sampled_for_verification(issue: Issue) -> bool:
    """Whether a rating that is not dissatisfied is among the share verified by a call:
    a fixed choice per issue and round, so that it never changes on a re-read."""
    digest = hashlib.sha256(f"{issue.pk}:{issue.round}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % 100 < workflow_rules().call_verify_percent


def _rate(issue: Issue, *, value: str, reason: str, comment: str, channel: str,
          rated_by=None, recorded_by=None, event_actor=None) -> SatisfactionRating:
    """Store the rating of the locked ``issue``'s round, whatever its channel, and move the
    issue on: satisfied (or basically) closes it; dissatisfied reopens it for a new round
    under supervision, or after the last round puts it before a coordinator."""
    if value != RatingValue.DISSATISFIED:
        reason = ""
    verify = value == RatingValue.DISSATISFIED or (
        channel != RatingChannel.PHONE and _sampled_for_verification(issue))
    rating = SatisfactionRating.objects.create(
        issue=issue, round=issue.round, value=value, reason=reason,
        comment=(comment or "").strip(), rated_by=rated_by, channel=channel,
        recorded_by=recorded_by, verify_by_call=verify,
    )
    issue.latest_rating = value
    issue.latest_rating_channel = channel
    fields = ["latest_rating", "latest_rating_channel"]
    rules = workflow_rules()
    values = {"reference": issue.reference, "title": issue.title}
    rated = record_change(issue, actor=event_actor or rated_by, kind=K.RATED, fields=fields,
                          message=rating.comment,
                          data={"value": value, "reason": reason, "channel": channel})
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
    issue.unreached_calls = 0
    for assistance in issue.assistances.all():
        assistance.due_on = calendar.add_working_days(
            today, assistance.resolve_limit_days or category.resolve_limit_days)
        assistance.due_reminded_for = None
        assistance.save(update_fields=["due_on", "due_reminded_for"])
    event = record_change(
        issue, actor=None, kind=K.REOPENED, to_status=S.DISPATCHED, bump=False,
        fields=["round", "round_started_on", "dispatched_at", "accepted_at", "resolved_at",
                "accept_limit_days", "resolve_limit_days", "accept_due_on", "due_on",
                "accept_reminded_for", "due_reminded_for", "escalation", "escalated_at",
                "unreached_calls"],
        message=_("Reopened for round %(round)s under supervision; due by %(due)s.") % {
            "round": issue.round, "due": day_shown(issue.due_on)},
        data={"reason": reason, "rating_event": rated.pk},
    )
    values = {"reference": issue.reference, "title": issue.title, "round": issue.round,
              "due": day_shown(issue.due_on),
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
def issue_close_unrated(*, issue: Issue, message: str = "") -> IssueEvent | None:
    """The system closes an answer the entrepreneur left unrated for
    ``rating_close_days`` working days (the follow-up queue decides when), or, with its own
    ``message``, after the follow-up calls that did not reach them; it never counts as
    satisfied. The issue is re-read under its lock, as every transition does; None if it is
    gone."""
    issue = lock_issue(Issue.objects.select_related("entrepreneur__user", "region"),
                       pk=issue.pk)
    if issue is None:
        return None
    return _close_unrated(issue, message=message)


def _close_unrated(issue: Issue, *, message: str = "") -> IssueEvent:
    """Close the locked, answered ``issue`` as unrated; the timeline entry says why
    (``message``; by default, the working days it waited)."""
    if issue.status != S.RESOLVED:
        raise wrong_state(issue)
    rules = workflow_rules()
    with notices.site_language():
        if not message:
            message = _("Closed without a rating after %(days)s working days.") % {
                "days": rules.rating_close_days}
        issue.closed_at = timezone.now()
        event = record_change(issue, actor=None, kind=K.CLOSED, to_status=S.CLOSED_UNRATED,
                              fields=["closed_at"], message=str(message))
        notices.tell_entrepreneur(
            issue=issue, key=event_key(issue, event, "closed-unrated"),
            subject=_("Your issue %(reference)s was closed without a rating")
            % {"reference": issue.reference},
            body=event.message,
        )
    return event
