"""Officials' accounts: created by an administrator or a coordinator (or imported from a
list by an administrator), then changed, switched off and on again. Nothing is ever
deleted: a deactivated official's records stay.

Who may do what is decided in one place, ``official_rights``; the services below, the forms
and the views all ask it (through ``assignable_roles``, ``manageable_departments``,
``can_manage`` and ``official_actions``).
"""

import copy
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.audit import audit_record
from accounts.models import AuditEvent
from core.spreadsheets import ImportChanged, Status, statuses
from core.validators import clean_text_problems, normalize_mobile
from government import imports, notices
from government.models import Department, Official, Region
from government.selectors import official_for_user, region_scope_for_user
from notifications.models import Notification

R = Official.Role

#: The roles a coordinator may give. Only an administrator makes (or changes) a leader.
COORDINATOR_ASSIGNABLE_ROLES = (R.HANDLER, R.DEPARTMENT_LEAD, R.COORDINATOR)

NOT_A_MANAGER = _("Only administrators and coordinators can create or change officials' "
                  "accounts.")
OUTSIDE_REGION = _("This official works in a department outside the region you look after.")


# --- Who may do what ---------------------------------------------------------------------


@dataclass(frozen=True)
class OfficialRights:
    """What one user may do with officials' accounts."""

    may_manage: bool
    #: The region whose departments they manage; None means every region.
    region: Region | None = None
    #: The roles they may give (Official.Role values).
    roles: tuple[str, ...] = ()
    is_admin: bool = False
    #: Why not, when ``may_manage`` is false.
    reason: str = ""

    def covers(self, department: Department) -> bool:
        """Whether the department lies in the region they manage (no query)."""
        if not self.may_manage:
            return False
        return self.region is None or department.region_id == self.region.pk


def official_rights(actor) -> OfficialRights:
    """THE rule for officials' accounts.

    * An administrator (superuser) manages any official in any department and gives any
      role.
    * A coordinator (government.add_official and government.change_official, and an
      official themselves) manages the officials of the departments in their region scope —
      the whole city for a city coordinator, their county's departments for a county
      coordinator — and gives handler, department lead or coordinator, never leader.
    * Nobody else manages officials' accounts.
    """
    if not actor.is_authenticated or not actor.is_active:
        return OfficialRights(may_manage=False, reason=NOT_A_MANAGER)
    if actor.is_superuser:
        return OfficialRights(may_manage=True, roles=tuple(R.values), is_admin=True)
    may = actor.has_perm("government.add_official") and actor.has_perm(
        "government.change_official"
    )
    if not may or official_for_user(user=actor) is None:
        return OfficialRights(may_manage=False, reason=NOT_A_MANAGER)
    return OfficialRights(
        may_manage=True,
        region=region_scope_for_user(user=actor),
        roles=tuple(role.value for role in COORDINATOR_ASSIGNABLE_ROLES),
    )


def assignable_roles(actor) -> list[tuple[str, str]]:
    """The roles the actor may give, as (value, label) choices."""
    roles = official_rights(actor).roles
    return [(value, label) for value, label in R.choices if value in roles]


def manageable_departments(actor, *, including: int | None = None) -> QuerySet[Department]:
    """The active departments the actor may put officials in.

    ``including`` adds one department (an official's current one) if the actor covers it,
    even when it is no longer active, so that editing does not force a move.
    """
    rights = official_rights(actor)
    if not rights.may_manage:
        return Department.objects.none()
    wanted = Q(is_active=True)
    if including is not None:
        wanted |= Q(pk=including)
    departments = Department.objects.filter(wanted)
    if rights.region is not None:
        departments = departments.filter(region=rights.region)
    return departments.select_related("region").order_by("region__sort_order", "name", "id")


def can_manage(actor, department: Department, role: str | None = None, *,
               rights: OfficialRights | None = None) -> bool:
    """Whether the actor manages officials of ``department`` (and gives ``role``, if named)."""
    rights = rights or official_rights(actor)
    return rights.covers(department) and (role is None or role in rights.roles)


def _manage_refusal(rights: OfficialRights, official: Official) -> str | None:
    """Why the holder of ``rights`` may not change this official; None if they may."""
    if not rights.may_manage:
        return rights.reason
    if not rights.covers(official.department):
        return OUTSIDE_REGION
    if official.role not in rights.roles or (official.user.is_superuser and not rights.is_admin):
        return _("Only an administrator can change the account of a leader or of another "
                 "administrator.")
    return None


def official_check_manage(*, actor, official: Official) -> OfficialRights:
    """Raise PermissionDenied, with the reason, unless the actor may change this official."""
    rights = official_rights(actor)
    reason = _manage_refusal(rights, official)
    if reason is not None:
        raise PermissionDenied(reason)
    return rights


