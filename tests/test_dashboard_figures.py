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

from contextlib import contextmanager
from dataclasses import asdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction
from django.test import override_settings

from dashboard.models import IssueRollup
from dashboard.rollups import fresh_counts, rebuild, stored_counts
from dashboard.selectors import (
    DashboardNotAllowed,
    IssueFigures,
    RankingRow,
    average,
    category_rows,
    department_ranking,
    headline_figures,
    headline_figures_for_user,
    monthly_rows,
    overdue_issues_page_for_user,
    percent,
    public_figures,
    public_scope,
    region_ranking,
    region_rows,
    sort_ranking,
)
from government.models import Official
from issues.follow_up import issues_follow_up
from issues.models import Issue, RatingValue, SatisfactionRating
from issues.workflow import (
    issue_accept,
    issue_add_note,
    issue_close,
    issue_dispatch,
    issue_mark_duplicate,
    issue_rate,
    issue_reject,
    issue_resolve,
    issue_submit,
)
from sessions.models import TalkSession
from sessions.services import (
    attendance_check_in,
    edition_for_day,
    session_cancel,
    session_close,
)
from tests.factories import (
    AttendanceFactory,
    CategoryFactory,
    CityFactory,
    DepartmentFactory,
    EnterpriseFactory,
    EntrepreneurFactory,
    IssueFactory,
    OfficialFactory,
    RegionFactory,
    TalkSessionFactory,
    UserFactory,
    scoped_filters,
)

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
S = Issue.Status
R = Official.Role
SEP_30 = date(2026, 9, 30)
READ_ON = date(2026, 10, 22)


def oct_(day: int) -> date:
    return date(2026, 10, day)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), SHANGHAI)


@contextmanager
def on(day: date, hour: int = 10, minute: int = 0):
    with time_machine.travel(at(day, hour, minute), tick=False):
        yield


# --- Acting through the workflow ------------------------------------------------------------


def fresh(issue: Issue) -> Issue:
    return Issue.objects.get(pk=issue.pk)


def submit(w, person, category, day: date = SEP_30, hour: int = 9, minute: int = 0) -> Issue:
    with on(day, hour, minute):
        return issue_submit(actor=person.user, title="扩建用地指标", description="厂房扩建。",
                            category=category)


def dispatch(w, issue, department, day: date = SEP_30, *, assisting=()) -> Issue:
    issue = fresh(issue)
    with on(day, 10):
        return issue_dispatch(actor=w.coordinator, issue=issue, version=issue.version,
                              lead_department=department,
                              assisting=dict.fromkeys(assisting))


def accept(w, issue, day: date) -> Issue:
    issue = fresh(issue)
    with on(day, 11):
        return issue_accept(actor=w.handlers[issue.lead_department_id], issue=issue,
                            version=issue.version)


def note(w, issue, day: date) -> None:
    issue = fresh(issue)
    with on(day, 12):
        issue_add_note(actor=w.handlers[issue.lead_department_id], issue=issue,
                       version=issue.version, message="正在协调。", is_public=True)


def resolve(w, issue, day: date) -> Issue:
    issue = fresh(issue)
    with on(day, 15):
        return issue_resolve(actor=w.handlers[issue.lead_department_id], issue=issue,
                             version=issue.version, reply="已答复。")


def rate(w, issue, day: date, value: str) -> Issue:
    issue = fresh(issue)
    reason = SatisfactionRating.Reason.HANDLING if value == RatingValue.DISSATISFIED else ""
    with on(day, 16):
        issue_rate(actor=issue.entrepreneur.user, issue=issue, version=issue.version,
                   value=value, reason=reason)
    return fresh(issue)


def story(w, person, category, department, *, accepted: date | None = None,
          resolved: date | None = None, rated: str | None = None, rated_on=None,
          assisting=()) -> Issue:
    """An issue submitted and dispatched on 30 September, then taken as far as asked."""
    issue = dispatch(w, submit(w, person, category), department, assisting=assisting)
    if accepted:
        accept(w, issue, accepted)
    if resolved:
        resolve(w, issue, resolved)
    if rated:
        rate(w, issue, rated_on or resolved, rated)
    return fresh(issue)


