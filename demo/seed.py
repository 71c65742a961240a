"""Demo data: Huzhou's regions and departments, the demo logins, and the history.

Each part is skipped when it is already there: running the seed twice changes
nothing. The history itself is built in ``demo.history``.
"""

from datetime import date

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from core.privacy import PRIVACY_NOTICE_VERSION
from dashboard.rollups import rebuild as rebuild_rollups
from demo import data
from demo.history import HistoryBuilder, HistoryReport, make_credit_code
from entrepreneurs.models import Enterprise, Entrepreneur
from government.models import Department, Official, Region
from issues.models import Category, Issue
from issues.workflow import issue_request_extension
from sessions.models import Edition

DEMO_PASSWORD = "huzhou-demo"  # noqa: S105 - documented demo password, set only by this command
#: One login for each role a person can have (README's table): the administrator, the city's
#: and a county's coordinator, a handler, a department lead, a leader and an entrepreneur.
DEMO_LOGINS = ("admin", "coordinator", "wuxing", "handler", "lead", "leader", "entrepreneur")

# --- Reference data --------------------------------------------------------------


def seed_reference_data() -> None:
    """Regions, departments and categories; existing rows are left as they are."""
    city = None
    for order, (code, division, name, name_en, level, _venue) in enumerate(data.REGIONS):
        region, _ = Region.objects.get_or_create(
            code=code,
            defaults={"division_code": division, "name": name, "name_en": name_en,
                      "level": level, "parent": city, "sort_order": order},
        )
        if level == Region.Level.CITY:
            city = region
    regions = {r.code: r for r in Region.objects.all()}
    for code, region_code, name, name_en in data.DEPARTMENTS:
        Department.objects.get_or_create(
            code=code, defaults={"region": regions[region_code], "name": name, "name_en": name_en,
                                 "requires_sign_off": code in data.SIGN_OFF_DEPARTMENTS}
        )
    departments = {d.code: d for d in Department.objects.all()}
    for order, (code, name, name_en, department, accept, resolve) in enumerate(data.CATEGORIES):
        description, description_en = data.CATEGORY_DESCRIPTIONS[code]
        Category.objects.get_or_create(
            code=code,
            defaults={"name": name, "name_en": name_en,
                      "description": description, "description_en": description_en,
                      "default_department": departments[department],
                      "accept_limit_days": accept, "resolve_limit_days": resolve,
                      "sort_order": order},
        )


def _official(username, *, name, department, role, title="", password=None):
    User = get_user_model()
    user, created = User.objects.get_or_create(username=username, defaults={"first_name": name})
    if created:
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(update_fields=["password"])
    official, _ = Official.objects.get_or_create(
        user=user, defaults={"name": name, "department": department, "role": role, "title": title}
    )
    return official


def seed_officials() -> None:
    """A coordinator for each region, a handler for each department and a lead for each
    department that signs its answers off (no password)."""
    departments = {d.code: d for d in Department.objects.all()}
    for region_code, department_code in data.HOST_DEPARTMENT.items():
        if region_code in data.COORDINATOR_LOGINS:
            continue  # that region's coordinator is a demo login
        _official(data.coordinator_username(region_code),
                  name=data.COORDINATOR_NAMES[region_code],
                  department=departments[department_code], role=Official.Role.COORDINATOR,
                  title="科长")
    for code, department in departments.items():
        if code != "huzhou-jxj":  # that department's handler is the demo login
            _official(f"handler-{code}", name=f"{department.name}经办人", department=department,
                      role=Official.Role.HANDLER, title="经办人")
    # The departments whose answers a lead signs off (审核签发) have one.
    for code in data.SIGN_OFF_DEPARTMENTS:
        if code in data.LEAD_LOGINS:
            continue  # that department's lead is a demo login
        department = departments[code]
        _official(f"lead-{code}", name=f"{department.name}分管负责人", department=department,
                  role=Official.Role.DEPARTMENT_LEAD, title="副局长")