def official_actions(*, actor, official: Official, rights: OfficialRights | None = None) -> set:
    """The buttons to show the actor on an official's page, out of "edit", "deactivate",
    "reactivate" and "resend_link". Each one's service checks again."""
    rights = rights or official_rights(actor)
    if _manage_refusal(rights, official) is not None:
        return set()
    actions = {"edit"}
    user = official.user
    if not user.is_active:
        actions.add("reactivate")
        return actions
    if user.pk != actor.pk:
        actions.add("deactivate")
    if not user.has_usable_password() and user.email:
        actions.add("resend_link")
    return actions


def show_contact(*, actor, official: Official, rights: OfficialRights | None = None) -> bool:
    """Mobile and email in full for those who manage the official's department, and for the
    official themselves; masked for everyone else who may see them (leaders, department
    leads)."""
    return official.user_id == actor.pk or can_manage(actor, official.department, rights=rights)


# --- Checks shared by creating and changing ----------------------------------------------


def _check_assignment(*, rights: OfficialRights, department: Department, role: str,
                      official: Official | None = None) -> None:
    """Refuse (PermissionDenied) a department or a role the actor may not choose."""
    if (official is None or department.pk != official.department_id) and not rights.covers(
        department
    ):
        raise PermissionDenied(_("You may only choose a department in the region you look "
                                 "after."))
    if (official is None or role != official.role) and role not in rights.roles:
        raise PermissionDenied(_("You may not give the role “%(role)s”.")
                               % {"role": _role_label(role)})


def _role_label(role: str) -> str:
    return dict(R.choices).get(role, role)


def _validate_official(official: Official, *, department_changed: bool) -> None:
    """Field rules of the model, an active department, and a mobile no other official has."""
    errors: dict[str, list] = {}
    try:
        official.full_clean(exclude=["user"] if official.user_id is None else None)
    except ValidationError as error:
        errors.update(error.update_error_dict({}))
    if department_changed and not official.department.is_active:
        errors.setdefault("department", []).append(
            ValidationError(_("This department is no longer active."), code="inactive")
        )
    if official.mobile and "mobile" not in errors:
        others = Official.objects.filter(mobile=official.mobile)
        if official.pk is not None:
            others = others.exclude(pk=official.pk)
        if others.exists():
            errors["mobile"] = [ValidationError(
                _("Another official already has this mobile number."), code="unique")]
    if errors:
        raise ValidationError(errors)


# --- The services ------------------------------------------------------------------------


def official_create_validate(
    *, actor, name: str, email: str, department: Department, role: str, title: str = "",
    mobile: str = "",
) -> tuple[str, Official]:
    """Everything ``official_create`` checks, without writing: the actor's right to the
    department and the role (PermissionDenied), then the fields, an active department, an
    email no account has and a mobile no official has (one ValidationError by field).

    Returns the normalised email and the unsaved Official. The admin's add form calls it.
    """
    rights = official_rights(actor)
    if not rights.may_manage:
        raise PermissionDenied(rights.reason)
    _check_assignment(rights=rights, department=department, role=role)

    email = (email or "").strip().lower()
    official = Official(
        name=(name or "").strip(), department=department, role=role,
        title=(title or "").strip(), mobile=mobile or "",
    )
    errors: dict[str, list] = {}
    try:
        _validate_official(official, department_changed=True)
    except ValidationError as error:
        errors.update(error.update_error_dict({}))
    User = get_user_model()
    email_errors = []
    try:
        validate_email(email)
    except ValidationError as error:
        email_errors.append(error)
    if len(email) > User._meta.get_field("username").max_length:
        email_errors.append(ValidationError(_("This email address is too long to log in "
                                              "with."), code="max_length"))
    if not email_errors and User.objects.filter(
        Q(email__iexact=email) | Q(username__iexact=email)
    ).exists():
        email_errors.append(ValidationError(
            _("An account with this email address exists already."), code="unique"))
    if email_errors:
        errors["email"] = email_errors
    if errors:
        raise ValidationError(errors)
    return email, official


@transaction.atomic
def official_create(
    *, actor, name: str, email: str, department: Department, role: str, title: str = "",
    mobile: str = "", welcome: bool = True,
) -> Official:
    """Create the account and the official's place, and email them a one-time link to choose
    their first password. The user name is the email address, lower-cased.

    ``welcome=False`` writes no link: a system key's service account (``api.services``)
    never chooses a password, so no set-password link to it may lie in the outbox."""
    email, official = official_create_validate(
        actor=actor, name=name, email=email, department=department, role=role, title=title,
        mobile=mobile,
    )
    User = get_user_model()
    user = User(username=email, email=email, first_name=official.name)
    user.set_unusable_password()
    user.save()
    official.user = user
    official.save()
    audit_record(
        AuditEvent.Kind.ACCOUNT_CREATED, subject=user, actor=actor,
        message=f"official {official.pk}: {official.role} in {department.code}",
    )
    if welcome:
        notices.welcome_email(user=user, official=official, counter=1)
    return official


