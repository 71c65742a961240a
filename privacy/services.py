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
"""

from collections import defaultdict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, Value
from django.db.models.functions import Replace
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.audit import audit_record
from accounts.models import AuditEvent
from core.privacy import PRIVACY_NOTICE_VERSION
from entrepreneurs.models import Entrepreneur
from government.selectors import coordinators_covering
from issues.models import Attachment, Issue, IssueEvent, SatisfactionRating
from notifications.models import Notification
from notifications.services import notification_create
from privacy.models import DeletionRequest
from privacy.selectors import (
    deletion_requests_for_user,
    may_decide_deletion_requests,
    user_label,
)
from sessions.models import Attendance

#: Version of the export's layout; bump when keys change meaning.
EXPORT_FORMAT = "huzhou-talks-personal-data/1"
#: Email and SMS rows must name an address (a database rule of the outbox); once erased
#: they carry this instead of the person's mobile or email.
ERASED_ADDRESS = "erased"
#: The longest reason or note kept.
MAX_TEXT = 2000

NOT_AN_ENTREPRENEUR = _(
    "Only entrepreneurs registered with the programme can download or erase their data here. "
    "Officials' and administrators' accounts are managed by the programme's administrators."
)
NOT_A_DECIDER = _("Only programme coordinators and administrators decide deletion requests.")


def _time(value) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


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
    enterprise = person.enterprise
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
            "time": _time(event.created_at),
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
            "time": _time(rating.rated_at),
        })
    for attachment in Attachment.objects.filter(issue__entrepreneur=person).order_by(
        "uploaded_at", "id"
    ):
        attachments[attachment.issue_id].append({
            "name": attachment.original_name,
            "size_bytes": attachment.size,
            "type": attachment.content_type,
            "uploaded_at": _time(attachment.uploaded_at),
        })
    attendances = (
        Attendance.objects.filter(entrepreneur=person)
        .select_related("session__region", "session__edition")
        .order_by("session__starts_at", "id")
    )
    notifications = Notification.objects.filter(recipient=user).order_by("created_at", "id")
    history = AuditEvent.objects.filter(subject=user).order_by("created_at", "id")
    requests = DeletionRequest.objects.filter(entrepreneur=person).order_by("created_at", "id")

    data = {
        "format": EXPORT_FORMAT,
        "generated_at": _time(timezone.now()),
        "privacy_notice_version": person.privacy_notice_version,
        "current_privacy_notice_version": PRIVACY_NOTICE_VERSION,
        "account": {
            "username": user.get_username(),
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "date_joined": _time(user.date_joined),
            "last_login": _time(user.last_login),
        },
        "person": {
            "name": person.name,
            "mobile": person.mobile,
            "email": person.email,
            "position": person.position,
            "is_new_generation": person.is_new_generation,
            "consent_to_contact": person.consent_to_contact,
            "verification": person.verification,
            "verification_label": str(person.get_verification_display()),
            "verified_at": _time(person.verified_at),
            "verified_by": user_label(person.verified_by),
            "verification_note": person.verification_note,
            "privacy_notice_version": person.privacy_notice_version,
            "privacy_consented_at": _time(person.privacy_consented_at),
            "anonymised_at": _time(person.anonymised_at),
            "registered_at": _time(person.created_at),
        },
        "enterprise": {
            "name": enterprise.name,
            "credit_code": enterprise.credit_code,
            "region": str(enterprise.region),
            "industry": enterprise.industry,
            "industry_label": str(enterprise.get_industry_display()),
            "scale": enterprise.scale,
            "scale_label": str(enterprise.get_scale_display()),
        },
        "attendances": [
            {
                "session": attendance.session.theme,
                "edition": attendance.session.edition.number,
                "date": _time(attendance.session.starts_at),
                "region": str(attendance.session.region),
                "venue": attendance.session.venue,
                "status": attendance.status,
                "status_label": str(attendance.get_status_display()),
                "registered_at": _time(attendance.registered_at),
                "checked_in_at": _time(attendance.checked_in_at),
            }
            for attendance in attendances
        ],
        "issues": [
            {
                "reference": issue.reference,
                "title": issue.title,
                "description": issue.description,
                "category": str(issue.category),
                "region": str(issue.region),
                "source": issue.source,
                "status": issue.status,
                "status_label": str(issue.get_status_display()),
                "submitted_at": _time(issue.submitted_at),
                "answered_at": _time(issue.resolved_at),
                "closed_at": _time(issue.closed_at),
                "timeline": events[issue.pk],
                "ratings": ratings[issue.pk],
                "attachments": attachments[issue.pk],
            }
            for issue in issues
        ],
        "notifications": [
            {
                "subject": notification.subject,
                "body": notification.body,
                "channel": notification.channel,
                "address": notification.address,
                "status": notification.status,
                "time": _time(notification.created_at),
                "sent_at": _time(notification.sent_at),
            }
            for notification in notifications
        ],
        "account_history": [
            {
                "kind": event.kind,
                "kind_label": str(event.get_kind_display()),
                "time": _time(event.created_at),
                "ip_address": event.ip_address,
            }
            for event in history
        ],
        "deletion_requests": [
            {
                "status": request.status,
                "status_label": str(request.get_status_display()),
                "reason": request.reason,
                "asked_at": _time(request.created_at),
                "decided_at": _time(request.decided_at),
                "decision_note": request.decision_note,
            }
            for request in requests
        ],
    }
    audit_record(AuditEvent.Kind.DATA_EXPORTED, subject=user, actor=user)
    return data


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
    url = reverse("privacy:requests")
    for official in coordinators_covering(region=person.enterprise.region):
        notification_create(
            key=f"privacy:deletion-requested:{request.pk}:{official.user_id}:in_app",
            channel=Notification.Channel.IN_APP,
            recipient=official.user,
            subject=gettext("Request to erase personal data"),
            body=gettext(
                "A person of %(enterprise)s asked for their personal data to be erased "
                "(request #%(number)d). Approve or refuse it on the deletion requests page."
            ) % {"enterprise": person.enterprise.name, "number": request.pk},
            url=url,
        )
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
    elif subject is not None and subject.is_active:
        notification_create(
            key=f"privacy:deletion-refused:{request.pk}:in_app",
            channel=Notification.Channel.IN_APP,
            recipient=subject,
            subject=gettext("Your request to erase your data was refused"),
            body=note,
            url=reverse("privacy:my_data"),
        )
    audit_record(
        AuditEvent.Kind.DELETION_DECIDED, subject=subject, actor=actor,
        message=f"request #{request.pk} {'approved' if approve else 'refused'}"
        + ("" if approve else f": {note}"),
    )
    return request


def _anonymise(*, person: Entrepreneur, now) -> None:
    """Erase what identifies the person; keep what the programme's figures count."""
    user = person.user
    identifiers = [value for value in (person.mobile, person.email) if value]
    if user is not None and user.email and user.email not in identifiers:
        identifiers.append(user.email)
    name = person.name

    person.name = ""
    person.mobile = ""
    person.email = ""
    person.position = ""
    person.consent_to_contact = False
    person.anonymised_at = now
    person.save(update_fields=[
        "name", "mobile", "email", "position", "consent_to_contact", "anonymised_at",
    ])

    # The person's own messages: addressed to their account, or to their mobile or email.
    theirs = Q(address__in=identifiers) if identifiers else Q(pk__in=[])
    if user is not None:
        theirs |= Q(recipient=user)
    messages = Notification.objects.filter(theirs)
    messages.filter(status=Notification.Status.PENDING).update(
        status=Notification.Status.CANCELLED
    )
    messages.filter(channel=Notification.Channel.IN_APP).update(address="", body="")
    messages.exclude(channel=Notification.Channel.IN_APP).update(
        address=ERASED_ADDRESS, body=""
    )
    if name:
        messages.filter(subject__contains=name).update(
            subject=Replace("subject", Value(name), Value(""))
        )
    # A mobile number or an email address is the person's wherever it appears.
    for value in identifiers:
        Notification.objects.filter(subject__contains=value).update(
            subject=Replace("subject", Value(value), Value(""))
        )
        Notification.objects.filter(body__contains=value).update(
            body=Replace("body", Value(value), Value(""))
        )

    if user is not None:
        user.username = f"deleted-{user.pk}"
        user.email = ""
        user.first_name = ""
        user.last_name = ""
        user.set_unusable_password()
        user.is_active = False
        user.save(update_fields=[
            "username", "email", "first_name", "last_name", "password", "is_active",
        ])
