"""The issue list and the issue page, scoped to the signed-in user by the selectors.

Read-only for now: the workflow's actions (dispatch, accept, resolve, rate…) add their
forms to ``issues/_actions.html`` and their own POST views.
"""

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from issues.models import Issue
from issues.selectors import (
    IssueFilterChoices,
    IssueFilters,
    IssueSort,
    issue_detail_for_user,
    issue_filter_choices_for_user,
    issue_list_page_for_user,
    issue_scope_for_user,
)


class IssueFilterForm(forms.Form):
    """The list's filters, read from the query string; the choices are the user's."""

    search = forms.CharField(
        label=_("Reference or title"), required=False, max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "HZ-2026-000123"}),
    )
    status = forms.ChoiceField(label=_("Status"), required=False)
    category = forms.TypedChoiceField(label=_("Category"), required=False, coerce=int,
                                      empty_value=None)
    region = forms.TypedChoiceField(label=_("Region"), required=False, coerce=int,
                                    empty_value=None)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    sort = forms.ChoiceField(label=_("Sort by"), required=False)

    def __init__(self, data, *, choices: IssueFilterChoices):
        super().__init__(data)
        self.fields["status"].choices = [("", _("Any status")), *choices.statuses]
        self.fields["category"].choices = [("", _("Any category")), *choices.categories]
        if choices.regions:
            self.fields["region"].choices = [("", _("Any region")), *choices.regions]
        else:
            del self.fields["region"]
        if choices.sorts:
            self.fields["sort"].choices = choices.sorts
        else:
            del self.fields["sort"]

    def filters(self) -> IssueFilters:
        """The filters that were given and valid; invalid ones are shown as errors and ignored."""
        self.is_valid()
        data = self.cleaned_data
        return IssueFilters(
            status=data.get("status") or "",
            category=data.get("category"),
            region=data.get("region"),
            overdue=bool(data.get("overdue")),
            search=data.get("search") or "",
            sort=data.get("sort") or IssueSort.NEWEST,
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
