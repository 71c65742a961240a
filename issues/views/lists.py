"""The issue list with its filters and work-queue tabs, and the supervision (督办) page."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from issues.forms import IssueFilterForm
from issues.selectors import (
    issue_filter_choices_for_user,
    issue_queue_keys_for_user,
    issue_queue_page_for_user,
    issue_queues_for_user,
    issue_scope_for_user,
    may_see_supervision,
    supervised_issues_page_for_user,
    supervision_bulletin_for_user,
)


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
