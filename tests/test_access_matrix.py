"""Who gets what, for every URL the project has.

For each URL (by name) and each of eight people — anonymous, entrepreneur A, entrepreneur B
(another enterprise), a handler in department X (which leads the issue) and in department Y,
a coordinator of another county, a city coordinator and an administrator — the status code
they get. A URL added without an entry here fails ``test_every_url_has_an_entry``.

Expected answers: 200 shown; 302 to the log-in page (anonymous) or onward after a POST;
403 not allowed for the role (with a reason); 404 outside the person's scope; 405 wrong
method.
"""

from dataclasses import dataclass, field

import pytest
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from entrepreneurs.models import Entrepreneur
from government.models import Official
from privacy.models import DeletionRequest
from tests.factories import (
    CityFactory,
    DepartmentFactory,
    EnterpriseFactory,
    EntrepreneurFactory,
    IssueFactory,
    OfficialFactory,
    RegionFactory,
)

pytestmark = pytest.mark.django_db

ACTORS = ("anonymous", "entrepreneur_a", "entrepreneur_b", "handler_x", "handler_y",
          "coordinator_other_county", "coordinator_city", "admin")


@dataclass
class World:
    users: dict
    objects: dict = field(default_factory=dict)


@pytest.fixture
def world(django_user_model) -> World:
    city = CityFactory()
    county = RegionFactory(code="wuxing", name="吴兴区", name_en="Wuxing")
    other_county = RegionFactory(code="anji", name="安吉县", name_en="Anji")
    department_x = DepartmentFactory(region=city, code="x", name="经信局")
    department_y = DepartmentFactory(region=city, code="y", name="市场监管局")
    enterprise_a = EnterpriseFactory(region=county)
    enterprise_b = EnterpriseFactory(region=county)
    person_a = EntrepreneurFactory(with_user=True, enterprise=enterprise_a)
    person_b = EntrepreneurFactory(with_user=True, enterprise=enterprise_b)
    pending = EntrepreneurFactory(with_user=True, enterprise=EnterpriseFactory(region=county),
                                  verification=Entrepreneur.Verification.PENDING)
    handler_x = OfficialFactory(department=department_x, role=Official.Role.HANDLER)
    handler_y = OfficialFactory(department=department_y, role=Official.Role.HANDLER)
    coordinator_other = OfficialFactory(
        department=DepartmentFactory(region=other_county, code="anji-tzb", name="安吉统战部"),
        role=Official.Role.COORDINATOR)
    coordinator_city = OfficialFactory(
        department=DepartmentFactory(region=city, code="tzb", name="市委统战部"),
        role=Official.Role.COORDINATOR)
    admin_user = django_user_model.objects.create_superuser("root", "root@example.com", "x")
    issue = IssueFactory(enterprise=enterprise_a, entrepreneur=person_a,
                         lead_department=department_x, status="dispatched")
    users = {
        "anonymous": None,
        "entrepreneur_a": person_a.user,
        "entrepreneur_b": person_b.user,
        "handler_x": handler_x.user,
        "handler_y": handler_y.user,
        "coordinator_other_county": coordinator_other.user,
        "coordinator_city": coordinator_city.user,
        "admin": admin_user,
    }
    deletion_request = DeletionRequest.objects.create(entrepreneur=person_a,
                                                      requested_by=person_a.user)
    return World(users=users, objects={
        "issue": issue, "person_a": person_a, "pending": pending, "official_x": handler_x,
        "deletion_request": deletion_request,
    })


@dataclass(frozen=True)
class Case:
    """One URL: how to build it, how to call it, and what each actor gets."""

    expected: dict
    kwargs: object = None  # a function World -> URL kwargs
    method: str = "get"
    data: dict = field(default_factory=dict)


def everyone(status: int) -> dict:
    return dict.fromkeys(ACTORS, status)


def signed_in(status: int, *, anonymous: int = 302) -> dict:
    return {**everyone(status), "anonymous": anonymous}


def only(allowed: dict, *, others: int = 403) -> dict:
    """Anonymous to the log-in page, ``others`` for the rest, except the ``allowed`` ones."""
    return {**signed_in(others), **allowed}


BAD_LINK = {"uidb64": "MQ", "token": "not-a-token"}
#: Coordinators (each in their own scope) and administrators; nobody else.
COORDINATORS_AND_ADMIN = only({"coordinator_other_county": 200, "coordinator_city": 200,
                               "admin": 200})
#: An object in Wuxing: the city's coordinator and the administrator reach it; the other
#: county's coordinator is told it does not exist.
CITY_SCOPE_ONLY = only({"coordinator_other_county": 404, "coordinator_city": 200, "admin": 200})
#: A POST on such an object: done (and redirected) by the city's coordinator and the admin.
CITY_SCOPE_ACTION = only({"coordinator_other_county": 404, "coordinator_city": 302,
                          "admin": 302})
ENTREPRENEURS = only({"entrepreneur_a": 200, "entrepreneur_b": 200})


def OFFICIAL_X(world):  # noqa: N802 (reads as a constant in the table below)
    return {"pk": world.objects["official_x"].pk}

