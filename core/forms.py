"""Form helpers shared by the apps' views, and the working-day calendar's form."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def add_service_errors(form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: on its field where the form has one,
    above the form otherwise, so the person sees every message beside what they typed."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


#: The years the page shows and accepts entries for.
FIRST_YEAR = 2000
LAST_YEAR = 2100


class CalendarDayForm(forms.Form):
    """One day of the calendar, as a coordinator enters it."""

    WORKING = "working"
    OFF = "off"

    day = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter a date such as 2027-10-01.")},
    )
    status = forms.ChoiceField(
        label=_("This day is"),
        choices=[(WORKING, _("A working day (for example a make-up working day, 调休上班)")),
                 (OFF, _("A day off (for example a public holiday)"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Note"), max_length=100, required=False,
                           help_text=_("Optional, for example 国庆节 or 调休上班."))

    def clean_day(self):
        day = self.cleaned_data["day"]
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise ValidationError(
                _("Choose a day between %(first)s and %(last)s."),
                params={"first": FIRST_YEAR, "last": LAST_YEAR},
            )
        return day

    def service_arguments(self) -> dict:
        return {"day": self.cleaned_data["day"], "note": self.cleaned_data["note"],
                "is_working_day": self.cleaned_data["status"] == self.WORKING}


#: The keys a database integer column holds (64 bits, signed).
LARGEST_KEY = 2**63 - 1


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Django's field, refusing a number no key can be as an invalid choice before it asks
    the database: Django looks the values up with ``pk__in``, and an integer past 64 bits
    there crashes the query (OverflowError on SQLite) instead of matching nothing."""

    def _check_values(self, value):
        for item in value or ():
            try:
                number = int(str(item))
            except ValueError:
                continue  # not a number: Django refuses it itself
            if abs(number) > LARGEST_KEY:
                raise ValidationError(self.error_messages["invalid_choice"],
                                      code="invalid_choice", params={"value": item})
        return super()._check_values(value)
