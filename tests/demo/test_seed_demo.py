"""`seed_demo` reproduces the programme's published figures, whatever day it runs."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db.models import Count, Q

from core.validators import validate_credit_code
from demo.seed import (
    DEMO_LOGINS,
    DEMO_PASSWORD,
    seed_all,
    seed_demo_accounts,
    seed_reference_data,
)
from entrepreneurs.models import Enterprise, Entrepreneur
from entrepreneurs.selectors import pending_entrepreneurs_for_user
from government.models import Department, Official
from issues.models import Answer, FollowUpCall, Issue, IssueEvent, SatisfactionRating
from sessions.models import Attendance, Edition, TalkSession
from tests.helpers import SHANGHAI

pytestmark = pytest.mark.django_db
def published_figures():
    """The headline figures, counted straight from the tables by DESIGN.md's definitions."""
    rated = Issue.objects.exclude(latest_rating="")
    return {
        "editions": Edition.objects.filter(sessions__status="held").distinct().count(),
        "sessions": TalkSession.objects.filter(status="held").count(),
        "attendances": Attendance.objects.filter(status="attended", session__status="held").count(),
        "issues": Issue.objects.count(),
        "satisfied": rated.filter(latest_rating__in=["satisfied", "basically_satisfied"]).count(),
        "rated": rated.count(),
    }


def row_counts():
    return {model._meta.label: model.objects.count() for model in apps.get_models()
            if not model._meta.label.startswith(("admin.", "sessions.", "django_celery_beat."))}


# A date in the middle of 2026, one inside the Spring Festival, and one in a year
# the holiday library does not know yet.
@pytest.mark.parametrize("today", [date(2026, 11, 28), date(2026, 2, 20), date(2027, 3, 3)])
def test_history_reproduces_the_published_record(today):
    # The seed runs on the day it is given: the workflow steps it takes read the clock.
    with time_machine.travel(datetime.combine(today, time(9), tzinfo=SHANGHAI), tick=False):
        seed_all(today=today)

    figures = published_figures()
    assert figures == {"editions": 76, "sessions": 595, "attendances": 4545, "issues": 5895,
                       "satisfied": 5862, "rated": 5895}
    assert f"{figures['satisfied'] / figures['rated']:.2%}" == "99.44%"

    # Every open state has work in it, so every queue has something to show.
    still_open = Issue.OPEN_STATUSES + (Issue.Status.RESOLVED,)
    open_states = set(Issue.objects.filter(status__in=still_open).values_list("status", flat=True))
    assert open_states == {"submitted", "dispatched", "returned", "accepted", "in_progress",
                           "resolved"}
    # And upcoming sessions to register for, one of them full with a waiting list.
    assert TalkSession.objects.filter(status="open").count() == 7
    assert Attendance.objects.filter(status="waitlisted").exists()

    # Nothing happens after the day the seed ran.
    end_of_day = datetime.combine(today, time.max, tzinfo=SHANGHAI)
    assert not Issue.objects.filter(
        Q(submitted_at__gt=end_of_day) | Q(dispatched_at__gt=end_of_day)
        | Q(accepted_at__gt=end_of_day) | Q(resolved_at__gt=end_of_day)
        | Q(closed_at__gt=end_of_day)
    ).exists()
    assert not IssueEvent.objects.filter(created_at__gt=end_of_day).exists()
    assert not SatisfactionRating.objects.filter(rated_at__gt=end_of_day).exists()
    assert not TalkSession.objects.filter(status="held", starts_at__gt=end_of_day).exists()


def test_history_is_consistent_with_the_models_own_rules():
    seed_all(today=date(2026, 11, 28))
    for code in Enterprise.objects.values_list("credit_code", flat=True):
        validate_credit_code(code)
    for session in TalkSession.objects.select_related("edition"):
        session.clean()  # inside its edition's week, ends after it starts, under 12 hours
    for edition in Edition.objects.all():
        edition.clean()
    # A reopened issue's latest rating is its last round's.
    for issue in Issue.objects.filter(round=2).prefetch_related("ratings"):
        assert issue.latest_rating == max(issue.ratings.all(), key=lambda r: r.round).value
    # Each closed issue's timeline runs from submission to its closing rating (with, for
    # some, the answer sent for sign-off and a follow-up call beside the steps).
    issue = Issue.objects.filter(status="closed", round=1).first()
    kinds = list(issue.events.exclude(kind__in=["call", "answer_submitted"])
                 .values_list("kind", flat=True))
    assert kinds == ["submitted", "dispatched", "accepted", "resolved", "rated"]
    assert issue.events.filter(kind="rated").get().to_status == "closed"
    # References are unique per year and continue from the sequence.
    assert Issue.objects.filter(reference__startswith="HZ-2026-").exists()


