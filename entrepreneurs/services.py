"""Writes about entrepreneurs: signing up, a coordinator's verification decision, people
added at the door (walk-ins) and the enterprises added with them, claiming an account, and
importing a county's list (``entrepreneurs_import``; the rows are checked by
``entrepreneurs.imports``).

Each function checks what it needs, writes everything that goes with the change (the
audit event, the outbox rows of ``entrepreneurs.notices``) in one transaction, and raises
ValidationError with a message the person can act on, or PermissionDenied / Http404 for
someone who may not.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import identify_hasher
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.audit import audit_record
from accounts.models import AuditEvent
from core.dates import moment_shown
from core.links import absolute_url
from core.privacy import PRIVACY_NOTICE_VERSION
from core.spreadsheets import ImportChanged, Status, counts, statuses
from core.validators import (
    normalize_credit_code,
    normalize_mobile,
    validate_credit_code,
    validate_mobile,
)
from entrepreneurs import imports, notices
from entrepreneurs.models import Enterprise, Entrepreneur
from entrepreneurs.selectors import (
    covers_region,
    enterprises_for_user,
    may_verify,
    verifiable_entrepreneurs_for_user,
    walk_in_regions_for_user,
)
from entrepreneurs.signals import enterprise_merged
from entrepreneurs.tokens import ClaimLinkError, claim_token_make, claim_token_person
from government.models import Official, Region

NOT_A_VERIFIER = _("Only a coordinator or an administrator can verify people who signed up.")
NOT_AT_THE_DOOR = _("Only a coordinator or an administrator adds people to the directory.")
NOT_AN_ENTERPRISE_KEEPER = _("Only a coordinator or an administrator completes or merges "
                             "enterprises.")
NO_SUCH_ENTERPRISE = _("No such enterprise in your region.")
MAX_REASON = Entrepreneur._meta.get_field("verification_note").max_length

# --- Signing up ----------------------------------------------------------------------------


def validate_new_mobile(mobile: str) -> str:
    """The normalised number, if nobody uses it yet; else ValidationError."""
    mobile = normalize_mobile(mobile)
    validate_mobile(mobile)
    if Entrepreneur.objects.filter(mobile=mobile).exists():
        raise ValidationError(
            _("Someone with this mobile number is already registered. If it is you, log in "
              "with it (or reset your password)."),
            code="mobile_registered",
        )
    User = get_user_model()
    if (
        User.objects.filter(username=mobile).exists()
        or Official.objects.filter(mobile=mobile).exists()
    ):
        raise ValidationError(
            _("This mobile number already belongs to another account."), code="mobile_taken"
        )
    return mobile


def validate_new_email(email: str) -> str:
    """The lower-cased address, if no account uses it (in any case); blank is allowed."""
    email = (email or "").strip().lower()
    if email and get_user_model().objects.filter(
        Q(email__iexact=email) | Q(username__iexact=email)
    ).exists():
        raise ValidationError(
            _("This email address already belongs to an account. If it is yours, log in with "
              "it (or reset your password)."),
            code="email_taken",
        )
    return email


def enterprise_field_errors(
    *, enterprise_name: str, region: Region | None, industry: str, scale: str
) -> dict:
    """What is missing to register a new enterprise, by field."""
    needed = _("This credit code is not registered yet, so this is needed to register your "
               "enterprise.")
    values = {"enterprise_name": (enterprise_name or "").strip(), "region": region,
              "industry": industry, "scale": scale}
    errors = {field: ValidationError(needed, code="required_for_new_enterprise")
              for field, value in values.items() if not value}
    if region is not None and region.level != Region.Level.COUNTY:
        errors["region"] = ValidationError(
            _("Choose the district, county or area where the enterprise is registered."),
            code="region_level",
        )
    return errors


@transaction.atomic
def entrepreneur_sign_up(
    *,
    name: str,
    mobile: str,
    email: str = "",
    password: str = "",
    password_hash: str = "",
    credit_code: str,
    privacy_consent: bool,
    position: str = "",
    is_new_generation: bool = False,
    consent_to_contact: bool = False,
    enterprise_name: str = "",
    region: Region | None = None,
    industry: str = "",
    scale: str = "",
) -> Entrepreneur:
    """A person registers themself and their enterprise; they wait for verification.

    The enterprise is found by its credit code; a code not registered yet registers a new
    enterprise from ``enterprise_name``, ``region``, ``industry`` and ``scale``. The account's
    user name is the normalised mobile number. The coordinators of the enterprise's region
    and of the city are told in the app. Anything wrong raises ValidationError keyed by
    argument, and nothing is written.

    The password is given as typed (``password``, checked by Django's validators here), or,
    from the two-step sign-up, as the hash of one checked when it was chosen at step 1
    (``password_hash``), so the typed password never waits in the session.
    """
    errors = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = ValidationError(_("Give your name."), code="required")
    try:
        mobile = validate_new_mobile(mobile)
    except ValidationError as error:
        errors["mobile"] = error
    try:
        email = validate_new_email(email)
    except ValidationError as error:
        errors["email"] = error
    if not privacy_consent:
        errors["privacy_consent"] = ValidationError(
            _("Please read and agree to the privacy notice to register."), code="consent"
        )
    credit_code = normalize_credit_code(credit_code)
    enterprise = None
    try:
        validate_credit_code(credit_code)
    except ValidationError as error:
        errors["credit_code"] = error
    else:
        enterprise = Enterprise.objects.filter(credit_code=credit_code).first()
        if enterprise is None:
            errors.update(enterprise_field_errors(
                enterprise_name=enterprise_name, region=region, industry=industry, scale=scale
            ))
    User = get_user_model()
    user = User(username=mobile, email=email, first_name=name)
    if password_hash:
        if password:
            raise ValueError("Give either the password or the hash of a checked one.")
        identify_hasher(password_hash)  # ValueError unless it is a hash Django made
    else:
        try:
            validate_password(password, user=user)
        except ValidationError as error:
            errors["password"] = error
    if errors:
        raise ValidationError(errors)

    now = timezone.now()
    try:
        with transaction.atomic():  # two sign-ups at once: the second is refused, not a 500
            if enterprise is None:
                enterprise = Enterprise(
                    name=enterprise_name.strip(), credit_code=credit_code, region=region,
                    industry=industry, scale=scale,
                )
                try:
                    enterprise.full_clean()
                except ValidationError as error:  # its "name" is the enterprise's
                    raise ValidationError({
                        "enterprise_name" if field == "name" else field: messages
                        for field, messages in error.message_dict.items()
                    }) from error
                enterprise.save()
            if password_hash:
                user.password = password_hash
            else:
                user.set_password(password)
            user.save()
            person = Entrepreneur(
                user=user, name=name, mobile=mobile, email=email, enterprise=enterprise,
                position=(position or "").strip(), is_new_generation=is_new_generation,
                consent_to_contact=consent_to_contact,
                verification=Entrepreneur.Verification.PENDING,
                privacy_notice_version=PRIVACY_NOTICE_VERSION, privacy_consented_at=now,
            )
            person.full_clean()
            person.save()
    except IntegrityError as error:
        raise ValidationError(
            _("Someone registered the same mobile number, email or enterprise a moment ago. "
              "Please check and try again."),
            code="conflict",
        ) from error

    audit_record(
        AuditEvent.Kind.ACCOUNT_CREATED, subject=user, actor=user,
        message=f"signed up for enterprise {enterprise.credit_code} (entrepreneur #{person.pk})",
    )
    notices.signed_up(person=person, enterprise=enterprise)
    return person


# --- Verification --------------------------------------------------------------------------


def _for_decision(*, actor, entrepreneur: Entrepreneur) -> Entrepreneur:
    """The person, re-read under lock, if the actor may decide on them; only while pending."""
    if not may_verify(user=actor):
        raise PermissionDenied(NOT_A_VERIFIER)
    try:
        person = (
            verifiable_entrepreneurs_for_user(user=actor)
            .select_for_update(of=("self",))
            .get(pk=entrepreneur.pk)
        )
    except Entrepreneur.DoesNotExist as error:
        raise Http404(_("No such person in your region.")) from error
    if person.verification != Entrepreneur.Verification.PENDING:
        decided = (
            _("This person was already verified on %(date)s.")
            if person.is_verified
            else _("This person's registration was already refused on %(date)s.")
        )
        raise ValidationError(
            decided, code="already_decided",
            params={"date": moment_shown(person.verified_at)},
        )
    return person


def _decide(*, actor, person: Entrepreneur, verification: str, note: str) -> str:
    now = timezone.now()
    person.verification = verification
    person.verified_at = now
    person.verified_by = actor
    person.verification_note = note
    # Saving syncs the person's role groups (accounts.apps): verified people gain their rights.
    person.save(update_fields=["verification", "verified_at", "verified_by", "verification_note"])
    return f"{person.pk}:{int(now.timestamp())}"


@transaction.atomic
def entrepreneur_verify(*, actor, entrepreneur: Entrepreneur) -> Entrepreneur:
    """A coordinator confirms that the person speaks for their enterprise.

    Only a coordinator whose scope covers the person's enterprise, or an administrator, may
    (others: 403; a person outside the coordinator's region: 404), and only while the person
    waits. The person may then submit issues and register for sessions.
    """
    person = _for_decision(actor=actor, entrepreneur=entrepreneur)
    stamp = _decide(
        actor=actor, person=person, verification=Entrepreneur.Verification.VERIFIED, note=""
    )
    audit_record(
        AuditEvent.Kind.VERIFIED, subject=person.user, actor=actor,
        message=f"entrepreneur #{person.pk} of enterprise {person.enterprise.credit_code}",
    )
    notices.verified(person=person, stamp=stamp)
    return person


@transaction.atomic
def entrepreneur_refuse(*, actor, entrepreneur: Entrepreneur, reason: str) -> Entrepreneur:
    """A coordinator refuses the registration, with a reason the person reads.

    The same rules as ``entrepreneur_verify``; the person keeps an account without rights.
    """
    person = _for_decision(actor=actor, entrepreneur=entrepreneur)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            _("Say why the registration is refused: the person will read it."), code="reason"
        )
    if len(reason) > MAX_REASON:
        raise ValidationError(
            _("Keep the reason under %(limit)d characters."), code="reason_length",
            params={"limit": MAX_REASON},
        )
    stamp = _decide(
        actor=actor, person=person, verification=Entrepreneur.Verification.REJECTED,
        note=reason,
    )
    audit_record(
        AuditEvent.Kind.VERIFICATION_REFUSED, subject=person.user, actor=actor,
        message=f"entrepreneur #{person.pk} of enterprise {person.enterprise.credit_code}: "
        f"{reason}",
    )
    notices.refused(person=person, stamp=stamp, reason=reason)
    return person


# --- Walk-ins: people added at the door ----------------------------------------------------


def enterprise_takes_people(enterprise: Enterprise) -> None:
    """Refuse (ValidationError) to add a person to an enterprise still to be completed: it
    was added at the door for one person, and its code is unchecked until a coordinator
    confirms it or merges it into the right one."""
    if enterprise.provisional:
        raise ValidationError(
            _("%(enterprise)s was added at the door and its credit code is not confirmed yet, "
              "so nobody else can be added to it. Confirm its code or merge it under "
              "“Enterprises to complete” first."),
            code="provisional_enterprise", params={"enterprise": enterprise.name},
        )


@transaction.atomic
def entrepreneur_add_walk_in(
    *, actor, name: str, mobile: str, enterprise_name: str = "", region: Region | None = None,
    credit_code: str = "", occasion: str = "",
) -> Entrepreneur:
    """A coordinator adds a person met in person who is not in the directory yet.

    The person needs no account: verified in person by ``actor`` (the audit trail says so,
    ``occasion`` says where), and sent one SMS with a link to claim an account. The
    enterprise is the one with ``credit_code`` when it is registered (confirmed, and in the
    actor's region); otherwise a new one from ``enterprise_name`` and ``region``, marked to
    be completed (provisional, its code unchecked or missing) until a coordinator confirms
    or merges it. The mobile and the code get the same checks and messages as at sign-up.
    Anything wrong raises ValidationError keyed by argument, and nothing is written.
    """
    if not may_verify(user=actor):
        raise PermissionDenied(NOT_AT_THE_DOOR)
    errors = {}
    name = (name or "").strip()
    enterprise_name = (enterprise_name or "").strip()
    if not name:
        errors["name"] = ValidationError(_("Give the person's name."), code="required")
    try:
        mobile = validate_new_mobile(mobile)
    except ValidationError as error:
        errors["mobile"] = error
    code = normalize_credit_code(credit_code or "")
    enterprise = None
    if code:
        try:
            validate_credit_code(code)
        except ValidationError as error:
            errors["credit_code"] = error
        else:
            enterprise = (Enterprise.objects.select_for_update().select_related("region")
                          .filter(credit_code=code).first())
    if enterprise is not None:
        try:
            enterprise_takes_people(enterprise)
        except ValidationError as error:
            errors["credit_code"] = error
        if not covers_region(user=actor, region_id=enterprise.region_id):
            errors["credit_code"] = ValidationError(
                _("This code belongs to %(enterprise)s of %(region)s: its coordinators add "
                  "its people."), code="other_region",
                params={"enterprise": enterprise.name, "region": enterprise.region},
            )
    elif "credit_code" not in errors:
        if not enterprise_name:
            errors["enterprise_name"] = ValidationError(
                _("Give the enterprise's name."), code="required")
        if region is None:
            errors["region"] = ValidationError(
                _("Choose the district, county or area where the enterprise is registered."),
                code="required")
        elif not walk_in_regions_for_user(user=actor).filter(pk=region.pk).exists():
            errors["region"] = ValidationError(
                _("Choose one of your districts, counties or areas."), code="region_scope")
    if errors:
        raise ValidationError(errors)

    now = timezone.now()
    try:
        with transaction.atomic():  # the same person added at two doors: one 400, no 500
            if enterprise is None:
                enterprise = Enterprise(name=enterprise_name, credit_code=code or None,
                                        region=region, provisional=True)
                try:
                    # Industry and scale are asked when a coordinator completes it.
                    enterprise.full_clean(exclude=("industry", "scale"))
                except ValidationError as error:
                    raise ValidationError({
                        "enterprise_name" if field == "name" else field: messages
                        for field, messages in error.message_dict.items()
                    }) from error
                enterprise.save()
            note = (_("Verified in person at %(occasion)s.") % {"occasion": occasion}
                    if occasion else _("Verified in person."))
            person = Entrepreneur(
                user=None, name=name, mobile=mobile, enterprise=enterprise,
                source=Entrepreneur.Source.WALK_IN,
                verification=Entrepreneur.Verification.VERIFIED, verified_by=actor,
                verified_at=now, verification_note=str(note)[:MAX_REASON],
            )
            person.full_clean()
            person.save()
    except IntegrityError as error:
        raise ValidationError(
            _("Someone added the same mobile number or credit code a moment ago. Search for "
              "the person again."),
            code="conflict",
        ) from error
    audit_record(
        AuditEvent.Kind.VERIFIED, subject=None, actor=actor,
        message=f"walk-in entrepreneur #{person.pk} verified in person"
        f"{f' at {occasion}' if occasion else ''}, enterprise #{enterprise.pk} "
        f"{enterprise.credit_code or '(no code)'}"
        f"{' (to complete)' if enterprise.provisional else ''}",
    )
    entrepreneur_invite_to_claim(person)
    return person


# --- Claiming an account --------------------------------------------------------------------


def entrepreneur_invite_to_claim(person: Entrepreneur):
    """One SMS to a person without an account (a walk-in, an imported person) with the
    single-use link that lets them claim one: an outbox row keyed
    ``entrepreneur:<pk>:claim``, so a second call writes nothing. Call it inside the
    transaction that adds the person. None when nothing was written (they have an account,
    no mobile, or were invited before)."""
    if person.user_id is not None or not person.mobile or person.anonymised_at:
        return None
    link = absolute_url(reverse("claim", args=[claim_token_make(person)]))
    return notices.claim_invitation(person=person, link=link)


@transaction.atomic
def entrepreneur_claim(*, token: str, password: str, privacy_consent: bool) -> Entrepreneur:
    """The person the link was sent to sets a password: a new account (user name: their
    mobile, as at sign-up) linked to their existing record, which keeps its issues and
    places. Raises ``ClaimLinkError`` for a used, expired or altered link, ValidationError
    keyed by argument for anything else, and writes nothing then."""
    person = claim_token_person(token, for_update=True)
    if person.user_id is not None:  # pragma: no cover - the token covers it
        raise ClaimLinkError(ClaimLinkError.USED)
    errors = {}
    if not privacy_consent:
        errors["privacy_consent"] = ValidationError(
            _("Please read and agree to the privacy notice to set up your account."),
            code="consent",
        )
    User = get_user_model()
    if User.objects.filter(username=person.mobile).exists():
        errors["__all__"] = ValidationError(
            _("Your mobile number already belongs to another account. Please call the "
              "coordinators."), code="mobile_taken")
    email = person.email
    if email and User.objects.filter(Q(email__iexact=email) | Q(username__iexact=email)).exists():
        email = ""
    user = User(username=person.mobile, email=email, first_name=person.name)
    try:
        validate_password(password, user=user)
    except ValidationError as error:
        errors["password"] = error
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            user.set_password(password)
            user.save()
    except IntegrityError as error:
        raise ValidationError(
            _("Your mobile number already belongs to another account. Please call the "
              "coordinators."), code="mobile_taken") from error
    person.user = user
    person.privacy_notice_version = PRIVACY_NOTICE_VERSION
    person.privacy_consented_at = timezone.now()
    # Saving syncs the person's role groups (accounts.apps): a verified person's rights.
    person.save(update_fields=["user", "privacy_notice_version", "privacy_consented_at"])
    audit_record(
        AuditEvent.Kind.ACCOUNT_CREATED, subject=user, actor=user,
        message=f"claimed entrepreneur #{person.pk} ({person.get_source_display()}) by the "
        f"link sent to the mobile",
    )
    return person


# --- Enterprises to complete ----------------------------------------------------------------


def _provisional_for(*, actor, enterprise: Enterprise) -> Enterprise:
    """The enterprise, locked, if the actor may complete it and it still is to complete."""
    if not may_verify(user=actor):
        raise PermissionDenied(NOT_AN_ENTERPRISE_KEEPER)
    try:
        locked = (enterprises_for_user(user=actor).select_for_update(of=("self",))
                  .select_related("region").get(pk=enterprise.pk))
    except Enterprise.DoesNotExist as error:
        raise Http404(NO_SUCH_ENTERPRISE) from error
    if not locked.provisional:
        raise ValidationError(_("%(enterprise)s is already confirmed."), code="confirmed",
                              params={"enterprise": locked.name})
    return locked


@transaction.atomic
def enterprise_confirm(*, actor, enterprise: Enterprise, credit_code: str, name: str,
                       industry: str, scale: str) -> Enterprise:
    """A coordinator completes an enterprise added at the door: its checked credit code,
    its name as on the licence, industry and scale. It then takes more people. A code that
    belongs to another enterprise is refused: merge into that one instead."""
    enterprise = _provisional_for(actor=actor, enterprise=enterprise)
    code = normalize_credit_code(credit_code or "")
    errors = {}
    if not code:
        errors["credit_code"] = ValidationError(
            _("Enter the unified social credit code."), code="required")
    else:
        try:
            validate_credit_code(code)
        except ValidationError as error:
            errors["credit_code"] = error
        else:
            other = Enterprise.objects.filter(credit_code=code).exclude(pk=enterprise.pk).first()
            if other is not None:
                errors["credit_code"] = ValidationError(
                    _("This code belongs to %(enterprise)s: merge into it instead."),
                    code="code_taken", params={"enterprise": other.name})
    if errors:
        raise ValidationError(errors)
    enterprise.credit_code = code
    enterprise.name = (name or "").strip()
    enterprise.industry, enterprise.scale = industry, scale
    enterprise.provisional = False
    enterprise.confirmed_at, enterprise.confirmed_by = timezone.now(), actor
    enterprise.full_clean()
    try:
        with transaction.atomic():
            enterprise.save()
    except IntegrityError as error:
        raise ValidationError(
            {"credit_code": _("Someone registered this code a moment ago: merge into that "
                              "enterprise instead.")}) from error
    audit_record(
        AuditEvent.Kind.VERIFIED, subject=None, actor=actor,
        message=f"enterprise #{enterprise.pk} confirmed with credit code {code}",
    )
    return enterprise


@transaction.atomic
def enterprise_merge(*, actor, enterprise: Enterprise, credit_code: str) -> Enterprise:
    """A coordinator merges an enterprise added at the door into the registered one with
    ``credit_code`` (in their region): its people and everything pointing at it (the
    issues, through ``entrepreneurs.signals.enterprise_merged``) move there, and the
    enterprise added at the door is deleted. Returns the enterprise merged into."""
    source = _provisional_for(actor=actor, enterprise=enterprise)
    code = normalize_credit_code(credit_code or "")
    try:
        validate_credit_code(code)
    except ValidationError as error:
        raise ValidationError({"credit_code": error}) from error
    target = (enterprises_for_user(user=actor).select_for_update(of=("self",))
              .filter(credit_code=code).exclude(pk=source.pk).first())
    if target is None:
        raise ValidationError({"credit_code": ValidationError(
            _("No enterprise with this code is registered in your region. If this is the "
              "enterprise's own code, confirm it instead."), code="no_target")})
    if target.provisional:
        raise ValidationError({"credit_code": ValidationError(
            _("%(enterprise)s is still to be completed itself: confirm it first."),
            code="target_provisional", params={"enterprise": target.name})})
    moved = list(source.entrepreneurs.values_list("pk", flat=True))
    Entrepreneur.objects.filter(enterprise=source).update(enterprise=target)
    enterprise_merged.send(sender=Enterprise, source_id=source.pk, target_id=target.pk)
    source_pk, source_name = source.pk, source.name
    source.delete()
    audit_record(
        AuditEvent.Kind.VERIFIED, subject=None, actor=actor,
        message=f"enterprise #{source_pk} «{source_name}» merged into #{target.pk} "
        f"{target.credit_code}; entrepreneurs moved: {moved}",
    )
    return target


# --- Importing a list ------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportOutcome:
    people: int
    enterprises: int
    matched: int
    wrong: int


@transaction.atomic
def entrepreneurs_import(
    *, actor, records: list[tuple[int, dict]], file_name: str, expected: list
) -> ImportOutcome:
    """Add the NEW rows of a list: people without accounts (source IMPORTED, verified by the
    importer), and the enterprises they bring (confirmed, with their credit code).

    Only a coordinator (their region's rows) or an administrator may (PermissionDenied).
    The rows are checked again (``entrepreneurs.imports.check_rows``); if they no longer
    check as the preview the importer saw (``expected``: ``imports.statuses``), or a write
    fails because someone added the same mobile or code a moment ago, nothing is written
    and ImportChanged carries the rows as they check now. Rows already in the directory and
    wrong rows are counted, never written. The audit trail records the import with its
    counts; each person added is invited to claim an account.
    """
    if not may_verify(user=actor):
        raise PermissionDenied(imports.NOT_AN_IMPORTER)
    checks = imports.check_rows(actor=actor, records=records)
    if statuses(checks) != expected:
        raise ImportChanged(checks)
    now = timezone.now()
    note = gettext("Imported from %(file)s") % {"file": file_name}
    note = note[:MAX_REASON]
    added, enterprises = [], {}
    try:
        with transaction.atomic():
            for check in checks:
                if check.status != Status.NEW:
                    continue
                data = check.cleaned
                enterprise = check.enterprise or enterprises.get(data["credit_code"])
                if enterprise is None:
                    enterprise = Enterprise(
                        name=data["enterprise_name"], credit_code=data["credit_code"],
                        region=data["region"], industry=data["industry"],
                        scale=data["scale"], provisional=False, confirmed_at=now,
                        confirmed_by=actor,
                    )
                    enterprise.full_clean()
                    enterprise.save()
                    enterprises[enterprise.credit_code] = enterprise
                person = Entrepreneur(
                    user=None, name=data["name"], mobile=data["mobile"], email=data["email"],
                    enterprise=enterprise, position=data["position"],
                    source=Entrepreneur.Source.IMPORTED,
                    is_new_generation=data["is_new_generation"],
                    consent_to_contact=data["consent_to_contact"],
                    verification=Entrepreneur.Verification.VERIFIED, verified_at=now,
                    verified_by=actor, verification_note=note,
                )
                person.full_clean()
                person.save()
                added.append(person)
    except (IntegrityError, ValidationError) as error:
        raise ImportChanged(imports.check_rows(actor=actor, records=records)) from error
    found = counts(checks)
    outcome = ImportOutcome(people=len(added), enterprises=len(enterprises),
                            matched=found[Status.MATCH],
                            wrong=found[Status.WRONG])
    audit_record(
        AuditEvent.Kind.VERIFIED, actor=actor,
        message=f"imported from {file_name}: {outcome.people} people added, "
        f"{outcome.enterprises} enterprises added, {outcome.matched} already in the "
        f"directory, {outcome.wrong} rows wrong",
    )
    for person in added:
        entrepreneur_invite_to_claim(person)
    return outcome
