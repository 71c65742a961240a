"""The dashboard's filters, read from the query string."""

import re
from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.forms import CleanTextForm
from dashboard.figures import RankingSort
from dashboard.scope import DashboardFilters, FilterChoices

MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class MonthField(forms.CharField):
    """A month typed as YYYY-MM (what ``<input type="month">`` sends); cleaned to its first
    day."""

    # No placeholder: a month input shows its own format, and HTML allows none there.
    widget = forms.TextInput(attrs={"type": "month"})
    default_error_messages = {
        "invalid": _("Enter a month as year and month, for example 2026-11."),
    }

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        match = MONTH.match(value.strip())
        if match is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        year, month = int(match[1]), int(match[2])
        if not (2000 <= year <= 2100 and 1 <= month <= 12):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return date(year, month, 1)

    def prepare_value(self, value):
        return value.strftime("%Y-%m") if isinstance(value, date) else value


class DashboardFilterForm(CleanTextForm):
    region = forms.TypedChoiceField(label=_("Region"), required=False, coerce=int,
                                    empty_value=None)
    month_from = MonthField(label=_("From month"), required=False)
    month_to = MonthField(label=_("To month"), required=False)
    category = forms.TypedChoiceField(label=_("Category"), required=False, coerce=int,
                                      empty_value=None)
    department = forms.TypedChoiceField(label=_("Lead department"), required=False,
                                        coerce=int, empty_value=None)
    sort = forms.CharField(required=False, widget=forms.HiddenInput)

    #: The query-string names (short, so links stay readable).
    NAMES = {"month_from": "from", "month_to": "to"}

    def __init__(self, data=None, *, choices: FilterChoices):
        city = next((region for region in choices.regions
                     if region.level == region.Level.CITY), None)
        if data is not None and city is not None and data.get("region") == str(city.pk):
            data = data.copy()
            data["region"] = ""  # the city itself is "the whole city"
        super().__init__(data, prefix=None)
        self.choices = choices
        self._regions = {region.pk: region for region in choices.regions}
        self._categories = {category.pk: category for category in choices.categories}
        self._departments = {department.pk: department for department in choices.departments}
        if len(choices.regions) > 1:
            self.fields["region"].choices = [("", _("The whole city"))] + [
                (region.pk, str(region)) for region in choices.regions
                if region.level != region.Level.CITY
            ]
        else:
            self.fields["region"].choices = [(region.pk, str(region))
                                             for region in choices.regions]
            self.fields["region"].disabled = True
        self.fields["category"].choices = [("", _("All categories"))] + [
            (category.pk, str(category)) for category in choices.categories]
        self.fields["department"].choices = [("", _("All departments"))] + [
            (department.pk, str(department)) for department in choices.departments]

    def add_prefix(self, field_name):
        return self.NAMES.get(field_name, field_name)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("month_from"), cleaned.get("month_to")
        if start and end and start > end:
            self.add_error("month_to", _("The last month cannot come before the first."))
        return cleaned

    def filters(self) -> DashboardFilters:
        """The filters typed (call after ``is_valid()``); an invalid form gives none."""
        if not self.is_bound or not self.is_valid():
            return DashboardFilters()
        data = self.cleaned_data
        return DashboardFilters(
            region=self._regions.get(data.get("region")),
            month_from=data.get("month_from"),
            month_to=data.get("month_to"),
            category=self._categories.get(data.get("category")),
            department=self._departments.get(data.get("department")),
        )

    def sort_order(self) -> str:
        return RankingSort.parse(self.cleaned_data.get("sort", "") if self.is_bound
                                 and self.is_valid() else "")


class BulletinForm(CleanTextForm):
    month = MonthField(label=_("Month"), required=False)
