"""Officials' accounts: who may create, change, switch off and on; the one-time password link;
deactivation keeps every record; the pages each role gets, and the list's query count."""

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from accounts.models import AuditEvent
from accounts.roles import Role, user_role
from entrepreneurs.models import Entrepreneur
from government import services
from government.models import Official
from issues.models import IssueEvent, SatisfactionRating
from issues.selectors import issues_for_user
from notifications.models import Notification
from tests.factories import (
    CityFactory,
    DepartmentFactory,
    EntrepreneurFactory,
    IssueEventFactory,
    IssueFactory,
    OfficialFactory,
    RegionFactory,
    SatisfactionRatingFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

R = Official.Role
PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a Long new passphrase 42"
User = get_user_model()


@pytest.fixture(autouse=True)
def _english_and_fresh_limits(settings):
    """Messages are compared in English (the catalogues may translate them later)."""
    settings.LANGUAGE_CODE = "en"
    cache.clear()
    with translation.override("en"):
        yield
    cache.clear()


class World:
    """The city and two counties, their departments, and one person of every role."""

    def __init__(self):
        self.city = CityFactory()
        self.wuxing = RegionFactory(code="wuxing", name="吴兴区", name_en="Wuxing")
        self.anji = RegionFactory(code="anji", name="安吉县", name_en="Anji")
        self.tzb = DepartmentFactory(region=self.city, code="tzb", name="市委统战部",
                                     name_en="United Front")
        self.jxj = DepartmentFactory(region=self.city, code="jxj", name="市经信局",
                                     name_en="Economy Bureau")
        self.wuxing_tzb = DepartmentFactory(region=self.wuxing, code="wx-tzb", name="吴兴统战部")
        self.wuxing_sj = DepartmentFactory(region=self.wuxing, code="wx-sj", name="吴兴市监局")
        self.anji_sj = DepartmentFactory(region=self.anji, code="aj-sj", name="安吉市监局")
        self.closed = DepartmentFactory(region=self.city, code="old", name="已撤并局",
                                        is_active=False)
        self.admin = User.objects.create_superuser("root", "root@example.com", PASSWORD)
        self.city_coordinator = OfficialFactory(department=self.tzb, role=R.COORDINATOR,
                                                name="沈晓燕")
        self.county_coordinator = OfficialFactory(department=self.wuxing_tzb,
                                                  role=R.COORDINATOR, name="吴兴协调员")
        self.city_leader = OfficialFactory(department=self.tzb, role=R.LEADER, name="市领导")
        self.county_leader = OfficialFactory(department=self.wuxing_tzb, role=R.LEADER,
                                             name="吴兴领导")
        self.department_lead = OfficialFactory(department=self.jxj, role=R.DEPARTMENT_LEAD,
                                               name="经信局长")
        self.handler = OfficialFactory(department=self.jxj, role=R.HANDLER, name="陆伟",
                                       mobile="13905720001")
        self.wuxing_handler = OfficialFactory(department=self.wuxing_sj, role=R.HANDLER,
                                              name="吴兴经办人", mobile="13905720002")
        self.anji_handler = OfficialFactory(department=self.anji_sj, role=R.HANDLER,
                                            name="安吉经办人")
        self.entrepreneur = EntrepreneurFactory(with_user=True)
        self.pending = EntrepreneurFactory(with_user=True,
                                           verification=Entrepreneur.Verification.PENDING)

    def user(self, who: str):
        if who == "admin":
            return self.admin
        if who == "anonymous":
            return None
        record = getattr(self, who)
        return record.user


@pytest.fixture
def world():
    return World()


def as_user(client, user):
    if user is not None:
        client.force_login(user)
    return client


def log_in(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def create(actor, **overrides):
    data = {"name": "钱新", "email": "Qian.Xin@Example.com", "role": R.HANDLER, "title": "科员",
            "mobile": ""}
    data.update(overrides)
    return services.official_create(actor=actor, **data)


# --- The rule: who manages whom, and which roles they give -----------------------------------

ALL_ROLES = [R.HANDLER, R.DEPARTMENT_LEAD, R.COORDINATOR, R.LEADER]
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


# --- Changing department and role ---------------------------------------------------------


def test_a_role_change_moves_the_group_and_is_in_the_audit_trail(client, world):
    as_user(client, world.city_coordinator.user)
    official = world.handler
    response = client.post(reverse("officials:edit", args=[official.pk]), {
        "name": official.name, "department": world.jxj.pk, "role": R.DEPARTMENT_LEAD,
        "title": "科长", "mobile": official.mobile,
    })
    assert response.status_code == 302
    official.refresh_from_db()
    assert (official.role, official.title) == (R.DEPARTMENT_LEAD, "科长")
    user = User.objects.get(pk=official.user_id)
    assert user_role(user) == Role.DEPARTMENT_LEAD
    changes = AuditEvent.objects.filter(kind=AuditEvent.Kind.ROLE_CHANGED, subject=user,
                                        actor=world.city_coordinator.user)
    messages = set(changes.values_list("message", flat=True))
    assert messages == {"-handler", "+department_lead"}


def test_a_county_coordinator_moves_officials_within_the_county_only(world):
    official = world.wuxing_handler
    services.official_update(actor=world.county_coordinator.user, official=official,
                             department=world.wuxing_tzb, role=R.HANDLER, title="", mobile="")
    official.refresh_from_db()
    assert official.department == world.wuxing_tzb
    with pytest.raises(PermissionDenied, match="region you look after"):
        services.official_update(actor=world.county_coordinator.user, official=official,
                                 department=world.jxj, role=R.HANDLER, title="", mobile="")
    with pytest.raises(PermissionDenied, match="outside the region you look after"):
        services.official_update(actor=world.county_coordinator.user, official=world.handler,
                                 department=world.jxj, role=R.HANDLER, title="", mobile="")


def test_only_an_administrator_makes_or_changes_a_leader(client, world):
    with pytest.raises(PermissionDenied, match="You may not give the role"):
        services.official_update(actor=world.city_coordinator.user, official=world.handler,
                                 department=world.jxj, role=R.LEADER, title="", mobile="")
    with pytest.raises(PermissionDenied, match="Only an administrator can change"):
        services.official_deactivate(actor=world.city_coordinator.user,
                                     official=world.city_leader)
    response = as_user(client, world.city_coordinator.user).get(
        reverse("officials:edit", args=[world.city_leader.pk]))
    assert response.status_code == 403
    assert "Only an administrator can change" in str(response.context["exception"])

    services.official_update(actor=world.admin, official=world.handler, department=world.jxj,
                             role=R.LEADER, title="", mobile="")
    assert user_role(User.objects.get(pk=world.handler.user_id)) == Role.LEADER


def test_a_forged_role_on_the_edit_form_is_refused_and_not_saved(client, world):
    as_user(client, world.city_coordinator.user)
    response = client.post(reverse("officials:edit", args=[world.handler.pk]), {
        "name": "陆伟", "department": world.jxj.pk, "role": R.LEADER, "title": "", "mobile": "",
    })
    assert response.status_code == 200
    assert "Choose one of the roles you may give." in response.context["form"].errors["role"]
    world.handler.refresh_from_db()
    assert world.handler.role == R.HANDLER


def test_nobody_changes_their_own_role_or_department(client, world):
    me = world.city_coordinator
    with pytest.raises(ValidationError, match="cannot change your own role"):
        services.official_update(actor=me.user, official=me, department=me.department,
                                 role=R.HANDLER, title="", mobile="")
    with pytest.raises(ValidationError, match="cannot change your own role"):
        services.official_update(actor=me.user, official=me, department=world.jxj,
                                 role=R.COORDINATOR, title="", mobile="")
    # On the form the two fields are locked; a forged value is ignored, the rest is saved.
    as_user(client, me.user)
    response = client.post(reverse("officials:edit", args=[me.pk]), {
        "name": me.name, "department": world.jxj.pk, "role": R.HANDLER, "title": "处长",
        "mobile": me.mobile,
    })
    assert response.status_code == 302
    me.refresh_from_db()
    assert (me.department, me.role, me.title) == (world.tzb, R.COORDINATOR, "处长")


def test_the_edit_form_shows_errors_on_the_field(client, world):
    as_user(client, world.city_coordinator.user)
    response = client.post(reverse("officials:edit", args=[world.handler.pk]), {
        "name": "陆伟", "department": world.jxj.pk, "role": R.HANDLER, "title": "",
        "mobile": world.wuxing_handler.mobile,
    })
    assert response.status_code == 200
    assert "Another official already has this mobile number." in (
        response.context["form"].errors["mobile"])
    world.handler.refresh_from_db()
    assert world.handler.mobile == "13905720001"


def test_an_official_in_a_closed_department_can_still_be_edited_but_not_moved_there(world):
    official = OfficialFactory(department=world.closed, role=R.HANDLER)
    services.official_update(actor=world.admin, official=official, department=world.closed,
                             role=R.HANDLER, title="留守", mobile="")
    with pytest.raises(ValidationError) as raised:
        services.official_update(actor=world.admin, official=world.handler,
                                 department=world.closed, role=R.HANDLER, title="", mobile="")
    assert "no longer active" in raised.value.message_dict["department"][0]


# --- Deactivating and reactivating --------------------------------------------------------


def test_deactivation_keeps_every_record_but_stops_log_ins_and_scope(client, world):
    official = world.handler
    user = official.user
    issue = IssueFactory(lead_department=world.jxj, status="in_progress")
    event = IssueEventFactory(issue=issue, actor=user)
    rating = SatisfactionRatingFactory(rated_by=user)
    assert log_in(client, user.username, PASSWORD).status_code == 302
    assert issues_for_user(user=User.objects.get(pk=user.pk)).exists()
    client.logout()

    services.official_deactivate(actor=world.city_coordinator.user, official=official)

    assert Official.objects.filter(pk=official.pk, department=world.jxj, role=R.HANDLER).exists()
    assert IssueEvent.objects.get(pk=event.pk).actor == user
    assert SatisfactionRating.objects.get(pk=rating.pk).rated_by == user
    refused = log_in(client, user.username, PASSWORD)
    assert refused.status_code == 200
    assert "_auth_user_id" not in client.session
    assert not issues_for_user(user=User.objects.get(pk=user.pk)).exists()
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.ACCOUNT_DEACTIVATED)
    assert (event.subject, event.actor) == (user, world.city_coordinator.user)

    services.official_reactivate(actor=world.city_coordinator.user, official=official)
    assert log_in(client, "13905720001", PASSWORD).status_code == 302
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.ACCOUNT_REACTIVATED,
                                     subject=user).exists()