def test_running_seed_demo_twice_changes_nothing(capsys):
    call_command("seed_demo")
    first = row_counts()
    passwords = dict(apps.get_model("auth.User").objects.values_list("username", "password"))
    call_command("seed_demo")
    assert row_counts() == first
    assert dict(apps.get_model("auth.User").objects.values_list("username", "password")) \
        == passwords
    output = capsys.readouterr().out
    assert "already present; nothing changed" in output
    assert DEMO_PASSWORD in output


def test_demo_logins_work_with_the_documented_password(rf):
    seed_all(today=date(2026, 11, 28))
    for username in DEMO_LOGINS:
        request = rf.post("/accounts/login/")
        user = authenticate(request, username=username, password=DEMO_PASSWORD)
        assert user is not None, username
    # No other account can be logged into: the rest have unusable passwords.
    User = apps.get_model("auth.User")
    others = User.objects.exclude(username__in=DEMO_LOGINS)
    assert others.exists()
    assert not any(user.has_usable_password() for user in others)


def test_the_demo_entrepreneur_has_a_story_to_follow():
    seed_all(today=date(2026, 11, 28))
    issues = Issue.objects.filter(entrepreneur__user__username="entrepreneur")
    assert issues.filter(status="closed").count() >= 10
    assert issues.filter(status__in=Issue.OPEN_STATUSES).count() >= 2
    upcoming = Attendance.objects.filter(
        entrepreneur__user__username="entrepreneur", status="registered",
        session__starts_at__gt=datetime(2026, 11, 28, tzinfo=ZoneInfo("Asia/Shanghai")),
    )
    assert upcoming.count() == 1
    overdue = Issue.objects.filter(status__in=Issue.WITH_DEPARTMENT_STATUSES,
                                   due_on__lt=date(2026, 11, 28))
    assert overdue.exists()
    assert Issue.objects.filter(
        status__in=Issue.WITH_DEPARTMENT_STATUSES,
        due_on__gte=date(2026, 11, 28), due_on__lte=date(2026, 11, 28) + timedelta(days=7),
    ).exists()


def test_the_demo_coordinator_has_a_sign_up_to_verify():
    seed_reference_data()
    accounts = seed_demo_accounts()
    seed_demo_accounts()  # a second run adds no second sign-up
    waiting = list(pending_entrepreneurs_for_user(user=accounts["coordinator"]))
    assert len(waiting) == 1
    person = waiting[0]
    validate_credit_code(person.enterprise.credit_code)
    assert person.enterprise.region.code == "wuxing"
    assert person.enterprise.entrepreneurs.count() == 1  # an enterprise new to the programme
    assert person.privacy_notice_version and person.privacy_consented_at
    assert not person.user.has_usable_password()
    assert not person.user.has_perm("issues.add_issue")


def _shown(html: str, key: str) -> str:
    """The text of the figure ``key`` on a page (its ``data-testid="figure-<key>"``)."""
    import re

    match = re.search(rf'data-testid="figure-{re.escape(key)}"[^>]*>([^<]*)<', html)
    assert match is not None, f"no figure-{key} on the page"
    return match[1].strip()


