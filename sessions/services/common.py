"""What every session writer shares: the refusals (``SessionError``, ``NotAllowed`` 403,
``WrongState`` 409), the status shorthands, the coordinator's check and the locked read of
a session."""

from django.utils.translation import gettext as _

from sessions.models import Attendance, TalkSession
from sessions.selectors import may_manage_sessions

A = Attendance.Status
T = TalkSession.Status


class SessionError(Exception):
    """The change was refused; ``message`` says why, in the user's language."""

    status_code = 400

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class NotAllowed(SessionError):
    status_code = 403


class WrongState(SessionError):
    status_code = 409


def _require_manager(actor, session_or_region) -> None:
    region = getattr(session_or_region, "region", session_or_region)
    if not may_manage_sessions(user=actor, region=region):
        raise NotAllowed(_("Only the coordinators of the session's region plan and run it."))


def _locked(session: TalkSession) -> TalkSession:
    """The session's row, locked until the transaction ends, read afresh."""
    # of=self: PostgreSQL refuses FOR UPDATE on the outer join of the (optional) host.
    return TalkSession.objects.select_for_update(of=("self",)).select_related(
        "region", "host__user").get(pk=session.pk)