def held_session(w, region, day: date, *, attended=(), absent=()) -> TalkSession:
    """A session at 14:30 on ``day``: people ticked off the list, then closed with minutes
    (those registered but not ticked off become absent)."""
    edition = edition_for_day(day=day, theme="政企恳谈会")
    session = TalkSessionFactory(edition=edition, region=region, starts_at=at(day, 14, 30),
                                 ends_at=at(day, 16, 30), status=TalkSession.Status.OPEN)
    places = [AttendanceFactory(session=session, entrepreneur=person)
              for person in (*attended, *absent)]
    with on(day, 14, 0):
        for place in places[:len(attended)]:
            attendance_check_in(actor=w.coordinator, attendance=place)
    with on(day, 16, 30):
        return session_close(actor=w.coordinator, session=session, minutes="会议纪要。")


# --- The programme -------------------------------------------------------------------------


def _build_programme():
    city = CityFactory()
    near = RegionFactory(name="近县", name_en="Near")
    far = RegionFactory(name="远县", name_en="Far")
    a = DepartmentFactory(region=near, name="A局", name_en="A局")
    b = DepartmentFactory(region=far, name="B局", name_en="B局")
    c = DepartmentFactory(region=city, name="C局", name_en="C局")
    d = DepartmentFactory(region=city, name="D局", name_en="D局")
    handlers = {department.pk: OfficialFactory(role=R.HANDLER, department=department).user
                for department in (a, b, c, d)}
    office = DepartmentFactory(region=city, name="市委统战部")
    coordinator = OfficialFactory(role=R.COORDINATOR, department=office).user
    far_coordinator = OfficialFactory(role=R.COORDINATOR,
                                      department=DepartmentFactory(region=far)).user
    cat1 = CategoryFactory(name="要素保障", accept_limit_days=1, resolve_limit_days=5,
                           default_department=a)
    cat2 = CategoryFactory(name="政策兑现", accept_limit_days=1, resolve_limit_days=5,
                           default_department=b)

    def person(region, *, with_user=True):
        enterprise = EnterpriseFactory(region=region)
        return EntrepreneurFactory(enterprise=enterprise,
                                   user=UserFactory() if with_user else None)

    p1, p2 = person(near), person(far)
    p3, p4 = person(near, with_user=False), person(near, with_user=False)
    w = SimpleNamespace(city=city, near=near, far=far, a=a, b=b, c=c, d=d, cat1=cat1,
                        cat2=cat2, handlers=handlers, coordinator=coordinator,
                        far_coordinator=far_coordinator, p1=p1, p2=p2, p3=p3, p4=p4)

    sat, basic, dissat = (RatingValue.SATISFIED, RatingValue.BASICALLY_SATISFIED,
                          RatingValue.DISSATISFIED)
    i = {}
    i[1] = story(w, p1, cat1, a, accepted=oct_(8), resolved=oct_(13), rated=sat,
                 rated_on=oct_(14), assisting=[c])
    i[2] = story(w, p1, cat1, a, accepted=oct_(9), resolved=oct_(14))
    i[3] = story(w, p1, cat1, a)
    i[4] = story(w, p1, cat2, a, accepted=oct_(8), resolved=oct_(9), rated=dissat)
    accept(w, i[4], oct_(10))
    resolve(w, i[4], oct_(12))
    i[4] = rate(w, i[4], oct_(12), sat)
    i[5] = story(w, p1, cat1, a, accepted=oct_(8), resolved=oct_(8))
    i[6] = submit(w, p1, cat1)
    with on(SEP_30, 10):
        issue_reject(actor=coordinator, issue=i[6], version=i[6].version, reason="不属于受理范围。")
    i[7] = submit(w, p1, cat1)
    with on(SEP_30, 10):
        issue_mark_duplicate(actor=coordinator, issue=i[7], version=i[7].version,
                             original=i[1])
    i[8] = submit(w, p2, cat1)
    i[9] = story(w, p2, cat2, b, accepted=oct_(8), resolved=oct_(9), rated=basic,
                 rated_on=oct_(10), assisting=[c])
    i[10] = story(w, p2, cat2, b, accepted=oct_(9), resolved=oct_(9), rated=dissat)
    accept(w, i[10], oct_(12))
    resolve(w, i[10], oct_(12))
    rate(w, i[10], oct_(12), dissat)
    with on(oct_(13)):
        issue_close(actor=coordinator, issue=fresh(i[10]), version=fresh(i[10]).version,
                    note="已向企业说明。")
    i[11] = story(w, p1, cat1, a, accepted=oct_(8), assisting=[b])
    note(w, i[11], oct_(9))
    with on(oct_(21)):
        issues_follow_up()
    w.issues = {n: fresh(issue) for n, issue in i.items()}

    held_session(w, near, SEP_30, attended=[p1, p3], absent=[p4])
    held_session(w, far, date(2026, 10, 1), attended=[p1, p2])
    held_session(w, near, oct_(14), attended=[p3])
    cancelled = TalkSessionFactory(edition=edition_for_day(day=oct_(21), theme="恳谈"),
                                   region=far, starts_at=at(oct_(21), 14, 30),
                                   ends_at=at(oct_(21), 16, 30), status=TalkSession.Status.OPEN)
    AttendanceFactory(session=cancelled, entrepreneur=p2)
    AttendanceFactory(session=cancelled, entrepreneur=p4)
    with on(oct_(19)):
        session_cancel(actor=coordinator, session=cancelled, reason="场地调整。")
    planned = TalkSessionFactory(edition=edition_for_day(day=oct_(28), theme="恳谈"),
                                 region=near, starts_at=at(oct_(28), 14, 30),
                                 ends_at=at(oct_(28), 16, 30))
    AttendanceFactory(session=planned, entrepreneur=p1)
    AttendanceFactory(session=planned, entrepreneur=p4)
    return w


