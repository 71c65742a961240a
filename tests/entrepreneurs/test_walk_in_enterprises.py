"""People added at the door, in the directory (issue 14, item 1): the service's rules, and
the coordinators' list of enterprises to complete: confirming one's credit code, or merging
it (its people and their issues) into the registered enterprise."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from accounts.models import AuditEvent
from entrepreneurs.models import Enterprise, Entrepreneur
from entrepreneurs.services import enterprise_merge, entrepreneur_add_walk_in
from government.models import Official
from issues.models import Issue
from notifications.models import Notification
from tests.factories import (
    CityFactory,
    DepartmentFactory,
    EnterpriseFactory,
    EntrepreneurFactory,
    IssueFactory,
    OfficialFactory,
    RegionFactory,
    credit_code,
)
from tests.helpers import signed_in as login

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

CODE = credit_code(990_001_501)
TO_COMPLETE = reverse("entrepreneurs:to_complete")


@pytest.fixture(autouse=True)
def _english_refusals():
    """The services' refusals, read in English."""
    with translation.override("en"):
        yield


@pytest.fixture
def wuxing():
    return RegionFactory(code="wuxing", name="吴兴区", name_en="Wuxing")


@pytest.fixture
def anji():
    return RegionFactory(code="anji", name="安吉县", name_en="Anji")


def coordinator(region):
    return OfficialFactory(department=DepartmentFactory(region=region),
                           role=Official.Role.COORDINATOR).user


@pytest.fixture
def people(wuxing, anji):
    return {"wuxing": coordinator(wuxing), "anji": coordinator(anji),
            "city": coordinator(CityFactory()),
            "handler": OfficialFactory(department=DepartmentFactory(region=wuxing)).user}


def walk_in(actor, region, **changes):
    fields = {"name": "孙丁", "mobile": "13905728888", "enterprise_name": "湖州孙记茶业",
              "region": region, "credit_code": ""}
    fields.update(changes)
    return entrepreneur_add_walk_in(actor=actor, **fields)


def test_only_coordinators_add_people_and_only_in_their_region(people, wuxing, anji):
    with pytest.raises(PermissionDenied):
        walk_in(people["handler"], wuxing)
    with pytest.raises(ValidationError) as refused:
        walk_in(people["anji"], wuxing)
    assert "Choose one of your districts, counties or areas." in str(refused.value)
    registered = EnterpriseFactory(region=wuxing, credit_code=CODE, name="湖州老茶厂")
    with pytest.raises(ValidationError) as refused:
        walk_in(people["anji"], anji, credit_code=CODE)
    assert "This code belongs to 湖州老茶厂 of Wuxing" in str(refused.value)
    assert not Entrepreneur.objects.exists()
    person = walk_in(people["city"], wuxing, credit_code=CODE)
    assert person.enterprise == registered


def test_each_walk_in_without_a_code_has_an_enterprise_of_their_own(people, wuxing):
    first = walk_in(people["wuxing"], wuxing)
    second = walk_in(people["wuxing"], wuxing, name="孙戊", mobile="13905729999")
    assert first.enterprise != second.enterprise
    assert first.enterprise.provisional and second.enterprise.provisional
    assert Notification.objects.filter(key__endswith=":claim").count() == 2


def test_the_coordinators_list_shows_their_enterprises_to_complete(client, people, wuxing, anji):
    walk_in(people["wuxing"], wuxing)
    walk_in(people["anji"], anji, name="钱己", mobile="13905720000", enterprise_name="安吉竹业")
    EnterpriseFactory(region=wuxing, name="已确认企业")

    page = login(client, people["wuxing"]).get(TO_COMPLETE)
    assert page.status_code == 200
    body = page.content.decode()
    assert "湖州孙记茶业" in body and "孙丁" in body
    assert "安吉竹业" not in body and "已确认企业" not in body
    city = login(client, people["city"]).get(TO_COMPLETE).content.decode()
    assert "湖州孙记茶业" in city and "安吉竹业" in city
    assert login(client, people["handler"]).get(TO_COMPLETE).status_code == 403
    directory = login(client, people["wuxing"]).get(reverse("entrepreneurs:list"))
    assert f'href="{TO_COMPLETE}"' in directory.content.decode()