def test_the_dashboard_and_the_public_page_show_the_published_figures(client):
    from decimal import Decimal

    from dashboard.rollups import fresh_counts, stored_counts
    from dashboard.selectors import public_figures

    today = date(2026, 11, 28)
    pages = {}
    with time_machine.travel(datetime.combine(today, time(9), tzinfo=SHANGHAI), tick=False):
        seed_all(today=today)
        figures = public_figures()
        # The history is written in bulk and then recounted: the rows equal a fresh count.
        assert stored_counts() == fresh_counts()
        for language in ("en", "zh-hans"):
            client.logout()
            pages["public", language] = client.get(
                "/figures/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
            client.force_login(apps.get_model("auth.User").objects.get(username="admin"))
            response = client.get("/dashboard/", HTTP_ACCEPT_LANGUAGE=language)
            assert response.status_code == 200
            pages["dashboard", language] = response.content.decode()

    assert (figures.sessions.editions, figures.sessions.sessions_held,
            figures.sessions.attendances, figures.issues.collected) == (76, 595, 4545, 5895)
    assert (figures.issues.satisfied, figures.issues.rated) == (5862, 5895)
    assert figures.issues.satisfaction_rate == Decimal("99.44")
    # The channel split is not empty and adds up to the published record; calls were made.
    channels = figures.issues.channels
    assert all(channel.rated for channel in channels)
    assert (sum(c.rated for c in channels), sum(c.satisfied for c in channels)) == (5895, 5862)
    assert 0 < figures.issues.called < figures.issues.resolved
    for key in ("satisfaction-online", "satisfaction-link", "satisfaction-phone", "call-rate"):
        assert _shown(pages["dashboard", "en"], key).endswith("%"), key
    assert "call-rate" not in pages["public", "en"]
    for page in ("public", "dashboard"):
        english, chinese = pages[page, "en"], pages[page, "zh-hans"]
        assert [_shown(english, key) for key in (
            "editions", "sessions", "attendances", "collected", "satisfaction")] == [
            "76", "595", "4,545", "5,895", "99.44%"], page
        # Chinese number formats have no thousands separator (Django's zh_Hans locale).
        assert [_shown(chinese, key) for key in ("attendances", "collected", "satisfaction")
                ] == ["4545", "5895", "99.44%"], page


def test_the_history_looks_like_the_table_and_the_phone():
    """People without accounts, walk-ins and imported people among them; their ratings by
    the SMS link and by phone; 回访 calls; answers signed off by a department lead; and still
    the published record, to the rating."""
    seed_all(today=date(2026, 11, 28))
    history = Entrepreneur.objects.exclude(user__username__in=["entrepreneur", "13905720002"])
    assert not history.filter(user__isnull=False).exists()
    sources = dict(history.values("source").annotate(n=Count("pk")).values_list("source", "n"))
    assert set(sources) == {"recorded", "walk_in", "imported"}
    walk_ins = history.filter(source="walk_in")
    assert not walk_ins.filter(enterprise__provisional=True).exists()
    assert not walk_ins.filter(enterprise__confirmed_at__isnull=True).exists()

    # Every channel is used; the ratings by value are the published ones whatever the channel.
    latest = dict(Issue.objects.values("latest_rating_channel").annotate(n=Count("pk"))
                  .values_list("latest_rating_channel", "n"))
    assert set(latest) == {"online", "link", "phone"} and sum(latest.values()) == 5895
    assert not Issue.objects.filter(latest_rating_channel="online").exclude(
        entrepreneur__user__username="entrepreneur").exists()
    ratings = SatisfactionRating.objects
    assert not ratings.filter(channel="phone", recorded_by__isnull=True).exists()
    phone_recorders = Official.objects.filter(
        user__in=ratings.filter(channel="phone").values("recorded_by"))
    assert set(phone_recorders.values_list("role", flat=True)) == {"coordinator"}
    assert not ratings.exclude(channel="online").filter(rated_by__isnull=False).exists()
    assert not ratings.filter(value="dissatisfied", verify_by_call=False).exists()
    # Each issue's latest rating's channel is its last round's.
    for issue in Issue.objects.filter(round=2).prefetch_related("ratings"):
        assert issue.latest_rating_channel == max(issue.ratings.all(),
                                                  key=lambda r: r.round).channel

    # 回访: every dissatisfied rating was called about; a sample of the others verified; every
    # phone rating was given on a call; the issues remember their last call that reached.
    calls = FollowUpCall.objects
    assert calls.filter(purpose="dissatisfied").count() == ratings.filter(
        value="dissatisfied").count()
    assert calls.filter(purpose="verification").exists()
    assert calls.filter(purpose="awaiting_rating", rating_given__isnull=False).count() == (
        ratings.filter(channel="phone").count())
    reached = Issue.objects.filter(last_called_at__isnull=False)
    assert reached.count() == Issue.objects.filter(calls__reached=True).distinct().count()
    assert not calls.filter(called_at__gt=datetime(2026, 11, 28, 23, 59, tzinfo=SHANGHAI)
                            ).exists()

    # Answers a department lead signed off, in the departments that ask for it.
    signing = Department.objects.filter(requires_sign_off=True)
    assert signing.count() == 3
    answers = Answer.objects.all()
    assert answers.exists()
    assert not answers.exclude(status="approved").exists()
    assert not answers.exclude(issue__lead_department__in=signing).exists()
    assert set(Official.objects.filter(user__in=answers.values("decided_by")).values_list(
        "role", flat=True)) == {"department_lead"}

    figures = published_figures()
    assert (figures["issues"], figures["satisfied"], figures["rated"]) == (5895, 5862, 5895)
