"""The workflow's actions as POST endpoints: ``/api/v1/issues/{reference}/{action}/``.

Each endpoint runs the page's own form for the action (``issues.forms.ACTION_FORMS``, so the
rules are the same: required reasons, the days one may ask for, the departments one may
dispatch to) on the checked JSON body, then the SAME workflow function the page calls,
which decides under the issue's row lock.

Optimistic concurrency: every action needs ``If-Match`` with the issue's ``ETag``
(``"<version>"``): without it 428, with another version 412 (with the current ``ETag``).
The answer is the issue's new state with its new ``ETag``.

Order of the checks: the issue must be in the caller's scope (404), ``If-Match`` must be
sent (428) and current (412), the caller's part and the issue's state must allow the action
(403, 409, with the policy's reason), the body must be valid (400); then the workflow.
"""

import re

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from api.problems import PreconditionFailed, PreconditionRequired
from api.schema import problem
from api.v1.action_serializers import (
    AddMaterialRequestSerializer,
    DecideExtensionRequestSerializer,
    DispatchRequestSerializer,
    EmptyRequestSerializer,
    IssueStateSerializer,
    MarkDuplicateRequestSerializer,
    NoteRequestSerializer,
    OptionalNoteRequestSerializer,
    RateRequestSerializer,
    ReasonRequestSerializer,
    RequestExtensionRequestSerializer,
    RequiredNoteRequestSerializer,
    ResolveRequestSerializer,
)
from issues import workflow
from issues.forms import ACTION_FORMS
from issues.models import Issue
from issues.visibility import issue_for_user
from issues.workflow import Action, Party, StaleIssue

NOT_FOUND = _("No issue with this reference is open to you.")
IF_MATCH_MISSING = _("Send the If-Match header with the issue's ETag (its version in double "
                     "quotes, e.g. \"3\"), as read from the issue, so that a change made in "
                     "the meantime is not overwritten.")
IF_MATCH_STALE = _("The issue has changed since you read it: its current ETag is %(etag)s. "
                   "Read it again, check it, and send the action with the current ETag.")


class StaleVersion(PreconditionFailed):
    """412 with the issue's current version; the view sends it as the ``ETag`` too."""

    def __init__(self, *, etag: str):
        super().__init__(IF_MATCH_STALE % {"etag": etag})
        self.etag = etag


def etag_of(version: int) -> str:
    return f'"{version}"'


def issue_api_url(request, reference: str) -> str:
    """The issue's address in the API (``/api/v1/issues/<reference>/``)."""
    return request.build_absolute_uri(f"{reverse('api:v1:issue-list')}{reference}/")


def issue_state_response(request, issue: Issue, *, status_code: int = 200,
                         headers: dict | None = None) -> Response:
    body = IssueStateSerializer({
        "reference": issue.reference, "status": issue.status, "version": issue.version,
        "url": issue_api_url(request, issue.reference),
    }).data
    response = Response(body, status=status_code, headers=headers)
    response["ETag"] = etag_of(issue.version)
    return response


def form_errors(form) -> ValidationError:
    return ValidationError({
        ("non_field_errors" if field == "__all__" else field): [str(message) for message in errors]
        for field, errors in form.errors.items()})


_ETAG = re.compile(r'^"(\d{1,12})"$')


def if_match_version(request, issue: Issue) -> int:
    """The version named by ``If-Match`` when it is the issue's current one; 428 when the
    header is missing, 412 when no tag in it is current."""
    header = request.headers.get("If-Match")
    if header is None or not header.strip():
        raise PreconditionRequired(IF_MATCH_MISSING)
    for tag in header.split(","):
        found = _ETAG.match(tag.strip())
        if found and int(found.group(1)) == issue.version:
            return issue.version
    raise StaleVersion(etag=etag_of(issue.version))


class IssueActionView(GenericAPIView):
    """One workflow action on one issue (subclasses set ``action`` and the serializer)."""

    action_name: Action
    serializer_class = EmptyRequestSerializer

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        if isinstance(exc, StaleVersion):
            response["ETag"] = exc.etag
        return response

    def _issue(self, reference: str) -> Issue:
        try:
            return issue_for_user(user=self.request.user, reference=reference)
        except Issue.DoesNotExist:
            raise NotFound(NOT_FOUND) from None

    def form_data(self, data: dict, *, issue: Issue) -> dict:
        """The page form's data from the checked body."""
        return dict(data)

    def form_kwargs(self, *, issue: Issue) -> dict:
        return {}

    def post(self, request, reference: str):
        user = request.user
        issue = self._issue(reference)
        version = if_match_version(request, issue)
        refusal = workflow.action_refusal(user=user, action=self.action_name, issue=issue)
        if refusal is not None:
            raise refusal  # 403 or 409, with the policy's reason (api.problems)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = {**self.form_data(serializer.validated_data, issue=issue), "version": version}
        form = ACTION_FORMS[self.action_name](data, issue=issue, user=user,
                                              **self.form_kwargs(issue=issue))
        if not form.is_valid():
            raise form_errors(form)
        # The workflow's other refusals become problems in api.problems.
        try:
            workflow.ACTION_FUNCTIONS[self.action_name](
                actor=user, issue=issue, version=version, **form.arguments())
        except StaleIssue:
            raise StaleVersion(etag=etag_of(_current_version(issue))) from None
        issue.refresh_from_db(fields=["status", "version"])
        return issue_state_response(request, issue)


