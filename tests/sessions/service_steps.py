"""What the session services' tests share: the 2026 dates, making a session, a person and
a place, and reading what a call left (the rows, the outbox)."""

from contextlib import contextmanager
from datetime import date, timedelta

from entrepreneurs.models import Enterprise, Entrepreneur
from government.models import Official
from notifications.models import Notification
from sessions.models import Attendance, Edition, SessionKind, TalkSession
from sessions.services import (
    session_create,
    session_update,
)
from tests.factories import (
    EnterpriseFactory,
    EntrepreneurFactory,
)
from tests.helpers import at
from tests.worlds import talk_session

A = Attendance.Status
T = TalkSession.Status
R = Official.Role
IN_APP, EMAIL, SMS = (Notification.Channel.IN_APP, Notification.Channel.EMAIL,
                      Notification.Channel.SMS)
MONDAY, WEDNESDAY = date(2026, 3, 2), date(2026, 3, 4)


START = at(WEDNESDAY, 14, 30)


def make_session(region, starts_at=START, **fields) -> TalkSession:
    return talk_session(region, starts_at, **fields)


def person(region, *, industry=Enterprise.Industry.MANUFACTURING,
           scale=Enterprise.Scale.SMALL, **fields) -> Entrepreneur:
    """A verified entrepreneur with an account (unless ``user=None``), in ``region``."""
    fields.setdefault("with_user", "user" not in fields)
    return EntrepreneurFactory(
        enterprise=EnterpriseFactory(region=region, industry=industry, scale=scale), **fields)


def place(session, someone) -> Attendance:
    return Attendance.objects.get(session=session, entrepreneur=someone)


def statuses(session) -> dict:
    return {a.entrepreneur_id: a.status for a in Attendance.objects.filter(session=session)}


def snapshot():
    return (
        list(TalkSession.objects.order_by("pk").values()),
        list(TalkSession.departments.through.objects.order_by("pk").values_list()),
        list(Attendance.objects.order_by("pk").values()),
        list(Edition.objects.order_by("pk").values()),
        sorted(Notification.objects.values_list("key", flat=True)),
    )


@contextmanager
def changes_nothing():
    """The block's refused call leaves sessions, places, editions and the outbox alone."""
    before = snapshot()
    yield
    assert snapshot() == before


def told(session, what: str) -> set[tuple[int | None, str, str]]:
    """Who was told ``what`` (e.g. "cancelled") about the session: {(user, channel, address)}."""
    rows = Notification.objects.filter(key__startswith=f"session:{session.pk}:{what}:")
    return {(n.recipient_id, n.channel, n.address) for n in rows}


def entrepreneur_everywhere(*people) -> set:
    """In the app and by SMS."""
    return {row for p in people for row in ((p.user_id, IN_APP, ""), (p.user_id, SMS, p.mobile))}


def official_everywhere(*users) -> set:
    """In the app and by email."""
    return {row for u in users for row in ((u.pk, IN_APP, ""), (u.pk, EMAIL, u.email))}


def create(world, *, region=None, venue="市民之家", starts_at=START, hours=2.0, host=None,
           theme="新会议"):
    return session_create(
        actor=world.coordinator if region is None or region == world.county
        else world.city_coordinator,
        region=region or world.county, kind=SessionKind.TALK, theme=theme, venue=venue,
        starts_at=starts_at, ends_at=starts_at + timedelta(hours=hours), capacity=10,
        host=host,
    )


def update(world, session, **changes):
    fields = {
        "theme": session.theme, "kind": session.kind, "venue": session.venue,
        "starts_at": session.starts_at, "ends_at": session.ends_at,
        "capacity": session.capacity, "host": session.host,
        "departments": list(session.departments.all()),
    }
    fields.update(changes)
    return session_update(actor=world.coordinator, session=session, **fields)
