"""The issues' webhook events (docs/api-webhooks.md): a receiver of ``issue_changed`` that
decides from the row before and after a write whether it is one of ``issue.submitted``,
``issue.dispatched``, ``issue.answered``, ``issue.rated`` or ``issue.closed``, and writes
it to the outbox through ``notifications.services.webhook_event``, in the writer's
transaction. The payload names the issue and where it stands; it carries no description
and nobody's personal data (an integrator reads the detail through the API, with its key).
"""

from django.urls import reverse
from django.utils import timezone

from core.links import absolute_url
from issues.models import Issue, SatisfactionRating
from issues.signals import issue_changed
from notifications.services import webhook_event

S = Issue.Status


def moment(value) -> str | None:
    """A time in ISO 8601 with Huzhou's offset (``2026-10-09T15:00:00+08:00``)."""
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def issue_events(issue: Issue, before: dict | None) -> list[tuple[str, str]]:
    """The events a write of ``issue`` makes, each with the key that makes it sent once:
    the issue and, for what can happen again, its round and version."""
    if before is None:
        return [("issue.submitted", f"issue:{issue.pk}")]
    was, now = before["status"], issue.status
    round_version = f"issue:{issue.pk}:r{issue.round}:v{issue.version}"
    events = []
    if now == S.DISPATCHED and was != S.DISPATCHED:
        events.append(("issue.dispatched", round_version))
    if now == S.RESOLVED and was != S.RESOLVED:
        events.append(("issue.answered", round_version))
    # A rating is saved while the answer still waits for it; the rating's own row tells it
    # from any other save of an answered issue (a call, a note).
    if (now == S.RESOLVED and was == S.RESOLVED and issue.version != before["version"]
            and issue.latest_rating
            and SatisfactionRating.objects.filter(issue=issue, round=issue.round).exists()):
        events.append(("issue.rated", f"issue:{issue.pk}:r{issue.round}"))
    if now in Issue.CLOSED_STATUSES and was not in Issue.CLOSED_STATUSES:
        events.append(("issue.closed", f"issue:{issue.pk}:r{issue.round}"))
    return events


def issue_payload(issue: Issue, *, event: str, previous_status: str | None) -> dict:
    department = issue.lead_department
    data = {
        "reference": issue.reference,
        "status": issue.status,
        "previous_status": previous_status,
        "round": issue.round,
        "category": issue.category.code,
        "region": issue.region.code,
        "lead_department": None if department is None else {
            "id": department.pk, "code": department.code, "name": department.name,
            "name_en": department.name_en,
        },
        "submitted_at": moment(issue.submitted_at),
        "dispatched_at": moment(issue.dispatched_at),
        "due_on": issue.due_on.isoformat() if issue.due_on else None,
        "answered_at": moment(issue.resolved_at),
        "closed_at": moment(issue.closed_at),
        "api_url": absolute_url(f"/api/v1/issues/{issue.reference}/"),
        "url": absolute_url(reverse("issues:detail", kwargs={"reference": issue.reference})),
    }
    if event == "issue.rated":
        data["rating"] = issue.latest_rating
    return data


def _issue_changed(sender, issue, before, **kwargs):
    previous = None if before is None else before["status"]
    for event, key in issue_events(issue, before):
        webhook_event(event=event, key=key, payload=lambda event=event: issue_payload(
            issue, event=event, previous_status=previous))


def connect() -> None:
    issue_changed.connect(_issue_changed, dispatch_uid="issues.webhooks")
