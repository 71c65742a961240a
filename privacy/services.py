"""Personal data (PIPL): a person's copy of what is held about them, and erasure on request.

What erasure keeps, and why: the programme's figures (sessions held, attendances, distinct
entrepreneurs, issues collected, satisfaction) must stay exactly true, so the person's
Entrepreneur row, attendances, issues, timeline entries, attachments and ratings stay. What
identifies the person goes: name, mobile, email and position on the Entrepreneur row; user
name, email, names and password on the account (which is deactivated); the addresses and
texts of their notifications; the reason they gave for the request. The titles and
descriptions of issues they raised stay as written: they are about the enterprise, which
the programme keeps, and its colleagues and the departments go on reading them (the my-data
page says so before the person asks).

Each app exports and erases its own share through its ``personal_data`` module (accounts,
entrepreneurs, issues, sessions, notifications); this module only calls them in turn, and
writes privacy's own table (the deletion requests) and, through ``privacy.notices``, its messages.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import personal_data as account_data
from accounts.audit import audit_record
from accounts.models import AuditEvent
from core.privacy import PRIVACY_NOTICE_VERSION, export_time
from entrepreneurs import personal_data as entrepreneur_data
from entrepreneurs.models import Entrepreneur
from issues import personal_data as issue_data
from notifications import personal_data as notification_data
from notifications.personal_data import ERASED_ADDRESS
from privacy import notices
from privacy.models import DeletionRequest
from privacy.selectors import deletion_requests_for_user, may_decide_deletion_requests
from sessions import personal_data as attendance_data

__all__ = [
    "ERASED_ADDRESS", "EXPORT_FORMAT", "MAX_TEXT", "NOT_AN_ENTREPRENEUR", "NOT_A_DECIDER",
    "check_may_decide", "deletion_request_create", "deletion_request_decide",
    "personal_data_export",
]

#: Version of the export's layout; bump when keys change meaning.
EXPORT_FORMAT = "huzhou-talks-personal-data/1"
#: The longest reason or note kept.
MAX_TEXT = 2000

NOT_AN_ENTREPRENEUR = _(
    "Only entrepreneurs registered with the programme can download or erase their data here. "
    "Officials' and administrators' accounts are managed by the programme's administrators."
)
NOT_A_DECIDER = _("Only programme coordinators and administrators decide deletion requests.")


def _person_of(user) -> Entrepreneur:
    """The user's own, not yet anonymised, Entrepreneur record; else PermissionDenied."""
    if not user.is_authenticated or not user.is_active:
        raise PermissionDenied(NOT_AN_ENTREPRENEUR)
    person = (
        Entrepreneur.objects.select_related("enterprise__region", "verified_by__official")
        .filter(user=user, anonymised_at__isnull=True)
        .first()
    )
    if person is None:
        raise PermissionDenied(NOT_AN_ENTREPRENEUR)
    return person


# --- Export --------------------------------------------------------------------------------


@transaction.atomic
def personal_data_export(*, user) -> dict:
    """Everything held about the signed-in entrepreneur, as JSON-ready data.

    Their account, person record, enterprise, attendances, the issues they raised (with the
    public timeline, ratings and attachment names, not the files), the notifications sent to
    them, their account's history (log-ins and log-outs, password and role changes) and their
    deletion requests. Ten queries whatever the size of their history; the download is
    recorded in the audit trail.
    """
    person = _person_of(user)
    data = {
        "format": EXPORT_FORMAT,
        "generated_at": export_time(timezone.now()),
        "privacy_notice_version": person.privacy_notice_version,
        "current_privacy_notice_version": PRIVACY_NOTICE_VERSION,
        "account": account_data.export_account(user=user),
        "person": entrepreneur_data.export_person(person=person),
        "enterprise": entrepreneur_data.export_enterprise(person=person),
        "attendances": attendance_data.export_attendances(person=person),
        "issues": issue_data.export_issues(person=person),
        "notifications": notification_data.export_notifications(user=user),
        "account_history": account_data.export_account_history(user=user),
        "deletion_requests": _export_deletion_requests(person=person),
    }
    audit_record(AuditEvent.Kind.DATA_EXPORTED, subject=user, actor=user)
    return data


def _export_deletion_requests(*, person: Entrepreneur) -> list[dict]:
    """The person's deletion requests and their decisions, oldest first. One query."""
    return [
        {
            "status": request.status,
            "status_label": str(request.get_status_display()),
            "reason": request.reason,
            "asked_at": export_time(request.created_at),
            "decided_at": export_time(request.decided_at),
            "decision_note": request.decision_note,
        }
        for request in DeletionRequest.objects.filter(entrepreneur=person).order_by(
            "created_at", "id"
        )
    ]


