"""Submitting an issue: an entrepreneur raises their own online, a coordinator enters one
raised at a session, by phone or on a visit. The issue's first state, ``submitted``."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils import timezone
from django.utils.translation import gettext as _

from core.signals import snapshot
from entrepreneurs.selectors import entrepreneur_for_user
from government.selectors import region_scope_for_user
from issues import notices
from issues.attachments import attachments_save, attachments_saved_or_removed
from issues.models import Category, Issue, IssueEvent
from issues.policy import ActionNotAllowed, may_submit_for_others, may_submit_for_self
from issues.services import issue_references_allocate
from issues.signals import issue_changed
from issues.workflow.base import K, S, _required, event_key


def issue_submit(*, actor, title: str, description: str, category: Category, entrepreneur=None,
                 source: str = Issue.Source.ONLINE, session=None, attachments=()) -> Issue:
    """Record a new issue with a fresh reference; tell the region's coordinators.

    An entrepreneur submits their own (``entrepreneur`` is None or themselves; source
    online). A coordinator enters one for an entrepreneur in their region, saying where it
    was raised (at a session, by phone, on a visit). ``attachments`` are files already
    checked by ``issues.attachments.attachments_validate``. Files and rows are written
    together: if anything fails, the stored files are removed too.
    """
    with attachments_saved_or_removed():
        return _submit(actor=actor, title=title, description=description, category=category,
                       entrepreneur=entrepreneur, source=source, session=session,
                       attachments=attachments)


def _submit(*, actor, title, description, category, entrepreneur, source, session,
            attachments) -> Issue:
    own = entrepreneur_for_user(user=actor)
    for_self = entrepreneur is None or (own is not None and entrepreneur.pk == own.pk)
    if for_self:
        if not may_submit_for_self(user=actor):
            raise ActionNotAllowed(_(
                "Only verified entrepreneurs can raise issues online. If you signed up "
                "recently, a coordinator still has to verify you."
            ))
        entrepreneur = own
        source = Issue.Source.ONLINE
        session = None
    else:
        if not may_submit_for_others(user=actor):
            raise ActionNotAllowed(_("Only coordinators can enter an issue for someone else."))
        region = None if actor.is_superuser else region_scope_for_user(user=actor)
        if region is not None and entrepreneur.enterprise.region_id != region.pk:
            raise ActionNotAllowed(_("This entrepreneur's enterprise is outside your region."))
        if source == Issue.Source.ONLINE:
            raise ValidationError(
                _("Say where the issue was raised: at a session, by phone or on a visit."),
                code="source",
            )
        if session is not None and source != Issue.Source.SESSION:
            raise ValidationError(_("Only an issue raised at a session names a session."),
                                  code="session")
    title = _required(title, _("Give the issue a title."))
    # The form limits it too; a caller that is not a form (a script, an API) gets the same
    # refusal instead of a database error.
    MaxLengthValidator(Issue._meta.get_field("title").max_length)(title)
    description = _required(description, _("Describe the issue."))
    now = timezone.now()
    [reference] = issue_references_allocate(year=timezone.localdate().year)
    issue = Issue.objects.create(
        reference=reference, title=title, description=description, category=category,
        enterprise=entrepreneur.enterprise, entrepreneur=entrepreneur,
        region=entrepreneur.enterprise.region, source=source, session=session,
        created_by=actor, submitted_at=now,
    )
    issue_changed.send(sender=Issue, issue=issue, before=None)
    issue._loaded_values = snapshot(issue)
    if attachments:
        attachments_save(issue=issue, checked=list(attachments), user=actor)
    event = IssueEvent.objects.create(
        issue=issue, kind=K.SUBMITTED, actor=actor, to_status=S.SUBMITTED, round=1,
        data={"source": source, "attachments": len(attachments)}, created_at=now,
    )
    with notices.site_language():
        notices.tell_officials(
            users=notices.coordinator_users(issue=issue), key=event_key(issue, event, "submitted"),
            subject=_("New issue %(reference)s to dispatch") % {"reference": reference},
            body=_("%(enterprise)s raised “%(title)s” (%(category)s). It waits for a "
                   "department.") % {"enterprise": issue.enterprise.name, "title": title,
                                     "category": category},
            issue=issue,
        )
        notices.tell_entrepreneur(
            issue=issue, key=event_key(issue, event, "received"),
            subject=_("We received your issue %(reference)s") % {"reference": reference},
            body=_("“%(title)s” is with the coordinators, who will pass it to the right "
                   "department.") % {"title": title},
        )
    return issue
