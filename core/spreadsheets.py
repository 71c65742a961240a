"""Reading a list someone keeps in Excel: an uploaded XLSX or CSV file, checked by content.

* ``read_table`` decides from the bytes, never from the name, whether the upload is an
  Excel workbook (a ZIP holding ``xl/workbook.xml``) or a CSV text file (UTF-8, with or
  without a byte-order mark, or GB18030, which Chinese Excel writes), refuses anything else
  and anything too big (``MAX_UPLOAD_BYTES``, ``MAX_ROWS``, a ZIP that unpacks past
  ``MAX_UNPACKED_BYTES``), and returns the header and the rows as text.
* ``Column`` and ``match_header``: a column by the names people give it, in Chinese or in
  English, found in the header row whatever its order.
* ``template_workbook``: an XLSX file with the header and an example row, to fill in.
* ``RowCheck``, ``statuses``, ``counts``: what each row would do; ``ImportChanged``: the
  rows no longer check as the preview showed.
* ``preview_store`` / ``preview_load``: the rows of a preview, kept in the person's own
  session between the preview and the import; the page carries only a signed token, so a
  token that was altered, belongs to another preview or is too old is refused.

Every function here only reads; the apps' services write.
"""

import csv
import io
import re
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time

import filetype
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook, load_workbook

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_UPLOAD_MEGABYTES = MAX_UPLOAD_BYTES // (1024 * 1024)
MAX_ROWS = 5000
#: Columns read from each row; the lists have a dozen.
MAX_COLUMNS = 40
#: What a workbook may unpack to: a 2 MB file of highly repetitive XML must not fill memory.
MAX_UNPACKED_BYTES = 64 * 1024 * 1024
#: How long a preview may wait for its "Import" (seconds).
PREVIEW_MAX_AGE = 2 * 3600

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old .xls (and .doc) container
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


class SpreadsheetError(ValidationError):
    """A file that cannot be read as a list; the message says why and what to do."""


@dataclass
class Table:
    """A sheet as text: the header's cells, then each row's line number and cells."""

    header: list[str]
    rows: list[tuple[int, list[str]]] = field(default_factory=list)


def read_table(upload) -> Table:
    """The header row and the rows of an uploaded XLSX or CSV file; SpreadsheetError if the
    file is too big, is not a spreadsheet, cannot be read or has too many rows."""
    if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
        raise _too_big()
    upload.seek(0)
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise _too_big()
    if not data.strip():
        raise SpreadsheetError(_("The file is empty."), code="empty")
    if data.startswith(b"PK\x03\x04"):
        rows = _xlsx_rows(data)
    elif data.startswith(_OLE):
        raise SpreadsheetError(
            _("This is an old Excel file (.xls). Open it in Excel or WPS and save it as an "
              "Excel workbook (.xlsx) or as CSV, then upload that."),
            code="xls",
        )
    else:
        rows = _csv_rows(data)
    return _table(rows)


def _too_big() -> SpreadsheetError:
    return SpreadsheetError(
        _("The file is larger than %(size)d MB. Split the list into smaller files."),
        code="too_big", params={"size": MAX_UPLOAD_MEGABYTES},
    )


def _not_a_spreadsheet() -> SpreadsheetError:
    return SpreadsheetError(
        _("This file is not an Excel workbook (.xlsx) or a CSV file. Save the list from "
          "Excel or WPS in one of these formats."),
        code="not_a_spreadsheet",
    )


def _xlsx_rows(data: bytes):
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise _broken() from error
    if "xl/workbook.xml" not in names:
        raise _not_a_spreadsheet()
    if unpacked > MAX_UNPACKED_BYTES:
        raise _too_big()
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # noqa: BLE001 - openpyxl raises many kinds for a broken file
        raise _broken() from error
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise _broken()
        rows = []
        for number, values in enumerate(
            sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True), start=1
        ):
            cells = [_cell_text(value) for value in values]
            if any(cells):
                rows.append((number, cells))
                if len(rows) > MAX_ROWS + 1:
                    raise _too_many()
        return rows
    except SpreadsheetError:
        raise
    except Exception as error:  # noqa: BLE001 - a sheet broken half-way through
        raise _broken() from error
    finally:
        workbook.close()


