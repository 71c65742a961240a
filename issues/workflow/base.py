"""What every transition does: re-read the issue under its row lock and check the action
(``_begin``), save it with its timeline entry (``record_change``, through ``save_issue``,
which sends ``issues.signals.issue_changed``), and the keys of the messages it sends."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.signals import snapshot
from issues.attachments import MAX_ATTACHMENTS, CheckedFile, attachments_validate
from issues.models import Issue, IssueEvent
from issues.policy import Action, StaleIssue, action_refusal
from issues.signals import issue_changed

S = Issue.Status
E = Issue.Escalation
K = IssueEvent.Kind


@transaction.atomic
def _begin(action: Action, *, actor, issue: Issue, version: int) -> Issue:
    """The issue re-read under a row lock, once the actor, version and state allow the
    action. Must be called inside the action's transaction."""
    locked = (
        Issue.objects.select_for_update(of=("self",))
        .select_related("category", "entrepreneur__user", "region", "lead_department")
        .get(pk=issue.pk)
    )
    locked._loaded_values = snapshot(locked)
    if locked.version != version:
        raise StaleIssue(_(
            "Someone else changed this issue while you were looking at it. Nothing you "
            "entered was saved; the page now shows the issue as it is, so check it and try "
            "again."
        ))
    refusal = action_refusal(user=actor, action=action, issue=locked)
    if refusal is not None:
        raise refusal
    return locked


def record_change(issue: Issue, *, actor, kind: str, fields=(), to_status: str | None = None,
            message: str = "", is_public: bool = True, data: dict | None = None,
            bump: bool = True) -> IssueEvent:
    """Save the issue's changed ``fields`` (and status and version) and write its timeline
    entry."""
    from_status = issue.status
    if to_status is not None:
        issue.status = to_status
    update = set(fields)
    if to_status is not None:
        update.add("status")
    if bump:
        issue.version += 1
        update.add("version")
    if update:
        save_issue(issue, fields=update)
    return IssueEvent.objects.create(
        issue=issue, kind=kind, actor=actor,
        from_status=from_status if to_status is not None else "",
        to_status=issue.status if to_status is not None else "",
        round=issue.round, message=message, is_public=is_public, data=data or {},
    )


def save_issue(issue: Issue, *, fields) -> None:
    """Save the issue's ``fields`` and send ``issue_changed`` with the values it held as
    loaded under its lock (``_begin``, or ``lock_issue``); then those are the new "before",
    so that a second save in the same transaction sends a correct one too."""
    issue.save(update_fields=sorted(fields))
    issue_changed.send(sender=Issue, issue=issue, before=issue._loaded_values)
    issue._loaded_values = snapshot(issue)


def lock_issue(queryset, *, pk: int) -> Issue | None:
    """The issue re-read from ``queryset`` under a row lock, with the snapshot ``save_issue``
    sends as ``before``; None if it is gone. Must be called inside a transaction."""
    issue = queryset.select_for_update(of=("self",)).filter(pk=pk).first()
    if issue is not None:
        issue._loaded_values = snapshot(issue)
    return issue


def _required(text: str, message: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError(message, code="required")
    return text


def _checked_files(files) -> list[CheckedFile]:
    """The files as ``attachments_validate`` checks an issue's own: uploads are checked
    here (type from the bytes, size, count); files a form already checked are kept."""
    files = list(files or ())
    if not files:
        return []
    if len(files) <= MAX_ATTACHMENTS and all(isinstance(item, CheckedFile) for item in files):
        return files
    return attachments_validate(
        [item.upload if isinstance(item, CheckedFile) else item for item in files])


def event_key(issue: Issue, event: IssueEvent, what: str) -> str:
    return f"issue:{issue.pk}:{what}:e{event.pk}"