@pytest.fixture(scope="module")
def programme(django_db_setup, django_db_blocker):
    """Built once; every test runs in a savepoint inside this transaction, rolled back last."""
    with django_db_blocker.unblock(), transaction.atomic():
        with override_settings(ISSUE_MAX_ROUNDS=2, ISSUE_RATING_REMINDER_DAYS=3,
                               ISSUE_RATING_CLOSE_DAYS=10, SESSION_CHECK_IN_OPENS_MINUTES=120,
                               PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
            built = _build_programme()
        yield built
        transaction.set_rollback(True)


def figures_on(day: date = READ_ON, filters=None):
    with on(day, 9):
        return headline_figures(filters or public_scope())


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


# --- Filters ---------------------------------------------------------------------------------


def test_filtering_by_a_county(programme):
    far = figures_on(filters=scoped_filters(region=programme.far)).issues
    assert (far.collected, far.valid, far.open, far.overdue) == (3, 3, 1, 0)
    assert (far.response_rate, far.resolution_rate, far.on_time_rate,
            far.satisfaction_rate, far.average_days) == (
        Decimal("50.00"), Decimal("66.67"), Decimal("100.00"), Decimal("50.00"),
        Decimal("3.0"))
    near = figures_on(filters=scoped_filters(region=programme.near)).issues
    assert (near.collected, near.valid, near.open, near.overdue) == (8, 6, 2, 2)
    assert (near.response_rate, near.resolution_rate, near.on_time_rate,
            near.satisfaction_rate, near.average_days) == (
        Decimal("66.67"), Decimal("66.67"), Decimal("75.00"), Decimal("100.00"),
        Decimal("4.0"))


def test_the_city_as_a_filter_is_the_whole_city(programme):
    filters = scoped_filters(region=programme.city)
    assert filters.region is None
    assert figures_on(filters=filters) == figures_on()


def test_a_countys_coordinator_sees_their_county_whatever_they_ask_for(programme):
    with on(READ_ON, 9):
        figures = headline_figures_for_user(user=programme.far_coordinator,
                                            filters=scoped_filters(region=programme.near))
    assert (figures.issues.collected, figures.sessions.sessions_held) == (3, 1)
    with on(READ_ON, 9):
        city = headline_figures_for_user(user=programme.coordinator,
                                         filters=scoped_filters(region=programme.city))
    assert (city.issues.collected, city.sessions.sessions_held) == (11, 3)
    with pytest.raises(DashboardNotAllowed):
        headline_figures_for_user(user=programme.handlers[programme.a.pk])


def test_filtering_by_month_splits_the_sessions_and_the_issues(programme):
    september = figures_on(filters=scoped_filters(month_from=date(2026, 9, 1),
                                                    month_to=date(2026, 9, 1)))
    # S1 on 30 September; S2 on 1 October belongs to the same edition but to October.
    assert asdict(september.sessions) == {"editions": 1, "sessions_held": 1,
                                          "attendances": 2, "entrepreneurs": 2}
    assert september.issues.collected == 11
    october = figures_on(filters=scoped_filters(month_from=date(2026, 10, 1),
                                                  month_to=date(2026, 10, 1)))
    assert asdict(october.sessions) == {"editions": 2, "sessions_held": 2, "attendances": 3,
                                        "entrepreneurs": 3}
    assert (october.issues.collected, october.issues.overdue) == (0, 0)
    assert october.issues.satisfaction_rate is None


def test_filters_after_the_data_give_zeros_and_no_rates(programme):
    empty = figures_on(filters=scoped_filters(month_from=date(2027, 1, 1)))
    assert asdict(empty.sessions) == {"editions": 0, "sessions_held": 0, "attendances": 0,
                                      "entrepreneurs": 0}
    issues = empty.issues
    assert (issues.collected, issues.valid, issues.open, issues.dispatched, issues.resolved,
            issues.rated, issues.overdue) == (0, 0, 0, 0, 0, 0, 0)
    assert (issues.response_rate, issues.resolution_rate, issues.on_time_rate,
            issues.satisfaction_rate, issues.average_days) == (None, None, None, None, None)
    with on(READ_ON, 9):
        assert monthly_rows(scoped_filters(month_from=date(2027, 1, 1))) == []
        ranking = department_ranking(scoped_filters(month_from=date(2027, 1, 1)),
                                     departments=[programme.a, programme.b])
    assert [(row.name, row.led, row.assisted, row.satisfaction_rate, row.overdue)
            for row in ranking] == [("A局", 0, 0, None, 0), ("B局", 0, 0, None, 0)]


def test_filtering_by_category_leaves_the_session_figures_to_region_and_months(programme):
    figures = figures_on(filters=scoped_filters(category=programme.cat2))
    issues = figures.issues
    # I4, I9, I10.
    assert (issues.collected, issues.responded, issues.dispatched) == (3, 2, 3)
    assert (issues.response_rate, issues.resolution_rate, issues.satisfaction_rate) == (
        Decimal("66.67"), Decimal("100.00"), Decimal("66.67"))
    assert figures.sessions_filtered is False
    assert figures.sessions.sessions_held == 3


def test_filtering_by_lead_department(programme):
    figures = figures_on(filters=scoped_filters(department=programme.b))
    issues = figures.issues
    # I9 and I10.
    assert (issues.collected, issues.open, issues.overdue) == (2, 0, 0)
    assert (issues.response_rate, issues.resolution_rate, issues.on_time_rate,
            issues.satisfaction_rate) == (Decimal("50.00"), Decimal("100.00"),
                                          Decimal("100.00"), Decimal("50.00"))
    a = figures_on(filters=scoped_filters(department=programme.a)).issues
    assert (a.collected, a.overdue) == (6, 2)
    assert figures.sessions_filtered is False


def test_the_last_day_of_a_month_late_in_the_evening_belongs_to_that_month():
    county = RegionFactory()
    person = EntrepreneurFactory(user=UserFactory(),
                                 enterprise=EnterpriseFactory(region=county))
    category = CategoryFactory()
    w = SimpleNamespace()
    # 23:30 in Huzhou on 31 October is 15:30 UTC: October, in Huzhou's calendar.
    submit(w, person, category, date(2026, 10, 31), hour=23, minute=30)
    submit(w, person, category, date(2026, 11, 1), hour=0, minute=30)
    submit(w, person, category, date(2026, 11, 30), hour=23, minute=30)

    def collected(month_from, month_to):
        return figures_on(date(2026, 12, 1), scoped_filters(
            region=county, month_from=month_from, month_to=month_to)).issues.collected

    assert collected(date(2026, 10, 1), date(2026, 10, 1)) == 1
    assert collected(date(2026, 11, 1), date(2026, 11, 1)) == 2
    assert collected(date(2026, 10, 1), date(2026, 11, 1)) == 3
    assert collected(date(2026, 12, 1), None) == 0
    with on(date(2026, 12, 1)):
        rows = monthly_rows(scoped_filters(region=county))
    assert [(row.month, row.collected) for row in rows] == [(date(2026, 10, 1), 1),
                                                            (date(2026, 11, 1), 2)]


# --- Charts ----------------------------------------------------------------------------------


def test_monthly_rows(programme):
    with on(READ_ON, 9):
        rows = monthly_rows(scoped_filters())
    assert [(row.month, row.collected, row.rated, row.satisfied, row.sessions_held,
             row.attendances) for row in rows] == [
        (date(2026, 9, 1), 11, 4, 3, 1, 2),
        (date(2026, 10, 1), 0, 0, 0, 2, 3),
    ]
    assert rows[0].satisfaction_rate == Decimal("75.00")
    assert rows[1].satisfaction_rate is None


def test_monthly_rows_fill_the_months_between(programme):
    city = programme.city
    extra = EntrepreneurFactory(user=UserFactory(), enterprise=EnterpriseFactory(region=city))
    submit(programme, extra, programme.cat1, date(2026, 12, 15))
    with on(date(2026, 12, 16)):
        rows = monthly_rows(scoped_filters(category=programme.cat1))
    # Sessions do not count under a category filter.
    assert [(row.month, row.collected, row.sessions_held) for row in rows] == [
        (date(2026, 9, 1), 8, 0), (date(2026, 10, 1), 0, 0), (date(2026, 11, 1), 0, 0),
        (date(2026, 12, 1), 1, 0)]


def test_category_and_county_rows(programme):
    with on(READ_ON, 9):
        categories = category_rows(scoped_filters(),
                                   categories=[programme.cat1, programme.cat2])
        regions = region_rows(scoped_filters(), regions=[programme.near, programme.far])
    assert [(row.label, row.collected, row.rated, row.satisfied, row.satisfaction_rate)
            for row in categories] == [("要素保障", 8, 1, 1, Decimal("100.00")),
                                       ("政策兑现", 3, 3, 2, Decimal("66.67"))]
    assert [(row.pk, row.collected, row.rated, row.satisfied) for row in regions] == [
        (programme.near.pk, 8, 2, 2), (programme.far.pk, 3, 2, 1)]


# --- The ranking -----------------------------------------------------------------------------


def ranking(programme, sort: str = "", filters=None):
    with on(READ_ON, 9):
        # Given out of name order: the ranking puts them in it.
        return department_ranking(filters or scoped_filters(),
                                  departments=[programme.d, programme.c, programme.b,
                                               programme.a], sort=sort)


def test_the_ranking_has_a_row_per_department_with_issues_led_and_assisted(programme):
    rows = {row.name: row for row in ranking(programme)}
    assert list(rows) == ["A局", "B局", "C局", "D局"]
    a, b, c, d = rows.values()
    # A leads I1–I5 and I11; B leads I9 and I10 and assists I11; C assists I1 and I9.
    assert [(row.led, row.assisted, row.overdue) for row in (a, b, c, d)] == [
        (6, 0, 2), (2, 1, 0), (0, 2, 0), (0, 0, 0)]
    assert (a.response_rate, a.resolution_rate, a.on_time_rate, a.satisfaction_rate,
            a.average_days) == (Decimal("66.67"), Decimal("66.67"), Decimal("75.00"),
                                Decimal("100.00"), Decimal("4.0"))
    assert (b.response_rate, b.resolution_rate, b.on_time_rate, b.satisfaction_rate,
            b.average_days) == (Decimal("50.00"), Decimal("100.00"), Decimal("100.00"),
                                Decimal("50.00"), Decimal("3.0"))
    assert (c.response_rate, c.satisfaction_rate, c.average_days) == (None, None, None)


def test_the_ranking_under_a_department_filter_has_that_department_only(programme):
    rows = ranking(programme, filters=scoped_filters(department=programme.b))
    assert [(row.name, row.led, row.assisted) for row in rows] == [("B局", 2, 1)]


@pytest.mark.parametrize(("sort", "order"), [
    ("", ["A局", "B局", "C局", "D局"]),  # the default: most satisfied first
    ("-satisfaction_rate", ["A局", "B局", "C局", "D局"]),
    ("satisfaction_rate", ["B局", "A局", "C局", "D局"]),  # no rate: last either way
    ("response_rate", ["B局", "A局", "C局", "D局"]),
    ("-response_rate", ["A局", "B局", "C局", "D局"]),
    ("-overdue", ["A局", "B局", "C局", "D局"]),  # ties keep the name order
    ("overdue", ["B局", "C局", "D局", "A局"]),
    ("assisted", ["A局", "D局", "B局", "C局"]),
    ("-assisted", ["C局", "B局", "A局", "D局"]),
    ("-led", ["A局", "B局", "C局", "D局"]),
    ("led", ["C局", "D局", "B局", "A局"]),
    ("-name", ["D局", "C局", "B局", "A局"]),
    ("nonsense", ["A局", "B局", "C局", "D局"]),
])
def test_sorting_the_ranking(programme, sort, order):
    assert [row.name for row in ranking(programme, sort)] == order


def test_sorting_keeps_equal_values_in_name_order_and_missing_ones_last():
    def row(name, satisfied, rated):
        return RankingRow(name=name, pk=0, figures=IssueFigures(rated=rated,
                                                                satisfied=satisfied))

    rows = [row("丁", 1, 2), row("甲", None, 0), row("乙", 1, 2), row("丙", 2, 2),
            row("戊", None, 0)]
    names = sorted(["丁", "甲", "乙", "丙", "戊"])
    fifty = [name for name in names if name in ("丁", "乙")]
    missing = [name for name in names if name in ("甲", "戊")]
    assert [r.name for r in sort_ranking(rows, "-satisfaction_rate")] == ["丙", *fifty,
                                                                           *missing]
    assert [r.name for r in sort_ranking(rows, "satisfaction_rate")] == [*fifty, "丙",
                                                                          *missing]


def test_the_county_ranking(programme):
    with on(READ_ON, 9):
        rows = region_ranking(scoped_filters(), regions=[programme.near, programme.far],
                              sort="-satisfaction_rate")
    assert [(row.pk, row.led, row.satisfaction_rate, row.overdue) for row in rows] == [
        (programme.near.pk, 8, Decimal("100.00"), 2),
        (programme.far.pk, 3, Decimal("50.00"), 0)]


# --- A fixed number of queries, whatever the amount of data -----------------------------------


def _many_more_issues(programme, n: int = 60) -> None:
    """``n`` issues in bulk (as the data generators write them), over four months, both
    counties, both categories and all four departments, then ``rebuild``."""
    enterprises = {region.pk: EnterpriseFactory(region=region)
                   for region in (programme.near, programme.far)}
    people = {pk: EntrepreneurFactory(enterprise=enterprise)
              for pk, enterprise in enterprises.items()}
    departments = [programme.a, programme.b, programme.c, programme.d, None]
    statuses = [S.SUBMITTED, S.DISPATCHED, S.IN_PROGRESS, S.RESOLVED, S.CLOSED, S.REJECTED]
    issues = []
    for k in range(n):
        region = (programme.near, programme.far)[k % 2]
        department = departments[k % 5]
        status = statuses[k % 6] if department else S.SUBMITTED
        submitted = at(date(2026, 6 + k % 4, 1 + k % 28), 9)
        resolved = status in (S.RESOLVED, S.CLOSED)
        issues.append(IssueFactory.build(
            category=(programme.cat1, programme.cat2)[k % 3 % 2],
            enterprise=enterprises[region.pk], entrepreneur=people[region.pk], region=region,
            status=status, rejection_reason="超范围" if status == S.REJECTED else "",
            lead_department=department, submitted_at=submitted,
            dispatched_at=submitted + timedelta(hours=1) if department else None,
            accept_due_on=submitted.date() + timedelta(days=1) if department else None,
            accepted_at=submitted + timedelta(days=1) if status not in (
                S.SUBMITTED, S.DISPATCHED, S.REJECTED) else None,
            due_on=submitted.date() + timedelta(days=20) if department else None,
            resolved_at=submitted + timedelta(days=k % 25) if resolved else None,
            latest_rating=RatingValue.SATISFIED if status == S.CLOSED else "",
        ))
    Issue.objects.bulk_create(issues)
    rebuild()


def test_the_figures_take_a_fixed_number_of_queries(programme, django_assert_num_queries):
    everything = scoped_filters()
    autumn = scoped_filters(month_from=date(2026, 9, 1), month_to=date(2026, 10, 1))
    departments = [programme.a, programme.b, programme.c, programme.d]
    rows_before = IssueRollup.objects.count()

    def count_queries():
        with on(READ_ON, 9):
            # The numbers the selectors' docstrings promise.
            with django_assert_num_queries(5):
                figures = headline_figures(everything)
            with django_assert_num_queries(5):
                headline_figures(autumn)
            with django_assert_num_queries(3):
                department_ranking(everything, departments=departments)
            with django_assert_num_queries(3):
                months = monthly_rows(everything)
        return figures, months

    small, small_months = count_queries()
    _many_more_issues(programme)
    large, large_months = count_queries()
    assert (small.issues.collected, large.issues.collected) == (11, 71)
    assert IssueRollup.objects.count() >= rows_before + 30
    assert (len(small_months), len(large_months)) == (2, 5)
