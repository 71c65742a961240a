"""The admin's change page of an official goes through ``official_update``, as the officials'
edit page does: the same rights and checks, the role group follows and the audit trail
records it; the account an official belongs to is not changed there."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation

from accounts.models import AuditEvent
from accounts.roles import Role, user_role
from government.models import Official
from tests.factories import DepartmentFactory, OfficialFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(client):
    user = get_user_model().objects.create_superuser("root", "root@example.com", "x" * 20)
    client.force_login(user)
    return user


def change(client, official, **overrides):
    data = {"name": official.name, "department": official.department_id,
            "role": official.role, "title": official.title, "mobile": official.mobile}
    data.update(overrides)
    return client.post(reverse("admin:government_official_change", args=[official.pk]), data)


def test_a_change_of_role_in_the_admin_moves_the_role_group_and_is_audited(client, admin):
    official = OfficialFactory(role=Official.Role.HANDLER)
    response = change(client, official, role=Official.Role.COORDINATOR, name=" 钱新 ",
                      mobile="+86 137 0572 0009")
    assert response.status_code == 302
    official.refresh_from_db()
    assert (official.role, official.name, official.mobile) == (
        Official.Role.COORDINATOR, "钱新", "13705720009")
    assert official.user.first_name == "钱新"  # as official_update does
    assert user_role(official.user) == Role.COORDINATOR
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.ROLE_CHANGED,
                                     subject=official.user).exists()
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.ADMIN_EDIT, actor=admin).exists()


def test_the_admin_change_page_shows_the_services_errors_and_writes_nothing(client, admin):
    official = OfficialFactory()
    OfficialFactory(mobile="13905720001")
    closed = DepartmentFactory(is_active=False)
    response = change(client, official, department=closed.pk, mobile="13905720001")
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors.as_data()
    assert [error.code for error in errors["department"]] == ["inactive"]
    assert [error.code for error in errors["mobile"]] == ["unique"]
    stored = Official.objects.get(pk=official.pk)
    assert (stored.department_id, stored.mobile) == (official.department_id, official.mobile)


def test_nobody_changes_their_own_role_in_the_admin_either(client, admin):
    mine = OfficialFactory(user=admin, role=Official.Role.COORDINATOR)
    response = change(client, mine, role=Official.Role.LEADER)
    assert response.status_code == 200
    errors = response.context["adminform"].form.non_field_errors()
    with translation.override("zh-hans"):
        assert "您不能修改自己的角色或部门" in str(errors)
    assert Official.objects.get(pk=mine.pk).role == Official.Role.COORDINATOR


def test_the_account_of_an_official_is_shown_not_changed(client, admin):
    official = OfficialFactory()
    other = UserFactory()
    response = change(client, official, user=other.pk, title="科长")
    assert response.status_code == 302
    official.refresh_from_db()
    assert (official.user_id, official.title) == (official.user.pk, "科长")
    assert official.user != other


def test_an_official_cannot_be_deleted_in_the_admin_only_deactivated(client, admin):
    official = OfficialFactory()
    url = reverse("admin:government_official_delete", args=[official.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert Official.objects.filter(pk=official.pk).exists()
    changelist = client.get(reverse("admin:government_official_changelist")).content.decode()
    assert 'value="delete_selected"' not in changelist
