"""The coordinators' follow-up calls (回访): the queue of people to call, and recording a
call (reached or not, the rating given by phone, a note). Thin: ``issues.queues`` reads,
``issues.workflow.issue_record_call`` decides and writes."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from core.forms import add_service_errors
from issues import workflow
from issues.forms import RecordCallForm
from issues.models import FollowUpCall, Issue, RatingValue
from issues.selectors import (
    follow_up_queue_for_user,
    issue_scope_for_user,
    may_record_calls,
    rating_followed_up,
)
from issues.views.issue_page import _detail_or_404
from issues.workflow import Action, StaleIssue, WorkflowError, WrongState

ONLY_COORDINATORS = _("Only coordinators and administrators make follow-up calls (回访).")
NOTHING_TO_FOLLOW_UP = _("There is nothing to follow up yet: the issue has no answer awaiting "
                         "a rating, and no rating.")


def _require_caller(user) -> None:
    if not may_record_calls(user=user):
        raise PermissionDenied(ONLY_COORDINATORS)


@login_required
@require_GET
def follow_up(request):
    """The follow-up queue (回访) of the coordinator's region: answers awaiting a rating,
    dissatisfied ratings to call back, and the sample of ratings to verify; 20 a part."""
    user = request.user
    _require_caller(user)
    queue = follow_up_queue_for_user(
        user=user, awaiting_page=request.GET.get("awaiting"),
        dissatisfied_page=request.GET.get("dissatisfied"),
        verification_page=request.GET.get("verification"))
    return render(request, "issues/follow_up.html", {
        "scope": issue_scope_for_user(user=user), "queue": queue,
        "today": timezone.localdate(), "dissatisfied": RatingValue.DISSATISFIED,
    })


@login_required
@require_http_methods(["GET", "POST"])
def record_call(request, reference: str):
    """Record one follow-up call about the issue. Outside the coordinator's region:
    "not found"; someone who makes no calls: "not allowed", with the reason."""
    user = request.user
    detail = _detail_or_404(user, reference)
    _require_caller(user)
    issue = detail.issue
    rating = rating_followed_up(detail=detail, asked=request.GET.get("rating"))
    message, status = "", 200
    refusal = workflow.action_refusal(user=user, action=Action.RECORD_CALL, issue=issue)
    if refusal is None and rating is None and issue.status != Issue.Status.RESOLVED:
        refusal = WrongState(NOTHING_TO_FOLLOW_UP)
    form = RecordCallForm(request.POST if request.method == "POST" else None, issue=issue,
                          user=user, rating=rating)
    if refusal is not None:
        message, status = refusal.message, refusal.status_code
        form.is_valid()
    elif request.method == "POST":
        if not form.is_valid():
            status = 400
        else:
            try:
                call = workflow.issue_record_call(
                    actor=user, issue=issue, version=form.cleaned_data["version"],
                    **form.arguments())
            except StaleIssue as error:
                detail = _detail_or_404(user, reference)
                issue = detail.issue
                data = form.data.copy()
                data["version"] = str(issue.version)
                form = RecordCallForm(data, issue=issue, user=user, rating=rating)
                form.is_valid()
                form.add_error(None, error.message)
                message, status = error.message, error.status_code
            except WorkflowError as error:
                form.add_error(None, error.message)
                message, status = error.message, error.status_code
            except ValidationError as error:
                add_service_errors(form, error)
                status = 400
            else:
                messages.success(request, _call_recorded(call))
                return redirect("issues:follow_up")
    if rating is None and form.is_bound and form.is_valid():
        rating = form.cleaned_data.get("about_rating")
    return render(request, "issues/record_call.html", {
        "detail": detail, "issue": issue, "scope": detail.scope,
        "form": form if refusal is None else None, "message": message, "rating": rating,
        "person": issue.entrepreneur,
    }, status=status)


def _call_recorded(call: FollowUpCall) -> str:
    issue = call.issue
    values = {"reference": issue.reference}
    if call.rating_given is not None:
        if issue.status == Issue.Status.CLOSED:
            return _("The rating by phone was recorded; issue %(reference)s is closed.") % values
        if issue.status == Issue.Status.REVIEW:
            return _("The rating by phone was recorded; issue %(reference)s awaits a "
                     "coordinator's decision.") % values
        return _("The rating by phone was recorded; issue %(reference)s goes back to the "
                 "department, under supervision.") % values
    if issue.status == Issue.Status.CLOSED_UNRATED:
        return _("The call was recorded. After %(calls)s unanswered calls, issue "
                 "%(reference)s was closed without a rating.") % {
            **values, "calls": issue.unreached_calls}
    return _("The call about issue %(reference)s was recorded.") % values
