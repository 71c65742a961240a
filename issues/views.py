"""The issue screens: the list and its work queues, the issue page with the actions the
user may take, raising an issue, rating an answer, attachments and the supervision page.

Thin: the selectors decide who sees what, the forms parse what was typed, and the workflow
(``issues.workflow``) decides and writes. A refused action brings the issue page back with
the reason and everything that was typed.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.forms import add_service_errors
from core.ratelimits import rate_limit_hit
from entrepreneurs.models import Entrepreneur
from entrepreneurs.selectors import entrepreneur_for_user, entrepreneurs_for_user
from issues import workflow
from issues.attachments import (
    attachment_for_user,
    attachment_response,
    attachments_saved_or_removed,
)
from issues.forms import (
    ACTION_FORMS,
    ActionForm,
    IssueFilterForm,
    IssueSubmitForm,
    RateForm,
)
from issues.models import Attachment, Issue, RatingValue
from issues.selectors import (
    IssueDetail,
    dispatch_departments,
    issue_detail_for_user,
    issue_filter_choices_for_user,
    issue_queue_keys_for_user,
    issue_queue_page_for_user,
    issue_queues_for_user,
    issue_scope_for_user,
    may_see_supervision,
    pending_extension_request_for_issue,
    sessions_for_issue_entry_for_user,
    supervised_issues_page_for_user,
    supervision_bulletin_for_user,
)
from issues.workflow import Action, Party, StaleIssue, WorkflowError

S = Issue.Status
NOT_FOUND = _("No issue with this reference is open to you.")
TOO_MANY_SUBMISSIONS = _(
    "Too many issues were sent from your network in a short time. Please wait a while and "
    "send it again; nothing has been recorded."
)
FILES_NOT_KEPT = _(
    "Browsers cannot keep chosen files when a form comes back: choose your attachments "
    "again before you send it."
)


# --- The list ---------------------------------------------------------------------------


@login_required
@require_GET
def issue_list(request):
    """The issues the user may see, filtered or narrowed to a work queue, 25 a page."""
    user = request.user
    queue_keys = issue_queue_keys_for_user(user=user)
    form = IssueFilterForm(
        request.GET, choices=issue_filter_choices_for_user(user=user), queues=queue_keys,
    )
    filters = form.filters()
    page = issue_queue_page_for_user(user=user, filters=filters,
                                     page_number=request.GET.get("page"))
    queues = issue_queues_for_user(user=user)
    return render(request, "issues/list.html", {
        "scope": issue_scope_for_user(user=user),
        "form": form,
        "filters": filters,
        "page": page,
        "queues": queues,
        "queue": next((queue for queue in queues if queue["key"] == filters.queue), None),
        "may_supervise": may_see_supervision(user=user),
    })


# --- The issue page and its actions -----------------------------------------------------


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
}

#: Actions after which the issue is closed for good; the page asks once more.
FINAL_ACTIONS = (Action.REJECT, Action.MARK_DUPLICATE, Action.CLOSE)
CANNOT_BE_UNDONE = _("This closes the issue for good. Go ahead?")

#: What each action runs.
WORKFLOW_FUNCTIONS = {
    Action.DISPATCH: workflow.issue_dispatch,
    Action.ACCEPT: workflow.issue_accept,
    Action.RETURN: workflow.issue_return,
    Action.NOTE: workflow.issue_add_note,
    Action.REQUEST_EXTENSION: workflow.issue_request_extension,
    Action.DECIDE_EXTENSION: workflow.issue_decide_extension,
    Action.RESOLVE: workflow.issue_resolve,
    Action.REJECT: workflow.issue_reject,
    Action.MARK_DUPLICATE: workflow.issue_mark_duplicate,
    Action.CLOSE: workflow.issue_close,
    Action.RATE: workflow.issue_rate,
}


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


def _action_form(action: Action, data=None, *, detail: IssueDetail, user) -> ActionForm:
    return ACTION_FORMS[action](data, issue=detail.issue, user=user,
                                **_form_kwargs(action, detail=detail, user=user))


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
    cards = []
    for action, (title, button, tone, folded) in ACTION_CARDS.items():
        if action not in available:
            continue
        if action == Action.DECIDE_EXTENSION and pending_extension is None:
            continue
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
            **values, "due": result.due_on.isoformat() if result.due_on else "—"}
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
                     "%(due)s.") % {**values, "due": due.isoformat() if due else "—"}
        return _("The request for more time was refused; the department has been told why.")
    if action == Action.RESOLVE:
        return _("Your answer was sent. The entrepreneur is asked to rate it.")
    if action == Action.REJECT:
        return _("Issue %(reference)s was rejected as out of scope; the entrepreneur has "
                 "been told why.") % values
    if action == Action.MARK_DUPLICATE:
        return _("Issue %(reference)s is now handled with %(original)s.") % {
            **values, "original": result.duplicate_of.reference}
    if action == Action.CLOSE:
        return _("Issue %(reference)s was closed.") % values
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
    form = _action_form(action, request.POST, detail=detail, user=user)
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
        result = WORKFLOW_FUNCTIONS[action](
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
        "due": issue.due_on.isoformat() if issue.due_on else "—"}


# --- Raising an issue -------------------------------------------------------------------


def _submit_refusal(user) -> str:
    person = entrepreneur_for_user(user=user)
    if person is not None:
        if person.verification == Entrepreneur.Verification.PENDING:
            return _("Only verified entrepreneurs can raise issues online, and a coordinator "
                     "still has to verify you. You will be told once it is done.")
        return _("Your registration was not verified, so you cannot raise issues online. "
                 "Contact the coordinator of your region.")
    return _("Only verified entrepreneurs raise issues online; coordinators enter them for "
             "an entrepreneur from the person's page.")


@login_required
@require_http_methods(["GET", "POST"])
def issue_new(request):
    """An entrepreneur raises an issue; a coordinator enters one for a person of their
    scope (``?entrepreneur=<pk>``), saying where it was raised."""
    user = request.user
    person = None
    if "entrepreneur" in request.GET:
        if not workflow.may_submit_for_others(user=user):
            raise PermissionDenied(_("Only coordinators can enter an issue for someone else."))
        try:
            person = entrepreneurs_for_user(user=user).select_related(
                "enterprise__region").get(pk=int(request.GET["entrepreneur"]))
        except (ValueError, Entrepreneur.DoesNotExist):
            raise Http404(_("No such person in your region.")) from None
    elif not workflow.may_submit_for_self(user=user):
        if workflow.may_submit_for_others(user=user):
            messages.info(request, _("Choose the person first: open their page in the "
                                     "directory and choose “Record an issue for this person”."))
            return redirect("entrepreneurs:list")
        raise PermissionDenied(_submit_refusal(user))
    for_other = person is not None
    sessions = sessions_for_issue_entry_for_user(user=user) if for_other else ()
    status = 200
    if request.method == "POST":
        form = IssueSubmitForm(request.POST, request.FILES, for_other=for_other,
                               sessions=sessions)
        if form.is_valid():
            if rate_limit_hit(request, name="issue_submission"):
                form.add_error(None, TOO_MANY_SUBMISSIONS)
                status = 429
            else:
                try:
                    with attachments_saved_or_removed():
                        issue = workflow.issue_submit(actor=user, entrepreneur=person,
                                                      **form.submit_arguments())
                except WorkflowError as error:
                    form.add_error(None, error.message)
                    status = error.status_code
                except ValidationError as error:
                    add_service_errors(form, error)
                    status = 400
                else:
                    if for_other:
                        text = _("Issue %(reference)s was recorded for %(name)s.")
                    else:
                        text = _("Your issue was received. Its reference is %(reference)s; "
                                 "you will be told when a department takes it up.")
                    messages.success(request, text % {"reference": issue.reference,
                                                      "name": person.name if person else ""})
                    return redirect("issues:detail", reference=issue.reference)
    else:
        try:
            at_session = int(request.GET.get("session", ""))
        except ValueError:
            at_session = None
        form = IssueSubmitForm(for_other=for_other, sessions=sessions, at_session=at_session)
    return render(request, "issues/new.html", {
        "form": form, "person": person,
        "files_not_kept": FILES_NOT_KEPT if request.method == "POST" and request.FILES else "",
    }, status=status)


# --- Attachments and supervision --------------------------------------------------------


@login_required
@require_GET
def attachment_download(request, reference: str, pk: int):
    """An attachment of an issue the user may see; "not found" for anyone else."""
    try:
        attachment = attachment_for_user(user=request.user, reference=reference, pk=pk)
    except Attachment.DoesNotExist:
        raise Http404(_("No such attachment.")) from None
    return attachment_response(attachment=attachment)


@login_required
@require_GET
def supervision(request):
    """Open issues under supervision (督办) in the user's scope, most overdue first, 50 a
    page (``?bulletin=1``: only those listed in the bulletin), and the bulletin's count by
    lead department. Made to be printed."""
    user = request.user
    if not may_see_supervision(user=user):
        raise PermissionDenied(_("Only coordinators, leaders and administrators follow the "
                                 "supervised issues."))
    bulletin_only = request.GET.get("bulletin") == "1"
    page = supervised_issues_page_for_user(user=user, bulletin_only=bulletin_only,
                                           page_number=request.GET.get("page"))
    return render(request, "issues/supervision.html", {
        "scope": issue_scope_for_user(user=user),
        "page": page,
        "issues": page.object_list,
        "bulletin_only": bulletin_only,
        "bulletin": supervision_bulletin_for_user(user=user),
        "today": timezone.localdate(),
    })

