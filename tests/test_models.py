"""The data model refuses bad rows: in the database, and with a readable message in clean()."""

from datetime import date, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from core.models import Heartbeat
from entrepreneurs.models import Entrepreneur
from government.models import Region
from issues.models import MAX_ATTACHMENT_BYTES, Issue, IssueEvent, IssueSequence
from issues.services import issue_references_allocate
from notifications.models import Notification
from sessions.models import Attendance, TalkSession
from tests.factories import (
    SHANGHAI,
    AttachmentFactory,
    AttendanceFactory,
    CategoryFactory,
    CityFactory,
    DepartmentFactory,
    EditionFactory,
    EnterpriseFactory,
    EntrepreneurFactory,
    IssueEventFactory,
    IssueFactory,
    NotificationFactory,
    OfficialFactory,
    RegionFactory,
    SatisfactionRatingFactory,
    SessionSeriesFactory,
    TalkSessionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def refused_by_database(factory, **kwargs):
    """The row cannot be written, whatever the Python side thinks of it."""
    with pytest.raises(IntegrityError), transaction.atomic():
        factory(**kwargs)


def clean_errors(instance) -> dict[str, list[str]]:
    """full_clean()'s messages by field, in English."""
    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        instance.full_clean()
    with translation.override("en"):
        return {field: [str(m) for m in messages]
                for field, messages in excinfo.value.message_dict.items()}


def all_messages(errors: dict[str, list[str]]) -> list[str]:
    return [message for messages in errors.values() for message in messages]


# --- Regions, departments, officials ----------------------------------------------------------

def test_region_city_and_county_parent_rule_in_the_database():
    city = CityFactory()
    refused_by_database(RegionFactory, parent=None)
    refused_by_database(CityFactory, code="other-city", name="另一市", parent=city)


def test_region_parent_rule_in_clean():
    city = CityFactory()
    message = "A city has no parent region; a county must have one."
    assert message in all_messages(clean_errors(RegionFactory.build(parent=None)))
    city_with_parent = Region(code="x", name="某市", level=Region.Level.CITY, parent=city)
    assert message in all_messages(clean_errors(city_with_parent))
    RegionFactory.build(parent=city).full_clean()


def test_region_code_and_name_are_unique():
    region = RegionFactory()
    refused_by_database(RegionFactory, code=region.code)
    refused_by_database(RegionFactory, name=region.name)


def test_department_name_is_unique_within_a_region_only():
    department = DepartmentFactory()
    refused_by_database(DepartmentFactory, region=department.region, name=department.name)
    DepartmentFactory(name=department.name)  # same name in another county is fine


def test_a_user_has_at_most_one_official_place():
    official = OfficialFactory()
    refused_by_database(OfficialFactory, user=official.user)


def test_official_mobile_is_validated_and_normalised():
    official = OfficialFactory.build(department=DepartmentFactory(), user=UserFactory(),
                                     mobile="12812345678")
    assert "mobile" in clean_errors(official)
    official.mobile = "+86 139-1234-5678"
    official.full_clean()
    assert official.mobile == "13912345678"


# --- Enterprises and entrepreneurs -----------------------------------------------------------

def test_credit_code_is_unique_in_the_database():
    enterprise = EnterpriseFactory()
    refused_by_database(EnterpriseFactory, credit_code=enterprise.credit_code)


def test_duplicate_credit_code_is_reported_on_the_field_even_in_lower_case():
    enterprise = EnterpriseFactory()
    other = EnterpriseFactory.build(credit_code=enterprise.credit_code.lower(),
                                    region=enterprise.region)
    errors = clean_errors(other)
    assert list(errors) == ["credit_code"]
    assert "already exists" in errors["credit_code"][0]


def test_invalid_credit_code_is_reported_on_the_field():
    enterprise = EnterpriseFactory.build(region=RegionFactory(), credit_code="91330100799655058C")
    errors = clean_errors(enterprise)
    assert list(errors) == ["credit_code"]
    assert "check digit" in errors["credit_code"][0]


@pytest.mark.parametrize("typed", ["91330100799655058b", " 9133 0100 7996 5505 8B "])
def test_full_clean_normalises_a_pasted_credit_code(typed):
    enterprise = EnterpriseFactory.build(region=RegionFactory(), credit_code=typed)
    enterprise.full_clean()
    assert enterprise.credit_code == "91330100799655058B"


def test_mobile_is_unique_in_the_database_except_when_blank():
    person = EntrepreneurFactory()
    refused_by_database(EntrepreneurFactory, mobile=person.mobile)
    # Anonymised people keep a blank number, and there can be many of them.
    EntrepreneurFactory(mobile="")
    EntrepreneurFactory(mobile="")
    assert Entrepreneur.objects.filter(mobile="").count() == 2


def test_duplicate_mobile_is_reported_on_the_mobile_field():
    person = EntrepreneurFactory()
    for typed in (person.mobile, f"+86 {person.mobile}"):
        other = EntrepreneurFactory.build(mobile=typed, enterprise=person.enterprise)
        errors = clean_errors(other)
        assert list(errors) == ["mobile"]
        assert "already exists" in errors["mobile"][0]
    # The same person saved again is not their own duplicate.
    person.full_clean()


@pytest.mark.parametrize("typed", ["138-0000-1111", "+86 138 0000 1111", "0086 13800001111"])
def test_entrepreneur_mobile_is_normalised_by_full_clean(typed):
    person = EntrepreneurFactory.build(enterprise=EnterpriseFactory(), mobile=typed)
    person.full_clean()
    assert person.mobile == "13800001111"
    person.mobile = "12800001111"
    assert "mobile" in clean_errors(person)


# --- Editions, series, sessions, attendance ---------------------------------------------------

def test_edition_week_must_start_on_a_monday():
    edition = EditionFactory.build(week_start=date(2026, 1, 7))  # a Wednesday
    assert clean_errors(edition) == {"week_start": ["An edition's week starts on a Monday."]}
    edition.week_start = date(2026, 1, 5)
    edition.full_clean()


def test_edition_number_positive_and_unique_and_one_per_week():
    edition = EditionFactory()
    refused_by_database(EditionFactory, number=0)
    refused_by_database(EditionFactory, number=edition.number)
    refused_by_database(EditionFactory, week_start=edition.week_start)


def _session(**kwargs) -> TalkSession:
    edition = kwargs.pop("edition", None) or EditionFactory()
    return TalkSessionFactory.build(edition=edition, region=RegionFactory(), **kwargs)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), SHANGHAI)


