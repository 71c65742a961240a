"""The session admin changes a session's plan only through ``sessions.services``: the same
refusals as the session screens, the people with a place told of a move, the domain signal
sent; status, minutes and places are read only there, and sessions are neither added nor
deleted in the admin."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from sessions.models import Attendance, TalkSession
from sessions.services import edition_for_day
from sessions.signals import session_changed
from tests.factories import AttendanceFactory, TalkSessionFactory

pytestmark = pytest.mark.django_db


def change_url(session):
    return reverse("admin:talk_sessions_talksession_change", args=[session.pk])


def form_data(session, **changes):
    local = {name: timezone.localtime(getattr(session, name)) for name in ("starts_at",
                                                                           "ends_at")}
    data = {
        "theme": session.theme, "kind": session.kind, "venue": session.venue,
        "starts_at_0": f"{local['starts_at']:%Y-%m-%d}",
        "starts_at_1": f"{local['starts_at']:%H:%M:%S}",
        "ends_at_0": f"{local['ends_at']:%Y-%m-%d}", "ends_at_1": f"{local['ends_at']:%H:%M:%S}",
        "capacity": session.capacity, "host": "", "departments": [],
        "attendances-TOTAL_FORMS": "0", "attendances-INITIAL_FORMS": "0",
        "attendances-MIN_NUM_FORMS": "0", "attendances-MAX_NUM_FORMS": "1000",
        "_save": "1",
    }
    data.update(changes)
    return data


@pytest.fixture
def coming():
    starts_at = timezone.now() + timedelta(days=3)
    edition = edition_for_day(day=timezone.localdate(starts_at), theme="政企恳谈会")
    return TalkSessionFactory(edition=edition, starts_at=starts_at,
                              ends_at=starts_at + timedelta(hours=2),
                              status=TalkSession.Status.OPEN)


def test_a_new_venue_goes_through_the_service(admin_client, coming):
    calls = []
    session_changed.connect(lambda sender, session, before, **kw: calls.append(before["venue"]),
                            dispatch_uid="test.admin", weak=False)
    try:
        response = admin_client.post(change_url(coming), form_data(coming, venue="会议中心"))
    finally:
        session_changed.disconnect(dispatch_uid="test.admin")
    assert response.status_code == 302
    session = TalkSession.objects.get(pk=coming.pk)
    assert (session.venue, session.sequence) == ("会议中心", coming.sequence + 1)
    assert calls == ["市民之家"]


def test_the_admin_shows_the_service_refusals(admin_client, coming):
    clash = TalkSessionFactory(region=coming.region, edition=coming.edition, venue="会议中心",
                               starts_at=coming.starts_at, ends_at=coming.ends_at)
    response = admin_client.post(change_url(coming), form_data(coming, venue=clash.venue))
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors()
    assert TalkSession.objects.get(pk=coming.pk).venue == "市民之家"

    AttendanceFactory.create_batch(2, session=coming)
    data = form_data(coming, capacity=1, **{"attendances-TOTAL_FORMS": "2",
                                            "attendances-INITIAL_FORMS": "2"})
    response = admin_client.post(change_url(coming), data)
    assert response.status_code == 200
    assert "capacity" in response.context["adminform"].form.errors
    assert TalkSession.objects.get(pk=coming.pk).capacity == coming.capacity


def test_status_minutes_and_places_are_read_only_and_nothing_is_added_or_deleted(
        admin_client, coming):
    place = AttendanceFactory(session=coming)
    page = admin_client.get(change_url(coming)).content.decode()
    for field in ("status", "minutes", "region", "edition", "attendances-0-status"):
        assert f'name="{field}"' not in page
    assert admin_client.get(reverse("admin:talk_sessions_talksession_add")).status_code == 403
    assert admin_client.post(reverse("admin:talk_sessions_talksession_delete",
                                     args=[coming.pk]), {"post": "yes"}).status_code == 403
    attendance_url = reverse("admin:talk_sessions_attendance_change", args=[place.pk])
    admin_client.post(attendance_url, {"status": Attendance.Status.ATTENDED})
    assert Attendance.objects.get(pk=place.pk).status == Attendance.Status.REGISTERED
    assert admin_client.get(reverse("admin:talk_sessions_attendance_add")).status_code == 403


def test_a_department_number_past_64_bits_is_refused_not_a_crash(admin_client, coming):
    """The admin's many-to-many fields refuse a number no key can be, as the site's do."""
    response = admin_client.post(change_url(coming), form_data(
        coming, departments=["-9223372036854775809"]))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors.as_data()
    assert [error.code for error in errors["departments"]] == ["invalid_choice"]