def _broken() -> SpreadsheetError:
    return SpreadsheetError(
        _("This file looks like an Excel workbook but cannot be read: it may be damaged or "
          "protected by a password. Open it in Excel or WPS, save it again, and upload it."),
        code="broken",
    )


def _too_many() -> SpreadsheetError:
    return SpreadsheetError(
        _("The list has more than %(rows)d rows. Split it into smaller files."),
        code="too_many_rows", params={"rows": MAX_ROWS},
    )


def _cell_text(value) -> str:
    """A cell as the text a person sees: a mobile typed as a number loses its ".0"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d" if value.time() == time(0) else "%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _csv_rows(data: bytes):
    kind = filetype.guess(data[:8192])
    if kind is not None:  # a PDF, an image, an archive...: bytes with a signature
        raise _not_a_spreadsheet()
    text = None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        break
    # A text file has no NUL and hardly any other control character (a stray one in a
    # cell is reported on its cell); a binary file read as GB18030 has plenty.
    if text is None or "\x00" in text or len(_CONTROL.findall(text)) * 100 > len(text):
        raise _not_a_spreadsheet()
    dialect = csv.excel
    first_line = text.split("\n", 1)[0]
    if "\t" in first_line and "," not in first_line:
        dialect = csv.excel_tab
    rows = []
    try:
        for number, values in enumerate(csv.reader(io.StringIO(text, newline=""), dialect),
                                        start=1):
            cells = [value.strip() for value in values[:MAX_COLUMNS]]
            if any(cells):
                rows.append((number, cells))
                if len(rows) > MAX_ROWS + 1:
                    raise _too_many()
    except csv.Error as error:
        raise _not_a_spreadsheet() from error
    return rows


def _table(rows) -> Table:
    if not rows:
        raise SpreadsheetError(_("The file is empty."), code="empty")
    (_number, header), *body = rows
    return Table(header=header, rows=body)


# --- The columns -------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of a list: the field it fills, its label, the headers people give it."""

    field: str
    label: str
    aliases: tuple[str, ...]
    required: bool = False
    #: The example row's value in the template.
    example: str = ""


