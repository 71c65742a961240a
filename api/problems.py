"""Every API error as ``application/problem+json`` (RFC 9457).

The body reads ``{"type", "title", "status", "detail", "instance"}``; a validation error adds
``errors`` (field → messages), a throttled request ``retry_after`` (seconds, as the
``Retry-After`` header). ``type`` is one of the stable URIs of ``PROBLEM_TYPES`` (listed in
docs/api.md): an integrator may branch on it, never on ``title`` or ``detail``, which are
written for people, in the caller's language.

Views and the actions helper need not catch anything: DRF's exceptions, Django's ``Http404``,
``PermissionDenied`` and ``ValidationError`` (from services) and the workflow's refusals
(``issues.policy``: ``ActionNotAllowed`` → 403, ``WrongState`` → 409, ``StaleIssue`` → 412,
any other ``WorkflowError`` → 400) all end here.
"""

import math

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.serializers import as_serializer_error
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler

from issues.policy import ActionNotAllowed, StaleIssue, WorkflowError, WrongState

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_BASE = "https://huzhou-talks/problems/"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The issue is not in a state that allows this.")
    default_code = "wrong_state"


class PreconditionFailed(exceptions.APIException):
    """412: the ``If-Match`` version is not the resource's current one."""

    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = _("The issue has changed since you read it. Read it again, then retry.")
    default_code = "stale"


class PreconditionRequired(exceptions.APIException):
    """428: a change that needs ``If-Match`` came without it."""

    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = _("Send the If-Match header with the ETag of the version you read.")
    default_code = "precondition_required"


#: The problem types: name → (status, title). Their URI is PROBLEM_BASE + name.
PROBLEM_TYPES = {
    "validation": (400, _("Your request has problems")),
    "malformed": (400, _("The request body could not be read")),
    "refused": (400, _("The action was refused")),
    "not-authenticated": (401, _("Authentication needed")),
    "invalid-token": (401, _("The token is not valid")),
    "permission-denied": (403, _("Not allowed")),
    "read-only-token": (403, _("This token may only read")),
    "action-not-allowed": (403, _("You may not do this")),
    "not-found": (404, _("Not found")),
    "method-not-allowed": (405, _("Method not allowed")),
    "not-acceptable": (406, _("No acceptable representation")),
    "wrong-state": (409, _("Not in this state")),
    "stale": (412, _("Changed since you read it")),
    "unsupported-media-type": (415, _("Unsupported media type")),
    "precondition-required": (428, _("If-Match needed")),
    "throttled": (429, _("Too many requests")),
}


def problem_type(name: str) -> str:
    return f"{PROBLEM_BASE}{name}"


def _as_api_exception(exc):
    """The DRF exception to answer ``exc`` with, or None for an unexpected error (a 500)."""
    if isinstance(exc, StaleIssue):
        return PreconditionFailed(exc.message)
    if isinstance(exc, ActionNotAllowed):
        return exceptions.PermissionDenied(exc.message, code="action_not_allowed")
    if isinstance(exc, WrongState):
        return Conflict(exc.message)
    if isinstance(exc, WorkflowError):
        return exceptions.ValidationError({api_settings.NON_FIELD_ERRORS_KEY: [exc.message]},
                                          code="refused")
    if isinstance(exc, DjangoValidationError):
        errors = as_serializer_error(exc)
        if NON_FIELD_ERRORS in errors:  # a model's or service's "__all__", named as DRF's
            errors[api_settings.NON_FIELD_ERRORS_KEY] = errors.pop(NON_FIELD_ERRORS)
        return exceptions.ValidationError(errors)
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(*[arg for arg in exc.args if arg][:1])
    if isinstance(exc, exceptions.APIException):
        return exc
    return None


def _type_name(exc: exceptions.APIException) -> str:
    codes = exc.get_codes() if not isinstance(exc, exceptions.ValidationError) else None
    if isinstance(exc, exceptions.ParseError):
        return "malformed"
    if isinstance(exc, exceptions.ValidationError):
        return "refused" if _only_code(exc, "refused") else "validation"
    if isinstance(exc, exceptions.AuthenticationFailed):
        return "invalid-token"
    if isinstance(exc, exceptions.NotAuthenticated):
        return "not-authenticated"
    if isinstance(exc, exceptions.PermissionDenied):
        return {"read_only_token": "read-only-token",
                "action_not_allowed": "action-not-allowed"}.get(codes, "permission-denied")
    by_class = {
        exceptions.NotFound: "not-found", exceptions.MethodNotAllowed: "method-not-allowed",
        exceptions.NotAcceptable: "not-acceptable", Conflict: "wrong-state",
        PreconditionFailed: "stale", exceptions.UnsupportedMediaType: "unsupported-media-type",
        PreconditionRequired: "precondition-required", exceptions.Throttled: "throttled",
    }
    for klass, name in by_class.items():
        if isinstance(exc, klass):
            return name
    return ""


def _only_code(exc: exceptions.ValidationError, code: str) -> bool:
    codes = exc.get_codes()
    values = codes.values() if isinstance(codes, dict) else [codes]
    flat = [item for value in values for item in (value if isinstance(value, list) else [value])]
    return bool(flat) and all(item == code for item in flat)


def _errors(detail) -> dict:
    if isinstance(detail, dict):
        return detail
    return {api_settings.NON_FIELD_ERRORS_KEY: detail if isinstance(detail, list) else [detail]}


def _first_message(errors: dict) -> str:
    for messages in errors.values():
        while isinstance(messages, (list, dict)) and messages:
            messages = messages[0] if isinstance(messages, list) else next(iter(messages.values()))
        if messages:
            return str(messages)
    return ""


def problem_exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: DRF's own answer (headers such as ``WWW-Authenticate`` and
    ``Retry-After``, the transaction rolled back), its body rewritten as a problem."""
    api_exc = _as_api_exception(exc)
    if api_exc is None:
        return None
    response = exception_handler(api_exc, context)
    if response is None:
        return None
    name = _type_name(api_exc)
    if name:
        title = PROBLEM_TYPES[name][1]
        type_uri = problem_type(name)
    else:
        title = response.reason_phrase
        type_uri = "about:blank"
    request = context.get("request")
    body = {"type": type_uri, "title": str(title), "status": response.status_code}
    if isinstance(api_exc, exceptions.ValidationError):
        errors = _errors(api_exc.detail)
        if name == "refused":
            body["detail"] = _first_message(errors)
        else:
            count = sum(len(value) if isinstance(value, list) else 1 for value in errors.values())
            body["detail"] = str(_("Your request has %(count)d problem(s): see “errors”.")
                                 % {"count": count})
        body["errors"] = errors
    else:
        body["detail"] = str(api_exc.detail)
    body["instance"] = request.path if request is not None else ""
    if isinstance(api_exc, exceptions.Throttled) and api_exc.wait is not None:
        # Whole seconds, at least one: DRF would round 0.4 s down to "Retry-After: 0".
        wait = max(1, math.ceil(api_exc.wait))
        response.headers["Retry-After"] = str(wait)
        body["retry_after"] = wait
    response.data = body
    response.content_type = PROBLEM_CONTENT_TYPE
    return response
