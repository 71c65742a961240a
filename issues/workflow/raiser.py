"""What the raiser may do to their own issue (or a coordinator of the region for them):
withdraw it (撤回) before it is dispatched (交办), and add material (补充材料: a note,
files) while it is not finished. Neither moves a due date; adding material changes no
state either."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from issues import notices
from issues.attachments import MAX_ATTACHMENTS, attachments_save, attachments_saved_or_removed
from issues.models import Attachment, Issue
from issues.policy import Action, Party, parties_of
from issues.workflow.base import (
    K,
    S,
    _begin,
    _checked_files,
    _required,
    event_key,
    record_change,
)
from notifications.services import notify_users

#: A withdrawal's reason is a short text.
WITHDRAW_REASON_MAX_LENGTH = 500
#: The note that comes with added material.
MATERIAL_NOTE_MAX_LENGTH = 2000
#: An issue's own files, those sent with it and every addition together (each addition, like
#: the submission, at most ``MAX_ATTACHMENTS``).
MAX_ISSUE_ATTACHMENTS = 4 * MAX_ATTACHMENTS


@transaction.atomic
def issue_withdraw(*, actor, issue: Issue, version: int, reason: str) -> Issue:
    """The raiser takes the issue back before it is dispatched: it ends as withdrawn, which
    the figures do not count as a valid issue. A public timeline entry keeps the reason.
    When the raiser withdrew it, the coordinators find it in their inbox (in the app); when
    a coordinator did, on the person's request, nobody is told."""
    reason = _required(reason, _("Say why the issue is withdrawn."))
    MaxLengthValidator(WITHDRAW_REASON_MAX_LENGTH)(reason)
    issue = _begin(Action.WITHDRAW, actor=actor, issue=issue, version=version)
    by_raiser = Party.RAISER in parties_of(user=actor, issue=issue)
    issue.closed_at = timezone.now()
    event = record_change(issue, actor=actor, kind=K.WITHDRAWN, to_status=S.WITHDRAWN,
                          fields=["closed_at"], message=reason,
                          data={"by_raiser": by_raiser})
    if by_raiser:
        with notices.site_language():
            notify_users(
                users=notices.coordinator_users(issue=issue),
                key=event_key(issue, event, "withdrawn"),
                subject=_("Issue %(reference)s was withdrawn") % {"reference": issue.reference},
                body=_("%(enterprise)s withdrew “%(title)s” before it was dispatched: "
                       "%(reason)s") % {"enterprise": issue.enterprise.name,
                                        "title": issue.title, "reason": reason},
                path=notices.issue_path(issue),
            )
    return issue


def issue_add_material(*, actor, issue: Issue, version: int, note: str = "",
                       files=()) -> Issue:
    """Add a note and/or files (uploads, or files a form already checked with
    ``issues.attachments``) to an issue that is not finished. A public timeline entry
    names the files; whoever holds the issue is told: the lead department once it has been
    dispatched to one, else the coordinators. Status, round and due dates stay as they
    are. Files and rows are written together: if anything fails, the stored files are
    removed too."""
    with attachments_saved_or_removed():
        return _add_material(actor=actor, issue=issue, version=version, note=note,
                             files=files)


def _add_material(*, actor, issue: Issue, version: int, note: str, files) -> Issue:
    note = (note or "").strip()
    MaxLengthValidator(MATERIAL_NOTE_MAX_LENGTH)(note)
    checked = _checked_files(files)
    if not note and not checked:
        raise ValidationError(_("Write a note or choose at least one file."),
                              code="required")
    issue = _begin(Action.ADD_MATERIAL, actor=actor, issue=issue, version=version)
    if checked:
        kept = Attachment.objects.filter(issue=issue, answer__isnull=True).count()
        if kept + len(checked) > MAX_ISSUE_ATTACHMENTS:
            raise ValidationError({"files": ValidationError(
                _("An issue keeps at most %(most)s files of its own; it has %(kept)s.")
                % {"most": MAX_ISSUE_ATTACHMENTS, "kept": kept},
                code="attachment_count",
            )})
    saved = attachments_save(issue=issue, checked=checked, user=actor) if checked else []
    event = record_change(
        issue, actor=actor, kind=K.MATERIAL_ADDED, message=note, is_public=True,
        data={"attachments": [attachment.pk for attachment in saved]},
    )
    with_department = (issue.lead_department_id is not None
                       and issue.status in (*Issue.WITH_DEPARTMENT_STATUSES, S.RESOLVED))
    users = (notices.department_users(department_id=issue.lead_department_id)
             if with_department else notices.coordinator_users(issue=issue))
    with notices.site_language():
        values = {"reference": issue.reference, "title": issue.title, "count": len(saved)}
        notices.tell_officials(
            users=users, key=event_key(issue, event, "material"),
            subject=_("New material on issue %(reference)s") % values,
            body=(_("“%(title)s”: %(count)s file(s) added.") % values if saved
                  else _("“%(title)s”: a note was added.") % values)
            + (f" {note}" if note else ""),
            issue=issue,
        )
    return issue
