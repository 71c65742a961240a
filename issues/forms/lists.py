"""The issue list's filters and work-queue tabs."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import CleanTextForm
from issues.selectors import IssueFilterChoices, IssueFilters, IssueSort


class IssueFilterForm(CleanTextForm):
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
    queue = forms.ChoiceField(required=False, widget=forms.HiddenInput)

    def __init__(self, data, *, choices: IssueFilterChoices, queues=()):
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
        if queues:
            self.fields["queue"].choices = [("", ""), *((key, key) for key in queues)]
        else:
            del self.fields["queue"]

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
            queue=data.get("queue") or "",
        )
