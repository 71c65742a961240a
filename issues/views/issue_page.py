"""The issue page: what the user may see of the issue, the actions they may take on it
(one form each), posting an action, the entrepreneur's rating page, downloading an
attachment, and the short link to the page. A refused action brings the page back with
the reason and what was typed."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.dates import day_shown
from core.forms import add_service_errors
from issues import workflow
from issues.attachments import attachment_for_user, attachment_response
from issues.forms import ACTION_FORMS, ActionForm, RateForm
from issues.models import Attachment, Issue, RatingValue
from issues.selectors import (
    IssueDetail,
    dispatch_departments,
    issue_detail_for_user,
    pending_extension_request_for_issue,
)
from issues.workflow import Action, Party, StaleIssue, WorkflowError

S = Issue.Status
NOT_FOUND = _("No issue with this reference is open to you.")


@dataclass
class Failure:
    """An action that could not be done: its form as it was sent, and why."""

    action: Action
    form: ActionForm
    message: str = ""


#: Action → (card title, button, button style, shown folded). In the order of the cards.
ACTION_CARDS = {
    Action.DECIDE_EXTENSION: (_("Decide on the request for more time"), _("Record the decision"),
                              "primary", False),
    Action.DISPATCH: (_("Dispatch to a department"), _("Dispatch"), "primary", False),
    Action.ACCEPT: (_("Accept the issue"), _("Accept"), "success", False),
    Action.APPROVE_ANSWER: (_("Sign off the answer (审核签发)"), _("Approve and send"),
                            "success", False),
    Action.SEND_BACK_ANSWER: (_("Send the answer back"), _("Send back with the note"),
                              "outline-warning", False),
    Action.RESOLVE: (_("Answer the entrepreneur"), _("Send the answer"), "success", False),
    Action.NOTE: (_("Record progress"), _("Add the note"), "outline-primary", False),
    Action.CLOSE: (_("Close the issue"), _("Close the issue"), "danger", False),
    Action.REQUEST_EXTENSION: (_("Ask for more time"), _("Send the request"),
                               "outline-secondary", True),
    Action.RETURN: (_("Return as misrouted"), _("Return to the coordinators"),
                    "outline-warning", True),
    Action.REJECT: (_("Reject as out of scope"), _("Reject"), "outline-danger", True),
    Action.MARK_DUPLICATE: (_("Mark as a duplicate"), _("Mark as duplicate"),
                            "outline-secondary", True),
    Action.ADD_MATERIAL: (_("Add material (补充材料)"), _("Add the material"),
                          "outline-primary", True),
    Action.WITHDRAW: (_("Withdraw the issue (撤回)"), _("Withdraw the issue"),
                      "outline-danger", True),
}

#: Actions after which the issue is closed for good; the page asks once more.
FINAL_ACTIONS = (Action.REJECT, Action.MARK_DUPLICATE, Action.CLOSE)
CANNOT_BE_UNDONE = _("This closes the issue for good. Go ahead?")


#: Actions offered only while an answer waits for the lead's sign-off.
SIGN_OFF_ACTIONS = (Action.APPROVE_ANSWER, Action.SEND_BACK_ANSWER)


def _detail_or_404(user, reference: str) -> IssueDetail:
    try:
        return issue_detail_for_user(user=user, reference=reference)
    except Issue.DoesNotExist:
        raise Http404(NOT_FOUND) from None


def _form_kwargs(action: Action, *, detail: IssueDetail, user) -> dict:
    """What an action's form needs beyond the issue and the user: the departments to
    dispatch to (one query); whether a note is public by default (for departments, yes)."""
    if action == Action.DISPATCH:
        return {"departments": dispatch_departments()}
    if action == Action.NOTE:
        parties = workflow.parties_of(user=user, issue=detail.issue)
        return {"public_by_default": bool(
            parties & {Party.LEAD_DEPARTMENT, Party.ASSISTING_DEPARTMENT})}
    return {}


def _action_form(action: Action, data=None, files=None, *, detail: IssueDetail,
                 user) -> ActionForm:
    return ACTION_FORMS[action](data, files=files, issue=detail.issue, user=user,
                                **_form_kwargs(action, detail=detail, user=user))


@require_GET
def issue_short_link(request, reference: str):
    """/i/<reference>, the short link SMS texts carry: on to the issue page, whose own
    log-in and scope apply (nothing is read here, so it tells nobody what exists)."""
    return redirect("issues:detail", reference=reference)


@login_required
@require_GET
def issue_detail(request, reference: str):
    """One issue, if it is in the user's scope; otherwise "not found", whoever asks."""
    return _issue_page(request, _detail_or_404(request.user, reference))


