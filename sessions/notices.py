"""Who is told about a session, and in which words: the sessions' outbox rows.

Only ``sessions.services`` calls these, inside the transaction of the change, so a message
exists exactly when its change does. Each key names the session, what happened (with the
session's revision or start time where the same thing can happen again), the person and
the channel: a second call writes nothing. Texts are in the site's language (Chinese),
like the issue workflow's.
"""

from contextlib import contextmanager

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from entrepreneurs.models import Entrepreneur
from government.models import Official
from notifications.services import notify_person
from sessions.models import Attendance, TalkSession


@contextmanager
def site_language():
    with translation.override(settings.LANGUAGE_CODE):
        yield


def session_path(session: TalkSession) -> str:
    return reverse("sessions:detail", args=[session.pk])


def short_session_path(session: TalkSession) -> str:
    """The short path an SMS links to (/s/<pk>, a 302 to the session's page)."""
    return reverse("short_session", args=[session.pk])


def when(session: TalkSession) -> str:
    """"2026年12月9日 (周三) 14:30", in the active language."""
    local = timezone.localtime(session.starts_at)
    return (f"{date_format(local, 'DATE_FORMAT')} ({date_format(local, 'D')}) "
            f"{local:%H:%M}")


def tell_entrepreneur(*, person: Entrepreneur, key: str, subject: str, body: str,
                      session: TalkSession, sms: bool = True) -> int:
    """In the app and, when ``sms``, by SMS (phone first); nobody whose data was erased."""
    if person.anonymised_at is not None:
        return 0
    return notify_person(
        key=f"{key}:e{person.pk}", subject=subject, body=body, path=session_path(session),
        user=person.user, mobile=person.mobile if sms else "",
        sms_path=short_session_path(session),
    )


def tell_official(*, user, key: str, subject: str, body: str, session: TalkSession) -> int:
    """In the app, and by email when the official has an address."""
    return notify_person(key=f"{key}:u{user.pk}", subject=subject, body=body,
                         path=session_path(session), user=user, email=user.email)


def officials_taking_part(session: TalkSession) -> list:
    """The host and the attending departments' handlers and leads: active users, once each."""
    officials = Official.objects.filter(
        department__in=session.departments.all(), role__in=Official.DEPARTMENT_ROLES,
        user__is_active=True,
    ).select_related("user").order_by("pk")
    users = {official.user.pk: official.user for official in officials}
    if session.host_id is not None and session.host.user.is_active:
        users.setdefault(session.host.user.pk, session.host.user)
    return list(users.values())


def people_with_a_place(session: TalkSession, statuses) -> list[Entrepreneur]:
    return [attendance.entrepreneur for attendance in
            session.attendances.filter(status__in=statuses).select_related("entrepreneur__user")]


def invited(*, session: TalkSession, person: Entrepreneur) -> int:
    with site_language():
        return tell_entrepreneur(
            person=person, key=f"session:{session.pk}:invited", session=session,
            subject=translation.gettext("Invitation: %(theme)s") % {"theme": session.theme},
            body=translation.gettext(
                "You are invited to the government–enterprise talk on %(when)s at "
                "%(venue)s (%(region)s). Register online to take a place."
            ) % {"when": when(session), "venue": session.venue, "region": session.region},
        )


def registered(*, session: TalkSession, attendance: Attendance) -> int:
    _ = translation.gettext
    with site_language():
        if attendance.status == Attendance.Status.WAITLISTED:
            subject = _("On the waiting list: %(theme)s") % {"theme": session.theme}
            body = _("The session on %(when)s is full; you are on its waiting list and will "
                     "be told if a place comes free.") % {"when": when(session)}
        else:
            subject = _("Registered: %(theme)s") % {"theme": session.theme}
            body = _("Your place on %(when)s at %(venue)s is confirmed. You will be reminded "
                     "before it starts.") % {"when": when(session), "venue": session.venue}
        stamp = f"{attendance.registered_at:%Y%m%d%H%M%S%f}"
        return tell_entrepreneur(person=attendance.entrepreneur, session=session, sms=False,
                                 key=f"session:{session.pk}:registered:{stamp}",
                                 subject=subject, body=body)


