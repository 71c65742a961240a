"""Importing a list, the pages: the template to fill in, upload a file, see what each row
would do, "Import".

An app describes its import once, as a ``SpreadsheetImport`` (its texts, its URL
namespace, its columns, who may import, how rows are checked and written), and gets its
three views from ``import_views``. The page is ``core/spreadsheet_import.html``;
the parsed rows wait in the person's session between the preview and the import
(``core.spreadsheets.preview_store``). Thin: the app's services check and write.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.forms import SpreadsheetImportForm, SpreadsheetUploadForm
from core.spreadsheets import (
    XLSX_CONTENT_TYPE,
    Column,
    ImportChanged,
    RowCheck,
    SpreadsheetError,
    counts,
    preview_forget,
    preview_load,
    preview_rows,
    preview_store,
    statuses,
    template_workbook,
)


@dataclass(frozen=True, kw_only=True)
class SpreadsheetImport:
    """One app's import. ``namespace`` names its URLs: ``<namespace>:list`` (back, and where
    a done import goes), ``:import``, ``:import_confirm`` and ``:import_template``; it is
    also the kind of its preview in the session (``preview_store``)."""

    namespace: str
    # What the page says.
    title: str
    intro: str
    #: ``scope(user)``: the region the rows must be of, said under the intro; None: any.
    scope: Callable[[object], object] | None = None
    #: The list page's name: the back link's text, the template's sheet title.
    back_label: str
    #: The refusal shown above the preview checked again when ``ImportChanged`` was raised.
    changed: str
    #: ``success(file_name, outcome)``: the message after the import, from what ``write`` gave.
    success: Callable[[str, object], str]
    # The rows.
    columns: tuple[Column, ...]
    #: ``examples(user)``: example values by field replacing the columns' own, or None.
    examples: Callable[[object], dict | None] | None = None
    #: ``require(user)``: raises PermissionDenied with the reason if the user may not import.
    require: Callable[[object], None]
    #: ``check(actor=, records=)``: each row's ``RowCheck``.
    check: Callable[..., list[RowCheck]]
    #: ``write(actor=, records=, file_name=, expected=)``: the import (all rows or none);
    #: raises ``ImportChanged`` if the rows no longer check as the preview showed.
    write: Callable[..., object]

    def url(self, name: str) -> str:
        return reverse(f"{self.namespace}:{name}")


def _page(spec: SpreadsheetImport, request, *, form=None, checks=None, token="", file_name="",
          status=200, refusal=""):
    return render(request, "core/spreadsheet_import.html", {
        "title": spec.title,
        "intro": spec.intro,
        "scope": spec.scope(request.user) if spec.scope else None,
        "back_url": spec.url("list"),
        "back_label": spec.back_label,
        "template_url": spec.url("import_template"),
        "upload_url": spec.url("import"),
        "confirm_url": spec.url("import_confirm"),
        "columns": spec.columns,
        "form": form or SpreadsheetUploadForm(columns=spec.columns),
        "checks": checks,
        "shown": preview_rows(checks) if checks else [],
        "counts": counts(checks) if checks else None,
        "token": token,
        "file_name": file_name,
        "refusal": refusal,
    }, status=status)


def _preview(spec: SpreadsheetImport, request, *, records, file_name, refusal="", status=200):
    checks = spec.check(actor=request.user, records=records)
    token = preview_store(request, kind=spec.namespace, payload={
        "records": records, "file_name": file_name, "expected": statuses(checks),
    })
    return _page(spec, request, checks=checks, token=token, file_name=file_name,
                 refusal=refusal, status=status)


def import_views(spec: SpreadsheetImport):
    """The import's views: (upload, confirm, template), for its URLs ``import``,
    ``import_confirm`` and ``import_template``."""
    return upload_view(spec), confirm_view(spec), template_view(spec)


def upload_view(spec: SpreadsheetImport):
    """The import page: GET the upload form; POST a file, see what each row would do."""

    @login_required
    def upload(request):
        spec.require(request.user)
        if request.method != "POST":
            return _page(spec, request)
        form = SpreadsheetUploadForm(request.POST, request.FILES, columns=spec.columns)
        if not form.is_valid():
            return _page(spec, request, form=form, status=400)
        return _preview(spec, request, records=form.records, file_name=form.file_name)

    return upload


def confirm_view(spec: SpreadsheetImport):
    """The preview's "Import": the rows it showed as new are written, or none is."""

    @require_POST
    @login_required
    def confirm(request):
        spec.require(request.user)
        form = SpreadsheetImportForm(request.POST)
        signed = form.cleaned_data["token"] if form.is_valid() else ""
        try:
            preview = preview_load(request, kind=spec.namespace, signed=signed)
        except SpreadsheetError as error:
            return _page(spec, request, refusal=" ".join(error.messages), status=400)
        records = [(number, values) for number, values in preview["records"]]
        file_name = preview["file_name"]
        try:
            outcome = spec.write(actor=request.user, records=records, file_name=file_name,
                                 expected=preview["expected"])
        except ImportChanged:
            return _preview(spec, request, records=records, file_name=file_name, status=409,
                            refusal=spec.changed)
        preview_forget(request, kind=spec.namespace)
        messages.success(request, spec.success(file_name, outcome))
        return redirect(f"{spec.namespace}:list")

    return confirm


def template_view(spec: SpreadsheetImport):
    """The list's template: its headers and one example row (XLSX)."""

    @login_required
    def template(request):
        spec.require(request.user)
        examples = spec.examples(request.user) if spec.examples else None
        content = template_workbook(spec.columns, title=str(spec.back_label), examples=examples)
        response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{spec.namespace}-template.xlsx"'
        return response

    return template
