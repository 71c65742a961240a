"""The department's answer (答复), with its files (the answer letter, 答复函), and the
lead's sign-off (审核签发).

Every answer is an ``Answer`` row of its round. Where the lead department does not ask
for sign-off, or a lead of it writes the answer, it is approved at once and the issue is
answered (``resolved``). Where it does, a handler's answer waits for a department lead
(``pending``; the issue stays with the department and its clock keeps running), who
approves it (``issue_approve_answer``: then it reaches the entrepreneur, and the issue is
answered at that moment) or sends it back with a note (``issue_send_back_answer``: the
handler answers again)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from government.models import Official
from government.selectors import user_label
from issues import notices
from issues.attachments import attachments_save, attachments_saved_or_removed
from issues.models import Answer, ExtensionRequest, Issue
from issues.policy import Action, Party, WrongState, parties_of
from issues.workflow.base import (
    K,
    S,
    _begin,
    _checked_files,
    _required,
    event_key,
    record_change,
)

A = Answer.Status


def issue_resolve(*, actor, issue: Issue, version: int, reply: str, files=()) -> Issue:
    """Answer the entrepreneur, with ``files`` (uploads, or files a form already checked
    with ``issues.attachments``). Where the lead department requires sign-off and the
    author is a handler, the answer waits for a lead (the issue stays with the department);
    otherwise it goes out at once and the entrepreneur is asked to rate it. Files and rows
    are written together: if anything fails, the stored files are removed too."""
    with attachments_saved_or_removed():
        return _resolve(actor=actor, issue=issue, version=version, reply=reply, files=files)


def _resolve(*, actor, issue: Issue, version: int, reply: str, files) -> Issue:
    reply = _required(reply, _("Write the answer to the entrepreneur."))
    checked = _checked_files(files)
    issue = _begin(Action.RESOLVE, actor=actor, issue=issue, version=version)
    if issue.answers.filter(status=A.PENDING).exists():
        raise WrongState(_(
            "An answer to this issue is already waiting for the lead's sign-off. Wait for "
            "the decision; if it is sent back, you can answer again."
        ))
    department = issue.lead_department
    by_lead = Party.LEAD_DEPARTMENT_LEAD in parties_of(user=actor, issue=issue)
    needs_sign_off = bool(department is not None and department.requires_sign_off
                          and not by_lead)
    now = timezone.now()
    answer = Answer.objects.create(
        issue=issue, round=issue.round, reply=reply, written_by=actor, written_at=now,
        status=A.PENDING if needs_sign_off else A.APPROVED,
        decided_by=None if needs_sign_off else actor,
        decided_at=None if needs_sign_off else now,
    )
    if checked:
        attachments_save(issue=issue, checked=checked, user=actor, answer=answer)
    if not needs_sign_off:
        _send(issue, answer=answer, actor=actor,
              signed_off_by=actor.pk if department is not None
              and department.requires_sign_off else None)
        return issue
    to_status = S.IN_PROGRESS if issue.status == S.ACCEPTED else None
    event = record_change(issue, actor=actor, kind=K.ANSWER_SUBMITTED, to_status=to_status,
                          is_public=False,
                          data={"answer": answer.pk, "attachments": len(checked)})
    with notices.site_language():
        notices.tell_officials(
            users=notices.department_users(department_id=department.pk,
                                           roles=(Official.Role.DEPARTMENT_LEAD,)),
            key=event_key(issue, event, "sign-off"),
            subject=_("An answer to issue %(reference)s awaits your sign-off") % {
                "reference": issue.reference},
            body=_("%(author)s answered “%(title)s”. Approve the answer, or send it back "
                   "with a note.") % {"author": user_label(actor), "title": issue.title},
            issue=issue,
        )
    return issue


def _pending_answer(issue: Issue) -> Answer:
    answer = (Answer.objects.select_for_update().select_related("written_by")
              .filter(issue=issue, status=A.PENDING).first())
    if answer is None:
        raise WrongState(_("No answer to this issue is waiting for sign-off."))
    return answer


@transaction.atomic
def issue_approve_answer(*, actor, issue: Issue, version: int, note: str = "") -> Issue:
    """A lead of the lead department signs off (审核签发) the answer waiting for it: the
    answer reaches the entrepreneur now, and the issue counts as answered now."""
    issue = _begin(Action.APPROVE_ANSWER, actor=actor, issue=issue, version=version)
    answer = _pending_answer(issue)
    answer.status = A.APPROVED
    answer.decided_by, answer.decided_at = actor, timezone.now()
    answer.decision_note = (note or "").strip()
    answer.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    _send(issue, answer=answer, actor=actor, signed_off_by=actor.pk)
    return issue


@transaction.atomic
def issue_send_back_answer(*, actor, issue: Issue, version: int, note: str) -> Issue:
    """A lead of the lead department sends the waiting answer back to its author with a
    note; the author (or another handler) answers again."""
    note = _required(note, _("Say what should change in the answer."))
    issue = _begin(Action.SEND_BACK_ANSWER, actor=actor, issue=issue, version=version)
    answer = _pending_answer(issue)
    answer.status = A.SENT_BACK
    answer.decided_by, answer.decided_at = actor, timezone.now()
    answer.decision_note = note
    answer.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    event = record_change(issue, actor=actor, kind=K.ANSWER_SENT_BACK, message=note,
                          is_public=False,
                          data={"answer": answer.pk, "written_by": answer.written_by_id})
    author = answer.written_by
    with notices.site_language():
        notices.tell_officials(
            users=[author] if author.is_active else [],
            key=event_key(issue, event, "sent-back"),
            subject=_("Your answer to issue %(reference)s was sent back") % {
                "reference": issue.reference},
            body=_("The lead's note: %(note)s") % {"note": note},
            issue=issue,
        )
    return issue


def _send(issue: Issue, *, answer: Answer, actor, signed_off_by) -> None:
    """The approved answer reaches the entrepreneur: the issue is answered now (the
    working-day clock stops here), and its raiser is asked to rate it."""
    issue.extension_requests.filter(status=ExtensionRequest.Status.PENDING).update(
        status=ExtensionRequest.Status.WITHDRAWN, decided_at=timezone.now())
    issue.resolved_at = timezone.now()
    issue.rating_reminded_at = None
    record_change(issue, actor=actor, kind=K.RESOLVED, to_status=S.RESOLVED,
                  fields=["resolved_at", "rating_reminded_at"], message=answer.reply,
                  data={"answer": answer.pk, "written_by": answer.written_by_id,
                        "signed_off_by": signed_off_by})
    with notices.site_language():
        notices.tell_entrepreneur(
            issue=issue, key=f"issue:{issue.pk}:rate:r{issue.round}", sms=True,
            path=notices.rating_path(issue),
            subject=_("Your issue %(reference)s has an answer: please rate it") % {
                "reference": issue.reference},
            body=_("%(department)s answered “%(title)s”. Tell us if you are satisfied.") % {
                "department": issue.lead_department, "title": issue.title},
        )
