"""The issue list and the issue page, scoped to the signed-in user by the selectors.

Read-only for now: the workflow's actions (dispatch, accept, resolve, rate…) add their
forms to ``issues/_actions.html`` and their own POST views.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from issues.forms import IssueFilterForm
from issues.models import Issue
from issues.selectors import (
    issue_detail_for_user,
    issue_filter_choices_for_user,
    issue_list_page_for_user,
    issue_scope_for_user,
)


@login_required
@require_GET
def issue_list(request):
    """The issues the user may see, filtered, newest (or soonest due) first, 25 a page."""
    form = IssueFilterForm(
        request.GET, choices=issue_filter_choices_for_user(user=request.user)
    )
    filters = form.filters()
    page = issue_list_page_for_user(
        user=request.user, filters=filters, page_number=request.GET.get("page")
    )
    return render(request, "issues/list.html", {
        "scope": issue_scope_for_user(user=request.user),
        "form": form,
        "filters": filters,
        "page": page,
    })


@login_required
@require_GET
def issue_detail(request, reference: str):
    """One issue, if it is in the user's scope; otherwise "not found", whoever asks."""
    try:
        detail = issue_detail_for_user(user=request.user, reference=reference)
    except Issue.DoesNotExist:
        raise Http404(_("No issue with this reference is open to you.")) from None
    return render(request, "issues/detail.html", {"detail": detail, "issue": detail.issue,
                                                  "scope": detail.scope})
