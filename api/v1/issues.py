"""GET /api/v1/issues/ and /api/v1/issues/{reference}/: the issue list and the issue page,
read through the same selectors as the pages (``issue_list_for_user``,
``issue_detail_for_user``), so the API never shows an issue the site would not."""


from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from api.pagination import Cursor
from api.v1.filters import (
    ISSUE_PARAMETERS,
    LIST_ERRORS,
    IssueQuery,
    issue_query_filters,
    read_query,
)
from api.v1.serializers import IssueDetailSerializer, IssueRowSerializer
from api.v1.submission import IssueSubmitMixin
from issues.models import Issue
from issues.selectors import (
    describe_issue,
    issue_detail_for_user,
    issue_filter_choices_for_user,
    issue_for_user,
    issue_list_for_user,
    issue_scope_for_user,
)

NOT_FOUND = _("No issue with this reference is open to you.")


class IssueCursor(Cursor):
    """Newest first, like the list page; ``-id`` breaks ties among issues submitted at the
    same moment (DRF's cursor then counts an offset within them)."""

    ordering = ("-submitted_at", "-id")


class IssueCollection(IssueSubmitMixin, generics.ListAPIView):
    """The caller's issues (those the issue list shows them), newest first; POST submits one
    (``api.v1.submission``)."""

    serializer_class = IssueRowSerializer
    pagination_class = IssueCursor

    def get_queryset(self):
        user = self.request.user
        self.scope = issue_scope_for_user(user=user)
        data = read_query(IssueQuery, self.request, scope=self.scope,
                          choices=issue_filter_choices_for_user(user=user))
        issues = issue_list_for_user(user=user, filters=issue_query_filters(data))
        # The cursor orders (newest first); the page's own "due" sort is not offered.
        return issues.order_by()

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["scope"] = getattr(self, "scope", None)
        return context

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is None:
            return None
        today = timezone.localdate()
        return [describe_issue(issue, scope=self.scope, today=today) for issue in page]

    @extend_schema(
        operation_id="issues_list",
        parameters=ISSUE_PARAMETERS,
        responses={200: IssueRowSerializer(many=True), **LIST_ERRORS},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


def _etag(issue: Issue) -> str:
    return f'"{issue.version}"'


def _matches(header: str, etag: str) -> bool:
    """If-None-Match: ``*``, or a list of (possibly weak) tags, one of them ours."""
    tags = [tag.strip() for tag in header.split(",")]
    return "*" in tags or any(tag.removeprefix("W/") == etag for tag in tags)


class IssueDetailView(generics.GenericAPIView):
    """One issue with its timeline, answers, ratings and attachments' metadata."""

    serializer_class = IssueDetailSerializer
    pagination_class = None

    @extend_schema(
        operation_id="issues_retrieve",
        parameters=[
            OpenApiParameter("reference", OpenApiTypes.STR, OpenApiParameter.PATH,
                             description="The issue's reference, e.g. HZ-2026-000123."),
            OpenApiParameter("If-None-Match", OpenApiTypes.STR, OpenApiParameter.HEADER,
                             description="The ETag you hold: 304 if the issue is unchanged."),
            OpenApiParameter("ETag", OpenApiTypes.STR, OpenApiParameter.HEADER,
                             response=[200, 304], description=(
                                 'The issue\'s version, quoted ("7"): send it in If-Match '
                                 "with an action.")),
        ],
        responses={
            200: IssueDetailSerializer,
            304: OpenApiResponse(description="Unchanged since the ETag given."),
            404: OpenApiResponse(description="No such issue open to the caller."),
        },
    )
    def get(self, request, reference: str):
        user = request.user
        try:
            issue = issue_for_user(user=user, reference=reference)
        except Issue.DoesNotExist:
            raise NotFound(NOT_FOUND) from None
        etag = _etag(issue)
        if _matches(request.headers.get("If-None-Match", ""), etag):
            return Response(status=304, headers={"ETag": etag})
        try:
            detail = issue_detail_for_user(user=user, reference=reference)
        except Issue.DoesNotExist:  # gone from the scope between the two reads
            raise NotFound(NOT_FOUND) from None
        serializer = self.get_serializer(
            detail, context={**self.get_serializer_context(), "reference": reference})
        return Response(serializer.data, headers={"ETag": _etag(detail.issue)})