def test_deactivating_from_the_page_and_back(client, world):
    as_user(client, world.county_coordinator.user)
    url = reverse("officials:deactivate", args=[world.wuxing_handler.pk])
    page = client.post(url, follow=True).content.decode()
    assert "can no longer log in" in page
    assert not User.objects.get(pk=world.wuxing_handler.user_id).is_active
    page = client.post(url, follow=True).content.decode()
    assert "deactivated already" in page
    page = client.post(reverse("officials:reactivate", args=[world.wuxing_handler.pk]),
                       follow=True).content.decode()
    assert "active again" in page
    assert User.objects.get(pk=world.wuxing_handler.user_id).is_active


def test_nobody_deactivates_themselves(client, world):
    me = world.city_coordinator
    with pytest.raises(ValidationError, match="cannot deactivate your own account"):
        services.official_deactivate(actor=me.user, official=me)
    as_user(client, me.user)
    page = client.post(reverse("officials:deactivate", args=[me.pk]), follow=True)
    assert "cannot deactivate your own account" in page.content.decode()
    assert User.objects.get(pk=me.user_id).is_active
    assert "deactivate" not in page.context["actions"]


@pytest.mark.parametrize("who", ["city_leader", "department_lead", "handler", "entrepreneur"])
def test_viewers_and_others_may_not_switch_accounts_off(client, world, who):
    as_user(client, world.user(who))
    response = client.post(reverse("officials:deactivate", args=[world.handler.pk]))
    assert response.status_code == 403
    assert "Only administrators and coordinators" in str(response.context["exception"])
    assert User.objects.get(pk=world.handler.user_id).is_active


