"""The coordinators' working-day calendar: the services, the signal, the recompute of open
issues' due dates, the page in the site and the admin."""

import logging
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from core import services
from core.models import CalendarDay
from core.signals import working_calendar_changed
from core.workdays import WorkCalendar
from government.models import Official
from issues.deadlines import issue_due_dates_recompute
from issues.models import AssistingDepartment, Issue
from issues.tasks import recompute_due_dates_task
from tests.factories import DepartmentFactory, IssueFactory, OfficialFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

#: A round started on Monday 28 September 2026: accept within 1 working day (Tuesday
#: 29 September), resolve within 15 (Friday 23 October, across the National Day holiday).
STARTED = date(2026, 9, 28)
ACCEPT_DUE = date(2026, 9, 29)
DUE = date(2026, 10, 23)
#: A Monday inside that window, made a day off in the tests: the due date moves to the 26th.
MONDAY = date(2026, 10, 12)


def open_issue(status=Issue.Status.IN_PROGRESS, **fields) -> Issue:
    clock = {"round_started_on": STARTED, "accept_limit_days": 1, "resolve_limit_days": 15,
             "accept_due_on": ACCEPT_DUE, "due_on": DUE}
    return IssueFactory(status=status, **{**clock, **fields})


def coordinator():
    return OfficialFactory(role=Official.Role.COORDINATOR).user


def handler():
    return OfficialFactory(role=Official.Role.HANDLER).user


@pytest.fixture
def announced():
    """The ``days`` of every ``working_calendar_changed`` sent during the test."""
    sent = []

    def receiver(sender, days, **kwargs):
        sent.append(days)

    working_calendar_changed.connect(receiver, dispatch_uid="test_calendar.announced")
    yield sent
    working_calendar_changed.disconnect(dispatch_uid="test_calendar.announced")


@pytest.fixture
def queued(monkeypatch):
    """The keyword arguments of every recompute task queued during the test."""
    calls = []
    monkeypatch.setattr(recompute_due_dates_task, "delay", lambda **kwargs: calls.append(kwargs))
    return calls


# --- Services and the signal ---------------------------------------------------------------

def test_setting_a_day_is_announced_once_committed(announced, django_capture_on_commit_callbacks):
    user = coordinator()
    with django_capture_on_commit_callbacks() as callbacks:
        entry = services.calendar_day_set(actor=user, day=MONDAY, is_working_day=False,
                                          note="临时放假")
        assert announced == []  # not before the commit
    assert (entry.day, entry.is_working_day, entry.note, entry.updated_by) == (
        MONDAY, False, "临时放假", user)
    for callback in callbacks:
        callback()
    assert announced == [[MONDAY]]


def test_changing_and_removing_a_day_is_announced_only_when_its_status_changes(
        announced, django_capture_on_commit_callbacks):
    user = coordinator()
    with django_capture_on_commit_callbacks(execute=True):
        services.calendar_day_set(actor=user, day=MONDAY, is_working_day=False)
        # Only the note: no due date moves, nothing is announced.
        services.calendar_day_set(actor=user, day=MONDAY, is_working_day=False, note="补充说明")
        # What the library says anyway (a Tuesday that is a working day): nothing either.
        services.calendar_day_set(actor=user, day=date(2026, 10, 13), is_working_day=True)
    assert announced == [[MONDAY]]
    assert CalendarDay.objects.get(day=MONDAY).note == "补充说明"
    with django_capture_on_commit_callbacks(execute=True):
        services.calendar_day_set(actor=user, day=MONDAY, is_working_day=True)
        assert services.calendar_day_remove(actor=user, day=date(2026, 10, 13))
        assert not services.calendar_day_remove(actor=user, day=date(2026, 10, 14))
    assert announced == [[MONDAY], [MONDAY]]
    with django_capture_on_commit_callbacks(execute=True):
        services.calendar_day_set(actor=user, day=MONDAY, is_working_day=False)
        assert services.calendar_day_remove(actor=user, day=MONDAY)
    assert announced == [[MONDAY], [MONDAY], [MONDAY], [MONDAY]]
    assert not CalendarDay.objects.exists()


def test_only_coordinators_and_administrators_change_the_calendar(admin_user):
    with pytest.raises(PermissionDenied):
        services.calendar_day_set(actor=handler(), day=MONDAY, is_working_day=False)
    services.calendar_day_set(actor=admin_user, day=MONDAY, is_working_day=False)
    with pytest.raises(PermissionDenied):
        services.calendar_day_remove(actor=handler(), day=MONDAY)
    assert CalendarDay.objects.filter(day=MONDAY).exists()


