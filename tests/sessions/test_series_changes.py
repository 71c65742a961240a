"""A weekly series set up, changed and ended safely: a clash is shown before anything is
saved and the series is saved only with the weeks the coordinator confirmed to leave out
(all in one transaction); a change reaches the weeks not planned yet and the sessions still
planned as the series made them, and nothing else; ending a series cancels its sessions
after the last date and tells the people taking part; other regions' coordinators get 404,
other roles 403, and bad input a message, never a 500.

The clock stands still on Monday 2 March 2026, 09:00; the series meets on Wednesdays
(4, 11, 18, 25 March), four weeks ahead.
"""

import re
from datetime import date, time

import pytest
from django.urls import reverse

from notifications.models import Notification
from sessions import services
from sessions.models import Attendance, Edition, SessionSeries, SkippedWeek, TalkSession
from sessions.services import SeriesClashes
from sessions.tasks import generate_series_task
from tests.factories import AttendanceFactory
from tests.helpers import SHANGHAI, at
from tests.helpers import signed_in as login
from tests.sessions.screens import SERIES_NEW_URL, alerts, make_session, text
from tests.worlds import session_screens_world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

T = TalkSession.Status
LIST_URL = reverse("sessions:series_list")


def mar(day: int) -> date:
    return date(2026, 3, day)


@pytest.fixture
def world(settings):
    yield from session_screens_world(settings)


def series_data(world, **changes) -> dict:
    data = {"name": "吴兴周三恳谈", "region": world.county.pk, "kind": "talk",
            "theme": "政企恳谈会", "weekday": "2", "start_time": "14:30",
            "duration_minutes": "120", "venue": "吴兴区政府 3 楼", "capacity": "10",
            "starts_on": "2026-03-02", "weeks_ahead": "4",
            "on_holiday": SessionSeries.OnHoliday.NEXT_WORKING_DAY}
    data.update(changes)
    return data


def change_data(series, **changes) -> dict:
    data = {"name": series.name, "theme": series.theme, "weekday": str(series.weekday),
            "start_time": f"{series.start_time:%H:%M}",
            "duration_minutes": str(series.duration_minutes), "venue": series.venue,
            "host": series.host_id or "",
            "departments": [d.pk for d in series.departments.all()]}
    data.update(changes)
    return data


def days_of(series) -> list[tuple[date, str]]:
    return [(s.starts_at.astimezone(SHANGHAI).date(), s.status)
            for s in TalkSession.objects.filter(series=series).order_by("starts_at")]


def clash_dates(response) -> list[str]:
    return re.findall(r'data-testid="clash" data-date="([\d-]+)"', response.content.decode())


def set_up(client, world, **changes) -> SessionSeries:
    login(client, world.users["coordinator"])
    response = client.post(SERIES_NEW_URL, series_data(world, **changes))
    assert response.status_code == 302, text(response)
    return SessionSeries.objects.get()


# --- Setting up a series that clashes ------------------------------------------------------


def test_a_clashing_series_is_shown_with_its_clashes_and_nothing_is_saved(client, world):
    make_session(world.county, at(mar(11), 15), theme="招商推介会", venue="吴兴区政府 3 楼")
    before = (TalkSession.objects.count(), Edition.objects.count())
    login(client, world.users["coordinator"])

    response = client.post(SERIES_NEW_URL, series_data(world))

    assert response.status_code == 200
    assert clash_dates(response) == ["2026-03-11"]
    assert "招商推介会" in text(response)
    assert 'data-testid="confirm-leave-out"' in text(response)
    assert not SessionSeries.objects.exists()
    assert (TalkSession.objects.count(), Edition.objects.count()) == before


