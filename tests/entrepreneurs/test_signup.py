"""Signing up: step 1 the person, step 2 the enterprise (nothing written before step 2 is
valid), then a wait for verification."""

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
STEP_2 = reverse("entrepreneurs:signup_enterprise")
PASSWORD = "Tea-garden-2026"
#: The fields of step 1; the others are step 2's.
PERSON = ("name", "mobile", "email", "password", "password_confirm", "privacy_consent")


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


def step_1(data: dict) -> dict:
    return {key: value for key, value in data.items() if key in PERSON}


def step_2(data: dict) -> dict:
    return {key: value for key, value in data.items() if key not in PERSON}


def sign_up(client, data: dict, **extra):
    """Both steps, as a person does them: the answer of step 1 when it refuses, else the
    answer of step 2 (``extra`` goes with step 2: ``follow=True``)."""
    first = client.post(SIGNUP, step_1(data))
    if first.status_code != 302:
        return first
    assert first.url == STEP_2
    return client.post(STEP_2, step_2(data), **extra)


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
    client.post(SIGNUP, step_1(form_data(wuxing)))
    assert "Wuxing" in client.get(STEP_2).content.decode()  # the counties to choose from


def test_a_new_enterprise_is_registered_and_the_person_waits_for_verification(
    client, wuxing, coordinators
):
    response = sign_up(client, form_data(wuxing), follow=True)

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
    sign_up(client, form_data(wuxing))
    assert list(Notification.objects.values_list("recipient", flat=True)) == [
        coordinators["city"].user_id]