def promoted(*, session: TalkSession, attendance: Attendance) -> int:
    _ = translation.gettext
    with site_language():
        stamp = f"{attendance.registered_at:%Y%m%d%H%M%S%f}"
        return tell_entrepreneur(
            person=attendance.entrepreneur, session=session,
            key=f"session:{session.pk}:promoted:{stamp}",
            subject=_("A place came free: %(theme)s") % {"theme": session.theme},
            body=_("You moved up from the waiting list and now have a place on %(when)s at "
                   "%(venue)s.") % {"when": when(session), "venue": session.venue},
        )


def cancelled_by_person(*, session: TalkSession, attendance: Attendance) -> int:
    _ = translation.gettext
    with site_language():
        stamp = f"{attendance.cancelled_at:%Y%m%d%H%M%S%f}"
        return tell_entrepreneur(
            person=attendance.entrepreneur, session=session, sms=False,
            key=f"session:{session.pk}:place_cancelled:{stamp}",
            subject=_("Registration cancelled: %(theme)s") % {"theme": session.theme},
            body=_("Your place on %(when)s is given up. You can register again while "
                   "registration is open.") % {"when": when(session)},
        )


def _tell_everyone_taking_part(*, session: TalkSession, key: str, subject: str,
                               body: str) -> int:
    """Everyone with a place, a waiting-list place or an invitation, and the officials."""
    written = 0
    for person in people_with_a_place(session, Attendance.UPCOMING_STATUSES):
        written += tell_entrepreneur(person=person, key=key, subject=subject, body=body,
                                     session=session)
    for user in officials_taking_part(session):
        written += tell_official(user=user, key=key, subject=subject, body=body,
                                 session=session)
    return written


def session_changed(*, session: TalkSession) -> int:
    """Time or place moved (once per revision)."""
    _ = translation.gettext
    with site_language():
        return _tell_everyone_taking_part(
            session=session, key=f"session:{session.pk}:changed:{session.sequence}",
            subject=_("Changed: %(theme)s") % {"theme": session.theme},
            body=_("The session is now on %(when)s at %(venue)s (%(region)s).") % {
                "when": when(session), "venue": session.venue, "region": session.region},
        )


def session_cancelled(*, session: TalkSession) -> int:
    _ = translation.gettext
    with site_language():
        return _tell_everyone_taking_part(
            session=session, key=f"session:{session.pk}:cancelled",
            subject=_("Cancelled: %(theme)s") % {"theme": session.theme},
            body=_("The session on %(when)s at %(venue)s will not take place. Reason: "
                   "%(reason)s") % {"when": when(session), "venue": session.venue,
                                    "reason": session.cancel_reason},
        )


def reminder(*, session: TalkSession, rule_pk: int) -> int:
    """Registered people, the host and the attending departments, once per reminder and
    start time."""
    _ = translation.gettext
    written = 0
    with site_language():
        subject = _("Reminder: %(theme)s on %(when)s") % {"theme": session.theme,
                                                           "when": when(session)}
        key = f"session:{session.pk}:reminder:{rule_pk}:{session.starts_at:%Y%m%d%H%M}"
        person_body = _("Your session is on %(when)s at %(venue)s (%(region)s). Scan the code "
                        "shown at the venue to check in.") % {
            "when": when(session), "venue": session.venue, "region": session.region}
        for person in people_with_a_place(session, (Attendance.Status.REGISTERED,)):
            written += tell_entrepreneur(person=person, key=key, subject=subject,
                                         body=person_body, session=session)
        official_body = _("The session you take part in is on %(when)s at %(venue)s "
                          "(%(region)s).") % {"when": when(session), "venue": session.venue,
                                              "region": session.region}
        for user in officials_taking_part(session):
            written += tell_official(user=user, key=key, subject=subject, body=official_body,
                                     session=session)
    return written
