"""The worlds the test families build: the people, departments and regions each needs.

Plain functions over ``tests.factories``; the fixtures (in the test modules and the
folders' conftest.py) call them. A family that needs a world of its own builds it from the
parts here (``official``, ``coordinators``, ``wuxing_and_anji``, ``talk_session``) rather
than from scratch.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from types import SimpleNamespace

import time_machine
from django.contrib.auth import get_user_model
from django.utils import timezone

from entrepreneurs.models import Entrepreneur
from government.models import Department, Official, Region
from issues.models import Category, Issue
from sessions.models import Attendance, TalkSession
from sessions.services import edition_for_day
from tests.factories import (
    AssistingDepartmentFactory,
    AttendanceFactory,
    CategoryFactory,
    CityFactory,
    DepartmentFactory,
    EditionFactory,
    EnterpriseFactory,
    EntrepreneurFactory,
    IssueFactory,
    OfficialFactory,
    RegionFactory,
    TalkSessionFactory,
    UserFactory,
)
from tests.helpers import PASSWORD, SHANGHAI, at

R = Official.Role


# --- Parts -------------------------------------------------------------------------------


def official(role, department, **fields) -> Official:
    """An official of ``department`` in ``role`` (with an account and an email address)."""
    return OfficialFactory(role=role, department=department, **fields)


def official_user(role, department, **fields):
    """The account of a new official of ``department`` in ``role``."""
    return official(role, department, **fields).user


def coordinators(*, county, city, other_county) -> dict:
    """The county's coordinator, the city's and another county's, each with a department of
    their own region: ``{"coordinator", "city_coordinator", "other_coordinator"}`` → user."""
    return {
        "coordinator": official_user(R.COORDINATOR, DepartmentFactory(region=county)),
        "city_coordinator": official_user(R.COORDINATOR, DepartmentFactory(region=city)),
        "other_coordinator": official_user(R.COORDINATOR,
                                           DepartmentFactory(region=other_county)),
    }


def wuxing_and_anji(*, codes: bool = False) -> tuple:
    """Two counties with their real names (Wuxing, Anji), as pages print them; with
    ``codes``, their codes too ("wuxing", "anji")."""
    wuxing = RegionFactory(name="吴兴区", name_en="Wuxing", **({"code": "wuxing"} if codes else {}))
    anji = RegionFactory(name="安吉县", name_en="Anji", **({"code": "anji"} if codes else {}))
    return wuxing, anji


def talk_session(region, starts_at: datetime, *, hours: float = 2.0,
                 status=TalkSession.Status.OPEN, departments=(), **fields) -> TalkSession:
    """A session of ``region`` from ``starts_at``, in the edition of its day, with the
    departments taking part."""
    edition = edition_for_day(day=starts_at.astimezone(SHANGHAI).date(), theme="政企恳谈会")
    session = TalkSessionFactory(edition=edition, region=region, starts_at=starts_at,
                                 ends_at=starts_at + timedelta(hours=hours), status=status,
                                 **fields)
    session.departments.set(departments)
    return session


# --- The issue workflow --------------------------------------------------------------------


def workflow_world(*, helper_region: str = "city", helper_name: str = "测试自然资源局"):
    """A county with a lead department (a handler and its lead), an assisting department
    (of the city, or with ``helper_region="county"`` of the county), the county's
    coordinator, the city's, another county's, and a verified entrepreneur with an account
    and a mobile. The category: 1 working day to accept, 5 to resolve, led by default by
    the lead department.

    ``users`` maps handler, lead, helper, coordinator, city_coordinator,
    other_coordinator and entrepreneur to their accounts; ``names`` the other way round.
    """
    city = CityFactory()
    county, other_county = RegionFactory(), RegionFactory()
    lead_department = DepartmentFactory(region=county, name="测试经信局")
    helper_department = DepartmentFactory(
        region=county if helper_region == "county" else city, name=helper_name)
    users = {
        "handler": official_user(R.HANDLER, lead_department),
        "lead": official_user(R.DEPARTMENT_LEAD, lead_department),
        "helper": official_user(R.HANDLER, helper_department),
        **coordinators(county=county, city=city, other_county=other_county),
    }
    person = EntrepreneurFactory(with_user=True, enterprise=EnterpriseFactory(region=county),
                                 mobile="13812345678")
    users["entrepreneur"] = person.user
    names = {user.pk: name for name, user in users.items()}
    category = CategoryFactory(accept_limit_days=1, resolve_limit_days=5,
                               default_department=lead_department)
    return SimpleNamespace(users=users, names=names, person=person, category=category,
                           county=county, other_county=other_county,
                           lead_department=lead_department, helper_department=helper_department)


# --- Officials' accounts -------------------------------------------------------------------


class OfficialsWorld:
    """The city and two counties, their departments, and one person of every role."""

    def __init__(self):
        self.city = CityFactory()
        self.wuxing, self.anji = wuxing_and_anji(codes=True)
        self.tzb = DepartmentFactory(region=self.city, code="tzb", name="市委统战部",
                                     name_en="United Front")
        self.jxj = DepartmentFactory(region=self.city, code="jxj", name="市经信局",
                                     name_en="Economy Bureau")
        self.wuxing_tzb = DepartmentFactory(region=self.wuxing, code="wx-tzb", name="吴兴统战部")
        self.wuxing_sj = DepartmentFactory(region=self.wuxing, code="wx-sj", name="吴兴市监局")
        self.anji_sj = DepartmentFactory(region=self.anji, code="aj-sj", name="安吉市监局")
        self.closed = DepartmentFactory(region=self.city, code="old", name="已撤并局",
                                        is_active=False)
        self.admin = get_user_model().objects.create_superuser("root", "root@example.com", PASSWORD)
        self.city_coordinator = OfficialFactory(department=self.tzb, role=R.COORDINATOR,
                                                name="沈晓燕")
        self.county_coordinator = OfficialFactory(department=self.wuxing_tzb,
                                                  role=R.COORDINATOR, name="吴兴协调员")
        self.city_leader = OfficialFactory(department=self.tzb, role=R.LEADER, name="市领导")
        self.county_leader = OfficialFactory(department=self.wuxing_tzb, role=R.LEADER,
                                             name="吴兴领导")
        self.department_lead = OfficialFactory(department=self.jxj, role=R.DEPARTMENT_LEAD,
                                               name="经信局长")
        self.handler = OfficialFactory(department=self.jxj, role=R.HANDLER, name="陆伟",
                                       mobile="13905720001")
        self.wuxing_handler = OfficialFactory(department=self.wuxing_sj, role=R.HANDLER,
                                              name="吴兴经办人", mobile="13905720002")
        self.anji_handler = OfficialFactory(department=self.anji_sj, role=R.HANDLER,
                                            name="安吉经办人")
        self.entrepreneur = EntrepreneurFactory(with_user=True)
        self.pending = EntrepreneurFactory(with_user=True,
                                           verification=Entrepreneur.Verification.PENDING)

    def user(self, who: str):
        if who == "admin":
            return self.admin
        if who == "anonymous":
            return None
        record = getattr(self, who)
        return record.user


# --- Talk sessions ---------------------------------------------------------------------------

#: The sessions' tests start on Monday 2 March 2026, 09:00; a session is on the Wednesday.
SESSIONS_MONDAY = date(2026, 3, 2)


def _check_in_windows(settings) -> None:
    """Check-in opens two hours before the start; the venue's code lasts 15 minutes."""
    settings.SESSION_CHECK_IN_OPENS_MINUTES = 120
    settings.SESSION_CHECK_IN_CODE_MINUTES = 15