def test_confirming_checks_the_code_and_then_the_enterprise_takes_more_people(
        client, people, wuxing):
    person = walk_in(people["wuxing"], wuxing)
    enterprise = person.enterprise
    url = reverse("entrepreneurs:enterprise_complete", args=[enterprise.pk])
    login(client, people["wuxing"])
    taken = EnterpriseFactory(region=wuxing, name="湖州老茶厂")
    refused = client.post(url, {"credit_code": taken.credit_code, "name": "湖州孙记茶业有限公司",
                                "industry": "agriculture", "scale": "micro"})
    assert refused.status_code == 400
    assert "This code belongs to 湖州老茶厂: merge into it instead." in refused.content.decode()
    bad = client.post(url, {"credit_code": "91330502ABC", "name": "x", "industry": "agriculture",
                            "scale": "micro"})
    assert "A unified social credit code has 18 characters; this one has 11." in (
        bad.content.decode())
    assert Enterprise.objects.get(pk=enterprise.pk).provisional

    done = client.post(url, {"credit_code": CODE, "name": "湖州孙记茶业有限公司",
                             "industry": "agriculture", "scale": "micro"})
    assert done.status_code == 302
    enterprise.refresh_from_db()
    assert (enterprise.provisional, enterprise.credit_code, enterprise.name,
            enterprise.confirmed_by) == (False, CODE, "湖州孙记茶业有限公司", people["wuxing"])
    assert enterprise.confirmed_at is not None
    assert AuditEvent.objects.filter(
        kind=AuditEvent.Kind.VERIFIED, actor=people["wuxing"],
        message=f"enterprise #{enterprise.pk} confirmed with credit code {CODE}").exists()
    colleague = walk_in(people["wuxing"], wuxing, name="孙戊", mobile="13905729999",
                        credit_code=CODE)
    assert colleague.enterprise == enterprise
    assert client.get(url).status_code == 404  # no longer to complete


def test_merging_moves_the_people_and_their_issues_and_deletes_the_enterprise(
        client, people, wuxing, anji):
    person = walk_in(people["wuxing"], wuxing)
    source = person.enterprise
    issue = IssueFactory(enterprise=source, entrepreneur=person, region=wuxing)
    target = EnterpriseFactory(region=wuxing, credit_code=CODE, name="湖州老茶厂")
    other = IssueFactory(enterprise=target, region=wuxing)
    url = reverse("entrepreneurs:enterprise_merge", args=[source.pk])

    assert login(client, people["anji"]).post(url, {"credit_code": CODE}).status_code == 404
    login(client, people["wuxing"])
    elsewhere = EnterpriseFactory(region=anji)
    refused = client.post(url, {"credit_code": elsewhere.credit_code})
    assert refused.status_code == 400
    assert "No enterprise with this code is registered in your region." in (
        refused.content.decode())

    done = client.post(url, {"credit_code": CODE})
    assert done.status_code == 302
    assert not Enterprise.objects.filter(pk=source.pk).exists()
    assert Entrepreneur.objects.get(pk=person.pk).enterprise == target
    assert Issue.objects.get(pk=issue.pk).enterprise == target
    assert Issue.objects.get(pk=issue.pk).region == wuxing
    assert Issue.objects.get(pk=other.pk).enterprise == target
    assert AuditEvent.objects.filter(
        kind=AuditEvent.Kind.VERIFIED, actor=people["wuxing"],
        message__startswith=f"enterprise #{source.pk} «湖州孙记茶业» merged into #{target.pk}",
    ).exists()


def test_a_merge_refused_half_way_writes_nothing(people, wuxing, monkeypatch):
    """The issues' receiver runs inside the merge's transaction: if deleting the source
    fails afterwards, the people and the issues stay where they were."""
    person = walk_in(people["wuxing"], wuxing)
    source = person.enterprise
    issue = IssueFactory(enterprise=source, entrepreneur=person, region=wuxing)
    EnterpriseFactory(region=wuxing, credit_code=CODE)

    def broken(self, *args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(Enterprise, "delete", broken)
    with pytest.raises(RuntimeError):
        enterprise_merge(actor=people["wuxing"], enterprise=source, credit_code=CODE)
    assert Entrepreneur.objects.get(pk=person.pk).enterprise == source
    assert Issue.objects.get(pk=issue.pk).enterprise == source


def test_an_existing_person_with_the_mobile_is_never_added_twice(people, wuxing):
    EntrepreneurFactory(mobile="13905728888", enterprise=EnterpriseFactory(region=wuxing))
    with pytest.raises(ValidationError) as refused:
        walk_in(people["wuxing"], wuxing)
    assert "Someone with this mobile number is already registered." in str(refused.value)
    assert Entrepreneur.objects.filter(mobile="13905728888").count() == 1
    assert not Enterprise.objects.filter(provisional=True).exists()
