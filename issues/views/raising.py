"""Raising an issue: an entrepreneur's own, or one a coordinator enters for a person of
their scope."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from core.forms import add_service_errors
from core.ratelimits import rate_limit_hit
from entrepreneurs.models import Entrepreneur
from entrepreneurs.selectors import entrepreneur_for_user, entrepreneurs_for_user
from issues import workflow
from issues.attachments import attachments_saved_or_removed
from issues.forms import IssueSubmitForm
from issues.selectors import sessions_for_issue_entry_for_user
from issues.workflow import WorkflowError

TOO_MANY_SUBMISSIONS = _(
    "Too many issues were sent from your network in a short time. Please wait a while and "
    "send it again; nothing has been recorded."
)
FILES_NOT_KEPT = _(
    "Browsers cannot keep chosen files when a form comes back: choose your attachments "
    "again before you send it."
)


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
