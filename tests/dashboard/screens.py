"""What the dashboard screens' tests share: the URLs and headers, and reading the pages,
the CSV files and the workbooks as a person would."""

import csv
import html
import io
import re
from datetime import datetime

import openpyxl
from django.urls import reverse

from issues.models import Issue
from tests.worlds import DashboardWorld as World

S = Issue.Status
INDEX_URL = reverse("dashboard:index")
RANKING_URL = reverse("dashboard:ranking")
OVERDUE_URL = reverse("dashboard:overdue")
BULLETIN_URL = reverse("dashboard:bulletin")
PUBLIC_URL = reverse("public_figures")
ISSUES_CSV = reverse("dashboard:export_issues", kwargs={"fmt": "csv"})
ISSUES_XLSX = reverse("dashboard:export_issues", kwargs={"fmt": "xlsx"})
RANKING_CSV = reverse("dashboard:export_ranking", kwargs={"fmt": "csv"})
RANKING_XLSX = reverse("dashboard:export_ranking", kwargs={"fmt": "xlsx"})

ISSUE_HEADER = ["Reference", "Title", "Category", "Region", "Enterprise", "Source", "Status",
                "Lead department", "Round", "Submitted", "Dispatched", "Accepted", "Due",
                "Answered", "Closed", "Latest rating", "Overdue"]
RANKING_HEADER = ["Issues led", "Issues assisted", "Response rate (%)",
                  "Answer rate (%)", "On-time rate (%)", "Satisfaction rate (%)",
                  "Average working days to answer", "Overdue now", "Rated online",
                  "Satisfaction rate, online (%)", "Rated by SMS link",
                  "Satisfaction rate, SMS link (%)", "Rated by phone (回访)",
                  "Satisfaction rate, phone (%)", "Follow-up call rate, 回访 (%)"]


# --- Reading the pages --------------------------------------------------------------------

def text_of(response) -> str:
    return response.content.decode()


def figure(page: str, key: str) -> str:
    found = re.search(rf'data-testid="figure-{key}">([^<]*)<', page)
    assert found, f"no figure {key} on the page"
    return found[1].strip()


def figures(page: str, *keys: str) -> dict:
    return {key: figure(page, key) for key in keys}


def section(page: str, testid: str, end: str = "</table>") -> str:
    assert f'data-testid="{testid}"' in page, f"no {testid} on the page"
    return page.split(f'data-testid="{testid}"', 1)[1].split(end, 1)[0]


def ranking_rows(page: str, testid: str) -> list[dict]:
    """The ranking table's rows: the name and each column's text."""
    rows = []
    for chunk in section(page, testid).split("<tr data-pk=")[1:]:
        name = re.search(r'<th scope="row">([^<]*)</th>', chunk)[1]
        cells = dict(re.findall(r'data-col="(\w+)">([^<]*)<', chunk))
        rows.append({"name": html.unescape(name), **cells})
    return rows


def log_in(client, world: World, who: str):
    client.force_login(world.users[who])
    return client


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body.startswith(b"\xef\xbb\xbf"), "Excel needs the byte-order mark to read Chinese"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def read_xlsx(response):
    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    body = b"".join(response.streaming_content)
    return openpyxl.load_workbook(io.BytesIO(body))


def sheet_values(sheet) -> list[list]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def as_date(value):
    return value.date() if isinstance(value, datetime) else value


#: The ranking of ``tests.worlds.dashboard_world``, as the exports and the page give it.
#: After the overdue count: rated and satisfaction online, by the SMS link, by phone, and
#: the 回访 rate. W1 was rated by link (and called back), A1 by phone.
NO_CHANNEL = [0, None, 0, None, 0, None, None]
DEPARTMENT_RANKING = [
    # name, led, assisted, response, resolution, on time, satisfaction, days, overdue, …
    ["Economy Bureau", 2, 0, 50.0, 100.0, 50.0, 100.0, 4.0, 0, 0, None, 1, 100.0, 0, None,
     50.0],
    ["Market Bureau", 2, 1, 50.0, 50.0, 100.0, 0.0, 2.0, 1, 0, None, 0, None, 1, 0.0, 0.0],
    # No issue to rate: last, by name.
    ["Anji United Front Department", 0, 0, None, None, None, None, None, 0, *NO_CHANNEL],
    ["United Front Department", 0, 0, None, None, None, None, None, 0, *NO_CHANNEL],
]
COUNTY_RANKING = [
    ["Wuxing", 3, 0, 33.33, 66.67, 50.0, 100.0, 4.0, 1, 0, None, 1, 100.0, 0, None, 50.0],
    ["Anji", 2, 0, 100.0, 50.0, 100.0, 0.0, 2.0, 0, 0, None, 0, None, 1, 0.0, 0.0],
]
