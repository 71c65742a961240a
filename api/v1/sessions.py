"""GET /api/v1/sessions/ and /api/v1/sessions/{id}/: the sessions the caller may open
(``sessions_for_user``) and one session's page (``session_detail_for_user``), with the
places left and, for an entrepreneur, their own place."""

from datetime import datetime, time

from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from api.pagination import Cursor
from api.v1.filters import LIST_ERRORS, SESSION_PARAMETERS, SessionQuery, read_query
from api.v1.serializers import SessionDetailSerializer, SessionRowSerializer
from entrepreneurs.selectors import entrepreneur_for_user
from sessions.models import Attendance, TalkSession
from sessions.selectors import session_detail_for_user, sessions_for_user

NOT_FOUND = _("No such session is open to you.")


class SessionCursor(Cursor):
    ordering = ("-starts_at", "-id")


def _places(statuses) -> Coalesce:
    """Places with one of ``statuses`` at the outer session: a correlated subquery, run for
    the page's rows only."""
    counted = (Attendance.objects.filter(session=OuterRef("pk"), status__in=statuses)
               .order_by().values("session").annotate(n=Count("pk")).values("n"))
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


class SessionCollection(generics.ListAPIView):
    """The sessions the caller may open, latest first, with places taken and left."""

    serializer_class = SessionRowSerializer
    pagination_class = SessionCursor

    def get_queryset(self):
        data = read_query(SessionQuery, self.request)
        sessions = sessions_for_user(user=self.request.user)
        today = timezone.make_aware(datetime.combine(timezone.localdate(), time.min))
        when = data.get("when", "all")
        if when == "past":
            sessions = sessions.filter(starts_at__lt=today)
        elif when == "upcoming":
            sessions = sessions.filter(starts_at__gte=today)
        if data.get("status"):
            sessions = sessions.filter(status=data["status"])
        if data.get("region"):
            sessions = sessions.filter(region_id=data["region"])
        return sessions.select_related("region").annotate(
            registered=_places(Attendance.TAKING_A_PLACE),
            waitlisted=_places((Attendance.Status.WAITLISTED,)),
        )

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is None:
            return None
        person = entrepreneur_for_user(user=self.request.user)
        if person is not None:
            places = dict(Attendance.objects.filter(
                entrepreneur=person, session__in=[session.pk for session in page],
            ).values_list("session_id", "status"))
            for session in page:
                session.my_status = places.get(session.pk, "")
        return page

    @extend_schema(
        operation_id="sessions_list",
        parameters=SESSION_PARAMETERS,
        responses={200: SessionRowSerializer(many=True), **LIST_ERRORS},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class SessionDetailView(generics.GenericAPIView):
    serializer_class = SessionDetailSerializer
    pagination_class = None

    @extend_schema(
        operation_id="sessions_retrieve",
        parameters=[OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses={200: SessionDetailSerializer,
                   404: OpenApiResponse(description="No such session open to the caller.")},
    )
    def get(self, request, pk: int):
        try:
            detail = session_detail_for_user(user=request.user, pk=pk)
        except TalkSession.DoesNotExist:
            raise NotFound(NOT_FOUND) from None
        is_entrepreneur = entrepreneur_for_user(user=request.user) is not None
        serializer = self.get_serializer(detail, context={
            **self.get_serializer_context(), "is_entrepreneur": is_entrepreneur})
        return Response(serializer.data)