def _issue_page(request, detail: IssueDetail, *, failure: Failure | None = None,
                status: int = 200):
    """The issue page, with a card for each action the user may take now. A failed action's
    card shows its form as it was sent, with the reason; if that action can no longer be
    taken, the page says why and shows the text that was typed, so none of it is lost."""
    user, issue = request.user, detail.issue
    available = workflow.available_actions(user=user, issue=issue)
    pending_extension = (pending_extension_request_for_issue(issue=issue)
                         if detail.scope.is_official else None)
    under_review = detail.answer_under_review
    awaiting_sign_off = (under_review is not None
                         and under_review.status == under_review.Status.PENDING)
    cards = []
    for action, (title, button, tone, folded) in ACTION_CARDS.items():
        if action not in available:
            continue
        if action == Action.DECIDE_EXTENSION and pending_extension is None:
            continue
        if action in SIGN_OFF_ACTIONS and not awaiting_sign_off:
            continue
        if action == Action.RESOLVE and awaiting_sign_off:
            continue  # one answer at a time: the page shows the one waiting
        if failure is not None and failure.action == action:
            form = failure.form
        else:
            form = _action_form(action, detail=detail, user=user)
        cards.append({
            "action": action, "url_name": f"issues:{action.value}", "form": form,
            "title": title, "button": button, "tone": tone,
            "folded": folded and not (failure is not None and failure.action == action),
            "confirm": CANNOT_BE_UNDONE if action in FINAL_ACTIONS else "",
        })
    shown = {card["action"] for card in cards}
    refused = failure if failure is not None and failure.action not in shown else None
    context = {
        "detail": detail, "issue": issue, "scope": detail.scope,
        "action_cards": cards,
        "may_rate": Action.RATE in available,
        "pending_extension": pending_extension,
        "failure": failure,
        "refused": refused,
        "show_escalation": detail.scope.is_official
                           and issue.escalation > Issue.Escalation.NONE,
    }
    if status == 403 and failure is not None:
        context["exception"] = failure.message  # the reason, as on the "not allowed" page
    return render(request, "issues/detail.html", context, status=status)


def _rebound(form: ActionForm, action: Action, *, detail: IssueDetail, user) -> ActionForm:
    """The form as it was sent, now for the issue as it is: with its current version, so
    that sending it again works if the action is still allowed."""
    data = form.data.copy()
    data["version"] = str(detail.issue.version)
    rebound = _action_form(action, data, detail=detail, user=user)
    rebound.is_valid()
    return rebound


def _success_message(action: Action, *, issue: Issue, form: ActionForm, result) -> str:
    values = {"reference": issue.reference}
    if action == Action.DISPATCH:
        return _("Issue %(reference)s was sent to %(department)s.") % {
            **values, "department": form.chosen_department()}
    if action == Action.ACCEPT:
        return _("You accepted issue %(reference)s. The answer is due by %(due)s.") % {
            **values, "due": day_shown(result.due_on)}
    if action == Action.RETURN:
        return _("Issue %(reference)s went back to the coordinators.") % values
    if action == Action.NOTE:
        if result.is_public:
            return _("Your note was added; the entrepreneur can read it.")
        return _("Your note was added for officials only.")
    if action == Action.REQUEST_EXTENSION:
        return _("Your request for %(days)s more working days was sent to the "
                 "coordinators.") % {"days": result.days}
    if action == Action.DECIDE_EXTENSION:
        if result.status == result.Status.APPROVED:
            due = result.issue.due_on
            return _("The extra days were granted; issue %(reference)s is now due by "
                     "%(due)s.") % {**values, "due": day_shown(due)}
        return _("The request for more time was refused; the department has been told why.")
    if action == Action.RESOLVE:
        if result.status != S.RESOLVED:
            return _("Your answer waits for your department's lead to sign it off; the "
                     "entrepreneur receives it once it is approved.")
        return _("Your answer was sent. The entrepreneur is asked to rate it.")
    if action == Action.APPROVE_ANSWER:
        return _("The answer was signed off and sent. The entrepreneur is asked to rate it.")
    if action == Action.SEND_BACK_ANSWER:
        return _("The answer went back to its author with your note.")
    if action == Action.REJECT:
        return _("Issue %(reference)s was rejected as out of scope; the entrepreneur has "
                 "been told why.") % values
    if action == Action.MARK_DUPLICATE:
        return _("Issue %(reference)s is now handled with %(original)s.") % {
            **values, "original": result.duplicate_of.reference}
    if action == Action.CLOSE:
        return _("Issue %(reference)s was closed.") % values
    if action == Action.WITHDRAW:
        return _("Issue %(reference)s was withdrawn. It will not be handled.") % values
    if action == Action.ADD_MATERIAL:
        return _("The material was added to issue %(reference)s; those handling it have been "
                 "told.") % values
    return _("Done.")


