"""What the session screens share: finding the session the user may see (404) or run
(403), showing a refusal with its status code, and a session's page with the forms it
carries, as shown and as brought back after a refused action."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.forms import add_service_errors
from entrepreneurs.selectors import entrepreneur_for_user
from sessions.forms import MinutesForm, ReasonForm, SessionRateForm
from sessions.models import Attendance, TalkSession
from sessions.rules import check_in_opens_at
from sessions.selectors import may_manage_sessions, session_detail_for_user, session_for_user
from sessions.services import SessionError

NOT_FOUND = gettext_lazy("No such session is open to you.")
ONLY_COORDINATORS = gettext_lazy("Only coordinators plan and run sessions.")


def _session(request, pk: int) -> TalkSession:
    try:
        return session_for_user(user=request.user, pk=pk)
    except TalkSession.DoesNotExist:
        raise Http404(NOT_FOUND) from None


def _managed(request, pk: int) -> TalkSession:
    """A session the user may see (else 404) and manage (else 403)."""
    session = _session(request, pk)
    if not may_manage_sessions(user=request.user, region=session.region):
        raise PermissionDenied(_("Only the coordinators of %(region)s run this session.")
                               % {"region": session.region})
    return session


def _check_in_opening(session: TalkSession) -> dict | None:
    """When check-in opens, while it has not yet (else None): ``at`` the moment, ``today``
    whether that is today. The check-in buttons are disabled with it ("check-in opens at
    12:30"); the services refuse an early check-in anyway."""
    opens_at = check_in_opens_at(session)
    now = timezone.now()
    if now >= opens_at:
        return None
    return {"at": opens_at, "today": timezone.localdate(opens_at) == timezone.localdate(now)}


def _attendance(session: TalkSession, attendance_pk: int) -> Attendance:
    return get_object_or_404(Attendance.objects.select_related("entrepreneur", "session"),
                             pk=attendance_pk, session=session)


def _refused(request, error: SessionError | ValidationError) -> int:
    """Show the refusal's reason; return the status code to answer with."""
    if isinstance(error, ValidationError):
        for message in error.messages:
            messages.error(request, message)
        return 400
    messages.error(request, error.message)
    return error.status_code


def _detail_context(request, pk: int, **forms) -> dict:
    try:
        detail = session_detail_for_user(user=request.user, pk=pk)
    except TalkSession.DoesNotExist:
        raise Http404(NOT_FOUND) from None
    session = detail.session
    now = timezone.now()
    context = {
        "detail": detail, "session": session, "mine": detail.mine, "now": now,
        "upcoming": session.status in TalkSession.UPCOMING_STATUSES,
        "started": session.starts_at <= now,
        "is_entrepreneur": entrepreneur_for_user(user=request.user) is not None,
    }
    if detail.may_manage:
        context["cancel_form"] = forms.get("cancel_form") or ReasonForm()
        context["minutes_form"] = forms.get("minutes_form") or MinutesForm(
            initial={"minutes": session.minutes})
    mine = detail.mine
    if mine is not None and mine.status == Attendance.Status.ATTENDED and not mine.rated_at:
        context["rate_form"] = forms.get("rate_form") or SessionRateForm()
    return context


def _back_to_detail(request, pk: int, refusal: SessionError | ValidationError | int, **forms):
    """The session's page again, with the refusal's reason (or just ``refusal`` as the
    status code, when a form shows the errors)."""
    context = _detail_context(request, pk, **forms)
    status = refusal if isinstance(refusal, int) else _refused(request, refusal)
    if status == 403:
        context["exception"] = refusal.message  # the reason, as on the "not allowed" page
    return render(request, "sessions/detail.html", context, status=status)


def _require_coordinator(request) -> None:
    if not may_manage_sessions(user=request.user):
        raise PermissionDenied(ONLY_COORDINATORS)


def _posted(request, form, write) -> tuple[object, int | None]:
    """A planning form: on a POST, ``write()`` runs if the form is valid, and a refusal
    goes onto the form. Returns (what ``write`` returned, None) once written, else (None,
    the status code to show the form with: 200 for a GET)."""
    if request.method != "POST":
        return None, 200
    if not form.is_valid():
        return None, 400
    try:
        return write(), None
    except SessionError as error:
        form.add_error(None, error.message)
        return None, error.status_code
    except ValidationError as error:
        add_service_errors(form, error)
        return None, 400