@pytest.mark.parametrize("name", ["deactivate", "reactivate", "resend_link"])
def test_actions_answer_post_only(client, world, name):
    as_user(client, world.admin)
    assert client.get(reverse(f"officials:{name}", args=[world.handler.pk])).status_code == 405


# --- Pages, per role -----------------------------------------------------------------------

EVERYONE = ("anonymous", "entrepreneur", "pending", "handler", "department_lead",
            "county_coordinator", "city_coordinator", "county_leader", "city_leader", "admin")
VIEWERS = ("department_lead", "county_coordinator", "city_coordinator", "county_leader",
           "city_leader", "admin")
MANAGERS = ("county_coordinator", "city_coordinator", "admin")

#: The officials each viewer's list shows (by name).
WUXING = {"吴兴协调员", "吴兴领导", "吴兴经办人"}
EVERY_OFFICIAL = {"沈晓燕", "市领导", "经信局长", "陆伟", "安吉经办人", *WUXING}
VISIBLE = {
    "department_lead": {"经信局长", "陆伟"},
    "county_coordinator": WUXING,
    "county_leader": WUXING,
    "city_coordinator": EVERY_OFFICIAL,
    "city_leader": EVERY_OFFICIAL,
    "admin": EVERY_OFFICIAL,
}


def list_names(response) -> set[str]:
    return {official.name for official in response.context["page_obj"]}


