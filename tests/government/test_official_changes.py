"""Officials' accounts changed: department and role, deactivating and reactivating
(every record is kept)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import AuditEvent
from accounts.roles import Role, user_role
from government import services
from government.models import Official
from issues.models import IssueEvent, SatisfactionRating
from issues.selectors import issues_for_user
from tests.factories import (
    IssueEventFactory,
    IssueFactory,
    OfficialFactory,
    SatisfactionRatingFactory,
)
from tests.government.officials import (
    R,
    User,
)
from tests.helpers import PASSWORD, log_in
from tests.helpers import signed_in as as_user

pytestmark = pytest.mark.django_db


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