def test_a_registered_code_joins_that_enterprise_whatever_else_was_typed(client, wuxing):
    enterprise = EnterpriseFactory(region=wuxing, name="湖州丝绸有限公司")
    typed = " ".join([enterprise.credit_code[:6], enterprise.credit_code[6:]]).lower()

    response = sign_up(client, form_data(
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
    assert sign_up(client, form_data(wuxing, credit_code=typed)).status_code == 302
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

    data = form_data(wuxing, **changes)
    response = sign_up(client, data)

    assert response.status_code == 200
    errors = response.context["form"].errors
    page = response.content.decode()
    for field, text in expected.items():
        assert field in errors, errors
        assert any(text in message for message in errors[field]), errors[field]
        assert text in page
        assert f'href="#id_{field}"' in page  # the error summary links to the field
    count = sum(len(messages) for messages in errors.values())
    assert f"There {'is' if count == 1 else 'are'} {count} problem" in page
    assert written() == before
    assert not response.wsgi_request.user.is_authenticated
    # What was typed stays, on the step where the mistake is.
    step = response.context["step"]
    assert step == (1 if set(expected) <= set(PERSON) else 2)
    assert (f'value="{data["name"]}"' if step == 1 else f'value="{data["credit_code"]}"') in page


def test_a_signed_in_user_is_sent_home(client, wuxing):
    client.force_login(UserFactory())
    assert client.get(SIGNUP).url == reverse("home")
    assert client.get(STEP_2).url == reverse("home")
    response = client.post(SIGNUP, step_1(form_data(wuxing)))
    assert response.url == reverse("home")
    assert client.post(STEP_2, step_2(form_data(wuxing))).url == reverse("home")
    assert not Entrepreneur.objects.exists()


def test_sign_ups_over_the_limit_are_refused_with_what_was_typed(client, settings, wuxing):
    settings.RATELIMIT_SIGNUP = "2/h"
    cache.clear()
    # Mistakes do not count towards the limit.
    for _ in range(3):
        assert sign_up(client, form_data(wuxing, enterprise_name="")).status_code == 200
    for n in (1, 2):
        response = sign_up(client, form_data(
            wuxing, mobile=f"1390572000{n}", email=f"p{n}@example.com",
            credit_code=credit_code(990_000_600 + n)))
        assert response.status_code == 302
        client.logout()
    before = written()

    response = sign_up(client, form_data(
        wuxing, name="第三位", mobile="13905720003", email="p3@example.com",
        credit_code=credit_code(990_000_603)))

    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many sign-ups from your network" in page
    assert "Signing up as 第三位" in page
    assert f'value="{credit_code(990_000_603)}"' in page
    assert written() == before


@pytest.mark.parametrize("identifier", ["139 0572 1234", "ZHOU.MING@example.com"])
def test_the_new_account_logs_in_by_mobile_or_email(client, wuxing, identifier):
    sign_up(client, form_data(wuxing))
    client.logout()

    response = client.post(reverse("login"), {"username": identifier, "password": PASSWORD})

    assert response.status_code == 302
    assert response.url == reverse("home")
    page = client.get(reverse("home")).content.decode()
    assert 'data-testid="verification-pending"' in page


# --- Two steps -------------------------------------------------------------------------------


def test_step_1_writes_nothing_and_keeps_the_password_only_as_its_hash(client, wuxing):
    before = written()
    response = client.post(SIGNUP, step_1(form_data(wuxing)))

    assert response.status_code == 302 and response.url == STEP_2
    assert written() == before
    draft = client.session["entrepreneurs.signup"]["person"]
    assert (draft["name"], draft["mobile"]) == ("周明", "13905721234")
    assert PASSWORD not in str(dict(client.session))
    assert draft["password_hash"].startswith("md5$")  # the tests' fast hasher
    page = client.get(STEP_2).content.decode()
    assert 'data-step="2"' in page
    assert "Signing up as 周明, mobile 13905721234" in page


def test_step_2_without_step_1_starts_at_step_1(client, wuxing):
    response = client.get(STEP_2, follow=True)
    assert response.redirect_chain == [(SIGNUP, 302)]
    assert "Sign-up starts with your own details." in response.content.decode()
    response = client.post(STEP_2, step_2(form_data(wuxing)))
    assert response.url == SIGNUP
    assert not Entrepreneur.objects.exists()


def test_back_from_step_2_keeps_both_steps_and_the_password(client, wuxing):
    data = form_data(wuxing)
    client.post(SIGNUP, step_1(data))
    response = client.post(STEP_2, {**step_2(data), "back": "1"})
    assert response.url == SIGNUP

    page = client.get(SIGNUP).content.decode()
    assert 'value="周明"' in page and 'value="13905721234"' in page
    assert "leave both blank to keep it" in page
    # Forward again without retyping the password: step 2 shows what was typed there.
    assert client.post(SIGNUP, step_1({**data, "password": "", "password_confirm": ""})
                       ).url == STEP_2
    page = client.get(STEP_2).content.decode()
    assert 'value="湖州茶园科技有限公司"' in page
    assert f'value="{data["credit_code"]}"' in page
    assert client.post(STEP_2, step_2(data)).url == reverse("home")
    client.logout()
    assert client.post(reverse("login"), {"username": "13905721234", "password": PASSWORD}
                       ).status_code == 302


def test_a_new_password_typed_after_going_back_is_checked_and_kept(client, wuxing):
    data = form_data(wuxing)
    client.post(SIGNUP, step_1(data))
    client.post(STEP_2, {**step_2(data), "back": "1"})
    weak = client.post(SIGNUP, step_1({**data, "password": "12345678",
                                       "password_confirm": ""}))
    assert "Type the password again." in weak.content.decode()
    other = "Another-tea-garden-2027"
    client.post(SIGNUP, step_1({**data, "password": other, "password_confirm": other}))
    assert client.post(STEP_2, step_2(data)).url == reverse("home")
    assert Entrepreneur.objects.get().user.check_password(other)


def test_a_mobile_taken_between_the_steps_is_said_at_step_2_and_nothing_is_written(
        client, wuxing):
    data = form_data(wuxing)
    client.post(SIGNUP, step_1(data))
    EntrepreneurFactory(mobile="13905721234")
    before = written()

    response = client.post(STEP_2, step_2(data))

    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="error-summary"' in page
    assert "Mobile number: Someone with this mobile number is already registered" in page
    assert written() == before
    assert not response.wsgi_request.user.is_authenticated


def test_each_step_fits_on_a_phone_in_a_few_fields(client, wuxing):
    """Step 1 asks six things, step 2 eight: the rest of the 4,200 px form."""
    first = client.get(SIGNUP).context["form"]
    assert list(first.fields) == list(PERSON)
    client.post(SIGNUP, step_1(form_data(wuxing)))
    second = client.get(STEP_2).context["form"]
    assert set(second.fields) == set(form_data(wuxing)) - set(PERSON)


def test_the_service_takes_the_password_or_a_hash_never_both_nor_a_made_up_hash(wuxing):
    from django.contrib.auth.hashers import make_password

    from entrepreneurs.services import entrepreneur_sign_up

    arguments = {**form_data(wuxing), "region": wuxing, "privacy_consent": True,
                 "is_new_generation": True, "consent_to_contact": True}
    arguments.pop("password_confirm")
    with pytest.raises(ValueError):
        entrepreneur_sign_up(**{**arguments, "password_hash": make_password(PASSWORD)})
    with pytest.raises(ValueError):
        entrepreneur_sign_up(**{**arguments, "password": "", "password_hash": PASSWORD})
    assert not Entrepreneur.objects.exists()
