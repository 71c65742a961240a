"""The venue's paper: the sign-in sheet (签到表) printed on A4 for the table at the door."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from sessions.selectors import sign_in_sheet as sheet_for
from sessions.views.common import _managed

#: Empty numbered rows after the people expected, for walk-ins to sign.
BLANK_ROWS = 10


@login_required
@require_GET
def sign_in_sheet(request, pk: int):
    """For the session's coordinators (as the check-in list): the title block, then one row
    per person expected (name, enterprise, masked mobile, a space to sign) and blank rows.
    Printed with the browser's own Print; the page's print style sets A4."""
    sheet = sheet_for(session=_managed(request, pk))
    first_blank = len(sheet.rows) + 1
    return render(request, "sessions/sign_in_sheet.html", {
        "sheet": sheet, "session": sheet.session,
        "blank_rows": range(first_blank, first_blank + BLANK_ROWS),
    })