def test_confirmed_the_series_is_saved_without_the_clashing_week_which_stays_left_out(
        client, world):
    other = make_session(world.county, at(mar(11), 15), theme="招商推介会",
                         venue="吴兴区政府 3 楼")
    login(client, world.users["coordinator"])
    asked = client.post(SERIES_NEW_URL, series_data(world))
    assert clash_dates(asked) == ["2026-03-11"]

    response = client.post(SERIES_NEW_URL, series_data(world, leave_out="2026-03-11"),
                           follow=True)

    assert response.redirect_chain == [(LIST_URL, 302)]
    assert "4 sessions planned." not in alerts(response, "success")
    assert "3 sessions planned." in alerts(response, "success")
    series = SessionSeries.objects.get()
    assert [day for day, _status in days_of(series)] == [mar(4), mar(18), mar(25)]
    (left_out,) = SkippedWeek.objects.filter(series=series)
    assert left_out.series_date == mar(11) and "招商推介会" in left_out.reason
    assert 'data-testid="left-out"' in text(response)
    # The week stays left out, even once the other session is called off.
    services.session_cancel(actor=world.users["coordinator"], session=other, reason="改期")
    assert generate_series_task() == 0
    assert mar(11) not in [day for day, _status in days_of(series)]


def test_a_confirmation_for_other_weeks_than_those_clashing_now_asks_again(client, world):
    make_session(world.county, at(mar(18), 14), theme="新的冲突", venue="吴兴区政府 3 楼")
    login(client, world.users["coordinator"])

    response = client.post(SERIES_NEW_URL, series_data(world, leave_out="2026-03-11"))

    assert response.status_code == 200
    assert clash_dates(response) == ["2026-03-18"]
    assert not SessionSeries.objects.exists()
    assert not TalkSession.objects.filter(series__isnull=False).exists()


def test_a_clash_that_appears_while_planning_undoes_the_whole_series(world, monkeypatch):
    """Between the check and the planning someone books the venue: nothing is kept."""
    coordinator = world.users["coordinator"]
    checked = services.series._clashing

    def check_then_someone_books(series, weeks):
        found = checked(series, weeks)
        make_session(world.county, at(mar(25), 14), theme="抢先预订", venue=series.venue)
        return found

    monkeypatch.setattr(services.series, "_clashing", check_then_someone_books)
    with pytest.raises(SeriesClashes) as asked:
        services.series_create(
            actor=coordinator, name="周三", region=world.county, theme="政企恳谈会",
            start_time=time(14, 30), venue="吴兴区政府 3 楼", starts_on=mar(2))
    assert [week.nominal for week in asked.value.weeks] == [mar(25)]
    assert not SessionSeries.objects.exists()
    assert not TalkSession.objects.filter(series__isnull=False).exists()


def test_unreadable_weeks_to_leave_out_only_ask_again(client, world):
    make_session(world.county, at(mar(11), 15), venue="吴兴区政府 3 楼")
    login(client, world.users["coordinator"])
    response = client.post(SERIES_NEW_URL, series_data(world, leave_out="2026-13-45,,x" * 50))
    assert response.status_code == 200
    assert clash_dates(response) == ["2026-03-11"]
    assert not SessionSeries.objects.exists()


# --- Changing a series -----------------------------------------------------------------------


