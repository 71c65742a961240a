"""The dashboard's headline figures, checked against a programme small enough to count by
hand, built through the real workflow and session services on chosen days (time_machine).

The dates are the State Council's 2026 schedule: National Day runs from Thursday 1 to
Wednesday 7 October, Saturday 10 October is a make-up working day and Sunday the 11th is
not. So an issue dispatched on Wednesday 30 September must be accepted by Thursday
8 October (one working day) and answered by Tuesday 13 October (five: 8, 9, 10, 12, 13).

The programme (every issue submitted on 30 September at 09:00 and, unless it says
otherwise, dispatched at 10:00; departments A and B lead, C assists; county 1 is "near",
county 2 "far"):

====  ======  ====  ====  ==========================================================
no.   county  cat.  lead  story
====  ======  ====  ====  ==========================================================
I1    near    1     A     C assists; accepted 8 Oct (the accept-by day), answered 13 Oct
                          (the due date), rated satisfied                 5 working days
I2    near    1     A     accepted 9 Oct (a day late), answered 14 Oct (a day late),
                          never rated                                     6 working days
I3    near    1     A     never accepted: overdue from 14 October
I4    near    2     A     accepted 8 Oct, answered 9 Oct, rated dissatisfied: round 2
                          due 15 Oct; accepted 10 Oct (its accept-by day), answered
                          12 Oct, rated satisfied                         4 working days
I5    near    1     A     accepted and answered 8 Oct; closed unrated on 21 Oct
                                                                          1 working day
I6    near    1     —     rejected
I7    near    1     —     a duplicate of I1
I8    far     1     —     submitted, never dispatched
I9    far     2     B     C assists; accepted 8 Oct, answered 9 Oct, rated basically
                          satisfied                                       2 working days
I10   far     2     B     accepted 9 Oct (late), answered 9 Oct, dissatisfied; round 2
                          accepted 12 Oct (late: due by 10 Oct), answered 12 Oct (due
                          15 Oct), dissatisfied again: the coordinator closes it
                                                                          4 working days
I11   near    1     A     B assists; accepted 8 Oct, in progress: overdue from 14 Oct
====  ======  ====  ====  ==========================================================

Sessions: S1 (near) on Wednesday 30 September and S2 (far) on Thursday 1 October, both in
the edition of the week of 28 September but in two months; S3 (near) on 14 October;
a far session in the week of 19 October is cancelled and a near one on 28 October is only
planned. P1 attends S1 and S2; P3 attends S1 and S3; P2 attends S2; P4 registered for S1
but did not come.

The figures are read on Thursday 22 October unless a test says otherwise.
"""

from dataclasses import asdict
from decimal import Decimal
from types import SimpleNamespace

import pytest

from dashboard.rollups import fresh_counts, stored_counts
from dashboard.selectors import (
    average,
    overdue_issues_page_for_user,
    percent,
    public_figures,
)
from issues.models import RatingValue
from issues.workflow import issue_close
from tests.dashboard.programme import (
    READ_ON,
    R,
    S,
    figures_on,
    oct_,
    story,
)
from tests.factories import (
    CategoryFactory,
    DepartmentFactory,
    EnterpriseFactory,
    EntrepreneurFactory,
    OfficialFactory,
    RegionFactory,
    UserFactory,
    scoped_filters,
)
from tests.helpers import fresh, on

pytestmark = pytest.mark.django_db

# --- The programme went as the table says ---------------------------------------------------


def test_the_programme_went_as_the_table_says(programme):
    status = {n: issue.status for n, issue in programme.issues.items()}
    assert status == {1: S.CLOSED, 2: S.RESOLVED, 3: S.DISPATCHED, 4: S.CLOSED,
                      5: S.CLOSED_UNRATED, 6: S.REJECTED, 7: S.DUPLICATE, 8: S.SUBMITTED,
                      9: S.CLOSED, 10: S.CLOSED, 11: S.IN_PROGRESS}
    assert [programme.issues[n].round for n in (4, 10)] == [2, 2]
    assert programme.issues[4].accept_due_on == oct_(10)
    assert programme.issues[10].due_on == oct_(15)
    # The per-save upkeep kept the rows equal to a fresh count all along.
    assert stored_counts() == fresh_counts()