def seed_demo_accounts() -> dict:
    """The documented demo logins (DEMO_LOGINS), each with the password DEMO_PASSWORD, and
    one sign-up waiting for the demo coordinator to verify it."""
    User = get_user_model()
    departments = {d.code: d for d in Department.objects.all()}
    admin, created = User.objects.get_or_create(
        username="admin",
        defaults={"first_name": "系统管理员", "email": "admin@example.com",
                  "is_staff": True, "is_superuser": True},
    )
    if created:
        admin.set_password(DEMO_PASSWORD)
        admin.save(update_fields=["password"])
    coordinator = _official("coordinator", name="沈晓燕", department=departments["huzhou-tzb"],
                            role=Official.Role.COORDINATOR, title="经济处处长",
                            password=DEMO_PASSWORD)
    handler = _official("handler", name="陆伟", department=departments["huzhou-jxj"],
                        role=Official.Role.HANDLER, title="企业服务科科员",
                        password=DEMO_PASSWORD)
    # Wuxing's coordinator hosts the district's weekly talk and sees the district's work.
    county_coordinator = _official(
        data.COORDINATOR_LOGINS["wuxing"], name=data.COORDINATOR_NAMES["wuxing"],
        department=departments["wuxing-tzb"], role=Official.Role.COORDINATOR,
        title="经济联络科科长", password=DEMO_PASSWORD)
    # The lead who signs off (审核签发) the Natural Resources and Planning Bureau's answers.
    lead = _official(
        data.LEAD_LOGINS["huzhou-zrzyj"], name="顾建明", department=departments["huzhou-zrzyj"],
        role=Official.Role.DEPARTMENT_LEAD, title="副局长", password=DEMO_PASSWORD)
    # A city leader who follows the figures and the sessions, and changes nothing.
    leader = _official("leader", name="潘国强", department=departments["huzhou-tzb"],
                       role=Official.Role.LEADER, title="副部长", password=DEMO_PASSWORD)
    wuxing = Region.objects.get(code="wuxing")
    entrepreneur = _demo_entrepreneur(
        username="entrepreneur", password=DEMO_PASSWORD, name="钱振华", mobile="13905720001",
        email="qian@example.com", credit_serial=99_000_001,
        enterprise={"name": "湖州丝路纺织科技有限公司", "region": wuxing,
                    "industry": Enterprise.Industry.MANUFACTURING,
                    "scale": Enterprise.Scale.MEDIUM},
        position="董事长", verification=Entrepreneur.Verification.VERIFIED,
        verified_at=timezone.now(), verified_by=coordinator.user,
    )
    # One person who signed up with a new enterprise and waits for the coordinator. Not a
    # demo login: the account has no usable password.
    _demo_entrepreneur(
        username="13905720002", password=None, name="孙悦", mobile="13905720002",
        email="sun@example.com", credit_serial=99_000_002,
        enterprise={"name": "湖州青禾生态农业有限公司", "region": wuxing,
                    "industry": Enterprise.Industry.AGRICULTURE,
                    "scale": Enterprise.Scale.SMALL},
        position="总经理", verification=Entrepreneur.Verification.PENDING,
    )
    return {"admin": admin, "coordinator": coordinator.user,
            "wuxing": county_coordinator.user, "handler": handler.user, "lead": lead.user,
            "leader": leader.user, "entrepreneur": entrepreneur.user}


def _demo_entrepreneur(
    *, username: str, password: str | None, name: str, mobile: str, email: str,
    credit_serial: int, enterprise: dict, **person,
) -> Entrepreneur:
    """An entrepreneur with an account (``password`` None: no usable password), a Wuxing
    enterprise, and the privacy notice accepted. Found again, not duplicated, on a re-run."""
    User = get_user_model()
    company, _ = Enterprise.objects.get_or_create(
        credit_code=make_credit_code("330502", credit_serial), defaults=enterprise
    )
    user, created = User.objects.get_or_create(
        username=username, defaults={"first_name": name, "email": email}
    )
    if created:
        user.set_password(password)  # None makes the password unusable
        user.save(update_fields=["password"])
    entrepreneur, _ = Entrepreneur.objects.get_or_create(
        user=user,
        defaults={"name": name, "mobile": mobile, "email": email, "enterprise": company,
                  "is_new_generation": True, "consent_to_contact": True,
                  "privacy_notice_version": PRIVACY_NOTICE_VERSION,
                  "privacy_consented_at": timezone.now(), **person},
    )
    return entrepreneur


def seed_history(*, today: date | None = None) -> HistoryReport:
    """The programme's record, upcoming sessions and open work; skipped if editions exist."""
    if Edition.objects.exists():
        return HistoryReport(skipped=True)
    report = HistoryBuilder(today=today or timezone.localdate()).build()
    # The history is written in bulk, which bypasses the rollups' per-save upkeep.
    rebuild_rollups()
    seed_extension_request()
    return report


def seed_extension_request() -> None:
    """The demo handler asks for more time on one issue, through the workflow, so the demo
    coordinator has a request to decide."""
    handler = Official.objects.select_related("user").get(user__username="handler")
    today = timezone.localdate()
    issue = (
        Issue.objects.filter(lead_department=handler.department, due_on__gte=today,
                             status__in=(Issue.Status.ACCEPTED, Issue.Status.IN_PROGRESS))
        .order_by("due_on", "pk").first()
    )
    if issue is None:
        return
    issue_request_extension(
        actor=handler.user, issue=issue, version=issue.version, days=5,
        reason="需要自然资源和规划局协助核实用地材料，申请延长5个工作日。",
    )


@transaction.atomic
def seed_all(*, today: date | None = None) -> HistoryReport:
    seed_reference_data()
    seed_demo_accounts()
    seed_officials()
    return seed_history(today=today)