def session_services_world(settings):
    """A county with a host, an attending department (a handler and its lead), another
    department of the county, the county's coordinator, the city's, another county's.

    A generator: the clock stands still on Monday 2 March 2026, 09:00 until it resumes
    (``yield from`` it in a fixture)."""
    _check_in_windows(settings)
    with time_machine.travel(at(SESSIONS_MONDAY, 9), tick=False) as clock:
        city = CityFactory()
        county, other_county = RegionFactory(), RegionFactory()
        attending = DepartmentFactory(region=county)
        people = coordinators(county=county, city=city, other_county=other_county)
        yield SimpleNamespace(
            clock=clock, city=city, county=county, other_county=other_county,
            attending=attending, **people,
            host=official(R.DEPARTMENT_LEAD, DepartmentFactory(region=county)),
            handler=official_user(R.HANDLER, attending),
            lead=official_user(R.DEPARTMENT_LEAD, attending),
            bystander=official_user(R.HANDLER, DepartmentFactory(region=county)),
        )


@dataclass
class SessionScreensWorld:
    clock: object
    city: object
    county: object
    other_county: object
    attending: object
    host: Official
    person: Entrepreneur
    neighbour: Entrepreneur
    stranger: Entrepreneur
    users: dict


def session_screens_world(settings):
    """Wuxing (the county) with its coordinator, a host, a department taking part (its
    handler) and two entrepreneurs; Anji (another county) with its coordinator and an
    entrepreneur; the city's coordinator.

    A generator, as ``session_services_world``: the clock stands still on Monday 2 March
    2026, 09:00."""
    _check_in_windows(settings)
    with time_machine.travel(at(SESSIONS_MONDAY, 9), tick=False) as clock:
        city = CityFactory()
        county, other_county = wuxing_and_anji()
        attending = DepartmentFactory(region=county, name_en="Tax Bureau")
        host = official(R.DEPARTMENT_LEAD, DepartmentFactory(region=county), name="王局长")
        person = EntrepreneurFactory(with_user=True, name="张甲", mobile="13800001111",
                                     enterprise=EnterpriseFactory(region=county, name="甲企业"))
        neighbour = EntrepreneurFactory(with_user=True, name="李乙",
                                        enterprise=EnterpriseFactory(region=county))
        stranger = EntrepreneurFactory(with_user=True, name="赵丙",
                                       enterprise=EnterpriseFactory(region=other_county))
        users = {
            **coordinators(county=county, city=city, other_county=other_county),
            "handler": official_user(R.HANDLER, attending),
            "bystander": official_user(R.HANDLER, DepartmentFactory(region=county)),
            "person": person.user, "neighbour": neighbour.user, "stranger": stranger.user,
        }
        yield SessionScreensWorld(clock=clock, city=city, county=county,
                                  other_county=other_county, attending=attending, host=host,
                                  person=person, neighbour=neighbour, stranger=stranger,
                                  users=users)


