"""The exports stay whole whatever an old row holds: a title stored with a control
character (before every form refused them) still exports, as a workbook Excel opens, and a
failed Excel export leaves no file behind in the temporary folder."""

import tempfile
from datetime import date

import pytest
from django.test import Client

from dashboard import exports
from tests.dashboard.screens import (
    ISSUES_CSV,
    ISSUES_XLSX,
    RANKING_XLSX,
    log_in,
    read_csv,
    read_xlsx,
    sheet_values,
)
from tests.factories import IssueFactory
from tests.helpers import at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

#: What an old row may hold: C0 controls, a form feed, a vertical tab, a line break.
OLD_TITLE = "停车\x01难\x0b问题\x1f\x0c\r\n=SUM(A1)"


@pytest.fixture
def old_row(world):
    return IssueFactory(enterprise=world.enterprises["anji"], title=OLD_TITLE,
                        category=world.land, submitted_at=at(date(2026, 10, 30), 9))


def test_a_title_with_control_characters_exports_as_a_readable_workbook(client, world,
                                                                        old_row):
    log_in(client, world, "leader")
    response = client.get(ISSUES_XLSX)
    assert response.status_code == 200
    rows = sheet_values(read_xlsx(response)["Issues"])
    [title] = [row[1] for row in rows if row[0] == old_row.reference]
    assert title == "停车难问题\n=SUM(A1)"
    assert len(rows) == 1 + 6  # the old row did not cut the others off


def test_a_title_with_control_characters_exports_as_csv_without_them(client, world, old_row):
    rows = read_csv(log_in(client, world, "leader").get(ISSUES_CSV))
    [title] = [row[1] for row in rows if row[0] == old_row.reference]
    assert title == "停车难问题\n=SUM(A1)"


def test_a_control_character_that_hid_a_formula_does_not_dodge_the_guard(client, world):
    issue = IssueFactory(enterprise=world.enterprises["anji"], title="\x01=cmd|'/c calc'!A1",
                         category=world.land, submitted_at=at(date(2026, 10, 30), 9))
    rows = read_csv(log_in(client, world, "leader").get(ISSUES_CSV))
    [title] = [row[1] for row in rows if row[0] == issue.reference]
    assert title == "'=cmd|'/c calc'!A1"


@pytest.fixture
def temporary_folder(tmp_path, monkeypatch):
    """The temporary folder of the process, empty at the start, for this test alone."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


def test_a_failed_excel_export_leaves_no_file_behind(client, world, temporary_folder,
                                                     monkeypatch):
    """The ranking's workbook fails on its second sheet, the first one written."""
    written = exports._cell

    def cell_failing_on_a_county(sheet, value, **kwargs):
        if value == "Anji":
            raise RuntimeError("a cell that cannot be written")
        return written(sheet, value, **kwargs)

    monkeypatch.setattr(exports, "_cell", cell_failing_on_a_county)
    client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="en")
    log_in(client, world, "leader")
    assert list(temporary_folder.iterdir()) == []

    for _attempt in range(3):
        assert client.get(RANKING_XLSX).status_code == 500

    assert list(temporary_folder.iterdir()) == []
    monkeypatch.setattr(exports, "_cell", written)  # a good export leaves none either
    assert read_xlsx(client.get(RANKING_XLSX)).sheetnames == ["Departments", "Counties"]
    assert list(temporary_folder.iterdir()) == []


def test_a_workbook_whose_rows_fail_midway_leaves_no_file_behind(temporary_folder):
    def rows():
        yield ["HZ-1", "first"]
        raise ConnectionError("the database went away mid-export")

    with pytest.raises(ConnectionError):
        exports.workbook_file([("Issues", ["Reference", "Title"], rows())])
    assert list(temporary_folder.iterdir()) == []