def test_a_change_reaches_the_weeks_still_planned_as_made_and_nothing_else(client, world):
    series = set_up(client, world, weeks_ahead="3")
    first, second, third = TalkSession.objects.filter(series=series).order_by("starts_at")
    invited = AttendanceFactory(session=second, entrepreneur=world.person,
                                status=Attendance.Status.INVITED)
    services.session_open_registration(actor=world.users["coordinator"], session=first)
    third.theme = "单独改过的主题"  # changed by itself: the series leaves it alone
    third.save(update_fields=["theme"])
    series.weeks_ahead = 4
    series.save(update_fields=["weeks_ahead"])

    response = client.post(reverse("sessions:series_edit", args=[series.pk]), change_data(
        series, name="吴兴周三下午恳谈", start_time="15:00", venue="吴兴区政府 5 楼",
        host=world.host.pk, departments=[world.attending.pk]), follow=True)

    assert response.redirect_chain == [(LIST_URL, 302)]
    first.refresh_from_db(), second.refresh_from_db(), third.refresh_from_db()
    # Open for registration: as it was.
    assert (first.starts_at, first.venue, first.host) == (at(mar(4), 14, 30), "吴兴区政府 3 楼",
                                                          None)
    # Still planned as made: changed, and the person invited told of the new time and place.
    assert (second.starts_at, second.ends_at, second.venue, second.host) == (
        at(mar(11), 15), at(mar(11), 17), "吴兴区政府 5 楼", world.host)
    assert list(second.departments.all()) == [world.attending]
    told = Notification.objects.filter(recipient=world.person.user,
                                       key__startswith=f"session:{second.pk}:changed")
    assert told.exists() and invited.pk
    # Changed by itself: as it was.
    assert (third.starts_at, third.venue) == (at(mar(18), 14, 30), "吴兴区政府 3 楼")
    # The week not planned yet is planned with the new details.
    fourth = TalkSession.objects.get(series=series, series_date=mar(25))
    assert (fourth.starts_at, fourth.venue, fourth.host) == (at(mar(25), 15), "吴兴区政府 5 楼",
                                                             world.host)
    series.refresh_from_db()
    assert (series.name, series.start_time, series.venue) == ("吴兴周三下午恳谈", time(15),
                                                              "吴兴区政府 5 楼")
    assert any("1 planned session changed" in message for message in alerts(response, "success"))


def test_a_new_weekday_moves_the_planned_weeks_and_plans_each_week_once(client, world):
    series = set_up(client, world, weeks_ahead="2")
    response = client.post(reverse("sessions:series_edit", args=[series.pk]),
                           change_data(series, weekday="3"))
    assert response.status_code == 302
    assert days_of(series) == [(mar(5), T.PLANNED), (mar(12), T.PLANNED)]
    assert [s.series_date for s in TalkSession.objects.filter(series=series)
            .order_by("starts_at")] == [mar(5), mar(12)]
    assert generate_series_task() == 0  # each week once: no Wednesday planned again


def test_a_change_that_clashes_asks_first_and_keeps_that_week_once_confirmed(client, world):
    series = set_up(client, world, weeks_ahead="3")
    make_session(world.county, at(mar(12), 10), theme="周四上午的会", venue="吴兴区政府 3 楼")
    url = reverse("sessions:series_edit", args=[series.pk])
    before = days_of(series)

    asked = client.post(url, change_data(series, weekday="3", start_time="09:30"))

    assert asked.status_code == 200
    assert clash_dates(asked) == ["2026-03-12"]
    assert days_of(series) == before
    series.refresh_from_db()
    assert series.weekday == 2  # nothing written

    client.post(url, change_data(series, weekday="3", start_time="09:30",
                                 leave_out="2026-03-12"))
    assert [day for day, _status in days_of(series)] == [mar(5), mar(11), mar(19)]


@pytest.mark.parametrize("bad", [
    {"duration_minutes": "abc"}, {"weekday": "9"}, {"start_time": "25:99"}, {"venue": ""},
    {"duration_minutes": "5"}, {"host": "999999"}, {"name": "x\x00y"},
])
def test_a_bad_change_is_refused_on_the_form(client, world, bad):
    series = set_up(client, world, weeks_ahead="2")
    before = (days_of(series), SessionSeries.objects.values().get())
    response = client.post(reverse("sessions:series_edit", args=[series.pk]),
                           change_data(series, **bad))
    assert response.status_code == 400
    assert 'is-invalid' in text(response)
    assert (days_of(series), SessionSeries.objects.values().get()) == before


# --- Ending a series -------------------------------------------------------------------------