# --- The issue screens -----------------------------------------------------------------------


@dataclass
class IssueScreensWorld:
    person: Entrepreneur
    stranger: Entrepreneur
    pending: Entrepreneur
    users: dict
    departments: dict
    category: object
    county: object
    other_county: object


def issue_screens_world() -> IssueScreensWorld:
    """Wuxing county and Anji; the Economy Bureau (city) leads the category's issues; the
    Tax Bureau may assist. One person per part in the workflow."""
    city = CityFactory()
    county = RegionFactory(name_en="Wuxing")
    other_county = RegionFactory(name_en="Anji")
    economy = DepartmentFactory(region=city, name_en="Economy Bureau")
    planning = DepartmentFactory(region=city, name_en="Planning Bureau")
    tax = DepartmentFactory(region=county, name_en="Tax Bureau")
    category = CategoryFactory(name_en="Factor supply", default_department=economy,
                               description="Land, power, finance and skilled staff.")
    enterprise = EnterpriseFactory(region=county, name="甲企业")
    person = EntrepreneurFactory(with_user=True, enterprise=enterprise, name="张甲")
    stranger = EntrepreneurFactory(with_user=True, enterprise=EnterpriseFactory(region=county))
    pending = EntrepreneurFactory(with_user=True, enterprise=EnterpriseFactory(region=county),
                                  verification=Entrepreneur.Verification.PENDING)
    users = {
        "entrepreneur": person.user,
        "stranger": stranger.user,
        "handler": official_user(R.HANDLER, economy),
        "lead": official_user(R.DEPARTMENT_LEAD, economy),
        "tax_handler": official_user(R.HANDLER, tax),
        "planning_handler": official_user(R.HANDLER, planning),
        "coordinator": official_user(R.COORDINATOR, DepartmentFactory(region=county)),
        "other_coordinator": official_user(R.COORDINATOR,
                                           DepartmentFactory(region=other_county)),
        "leader": official_user(R.LEADER, DepartmentFactory(region=city)),
        "admin": UserFactory(is_superuser=True, is_staff=True),
    }
    return IssueScreensWorld(person=person, stranger=stranger, pending=pending, users=users,
                             departments={"economy": economy, "planning": planning, "tax": tax},
                             category=category, county=county, other_county=other_county)


