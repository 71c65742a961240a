"""Sessions as iCalendar (RFC 5545), built with the ``icalendar`` library.

Times are written in Asia/Shanghai with its VTIMEZONE, so every calendar application shows
them as the programme means them. Each event's UID is stable and its SEQUENCE rises when
the time, the place or the status changes, so a feed's subscribers see the change.

Every text goes through ``_text``: what a form stored before the clean-text check (a control
character, a line break in a theme) is stripped or escaped, never a 500 or a broken feed.
"""

from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vText

from core.links import absolute_url
from core.validators import printable_text
from sessions.models import TalkSession
from sessions.notices import session_path

PRODUCT_ID = "-//Huzhou Talks//Government-enterprise talks//ZH"


def _uid(session: TalkSession) -> str:
    host = urlsplit(settings.SITE_URL).hostname or "huzhou-talks"
    return f"talk-session-{session.pk}@{host}"


def _text(value, *, multiline: bool = True) -> vText:
    """A TEXT value (RFC 5545 §3.3.11): no control characters; line breaks escaped by
    vText where the property takes several lines, spaces where it is one line (a name)."""
    return vText(printable_text(str(value), multiline=multiline))


def _event(session: TalkSession, zone: ZoneInfo, stamp) -> Event:
    event = Event()
    event.add("uid", _uid(session))
    event.add("dtstamp", stamp)
    event.add("dtstart", session.starts_at.astimezone(zone))
    event.add("dtend", session.ends_at.astimezone(zone))
    event.add("summary", _text(f"{session.theme} · {session.region}", multiline=False))
    event.add("location", _text(session.venue, multiline=False))
    event.add("description", _text("\n".join(filter(None, [
        str(session.edition), session.get_kind_display(),
        session.cancel_reason if session.status == TalkSession.Status.CANCELLED else "",
    ]))))
    event.add("url", absolute_url(session_path(session)))
    event.add("sequence", session.sequence)
    event.add("status", "CANCELLED" if session.status == TalkSession.Status.CANCELLED
              else "CONFIRMED")
    return event


def sessions_calendar(sessions, *, name: str) -> bytes:
    """One calendar of ``sessions`` (with edition and region loaded), as bytes to serve."""
    zone = ZoneInfo(settings.TIME_ZONE)
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", _text(name, multiline=False))
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    stamp = timezone.now()
    for session in sessions:
        calendar.add_component(_event(session, zone, stamp))
    calendar.add_missing_timezones()
    return calendar.to_ical()


def session_calendar_name() -> str:
    return _("Huzhou Talks sessions")
