"""The schema-driven fuzz of the API (issue 17, "Done when"): every operation the schema at
/api/schema/ lists, the ones other parts add later included, is called with examples
Schemathesis draws from the schema, as a coordinator's read-write token and as an
entrepreneur's. No answer may be a 5xx, and every answer must match the schema: its status
documented (errors as the ``default`` problem+json response), its content type and its body.

Bounded (MAX_EXAMPLES per operation and mode), and derandomised so that CI runs the same examples
every time.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.models import ApiToken
from huzhou_talks.wsgi import application
from tests.factories import IssueFactory

#: Examples per operation: valid requests, and requests the schema says are wrong.
MAX_EXAMPLES = {GenerationMode.POSITIVE: 15, GenerationMode.NEGATIVE: 10}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


@pytest.fixture
def fuzz_world(world, coordinator_token, entrepreneur_token):
    """The small world, an issue of the entrepreneur's, and the two callers' headers."""
    IssueFactory(category=world.category, enterprise=world.person.enterprise,
                 entrepreneur=world.person)
    world.callers = {
        "coordinator": {"Authorization": f"Bearer {coordinator_token[1]}"},
        "entrepreneur": {"Authorization": f"Bearer {entrepreneur_token[1]}"},
    }
    world.fuzz_token_ids = [coordinator_token[0].pk, entrepreneur_token[0].pk]
    return world


@pytest.fixture
def connection_kept():
    """Calls go to the WSGI application itself, which closes the database connection after
    each request (and with it the test's transaction): not here, as Django's test client
    does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _operations():
    """Every operation of the schema the running application serves."""
    loaded = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    return [result.ok() for result in loaded.get_all_operations()]


def _fuzz(operation, mode: GenerationMode, callers: dict, token_ids: list) -> None:
    @given(case=operation.as_strategy(mode))
    @settings(max_examples=MAX_EXAMPLES[mode], deadline=None, derandomize=True,
              database=None, suppress_health_check=list(HealthCheck))
    def call(case):
        for headers in callers.values():
            # A generated DELETE may revoke a caller's own token: give it back.
            ApiToken.objects.filter(pk__in=token_ids).update(revoked_at=None)
            case.call_and_validate(headers=headers, checks=CHECKS)

    call()


@pytest.mark.usefixtures("connection_kept")
def test_the_api_answers_every_call_as_its_schema_says(fuzz_world):
    operations = _operations()
    assert operations, "the schema lists no operation"
    for operation in operations:
        for mode in MAX_EXAMPLES:
            try:
                _fuzz(operation, mode, fuzz_world.callers, fuzz_world.fuzz_token_ids)
            except Exception as failure:
                raise AssertionError(f"{operation.label} ({mode.value}): {failure}") from failure
