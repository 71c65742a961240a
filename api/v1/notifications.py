"""GET /api/v1/notifications/ (the caller's in-app inbox, ``inbox_for_user``) and POST
/api/v1/notifications/{id}/read/ (marked read through ``notification_mark_read``, as the
inbox page does when a message is opened)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from api.pagination import Cursor
from api.v1.filters import LIST_ERRORS, NOTIFICATION_PARAMETERS, NotificationQuery, read_query
from api.v1.serializers import NotificationSerializer
from notifications.models import Notification
from notifications.selectors import inbox_entry_for_user, inbox_for_user
from notifications.services import notification_mark_read

NOT_FOUND = _("No such message in your inbox.")


class NotificationCursor(Cursor):
    ordering = ("-created_at", "-id")


class NotificationCollection(generics.ListAPIView):
    """The caller's in-app messages, newest first."""

    serializer_class = NotificationSerializer
    pagination_class = NotificationCursor

    def get_queryset(self):
        data = read_query(NotificationQuery, self.request)
        return inbox_for_user(user=self.request.user, unread_only=bool(data.get("unread")))

    @extend_schema(
        operation_id="notifications_list",
        parameters=NOTIFICATION_PARAMETERS,
        responses={200: NotificationSerializer(many=True), **LIST_ERRORS},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class NotificationRead(generics.GenericAPIView):
    """Mark one of the caller's messages read (again: no change). Answers the message."""

    serializer_class = NotificationSerializer
    pagination_class = None

    @extend_schema(
        operation_id="notifications_read",
        request=None,
        parameters=[OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses={200: NotificationSerializer,
                   404: OpenApiResponse(description="No such message in the caller's inbox.")},
    )
    def post(self, request, pk: int):
        try:
            notification = inbox_entry_for_user(user=request.user, pk=pk)
        except Notification.DoesNotExist:
            raise NotFound(NOT_FOUND) from None
        notification_mark_read(notification=notification)
        return Response(self.get_serializer(notification).data)
