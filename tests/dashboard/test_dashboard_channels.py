"""Satisfaction by the rating's channel (online, the SMS link, phone) and the 回访 rate
(answered issues with a follow-up call that reached the person): defined once
(``dashboard.definitions``), kept by the rollups like every other figure, and shown on the
dashboard, the monthly bulletin and the ranking export, never on the public page."""

from datetime import date
from decimal import Decimal

import pytest

from core.signals import snapshot
from dashboard import rollups
from dashboard.definitions import MEASURES, contribution
from dashboard.selectors import public_figures
from issues.models import Issue, RatingValue
from issues.signals import issue_changed
from issues.workflow import (
    issue_accept,
    issue_dispatch,
    issue_rate,
    issue_rate_by_link,
    issue_rate_by_phone,
    issue_resolve,
    issue_submit,
)
from tests.dashboard.screens import (
    BULLETIN_URL,
    INDEX_URL,
    PUBLIC_URL,
    RANKING_CSV,
    figure,
    log_in,
    read_csv,
    section,
    text_of,
)
from tests.helpers import at, fresh, on
from tests.worlds import workflow_world

pytestmark = pytest.mark.django_db

S = Issue.Status
SUBMITTED = at(date(2026, 9, 7), 10)


def measures(*, status=S.CLOSED, rating="", channel="", called=None) -> dict:
    """What one issue, answered on 9 September unless it is still open, contributes."""
    resolved = at(date(2026, 9, 9), 15) if status in (S.RESOLVED, S.CLOSED) else None
    values = (1, 2, 3, SUBMITTED, status, SUBMITTED, SUBMITTED, date(2026, 9, 8), resolved,
              date(2026, 9, 14), rating, channel, called)
    return dict(zip(MEASURES, contribution(values).measures, strict=True))


# --- The definitions -----------------------------------------------------------------------

def test_a_satisfied_rating_by_link_counts_for_the_link_and_in_the_totals():
    found = measures(rating=RatingValue.SATISFIED, channel="link")
    assert (found["rated"], found["satisfied"]) == (1, 1)
    assert (found["rated_link"], found["satisfied_link"]) == (1, 1)
    assert [found[name] for name in ("rated_online", "satisfied_online", "rated_phone",
                                     "satisfied_phone")] == [0, 0, 0, 0]


def test_a_dissatisfied_rating_by_phone_is_rated_by_phone_not_satisfied():
    found = measures(rating=RatingValue.DISSATISFIED, channel="phone")
    assert (found["rated"], found["satisfied"]) == (1, 0)
    assert (found["rated_phone"], found["satisfied_phone"]) == (1, 0)
    assert found["rated_link"] == found["rated_online"] == 0


def test_a_rating_stored_before_channels_were_recorded_counts_as_online():
    found = measures(rating=RatingValue.BASICALLY_SATISFIED, channel="")
    assert (found["rated_online"], found["satisfied_online"]) == (1, 1)


def test_an_unrated_issue_counts_in_no_channel():
    found = measures(status=S.RESOLVED)
    assert not any(found[name] for name in MEASURES if name.startswith(("rated", "satisfied")))


def test_a_call_counts_for_the_follow_up_rate_only_once_the_issue_is_answered():
    called = at(date(2026, 9, 11), 10)
    assert measures(status=S.CLOSED, rating="satisfied", called=called)["called"] == 1
    assert measures(status=S.RESOLVED, called=called)["called"] == 1
    # Reopened and back with the department: no longer answered, so not counted.
    reopened = measures(status=S.SUBMITTED, called=called)
    assert (reopened["resolved"], reopened["called"]) == (0, 0)
    assert measures(status=S.CLOSED, rating="satisfied")["called"] == 0


# --- Through the workflow: the rows stay equal to a fresh count ----------------------------

@pytest.fixture
def flow(settings):
    """``tests.worlds.workflow_world``: a county, its departments and coordinator, and an
    entrepreneur with an account."""
    settings.ISSUE_MAX_ROUNDS = 2
    return workflow_world()


def answered(w, day: date = date(2026, 9, 30)) -> Issue:
    users = w.users
    with on(day, 9):
        issue = issue_submit(actor=users["entrepreneur"], title="用地指标",
                             description="厂房扩建。", category=w.category)
        issue = issue_dispatch(actor=users["coordinator"], issue=issue, version=issue.version,
                               lead_department=w.lead_department)
    with on(date(2026, 10, 8), 11):
        issue = issue_accept(actor=users["handler"], issue=fresh(issue),
                             version=fresh(issue).version)
        return issue_resolve(actor=users["handler"], issue=fresh(issue),
                             version=fresh(issue).version, reply="已答复。")


def in_step() -> None:
    assert rollups.stored_counts() == rollups.fresh_counts()
    assert rollups.stored_summary_counts() == rollups.summarise(rollups.fresh_counts()[0])


def call_reached(issue: Issue, when) -> None:
    """A 回访 call that reached the person, recorded as a writer records it: the row as
    loaded, the change, the save, and the domain signal with what the row held before."""
    loaded = fresh(issue)
    before = snapshot(loaded)
    loaded.last_called_at = when
    loaded.save(update_fields=["last_called_at"])
    issue_changed.send(sender=Issue, issue=loaded, before=before)