# --- Sessions --------------------------------------------------------------------------------


def test_session_figures_count_held_sessions_and_the_people_who_came(programme):
    figures = figures_on()
    # Three sessions held in two editions (the cancelled and the planned session's
    # editions do not count); P1 twice, P3 twice, P2 once; P4 was absent.
    assert asdict(figures.sessions) == {"editions": 2, "sessions_held": 3, "attendances": 5,
                                        "entrepreneurs": 3}
    assert figures.sessions_filtered is True


def test_session_figures_by_county(programme):
    near = figures_on(filters=scoped_filters(region=programme.near)).sessions
    far = figures_on(filters=scoped_filters(region=programme.far)).sessions
    assert asdict(near) == {"editions": 2, "sessions_held": 2, "attendances": 3,
                            "entrepreneurs": 2}
    assert asdict(far) == {"editions": 1, "sessions_held": 1, "attendances": 2,
                           "entrepreneurs": 2}


# --- Issues ----------------------------------------------------------------------------------


def test_issue_figures_of_the_whole_programme(programme):
    issues = figures_on().issues
    assert (issues.collected, issues.valid, issues.open, issues.overdue) == (11, 9, 3, 2)
    # Accepted by the accept-by day: I1, I4 (round 2), I5, I9, I11; not I2 and I10 (a day
    # or more late) nor I3 (not accepted yet, in the denominator only).
    assert (issues.responded, issues.dispatched) == (5, 8)
    assert issues.response_rate == Decimal("62.50")
    # Resolved of valid: I1, I2, I4, I5, I9, I10 of nine (I6 rejected, I7 a duplicate).
    assert (issues.resolved, issues.valid) == (6, 9)
    assert issues.resolution_rate == Decimal("66.67")
    # Answered by the due date: all but I2 (a day after it).
    assert issues.on_time == 5
    assert issues.on_time_rate == Decimal("83.33")
    # On the latest rating: I1, I4 (its second), I9 satisfied, I10 not; I2 (unrated) and
    # I5 (closed unrated) are not in the denominator.
    assert (issues.satisfied, issues.rated) == (3, 4)
    assert issues.satisfaction_rate == Decimal("75.00")
    # 5 + 6 + 4 + 1 + 2 + 4 working days over six resolved issues.
    assert issues.resolve_days == 22
    assert issues.average_days == Decimal("3.7")


def test_the_public_figures_are_the_whole_citys_of_all_time(programme):
    with on(READ_ON, 9):
        public = public_figures()
    assert public == figures_on()
    assert public.issues.satisfaction_rate == Decimal("75.00")


def test_an_issue_is_overdue_the_day_after_its_due_date_not_on_it(programme):
    # I3 and I11 are due on Tuesday 13 October and still with department A.
    assert figures_on(oct_(13)).issues.overdue == 0
    assert figures_on(oct_(14)).issues.overdue == 2
    assert figures_on(READ_ON).issues.open == 3  # open does not depend on the day


def test_the_overdue_list_shows_the_working_days_late(programme):
    with on(READ_ON, 9):
        page = overdue_issues_page_for_user(user=programme.coordinator)
    issues = {issue.pk: issue.working_days_late for issue in page}
    # 14, 15, 16, 19, 20, 21, 22 October.
    assert issues == {programme.issues[3].pk: 7, programme.issues[11].pk: 7}