def test_session_must_end_after_it_starts():
    edition = EditionFactory()
    wednesday = edition.week_start + timedelta(days=2)
    start = _at(wednesday, 14)
    for end in (start, start - timedelta(minutes=1)):
        errors = clean_errors(_session(edition=edition, starts_at=start, ends_at=end))
        assert errors == {"ends_at": ["A session must end after it starts."]}


def test_session_lasts_at_most_twelve_hours():
    edition = EditionFactory()
    start = _at(edition.week_start + timedelta(days=2), 8)
    errors = clean_errors(_session(edition=edition, starts_at=start,
                                   ends_at=start + timedelta(hours=12, minutes=1)))
    assert errors == {"ends_at": ["A session cannot last more than 12 hours."]}
    _session(edition=edition, starts_at=start, ends_at=start + timedelta(hours=12)).full_clean()


def test_session_falls_inside_its_edition_week_in_local_time():
    edition = EditionFactory(week_start=date(2026, 3, 2))
    # Sunday 23:30 in Huzhou is still the edition's week, although it is Sunday 15:30 UTC.
    sunday_night = _at(date(2026, 3, 8), 23, 30)
    _session(edition=edition, starts_at=sunday_night,
             ends_at=sunday_night + timedelta(minutes=20)).full_clean()
    # Monday 07:00 of the next week in Huzhou is still Sunday in UTC, but not this edition's.
    next_monday = _at(date(2026, 3, 9), 7)
    errors = clean_errors(_session(edition=edition, starts_at=next_monday,
                                   ends_at=next_monday + timedelta(hours=1)))
    assert list(errors) == ["starts_at"]
    assert "outside the edition's week (2026-03-02 to 2026-03-08)" in errors["starts_at"][0]


def test_session_time_and_capacity_rules_in_the_database():
    edition = EditionFactory()
    start = _at(edition.week_start + timedelta(days=2), 14)
    refused_by_database(TalkSessionFactory, edition=edition, starts_at=start, ends_at=start)
    refused_by_database(TalkSessionFactory, edition=edition, capacity=0)


def test_session_capacity_of_zero_is_refused_by_clean():
    errors = clean_errors(_session(capacity=0))
    assert "Capacity must be at least 1." in all_messages(errors)