# --- Asking for erasure ----------------------------------------------------------------------


@transaction.atomic
def deletion_request_create(*, user, reason: str = "") -> DeletionRequest:
    """The signed-in entrepreneur asks for their own personal data to be erased.

    One request may wait at a time. The coordinators of the person's region and of the city
    are told in the app; the message names the enterprise and the request, not the person.
    """
    person = _person_of(user)
    reason = (reason or "").strip()
    if len(reason) > MAX_TEXT:
        raise ValidationError(
            _("Keep the reason under %(limit)d characters.") % {"limit": MAX_TEXT}
        )
    already = _(
        "You have already asked for your data to be erased; a coordinator will decide that "
        "request first."
    )
    if DeletionRequest.objects.filter(
        entrepreneur=person, status=DeletionRequest.Status.PENDING
    ).exists():
        raise ValidationError(already)
    try:
        with transaction.atomic():  # a request sent twice at once: the second is refused
            request = DeletionRequest.objects.create(
                entrepreneur=person, requested_by=user, reason=reason
            )
    except IntegrityError as error:
        raise ValidationError(already) from error
    audit_record(
        AuditEvent.Kind.DELETION_REQUESTED, subject=user, actor=user,
        message=f"request #{request.pk}",
    )
    notices.deletion_requested(request=request, person=person)
    return request


# --- Deciding --------------------------------------------------------------------------------


def check_may_decide(*, user) -> None:
    """Refuse (403) anybody but a coordinator or an administrator."""
    if not may_decide_deletion_requests(user=user):
        raise PermissionDenied(NOT_A_DECIDER)


@transaction.atomic
def deletion_request_decide(
    *, actor, request: DeletionRequest, approve: bool, note: str = ""
) -> DeletionRequest:
    """Approve (the person is anonymised) or refuse (with a note the person reads).

    Only a coordinator whose scope covers the person's enterprise, or an administrator, may
    decide (others: 403; a request outside the coordinator's region: 404), and only a request
    still waiting.
    """
    check_may_decide(user=actor)
    try:
        request = (
            deletion_requests_for_user(user=actor)
            .select_for_update(of=("self",))
            .select_related("entrepreneur__user", "entrepreneur__enterprise")
            .get(pk=request.pk)
        )
    except DeletionRequest.DoesNotExist as error:
        raise Http404(_("No such deletion request in your region.")) from error
    if not request.is_pending:
        raise ValidationError(_("This request has already been decided."))
    note = (note or "").strip()
    if len(note) > MAX_TEXT:
        raise ValidationError(
            _("Keep the note under %(limit)d characters.") % {"limit": MAX_TEXT}
        )
    if not approve and not note:
        raise ValidationError(_("Say why the request is refused: the person will read it."))

    person = request.entrepreneur
    subject = person.user
    now = timezone.now()
    request.status = (
        DeletionRequest.Status.APPROVED if approve else DeletionRequest.Status.REFUSED
    )
    request.decided_by = actor
    request.decided_at = now
    request.decision_note = note
    update_fields = ["status", "decided_by", "decided_at", "decision_note"]
    if approve:
        request.reason = ""  # the person's own words go with the rest of their data
        update_fields.append("reason")
    request.save(update_fields=update_fields)

    if approve:
        _anonymise(person=person, now=now)
    else:
        notices.deletion_refused(request=request, user=subject, note=note)
    audit_record(
        AuditEvent.Kind.DELETION_DECIDED, subject=subject, actor=actor,
        message=f"request #{request.pk} {'approved' if approve else 'refused'}"
        + ("" if approve else f": {note}"),
    )
    return request


def _anonymise(*, person: Entrepreneur, now) -> None:
    """Erase what identifies the person; keep what the programme's figures count.

    Each app erases its own share, in turn: the person's record, their messages (with
    their name and contacts wherever they appear), then their account. Their issues and
    places at sessions are kept as written (``issues.personal_data`` and
    ``sessions.personal_data`` say why): the figures count them, and what identified the
    person went with their record.
    """
    user = person.user
    name = person.name
    identifiers = entrepreneur_data.contact_identifiers(person=person)
    entrepreneur_data.erase_person(person=person, now=now)
    notification_data.erase_notifications(user=user, name=name, identifiers=identifiers)
    if user is not None:
        account_data.erase_account(user=user)
