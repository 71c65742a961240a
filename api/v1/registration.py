"""An entrepreneur's place at a session: ``POST`` (register, or join the waiting list when
the session is full) and ``DELETE`` (give the place up) on
``/api/v1/sessions/{id}/registration/``, through the same services as the session's page
(``sessions.services.attendance_register``, ``attendance_cancel``), with the page's
refusals: 404 outside the caller's sessions, 403 (not allowed), 409 (wrong state)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.settings import api_settings

from api.problems import Conflict
from api.schema import problem
from api.v1.action_serializers import RegistrationSerializer
from entrepreneurs.selectors import entrepreneur_for_user
from sessions import services
from sessions.models import Attendance, TalkSession
from sessions.selectors import session_for_user
from sessions.services import NotAllowed, SessionError, WrongState

NOT_FOUND = _("No such session is open to you.")
ONLY_ENTREPRENEURS = _("Only entrepreneurs give up their own places.")
NO_PLACE = _("You have no place at this session.")

SESSION_ID = OpenApiParameter("id", {"type": "integer", "minimum": 1}, OpenApiParameter.PATH,
                              description=_("The session's id."))


COMMON_RESPONSES = {
    403: problem(_("The caller may not take (or give up) a place at this session.")),
    404: problem(_("No such session is open to the caller.")),
    409: problem(_("The session or the place does not allow it now.")),
}


def _refusal(error: SessionError):
    if isinstance(error, NotAllowed):
        return PermissionDenied(error.message)
    if isinstance(error, WrongState):
        return Conflict(error.message)
    return ValidationError({api_settings.NON_FIELD_ERRORS_KEY: [error.message]})


def _place(attendance: Attendance) -> dict:
    return RegistrationSerializer({"session": attendance.session_id,
                                   "status": attendance.status}).data


class SessionRegistrationView(GenericAPIView):
    serializer_class = RegistrationSerializer

    def _session(self, pk: int) -> TalkSession:
        try:
            return session_for_user(user=self.request.user, pk=pk)
        except TalkSession.DoesNotExist:
            raise NotFound(NOT_FOUND) from None

    @extend_schema(
        operation_id="sessions_registration_create", tags=["sessions"],
        summary=_("Register for the session"),
        description=_("Takes a place, or a place on the waiting list when the session is full "
                      "(status waitlisted)."),
        request=None, parameters=[SESSION_ID],
        responses={201: RegistrationSerializer, **COMMON_RESPONSES},
    )
    def post(self, request, pk: int):
        session = self._session(pk)
        try:
            attendance = services.attendance_register(user=request.user, session=session)
        except SessionError as error:
            raise _refusal(error) from None
        return Response(_place(attendance), status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="sessions_registration_destroy", tags=["sessions"],
        summary=_("Give up the place"),
        description=_("Gives up the caller's place (or waiting-list place); a place freed "
                      "goes to the first on the waiting list."),
        request=None, parameters=[SESSION_ID],
        responses={200: RegistrationSerializer, **COMMON_RESPONSES},
    )
    def delete(self, request, pk: int):
        session = self._session(pk)
        person = entrepreneur_for_user(user=request.user)
        if person is None:
            raise PermissionDenied(ONLY_ENTREPRENEURS)
        attendance = session.attendances.filter(entrepreneur=person).first()
        if attendance is None:
            raise Conflict(NO_PLACE)
        try:
            attendance = services.attendance_cancel(actor=request.user, attendance=attendance)
        except SessionError as error:
            raise _refusal(error) from None
        return Response(_place(attendance))
