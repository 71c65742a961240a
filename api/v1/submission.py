"""Submitting an issue through the API: ``POST /api/v1/issues/``.

``IssueSubmitMixin`` provides ``post()``; the issues collection (a list view of its own)
mixes it in. The body is checked by a serializer (types, unknown fields), then by the page's
own form (``issues.forms.IssueSubmitForm``: lengths, the category, where a coordinator's
entry was raised), then the site's submission rate limit applies, then
``issues.workflow.issue_submit`` decides, exactly as for the page.

With an ``Idempotency-Key`` header a retry returns the first result (``api.idempotency``);
the key is stored in the same transaction as the issue.
"""

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import PermissionDenied, Throttled, ValidationError

from api.idempotency import Replayed, claim, idempotency_of, remember, replay
from api.schema import problem
from api.v1.action_serializers import (
    IssueStateSerializer,
    IssueSubmitRequestSerializer,
)
from api.v1.actions import form_errors, issue_state_response
from core.ratelimits import rate_limit_hit
from entrepreneurs.models import Entrepreneur
from entrepreneurs.selectors import entrepreneurs_for_user
from issues import workflow
from issues.forms import IssueSubmitForm
from issues.models import Category
from issues.selectors import sessions_for_issue_entry_for_user

TOO_MANY_SUBMISSIONS = _("Too many issues were sent from your network in a short time. Please "
                         "wait a while and send it again; nothing has been recorded.")
ONLY_COORDINATORS = _("Only coordinators can enter an issue for someone else.")
NO_SUCH_PERSON = _("No such person in your region.")
NO_SUCH_CATEGORY = _("No such category.")
FOR_OTHERS_ONLY = _("Only a coordinator's entry for someone else says where it was raised.")


class TooManySubmissions(Throttled):
    """The site's own submission limit (``core.ratelimits``), a ``throttled`` problem."""

    default_detail = TOO_MANY_SUBMISSIONS


IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
    description=_("Optional, 1 to 255 printable ASCII characters. A retry with the same key "
                  "and body returns the first result (with Idempotent-Replayed: true) and "
                  "creates nothing; the same key with another body: 422."),
)



def _category(value) -> Category:
    lookup = {"pk": value} if isinstance(value, int) else {"code": value}
    try:
        return Category.objects.get(**lookup)
    except Category.DoesNotExist:
        raise ValidationError({"category": [NO_SUCH_CATEGORY]}) from None


class IssueSubmitMixin:
    """``post()``: submit an issue (the caller's own, or a coordinator's entry for someone)."""

    @extend_schema(
        operation_id="issues_submit", tags=["issues"],
        summary=_("Submit an issue"),
        description=_("An entrepreneur raises their own issue; a coordinator enters one for "
                      "an entrepreneur of their region (entrepreneur, source and optionally "
                      "session). Attachments are added on the page; the JSON API takes text "
                      "only."),
        request=IssueSubmitRequestSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={
            201: OpenApiResponse(IssueStateSerializer, description=_(
                "Submitted: the new issue; Location is its address. A replayed answer has "
                "the header Idempotent-Replayed: true.")),
            400: problem(_("The body or the Idempotency-Key header is malformed, or the "
                            "values are not accepted.")),
            403: problem(_("The caller may not submit this issue.")),
            409: problem(_("A request with this Idempotency-Key is still being processed.")),
            422: problem(_("This Idempotency-Key was already used for another request.")),
            429: problem(_("Too many issues from the caller's network in a short time.")),
        },
    )
    def post(self, request, *args, **kwargs):
        user = request.user
        idempotency = idempotency_of(request)
        replayed = replay(user=user, idempotency=idempotency)
        if replayed is not None:
            return replayed
        serializer = IssueSubmitRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        person, sessions = self._entry_for(user, data)
        form = IssueSubmitForm({
            "title": data["title"], "description": data["description"],
            "category": _category(data["category"]).pk,
            "source": data.get("source", ""), "session": data.get("session") or "",
        }, for_other=person is not None, sessions=sessions)
        if not form.is_valid():
            raise form_errors(form)
        if rate_limit_hit(request, name="issue_submission"):
            raise TooManySubmissions
        try:
            with transaction.atomic():
                claimed = claim(user=user, idempotency=idempotency)
                issue = workflow.issue_submit(actor=user, entrepreneur=person,
                                              **form.submit_arguments())
                response = issue_state_response(request, issue, status_code=201)
                response["Location"] = response.data["url"]
                remember(claimed, status_code=201, body=dict(response.data))
        except Replayed as already:  # the workflow's refusals become problems in api.problems
            return already.response
        return response

    @staticmethod
    def _entry_for(user, data) -> tuple[Entrepreneur | None, list]:
        """The person a coordinator enters the issue for (None: the caller's own) and the
        sessions it may name."""
        if "entrepreneur" not in data:
            if data.get("source") or data.get("session"):
                raise ValidationError({"source": [FOR_OTHERS_ONLY]})
            return None, []
        if not workflow.may_submit_for_others(user=user):
            raise PermissionDenied(ONLY_COORDINATORS)
        try:
            person = entrepreneurs_for_user(user=user).select_related(
                "enterprise__region").get(pk=data["entrepreneur"])
        except Entrepreneur.DoesNotExist:
            raise ValidationError({"entrepreneur": [NO_SUCH_PERSON]}) from None
        return person, sessions_for_issue_entry_for_user(user=user)