def header_key(text: str) -> str:
    """A header as compared: no width, case, spaces, asterisks, colons or bracketed notes
    ("手机号码（必填）*" and "手机号码" are one header)."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    text = re.sub(r"\(.*?\)|\[.*?\]", "", text)
    return re.sub(r"[\s*:_\-]", "", text)


def match_header(header: list[str], columns: tuple[Column, ...]) -> dict[str, int]:
    """Each column's position in the header; SpreadsheetError naming the required columns
    that are missing. Columns nobody asked for are ignored."""
    keys = [header_key(cell) for cell in header]
    found = {}
    for column in columns:
        wanted = {header_key(alias) for alias in column.aliases}
        for language in ("zh-hans", "en"):  # the template's own headers, in either language
            with translation.override(language):
                wanted.add(header_key(str(column.label)))
        for index, key in enumerate(keys):
            if key and key in wanted:
                found[column.field] = index
                break
    missing = [str(column.label) for column in columns
               if column.required and column.field not in found]
    if missing:
        raise SpreadsheetError(
            _("The first row must name the columns. Missing: %(columns)s. Download the "
              "template to see the headers."),
            code="missing_columns", params={"columns": "、".join(missing)},
        )
    return found


def table_records(table: Table, columns: tuple[Column, ...]) -> list[tuple[int, dict]]:
    """The rows as (line number, {field: text}); the header must name the required columns."""
    found = match_header(table.header, columns)
    records = []
    for number, cells in table.rows:
        records.append((number, {
            name: cells[index] if index < len(cells) else "" for name, index in found.items()
        }))
    if not records:
        raise SpreadsheetError(_("The file has a header row but no rows under it."),
                               code="no_rows")
    return records


def template_workbook(columns: tuple[Column, ...], *, title: str,
                      examples: dict | None = None) -> bytes:
    """An XLSX file with the columns' labels (a required one marked *) and one example row
    (``examples`` replaces some of the columns' own)."""
    examples = {column.field: column.example for column in columns} | (examples or {})
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.append([str(column.label) + (" *" if column.required else "") for column in columns])
    sheet.append([examples[column.field] for column in columns])
    for index, column in enumerate(columns):
        letter = sheet.cell(row=1, column=index + 1).column_letter
        sheet.column_dimensions[letter].width = max(14, len(str(column.label)) + 4,
                                                    len(examples[column.field]) + 4)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# --- What each row would do --------------------------------------------------------------


class Status(models.TextChoices):
    NEW = "new", _("New")
    MATCH = "match", _("Exists already")
    WRONG = "wrong", _("Wrong")


@dataclass
class RowCheck:
    """What one row of a list would do: NEW (written by the import), MATCH (a record that
    exists already: ``match``, never changed) or WRONG (``errors``: field -> messages)."""

    number: int
    values: dict
    columns: tuple = ()
    errors: dict = field(default_factory=dict)
    #: What the row refers to or adds, in words (the record that exists already...).
    notes: list = field(default_factory=list)
    match: object = None
    #: The values as the import writes them.
    cleaned: dict = field(default_factory=dict)

    @property
    def status(self) -> str:
        if self.errors:
            return Status.WRONG
        return Status.MATCH if self.match is not None else Status.NEW

    def add_error(self, name: str, message) -> None:
        self.errors.setdefault(name, []).append(str(message))

    @property
    def cells(self) -> list[tuple[str, str, list]]:
        """(label, value, errors) of each column with a value or an error, for the preview;
        the errors of no column (``""``) last."""
        shown = [(column.label, self.values.get(column.field, ""),
                  self.errors.get(column.field, [])) for column in self.columns]
        shown = [cell for cell in shown if cell[1] or cell[2]]
        if self.errors.get(""):
            shown.append(("", "", self.errors[""]))
        return shown


class ImportChanged(Exception):  # noqa: N818 - a refusal the view answers, like Http404
    """The rows no longer check as the preview showed (someone added one of the records
    meanwhile, or a write was refused): nothing was written; ``checks`` are the rows as they
    check now. Raised by the apps' import services, answered by ``core.spreadsheet_views``."""

    def __init__(self, checks):
        super().__init__("the rows changed since the preview")
        self.checks = checks


def statuses(checks: list[RowCheck]) -> list[list]:
    """What a preview showed, to compare with the rows checked again at import."""
    return [[check.number, str(check.status)] for check in checks]


def counts(checks: list[RowCheck]) -> dict:
    found = {status.value: 0 for status in Status}
    for check in checks:
        found[check.status] += 1
    return found


#: Rows a preview page lists at most: those with problems first.
PREVIEW_ROWS_SHOWN = 500
_ORDER = {Status.WRONG: 0, Status.MATCH: 1, Status.NEW: 2}


def preview_rows(checks: list[RowCheck]) -> list[RowCheck]:
    """The rows a preview lists, in the file's order: every wrong row, then the matches,
    then the new ones, up to ``PREVIEW_ROWS_SHOWN``."""
    chosen = sorted(checks, key=lambda check: (_ORDER[check.status], check.number))
    return sorted(chosen[:PREVIEW_ROWS_SHOWN], key=lambda check: check.number)


# --- Between the preview and the import ----------------------------------------------------

_SALT = "core.spreadsheets.preview"


def _session_key(kind: str) -> str:
    return f"spreadsheet_preview:{kind}"


def preview_store(request, *, kind: str, payload: dict) -> str:
    """Keep ``payload`` (JSON-able) in the person's session as their one current preview of
    ``kind``; the signed token the page sends back with "Import"."""
    token = secrets.token_urlsafe(16)
    request.session[_session_key(kind)] = {"token": token, "payload": payload}
    return signing.dumps({"kind": kind, "token": token}, salt=_SALT)


def preview_load(request, *, kind: str, signed: str) -> dict:
    """The payload of the preview the token names; SpreadsheetError if the token was
    altered, has expired, or names a preview that is no longer this session's current one."""
    stale = SpreadsheetError(
        _("This preview is no longer valid (it was replaced by another upload, has expired "
          "or was altered). Nothing has been imported: please upload the file again."),
        code="stale_preview",
    )
    try:
        claim = signing.loads(signed or "", salt=_SALT, max_age=PREVIEW_MAX_AGE)
    except signing.BadSignature as error:
        raise stale from error
    stored = request.session.get(_session_key(kind))
    if (not isinstance(claim, dict) or not stored or claim.get("kind") != kind
            or claim.get("token") != stored.get("token")):
        raise stale
    return stored["payload"]


def preview_forget(request, *, kind: str) -> None:
    request.session.pop(_session_key(kind), None)