def test_ratings_by_link_and_by_phone_move_the_channel_figures(flow):
    world = flow
    by_link, by_phone, online, unrated = (answered(world) for _ in range(4))
    with on(date(2026, 10, 9), 10):
        issue_rate_by_link(issue_id=by_link.pk, round=1, value=RatingValue.SATISFIED)
        issue_rate_by_phone(actor=world.users["coordinator"], issue=fresh(by_phone),
                            version=fresh(by_phone).version, value=RatingValue.DISSATISFIED,
                            reason="handling", comment="电话回访：仍未解决。")
        issue_rate(actor=world.users["entrepreneur"], issue=fresh(online),
                   version=fresh(online).version, value=RatingValue.BASICALLY_SATISFIED)
    in_step()
    with on(date(2026, 10, 9), 12):
        issues = public_figures().issues
    assert (issues.rated, issues.satisfied) == (3, 2)
    assert [(c.channel, c.rated, c.satisfied) for c in issues.channels] == [
        ("online", 1, 1), ("link", 1, 1), ("phone", 1, 0)]
    assert [c.satisfaction_rate for c in issues.channels] == [
        Decimal("100.00"), Decimal("100.00"), Decimal("0.00")]
    # The phone rating was dissatisfied: the issue went back to the department for a new
    # round, so it is no longer answered, and three of the four are.
    assert fresh(by_phone).status in Issue.OPEN_STATUSES
    assert issues.resolved == 3
    assert fresh(unrated).latest_rating_channel == ""


def test_the_follow_up_rate_is_answered_issues_with_a_call_that_reached_the_person(flow):
    world = flow
    issues = [answered(world) for _ in range(4)]
    with on(date(2026, 10, 9), 10):
        issue_rate_by_link(issue_id=issues[0].pk, round=1, value=RatingValue.SATISFIED)
    # Calls on two answered issues (one closed, one awaiting its rating).
    call_reached(issues[0], at(date(2026, 10, 12), 10))
    call_reached(issues[1], at(date(2026, 10, 12), 11))
    in_step()
    with on(date(2026, 10, 12), 12):
        figures = public_figures().issues
    assert (figures.called, figures.resolved, figures.call_rate) == (2, 4, Decimal("50.00"))
    # A second call on the same issue changes nothing; the rows follow a recount too.
    call_reached(issues[1], at(date(2026, 10, 13), 9))
    in_step()
    before = rollups.stored_counts()
    rollups.rebuild()
    assert rollups.stored_counts() == before
    # Rated dissatisfied by phone afterwards: reopened, not answered, so no longer counted.
    with on(date(2026, 10, 13), 10):
        issue_rate_by_phone(actor=world.users["coordinator"], issue=fresh(issues[1]),
                            version=fresh(issues[1]).version, value=RatingValue.DISSATISFIED,
                            reason="handling")
    in_step()
    with on(date(2026, 10, 13), 12):
        figures = public_figures().issues
    assert (figures.called, figures.resolved) == (1, 3)
    assert figures.call_rate == Decimal("33.33")


# --- On the pages --------------------------------------------------------------------------
# The ``world`` of tests/dashboard/conftest.py (``tests.worlds.dashboard_world``): W1 rated
# satisfied by the SMS link and called back, A1 rated dissatisfied by phone; three issues
# answered.

@pytest.mark.usefixtures("english")
def test_the_dashboard_shows_the_channel_split_and_the_follow_up_rate(client, world):
    page = text_of(log_in(client, world, "leader").get(INDEX_URL))
    assert [figure(page, f"satisfaction-{channel}") for channel in ("online", "link", "phone")
            ] == ["—", "100.00%", "0.00%"]
    assert figure(page, "call-rate") == "33.33%"
    split = section(page, "channel-figures", end="</section>")
    for text in ("satisfaction rate (online)", "satisfaction rate (SMS link)",
                 "satisfaction rate (phone, 回访)", "follow-up call rate (回访率)",
                 "1 of 1 rated", "0 of 1 rated", "1 of 3 answered reached by a call"):
        assert text in split, text
    # The headline's own satisfaction is unchanged: every channel together.
    assert figure(page, "satisfaction") == "50.00%"


def test_the_dashboard_speaks_chinese(client, world):
    page = text_of(log_in(client, world, "leader").get(INDEX_URL,
                                                       HTTP_ACCEPT_LANGUAGE="zh-hans"))
    split = section(page, "channel-figures", end="</section>")
    for text in ("满意率（在线）", "满意率（短信链接）", "满意率（电话回访）", "回访率",
                 "已答复3个，其中已回访1个"):
        assert text in split, text
    assert "按期" not in split  # the 回访 rate's detail is not the on-time rate's
    assert "分渠道满意率与回访率" in page


@pytest.mark.usefixtures("english")
def test_the_bulletin_shows_the_split_for_the_month_and_since_the_start(client, world):
    page = text_of(log_in(client, world, "leader").get(BULLETIN_URL, {"month": "2026-09"}))
    month = section(page, "bulletin-month-figures", end="</section>\n</div>")
    assert "follow-up call rate (回访率)" in month
    # September: W1 (link, called) and A1 (phone) were answered; W2 came in October.
    assert figure(month, "call-rate") == "50.00%"
    assert figure(month, "satisfaction-link") == "100.00%"
    assert figure(month, "satisfaction-phone") == "0.00%"


def test_the_ranking_export_has_the_channel_and_follow_up_columns_in_chinese(client, world):
    rows = read_csv(log_in(client, world, "leader").get(RANKING_CSV,
                                                        HTTP_ACCEPT_LANGUAGE="zh-hans"))
    assert rows[0][-7:] == ["在线评价数", "满意率（在线，%）", "短信链接评价数",
                            "满意率（短信链接，%）", "电话回访评价数", "满意率（电话回访，%）",
                            "回访率（%）"]


@pytest.mark.usefixtures("english")
def test_the_public_page_keeps_its_meaning(client, world):
    page = text_of(client.get(PUBLIC_URL))
    assert "call-rate" not in page and "satisfaction-link" not in page
    assert figure(page, "satisfaction") == "50.00%"

