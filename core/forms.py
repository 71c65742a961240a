"""Form helpers shared by the apps' views, and the working-day calendar's form.

Every form of the project is a ``CleanTextForm`` or a ``CleanTextModelForm`` (or mixes in
``CleanTextMixin`` before one of Django's forms); the admin's forms get the mixin from
``core.admin.guard_admin_site``. ``tests/test_clean_text_forms.py`` holds every
form to it.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.spreadsheets import (
    MAX_ROWS,
    MAX_UPLOAD_MEGABYTES,
    Column,
    SpreadsheetError,
    read_table,
    table_records,
)
from core.validators import CleanTextValidator


def guard_text_fields(fields) -> None:
    """Give each text field (``CharField`` and its kinds: email, URL, JSON...) of a form the
    clean-text check; a tab or a line break passes only where the widget is a textarea.
    Idempotent; a disabled field (which keeps its initial value) is left alone."""
    for field in fields.values():
        if not isinstance(field, forms.CharField) or field.disabled:
            continue
        if not any(isinstance(check, CleanTextValidator) for check in field.validators):
            field.validators.append(
                CleanTextValidator(multiline=isinstance(field.widget, forms.Textarea)))


class CleanTextMixin:
    """Refuses control characters and broken characters in every text field of the form
    (``core.validators.clean_text_problems``), with the reason beside the field. Put it
    first among the bases. The check is added when the form is cleaned, so it also covers
    the fields and widgets a form's ``__init__`` adds or changes."""

    def full_clean(self):
        guard_text_fields(self.fields)
        super().full_clean()

    def clean(self):
        # Before a library's form in the bases (``with_clean_text``), this wraps its clean():
        # one that reads a field this check refused (so absent from cleaned_data) leaves the
        # field's error to show, instead of a 500.
        try:
            return super().clean()
        except KeyError as missing:
            if missing.args and missing.args[0] in self.errors:
                return self.cleaned_data
            raise


class CleanTextForm(CleanTextMixin, forms.Form):
    pass


class CleanTextModelForm(CleanTextMixin, forms.ModelForm):
    pass


def with_clean_text(form_class: type) -> type:
    """``form_class`` with the clean-text check: itself if it has it, otherwise a subclass
    of the same name (for the forms of Django and of the libraries the project uses)."""
    if issubclass(form_class, CleanTextMixin):
        return form_class
    return type(form_class.__name__, (CleanTextMixin, form_class),
                {"__module__": form_class.__module__,
                 "__doc__": form_class.__doc__,
                 "__qualname__": form_class.__qualname__})


def labelled_error(label, message) -> str:
    """A field's message where the field is not beside it (an error summary): "Mobile number:
    …" / "手机号码：…"."""
    return gettext("%(label)s: %(message)s") % {"label": label, "message": message}


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


class CalendarDayForm(CleanTextForm):
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


class SpreadsheetUploadForm(CleanTextForm):
    """A list to import: an XLSX or CSV file whose header names ``columns``. Once valid,
    ``records`` holds its rows as (line number, {field: text}) and ``file_name`` its name."""

    file = forms.FileField(
        label=_("Excel workbook (.xlsx) or CSV file"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv,text/csv,"
                                                         "application/vnd.openxmlformats-"
                                                         "officedocument.spreadsheetml.sheet"}),
        error_messages={"required": _("Choose the file to import.")},
    )

    def __init__(self, *args, columns: tuple[Column, ...], **kwargs):
        super().__init__(*args, **kwargs)
        self.columns = columns
        self.records: list[tuple[int, dict]] = []
        self.file_name = ""
        self.fields["file"].help_text = _(
            "Up to %(size)d MB and %(rows)d rows. The first row names the columns, in Chinese "
            "or in English."
        ) % {"size": MAX_UPLOAD_MEGABYTES, "rows": MAX_ROWS}

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            self.records = table_records(read_table(upload), self.columns)
        except SpreadsheetError as error:
            raise ValidationError(error.messages) from error
        # The name is only shown and noted: no path, no control character, a sane length.
        name = str(upload.name or "").replace("\\", "/").rsplit("/", 1)[-1]
        self.file_name = "".join(ch for ch in name if ch.isprintable())[:100] or "list"
        return upload


class SpreadsheetImportForm(CleanTextForm):
    """The preview's "Import" button: the signed token of the preview."""

    token = forms.CharField(widget=forms.HiddenInput, max_length=500)
