"""The issue list and the ranking as CSV and as Excel (openpyxl).

Rows come from the dashboard's selectors, which hold them to the user's scope. CSV is
streamed row by row (UTF-8 with a byte-order mark, which Excel needs to read Chinese);
an Excel file is written in openpyxl's write-only mode to a temporary file.

A cell that starts with ``= + - @`` would be run as a formula by a spreadsheet (CSV
injection): in CSV such text gets a leading apostrophe, in Excel it is stored as text.
Text stored before every form checked it may hold control characters, which no XML (so no
Excel file) can hold: every text cell goes through ``core.validators.printable_text``,
so one old row cannot break the export. A failed Excel export leaves no file behind.
"""

import contextlib
import csv
import os
import tempfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from core.validators import printable_text
from dashboard.figures import RankingRow
from issues.models import Issue

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: The most issues an Excel file holds (CSV has no limit); larger exports ask for CSV.
EXCEL_MAX_ROWS = 100_000


def issue_columns() -> list[str]:
    return [_("Reference"), _("Title"), _("Category"), _("Region"), _("Enterprise"),
            _("Source"), _("Status"), _("Lead department"), _("Round"), _("Submitted"),
            _("Dispatched"), _("Accepted"), _("Due"), _("Answered"), _("Closed"),
            _("Latest rating"), _("Overdue")]


def _local(moment: datetime | None):
    return timezone.localtime(moment).replace(tzinfo=None) if moment else None


def issue_values(issue: Issue, *, today: date) -> list:
    overdue = bool(issue.status in Issue.WITH_DEPARTMENT_STATUSES and issue.due_on
                   and issue.due_on < today)
    return [
        issue.reference, issue.title, str(issue.category), str(issue.region),
        issue.enterprise.name, issue.get_source_display(), issue.get_status_display(),
        str(issue.lead_department) if issue.lead_department else "", issue.round,
        _local(issue.submitted_at), _local(issue.dispatched_at), _local(issue.accepted_at),
        issue.due_on, _local(issue.resolved_at), _local(issue.closed_at),
        issue.get_latest_rating_display() if issue.latest_rating else "",
        _("yes") if overdue else _("no"),
    ]


def ranking_columns(*, first: str) -> list[str]:
    """The ranking's columns, then the satisfaction split by the rating's channel and the
    回访 rate (``dashboard.definitions``)."""
    return [first, _("Issues led"), _("Issues assisted"), _("Response rate (%)"),
            _("Resolution rate (%)"), _("On-time rate (%)"), _("Satisfaction rate (%)"),
            _("Average working days to resolve"), _("Overdue now"),
            _("Rated online"), _("Satisfaction rate, online (%)"),
            _("Rated by SMS link"), _("Satisfaction rate, SMS link (%)"),
            _("Rated by phone (回访)"), _("Satisfaction rate, phone (%)"),
            _("Follow-up call rate, 回访 (%)")]


def ranking_values(row: RankingRow) -> list:
    by_channel = []
    for channel in row.channels:
        by_channel += [channel.rated, channel.satisfaction_rate]
    return [row.name, row.led, row.assisted, row.response_rate, row.resolution_rate,
            row.on_time_rate, row.satisfaction_rate, row.average_days, row.overdue,
            *by_channel, row.call_rate]


# --- File names ------------------------------------------------------------------------------

#: Every export's name starts with the programme's.
FILE_PREFIX = "huzhou-talks"


def file_name(what: str, filters, extension: str) -> str:
    """The file's name says what it holds: ``what`` (``issues``, ``ranking-departments``…),
    then the scope (a county's code; nothing for the whole city), the category and the lead
    department when narrowed to one, and the period: ``2026-11`` for one month,
    ``2026-09-to-2026-11``, ``from-2026-09``, ``to-2026-11`` or ``all-time``. ASCII only
    (the codes are slugs), e.g. ``huzhou-talks-ranking-counties-2026-11.csv``."""
    parts = [FILE_PREFIX, what]
    if filters.region is not None:
        parts.append(filters.region.code)
    if filters.category is not None:
        parts.append(f"category-{filters.category.code}")
    if filters.department is not None:
        parts.append(f"department-{filters.department.code}")
    start, end = filters.month_from, filters.month_to
    if start and end:
        parts.append(f"{start:%Y-%m}" if start == end else f"{start:%Y-%m}-to-{end:%Y-%m}")
    elif start:
        parts.append(f"from-{start:%Y-%m}")
    elif end:
        parts.append(f"to-{end:%Y-%m}")
    else:
        parts.append("all-time")
    return "-".join(parts) + "." + extension


# --- CSV -------------------------------------------------------------------------------------

def _csv_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if not isinstance(value, str):
        return str(value)
    text = printable_text(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


class _Echo:
    def write(self, value):
        return value


def csv_lines(header: list[str], rows: Iterable[list]) -> Iterator[str]:
    """The CSV file line by line, starting with the byte-order mark."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(header)
    for row in rows:
        yield writer.writerow([_csv_text(value) for value in row])


# --- Excel -----------------------------------------------------------------------------------

def _cell(sheet, value, *, bold=False):
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, str):
        value = printable_text(value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever the text starts with
    if isinstance(value, datetime):
        cell.number_format = "yyyy-mm-dd hh:mm"
    elif isinstance(value, date):
        cell.number_format = "yyyy-mm-dd"
    if bold:
        cell.font = Font(bold=True)
    return cell


def workbook_file(sheets: list[tuple[str, list[str], Iterable[list]]]):
    """An .xlsx file (an open temporary file, at its start) with one sheet per
    (title, header, rows)."""
    book = Workbook(write_only=True)
    output = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
    try:
        for title, header, rows in sheets:
            sheet = book.create_sheet(title=title[:31])
            sheet.freeze_panes = "A2"
            sheet.append([_cell(sheet, name, bold=True) for name in header])
            for row in rows:
                sheet.append([_cell(sheet, value) for value in row])
        book.save(output)
    except BaseException:
        output.close()
        raise
    finally:
        _remove_sheet_files(book)
    output.seek(0)
    return output


def _remove_sheet_files(book: Workbook) -> None:
    """Each write-only sheet is written to a named temporary file (``openpyxl.*.xml``) that
    only a save that succeeds removes (or the process's exit): remove what is left."""
    for sheet in book.worksheets:
        writer = getattr(sheet, "_writer", None)
        if writer is None or not isinstance(writer.out, str):
            continue
        with contextlib.suppress(Exception):  # a sheet cut off mid-row cannot close cleanly
            if getattr(sheet, "_rows", None) is not None:
                sheet._rows.close()
            writer.close()
        if os.path.exists(writer.out):
            writer.cleanup()
