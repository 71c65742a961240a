"""The session screens. Thin: the selectors decide who sees what, the forms parse what was
typed, and the services (``sessions.services``) decide and write. A refused action brings
its page back with the reason and the matching status code (403, 409, 400).

Where each lives:

- ``common``: finding the session (404/403), showing a refusal, the session's page;
- ``pages``: the list, a session's page, planning and invitations;
- ``actions``: every POST action on a session, one table entry each;
- ``check_in_pages``: the door list, the venue's code and the page it leads to;
- ``venue``: the printed sign-in sheet;
- ``series``: weekly series (set up, changed, paused, ended);
- ``feeds``: .ics files and the secret calendar address.
"""

from sessions.views.actions import ACTIONS, session_action
from sessions.views.check_in_pages import check_in, check_in_add, check_in_code, check_in_scan
from sessions.views.common import NOT_FOUND, ONLY_COORDINATORS
from sessions.views.feeds import FEED_LIMIT, calendar_feed, feed, session_ics
from sessions.views.pages import (
    session_create,
    session_detail,
    session_edit,
    session_invite,
    session_list,
    session_short_link,
)
from sessions.views.series import (
    series_create,
    series_edit,
    series_end,
    series_generate,
    series_list,
    series_pause,
)
from sessions.views.venue import sign_in_sheet

__all__ = [
    "ACTIONS", "FEED_LIMIT", "NOT_FOUND", "ONLY_COORDINATORS", "calendar_feed", "check_in",
    "check_in_add", "check_in_code", "check_in_scan", "feed", "series_create", "series_edit",
    "series_end", "series_generate", "series_list", "series_pause", "session_action",
    "session_create", "session_detail",
    "session_edit", "session_invite", "session_ics", "session_list", "session_short_link",
    "sign_in_sheet",
]
