"""GET /api/v1/figures/: the headline figures of the caller's dashboard, read as the
dashboard page reads them (``dashboard_scope_for_user`` holds the filters to the caller's
scope, ``headline_figures`` counts), with the page's filters and its figures' names. A
role without a dashboard gets 403 with the page's reason."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from api.v1.filters import FIGURE_NAMES, FIGURE_PARAMETERS
from api.v1.serializers import FiguresSerializer
from dashboard.forms import DashboardFilterForm
from dashboard.selectors import (
    DashboardNotAllowed,
    dashboard_filter_choices_for_user,
    dashboard_scope_for_user,
    headline_figures,
)

NOT_KNOWN = _("This parameter is not known here.")


def _count(key, name, value) -> dict:
    return {"key": key, "name": str(name), "unit": "count", "value": value,
            "numerator": None, "denominator": None}


def _rate(key, name, value, numerator, denominator, unit="percent") -> dict:
    return {"key": key, "name": str(name), "unit": unit, "value": value,
            "numerator": numerator, "denominator": denominator}


def figure_rows(figures) -> dict:
    """The headline figures as the dashboard names them (``_headline.html``), in its order."""
    sessions, issues = figures.sessions, figures.issues
    return {
        "sessions": [
            _count("editions", _("editions held"), sessions.editions),
            _count("sessions", _("talk sessions held"), sessions.sessions_held),
            _count("attendances", _("entrepreneur attendances"), sessions.attendances),
            _count("entrepreneurs", _("distinct entrepreneurs"), sessions.entrepreneurs),
        ],
        "issues": [
            _count("collected", _("issues collected"), issues.collected),
            _rate("satisfaction_rate", _("satisfaction rate"), issues.satisfaction_rate,
                  issues.satisfied, issues.rated),
            _rate("response_rate", _("response rate"), issues.response_rate,
                  issues.responded, issues.dispatched),
            _rate("resolution_rate", _("resolution rate"), issues.resolution_rate,
                  issues.resolved, issues.valid),
            _rate("on_time_rate", _("on-time rate"), issues.on_time_rate, issues.on_time,
                  issues.resolved),
            _rate("average_days", _("average working days to resolve"), issues.average_days,
                  issues.resolve_days, issues.resolved, unit="days"),
            _count("open", _("open now"), issues.open),
            _count("overdue", _("overdue now"), issues.overdue),
        ],
        "channels": [
            *(_rate(f"satisfaction_rate_{channel.channel}", channel.rate_label,
                    channel.satisfaction_rate, channel.satisfied, channel.rated)
              for channel in issues.channels),
            _rate("call_rate", _("follow-up call rate (回访率)"), issues.call_rate,
                  issues.called, issues.resolved),
        ],
    }


def _named(obj):
    return None if obj is None else {"id": obj.pk, "name": obj.name, "name_en": obj.name_en}


def _month(day):
    return None if day is None else day.strftime("%Y-%m")


class FiguresView(generics.GenericAPIView):
    serializer_class = FiguresSerializer
    pagination_class = None

    @extend_schema(
        operation_id="figures_retrieve",
        parameters=FIGURE_PARAMETERS,
        responses={
            200: FiguresSerializer,
            400: OpenApiResponse(description="A filter could not be read."),
            403: OpenApiResponse(description="The caller's role has no dashboard."),
        },
    )
    def get(self, request):
        try:
            choices = dashboard_filter_choices_for_user(user=request.user)
        except DashboardNotAllowed as refusal:
            raise PermissionDenied(str(refusal)) from refusal
        unknown = sorted(set(request.query_params) - set(FIGURE_NAMES))
        if unknown:
            raise serializers.ValidationError({name: [NOT_KNOWN] for name in unknown})
        asked = request.query_params.get("region")
        if asked and len(choices.regions) == 1 and asked != str(choices.regions[0].pk):
            raise serializers.ValidationError({"region": [_(
                "Your figures cover your own region only.")]})
        form = DashboardFilterForm(request.query_params or None, choices=choices)
        if form.is_bound and not form.is_valid():
            raise serializers.ValidationError(
                {form.add_prefix(name): [str(error) for error in errors]
                 for name, errors in form.errors.items()})
        filters = dashboard_scope_for_user(user=request.user, filters=form.filters())
        figures = headline_figures(filters)
        region = filters.scope.region
        data = {
            "scope": _named(region),
            "filters": {
                "region": _named(filters.region), "month_from": _month(filters.month_from),
                "month_to": _month(filters.month_to), "category": _named(filters.category),
                "department": _named(filters.department),
            },
            "sessions_filtered": figures.sessions_filtered,
            **figure_rows(figures),
        }
        return Response(self.get_serializer(data).data)