def test_ending_asks_first_then_cancels_the_sessions_after_and_tells_those_taking_part(
        client, world):
    series = set_up(client, world)
    sessions = list(TalkSession.objects.filter(series=series).order_by("starts_at"))
    services.session_open_registration(actor=world.users["coordinator"], session=sessions[2])
    services.attendance_register(user=world.person.user, session=sessions[2])
    url = reverse("sessions:series_end", args=[series.pk])
    assert client.get(url).status_code == 200

    asked = client.post(url, {"ends_on": "2026-03-12"})

    assert asked.status_code == 200
    assert 'data-testid="confirmation"' in text(asked)
    assert text(asked).count("<li>") >= 2  # 18 and 25 March
    assert SessionSeries.objects.get().ends_on is None  # nothing written yet
    assert all(s.status != T.CANCELLED for s in TalkSession.objects.filter(series=series))

    done = client.post(url, {"ends_on": "2026-03-12", "confirm": "1"}, follow=True)

    assert done.redirect_chain == [(LIST_URL, 302)]
    assert days_of(series) == [(mar(4), T.PLANNED), (mar(11), T.PLANNED),
                               (mar(18), T.CANCELLED), (mar(25), T.CANCELLED)]
    assert SessionSeries.objects.get().ends_on == mar(12)
    assert Notification.objects.filter(recipient=world.person.user,
                                       key__startswith=f"session:{sessions[2].pk}:cancelled"
                                       ).exists()
    assert 'data-testid="series-ends"' in text(done)
    world.clock.move_to(at(mar(16), 2))
    assert generate_series_task() == 0  # nothing after the last date


def test_an_ended_series_shows_as_ended_and_a_paused_one_as_paused(client, world):
    series = set_up(client, world, weeks_ahead="1")
    client.post(reverse("sessions:series_pause", args=[series.pk]))
    page = text(client.get(LIST_URL))
    assert 'data-state="paused"' in page
    client.post(reverse("sessions:series_end", args=[series.pk]),
                {"ends_on": "2026-03-02", "confirm": "1"})
    world.clock.move_to(at(mar(3), 9))
    page = text(client.get(LIST_URL))
    assert 'data-state="ended"' in page
    assert 'data-testid="end-series"' not in page


@pytest.mark.parametrize("ends_on", ["2026-03-01", "not a date", "", "2026-02-30"])
def test_a_bad_last_date_is_refused_on_the_form(client, world, ends_on):
    series = set_up(client, world, weeks_ahead="2")
    for confirm in ("", "1"):
        response = client.post(reverse("sessions:series_end", args=[series.pk]),
                               {"ends_on": ends_on, "confirm": confirm})
        assert response.status_code == 400
        assert 'is-invalid' in text(response)
    assert SessionSeries.objects.get().ends_on is None
    assert not TalkSession.objects.filter(status=T.CANCELLED).exists()


def test_a_series_not_started_cannot_end_before_its_first_date(client, world):
    series = set_up(client, world, starts_on="2026-03-16", weeks_ahead="3")
    response = client.post(reverse("sessions:series_end", args=[series.pk]),
                           {"ends_on": "2026-03-09", "confirm": "1"})
    assert response.status_code == 400
    assert "its last date cannot be earlier" in text(response)


# --- Who may ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["series_edit", "series_end"])
@pytest.mark.parametrize(("who", "status"), [
    ("other_coordinator", 404), ("handler", 403), ("person", 403), ("city_coordinator", 200),
])
def test_only_the_series_region_coordinators_change_or_end_it(client, world, name, who,
                                                               status):
    series = set_up(client, world, weeks_ahead="1")
    client.logout()
    login(client, world.users[who])
    url = reverse(f"sessions:{name}", args=[series.pk])
    assert client.get(url).status_code == status
    data = (change_data(series, venue="别处") if name == "series_edit"
            else {"ends_on": "2026-03-02", "confirm": "1"})
    posted = client.post(url, data)
    assert posted.status_code == (302 if status == 200 else status)
    if status != 200:
        series.refresh_from_db()
        assert (series.venue, series.ends_on) == ("吴兴区政府 3 楼", None)