def test_working_days_to_resolve_skip_the_holiday_and_count_the_make_up_saturday():
    # A county of its own: the programme's issues may be in the database too.
    county = RegionFactory()
    department = DepartmentFactory(region=county)
    handler = OfficialFactory(role=R.HANDLER, department=department).user
    coordinator = OfficialFactory(role=R.COORDINATOR, department=department).user
    w = SimpleNamespace(coordinator=coordinator, handlers={department.pk: handler})
    person = EntrepreneurFactory(user=UserFactory(),
                                 enterprise=EnterpriseFactory(region=county))
    category = CategoryFactory(accept_limit_days=1, resolve_limit_days=5)
    only_here = scoped_filters(region=county)
    # Wednesday 30 September to Monday 12 October: 12 calendar days, 8 weekdays, but
    # 4 working days (8, 9, 10 (the make-up Saturday), 12).
    story(w, person, category, department, accepted=oct_(8), resolved=oct_(12))
    figures = figures_on(oct_(12), only_here)
    assert (figures.issues.resolved, figures.issues.resolve_days) == (1, 4)
    assert figures.issues.average_days == Decimal("4.0")
    # Another answered on Friday the 9th: 2 working days.
    story(w, person, category, department, accepted=oct_(8), resolved=oct_(9))
    figures = figures_on(oct_(12), only_here)
    assert (figures.issues.resolved, figures.issues.resolve_days) == (2, 6)
    assert figures.issues.average_days == Decimal("3.0")


def test_an_issue_waiting_for_the_coordinators_review_is_open_not_resolved(settings):
    """Dissatisfied after its last round, the issue keeps its answer's time but waits
    for the coordinator: open and rated, not resolved, until the coordinator closes it."""
    settings.ISSUE_MAX_ROUNDS = 1
    county = RegionFactory()
    department = DepartmentFactory(region=county)
    w = SimpleNamespace(
        coordinator=OfficialFactory(role=R.COORDINATOR, department=department).user,
        handlers={department.pk: OfficialFactory(role=R.HANDLER, department=department).user})
    person = EntrepreneurFactory(user=UserFactory(),
                                 enterprise=EnterpriseFactory(region=county))
    issue = story(w, person, CategoryFactory(accept_limit_days=1, resolve_limit_days=5),
                  department, accepted=oct_(8), resolved=oct_(9),
                  rated=RatingValue.DISSATISFIED)
    assert (issue.status, issue.resolved_at is not None) == (S.REVIEW, True)
    only_here = scoped_filters(region=county)
    waiting = figures_on(oct_(12), only_here).issues
    assert (waiting.open, waiting.resolved, waiting.rated, waiting.satisfied) == (1, 0, 1, 0)
    assert (waiting.resolution_rate, waiting.on_time_rate, waiting.average_days,
            waiting.satisfaction_rate) == (Decimal("0.00"), None, None, Decimal("0.00"))
    with on(oct_(12)):
        issue_close(actor=w.coordinator, issue=fresh(issue), version=fresh(issue).version,
                    note="已向企业说明。")
    closed = figures_on(oct_(12), only_here).issues
    assert (closed.open, closed.resolved, closed.on_time, closed.resolve_days) == (0, 1, 1, 2)
    assert (closed.resolution_rate, closed.satisfaction_rate) == (Decimal("100.00"),
                                                                  Decimal("0.00"))


def test_rates_round_half_up_as_published():
    # 5,862 of 5,895 is 99.4402…%; one of 32 is 3.125%, shown 3.13% (not 3.12%).
    assert percent(5862, 5895) == Decimal("99.44")
    assert percent(1, 32) == Decimal("3.13")
    assert (percent(2, 3), percent(1, 3), percent(0, 4), percent(0, 0)) == (
        Decimal("66.67"), Decimal("33.33"), Decimal("0.00"), None)
    # A quarter of a working day is shown 0.3.
    assert (average(1, 4), average(22, 6), average(0, 0)) == (Decimal("0.3"), Decimal("3.7"),
                                                              None)


def test_a_reopened_issue_counts_once_on_its_latest_rating(programme):
    just_i4 = scoped_filters(region=programme.near, category=programme.cat2)
    issues = figures_on(filters=just_i4).issues
    # I4: dissatisfied then satisfied: one rated, one satisfied; answered once (round 2),
    # accepted in time in round 2.
    assert (issues.collected, issues.rated, issues.satisfied) == (1, 1, 1)
    assert (issues.resolved, issues.responded, issues.resolve_days) == (1, 1, 4)
    assert issues.satisfaction_rate == Decimal("100.00")