@pytest.mark.parametrize("who", EVERYONE)
def test_the_list_per_role(client, world, who):
    response = as_user(client, world.user(who)).get(reverse("officials:list"))
    if who == "anonymous":
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    elif who in VIEWERS:
        assert response.status_code == 200
        assert list_names(response) == VISIBLE[who]
        assert response.context["may_create"] is (who in MANAGERS)
    else:
        assert response.status_code == 403
        assert "Only administrators, coordinators, leaders and department leads" in str(
            response.context["exception"])


@pytest.mark.parametrize("who", EVERYONE)
def test_the_create_page_per_role(client, world, who):
    response = as_user(client, world.user(who)).get(reverse("officials:create"))
    if who == "anonymous":
        assert response.status_code == 302
    elif who in MANAGERS:
        assert response.status_code == 200
    else:
        assert response.status_code == 403
        assert "Only administrators and coordinators" in str(response.context["exception"])


@pytest.mark.parametrize(("who", "status"), [
    ("anonymous", 302), ("entrepreneur", 403), ("pending", 403), ("handler", 403),
    ("department_lead", 404), ("county_coordinator", 200), ("city_coordinator", 200),
    ("county_leader", 200), ("city_leader", 200), ("admin", 200),
])
def test_the_page_of_a_county_official_per_role(client, world, who, status):
    response = as_user(client, world.user(who)).get(
        reverse("officials:detail", args=[world.wuxing_handler.pk]))
    assert response.status_code == status


@pytest.mark.parametrize(("who", "status"), [
    ("anonymous", 302), ("handler", 403), ("city_leader", 403), ("department_lead", 403),
    ("county_coordinator", 404), ("city_coordinator", 200), ("admin", 200),
])
def test_the_edit_page_of_a_city_handler_per_role(client, world, who, status):
    response = as_user(client, world.user(who)).get(
        reverse("officials:edit", args=[world.handler.pk]))
    assert response.status_code == status


def test_the_page_shows_the_account_and_the_viewers_buttons(client, world):
    official = create(world.admin, department=world.jxj, mobile="13705720009")
    as_user(client, world.city_coordinator.user)
    response = client.get(reverse("officials:detail", args=[official.pk]))
    page = response.content.decode()
    assert response.context["actions"] == {"edit", "deactivate", "resend_link"}
    assert "Department handler" in page
    assert "Not chosen yet" in page
    assert "Never" in page  # last log-in
    assert "13705720009" in page and "qian.xin@example.com" in page

    response = as_user(client, world.city_leader.user).get(
        reverse("officials:detail", args=[official.pk]))
    page = response.content.decode()
    assert response.context["actions"] == set()
    assert 'data-testid="official-actions"' not in page
    assert "137****0009" in page and "q***@example.com" in page
    assert "13705720009" not in page

    world.handler.user.is_active = False
    world.handler.user.save(update_fields=["is_active"])
    response = as_user(client, world.admin).get(
        reverse("officials:detail", args=[world.handler.pk]))
    assert response.context["actions"] == {"edit", "reactivate"}
    assert "Chosen" in response.content.decode()


def test_the_list_masks_contacts_for_leaders_and_department_leads(client, world):
    response = as_user(client, world.department_lead.user).get(reverse("officials:list"))
    page = response.content.decode()
    assert "139****0001" in page and "13905720001" not in page
    response = as_user(client, world.city_coordinator.user).get(reverse("officials:list"))
    assert "13905720001" in response.content.decode()


@pytest.mark.parametrize(("query", "names"), [
    ({"q": "陆"}, {"陆伟"}),
    ({"q": "Economy"}, {"经信局长", "陆伟"}),
    ({"q": "安吉市监"}, {"安吉经办人"}),
    ({"role": R.LEADER}, {"市领导", "吴兴领导"}),
    ({"region": "wuxing"}, WUXING),
    ({"region": "wuxing", "role": R.HANDLER}, {"吴兴经办人"}),
    ({"active": "no"}, {"陆伟"}),
    ({"region": "nowhere", "role": "bogus"}, EVERY_OFFICIAL),  # ignored, not an error
])
def test_search_and_filters(client, world, query, names):
    world.handler.user.is_active = False
    world.handler.user.save(update_fields=["is_active"])
    response = as_user(client, world.admin).get(reverse("officials:list"), query)
    assert response.status_code == 200
    assert list_names(response) == names


