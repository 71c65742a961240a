"""Every change to editions, sessions, series and attendance.

Each function takes the acting user, checks their right and the state, and writes the rows
and their outbox messages (``sessions.notices``) in one transaction, then sends the domain
signals (``sessions.signals``). Refusals raise ``SessionError`` (``NotAllowed`` 403,
``WrongState`` 409) or Django's ``ValidationError`` for bad input, and write nothing.
Views, the admin, tasks and the demo data call these, as ``sessions.services.<name>``.

Where each lives:

- ``common``: the refusals, the coordinator's check, the locked read of a session;
- ``planning``: editions, creating, changing, opening, cancelling and closing a session;
- ``series``: weekly series (set up, changed, ended; their clashing weeks confirmed first)
  and the planning of their coming weeks;
- ``places``: invitations, registration, the waiting list, cancelling a place, rating;
- ``check_in``: ticking off at the door, walk-ins, the venue's check-in code;
- ``reminders``: the reminder queue;
- ``calendar_feeds``: each user's secret calendar address.

The package re-exports every name, so callers import from ``sessions.services``; a test that
replaces a function patches the module that calls it (``sessions.services.reminders``).
"""

from sessions import notices
from sessions.services.calendar_feeds import calendar_feed_for_user, calendar_feed_renew
from sessions.services.check_in import (
    attendance_add_walk_in,
    attendance_check_in,
    attendance_check_in_by_code,
    attendance_register_walk_in,
    attendance_undo_check_in,
    check_in_code_make,
    check_in_code_verify,
)
from sessions.services.common import A, NotAllowed, SessionError, T, WrongState
from sessions.services.places import (
    MAX_INVITATIONS,
    attendance_cancel,
    attendance_rate,
    attendance_register,
    session_invite,
)
from sessions.services.planning import (
    check_no_clash,
    check_session_close,
    check_session_update,
    edition_for_day,
    session_cancel,
    session_close,
    session_create,
    session_minutes_save,
    session_open_registration,
    session_update,
)
from sessions.services.reminders import session_reminders_send
from sessions.services.series import (
    SERIES_CHANGEABLE,
    SeriesChange,
    SeriesClashes,
    SeriesReport,
    Week,
    check_series_end,
    series_create,
    series_end,
    series_generate,
    series_generate_all,
    series_generate_for_user,
    series_set_active,
    series_update,
)

__all__ = [
    "MAX_INVITATIONS", "SERIES_CHANGEABLE", "A", "NotAllowed", "SeriesChange", "SeriesClashes",
    "SeriesReport", "SessionError", "T", "Week", "WrongState",
    "attendance_add_walk_in", "attendance_cancel", "attendance_check_in",
    "attendance_check_in_by_code", "attendance_rate", "attendance_register",
    "attendance_register_walk_in",
    "attendance_undo_check_in", "calendar_feed_for_user", "calendar_feed_renew",
    "check_in_code_make", "check_in_code_verify", "check_no_clash", "check_session_close",
    "check_series_end", "check_session_update", "edition_for_day",
    "notices", "series_create", "series_generate", "series_generate_all",
    "series_end", "series_generate_for_user", "series_set_active", "series_update",
    "session_cancel", "session_close",
    "session_create", "session_invite", "session_minutes_save", "session_open_registration",
    "session_reminders_send", "session_update",
]
