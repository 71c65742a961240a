"""One way to print a date for people: the page's language's ``DATE_FORMAT`` (``core.formats``:
2027年1月4日 / 4 Jan 2027), in pages, flash messages, timeline entries and notices alike.
Exports keep ISO dates (2027-01-04), which machines read (``core.spreadsheets``)."""

from datetime import date, datetime

from django.utils import timezone
from django.utils.formats import date_format


def day_shown(value: date | datetime | None, *, empty: str = "—") -> str:
    """``value``'s (local) day as the active language prints it; ``empty`` for none."""
    if value is None:
        return empty
    if isinstance(value, datetime):
        value = timezone.localdate(value)
    return date_format(value, "DATE_FORMAT")


def moment_shown(value: datetime | None, *, empty: str = "—") -> str:
    """``value`` in local time with the day and the time, as the active language prints it."""
    if value is None:
        return empty
    return date_format(timezone.localtime(value), "DATETIME_FORMAT")
