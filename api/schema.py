"""The OpenAPI schema's shared parts: the problem+json error body on every operation.

``problem_responses`` is a drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS): it
declares the ``Problem`` component (RFC 9457, api/problems.py) and documents it as each
operation's ``default`` response, so that clients, the reference page and the fuzz
(tests/api/test_schema_fuzz.py) know what an error looks like.
"""

from drf_spectacular.utils import OpenApiResponse

from api.problems import PROBLEM_BASE, PROBLEM_CONTENT_TYPE, PROBLEM_TYPES

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "An error, as RFC 9457 describes (application/problem+json).",
    "properties": {
        "type": {
            "type": "string",
            "description": "What went wrong, as a stable URI: "
                           + ", ".join(f"{PROBLEM_BASE}{name}" for name in PROBLEM_TYPES)
                           + " or about:blank.",
        },
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "object",
            "description": "For a validation error: each field's messages.",
            "additionalProperties": True,
        },
        "retry_after": {"type": "integer", "description": "When throttled: seconds to wait."},
    },
    "required": ["type", "title", "status", "detail"],
}


def problem(description) -> OpenApiResponse:
    """An error response an endpoint names in its ``extend_schema`` (``{409: problem(...)}``):
    its body is the Problem, filled in by ``problem_responses``."""
    return OpenApiResponse(description=description)


def problem_responses(result, generator, request, public):
    """Add the Problem component and each operation's ``default`` error response; every
    4xx and 5xx response an endpoint names carries the Problem as its body."""
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    reference = {"$ref": "#/components/schemas/Problem"}
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for status, response in operation["responses"].items():
                if status[:1] in "45":
                    response["content"] = {PROBLEM_CONTENT_TYPE: {"schema": reference}}
            operation["responses"].setdefault("default", {
                "description": "An error (application/problem+json).",
                "content": {PROBLEM_CONTENT_TYPE: {"schema": reference}},
            })
    return result
