"""Follow-up calls (回访): a coordinator records a call to the person who raised the issue.

* While the answer awaits a rating, a call that reaches the person may take the rating on
  their behalf (stored with the phone channel and the coordinator who recorded it, and
  moving the issue on as any rating does); a call that does not reach them counts as an
  attempt, and after ``call_attempts_before_closing`` unanswered calls in a round the
  answer closes unrated.
* After a rating, a call follows up a dissatisfied rating (expected within
  ``call_dissatisfied_within_days`` working days) or verifies one of the sample of the
  others (``SatisfactionRating.verify_by_call``).

Each call is a ``FollowUpCall`` row and an internal timeline entry; the rating it took has
its own public entry ("rated by phone"). A reached call sets ``Issue.last_called_at``.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from issues import notices
from issues.models import FollowUpCall, Issue, RatingValue, SatisfactionRating
from issues.policy import Action
from issues.rules import workflow_rules
from issues.workflow.base import K, S, _begin, record_change
from issues.workflow.rating import _check_rating, _close_unrated, _rate_by_phone

Purpose = FollowUpCall.Purpose


@transaction.atomic
def issue_record_call(*, actor, issue: Issue, version: int, purpose: str, reached: bool,
                      note: str = "", value: str = "", reason: str = "", comment: str = "",
                      about_rating: SatisfactionRating | None = None) -> FollowUpCall:
    """Record one follow-up call about ``issue``, by the coordinator ``actor``.

    ``purpose``: the answer awaits a rating (``about_rating`` None), or a dissatisfied
    rating is followed up, or a rating is verified (``about_rating``: that rating of this
    issue). ``value`` (with ``reason`` and ``comment``): the rating the person gave on the
    call, only when reached and while the answer awaits a rating.
    Refusals (``WorkflowError``, ``ValidationError``) write nothing."""
    _check_input(purpose=purpose, reached=reached, value=value, reason=reason)
    issue = _begin(Action.RECORD_CALL, actor=actor, issue=issue, version=version)
    _check_against_issue(issue, purpose=purpose, value=value, about_rating=about_rating)
    now = timezone.now()
    round_called = issue.round
    rules = workflow_rules()
    fields = []
    closing = False
    if reached:
        issue.last_called_at = now
        fields.append("last_called_at")
    elif issue.status == S.RESOLVED:
        issue.unreached_calls += 1
        fields.append("unreached_calls")
        closing = issue.unreached_calls >= rules.call_attempts_before_closing
    note = (note or "").strip()
    # The call's own entry comes first; the rating it took, or the closing it led to, bumps
    # the version once after it.
    data = {"purpose": purpose, "reached": reached, "rating": value or ""}
    if "unreached_calls" in fields:
        data["attempt"] = issue.unreached_calls
    record_change(issue, actor=actor, kind=K.CALL, fields=fields, message=note,
                  is_public=False, bump=not (value or closing), data=data)
    rating = None
    if value:
        rating = _rate_by_phone(issue, actor=actor, value=value, reason=reason,
                                comment=comment)
    elif closing:
        with notices.site_language():
            message = _("Closed without a rating after %(calls)s unanswered follow-up "
                        "calls.") % {"calls": issue.unreached_calls}
        _close_unrated(issue, message=message)
    return FollowUpCall.objects.create(
        issue=issue, round=round_called, purpose=purpose, about_rating=about_rating,
        reached=reached, rating_given=rating, note=note, called_by=actor, called_at=now,
    )


def _check_input(*, purpose: str, reached: bool, value: str, reason: str) -> None:
    if purpose not in Purpose.values:
        raise ValidationError(_("Say why you called."), code="purpose")
    if value:
        if not reached:
            raise ValidationError(_("A rating can only be recorded from a call that reached "
                                    "the person."), code="value")
        _check_rating(value, reason)


def _check_against_issue(issue: Issue, *, purpose: str, value: str,
                         about_rating: SatisfactionRating | None) -> None:
    """The call fits the locked issue: a rating only while the answer awaits one, and the
    rating followed up is one of this issue's, of the right kind."""
    if value and issue.status != S.RESOLVED:
        raise ValidationError(_("This answer no longer awaits a rating."), code="value")
    if purpose == Purpose.AWAITING_RATING:
        if issue.status != S.RESOLVED:
            raise ValidationError(_("This answer no longer awaits a rating."), code="purpose")
        if about_rating is not None:
            raise ValidationError(_("This call is not about a rating."), code="about_rating")
        return
    if about_rating is None or about_rating.issue_id != issue.pk:
        raise ValidationError(_("Choose the rating this call follows up."),
                              code="about_rating")
    dissatisfied = about_rating.value == RatingValue.DISSATISFIED
    if dissatisfied != (purpose == Purpose.DISSATISFIED):
        raise ValidationError(_("This call's purpose does not fit the rating it follows up."),
                              code="purpose")
