"""factory_boy factories: one per model, cheap, and valid by default."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone
from factory.django import DjangoModelFactory

from core.validators import credit_code_check_character
from dashboard.scope import DashboardFilters, ScopedFilters, dashboard_scope_for_user
from entrepreneurs.models import Enterprise, Entrepreneur
from government.models import Department, Official, Region
from issues.models import (
    AssistingDepartment,
    Attachment,
    Category,
    Issue,
    IssueEvent,
    SatisfactionRating,
)
from issues.services import issue_references_allocate
from issues.signals import assistance_changed, issue_changed
from notifications.models import Notification
from sessions.models import Attendance, Edition, SessionSeries, TalkSession
from sessions.signals import place_changed, session_changed

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: The Monday the factory editions count from.
FIRST_MONDAY = date(2026, 1, 5)


def credit_code(n: int, *, region: str = "330502") -> str:
    """A valid 18-character unified social credit code, different for every ``n``.

    The factories count ``n`` up from 0 through the whole test run; a test that needs a
    code of its own takes one from 990_000_000 up, which the sequence never reaches.
    """
    first_seventeen = f"91{region}{n:09d}"
    return first_seventeen + credit_code_check_character(first_seventeen)


def mobile(n: int) -> str:
    """Factory-made mobiles start 1366: no test types a number there, so a sequence that
    runs long (one xdist worker builds thousands) never meets a number a test fixed."""
    return f"1366{n:07d}"


def announce_created(row):
    """Send the domain signal a write path sends when it creates ``row`` (``before=None``),
    so that rows built by the factories reach its receivers (the dashboard's rollups) as a
    writer's do. Returns ``row``."""
    if isinstance(row, Issue):
        issue_changed.send(sender=Issue, issue=row, before=None)
    elif isinstance(row, AssistingDepartment):
        assistance_changed.send(sender=AssistingDepartment, assistance=row, added=True)
    elif isinstance(row, TalkSession):
        session_changed.send(sender=TalkSession, session=row, before=None)
    elif isinstance(row, Attendance):
        place_changed.send(sender=Attendance, place=row, before=None, deleted=False)
    return row


class AnnouncedFactory(DjangoModelFactory):
    """A factory whose created rows send their domain signal (``announce_created``)."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return announce_created(super()._create(model_class, *args, **kwargs))


def scoped_filters(**values) -> ScopedFilters:
    """Dashboard filters (``DashboardFilters`` fields) held to the whole city's scope, as
    an administrator's are: what the dashboard's selectors take."""
    administrator = get_user_model()(is_superuser=True, is_active=True)
    return dashboard_scope_for_user(user=administrator, filters=DashboardFilters(**values))


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.django.Password("correct horse battery staple")


class CityFactory(DjangoModelFactory):
    """Huzhou itself: there is one city, shared by every county."""

    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = "huzhou"
    name = "湖州市"
    name_en = "Huzhou"
    level = Region.Level.CITY
    division_code = "330500"
    parent = None


class RegionFactory(DjangoModelFactory):
    """A county-level region under Huzhou."""

    class Meta:
        model = Region

    code = factory.Sequence(lambda n: f"county-{n}")
    name = factory.Sequence(lambda n: f"测试区{n}")
    name_en = factory.Sequence(lambda n: f"Test County {n}")
    level = Region.Level.COUNTY
    parent = factory.SubFactory(CityFactory)
    sort_order = factory.Sequence(lambda n: n + 1)


class DepartmentFactory(DjangoModelFactory):
    class Meta:
        model = Department

    region = factory.SubFactory(RegionFactory)
    code = factory.Sequence(lambda n: f"department-{n}")
    name = factory.Sequence(lambda n: f"测试局{n}")
    name_en = factory.Sequence(lambda n: f"Test Bureau {n}")


class OfficialFactory(DjangoModelFactory):
    class Meta:
        model = Official

    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"干部{n}")
    department = factory.SubFactory(DepartmentFactory)
    role = Official.Role.HANDLER
    title = "科员"
    mobile = factory.Sequence(lambda n: f"1356{n:07d}")  # as ``mobile``: a free prefix


class EnterpriseFactory(DjangoModelFactory):
    class Meta:
        model = Enterprise

    name = factory.Sequence(lambda n: f"湖州测试企业{n}有限公司")
    credit_code = factory.Sequence(credit_code)
    region = factory.SubFactory(RegionFactory)
    industry = Enterprise.Industry.MANUFACTURING
    scale = Enterprise.Scale.SMALL


class EntrepreneurFactory(DjangoModelFactory):
    class Meta:
        model = Entrepreneur

    user = None
    name = factory.Sequence(lambda n: f"企业家{n}")
    mobile = factory.Sequence(mobile)
    email = factory.Sequence(lambda n: f"boss{n}@example.com")
    enterprise = factory.SubFactory(EnterpriseFactory)
    position = "董事长"
    consent_to_contact = True
    verification = Entrepreneur.Verification.VERIFIED

    class Params:
        with_user = factory.Trait(user=factory.SubFactory(UserFactory))


class EditionFactory(DjangoModelFactory):
    class Meta:
        model = Edition

    number = factory.Sequence(lambda n: n + 1)
    theme = factory.Sequence(lambda n: f"第{n + 1}期主题")
    week_start = factory.Sequence(lambda n: FIRST_MONDAY + timedelta(weeks=n))


def _wednesday_afternoon(edition: Edition) -> datetime:
    return datetime.combine(edition.week_start + timedelta(days=2), time(14, 30), SHANGHAI)


class SessionSeriesFactory(DjangoModelFactory):
    class Meta:
        model = SessionSeries
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"每周三恳谈 {n}")
    region = factory.SubFactory(RegionFactory)
    start_time = time(14, 30)
    venue = "市民之家"
    starts_on = date(2026, 1, 7)


class TalkSessionFactory(AnnouncedFactory):
    class Meta:
        model = TalkSession
        skip_postgeneration_save = True

    edition = factory.SubFactory(EditionFactory)
    region = factory.SubFactory(RegionFactory)
    theme = factory.Sequence(lambda n: f"政企恳谈 {n}")
    venue = "市民之家"
    starts_at = factory.LazyAttribute(lambda s: _wednesday_afternoon(s.edition))
    ends_at = factory.LazyAttribute(lambda s: s.starts_at + timedelta(hours=2))
    capacity = 10


class AttendanceFactory(AnnouncedFactory):
    class Meta:
        model = Attendance

    session = factory.SubFactory(TalkSessionFactory)
    entrepreneur = factory.SubFactory(EntrepreneurFactory)
    status = Attendance.Status.REGISTERED
    registered_at = factory.LazyFunction(timezone.now)


class CategoryFactory(DjangoModelFactory):
    class Meta:
        model = Category

    code = factory.Sequence(lambda n: f"category-{n}")
    name = factory.Sequence(lambda n: f"营商环境{n}")
    name_en = factory.Sequence(lambda n: f"Environment {n}")
    default_department = factory.SubFactory(DepartmentFactory)
    accept_limit_days = 1
    resolve_limit_days = 15


class IssueFactory(AnnouncedFactory):
    class Meta:
        model = Issue
        skip_postgeneration_save = True

    reference = factory.LazyFunction(lambda: issue_references_allocate(year=2026)[0])
    title = factory.Sequence(lambda n: f"用地指标问题 {n}")
    description = "企业扩建需要新增用地指标。"
    category = factory.SubFactory(CategoryFactory)
    enterprise = factory.SubFactory(EnterpriseFactory)
    entrepreneur = factory.SubFactory(
        EntrepreneurFactory, enterprise=factory.SelfAttribute("..enterprise")
    )
    region = factory.SelfAttribute("enterprise.region")
    status = Issue.Status.SUBMITTED


class AssistingDepartmentFactory(AnnouncedFactory):
    class Meta:
        model = AssistingDepartment

    issue = factory.SubFactory(IssueFactory)
    department = factory.SubFactory(DepartmentFactory)


class IssueEventFactory(DjangoModelFactory):
    class Meta:
        model = IssueEvent

    issue = factory.SubFactory(IssueFactory)
    kind = IssueEvent.Kind.SUBMITTED
    to_status = Issue.Status.SUBMITTED
    message = "已提交"


class AttachmentFactory(DjangoModelFactory):
    """Metadata only: no bytes are written to the storage."""

    class Meta:
        model = Attachment

    issue = factory.SubFactory(IssueFactory)
    sha256 = factory.Sequence(lambda n: f"{n:064x}")
    file = factory.LazyAttribute(lambda a: f"attachments/2026/01/{a.sha256[:2]}/{a.sha256}")
    original_name = "营业执照.pdf"
    content_type = "application/pdf"
    size = 1024
    uploaded_by = factory.SubFactory(UserFactory)


class SatisfactionRatingFactory(DjangoModelFactory):
    class Meta:
        model = SatisfactionRating

    issue = factory.SubFactory(IssueFactory, status=Issue.Status.CLOSED)
    round = 1
    value = SatisfactionRating.Value.SATISFIED


class NotificationFactory(DjangoModelFactory):
    class Meta:
        model = Notification

    key = factory.Sequence(lambda n: f"test:{n}:email")
    channel = Notification.Channel.EMAIL
    address = factory.Sequence(lambda n: f"person{n}@example.com")
    subject = "您的问题已受理"
    body = "请登录查看处理进展。"
