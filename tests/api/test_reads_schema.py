"""The read endpoints against their own OpenAPI description, driven by Schemathesis: for
each caller, generated queries get no 5xx, only documented status codes and content types,
bodies and headers valid against the schema, and refused bad data."""

import json

import pytest
import schemathesis
from django.conf import settings
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings

from tests.api.reads_world import reads_world

pytestmark = pytest.mark.django_db

CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
    schemathesis.checks.response_headers_conformance,
    schemathesis.checks.negative_data_rejection,
]


@pytest.fixture
def app():
    """The project's WSGI application, called in the test's transaction: as Django's test
    client does, the connection is not closed at the end of each request."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def read_operations():
    """The GET operations of /api/v1/ as the schema describes them."""
    raw = SchemaGenerator().get_schema(request=None, public=True)
    schema = schemathesis.openapi.from_dict(json.loads(json.dumps(raw, default=str)))
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.method.upper() == "GET":
            yield operation


@pytest.mark.parametrize("who", ["coordinator", "entrepreneur", "handler"])
def test_generated_reads_keep_to_the_schema(app, who):
    world = reads_world()
    client = Client()
    client.force_login(world.users[who])
    cookies = {settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value}
    for operation in read_operations():

        @given(case=operation.as_strategy())
        @hypothesis_settings(max_examples=25, deadline=None, database=None,
                             suppress_health_check=list(HealthCheck))
        def call(case):
            case.cookies = {**(case.cookies or {}), **cookies}
            case.validate_response(case.call(app=app), checks=CHECKS)

        call()
