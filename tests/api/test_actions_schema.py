"""A schema-driven fuzz of the API's writes (Schemathesis over drf-spectacular's schema):
whatever the body, headers and path, no 5xx, and every answer is one the schema
declares, with the declared shape. (Not checked: that every schema-valid body is accepted;
a category id that does not exist is schema-valid and rightly refused.)

The caller is a county coordinator signed in by session (CSRF is left out here: the
fuzz sends no token; the site's pages keep it); half the cases aim at a real issue of their
county with its current ETag, so that the bodies reach the forms and the workflow."""

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.authentication import SessionAuthentication
from rest_framework.views import APIView
from schemathesis.specs.openapi.checks import ignored_auth, positive_data_acceptance

from tests.api import actions_world
from tests.helpers import fresh
from tests.issues.workflow_steps import submitted

pytestmark = pytest.mark.django_db

world = actions_world.world
WRITES = ("/api/v1/issues/", "/api/v1/sessions/")


class SessionWithoutCsrf(SessionAuthentication):
    def enforce_csrf(self, request):
        return None


def _schema():
    raw = SchemaGenerator().get_schema(request=None, public=True)
    raw["paths"] = {path: item for path, item in raw["paths"].items()
                    if path.startswith(WRITES)}
    return schemathesis.openapi.from_dict(raw)


def _fuzz(operation, *, app, cookies, issue):
    @settings(max_examples=15, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(), aim=st.booleans())
    def fuzz(case, aim):
        if aim and "reference" in (case.path_parameters or {}):
            case.path_parameters = {**case.path_parameters, "reference": issue.reference}
            case.headers = {**(case.headers or {}), "If-Match": f'"{fresh(issue).version}"'}
        case.call_and_validate(app=app, cookies=cookies, excluded_checks=[
            positive_data_acceptance, ignored_auth])

    return fuzz


@pytest.fixture
def connections_kept():
    """As Django's test client does: a request's end must not close the test's connection."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.mark.usefixtures("connections_kept")
def test_no_write_gives_a_5xx_or_an_answer_outside_the_schema(world, monkeypatch):
    schema = _schema()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 17
    monkeypatch.setattr(APIView, "authentication_classes", [SessionWithoutCsrf])
    client = Client()
    client.force_login(world.users["coordinator"])
    cookies = {"sessionid": client.cookies["sessionid"].value}
    issue = submitted(world)
    for operation in operations:
        _fuzz(operation, app=WSGIHandler(), cookies=cookies, issue=issue)()
