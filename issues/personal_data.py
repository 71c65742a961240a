"""The issues' share of a person's personal data (PIPL): its export. Nothing here is erased.

``privacy.services`` calls the apps' ``personal_data`` modules in turn; each exports and
erases only its own tables. Here: the issues the person raised, with their public timeline,
the person's satisfaction ratings and the names of the files they attached (not the files).

Erasure keeps all of it: the titles and descriptions are about the enterprise, which the
programme keeps, and its colleagues and the departments go on reading them; the issues,
ratings and attachments are what the programme's figures count. The person's name and
contacts go with their Entrepreneur row (``entrepreneurs.personal_data``). Should erasure
ever change an Issue here, it must send ``issues.signals.issue_changed(sender=Issue,
issue=..., before=core.signals.snapshot(...))`` after the save, as every issue writer does.
"""

from collections import defaultdict

from django.db.models import Q

from core.privacy import export_time
from entrepreneurs.models import Entrepreneur
from issues.models import Answer, Attachment, Issue, IssueEvent, SatisfactionRating


def export_issues(*, person: Entrepreneur) -> list[dict]:
    """The person's issues, oldest first, each with its public timeline, ratings and
    attachments' names. Four queries whatever their number."""
    issues = list(
        Issue.objects.filter(entrepreneur=person)
        .select_related("category", "region")
        .order_by("submitted_at", "id")
    )
    events, ratings, attachments = defaultdict(list), defaultdict(list), defaultdict(list)
    for event in IssueEvent.objects.filter(issue__entrepreneur=person, is_public=True).order_by(
        "created_at", "id"
    ):
        events[event.issue_id].append({
            "time": export_time(event.created_at),
            "kind": event.kind,
            "kind_label": str(event.get_kind_display()),
            "message": event.message,
        })
    for rating in SatisfactionRating.objects.filter(issue__entrepreneur=person).order_by(
        "rated_at", "id"
    ):
        ratings[rating.issue_id].append({
            "round": rating.round,
            "rating": rating.value,
            "rating_label": str(rating.get_value_display()),
            "reason": rating.reason,
            "comment": rating.comment,
            "time": export_time(rating.rated_at),
        })
    # The issue's own files and those of signed-off answers: never those of an answer the
    # person was not sent (waiting for the lead's sign-off, or sent back).
    shown = Q(answer__isnull=True) | Q(answer__status=Answer.Status.APPROVED)
    for attachment in Attachment.objects.filter(shown, issue__entrepreneur=person).order_by(
        "uploaded_at", "id"
    ):
        attachments[attachment.issue_id].append({
            "name": attachment.original_name,
            "size_bytes": attachment.size,
            "type": attachment.content_type,
            "uploaded_at": export_time(attachment.uploaded_at),
        })
    return [
        {
            "reference": issue.reference,
            "title": issue.title,
            "description": issue.description,
            "category": str(issue.category),
            "region": str(issue.region),
            "source": issue.source,
            "status": issue.status,
            "status_label": str(issue.get_status_display()),
            "submitted_at": export_time(issue.submitted_at),
            "answered_at": export_time(issue.resolved_at),
            "closed_at": export_time(issue.closed_at),
            "timeline": events[issue.pk],
            "ratings": ratings[issue.pk],
            "attachments": attachments[issue.pk],
        }
        for issue in issues
    ]
