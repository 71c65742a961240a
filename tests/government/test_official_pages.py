"""Officials' pages per role, the list's query count, and the admin's add page (which goes
through the same service)."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AuditEvent
from accounts.roles import Role, user_role
from government import services
from government.models import Official
from notifications.models import Notification
from tests.factories import (
    DepartmentFactory,
    OfficialFactory,
    RegionFactory,
    UserFactory,
)
from tests.government.officials import (
    ALL_ROLES,
    R,
    create,
)
from tests.helpers import signed_in as as_user

pytestmark = pytest.mark.django_db


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
