"""Roles are Django groups that follow the person's records, with exactly the listed permissions."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.models import AuditEvent
from accounts.roles import (
    PENDING_ENTREPRENEUR_GROUP,
    ROLE_PERMISSIONS,
    Role,
    ensure_role_groups,
    user_role,
)
from entrepreneurs.models import Entrepreneur
from government.models import Official
from tests.factories import EntrepreneurFactory, OfficialFactory, UserFactory
from tests.helpers import fresh

pytestmark = pytest.mark.django_db


def group_names(user) -> set[str]:
    return set(user.groups.values_list("name", flat=True))


def test_each_role_group_holds_exactly_its_listed_permissions():
    ensure_role_groups()
    ensure_role_groups()  # idempotent
    for name, perms in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=name)
        held = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
        assert held == set(perms), name


@pytest.mark.parametrize("role", list(Official.Role))
def test_an_official_is_in_the_group_of_their_role(role):
    user = OfficialFactory(role=role).user
    assert group_names(user) == {role.value}
    assert user_role(fresh(user)) == Role(role.value)


def test_changing_an_officials_role_moves_them_and_is_audited():
    official = OfficialFactory(role=Official.Role.HANDLER)
    assert fresh(official.user).has_perm("issues.change_issue")
    assert not fresh(official.user).has_perm("government.add_official")
    official.role = Official.Role.COORDINATOR
    official.save()
    user = fresh(official.user)
    assert group_names(user) == {"coordinator"}
    assert user.has_perm("government.add_official")
    messages = list(AuditEvent.objects.filter(kind=AuditEvent.Kind.ROLE_CHANGED, subject=user)
                    .order_by("id").values_list("message", flat=True))
    assert messages == ["+handler", "-handler", "+coordinator"]


def test_an_entrepreneur_gets_rights_only_once_verified():
    person = EntrepreneurFactory(with_user=True, verification=Entrepreneur.Verification.PENDING)
    user = fresh(person.user)
    assert group_names(user) == {PENDING_ENTREPRENEUR_GROUP}
    assert user_role(user) == Role.ENTREPRENEUR
    assert not user.has_perm("issues.add_issue")
    person.verification = Entrepreneur.Verification.VERIFIED
    person.save()
    user = fresh(person.user)
    assert group_names(user) == {"entrepreneur"}
    assert user.has_perm("issues.add_issue")
    assert user.has_perm("talk_sessions.add_attendance")
    person.verification = Entrepreneur.Verification.REJECTED
    person.save()
    assert not fresh(person.user).has_perm("issues.add_issue")


def test_entrepreneurs_hold_no_official_permission():
    user = fresh(EntrepreneurFactory(with_user=True).user)
    for perm in ("issues.change_issue", "issues.view_issue", "entrepreneurs.view_entrepreneur",
                 "government.view_official", "entrepreneurs.verify_entrepreneur"):
        assert not user.has_perm(perm), perm


def test_a_user_without_records_has_no_role_and_a_superuser_is_the_administrator(admin_user):
    assert user_role(UserFactory()) == Role.NONE
    assert user_role(admin_user) == Role.ADMIN


def test_the_admin_user_form_does_not_offer_role_groups_and_keeps_them(admin_client):
    official = OfficialFactory(role=Official.Role.COORDINATOR)
    extra = Group.objects.create(name="newsletter editors")
    url = reverse("admin:auth_user_change", args=[official.user.pk])
    form = admin_client.get(url).context["adminform"].form
    offered = set(form.fields["groups"].queryset.values_list("name", flat=True))
    assert offered == {"newsletter editors"}
    user = official.user
    response = admin_client.post(url, {
        "username": user.username, "email": user.email, "first_name": "", "last_name": "",
        "is_active": "on", "groups": [extra.pk], "date_joined_0": "2026-11-01",
        "date_joined_1": "09:00:00", "initial-date_joined_0": "2026-11-01",
        "initial-date_joined_1": "09:00:00",
    })
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert group_names(user) == {"coordinator", "newsletter editors"}
