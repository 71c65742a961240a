"""Signing up in the browser: one form for the person and the enterprise, then a wait."""

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.urls import reverse

from accounts.models import AuditEvent
from core.privacy import PRIVACY_NOTICE_VERSION
from entrepreneurs.models import Enterprise, Entrepreneur
from government.models import Official
from notifications.models import Notification
from tests.factories import (
    CityFactory,
    DepartmentFactory,
    EnterpriseFactory,
    EntrepreneurFactory,
    OfficialFactory,
    RegionFactory,
    UserFactory,
    credit_code,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

SIGNUP = reverse("entrepreneurs:signup")
PASSWORD = "Tea-garden-2026"


@pytest.fixture
def wuxing():
    return RegionFactory(code="wuxing", name="吴兴区", name_en="Wuxing")


@pytest.fixture
def coordinators(wuxing):
    """Who hears of a sign-up in Wuxing: its coordinator and the city's, not Anji's."""
    def coordinator(region, **kwargs):
        return OfficialFactory(department=DepartmentFactory(region=region),
                               role=Official.Role.COORDINATOR, **kwargs)

    return {
        "wuxing": coordinator(wuxing),
        "city": coordinator(CityFactory()),
        "anji": coordinator(RegionFactory(code="anji", name="安吉县", name_en="Anji")),
        "wuxing_handler": OfficialFactory(department=DepartmentFactory(region=wuxing)),
    }


def form_data(region, /, **changes) -> dict:
    data = {
        "name": "周明", "mobile": "+86 139 0572 1234", "email": "Zhou.Ming@Example.com",
        "password": PASSWORD, "password_confirm": PASSWORD, "position": "总经理",
        "is_new_generation": "on", "consent_to_contact": "on",
        "credit_code": credit_code(990_000_501), "enterprise_name": "湖州茶园科技有限公司",
        "region": str(region.pk), "industry": "agriculture", "scale": "small",
        "privacy_consent": "on",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def written() -> dict:
    return {
        "users": get_user_model().objects.count(),
        "people": Entrepreneur.objects.count(),
        "enterprises": Enterprise.objects.count(),
        "audit": AuditEvent.objects.count(),
        "notifications": Notification.objects.count(),
    }


def test_the_form_asks_for_consent_to_the_privacy_notice(client, wuxing):
    page = client.get(SIGNUP).content.decode()
    assert f'href="{reverse("privacy:notice")}"' in page
    assert "I have read and agree to the" in page
    assert "Wuxing" in page  # the county-level regions to choose from


def test_a_new_enterprise_is_registered_and_the_person_waits_for_verification(
    client, wuxing, coordinators
):
    response = client.post(SIGNUP, form_data(wuxing), follow=True)

    assert response.redirect_chain == [(reverse("home"), 302)]
    page = response.content.decode()
    assert "A coordinator of Wuxing will verify your registration" in page
    assert 'data-testid="verification-pending"' in page

    person = Entrepreneur.objects.select_related("user", "enterprise").get()
    assert response.wsgi_request.user == person.user  # signed in straight away
    assert person.verification == Entrepreneur.Verification.PENDING
    assert (person.name, person.mobile, person.email) == (
        "周明", "13905721234", "zhou.ming@example.com")
    assert person.is_new_generation and person.consent_to_contact
    assert person.privacy_notice_version == PRIVACY_NOTICE_VERSION
    assert person.privacy_consented_at is not None
    assert (person.user.username, person.user.email, person.user.first_name) == (
        "13905721234", "zhou.ming@example.com", "周明")
    assert person.enterprise.name == "湖州茶园科技有限公司"
    assert person.enterprise.region == wuxing
    assert not person.user.has_perm("issues.add_issue")

    assert AuditEvent.objects.filter(
        kind=AuditEvent.Kind.ACCOUNT_CREATED, subject=person.user).exists()
    told = Notification.objects.filter(channel="in_app")
    assert set(told.values_list("recipient", flat=True)) == {
        coordinators["wuxing"].user_id, coordinators["city"].user_id}
    assert set(told.values_list("url", flat=True)) == {reverse("entrepreneurs:pending")}


def test_an_inactive_coordinator_is_not_told(client, wuxing, coordinators):
    coordinators["wuxing"].user.is_active = False
    coordinators["wuxing"].user.save(update_fields=["is_active"])
    client.post(SIGNUP, form_data(wuxing))
    assert list(Notification.objects.values_list("recipient", flat=True)) == [
        coordinators["city"].user_id]


def test_a_registered_code_joins_that_enterprise_whatever_else_was_typed(client, wuxing):
    enterprise = EnterpriseFactory(region=wuxing, name="湖州丝绸有限公司")
    typed = " ".join([enterprise.credit_code[:6], enterprise.credit_code[6:]]).lower()

    response = client.post(SIGNUP, form_data(
        wuxing, credit_code=typed, enterprise_name="别的名字", region="", industry="", scale=""))

    assert response.status_code == 302
    person = Entrepreneur.objects.get()
    assert person.enterprise == enterprise
    assert Enterprise.objects.count() == 1
    enterprise.refresh_from_db()
    assert enterprise.name == "湖州丝绸有限公司"


def test_a_new_code_typed_with_spaces_and_lower_case_is_stored_normalised(client, wuxing):
    code = credit_code(990_000_777)
    typed = f"  {code[:9].lower()} {code[9:]} "
    assert client.post(SIGNUP, form_data(wuxing, credit_code=typed)).status_code == 302
    assert Enterprise.objects.get().credit_code == code


def _bad_check_digit(world):
    code = credit_code(990_000_501)
    wrong = "1" if code[-1] != "1" else "2"
    return {"credit_code": code[:17] + wrong}, {"credit_code": "check digit does not match"}


def _mobile_of_a_registered_person(world):
    EntrepreneurFactory(mobile="13905721234")
    return {}, {"mobile": "already registered"}


def _mobile_used_as_another_user_name(world):
    UserFactory(username="13905721234")
    return {}, {"mobile": "already belongs to another account"}


def _email_of_another_account_in_another_case(world):
    UserFactory(email="zhou.ming@example.com")
    return {"email": "ZHOU.MING@EXAMPLE.COM"}, {"email": "already belongs to an account"}


def _weak_password(world):
    return ({"password": "12345678", "password_confirm": "12345678"},
            {"password": "This password is too common"})


def _password_like_the_mobile(world):
    return ({"password": "13905721234x", "password_confirm": "13905721234x"},
            {"password": "too similar"})


def _passwords_differ(world):
    return {"password_confirm": PASSWORD + "!"}, {"password_confirm": "The two passwords differ"}


def _no_consent_to_the_privacy_notice(world):
    return {"privacy_consent": None}, {"privacy_consent": "agree to the privacy notice"}


def _new_code_without_the_enterprise(world):
    needed = "not registered yet, so this is needed"
    return ({"enterprise_name": "", "region": "", "industry": "", "scale": ""},
            {"enterprise_name": needed, "region": needed, "industry": needed, "scale": needed})


def _not_a_mobile_number(world):
    return {"mobile": "0572-1234567"}, {"mobile": "11-digit mainland mobile number"}


def _city_as_the_region(world):
    return {"region": str(CityFactory().pk)}, {"region": "Select a valid choice"}


@pytest.mark.parametrize("case", [
    _bad_check_digit, _mobile_of_a_registered_person, _mobile_used_as_another_user_name,
    _email_of_another_account_in_another_case, _weak_password, _password_like_the_mobile,
    _passwords_differ, _no_consent_to_the_privacy_notice, _new_code_without_the_enterprise,
    _not_a_mobile_number, _city_as_the_region,
])
def test_each_mistake_is_shown_on_its_field_and_nothing_is_written(client, wuxing, case):
    changes, expected = case(wuxing)
    before = written()

    response = client.post(SIGNUP, form_data(wuxing, **changes))

    assert response.status_code == 200
    errors = response.context["form"].errors
    page = response.content.decode()
    for field, text in expected.items():
        assert field in errors, errors
        assert any(text in message for message in errors[field]), errors[field]
        assert text in page
    assert written() == before
    assert not response.wsgi_request.user.is_authenticated
    assert 'value="周明"' in page  # what was typed stays


def test_a_signed_in_user_is_sent_home(client, wuxing):
    client.force_login(UserFactory())
    assert client.get(SIGNUP).url == reverse("home")
    response = client.post(SIGNUP, form_data(wuxing))
    assert response.url == reverse("home")
    assert not Entrepreneur.objects.exists()


def test_sign_ups_over_the_limit_are_refused_with_what_was_typed(client, settings, wuxing):
    settings.RATELIMIT_SIGNUP = "2/h"
    cache.clear()
    # Mistakes do not count towards the limit.
    for _ in range(3):
        assert client.post(SIGNUP, form_data(wuxing, privacy_consent=None)).status_code == 200
    for n in (1, 2):
        response = client.post(SIGNUP, form_data(
            wuxing, mobile=f"1390572000{n}", email=f"p{n}@example.com",
            credit_code=credit_code(990_000_600 + n)))
        assert response.status_code == 302
        client.logout()
    before = written()

    response = client.post(SIGNUP, form_data(
        wuxing, name="第三位", mobile="13905720003", email="p3@example.com",
        credit_code=credit_code(990_000_603)))

    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many sign-ups from your network" in page
    assert 'value="第三位"' in page
    assert written() == before


@pytest.mark.parametrize("identifier", ["139 0572 1234", "ZHOU.MING@example.com"])
def test_the_new_account_logs_in_by_mobile_or_email(client, wuxing, identifier):
    client.post(SIGNUP, form_data(wuxing))
    client.logout()

    response = client.post(reverse("login"), {"username": identifier, "password": PASSWORD})

    assert response.status_code == 302
    assert response.url == reverse("home")
    page = client.get(reverse("home")).content.decode()
    assert 'data-testid="verification-pending"' in page
