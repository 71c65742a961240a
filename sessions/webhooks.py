"""The sessions' webhook events (docs/api-webhooks.md): a receiver of ``session_changed``
that writes ``session.planned`` (a session created) and ``session.held`` (marked held) to
the outbox through ``notifications.services.webhook_event``, in the writer's transaction.
The payload carries no host, no attendee and no minutes: nobody's personal data."""

from django.urls import reverse
from django.utils import timezone

from core.links import absolute_url
from notifications.services import webhook_event
from sessions.models import TalkSession
from sessions.signals import session_changed

T = TalkSession.Status


def moment(value) -> str | None:
    """A time in ISO 8601 with Huzhou's offset (``2026-03-04T14:00:00+08:00``)."""
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def session_events(session: TalkSession, before: dict | None) -> list[tuple[str, str]]:
    if before is None:
        return [("session.planned", f"session:{session.pk}")]
    if session.status == T.HELD and before["status"] != T.HELD:
        return [("session.held", f"session:{session.pk}")]
    return []


def session_payload(session: TalkSession, *, previous_status: str | None) -> dict:
    held = session.status == T.HELD
    return {
        "id": session.pk,
        "status": session.status,
        "previous_status": previous_status,
        "kind": session.kind,
        "theme": session.theme,
        "region": session.region.code,
        "starts_at": moment(session.starts_at),
        "ends_at": moment(session.ends_at),
        "held_at": moment(session.closed_at) if held else None,
        "attendee_count": session.attendee_count if held else None,
        "issue_count": session.issue_count if held else None,
        "api_url": absolute_url(f"/api/v1/sessions/{session.pk}/"),
        "url": absolute_url(reverse("sessions:detail", args=[session.pk])),
    }


def _session_changed(sender, session, before, **kwargs):
    previous = None if before is None else before["status"]
    for event, key in session_events(session, before):
        webhook_event(event=event, key=key, payload=lambda: session_payload(
            session, previous_status=previous))


def connect() -> None:
    session_changed.connect(_session_changed, dispatch_uid="sessions.webhooks")