def test_search_by_email(client, world):
    official = create(world.admin, department=world.jxj, email="zhao.lei@huzhou.gov.cn")
    response = as_user(client, world.admin).get(reverse("officials:list"), {"q": "zhao.lei@"})
    assert list_names(response) == {official.name}


def test_a_county_viewer_cannot_filter_their_way_out_of_the_county(client, world):
    response = as_user(client, world.county_leader.user).get(
        reverse("officials:list"), {"region": "anji"})
    assert list_names(response) == WUXING
    assert [r.code for r in response.context["form"].fields["region"].queryset] == ["wuxing"]


def add_officials(count: int, world) -> None:
    for index in range(count):
        department = DepartmentFactory(region=RegionFactory() if index % 3 else world.city)
        OfficialFactory(department=department, role=ALL_ROLES[index % 4], name=f"批量{index:03d}")


def test_the_list_pages_by_25_in_a_stable_order(client, world):
    add_officials(40, world)
    as_user(client, world.admin)
    first = client.get(reverse("officials:list"))
    second = client.get(reverse("officials:list"), {"page": 2})
    one = [o.pk for o in first.context["page_obj"]]
    two = [o.pk for o in second.context["page_obj"]]
    assert len(one) == 25
    assert len(two) == Official.objects.count() - 25
    assert not set(one) & set(two)
    assert one == [o.pk for o in client.get(reverse("officials:list")).context["page_obj"]]
    assert "page=2" in first.content.decode()


@pytest.mark.parametrize("who", ["admin", "city_coordinator", "county_coordinator",
                                 "city_leader", "department_lead"])
def test_the_list_runs_a_fixed_number_of_queries(client, world, who):
    as_user(client, world.user(who))

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("officials:list"), {"active": "yes"})
        assert response.status_code == 200
        return len(queries)

    small = count()
    add_officials(60, world)
    for index in range(30):
        OfficialFactory(department=world.jxj, name=f"经信{index}")
        OfficialFactory(department=world.wuxing_sj, name=f"吴兴{index}")
    large = count()
    assert small == large


# --- The admin's add page goes through the same service -----------------------------------


def test_adding_an_official_in_the_admin_makes_the_account_and_sends_the_link(client, world):
    as_user(client, world.admin)
    url = reverse("admin:government_official_add")
    assert client.get(url).status_code == 200
    response = client.post(url, {"name": "钱新", "email": "Qian.Xin@Example.com",
                                 "department": world.jxj.pk, "role": R.DEPARTMENT_LEAD,
                                 "title": "", "mobile": "137 0572 0009"})
    assert response.status_code == 302
    official = Official.objects.get(name="钱新")
    assert (official.user.username, official.mobile) == ("qian.xin@example.com", "13705720009")
    assert user_role(official.user) == Role.DEPARTMENT_LEAD
    assert Notification.objects.filter(key=f"official:{official.user.pk}:welcome:1").exists()
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.ACCOUNT_CREATED,
                                     subject=official.user, actor=world.admin).exists()


def test_the_admin_add_page_shows_the_services_errors_on_the_fields(client, world):
    as_user(client, world.admin)
    response = client.post(reverse("admin:government_official_add"), {
        "name": "钱新", "email": "ROOT@example.com", "department": world.closed.pk,
        "role": R.HANDLER, "title": "", "mobile": "13905720001"})
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "exists already" in errors["email"][0]
    assert "no longer active" in errors["department"][0]
    assert "Another official already has this mobile" in errors["mobile"][0]
    assert not Official.objects.filter(name="钱新").exists()


def test_no_link_can_be_sent_to_an_account_without_email(client, world):
    official = OfficialFactory(department=world.jxj, user=UserFactory(email="", password=None))
    official.user.set_unusable_password()
    official.user.save(update_fields=["password"])
    with pytest.raises(ValidationError, match="no email address"):
        services.official_resend_link(actor=world.admin, official=official)
    response = as_user(client, world.admin).get(reverse("officials:detail", args=[official.pk]))
    assert response.context["actions"] == {"edit", "deactivate"}


def test_officials_see_their_own_contact_unmasked(client, world):
    response = as_user(client, world.department_lead.user).get(
        reverse("officials:detail", args=[world.department_lead.pk]))
    assert world.department_lead.mobile in response.content.decode()