@transaction.atomic
def official_resend_link(*, actor, official: Official) -> Notification:
    """Email a new one-time link, while the official has not chosen a password yet."""
    official_check_manage(actor=actor, official=official)
    user = get_user_model().objects.select_for_update().get(pk=official.user_id)
    if user.has_usable_password():
        raise ValidationError(_("%(name)s has chosen a password already. If it is forgotten, "
                                "“Forgot your password?” on the log-in page sends a reset "
                                "link.") % {"name": official.name})
    if not user.is_active:
        raise ValidationError(_("This account is deactivated. Reactivate it before sending a "
                                "new link."))
    if not user.email:
        raise ValidationError(_("This account has no email address to send the link to. An "
                                "administrator can add one in the admin."))
    sent = notices.welcome_emails_sent(user=user)
    notification = notices.welcome_email(user=user, official=official, counter=sent + 1)
    if notification is None:  # another request sent this very round a moment ago
        raise ValidationError(_("A new link has just been sent. Please wait for it."))
    return notification


def official_update_validate(
    *, actor, official: Official, department: Department, role: str, title: str, mobile: str,
    name: str | None = None,
) -> Official:
    """Everything ``official_update`` checks, without writing: the actor's right to the
    official, the department and the role (PermissionDenied), nobody's own role or
    department, then the fields, an active department and a mobile no other official has
    (ValidationError by field).

    Returns the changed, unsaved copy; ``official`` is left as it was. The admin's change
    form calls it.
    """
    rights = official_check_manage(actor=actor, official=official)
    _check_assignment(rights=rights, department=department, role=role, official=official)
    if official.user_id == actor.pk and (
        department.pk != official.department_id or role != official.role
    ):
        raise ValidationError(_("You cannot change your own role or department. Ask another "
                                "coordinator or an administrator."))
    changed = copy.copy(official)
    changed.department = department
    changed.role = role
    changed.title = (title or "").strip()
    changed.mobile = mobile or ""
    if name is not None:
        changed.name = name.strip()
    _validate_official(changed, department_changed=department.pk != official.department_id)
    return changed


@transaction.atomic
def official_update(
    *, actor, official: Official, department: Department, role: str, title: str, mobile: str,
    name: str | None = None,
) -> Official:
    """Change an official's department, role, position, mobile (and name, if given).

    The role group follows (accounts.apps), and the audit trail records the change of role
    (accounts.audit). Nobody changes their own role or department.
    """
    changed = official_update_validate(
        actor=actor, official=official, department=department, role=role, title=title,
        mobile=mobile, name=name,
    )
    fields = ["department", "role", "title", "mobile", "name"]
    for field in fields:
        setattr(official, field, getattr(changed, field))
    official.save(update_fields=fields)
    if official.user.first_name != official.name:
        official.user.first_name = official.name
        official.user.save(update_fields=["first_name"])
    return official


@transaction.atomic
def official_deactivate(*, actor, official: Official) -> None:
    """Switch the account off: no more log-ins, and nothing in scope. Every record stays."""
    if official.user_id == actor.pk:
        raise ValidationError(_("You cannot deactivate your own account."))
    official_check_manage(actor=actor, official=official)
    _set_active(actor=actor, official=official, active=False)


@transaction.atomic
def official_reactivate(*, actor, official: Official) -> None:
    """Switch the account back on, with the same role, department and password."""
    official_check_manage(actor=actor, official=official)
    _set_active(actor=actor, official=official, active=True)


def _set_active(*, actor, official: Official, active: bool) -> None:
    user = get_user_model().objects.select_for_update().get(pk=official.user_id)
    if user.is_active == active:
        raise ValidationError(
            _("This account is active already.") if active
            else _("This account is deactivated already.")
        )
    user.is_active = active
    user.save(update_fields=["is_active"])
    official.user.is_active = active
    kind = AuditEvent.Kind.ACCOUNT_REACTIVATED if active else AuditEvent.Kind.ACCOUNT_DEACTIVATED
    audit_record(kind, subject=user, actor=actor, message=f"official {official.pk}")


# --- Importing a list (administrators) -----------------------------------------------------


def _require_import(actor) -> None:
    if not (actor.is_authenticated and actor.is_active and actor.is_superuser):
        raise PermissionDenied(imports.NOT_AN_IMPORTER)


