"""The sessions' share of a person's personal data (PIPL): its export. Nothing here is erased.

``privacy.services`` calls the apps' ``personal_data`` modules in turn; each exports and
erases only its own tables. Here: the person's places at sessions (registered, waiting,
attended, absent), with the session's theme, date, county and venue.

Erasure keeps the places: they are what the programme's attendance figures count, and they
hold nothing but the link to the person, whose name and contacts go with their Entrepreneur
row (``entrepreneurs.personal_data``).
"""

from core.privacy import export_time
from entrepreneurs.models import Entrepreneur
from sessions.models import Attendance


def export_attendances(*, person: Entrepreneur) -> list[dict]:
    """The sessions the person registered for, by date. One query."""
    return [
        {
            "session": attendance.session.theme,
            "edition": attendance.session.edition.number,
            "date": export_time(attendance.session.starts_at),
            "region": str(attendance.session.region),
            "venue": attendance.session.venue,
            "status": attendance.status,
            "status_label": str(attendance.get_status_display()),
            "registered_at": export_time(attendance.registered_at),
            "checked_in_at": export_time(attendance.checked_in_at),
        }
        for attendance in Attendance.objects.filter(entrepreneur=person)
        .select_related("session__region", "session__edition")
        .order_by("session__starts_at", "id")
    ]
