import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from core.privacy import PRIVACY_NOTICE_VERSION
from government.selectors import region_scope_for_user
from privacy.forms import DeletionDecisionForm, DeletionRequestForm
from privacy.models import DeletionRequest
from privacy.selectors import (
    deletion_request_for_user,
    deletion_request_list_for_user,
    personal_data_summary,
    user_label,
)
from privacy.services import (
    NOT_AN_ENTREPRENEUR,
    check_may_decide,
    deletion_request_create,
    deletion_request_decide,
    personal_data_export,
)

PAGE_SIZE = 25


def notice(request):
    """The privacy notice people agree to when they sign up; public."""
    return render(request, "privacy/notice.html", {"version": PRIVACY_NOTICE_VERSION})


def _my_data_page(request, form=None):
    summary = personal_data_summary(user=request.user)
    if summary is None:
        raise PermissionDenied(NOT_AN_ENTREPRENEUR)
    context = {"summary": summary, "form": form or DeletionRequestForm()}
    response = render(request, "privacy/my_data.html", context)
    add_never_cache_headers(response)
    return response


@login_required
@require_GET
def my_data(request):
    """The entrepreneur's own page: what we hold, a download, and a request to erase."""
    return _my_data_page(request)


@login_required
@require_GET
def export(request):
    """Everything held about the signed-in entrepreneur, as a JSON file to keep."""
    data = personal_data_export(user=request.user)
    filename = f"huzhou-talks-my-data-{timezone.localdate():%Y-%m-%d}.json"
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    add_never_cache_headers(response)
    return response


@login_required
@require_POST
def request_deletion(request):
    form = DeletionRequestForm(request.POST)
    if not form.is_valid():
        return _my_data_page(request, form=form)
    try:
        deletion_request_create(user=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("Your request is on its way to the programme coordinators. You will find their "
              "answer here."),
        )
    return redirect("privacy:my_data")


@login_required
@require_GET
def requests(request):
    """Coordinators and administrators: deletion requests in their scope, waiting first."""
    check_may_decide(user=request.user)
    page = Paginator(deletion_request_list_for_user(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for deletion_request in page.object_list:
        deletion_request.decider = user_label(deletion_request.decided_by)
        if deletion_request.is_pending:
            deletion_request.form = DeletionDecisionForm(auto_id=f"id_{deletion_request.pk}_%s")
    return render(
        request,
        "privacy/requests.html",
        {"page": page, "scope": region_scope_for_user(user=request.user)},
    )


@login_required
@require_POST
def decide(request, pk: int):
    check_may_decide(user=request.user)
    try:
        deletion_request = deletion_request_for_user(user=request.user, pk=pk)
    except DeletionRequest.DoesNotExist as error:
        raise Http404(_("No such deletion request in your region.")) from error
    form = DeletionDecisionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect("privacy:requests")
    try:
        deletion_request_decide(
            actor=request.user, request=deletion_request, approve=form.approve,
            note=form.cleaned_data["note"],
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        if form.approve:
            messages.success(
                request,
                _("Request #%(number)d approved: the person's personal data is erased.")
                % {"number": deletion_request.pk},
            )
        else:
            messages.success(
                request,
                _("Request #%(number)d refused; the person has been told why.")
                % {"number": deletion_request.pk},
            )
    return redirect("privacy:requests")
