"""The programme the dashboard's figures are checked against (the table in
tests/dashboard/test_dashboard_figures.py), built through the real workflow and session
services on chosen days, and the steps it takes."""

from datetime import date
from types import SimpleNamespace

from dashboard.selectors import headline_figures, public_scope
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
    OfficialFactory,
    RegionFactory,
    TalkSessionFactory,
    UserFactory,
)
from tests.helpers import at, fresh, on

S = Issue.Status
R = Official.Role
SEP_30 = date(2026, 9, 30)
READ_ON = date(2026, 10, 22)


def oct_(day: int) -> date:
    return date(2026, 10, day)


# --- Acting through the workflow ------------------------------------------------------------


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


def build_programme():
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


def figures_on(day: date = READ_ON, filters=None):
    with on(day, 9):
        return headline_figures(filters or public_scope())
