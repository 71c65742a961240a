"""The bulletin as a validator, a screen reader and a coordinator choosing a month meet it:
every id once, ranking tables whose every number column is named with its unit (on screen
and printed), and only the months a bulletin is out for: a month not over yet or before the
programme's first record is refused with the reason, never shown as a bulletin of zeros.

The world is ``tests.worlds.dashboard_world``: its first records are of September 2026.
"""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.utils import timezone

from dashboard.models import IssueRollup
from sessions.models import TalkSession
from tests.dashboard.html_reading import PageParts
from tests.dashboard.screens import (
    BULLETIN_URL,
    INDEX_URL,
    OVERDUE_URL,
    RANKING_URL,
    log_in,
    section,
    text_of,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

RANKING_HEADERS = ["Department", "Issues led", "Issues assisted", "Response rate (%)",
                   "Answer rate (%)", "On-time rate (%)", "Satisfaction rate (%)",
                   "Average working days to answer", "Overdue now"]


def last_full_month():
    return (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)


def next_month(month):
    return (month + timedelta(days=32)).replace(day=1)


# --- Valid HTML: ids, month inputs, times ----------------------------------------------------

@pytest.mark.parametrize(("url", "query"), [
    (BULLETIN_URL, {"month": "2026-10"}), (INDEX_URL, {}), (RANKING_URL, {}), (OVERDUE_URL, {}),
], ids=["bulletin", "index", "ranking", "overdue"])
def test_every_id_is_used_once_and_month_inputs_have_no_placeholder(client, world, url, query):
    parts = PageParts(text_of(log_in(client, world, "leader").get(url, query)))
    assert parts.duplicate_ids() == []
    months = [attrs for tag, attrs in parts.elements
              if tag == "input" and attrs.get("type") == "month"]
    assert months, "the page offers a month to choose"
    assert all("placeholder" not in attrs for attrs in months)


def test_the_bulletins_date_is_a_valid_time_element(client, world):
    page = text_of(log_in(client, world, "leader").get(BULLETIN_URL, {"month": "2026-10"}))
    times = [attrs["datetime"] for tag, attrs in PageParts(page).elements if tag == "time"]
    assert times == [f"{timezone.localdate():%Y-%m-%d}"]


# --- The ranking tables' headers ---------------------------------------------------------------

def test_the_bulletins_ranking_tables_name_every_column_and_row(client, world):
    parts = PageParts(text_of(log_in(client, world, "leader").get(BULLETIN_URL,
                                                                  {"month": "2026-10"})))
    departments = parts.table("bulletin-department-ranking")
    counties = parts.table("bulletin-county-ranking")
    for table, first, columns in [(departments, "Department", RANKING_HEADERS[1:]),
                                  (counties, "County", ["Issues collected",
                                                        *RANKING_HEADERS[3:]])]:
        (header,) = table.head
        assert [cell.text.strip() for cell in header] == [first, *columns]
        assert all(cell.tag == "th" and cell.attrs.get("scope") == "col" for cell in header)
        assert table.body
        for row in table.body:
            # As many header cells as cells in each row: no number column without a name.
            assert len(row) == len(header)
            assert row[0].tag == "th" and row[0].attrs.get("scope") == "row"
            assert all(cell.tag == "td" for cell in row[1:])
        # A caption anyone sees (and that prints), saying what and when.
        assert "October 2026" in table.caption
        assert "visually-hidden" not in table.caption_attrs.get("class", "")
    assert "Departments" in departments.caption and "Counties" in counties.caption


def test_the_ranking_page_names_every_column_with_its_unit(client, world):
    parts = PageParts(text_of(log_in(client, world, "leader").get(RANKING_URL)))
    (header,) = parts.table("department-ranking").head
    assert [cell.text.strip() for cell in header] == RANKING_HEADERS
    assert all(len(row) == len(header) for row in parts.table("department-ranking").body)


def test_printed_the_ranking_keeps_its_header_row_on_every_page():
    with open(finders.find("css/dashboard.css"), encoding="utf-8") as stylesheet:
        css = stylesheet.read()
    printed = css[css.index("@media print"):]
    assert re.search(r"\.ranking thead \{\s*display: table-header-group;", printed)
    # Nothing in print hides the header cells.
    assert not re.search(r"\.ranking thead[^{]*\{[^}]*display: none", printed)


def test_the_overdue_and_supervised_tables_head_each_row_with_its_reference(client, world):
    log_in(client, world, "coordinator")
    for url, query, testid in [(OVERDUE_URL, {}, "overdue-table"),
                               (BULLETIN_URL, {"month": "2026-10"}, "bulletin-supervised")]:
        table = PageParts(text_of(client.get(url, query))).table(testid)
        assert all(cell.attrs.get("scope") == "col" for cell in table.head[0])
        assert [row[0].attrs.get("scope") for row in table.body] == ["row"] * len(table.body)
        assert world.issues["W3"].reference in table.body[0][0].text


# --- Which months have a bulletin -------------------------------------------------------------

@pytest.mark.parametrize("months_ahead", [0, 1, 4], ids=["this-month", "next-month",
                                                         "months-ahead"])
def test_a_month_not_over_yet_is_refused_with_a_link_to_the_latest(client, world,
                                                                  months_ahead):
    latest = last_full_month()
    month = next_month(latest)
    for _ in range(months_ahead):
        month = next_month(month)
    response = log_in(client, world, "coordinator").get(BULLETIN_URL,
                                                        {"month": f"{month:%Y-%m}"})
    assert response.status_code == 400
    page = text_of(response)
    refused = section(page, "bulletin-refused", "</div>")
    assert (f"The bulletin for {month:%B %Y} is not out yet: a month's bulletin comes out "
            f"once the month is over. The latest is for {latest:%B %Y}.") in refused.replace(
                "&#x27;", "'")
    assert f'href="?month={latest:%Y-%m}"' in refused
    # No bulletin of zeros: no figures, no ranking, nothing to print.
    for testid in ("bulletin-month-figures", "bulletin-department-ranking",
                   "bulletin-supervised-count", "figure-collected"):
        assert f'data-testid="{testid}"' not in page
    assert "data-print" not in page
    # What was asked stays on the form, marked.
    assert re.search(rf'is-invalid"[^>]*value="{month:%Y-%m}" aria-invalid="true"', page)


def test_a_month_before_the_programmes_first_record_is_refused(client, world):
    response = log_in(client, world, "leader").get(BULLETIN_URL, {"month": "2026-08"})
    assert response.status_code == 400
    refused = section(text_of(response), "bulletin-refused", "</div>")
    assert ("There is no bulletin for August 2026: the programme&#x27;s first records are "
            "of September 2026.") in refused
    assert 'href="?month=2026-09"' in refused
    assert 'data-testid="bulletin-month-figures"' not in text_of(response)


def test_the_first_month_is_out_with_no_link_before_it(client, world):
    response = log_in(client, world, "leader").get(BULLETIN_URL, {"month": "2026-09"})
    assert response.status_code == 200
    page = text_of(response)
    assert 'rel="prev"' not in page
    assert 'href="?month=2026-10" rel="next"' in page


def test_the_refusal_speaks_chinese(client, world):
    client.defaults.pop("HTTP_ACCEPT_LANGUAGE")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    month = next_month(next_month(last_full_month()))
    page = text_of(log_in(client, world, "coordinator").get(BULLETIN_URL,
                                                            {"month": f"{month:%Y-%m}"}))
    assert f"{month.year}年{month.month}月的月度通报尚未发布" in page


def test_before_the_first_bulletin_is_out_the_page_says_so(client, world):
    # The programme began this month: its records are all of the month under way.
    IssueRollup.objects.all().delete()
    now = timezone.now()
    TalkSession.objects.update(starts_at=now, ends_at=now + timedelta(hours=2))
    today = timezone.localdate()
    response = log_in(client, world, "coordinator").get(BULLETIN_URL)
    assert response.status_code == 200
    page = text_of(response)
    assert ("No bulletin is out yet: the programme's first records are of "
            f"{today:%B %Y}, and a month's bulletin comes out once the month is over."
            ) in section(page, "bulletin-none-yet", "</p>")
    assert 'data-testid="bulletin-month-figures"' not in page
    assert 'rel="prev"' not in page and 'rel="next"' not in page
