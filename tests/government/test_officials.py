"""Officials' accounts: who may create, change, switch off and on; the one-time password link;
deactivation keeps every record; the pages each role gets, and the list's query count."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import AuditEvent
from accounts.roles import Role, user_role
from government import services
from government.models import Official
from notifications.models import Notification
from tests.factories import (
    DepartmentFactory,
    UserFactory,
)
from tests.government.officials import (
    ALL_ROLES,
    NEW_PASSWORD,
    R,
    User,
    create,
)
from tests.helpers import log_in
from tests.helpers import signed_in as as_user

pytestmark = pytest.mark.django_db

# --- The rule: who manages whom, and which roles they give -----------------------------------

COORDINATOR_ROLES = [R.HANDLER, R.DEPARTMENT_LEAD, R.COORDINATOR]


@pytest.mark.parametrize(("who", "roles"), [
    ("admin", ALL_ROLES),
    ("city_coordinator", COORDINATOR_ROLES),
    ("county_coordinator", COORDINATOR_ROLES),
    ("city_leader", []),
    ("department_lead", []),
    ("handler", []),
    ("entrepreneur", []),
])
def test_the_roles_each_person_may_give(world, who, roles):
    given = [value for value, _label in services.assignable_roles(world.user(who))]
    assert sorted(given) == sorted(roles)


@pytest.mark.parametrize(("who", "departments"), [
    ("admin", ["tzb", "jxj", "wx-tzb", "wx-sj", "aj-sj"]),
    ("city_coordinator", ["tzb", "jxj", "wx-tzb", "wx-sj", "aj-sj"]),
    ("county_coordinator", ["wx-tzb", "wx-sj"]),
    ("city_leader", []),
    ("county_leader", []),
    ("department_lead", []),
    ("handler", []),
    ("entrepreneur", []),
])
def test_the_departments_each_person_may_staff(world, who, departments):
    codes = services.manageable_departments(world.user(who)).values_list("code", flat=True)
    assert sorted(codes) == sorted(departments)  # never the closed department


@pytest.mark.parametrize(("who", "department", "role"), [
    ("admin", "aj-sj", R.LEADER),
    ("admin", "tzb", R.COORDINATOR),
    ("city_coordinator", "aj-sj", R.HANDLER),
    ("city_coordinator", "jxj", R.COORDINATOR),
    ("county_coordinator", "wx-sj", R.DEPARTMENT_LEAD),
])
def test_admins_and_coordinators_create_officials_in_their_scope(world, who, department, role):
    official = create(world.user(who), department=DepartmentFactory._meta.model.objects.get(
        code=department), role=role)
    assert official.department.code == department
    assert user_role(official.user) == Role(role)


@pytest.mark.parametrize(("who", "department", "role", "reason"), [
    ("county_coordinator", "jxj", R.HANDLER, "region you look after"),
    ("county_coordinator", "aj-sj", R.HANDLER, "region you look after"),
    ("city_coordinator", "jxj", R.LEADER, "You may not give the role"),
    ("county_coordinator", "wx-sj", R.LEADER, "You may not give the role"),
    ("city_leader", "jxj", R.HANDLER, "Only administrators and coordinators"),
    ("department_lead", "jxj", R.HANDLER, "Only administrators and coordinators"),
    ("handler", "jxj", R.HANDLER, "Only administrators and coordinators"),
    ("entrepreneur", "jxj", R.HANDLER, "Only administrators and coordinators"),
])
def test_everyone_else_is_refused_with_a_reason_and_nothing_is_written(
    world, who, department, role, reason,
):
    users_before = User.objects.count()
    with pytest.raises(PermissionDenied, match=reason):
        create(world.user(who), department=DepartmentFactory._meta.model.objects.get(
            code=department), role=role)
    assert User.objects.count() == users_before
    assert not Notification.objects.exists()


# --- Creating an account -------------------------------------------------------------------


def test_creating_writes_the_account_the_official_the_audit_and_the_email(world):
    official = create(world.city_coordinator.user, department=world.jxj, mobile="+86 137 0572 0009")
    user = official.user
    assert (user.username, user.email, user.first_name) == (
        "qian.xin@example.com", "qian.xin@example.com", "钱新")
    assert not user.has_usable_password()
    assert official.mobile == "13705720009"
    assert user_role(user) == Role.HANDLER
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.ACCOUNT_CREATED)
    assert (event.subject, event.actor) == (user, world.city_coordinator.user)
    email = Notification.objects.get()
    assert email.key == f"official:{user.pk}:welcome:1"
    assert (email.channel, email.address, email.recipient) == ("email", user.email, user)
    assert "/accounts/welcome/" in email.url
    assert email.url in email.body
    assert user.email in email.body


@pytest.mark.parametrize(("field", "overrides", "message"), [
    ("email", {"email": "ROOT@example.com"}, "exists already"),
    ("email", {"email": "not an address"}, "valid email"),
    ("mobile", {"mobile": "13905720001"}, "Another official already has this mobile"),
    ("mobile", {"mobile": "12345"}, "11-digit mainland mobile"),
    ("name", {"name": "  "}, "cannot be blank"),
])
def test_bad_input_is_a_field_error_and_nothing_is_written(world, field, overrides, message):
    users_before = User.objects.count()
    with pytest.raises(ValidationError) as raised:
        create(world.admin, department=world.jxj, **overrides)
    assert message in " ".join(raised.value.message_dict[field])
    assert User.objects.count() == users_before
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.ACCOUNT_CREATED).exists()
    assert not Notification.objects.exists()


def test_an_email_of_an_existing_user_name_is_refused_too(world):
    UserFactory(username="lu.wei@example.com", email="")
    with pytest.raises(ValidationError) as raised:
        create(world.admin, department=world.jxj, email="Lu.Wei@example.com")
    assert "exists already" in raised.value.message_dict["email"][0]


def test_the_create_form_offers_only_the_actors_departments_and_roles(client, world):
    response = as_user(client, world.county_coordinator.user).get(reverse("officials:create"))
    form = response.context["form"]
    assert sorted(d.code for d in form.fields["department"].queryset) == ["wx-sj", "wx-tzb"]
    assert [value for value, _ in form.fields["role"].choices if value] == COORDINATOR_ROLES


def post_create(client, **overrides):
    data = {"name": "钱新", "email": "qian.xin@example.com", "role": R.HANDLER, "title": "",
            "mobile": ""}
    data.update(overrides)
    return client.post(reverse("officials:create"), data)


@pytest.mark.parametrize(("field", "overrides", "message"), [
    ("department", {"department": "aj-sj"}, "Choose one of the departments you look after."),
    ("department", {"department": "jxj"}, "Choose one of the departments you look after."),
    ("department", {"department": "old"}, "Choose one of the departments you look after."),
    ("role", {"role": R.LEADER}, "Choose one of the roles you may give."),
    ("mobile", {"mobile": "1390572"}, "11-digit mainland mobile"),
    ("mobile", {"mobile": "13905720002"}, "Another official already has this mobile"),
    ("email", {"email": "ROOT@EXAMPLE.COM"}, "exists already"),
    ("email", {"email": "qian"}, "valid email"),
])
def test_a_forged_or_bad_form_is_refused_on_the_field_and_never_saved(
    client, world, field, overrides, message,
):
    as_user(client, world.county_coordinator.user)
    department = overrides.pop("department", "wx-sj")
    department_id = DepartmentFactory._meta.model.objects.get(code=department).pk
    users_before = User.objects.count()
    response = post_create(client, department=department_id, **overrides)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert message in response.content.decode()
    assert User.objects.count() == users_before


def test_an_empty_form_sent_says_what_is_missing_instead_of_coming_back_blank(client, world):
    as_user(client, world.county_coordinator.user)
    users_before = User.objects.count()
    response = client.post(reverse("officials:create"), {})
    assert response.status_code == 200
    assert set(response.context["form"].errors) >= {"name", "email", "department", "role"}
    assert 'data-testid="error-summary"' in response.content.decode()
    assert User.objects.count() == users_before


# --- The one-time link ---------------------------------------------------------------------


def link_path(notification: Notification) -> str:
    return "/" + notification.url.split("://", 1)[1].split("/", 1)[1]


def test_new_official_sets_a_password_with_the_link_then_logs_in_and_the_link_is_spent(
    client, world,
):
    as_user(client, world.admin)
    response = post_create(client, department=world.wuxing_sj.pk, role=R.DEPARTMENT_LEAD)
    official = Official.objects.get(name="钱新")
    assert response.status_code == 302
    assert response.url == reverse("officials:detail", args=[official.pk])
    notification = Notification.objects.get(recipient=official.user)
    assert notification.url in notification.body
    client.logout()

    page = client.get(link_path(notification), follow=True)
    assert page.status_code == 200
    assert page.context["validlink"] is True
    set_url = page.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302
    assert done.url == reverse("login")

    logged_in = log_in(client, "Qian.Xin@example.com", NEW_PASSWORD)
    assert logged_in.status_code == 302
    assert client.session["_auth_user_id"] == str(official.user.pk)
    client.logout()

    again = client.get(link_path(notification), follow=True)
    assert again.context["validlink"] is False
    assert "already been used" in again.content.decode()


def test_a_new_link_is_sent_while_no_password_is_chosen_and_only_then(world):
    official = create(world.admin, department=world.jxj)
    services.official_resend_link(actor=world.city_coordinator.user, official=official)
    services.official_resend_link(actor=world.admin, official=official)
    keys = sorted(Notification.objects.values_list("key", flat=True))
    pk = official.user.pk
    assert keys == [f"official:{pk}:welcome:1", f"official:{pk}:welcome:2",
                    f"official:{pk}:welcome:3"]

    official.user.set_password(NEW_PASSWORD)
    official.user.save(update_fields=["password"])
    with pytest.raises(ValidationError, match="has chosen a password already"):
        services.official_resend_link(actor=world.admin, official=official)
    assert Notification.objects.count() == 3


def test_no_new_link_for_a_deactivated_account(world):
    official = create(world.admin, department=world.jxj)
    services.official_deactivate(actor=world.admin, official=official)
    with pytest.raises(ValidationError, match="Reactivate it"):
        services.official_resend_link(actor=world.admin, official=official)


def test_resending_from_the_page_says_what_happened(client, world):
    official = create(world.admin, department=world.wuxing_sj)
    as_user(client, world.county_coordinator.user)
    url = reverse("officials:resend_link", args=[official.pk])
    response = client.post(url, follow=True)
    assert "A new link to choose a password has been emailed" in response.content.decode()
    assert Notification.objects.filter(recipient=official.user).count() == 2

    response = client.post(reverse("officials:resend_link", args=[world.handler.pk]))
    assert response.status_code == 404  # a city department: not the county coordinator's

    world.wuxing_handler.user.set_password(NEW_PASSWORD)
    world.wuxing_handler.user.save(update_fields=["password"])
    page = client.post(reverse("officials:resend_link", args=[world.wuxing_handler.pk]),
                       follow=True).content.decode()
    assert "has chosen a password already" in page


def test_the_link_of_another_coordinators_official_cannot_be_resent_by_a_leader(world):
    official = create(world.admin, department=world.jxj)
    with pytest.raises(PermissionDenied, match="Only administrators and coordinators"):
        services.official_resend_link(actor=world.city_leader.user, official=official)