@pytest.mark.parametrize(
    ("field_values", "message"),
    [
        ({"weekday": 7}, None),
        ({"duration_minutes": 14}, "A session lasts between 15 minutes and 12 hours."),
        ({"duration_minutes": 721}, "A session lasts between 15 minutes and 12 hours."),
        ({"capacity": 0}, "Capacity must be at least 1."),
        ({"starts_on": date(2026, 2, 1), "ends_on": date(2026, 1, 31)},
         "The last date cannot be before the first date."),
        ({"weeks_ahead": 0}, "Generate between 1 and 26 weeks ahead."),
        ({"weeks_ahead": 27}, "Generate between 1 and 26 weeks ahead."),
    ],
)
def test_series_ranges(field_values, message):
    refused_by_database(SessionSeriesFactory, **field_values)
    series = SessionSeriesFactory.build(region=RegionFactory(), **field_values)
    errors = clean_errors(series)
    if message:
        assert message in all_messages(errors)


def test_series_within_ranges_is_accepted():
    series = SessionSeriesFactory.build(region=RegionFactory(), weekday=6, duration_minutes=720,
                                        weeks_ahead=26, capacity=1, ends_on=date(2026, 1, 7))
    series.full_clean()


def test_one_attendance_per_person_per_session():
    attendance = AttendanceFactory()
    refused_by_database(AttendanceFactory, session=attendance.session,
                        entrepreneur=attendance.entrepreneur)
    duplicate = AttendanceFactory.build(session=attendance.session,
                                        entrepreneur=attendance.entrepreneur)
    assert any("already exists" in m for m in all_messages(clean_errors(duplicate)))
    # The same person at another session is fine.
    AttendanceFactory(entrepreneur=attendance.entrepreneur)


def test_attended_needs_a_check_in_time():
    refused_by_database(AttendanceFactory, status=Attendance.Status.ATTENDED, checked_in_at=None)
    AttendanceFactory(status=Attendance.Status.ATTENDED, checked_in_at=timezone.now())


# --- Issues ------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("accept", "resolve", "message"),
    [
        (0, 15, "Time limits are at least one working day."),
        (1, 0, "Time limits are at least one working day."),
        (5, 3, "The time to answer cannot be shorter than the time to accept."),
    ],
)
def test_category_limits(accept, resolve, message):
    refused_by_database(CategoryFactory, accept_limit_days=accept, resolve_limit_days=resolve)
    category = CategoryFactory.build(default_department=None, accept_limit_days=accept,
                                     resolve_limit_days=resolve)
    assert message in all_messages(clean_errors(category))


def test_category_code_and_name_are_unique():
    category = CategoryFactory()
    refused_by_database(CategoryFactory, code=category.code)
    refused_by_database(CategoryFactory, name=category.name)


def test_duplicate_must_name_the_original():
    refused_by_database(IssueFactory, status=Issue.Status.DUPLICATE, duplicate_of=None)
    original = IssueFactory()
    duplicate = IssueFactory.build(
        status=Issue.Status.DUPLICATE, category=original.category,
        enterprise=original.enterprise, entrepreneur=original.entrepreneur,
    )
    assert "A duplicate must name the issue it duplicates." in all_messages(
        clean_errors(duplicate))
    IssueFactory(status=Issue.Status.DUPLICATE, duplicate_of=original)


def test_an_issue_is_not_a_duplicate_of_itself():
    issue = IssueFactory()
    issue.duplicate_of = issue
    issue.status = Issue.Status.DUPLICATE
    with pytest.raises(IntegrityError), transaction.atomic():
        issue.save()


def test_rejection_needs_a_reason():
    refused_by_database(IssueFactory, status=Issue.Status.REJECTED, rejection_reason="")
    issue = IssueFactory()
    issue.status = Issue.Status.REJECTED
    assert "A rejection must give a reason." in all_messages(clean_errors(issue))
    issue.rejection_reason = "属于司法程序，不在恳谈范围内"
    issue.full_clean()


def test_issue_round_and_reference_rules():
    issue = IssueFactory()
    refused_by_database(IssueFactory, round=0)
    refused_by_database(IssueFactory, reference=issue.reference)