def officials_import_check(*, actor, records: list[tuple[int, dict]]) -> list:
    """Each row of a list of officials: NEW (``official_create`` would accept it), MATCH (an
    official with this email or mobile exists: named, never changed) or WRONG (the reasons
    by cell: ``official_create_validate``'s). A later row with an email or a mobile already
    in the file is wrong. Administrators only (PermissionDenied)."""
    _require_import(actor)
    checks = [imports.OfficialRowCheck(number, {k: str(v) for k, v in values.items()})
              for number, values in records]
    by_code, by_name = imports.department_lookup()
    roles = imports.role_lookup()
    emails = {check.values.get("email", "").strip().lower() for check in checks} - {""}
    mobiles = {normalize_mobile(check.values.get("mobile", "")) for check in checks} - {""}
    User = get_user_model()
    accounts = {user.username.lower(): user for user in User.objects.filter(
        username__in=emails).select_related("official__department")}
    accounts.update({user.email.lower(): user for user in User.objects.filter(
        email__in=emails).select_related("official__department")})
    officials = {official.mobile: official for official in Official.objects.filter(
        mobile__in=mobiles).select_related("department")}
    seen = {"email": {}, "mobile": {}}
    for check in checks:
        for name, value in check.values.items():
            for problem in clean_text_problems(value):
                check.add_error(name, " ".join(problem.messages))
        if check.errors:
            continue
        email = check.values.get("email", "").strip().lower()
        mobile = normalize_mobile(check.values.get("mobile", ""))
        for name, value in (("email", email), ("mobile", mobile)):
            if value and value in seen[name]:
                check.add_error(name, _("The same as row %(row)d.") % {"row": seen[name][value]})
            elif value:
                seen[name][value] = check.number
        user = accounts.get(email)
        official = getattr(user, "official", None) if user is not None else None
        official = official or officials.get(mobile)
        if official is not None:
            check.match = official
            check.notes.append(str(_("An official already: %(official)s. Nothing is changed.")
                                   % {"official": official}))
            continue
        if user is not None:
            check.add_error("email", _("An account with this email address exists already."))
        _check_new_official(check, actor=actor, by_code=by_code, by_name=by_name, roles=roles,
                            email=email)
    return checks


def _check_new_official(check, *, actor, by_code, by_name, roles, email) -> None:
    values = check.values
    department_text = values.get("department", "")
    department = by_code.get(imports.header_key(department_text))
    named = by_name.get(imports.header_key(department_text), [])
    if department is None and len(named) == 1:
        department = named[0]
    if department is None:
        check.add_error("department", _(
            "Several departments have this name: give the department's code.") if named
            else _("No department with this code or name."))
    role = roles.get(imports.header_key(values.get("role", "")))
    if role is None:
        check.add_error("role", _("Choose one of: %(choices)s.")
                        % {"choices": "、".join(str(label) for label in Official.Role.labels)})
    if department is None or role is None:
        return
    try:
        email, official = official_create_validate(
            actor=actor, name=values.get("name", ""), email=email, department=department,
            role=role, title=values.get("title", ""), mobile=values.get("mobile", ""),
        )
    except PermissionDenied as error:
        check.add_error("department", str(error))
        return
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            for message in messages:
                if message not in check.errors.get(name, []):
                    check.add_error(name if name in values else "", message)
        return
    check.cleaned = {"name": official.name, "email": email, "department": department,
                     "role": role, "title": official.title, "mobile": official.mobile}
    check.notes.append(str(_("New official: %(role)s, %(department)s.")
                           % {"role": _role_label(role), "department": department}))


@transaction.atomic
def officials_import(*, actor, records: list[tuple[int, dict]], file_name: str,
                     expected: list) -> int:
    """Create the NEW rows' accounts (``official_create``: each is emailed a one-time link
    to choose a password), all or none; the number created.

    Administrators only. If the rows no longer check as the preview showed (``expected``),
    or a write is refused, nothing is written and ImportChanged carries the rows as they
    check now. The audit trail records each account, and the import with its counts.
    """
    checks = officials_import_check(actor=actor, records=records)
    if statuses(checks) != expected:
        raise ImportChanged(checks)
    created = 0
    try:
        with transaction.atomic():
            for check in checks:
                if check.status == Status.NEW:
                    official_create(actor=actor, **check.cleaned)
                    created += 1
    except (ValidationError, IntegrityError) as error:
        raise ImportChanged(officials_import_check(actor=actor, records=records)) from error
    found = {status: sum(check.status == status for check in checks) for status in Status}
    audit_record(
        AuditEvent.Kind.ACCOUNT_CREATED, actor=actor,
        message=f"imported officials from {file_name}: {created} accounts created, "
        f"{found[Status.MATCH]} officials already, {found[Status.WRONG]} rows wrong",
    )
    return created