def test_a_note_that_is_too_long_is_refused():
    with pytest.raises(ValidationError) as error:
        services.calendar_day_set(actor=coordinator(), day=MONDAY, is_working_day=False,
                                  note="长" * 101)
    assert "note" in error.value.error_dict
    assert not CalendarDay.objects.exists()


def test_a_change_queues_the_recompute_of_the_changed_days(queued,
                                                           django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.calendar_day_set(actor=coordinator(), day=MONDAY, is_working_day=False)
    assert queued == [{"days": ["2026-10-12"]}]


def test_a_broker_outage_loses_no_calendar_change(monkeypatch, caplog,
                                                  django_capture_on_commit_callbacks):
    def broker_down(**kwargs):
        raise OperationalError("Connection refused")

    monkeypatch.setattr(recompute_due_dates_task, "delay", broker_down)
    with caplog.at_level(logging.WARNING, logger="issues.deadlines"), \
            django_capture_on_commit_callbacks(execute=True):
        services.calendar_day_set(actor=coordinator(), day=MONDAY, is_working_day=False)
    assert CalendarDay.objects.filter(day=MONDAY, is_working_day=False).exists()
    assert "2026-10-12" in caplog.text


def test_end_to_end_a_new_holiday_moves_an_open_issues_due_date(
        monkeypatch, django_capture_on_commit_callbacks):
    # The queued task runs here, as a worker would run it.
    monkeypatch.setattr(recompute_due_dates_task, "delay",
                        lambda **kwargs: recompute_due_dates_task.apply(kwargs=kwargs))
    issue = open_issue()
    with django_capture_on_commit_callbacks(execute=True):
        services.calendar_day_set(actor=coordinator(), day=MONDAY, is_working_day=False)
    issue.refresh_from_db()
    assert issue.due_on == date(2026, 10, 26)
    assert issue.accept_due_on == ACCEPT_DUE


# --- Recomputing due dates -----------------------------------------------------------------

def test_recompute_follows_the_calendar_for_open_issues_and_their_assisting_departments():
    issue = open_issue()
    assistance = AssistingDepartment.objects.create(
        issue=issue, department=DepartmentFactory(), resolve_limit_days=10,
        due_on=date(2026, 10, 16),
    )
    assert issue_due_dates_recompute() == 0  # the stored dates agree with the library
    CalendarDay.objects.create(day=MONDAY, is_working_day=False)
    CalendarDay.objects.create(day=date(2026, 9, 29), is_working_day=False)
    assert issue_due_dates_recompute(days=[MONDAY, date(2026, 9, 29)]) == 1
    issue.refresh_from_db()
    assistance.refresh_from_db()
    assert issue.accept_due_on == date(2026, 9, 30)
    assert issue.due_on == date(2026, 10, 27)
    assert assistance.due_on == date(2026, 10, 20)
    assert issue_due_dates_recompute() == 0  # idempotent


def test_recompute_leaves_closed_issues_and_incomplete_clocks_alone():
    closed = open_issue(status=Issue.Status.CLOSED)
    rejected = open_issue(status=Issue.Status.REJECTED, rejection_reason="不属于涉企问题")
    no_clock = open_issue(round_started_on=None)
    no_accept_limit = open_issue(accept_limit_days=None, accept_due_on=date(2026, 9, 28))
    CalendarDay.objects.create(day=MONDAY, is_working_day=False)
    assert issue_due_dates_recompute() == 1
    for untouched in (closed, rejected, no_clock):
        untouched.refresh_from_db()
        assert untouched.due_on == DUE
    no_accept_limit.refresh_from_db()
    assert no_accept_limit.due_on == date(2026, 10, 26)
    assert no_accept_limit.accept_due_on == date(2026, 9, 28)


def test_a_day_before_the_round_started_moves_nothing():
    issue = open_issue(due_on=date(2026, 1, 1))  # a wrong date that a full recompute fixes
    CalendarDay.objects.create(day=date(2026, 9, 21), is_working_day=False)
    assert issue_due_dates_recompute(days=[date(2026, 9, 21)]) == 0
    assert issue_due_dates_recompute(days=[STARTED]) == 0  # the start day itself never counts
    issue.refresh_from_db()
    assert issue.due_on == date(2026, 1, 1)
    assert issue_due_dates_recompute() == 1
    issue.refresh_from_db()
    assert issue.due_on == DUE


def test_the_recompute_task_takes_iso_dates():
    issue = open_issue()
    CalendarDay.objects.create(day=MONDAY, is_working_day=False)
    recompute_due_dates_task.apply(kwargs={"days": ["2026-10-12"]})
    issue.refresh_from_db()
    assert issue.due_on == date(2026, 10, 26)


def test_an_extension_approved_during_the_recompute_is_not_overwritten():
    issue = open_issue()
    CalendarDay.objects.create(day=MONDAY, is_working_day=False)

    class ExtensionMeanwhile(WorkCalendar):
        """Another process approves five more working days while the recompute runs."""

        def add_working_days(self, start, days):
            if not getattr(self, "approved", False):
                self.approved = True
                Issue.objects.filter(pk=issue.pk).update(resolve_limit_days=20,
                                                         due_on=date(2026, 11, 2))
            return super().add_working_days(start, days)

    calendar = ExtensionMeanwhile({MONDAY: False})
    issue_due_dates_recompute(calendar=calendar)
    issue.refresh_from_db()
    assert (issue.resolve_limit_days, issue.due_on) == (20, date(2026, 11, 2))
    issue_due_dates_recompute()  # the next run computes from the new clock
    issue.refresh_from_db()
    assert issue.due_on == date(2026, 11, 2)


def test_the_recompute_runs_a_fixed_number_of_queries():
    CalendarDay.objects.create(day=MONDAY, is_working_day=False)

    def count(n):
        issues = [open_issue() for _ in range(n)]
        for issue in issues:
            AssistingDepartment.objects.create(issue=issue, department=DepartmentFactory(),
                                               resolve_limit_days=15, due_on=DUE)
        with CaptureQueriesContext(connection) as queries:
            assert issue_due_dates_recompute() == n
        return len(queries)

    # The calendar, the issues, their update, the assisting departments, their update.
    assert count(2) == count(12) == 5


# --- The page ------------------------------------------------------------------------------

def test_a_coordinator_sees_the_years_entries_and_whether_the_library_knows_it(client):
    client.force_login(coordinator())
    CalendarDay.objects.create(day=date(2027, 10, 1), is_working_day=False, note="国庆节")
    CalendarDay.objects.create(day=date(2027, 10, 9), is_working_day=True, note="调休上班")
    CalendarDay.objects.create(day=MONDAY, is_working_day=False, note="另一年")
    page = client.get(reverse("calendar:index"), {"year": 2027}).content.decode()
    assert "The library does not know 2027 yet" in page
    assert "国庆节" in page and "调休上班" in page
    assert "另一年" not in page
    assert "Without this entry: a working day." in page  # Friday 1 October 2027
    assert "Without this entry: a day off." in page  # Saturday 9 October 2027
    page = client.get(reverse("calendar:index"), {"year": 2026}).content.decode()
    assert "The library has the State Council's schedule for 2026" in page
    assert "另一年" in page


def test_the_page_shows_this_year_by_default_and_for_a_year_it_cannot_read(client):
    client.force_login(coordinator())
    this_year = timezone.localdate().year
    for query in ({}, {"year": "twenty"}, {"year": "99999"}):
        response = client.get(reverse("calendar:index"), query)
        assert response.status_code == 200
        assert response.context["year"] == this_year


def test_the_page_runs_a_fixed_number_of_queries(client, django_assert_num_queries):
    client.force_login(coordinator())
    url = reverse("calendar:index")
    CalendarDay.objects.create(day=date(2027, 1, 4), is_working_day=False)
    with CaptureQueriesContext(connection) as few:
        client.get(url, {"year": 2027})
    for day in range(5, 25):
        CalendarDay.objects.create(day=date(2027, 1, day), is_working_day=False,
                                   updated_by=coordinator())
    with django_assert_num_queries(len(few)):
        response = client.get(url, {"year": 2027})
    assert len(response.context["entries"]) == 21


def test_a_coordinator_sets_a_day_and_sees_it(client):
    user = coordinator()
    client.force_login(user)
    response = client.post(reverse("calendar:set"),
                           {"day": "2027-10-08", "status": "off", "note": "国庆节"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("calendar:index") + "?year=2027"
    entry = CalendarDay.objects.get(day=date(2027, 10, 8))
    assert (entry.is_working_day, entry.note, entry.updated_by) == (False, "国庆节", user)
    page = response.content.decode()
    assert "is saved as a day off" in page
    assert "国庆节" in page
    # The same day again: corrected, not doubled.
    client.post(reverse("calendar:set"), {"day": "2027-10-08", "status": "working", "note": ""})
    entry.refresh_from_db()
    assert entry.is_working_day
    assert CalendarDay.objects.count() == 1


@pytest.mark.parametrize(("data", "message"), [
    ({"day": "2027-02-30", "status": "off"}, "Enter a date such as 2027-10-01."),
    ({"day": "next friday", "status": "off"}, "Enter a date such as 2027-10-01."),
    ({"day": "1850-10-01", "status": "off"}, "Choose a day between 2000 and 2100."),
    ({"day": "2027-10-08", "status": "maybe"}, "Select a valid choice."),
    ({"day": "2027-10-08", "status": "off", "note": "长" * 101}, "at most 100 characters"),
])
def test_a_wrong_entry_is_shown_on_the_form(client, data, message):
    client.force_login(coordinator())
    response = client.post(reverse("calendar:set") + "?year=2027", data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert response.context["form"].errors
    assert response.context["year"] == 2027
    assert not CalendarDay.objects.exists()


def test_a_coordinator_removes_a_day(client):
    client.force_login(coordinator())
    CalendarDay.objects.create(day=date(2027, 10, 8), is_working_day=False)
    url = reverse("calendar:delete", kwargs={"day": "2027-10-08"})
    response = client.post(url, follow=True)
    assert "is removed" in response.content.decode()
    assert not CalendarDay.objects.exists()
    response = client.post(url, follow=True)
    assert "There was no entry" in response.content.decode()
    bad = reverse("calendar:delete", kwargs={"day": "2027-13-40"})
    assert client.post(bad).status_code == 404


def test_a_handler_is_told_why_not(client):
    client.force_login(handler())
    CalendarDay.objects.create(day=MONDAY, is_working_day=False)
    for response in (
        client.get(reverse("calendar:index")),
        client.post(reverse("calendar:set"), {"day": "2027-10-08", "status": "off"}),
        client.post(reverse("calendar:delete", kwargs={"day": MONDAY.isoformat()})),
    ):
        assert response.status_code == 403
        assert "working-day calendar" in str(response.context["exception"])
    assert CalendarDay.objects.count() == 1
    assert not CalendarDay.objects.filter(day=date(2027, 10, 8)).exists()


def test_anonymous_visitors_are_sent_to_log_in(client):
    for response in (
        client.get(reverse("calendar:index")),
        client.post(reverse("calendar:set"), {"day": "2027-10-08", "status": "off"}),
    ):
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    assert not CalendarDay.objects.exists()


# --- The admin -----------------------------------------------------------------------------

def test_adding_a_day_in_the_admin_goes_through_the_service(admin_client, admin_user, announced,
                                                            django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("admin:core_calendarday_add"),
                                     {"day": "2026-10-12", "note": "临时放假"})
    assert response.status_code == 302
    entry = CalendarDay.objects.get()
    assert (entry.day, entry.is_working_day, entry.updated_by) == (MONDAY, False, admin_user)
    assert announced == [[MONDAY]]
    admin_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    changelist = admin_client.get(reverse("admin:core_calendarday_changelist"))
    assert "Monday" in changelist.content.decode()


def test_changing_and_deleting_in_the_admin_announce_the_days(admin_client, announced,
                                                              django_capture_on_commit_callbacks):
    monday = CalendarDay.objects.create(day=MONDAY, is_working_day=False)
    tuesday = CalendarDay.objects.create(day=date(2026, 10, 13), is_working_day=False)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:core_calendarday_change", args=[monday.pk]),
            {"is_working_day": "on", "note": "恢复上班"},
        )
    assert response.status_code == 302
    monday.refresh_from_db()
    assert (monday.day, monday.is_working_day, monday.note) == (MONDAY, True, "恢复上班")
    assert announced == [[MONDAY]]
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("admin:core_calendarday_changelist"), {
            "action": "delete_selected", "_selected_action": [monday.pk, tuesday.pk],
            "post": "yes",
        })
    assert not CalendarDay.objects.exists()
    # The Monday was a working day by the library too; only the Tuesday changes back.
    assert announced == [[MONDAY], [date(2026, 10, 13)]]