MATRIX: dict[str, Case] = {
    # The site itself
    "home": Case(everyone(200)),
    "health": Case(everyone(200)),
    "set_language": Case(everyone(302), method="post", data={"language": "en"}),
    # Signing in and passwords
    "login": Case(everyone(200)),
    "logout": Case(everyone(302), method="post"),
    "password_change": Case(signed_in(200)),
    "password_reset": Case(everyone(200)),
    "password_reset_done": Case(everyone(200)),
    "password_reset_confirm": Case(everyone(200), kwargs=lambda w: BAD_LINK),
    "password_reset_complete": Case(everyone(200)),
    "account_activate": Case(everyone(200), kwargs=lambda w: BAD_LINK),
    # Issues (entrepreneur A's issue, led by department X)
    "issues:list": Case(signed_in(200)),
    "issues:detail": Case(
        only({"entrepreneur_a": 200, "handler_x": 200, "coordinator_city": 200, "admin": 200},
             others=404),
        kwargs=lambda w: {"reference": w.objects["issue"].reference},
    ),
    # Entrepreneurs: sign-up, verification, directory
    "entrepreneurs:signup": Case({**everyone(302), "anonymous": 200}),
    "entrepreneurs:list": Case(COORDINATORS_AND_ADMIN),
    "entrepreneurs:pending": Case(COORDINATORS_AND_ADMIN),
    "entrepreneurs:detail": Case(CITY_SCOPE_ONLY, kwargs=lambda w: {"pk": w.objects["pending"].pk}),
    "entrepreneurs:verify": Case(
        CITY_SCOPE_ACTION,
        kwargs=lambda w: {"pk": w.objects["pending"].pk},
        method="post", data={"decision": "refuse", "reason": "营业执照不清晰"},
    ),
    # Official accounts (the official is handler X, in a city department)
    "officials:list": Case(COORDINATORS_AND_ADMIN),
    "officials:create": Case(COORDINATORS_AND_ADMIN),
    "officials:detail": Case(CITY_SCOPE_ONLY, kwargs=OFFICIAL_X),
    "officials:edit": Case(CITY_SCOPE_ONLY, kwargs=OFFICIAL_X),
    "officials:deactivate": Case(CITY_SCOPE_ACTION, kwargs=OFFICIAL_X, method="post"),
    "officials:reactivate": Case(CITY_SCOPE_ACTION, kwargs=OFFICIAL_X, method="post"),
    "officials:resend_link": Case(CITY_SCOPE_ACTION, kwargs=OFFICIAL_X, method="post"),
    # Personal data
    "privacy:notice": Case(everyone(200)),
    "privacy:my_data": Case(ENTREPRENEURS),
    "privacy:export": Case(ENTREPRENEURS),
    "privacy:request_deletion": Case(
        only({"entrepreneur_a": 302, "entrepreneur_b": 302}), method="post",
        data={"confirm": "on"},
    ),
    "privacy:requests": Case(COORDINATORS_AND_ADMIN),
    "privacy:decide": Case(
        CITY_SCOPE_ACTION,
        kwargs=lambda w: {"pk": w.objects["deletion_request"].pk},
        method="post", data={"decision": "refuse", "note": "资料不全"},
    ),
}


def project_url_names() -> set[str]:
    """Every named URL outside the admin, as "namespace:name"."""
    names = set()

    def walk(patterns, namespace):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                if entry.namespace == "admin":
                    continue
                inner = entry.namespace or namespace
                if entry.namespace and namespace:
                    inner = f"{namespace}:{entry.namespace}"
                walk(entry.url_patterns, inner)
            elif isinstance(entry, URLPattern):
                assert entry.name, f"URL {entry.pattern} has no name"
                names.add(f"{namespace}:{entry.name}" if namespace else entry.name)

    walk(get_resolver().url_patterns, "")
    return names


def test_every_url_has_an_entry():
    missing = project_url_names() - set(MATRIX)
    assert not missing, f"add these URLs to the access matrix: {sorted(missing)}"
    stale = set(MATRIX) - project_url_names()
    assert not stale, f"these matrix entries name no URL: {sorted(stale)}"


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_access(client, world, name, actor):
    case = MATRIX[name]
    kwargs = case.kwargs(world) if case.kwargs else None
    url = reverse(name, kwargs=kwargs)
    user = world.users[actor]
    if user is not None:
        client.force_login(user)
    response = getattr(client, case.method)(url, case.data)
    expected = case.expected[actor]
    assert response.status_code == expected, f"{actor} {case.method.upper()} {url}"
    if expected == 302 and actor == "anonymous" and name not in NOT_LOGIN_REDIRECTS:
        assert response.url.startswith(reverse("login")), response.url
    if expected == 403:
        reason = response.context.get("exception") if response.context else None
        assert reason, f"{url} refused {actor} without saying why"


#: Anonymous redirects that go somewhere other than the log-in page.
NOT_LOGIN_REDIRECTS = {"set_language", "logout"}


# --- The admin site -----------------------------------------------------------------------

ADMIN_MODELS = sorted(admin.site._registry, key=lambda model: model._meta.label)


def admin_urls(world) -> list[str]:
    urls = [reverse("admin:index"), reverse("admin:password_change")]
    for model in ADMIN_MODELS:
        opts = model._meta
        urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
        urls.append(reverse("admin:app_list", kwargs={"app_label": opts.app_label}))
    person = world.objects["person_a"]
    urls.append(reverse("admin:entrepreneurs_entrepreneur_change", args=[person.pk]))
    urls.append(reverse("admin:issues_issue_change", args=[world.objects["issue"].pk]))
    return sorted(set(urls))


@pytest.mark.parametrize("actor", [a for a in ACTORS if a != "admin"])
def test_the_admin_is_closed_to_everyone_but_administrators(client, world, actor):
    user = world.users[actor]
    if user is not None:
        client.force_login(user)
    for url in admin_urls(world):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("admin:login")), url


def test_administrators_reach_every_admin_page(admin_client, world):
    for url in admin_urls(world):
        assert admin_client.get(url).status_code in (200, 403), url
