"""The read endpoints' query parameters: read strictly. A value that cannot be read, or a
parameter the endpoint does not know, is refused (400, each one named with the reason),
never ignored, so that an integrator never takes a wider list for a filtered one."""


from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from api.serializers import StrictSerializer
from government.models import Department
from issues.selectors import IssueFilterChoices, IssueFilters, IssueScope
from sessions.models import TalkSession

#: What every paginated list takes besides its filters.
PAGING = ("cursor", "page_size")

NOT_KNOWN = _("This parameter is not known here.")
#: The largest id a database column holds (a larger one would reach the database).
MAX_ID = 2**31 - 1


def read_query(serializer_class, request, *, extra=PAGING, **kwargs) -> dict:
    """The query string through ``serializer_class``: its validated data; raises
    ``ValidationError`` (400) naming every unknown parameter and every bad value."""
    names = set(request.query_params)
    unknown = sorted(names - set(serializer_class().fields) - set(extra))
    if unknown:
        raise serializers.ValidationError({name: [NOT_KNOWN] for name in unknown})
    data = {name: request.query_params.get(name) for name in names - set(extra)}
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


#: What a cursor-paginated list may answer besides its page, for the schema.
LIST_ERRORS = {
    400: OpenApiResponse(description="A parameter is not known, or its value cannot be read."),
    404: OpenApiResponse(description="The cursor could not be read."),
}


# --- Issues -----------------------------------------------------------------------------


class IssueQuery(StrictSerializer):
    """``?status=&category=&region=&department=&overdue=&search=&submitted_from=&
    submitted_to=``; the choices offered are the caller's (``issue_filter_choices_for_user``)."""

    status = serializers.CharField(required=False, allow_blank=True)
    category = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    region = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    department = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    overdue = serializers.BooleanField(required=False)
    search = serializers.CharField(required=False, allow_blank=True, max_length=100)
    submitted_from = serializers.DateField(required=False)
    submitted_to = serializers.DateField(required=False)

    def __init__(self, *args, choices: IssueFilterChoices | None = None,
                 scope: IssueScope | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.choices = choices
        self.scope = scope

    def validate_status(self, value: str) -> str:
        if value and value not in {key for key, _label in self.choices.statuses}:
            offered = ", ".join(key for key, _label in self.choices.statuses)
            raise serializers.ValidationError(
                _("Not a status you can filter on. Choose one of: %(choices)s.")
                % {"choices": offered})
        return value

    def validate_category(self, value: int) -> int:
        if value not in {pk for pk, _label in self.choices.categories}:
            raise serializers.ValidationError(_("No category with this id."))
        return value

    def validate_region(self, value: int) -> int:
        offered = {pk for pk, _label in self.choices.regions}
        if self.scope.region is not None:
            offered.add(self.scope.region.pk)
        if value not in offered:
            raise serializers.ValidationError(
                _("Not a region you can filter on: your issues are in one region only.")
                if not self.choices.regions else _("No region with this id."))
        return value

    def validate_department(self, value: int) -> int:
        if not Department.objects.filter(pk=value).exists():
            raise serializers.ValidationError(_("No department with this id."))
        return value

    def validate(self, attrs):
        start, end = attrs.get("submitted_from"), attrs.get("submitted_to")
        if start and end and start > end:
            raise serializers.ValidationError(
                {"submitted_to": [_("The last day cannot come before the first.")]})
        return attrs


def issue_query_filters(data: dict) -> IssueFilters:
    """The list's filters (``issues.listing.IssueFilters``) from the checked query."""
    return IssueFilters(
        status=data.get("status") or "", category=data.get("category"),
        region=data.get("region"), overdue=bool(data.get("overdue")),
        search=data.get("search") or "", department=data.get("department"),
        submitted_from=data.get("submitted_from"), submitted_to=data.get("submitted_to"),
    )


ISSUE_PARAMETERS = [
    OpenApiParameter("status", OpenApiTypes.STR, description=(
        "Officials: an exact status (submitted, dispatched, returned, accepted, in_progress, "
        "resolved, review, closed, closed_unrated, rejected, duplicate, withdrawn). "
        "Entrepreneurs: a plain-words group (waiting, handling, answered, closed, "
        "not_taken_up, withdrawn).")),
    OpenApiParameter("category", OpenApiTypes.INT, description="A category's id."),
    OpenApiParameter("region", OpenApiTypes.INT, description=(
        "A region's id (officials whose scope spans several regions; a county's officials "
        "may give their own).")),
    OpenApiParameter("department", OpenApiTypes.INT, description=(
        "A department's id: the issues it leads or assists.")),
    OpenApiParameter("overdue", OpenApiTypes.BOOL, description=(
        "true: only issues still with a department past their due date.")),
    OpenApiParameter("search", OpenApiTypes.STR, description=(
        "A reference (exact) or part of a reference or title; at most 100 characters.")),
    OpenApiParameter("submitted_from", OpenApiTypes.DATE, description=(
        "Submitted on or after this day (Huzhou time).")),
    OpenApiParameter("submitted_to", OpenApiTypes.DATE, description=(
        "Submitted on or before this day (Huzhou time).")),
]


# --- Sessions ---------------------------------------------------------------------------


class SessionQuery(StrictSerializer):
    when = serializers.ChoiceField(choices=("upcoming", "past", "all"), required=False)
    status = serializers.ChoiceField(choices=TalkSession.Status.values, required=False)
    region = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)


SESSION_PARAMETERS = [
    OpenApiParameter("when", OpenApiTypes.STR, enum=["upcoming", "past", "all"], description=(
        "upcoming: from the start of today; past: before today; all (the default).")),
    OpenApiParameter("status", OpenApiTypes.STR, enum=TalkSession.Status.values),
    OpenApiParameter("region", OpenApiTypes.INT, description="A region's id."),
]


# --- Notifications ----------------------------------------------------------------------


class NotificationQuery(StrictSerializer):
    unread = serializers.BooleanField(required=False)


NOTIFICATION_PARAMETERS = [
    OpenApiParameter("unread", OpenApiTypes.BOOL, description="true: the unread ones only."),
]


# --- Figures ----------------------------------------------------------------------------

FIGURE_PARAMETERS = [
    OpenApiParameter("region", OpenApiTypes.INT, description=(
        "A region's id; the city's (or none) is the whole city. A county's officials always "
        "see their county.")),
    OpenApiParameter("from", OpenApiTypes.STR, pattern=r"^\d{4}-\d{2}$", description=(
        "The first month, YYYY-MM.")),
    OpenApiParameter("to", OpenApiTypes.STR, pattern=r"^\d{4}-\d{2}$", description=(
        "The last month, YYYY-MM (included).")),
    OpenApiParameter("category", OpenApiTypes.INT, description="A category's id."),
    OpenApiParameter("department", OpenApiTypes.INT, description="A lead department's id."),
]
#: The dashboard form's own names, the only ones the figures take.
FIGURE_NAMES = ("region", "from", "to", "category", "department")