def test_dissatisfied_rating_needs_a_reason():
    refused_by_database(SatisfactionRatingFactory, value="dissatisfied", reason="")
    rating = SatisfactionRatingFactory.build(issue=IssueFactory(), value="dissatisfied")
    assert "Say why you are dissatisfied." in all_messages(clean_errors(rating))
    SatisfactionRatingFactory(value="dissatisfied", reason="handling")
    SatisfactionRatingFactory(value="satisfied", reason="")


def test_one_rating_per_round():
    rating = SatisfactionRatingFactory()
    refused_by_database(SatisfactionRatingFactory, issue=rating.issue, round=1)
    SatisfactionRatingFactory(issue=rating.issue, round=2, value="basically_satisfied")


@pytest.mark.parametrize("size", [0, MAX_ATTACHMENT_BYTES + 1])
def test_attachment_size_limit(size):
    refused_by_database(AttachmentFactory, size=size)


def test_attachment_of_exactly_ten_megabytes_is_accepted():
    AttachmentFactory(size=MAX_ATTACHMENT_BYTES)


def test_issue_event_is_append_only():
    event = IssueEventFactory(message="已提交")
    event.message = "rewritten history"
    with pytest.raises(ValidationError):
        event.save()
    with pytest.raises(ValidationError):
        event.delete()
    stored = IssueEvent.objects.get(pk=event.pk)
    assert stored.message == "已提交"
    # A new entry for the same issue is of course allowed.
    IssueEventFactory(issue=event.issue, kind=IssueEvent.Kind.DISPATCHED)
    assert event.issue.events.count() == 2


# --- Notifications and heartbeats -------------------------------------------------------------

def test_notification_rules_in_the_database():
    notification = NotificationFactory()
    refused_by_database(NotificationFactory, key=notification.key)
    refused_by_database(NotificationFactory, channel=Notification.Channel.IN_APP, recipient=None)
    refused_by_database(NotificationFactory, channel=Notification.Channel.EMAIL, address="")
    refused_by_database(NotificationFactory, channel=Notification.Channel.SMS, address="")
    NotificationFactory(channel=Notification.Channel.IN_APP, address="", recipient=UserFactory())


def test_heartbeat_name_is_unique():
    Heartbeat.objects.create(name="worker")
    with pytest.raises(IntegrityError), transaction.atomic():
        Heartbeat.objects.create(name="worker")


# --- Bilingual names ---------------------------------------------------------------------------

def test_display_name_follows_the_active_language():
    county = RegionFactory(name="吴兴区", name_en="Wuxing District")
    department = DepartmentFactory(name="市场监督管理局", name_en="Market Regulation")
    category = CategoryFactory(name="要素保障", name_en="Factor supply")
    with translation.override("en"):
        assert county.display_name == "Wuxing District"
        assert str(department) == "Market Regulation"
        assert str(category) == "Factor supply"
    with translation.override("zh-hans"):
        assert county.display_name == "吴兴区"
        assert str(department) == "市场监督管理局"
        assert str(category) == "要素保障"


def test_display_name_falls_back_to_chinese_without_an_english_name():
    county = RegionFactory(name="南太湖新区", name_en="")
    with translation.override("en"):
        assert county.display_name == "南太湖新区"


# --- Issue references --------------------------------------------------------------------------

def test_references_are_consecutive_and_continue_across_calls():
    assert issue_references_allocate(year=2026) == ["HZ-2026-000001"]
    assert issue_references_allocate(year=2026, count=3) == [
        "HZ-2026-000002", "HZ-2026-000003", "HZ-2026-000004",
    ]
    assert issue_references_allocate(year=2026) == ["HZ-2026-000005"]


def test_references_restart_each_year():
    issue_references_allocate(year=2026, count=7)
    assert issue_references_allocate(year=2027) == ["HZ-2027-000001"]
    assert issue_references_allocate(year=2026) == ["HZ-2026-000008"]
    assert dict(IssueSequence.objects.values_list("year", "last_number")) == {2026: 8, 2027: 1}


def test_reference_count_must_be_positive():
    with pytest.raises(ValueError):
        issue_references_allocate(year=2026, count=0)
    assert not IssueSequence.objects.exists()


def test_the_open_issues_index_covers_exactly_the_open_statuses():
    """The partial index behind the work queues names the open statuses by hand (a model's
    Meta cannot read the class's constants): it must stay in step with them."""
    index = next(index for index in Issue._meta.indexes if index.name == "issue_open_by_due")
    assert set(dict(index.condition.children)["status__in"]) == set(Issue.OPEN_STATUSES)