@require_POST
@login_required
def issue_action(request, reference: str, action: str):
    """One workflow action on one issue: parse the form, let the workflow decide, and come
    back to the issue page."""
    action = Action(action)
    user = request.user
    detail = _detail_or_404(user, reference)
    issue = detail.issue
    form = _action_form(action, request.POST, request.FILES, detail=detail, user=user)
    refusal = None
    if action not in workflow.available_actions(user=user, issue=issue):
        refusal = workflow.action_refusal(user=user, action=action, issue=issue)
    if refusal is not None:
        form.is_valid()
        return _issue_page(request, detail, status=refusal.status_code,
                           failure=Failure(action, form, refusal.message))
    if not form.is_valid():
        return _issue_page(request, detail, status=400, failure=Failure(action, form))
    try:
        result = workflow.ACTION_FUNCTIONS[action](
            actor=user, issue=issue, version=form.cleaned_data["version"], **form.arguments()
        )
    except StaleIssue as error:
        detail = _detail_or_404(user, reference)
        form = _rebound(form, action, detail=detail, user=user)
        form.add_error(None, error.message)
        return _issue_page(request, detail, status=error.status_code,
                           failure=Failure(action, form, error.message))
    except WorkflowError as error:
        detail = _detail_or_404(user, reference)
        form.add_error(None, error.message)
        return _issue_page(request, detail, status=error.status_code,
                           failure=Failure(action, form, error.message))
    except ValidationError as error:
        add_service_errors(form, error)
        return _issue_page(request, detail, status=400, failure=Failure(action, form))
    messages.success(request, _success_message(action, issue=issue, form=form, result=result))
    return redirect("issues:detail", reference=issue.reference)


# --- Rating -----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def issue_rate(request, reference: str):
    """The entrepreneur's rating of the answer, reached in one tap from the SMS or the
    notification. When the issue no longer waits for a rating, the page says why."""
    user = request.user
    detail = _detail_or_404(user, reference)
    issue = detail.issue
    if Party.RAISER not in workflow.parties_of(user=user, issue=issue):
        raise PermissionDenied(_("Only the entrepreneur who raised the issue can rate its "
                                 "answer."))
    form, message, status = None, "", 200
    if request.method == "POST":
        form = RateForm(request.POST, issue=issue, user=user)
        if issue.status != S.RESOLVED:
            form.is_valid()
            refusal = workflow.action_refusal(user=user, action=Action.RATE, issue=issue)
            message, status = refusal.message, refusal.status_code
        elif not form.is_valid():
            status = 400
        else:
            try:
                rating = workflow.issue_rate(actor=user, issue=issue,
                                             version=form.cleaned_data["version"],
                                             **form.arguments())
            except StaleIssue as error:
                detail = _detail_or_404(user, reference)
                issue = detail.issue
                form = _rebound(form, Action.RATE, detail=detail, user=user)
                form.add_error(None, error.message)
                message, status = error.message, error.status_code
            except WorkflowError as error:
                form.add_error(None, error.message)
                message, status = error.message, error.status_code
            except ValidationError as error:
                add_service_errors(form, error)
                status = 400
            else:
                messages.success(request, _rating_thanks(rating))
                return redirect("issues:detail", reference=issue.reference)
    elif issue.status == S.RESOLVED:
        form = RateForm(issue=issue, user=user)
    ratings = detail.ratings
    return render(request, "issues/rate.html", {
        "detail": detail, "issue": issue, "scope": detail.scope,
        "form": form if issue.status == S.RESOLVED else None,
        "typed_comment": (form.data.get("comment", "") if form is not None
                          and issue.status != S.RESOLVED else ""),
        "message": message,
        "latest_rating": ratings[-1] if ratings else None,
        "dissatisfied": RatingValue.DISSATISFIED,
    }, status=status)


def _rating_thanks(rating) -> str:
    issue = rating.issue
    if issue.status == S.CLOSED:
        return _("Thank you. Your rating was recorded and issue %(reference)s is closed.") % {
            "reference": issue.reference}
    if issue.status == S.REVIEW:
        return _("Thank you. Your rating was recorded; a coordinator will decide what happens "
                 "next with issue %(reference)s.") % {"reference": issue.reference}
    return _("Thank you. Your rating was recorded; issue %(reference)s goes back to the "
             "department, under supervision, due by %(due)s.") % {
        "reference": issue.reference,
        "due": day_shown(issue.due_on)}


# --- Attachments ---------------------------------------------------------------------------


@login_required
@require_GET
def attachment_download(request, reference: str, pk: int):
    """An attachment of an issue the user may see; "not found" for anyone else."""
    try:
        attachment = attachment_for_user(user=request.user, reference=reference, pk=pk)
    except Attachment.DoesNotExist:
        raise Http404(_("No such attachment.")) from None
    return attachment_response(attachment=attachment)
