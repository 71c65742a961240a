"""Roles as Django groups: who someone is in the programme, and what they may do.

A user's role follows from their records, never from hand-edited groups:

* an Official's ``role`` (handler, department lead, coordinator, leader) puts the user
  in that group;
* an Entrepreneur who has been verified is in ``entrepreneur``; one waiting for (or
  refused) verification is in ``entrepreneur_pending``, which grants nothing;
* a superuser is the administrator.

``sync_role_groups`` keeps the groups equal to the records; it runs whenever an Official
or an Entrepreneur is saved (see ``accounts.apps``), so the admin, the services and the
seed all stay consistent. The groups' model permissions are set from ``ROLE_PERMISSIONS``
after every ``migrate``: this module is their single source.

Object scope (which issues, which people) is not here: it lives in each app's selectors,
which take the user.
"""

import contextlib
from enum import StrEnum

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q


class Role(StrEnum):
    ANONYMOUS = "anonymous"
    ADMIN = "admin"
    LEADER = "leader"
    COORDINATOR = "coordinator"
    DEPARTMENT_LEAD = "department_lead"
    HANDLER = "handler"
    ENTREPRENEUR = "entrepreneur"
    NONE = "none"  # signed in, but neither an official nor an entrepreneur


#: The group that waits for a coordinator's verification: an entrepreneur without rights.
PENDING_ENTREPRENEUR_GROUP = "entrepreneur_pending"

#: Group name → role, in order of precedence (a user in two groups takes the first).
GROUP_ROLES = {
    Role.LEADER.value: Role.LEADER,
    Role.COORDINATOR.value: Role.COORDINATOR,
    Role.DEPARTMENT_LEAD.value: Role.DEPARTMENT_LEAD,
    Role.HANDLER.value: Role.HANDLER,
    Role.ENTREPRENEUR.value: Role.ENTREPRENEUR,
    PENDING_ENTREPRENEUR_GROUP: Role.ENTREPRENEUR,
}
ROLE_GROUP_NAMES = tuple(GROUP_ROLES)

OFFICIAL_ROLES = (Role.LEADER, Role.COORDINATOR, Role.DEPARTMENT_LEAD, Role.HANDLER)

_HANDLING = [
    "issues.view_issue",
    "issues.change_issue",
    "issues.view_issueevent",
    "issues.add_issueevent",
    "issues.view_attachment",
    "issues.add_attachment",
]

#: Model permissions ("app_label.codename") each role group holds, and nothing else.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.ENTREPRENEUR.value: [
        "issues.add_issue",
        "issues.add_attachment",
        "issues.add_satisfactionrating",
        "talk_sessions.add_attendance",
        "talk_sessions.change_attendance",
    ],
    PENDING_ENTREPRENEUR_GROUP: [],
    Role.HANDLER.value: _HANDLING,
    Role.DEPARTMENT_LEAD.value: [*_HANDLING, "government.view_official"],
    Role.COORDINATOR.value: [
        *_HANDLING,
        "issues.add_issue",
        "issues.view_satisfactionrating",
        "entrepreneurs.view_enterprise",
        "entrepreneurs.add_enterprise",
        "entrepreneurs.view_entrepreneur",
        "entrepreneurs.add_entrepreneur",
        "entrepreneurs.change_entrepreneur",
        "entrepreneurs.verify_entrepreneur",
        "government.view_department",
        "government.view_official",
        "government.add_official",
        "government.change_official",
        "talk_sessions.view_talksession",
        "talk_sessions.add_talksession",
        "talk_sessions.change_talksession",
        "talk_sessions.view_sessionseries",
        "talk_sessions.add_sessionseries",
        "talk_sessions.change_sessionseries",
        "talk_sessions.view_attendance",
        "talk_sessions.add_attendance",
        "talk_sessions.change_attendance",
        "core.view_calendarday",
        "core.add_calendarday",
        "core.change_calendarday",
        "core.delete_calendarday",
    ],
    Role.LEADER.value: [
        "issues.view_issue",
        "issues.view_issueevent",
        "issues.view_attachment",
        "issues.view_satisfactionrating",
        "entrepreneurs.view_enterprise",
        "entrepreneurs.view_entrepreneur",
        "government.view_department",
        "government.view_official",
        "talk_sessions.view_talksession",
        "talk_sessions.view_attendance",
    ],
}


def ensure_role_groups() -> None:
    """Create the role groups and give each exactly the permissions of ``ROLE_PERMISSIONS``."""
    for name, perms in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=name)
        query = Q(pk__in=[])
        for perm in perms:
            app_label, codename = perm.split(".")
            query |= Q(content_type__app_label=app_label, codename=codename)
        wanted = list(Permission.objects.filter(query))
        missing = set(perms) - {f"{p.content_type.app_label}.{p.codename}" for p in wanted}
        if missing:
            raise LookupError(f"Unknown permissions for group {name}: {sorted(missing)}")
        group.permissions.set(wanted)


def role_groups_for(user) -> set[str]:
    """The role groups the user's records call for."""
    wanted = set()
    with contextlib.suppress(user._meta.model.official.RelatedObjectDoesNotExist):
        wanted.add(user.official.role)
    try:
        entrepreneur = user.entrepreneur
    except user._meta.model.entrepreneur.RelatedObjectDoesNotExist:
        pass
    else:
        verified = entrepreneur.verification == entrepreneur.Verification.VERIFIED
        wanted.add(Role.ENTREPRENEUR.value if verified else PENDING_ENTREPRENEUR_GROUP)
    return wanted


@transaction.atomic
def sync_role_groups(user) -> None:
    """Make the user's role groups those of their records. Other groups are left alone.

    Changes go through ``user.groups.add/remove``, so the audit trail records them.
    """
    wanted = role_groups_for(user)
    current = set(user.groups.filter(name__in=ROLE_GROUP_NAMES).values_list("name", flat=True))
    if current - wanted:
        user.groups.remove(*Group.objects.filter(name__in=current - wanted))
    if wanted - current:
        missing = wanted - set(Group.objects.filter(name__in=wanted).values_list("name", flat=True))
        if missing:  # a database migrated before this module knew the group
            ensure_role_groups()
        user.groups.add(*Group.objects.filter(name__in=wanted - current))
    _forget(user)


def _forget(user) -> None:
    for attribute in (
        "_role_group_names", "_entrepreneur_record",
        "_perm_cache", "_user_perm_cache", "_group_perm_cache",
    ):
        user.__dict__.pop(attribute, None)


def role_group_names(user) -> set[str]:
    """The user's role groups, read once per user object."""
    if "_role_group_names" not in user.__dict__:
        user.__dict__["_role_group_names"] = set(
            user.groups.filter(name__in=ROLE_GROUP_NAMES).values_list("name", flat=True)
        )
    return user.__dict__["_role_group_names"]


def user_role(user) -> Role:
    """The user's role: from their groups, in the precedence of ``GROUP_ROLES``."""
    if not user.is_authenticated:
        return Role.ANONYMOUS
    if user.is_superuser:
        return Role.ADMIN
    names = role_group_names(user)
    for name, role in GROUP_ROLES.items():
        if name in names:
            return role
    return Role.NONE


def is_official(user) -> bool:
    return user_role(user) in OFFICIAL_ROLES
