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
from datetime import timedelta

import pytest
from django.contrib import admin
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from entrepreneurs.models import Entrepreneur
from entrepreneurs.tokens import claim_token_make
from government.models import Official
from issues.models import Attachment
from issues.rating_links import rating_token
from privacy.models import DeletionRequest
from sessions.models import CalendarFeed
from sessions.services import check_in_code_make
from tests.factories import (
    AttendanceFactory,
    CityFactory,
    DepartmentFactory,
    EditionFactory,
    EnterpriseFactory,
    EntrepreneurFactory,
    IssueFactory,
    OfficialFactory,
    RegionFactory,
    SessionSeriesFactory,
    TalkSessionFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path):
    """Uploaded files go to the test's own folder, never to var/private."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"],
                    "OPTIONS": {"location": str(tmp_path / "private")}},
    }

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
                         lead_department=department_x, status="dispatched",
                         round_started_on=timezone.localdate(), dispatched_at=timezone.now())
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
    # A Wuxing session open for registration in three days, attended by department X;
    # entrepreneur A has a place.
    starts_at = timezone.now() + timedelta(days=3)
    session = TalkSessionFactory(
        region=county, status="open", starts_at=starts_at, ends_at=starts_at + timedelta(hours=2),
        edition=EditionFactory(week_start=timezone.localdate(starts_at)
                               - timedelta(days=timezone.localdate(starts_at).weekday())),
    )
    session.departments.add(department_x)
    place_a = AttendanceFactory(session=session, entrepreneur=person_a)
    series = SessionSeriesFactory(region=county, starts_on=timezone.localdate())
    feed = CalendarFeed.objects.create(user=person_a.user)
    # A walk-in of Wuxing without an account, with an enterprise still to complete.
    walk_in = EntrepreneurFactory(
        source=Entrepreneur.Source.WALK_IN,
        enterprise=EnterpriseFactory(region=county, provisional=True, credit_code=None))
    return World(users=users, objects={
        "issue": issue, "person_a": person_a, "person_b": person_b, "pending": pending,
        "official_x": handler_x, "deletion_request": deletion_request, "session": session,
        "place_a": place_a, "series": series, "feed": feed, "walk_in": walk_in,
    })


@dataclass(frozen=True)
class Case:
    """One URL: how to build it, how to call it, and what each actor gets."""

    expected: dict
    kwargs: object = None  # a function World -> URL kwargs
    method: str = "get"
    data: object = field(default_factory=dict)  # a dict, or a function World -> dict


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
#: The API: 401 (problem+json, WWW-Authenticate: Bearer) without a token or session.
API_SIGNED_IN = signed_in(200, anonymous=401)
#: Entrepreneur A's issue, led by department X, in Wuxing: as the issue page.
API_ISSUE_SEEN = {**dict.fromkeys(ACTORS, 404), "anonymous": 401, "entrepreneur_a": 200,
                  "handler_x": 200, "coordinator_city": 200, "admin": 200}
#: An action on it without If-Match: 428 where the issue is seen, 404 where it is not.
API_ISSUE_ACTION = {**API_ISSUE_SEEN, "entrepreneur_a": 428, "handler_x": 428,
                    "coordinator_city": 428, "admin": 428}


def OFFICIAL_X(world):  # noqa: N802 (reads as a constant in the table below)
    return {"pk": world.objects["official_x"].pk}

def ISSUE(world):  # noqa: N802
    return {"reference": world.objects["issue"].reference}


def SESSION(world):  # noqa: N802
    return {"pk": world.objects["session"].pk}


def PLACE_A(world):  # noqa: N802
    return {"pk": world.objects["session"].pk, "attendance_pk": world.objects["place_a"].pk}


#: Entrepreneur A's Wuxing session: both Wuxing entrepreneurs, department X (which attends),
#: the city's coordinator and the administrator see it; the others are told it does not exist.
SESSION_SEEN = only({"entrepreneur_a": 200, "entrepreneur_b": 200, "handler_x": 200,
                     "coordinator_city": 200, "admin": 200}, others=404)


def session_managing(allowed: dict, *, method: str = "get", data=None, kwargs=SESSION) -> Case:
    """A coordinator's page or action on the Wuxing session: 404 where it is not seen, 403
    for those who see it but do not run it, ``allowed`` for the city's coordinator and the
    administrator."""
    return Case({**only({"handler_y": 404, "coordinator_other_county": 404}), **allowed},
                kwargs=kwargs, method=method, data=data or {})


def issue_action(allowed: dict, data) -> Case:
    """A workflow action POSTed on entrepreneur A's issue (dispatched to department X):
    outside their scope people are told it does not exist; in it, 403 unless ``allowed``
    (302 done, 409 not in this state, 400 bad input)."""
    return Case(
        {**only({"entrepreneur_b": 404, "handler_y": 404, "coordinator_other_county": 404}),
         **allowed},
        kwargs=ISSUE, method="post", data=data,
    )


def issue_attachment(world):
    """A PDF attached to entrepreneur A's issue, stored (in the test's own folder)."""
    attachment = Attachment(issue=world.objects["issue"], original_name="营业执照.pdf",
                            content_type="application/pdf", size=len(PDF), sha256="0" * 64,
                            uploaded_by=world.users["entrepreneur_a"])
    attachment.file.save("matrix.pdf", ContentFile(PDF), save=False)
    attachment.save()
    return {**ISSUE(world), "pk": attachment.pk}


def RATING_LINK(world):  # noqa: N802
    """The signed rating link of entrepreneur A's issue, round 1 (not answered yet)."""
    return {"token": rating_token(issue_id=world.objects["issue"].pk, round=1)}


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
#: Coordinators in scope and administrators may do it; in this state it is refused (409).
COORDINATOR_WRONG_STATE = {"coordinator_city": 409, "admin": 409}