def _current_version(issue: Issue) -> int:
    return Issue.objects.values_list("version", flat=True).get(pk=issue.pk)


class DispatchView(IssueActionView):
    action_name = Action.DISPATCH
    serializer_class = DispatchRequestSerializer

    def form_data(self, data, *, issue):
        return {"lead_department": data["lead_department"],
                "assisting": data.get("assisting") or [],
                "assisting_days": data.get("assisting_days"), "note": data.get("note", "")}


class NoteView(IssueActionView):
    action_name = Action.NOTE
    serializer_class = NoteRequestSerializer

    def form_data(self, data, *, issue):
        is_public = data.get("is_public")
        if is_public is None:  # the page's default: public for a department's note
            parties = workflow.parties_of(user=self.request.user, issue=issue)
            is_public = bool(parties & {Party.LEAD_DEPARTMENT, Party.ASSISTING_DEPARTMENT})
        return {"message": data["message"], "is_public": is_public}


class WithdrawView(IssueActionView):
    action_name = Action.WITHDRAW
    serializer_class = ReasonRequestSerializer

    def form_data(self, data, *, issue):
        # The page's tick box confirms; a POST to this endpoint is the confirmation.
        return {"reason": data["reason"], "confirm": True}


IF_MATCH = OpenApiParameter(
    "If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=True,
    description=_("The issue's ETag as last read (its version in double quotes, e.g. "
                  "\"3\"). Missing: 428; not current: 412."),
)
REFERENCE = OpenApiParameter(
    "reference", {"type": "string", "pattern": "^[A-Za-z0-9-]{1,20}$"}, OpenApiParameter.PATH,
    description=_("The issue's reference, e.g. HZ-2026-000123."),
)


ACTION_RESPONSES = {
    200: OpenApiResponse(IssueStateSerializer,
                         description=_("Done: the issue's new state; the ETag header carries "
                                       "its new version.")),
    400: problem(_("The body is malformed, has unknown fields or values the action does "
                    "not accept.")),
    403: problem(_("The caller's part in the issue does not allow the action.")),
    404: problem(_("No issue with this reference is open to the caller.")),
    409: problem(_("The issue's state does not allow the action.")),
    412: problem(_("If-Match does not name the issue's current version (the ETag header "
                    "gives it).")),
    428: problem(_("If-Match is missing.")),
}


ACTION_DESCRIPTION = _(
    "Runs the same workflow step as the issue page, with the same rules. Needs If-Match with "
    "the issue's current ETag. Answers the issue's new state and its new ETag.")


def _action_view(action: Action, serializer, summary, *, base=IssueActionView):
    """The view of one action, with its schema."""
    def post(self, request, reference: str):
        return base.post(self, request, reference)

    view = type(f"{action.value.title().replace('_', '')}ActionView", (base,), {
        "action_name": action, "serializer_class": serializer,
        "__doc__": None, "post": post,
    })
    view.post = extend_schema(
        operation_id=f"issues_{action.value}", summary=summary, description=ACTION_DESCRIPTION,
        tags=["issue actions"],
        request=serializer, responses=ACTION_RESPONSES, parameters=[REFERENCE, IF_MATCH],
    )(view.post)
    return view


#: URL segment → view, one per action (``api.v1.action_urls``).
ACTION_VIEWS = {
    "dispatch": _action_view(Action.DISPATCH, DispatchRequestSerializer,
                             _("Dispatch to a lead department (and assisting ones)"),
                             base=DispatchView),
    "accept": _action_view(Action.ACCEPT, EmptyRequestSerializer, _("Accept the issue")),
    "return": _action_view(Action.RETURN, ReasonRequestSerializer,
                           _("Return the issue to the coordinators as misrouted")),
    "note": _action_view(Action.NOTE, NoteRequestSerializer, _("Record a progress note"),
                         base=NoteView),
    "request-extension": _action_view(Action.REQUEST_EXTENSION,
                                      RequestExtensionRequestSerializer,
                                      _("Ask for more working days")),
    "decide-extension": _action_view(Action.DECIDE_EXTENSION,
                                     DecideExtensionRequestSerializer,
                                     _("Grant or refuse the pending request for more time")),
    "answer": _action_view(Action.RESOLVE, ResolveRequestSerializer,
                           _("Answer the entrepreneur (resolve); text only")),
    "approve-answer": _action_view(Action.APPROVE_ANSWER, OptionalNoteRequestSerializer,
                                   _("Sign off the answer waiting for it")),
    "send-back-answer": _action_view(Action.SEND_BACK_ANSWER, RequiredNoteRequestSerializer,
                                     _("Send the answer waiting for sign-off back")),
    "reject": _action_view(Action.REJECT, ReasonRequestSerializer,
                           _("Reject the issue as out of scope")),
    "mark-duplicate": _action_view(Action.MARK_DUPLICATE, MarkDuplicateRequestSerializer,
                                   _("Mark the issue as a duplicate of another")),
    "rate": _action_view(Action.RATE, RateRequestSerializer, _("Rate the answer")),
    "close": _action_view(Action.CLOSE, RequiredNoteRequestSerializer,
                          _("Close the issue after the coordinators' review")),
    "withdraw": _action_view(Action.WITHDRAW, ReasonRequestSerializer,
                             _("Withdraw the issue before it is dispatched"),
                             base=WithdrawView),
    "add-material": _action_view(Action.ADD_MATERIAL, AddMaterialRequestSerializer,
                                 _("Add material (text) to an open issue")),
}