# --- The dashboard's screens -----------------------------------------------------------------

#: The title of the issue in the supervision bulletin of ``dashboard_world``.
BULLETIN_TITLE = "织里童装城消防验收迟迟未办"


@dataclass
class DashboardWorld:
    city: Region
    wuxing: Region
    anji: Region
    economy: Department
    market: Department
    land: Category
    permits: Category
    users: dict
    issues: dict
    enterprises: dict


def local_entrepreneur(county: Region):
    """An entrepreneur of an enterprise in ``county`` (the factories' default would add a
    county of its own)."""
    return EntrepreneurFactory(enterprise=EnterpriseFactory(region=county))


def dashboard_world(*, password: str = "correct horse battery staple") -> DashboardWorld:  # noqa: S107
    """Two counties under Huzhou, five issues and two held sessions, with no holiday in the
    calendar (so working days are Monday to Friday).

    =====  =======  ========  ========  ==========================================
    issue  county   category  leads     story
    =====  =======  ========  ========  ==========================================
    W1     Wuxing   land      Economy   Mon 2026-09-07; accepted next day (in time);
                                        answered Fri 09-11 (4 working days, on time);
                                        closed, satisfied by the SMS link; a
                                        回访 call reached the person 09-15.
                                        Market assists.
    A1     Anji     permits   Market    Wed 2026-09-16; accepted next day (in time);
                                        answered Fri 09-18 (2 days, on time); closed,
                                        dissatisfied, by phone (回访).
    W2     Wuxing   land      Economy   Mon 2026-10-12; accepted two days later (late);
                                        answered Fri 10-16 (4 days, after its due
                                        date 10-14); awaiting rating.
    W3     Wuxing   permits   Market    Wed 2026-10-14; dispatched, never accepted,
                                        two weeks overdue now, in the supervision
                                        bulletin.
    A2     Anji     land      —         Wed 2026-10-21; submitted only.
    =====  =======  ========  ========  ==========================================

    Wuxing: 3 collected, response 1/3 = 33.33%, resolution 2/3 = 66.67%, on time 1/2 =
    50.00%, satisfaction 1/1 = 100.00%, 4.0 days, 1 open, 1 overdue.
    Anji: 2 collected, response 1/1 = 100.00%, resolution 1/2 = 50.00%, on time 1/1 =
    100.00%, satisfaction 0/1 = 0.00%, 2.0 days, 1 open, none overdue.
    The city: 5 collected, response 2/4 = 50.00%, resolution 3/5 = 60.00%, on time 2/3 =
    66.67%, satisfaction 1/2 = 50.00%, 10/3 = 3.3 days, 2 open, 1 overdue.
    By channel: online 0 rated; SMS link 1/1 = 100.00%; phone 0/1 = 0.00%. 回访 rate:
    1 of 3 resolved = 33.33% (Wuxing 1/2 = 50.00%, Anji 0/1 = 0.00%).
    Sessions: one held in Wuxing (two attend), one in Anji (one attends, one absent).
    """
    city = CityFactory()
    wuxing = RegionFactory(code="wuxing", name="吴兴区", name_en="Wuxing", sort_order=1)
    anji = RegionFactory(code="anji", name="安吉县", name_en="Anji", sort_order=2)
    economy = DepartmentFactory(region=city, code="jxj", name="市经信局",
                                name_en="Economy Bureau")
    market = DepartmentFactory(region=city, code="scjgj", name="市市场监管局",
                               name_en="Market Bureau")
    office = DepartmentFactory(region=city, code="tzb", name="市委统战部",
                               name_en="United Front Department")
    anji_office = DepartmentFactory(region=anji, code="anji-tzb", name="安吉县委统战部",
                                    name_en="Anji United Front Department")
    land = CategoryFactory(code="land", name="要素保障", name_en="Factor supply",
                           default_department=economy, sort_order=1)
    permits = CategoryFactory(code="permits", name="审批服务", name_en="Permits",
                              default_department=market, sort_order=2)

    def official(username, role, department):
        return OfficialFactory(user=UserFactory(username=username, password=password),
                               role=role, department=department).user

    users = {
        "leader": official("leader", Official.Role.LEADER, office),
        "coordinator": official("coordinator", Official.Role.COORDINATOR, office),
        "anji_coordinator": official("anji-coordinator", Official.Role.COORDINATOR,
                                     anji_office),
        "handler": official("handler", Official.Role.HANDLER, economy),
        "admin": UserFactory(username="root", password=password, is_staff=True,
                             is_superuser=True),
    }
    enterprises = {
        "wuxing": EnterpriseFactory(region=wuxing, name="湖州织里童装有限公司"),
        "anji": EnterpriseFactory(region=anji, name="安吉竹木制品有限公司"),
    }
    people = {key: EntrepreneurFactory(enterprise=enterprise)
              for key, enterprise in enterprises.items()}

    def issue(county, category, title, submitted, **fields):
        return IssueFactory(enterprise=enterprises[county], entrepreneur=people[county],
                            category=category, title=title, submitted_at=submitted, **fields)

    today = timezone.localdate()
    issues = {
        "W1": issue("wuxing", land, "新厂房用电扩容", at(date(2026, 9, 7), 9),
                    status=Issue.Status.CLOSED, lead_department=economy,
                    dispatched_at=at(date(2026, 9, 7), 10), accept_due_on=date(2026, 9, 8),
                    accepted_at=at(date(2026, 9, 8), 9), due_on=date(2026, 9, 25),
                    resolved_at=at(date(2026, 9, 11), 16), closed_at=at(date(2026, 9, 14), 10),
                    latest_rating="satisfied", latest_rating_channel="link",
                    last_called_at=at(date(2026, 9, 15), 10)),
        "A1": issue("anji", permits, "竹制品出口检验排队", at(date(2026, 9, 16), 14, 30),
                    status=Issue.Status.CLOSED, lead_department=market,
                    dispatched_at=at(date(2026, 9, 16), 15), accept_due_on=date(2026, 9, 17),
                    accepted_at=at(date(2026, 9, 17), 11), due_on=date(2026, 10, 9),
                    resolved_at=at(date(2026, 9, 18), 17), closed_at=at(date(2026, 9, 21), 9),
                    latest_rating="dissatisfied", latest_rating_channel="phone"),
        "W2": issue("wuxing", land, "园区道路修缮", at(date(2026, 10, 12), 8, 45),
                    status=Issue.Status.RESOLVED, lead_department=economy,
                    dispatched_at=at(date(2026, 10, 12), 10), accept_due_on=date(2026, 10, 13),
                    accepted_at=at(date(2026, 10, 14), 9), due_on=date(2026, 10, 14),
                    resolved_at=at(date(2026, 10, 16), 15)),
        "W3": issue("wuxing", permits, BULLETIN_TITLE, at(date(2026, 10, 14), 10),
                    status=Issue.Status.DISPATCHED, lead_department=market,
                    dispatched_at=at(date(2026, 10, 14), 11), accept_due_on=date(2026, 10, 15),
                    due_on=today - timedelta(days=14),
                    escalation=Issue.Escalation.BULLETIN),
        "A2": issue("anji", land, "招工难", at(date(2026, 10, 21), 16)),
    }
    AssistingDepartmentFactory(issue=issues["W1"], department=market)

    edition = EditionFactory(week_start=date(2026, 9, 7))  # one edition, a session a county
    for county, attended, absent in ((wuxing, 2, 0), (anji, 1, 1)):
        session = TalkSessionFactory(region=county, status=TalkSession.Status.HELD,
                                     edition=edition)
        for _ in range(attended):
            AttendanceFactory(session=session, entrepreneur=local_entrepreneur(county),
                              status=Attendance.Status.ATTENDED,
                              checked_in_at=session.starts_at)
        for _ in range(absent):
            AttendanceFactory(session=session, entrepreneur=local_entrepreneur(county),
                              status=Attendance.Status.ABSENT)
    return DashboardWorld(city=city, wuxing=wuxing, anji=anji, economy=economy, market=market,
                          land=land, permits=permits, users=users, issues=issues,
                          enterprises=enterprises)