MATRIX: dict[str, Case] = {
    # The site itself
    "home": Case(everyone(200)),
    # The database alone (no worker runs here); /metrics only with the scraper's token.
    "health": Case(everyone(200), data={"parts": "database"}),
    "metrics": Case(everyone(404)),
    "set_language": Case(everyone(302), method="post", data={"language": "en"}),
    # Signing in and passwords
    "login": Case(everyone(200)),
    # The admin's log-in page (behind the site's log-in limit): an administrator is sent on.
    "admin_login": Case({**everyone(200), "admin": 302}),
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
    "issues:new": Case(only({"entrepreneur_a": 200, "entrepreneur_b": 200,
                             # coordinators first choose the person in the directory
                             "coordinator_other_county": 302, "coordinator_city": 302,
                             "admin": 302})),
    "issues:supervision": Case(COORDINATORS_AND_ADMIN),
    "issues:follow_up": Case(COORDINATORS_AND_ADMIN),
    # A follow-up call (回访): the issue awaits dispatch, so no call is recorded yet (409).
    "issues:record_call": Case(
        only({"entrepreneur_b": 404, "handler_y": 404, "coordinator_other_county": 404,
              **COORDINATOR_WRONG_STATE}),
        kwargs=ISSUE,
    ),
    "issues:rate": Case(
        only({"entrepreneur_a": 200, "entrepreneur_b": 404, "handler_y": 404,
              "coordinator_other_county": 404}),
        kwargs=ISSUE,
    ),
    "issues:attachment": Case(
        only({"entrepreneur_a": 200, "handler_x": 200, "coordinator_city": 200, "admin": 200},
             others=404),
        kwargs=issue_attachment,
    ),
    "issues:dispatch": issue_action(
        {"coordinator_city": 302, "admin": 302},
        lambda w: {"version": 1, "lead_department": w.objects["issue"].lead_department_id},
    ),
    "issues:accept": issue_action({"handler_x": 302}, {"version": 1}),
    "issues:return": issue_action({"handler_x": 302}, {"version": 1, "reason": "不属于本部门"}),
    "issues:note": issue_action({"handler_x": 409, **COORDINATOR_WRONG_STATE},
                                {"version": 1, "message": "正在协调", "is_public": "on"}),
    "issues:request_extension": issue_action({"handler_x": 409},
                                             {"version": 1, "days": 5, "reason": "需要会商"}),
    "issues:decide_extension": issue_action(COORDINATOR_WRONG_STATE,
                                            {"version": 1, "decision": "approve"}),
    "issues:resolve": issue_action({"handler_x": 409}, {"version": 1, "reply": "已解决"}),
    "issues:reject": issue_action({"coordinator_city": 302, "admin": 302},
                                  {"version": 1, "reason": "不属于恳谈会受理范围"}),
    "issues:mark_duplicate": issue_action(
        {"coordinator_city": 400, "admin": 400},  # no such original issue
        {"version": 1, "original": "HZ-2026-999999"},
    ),
    "issues:close": issue_action(COORDINATOR_WRONG_STATE, {"version": 1, "note": "已协调完毕"}),
    # The rating link of the SMS, for anyone with it: this issue has no answer to rate, so
    # the link cannot rate (410); its raiser, logged in, goes on to the site's rating page.
    "rating_link:page": Case({**everyone(410), "entrepreneur_a": 302}, kwargs=RATING_LINK),
    "rating_link:thanks": Case(everyone(302), kwargs=RATING_LINK),  # not rated: to the form
    "rating_link:file": Case(everyone(410), kwargs=lambda w: {**RATING_LINK(w), "pk": 1}),
    # Only a lead of the lead department signs an answer off; the matrix has none.
    "issues:approve_answer": issue_action({}, {"version": 1}),
    "issues:send_back_answer": issue_action({}, {"version": 1, "note": "请补充依据"}),
    # The raiser or a coordinator: withdrawn only before dispatch (this one is dispatched);
    # material added while it is not finished.
    "issues:withdraw": issue_action({"entrepreneur_a": 409, **COORDINATOR_WRONG_STATE},
                                    {"version": 1, "reason": "已自行解决", "confirm": "on"}),
    "issues:add_material": issue_action(
        {"entrepreneur_a": 302, "coordinator_city": 302, "admin": 302},
        {"version": 1, "note": "补充：现场照片已拍摄"},
    ),
    # Talk sessions (the Wuxing session open for registration, entrepreneur A registered)
    "sessions:list": Case(signed_in(200)),
    "sessions:create": Case(COORDINATORS_AND_ADMIN),
    "sessions:series_list": Case(COORDINATORS_AND_ADMIN),
    "sessions:series_create": Case(COORDINATORS_AND_ADMIN),
    "sessions:series_generate": Case(
        only({"coordinator_other_county": 404, "coordinator_city": 302, "admin": 302}),
        kwargs=lambda w: {"pk": w.objects["series"].pk}, method="post",
    ),
    "sessions:series_pause": Case(
        only({"coordinator_other_county": 404, "coordinator_city": 302, "admin": 302}),
        kwargs=lambda w: {"pk": w.objects["series"].pk}, method="post",
    ),
    "sessions:series_edit": Case(CITY_SCOPE_ONLY, kwargs=lambda w: {"pk": w.objects["series"].pk}),
    "sessions:series_end": Case(CITY_SCOPE_ONLY, kwargs=lambda w: {"pk": w.objects["series"].pk}),
    "sessions:calendar_feed": Case(signed_in(200)),
    "sessions:feed": Case(everyone(200), kwargs=lambda w: {"token": w.objects["feed"].token}),
    "sessions:detail": Case(SESSION_SEEN, kwargs=SESSION),
    "sessions:ics": Case(SESSION_SEEN, kwargs=SESSION),
    "sessions:scan": Case(SESSION_SEEN, kwargs=SESSION,
                          data=lambda w: {"c": check_in_code_make(session=w.objects["session"])}),
    "sessions:edit": session_managing({"coordinator_city": 200, "admin": 200}),
    "sessions:invite": session_managing({"coordinator_city": 200, "admin": 200}),
    "sessions:check_in": session_managing({"coordinator_city": 200, "admin": 200}),
    "sessions:code": session_managing({"coordinator_city": 200, "admin": 200}),
    "sessions:sign_in_sheet": session_managing({"coordinator_city": 200, "admin": 200}),
    # already open for registration
    "sessions:open": session_managing({"coordinator_city": 409, "admin": 409}, method="post"),
    "sessions:cancel": session_managing({"coordinator_city": 302, "admin": 302}, method="post",
                                        data={"reason": "场地临时检修"}),
    "sessions:minutes": session_managing({"coordinator_city": 302, "admin": 302},
                                         method="post", data={"minutes": "会前准备"}),
    "sessions:place_cancel": session_managing({"coordinator_city": 302, "admin": 302},
                                              method="post", kwargs=PLACE_A),
    # check-in opens shortly before the start, not three days ahead
    "sessions:check_in_tick": session_managing({"coordinator_city": 409, "admin": 409},
                                               method="post", kwargs=PLACE_A),
    "sessions:check_in_untick": session_managing({"coordinator_city": 409, "admin": 409},
                                                 method="post", kwargs=PLACE_A,
                                                 data={"confirm": "1"}),
    "sessions:check_in_walk_in": session_managing(
        {"coordinator_city": 409, "admin": 409}, method="post",
        data=lambda w: {"entrepreneur": w.objects["person_b"].pk}),
    "sessions:check_in_add": session_managing(
        {"coordinator_city": 409, "admin": 409}, method="post",
        data=lambda w: {"name": "孙丁", "mobile": "13905728888", "enterprise_name": "孙记茶业",
                        "region": w.objects["session"].region_id}),
    # A already has a place; B takes one; officials do not register
    "sessions:register": Case(
        {**only({"entrepreneur_a": 409, "entrepreneur_b": 302}, others=403),
         "handler_y": 404, "coordinator_other_county": 404},
        kwargs=SESSION, method="post",
    ),
    "sessions:withdraw": Case(
        {**only({"entrepreneur_a": 302, "entrepreneur_b": 409}, others=403),
         "handler_y": 404, "coordinator_other_county": 404},
        kwargs=SESSION, method="post",
    ),
    # only attendees rate, once the session is held
    "sessions:rate": Case(
        {**only({}, others=403), "handler_y": 404, "coordinator_other_county": 404},
        kwargs=SESSION, method="post", data={"rating": 5},
    ),
    # Entrepreneurs: sign-up, verification, directory
    "entrepreneurs:signup": Case({**everyone(302), "anonymous": 200}),
    # step 2 without step 1 sends an anonymous visitor back to step 1
    "entrepreneurs:signup_enterprise": Case(everyone(302)),
    "entrepreneurs:list": Case(COORDINATORS_AND_ADMIN),
    "entrepreneurs:pending": Case(COORDINATORS_AND_ADMIN),
    # Importing a list: coordinators (their region's rows) and administrators; an "Import"
    # without a preview token is refused (400) and writes nothing.
    "entrepreneurs:import": Case(COORDINATORS_AND_ADMIN),
    "entrepreneurs:import_template": Case(COORDINATORS_AND_ADMIN),
    "entrepreneurs:import_confirm": Case(
        only({"coordinator_other_county": 400, "coordinator_city": 400, "admin": 400}),
        method="post"),
    "entrepreneurs:detail": Case(CITY_SCOPE_ONLY, kwargs=lambda w: {"pk": w.objects["pending"].pk}),
    "entrepreneurs:verify": Case(
        CITY_SCOPE_ACTION,
        kwargs=lambda w: {"pk": w.objects["pending"].pk},
        method="post", data={"decision": "refuse", "reason": "营业执照不清晰"},
    ),
    # Enterprises added at the door (the walk-in's, in Wuxing), and claiming an account by
    # the SMS link (anyone may open it; signed in, it says to log out first)
    "entrepreneurs:to_complete": Case(COORDINATORS_AND_ADMIN),
    "entrepreneurs:enterprise_complete": Case(
        CITY_SCOPE_ONLY, kwargs=lambda w: {"pk": w.objects["walk_in"].enterprise_id}),
    "entrepreneurs:enterprise_merge": Case(
        CITY_SCOPE_ACTION, kwargs=lambda w: {"pk": w.objects["walk_in"].enterprise_id},
        method="post",
        data=lambda w: {"credit_code": w.objects["person_a"].enterprise.credit_code}),
    "claim": Case(everyone(200),
                  kwargs=lambda w: {"token": claim_token_make(w.objects["walk_in"])}),
    # Official accounts (the official is handler X, in a city department)
    "officials:list": Case(COORDINATORS_AND_ADMIN),
    "officials:create": Case(COORDINATORS_AND_ADMIN),
    "officials:import": Case(only({"admin": 200})),
    "officials:import_template": Case(only({"admin": 200})),
    "officials:import_confirm": Case(only({"admin": 400}), method="post"),
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
    # The inbox: everyone's own messages (the one to open is entrepreneur A's)
    "notifications:inbox": Case(signed_in(200)),
    "notifications:open": Case(
        only({"entrepreneur_a": 302}, others=404),
        kwargs=lambda w: {"pk": w.users["entrepreneur_a"].notifications.create(
            key="matrix:inbox", channel="in_app", subject="您的问题已受理", url="/issues/").pk},
    ),
    "notifications:read_all": Case(signed_in(302), method="post"),
    # The DingTalk setting: officials only (issue 17, channels).
    "notifications:settings": Case(only({"handler_x": 200, "handler_y": 200,
                                         "coordinator_other_county": 200,
                                         "coordinator_city": 200})),
    # The working-day calendar: one for the whole country, so every coordinator keeps it.
    "calendar:index": Case(COORDINATORS_AND_ADMIN),
    "calendar:set": Case(
        only({"coordinator_other_county": 302, "coordinator_city": 302, "admin": 302}),
        method="post", data={"day": "2027-10-08", "status": "off", "note": "国庆节"},
    ),
    "calendar:delete": Case(
        only({"coordinator_other_county": 302, "coordinator_city": 302, "admin": 302}),
        kwargs=lambda w: {"day": "2027-10-08"}, method="post",
    ),
    # The dashboard: coordinators (the other county's sees its county) and administrators;
    # entrepreneurs and handlers are told it is for leaders and coordinators.
    "dashboard:index": Case(COORDINATORS_AND_ADMIN),
    "dashboard:ranking": Case(COORDINATORS_AND_ADMIN),
    "dashboard:overdue": Case(COORDINATORS_AND_ADMIN),
    "dashboard:bulletin": Case(COORDINATORS_AND_ADMIN),
    "dashboard:export_issues": Case(COORDINATORS_AND_ADMIN, kwargs=lambda w: {"fmt": "xlsx"}),
    "dashboard:export_ranking": Case(COORDINATORS_AND_ADMIN, kwargs=lambda w: {"fmt": "csv"}),
    # The programme's figures, for everyone (no names, no issue texts)
    "public_figures": Case(everyone(200)),
    # The short links SMS texts carry: a 302 to the page for everyone (its own rules apply)
    "short_issue": Case(everyone(302), kwargs=ISSUE),
    "short_session": Case(everyone(302), kwargs=SESSION),
    # The REST API (docs/api.md). Its answers are problem+json: 401 without a token or a
    # session, 404 outside the caller's scope, 403 for a role that may not. An action on
    # an issue the caller sees but without If-Match is 428 (Precondition Required).
    "api:schema": Case(everyone(200)),
    "api:docs": Case(everyone(200)),
    "api:tokens": Case(signed_in(200)),
    "api:token_revoke": Case(signed_in(404), kwargs=lambda w: {"pk": 999999}),
    "api:unknown": Case(everyone(404)),
    "api:v1:token-list": Case(API_SIGNED_IN),
    "api:v1:token-detail": Case(signed_in(404, anonymous=401), kwargs=lambda w: {"pk": 999999},
                                method="delete"),
    "api:v1:issue-list": Case(API_SIGNED_IN),
    "api:v1:issue-detail": Case(API_ISSUE_SEEN, kwargs=ISSUE),
    "api:v1:issue-accept": Case(API_ISSUE_ACTION, kwargs=ISSUE, method="post"),
    "api:v1:issue-add-material": Case(API_ISSUE_ACTION, kwargs=ISSUE, method="post"),
    "api:v1:issue-answer": Case(API_ISSUE_ACTION, kwargs=ISSUE, method="post"),
    "api:v1:issue-approve-answer": Case(API_ISSUE_ACTION, kwargs=ISSUE, method="post"),
    "api:v1:issue-close": Case(API_ISSUE_ACTION, kwargs=ISSUE, method="post"),
    "api:v1:issue-decide-extension": Case(API_ISSUE_ACTION, kwargs=ISSUE, method="post"),
    "api:v1:issue-dispatch": Case(API_ISSUE_ACTION, kwargs=ISSUE, method="post"),
    "api:v1:issue-mark-duplicate": Case(API_ISSUE_ACTION, kwargs=ISSUE, method="post"),
    "api:v1:issue-note": Case(API_ISSUE_ACTION, kwargs=ISSUE, method="post"),
    "api:v1:issue-rate": Case(API_ISSUE_ACTION, kwargs=ISSUE, method="post"),
    "api:v1:issue-reject": Case(API_ISSUE_ACTION, kwargs=ISSUE, method="post"),
    "api:v1:issue-request-extension": Case(API_ISSUE_ACTION, kwargs=ISSUE, method="post"),
    "api:v1:issue-return": Case(API_ISSUE_ACTION, kwargs=ISSUE, method="post"),
    "api:v1:issue-send-back-answer": Case(API_ISSUE_ACTION, kwargs=ISSUE, method="post"),
    "api:v1:issue-withdraw": Case(API_ISSUE_ACTION, kwargs=ISSUE, method="post"),
    "api:v1:category-list": Case(API_SIGNED_IN),
    "api:v1:department-list": Case(API_SIGNED_IN),
    "api:v1:region-list": Case(API_SIGNED_IN),
    "api:v1:session-list": Case(API_SIGNED_IN),
    "api:v1:session-detail": Case({**SESSION_SEEN, "anonymous": 401}, kwargs=SESSION),
    # Entrepreneur A has a place already (409); B takes one; officials who see it may not.
    "api:v1:session-registration": Case(
        {**SESSION_SEEN, "anonymous": 401, "entrepreneur_a": 409, "entrepreneur_b": 201,
         "handler_x": 403, "coordinator_city": 403, "admin": 403},
        kwargs=SESSION, method="post"),
    "api:v1:notification-list": Case(API_SIGNED_IN),
    # Someone else's message, or none: 404 for everyone signed in.
    "api:v1:notification-read": Case(signed_in(404, anonymous=401),
                                     kwargs=lambda w: {"pk": 999999}, method="post"),
    # The dashboard's own rule: coordinators, leaders and administrators.
    "api:v1:figures": Case(only({"coordinator_other_county": 200, "coordinator_city": 200,
                                 "admin": 200}, others=403) | {"anonymous": 401}),
    # Open311 GeoReport v2 (docs/api-open311.md): answers by its api_key, never by the
    # session, so every signed-in actor gets what an anonymous caller gets.
    "open311:root": Case(everyone(404)),
    "open311:other": Case(everyone(404), kwargs=lambda w: {"rest": "nothing.json"}),
    "open311:discovery": Case(everyone(200), kwargs=lambda w: {"fmt": "json"}),
    "open311:services": Case(everyone(200), kwargs=lambda w: {"fmt": "xml"}),
    "open311:service": Case(everyone(200), kwargs=lambda w: {
        "service_code": w.objects["issue"].category.code, "fmt": "json"}),
    "open311:requests": Case(everyone(200), kwargs=lambda w: {"fmt": "json"}),
    "open311:request": Case(everyone(200), kwargs=lambda w: {
        "service_request_id": w.objects["issue"].reference, "fmt": "xml"}),
    "open311:token": Case(everyone(200), kwargs=lambda w: {
        "token_id": w.objects["issue"].reference, "fmt": "json"}),
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
    data = case.data(world) if callable(case.data) else case.data
    response = getattr(client, case.method)(url, data)
    expected = case.expected[actor]
    assert response.status_code == expected, f"{actor} {case.method.upper()} {url}"
    if expected == 302 and actor == "anonymous" and name not in NOT_LOGIN_REDIRECTS:
        assert response.url.startswith(reverse("login")), response.url
    if expected == 403:
        if response["Content-Type"].startswith("application/problem+json"):  # the API
            reason = response.json().get("detail")
        else:
            reason = response.context.get("exception") if response.context else None
        assert reason, f"{url} refused {actor} without saying why"


#: Anonymous redirects that go somewhere other than the log-in page.
NOT_LOGIN_REDIRECTS = {"set_language", "logout", "short_issue", "short_session",
                       "rating_link:thanks", "entrepreneurs:signup_enterprise"}


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
