"""Every API error is an RFC 9457 problem (application/problem+json), with a stable type."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from api.problems import (
    PROBLEM_TYPES,
    PreconditionRequired,
    problem_exception_handler,
)
from issues.policy import ActionNotAllowed, StaleIssue, WorkflowError, WrongState
from tests.api.conftest import assert_problem, bearer

TOKENS = "/api/v1/tokens/"


@pytest.fixture
def signed(api, world, coordinator_token):
    return bearer(api, coordinator_token[1])


def test_malformed_json_is_a_400_problem_not_a_500(signed):
    response = signed.post(TOKENS, data='{"name": "x",', content_type="application/json")
    assert_problem(response, 400, "malformed")


def test_a_validation_error_names_each_field(signed):
    body = assert_problem(signed.post(TOKENS, {}, format="json"), 400, "validation")
    assert list(body["errors"]) == ["name"]
    assert isinstance(body["errors"]["name"], list)


def test_a_body_that_is_not_an_object_is_a_400(signed):
    body = assert_problem(signed.post(TOKENS, [1, 2], format="json"), 400, "validation")
    assert body["errors"]


def test_an_unknown_id_is_a_404_problem(signed):
    assert_problem(signed.delete(f"{TOKENS}999999/"), 404, "not-found")
    assert_problem(signed.delete(f"{TOKENS}99999999999999999999999/"), 404, "not-found")


def test_a_method_not_allowed_is_a_405_problem(signed):
    response = signed.put(TOKENS, {}, format="json")
    assert_problem(response, 405, "method-not-allowed")
    assert "GET" in response["Allow"]


def test_an_unacceptable_accept_is_a_406_problem(signed):
    assert_problem(signed.get(TOKENS, HTTP_ACCEPT="text/html"), 406, "not-acceptable")


def test_an_unsupported_body_is_a_415_problem(signed):
    response = signed.post(TOKENS, data="name=x", content_type="application/x-www-form-urlencoded")
    assert_problem(response, 415, "unsupported-media-type")


def test_the_detail_follows_the_callers_language(signed):
    english = signed.get(TOKENS, HTTP_ACCEPT="text/html", HTTP_ACCEPT_LANGUAGE="en").json()
    chinese = signed.get(TOKENS, HTTP_ACCEPT="text/html",
                         HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert english["type"] == chinese["type"]
    assert english["title"] != chinese["title"]


# --- What services and the workflow raise ---------------------------------------------------


def _handled(exc):
    request = Request(APIRequestFactory().post("/api/v1/issues/7/accept/"))
    response = problem_exception_handler(exc, {"request": request, "view": None})
    response.render = None
    return response


@pytest.mark.parametrize(("exc", "status", "type_name"), [
    (ActionNotAllowed("Only the lead department may accept."), 403, "action-not-allowed"),
    (WrongState("The issue is closed."), 409, "wrong-state"),
    (StaleIssue("Changed meanwhile."), 412, "stale"),
    (WorkflowError("No reason given."), 400, "refused"),
    (PreconditionRequired(), 428, "precondition-required"),
    (Http404("no such issue"), 404, "not-found"),
    (PermissionDenied("Only coordinators may dispatch."), 403, "permission-denied"),
])
def test_domain_errors_become_problems(db, exc, status, type_name):
    response = _handled(exc)
    assert response.status_code == status
    assert response.content_type == "application/problem+json"
    body = response.data
    assert body["type"] == f"https://huzhou-talks/problems/{type_name}"
    assert body["status"] == status and body["instance"] == "/api/v1/issues/7/accept/"
    if isinstance(exc, (WorkflowError, PermissionDenied)):
        assert body["detail"] == str(exc)
    assert "no such issue" not in body["detail"]  # a 404 says nothing of what was looked for


def test_a_services_validation_error_is_a_400_with_its_fields(db):
    response = _handled(ValidationError({"mobile": ["Another official has it."]}))
    assert response.status_code == 400
    assert response.data["errors"] == {"mobile": ["Another official has it."]}
    plain = _handled(ValidationError("Closed for the day."))
    assert plain.data["errors"] == {"non_field_errors": ["Closed for the day."]}


def test_an_unexpected_error_is_left_to_django(db):
    request = Request(APIRequestFactory().get("/api/v1/x/"))
    assert problem_exception_handler(RuntimeError("bug"), {"request": request}) is None


def test_every_type_has_a_title_and_an_error_status():
    assert all(400 <= status < 500 and title for status, title in PROBLEM_TYPES.values())


@pytest.mark.parametrize("path", ["/api/v1/nothing-here/", f"{TOKENS}2.5/", "/api/v1/tokens"])
def test_an_unknown_address_under_v1_is_a_404_problem(api, db, path):
    assert_problem(api.get(path), 404, "not-found")
    assert_problem(api.post(path, {}, format="json"), 404, "not-found")


def test_an_id_that_is_not_a_number_is_a_404_problem(signed):
    assert_problem(signed.delete(f"{TOKENS}abc/"), 404, "not-found")
