"""Read-only queries about editions, sessions and attendance.

Each function runs a fixed number of queries whatever the amount of data.
This module must not import ``issues`` (issues sit above sessions).
"""

from datetime import datetime, time, timedelta

from django.db.models import Count, Q
from django.utils import timezone

from government.models import Region
from government.selectors import official_for_user, region_scope_for_user
from sessions.models import Attendance, TalkSession

#: An entrepreneur's place at a session that has not happened yet.
UPCOMING_ATTENDANCE_STATUSES = (
    Attendance.Status.INVITED,
    Attendance.Status.REGISTERED,
    Attendance.Status.WAITLISTED,
)
#: Everyone who signed up for a session (whether they then came or not).
SIGNED_UP_STATUSES = (
    Attendance.Status.REGISTERED,
    Attendance.Status.ATTENDED,
    Attendance.Status.ABSENT,
)


def session_figures(*, region: Region | None = None) -> dict:
    """Editions, sessions held and attendances (person-times), for one region or the city.

    Editions count those with at least one session held; attendances are people
    checked in at held sessions. One query.
    """
    held = TalkSession.objects.filter(status=TalkSession.Status.HELD)
    if region is not None:
        held = held.filter(region=region)
    return held.aggregate(
        editions=Count("edition", distinct=True),
        sessions_held=Count("id", distinct=True),
        attendances=Count(
            "attendances", filter=Q(attendances__status=Attendance.Status.ATTENDED)
        ),
    )


def upcoming_attendances_for_user(*, user, limit: int = 5) -> list[Attendance]:
    """The entrepreneur's invitations and registrations for sessions that start from now on."""
    if not user.is_authenticated:
        return []
    return list(
        Attendance.objects.filter(
            entrepreneur__user=user,
            status__in=UPCOMING_ATTENDANCE_STATUSES,
            session__starts_at__gte=timezone.now(),
        )
        .select_related("session__region", "session__edition")
        .order_by("session__starts_at", "id")[:limit]
    )


def week_start(*, today=None) -> datetime:
    """Monday 00:00 (local time) of the current week."""
    today = today or timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    return timezone.make_aware(datetime.combine(monday, time.min))


def sessions_in_scope_for_user(*, user, limit: int = 10) -> list[TalkSession]:
    """This week's and later sessions in the official's region (all regions at city level).

    Cancelled sessions are left out. Each session carries ``signed_up`` (people
    registered, attended or absent) and ``is_this_week``.
    """
    if official_for_user(user=user) is None and not user.is_superuser:
        return []
    start = week_start()
    sessions = TalkSession.objects.filter(starts_at__gte=start).exclude(
        status=TalkSession.Status.CANCELLED
    )
    region = region_scope_for_user(user=user)
    if region is not None:
        sessions = sessions.filter(region=region)
    sessions = list(
        sessions.select_related("edition", "region")
        .annotate(
            signed_up=Count("attendances", filter=Q(attendances__status__in=SIGNED_UP_STATUSES))
        )
        .order_by("starts_at", "id")[:limit]
    )
    next_week = start + timedelta(days=7)
    for session in sessions:
        session.is_this_week = session.starts_at < next_week
    return sessions
