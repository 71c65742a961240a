"""The session screens: the list, a session's page with what the user may do there, planning
sessions and weekly series, invitations, check-in at the door and by the venue's code,
minutes and closing, rating, and calendars.

Thin: the selectors decide who sees what, the forms parse what was typed, and the services
(``sessions.services``) decide and write. A refused action brings its page back with the
reason and the matching status code (403, 409, 400).
"""

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.forms import add_service_errors
from core.links import absolute_url
from entrepreneurs.models import Entrepreneur
from entrepreneurs.selectors import entrepreneur_for_user, entrepreneurs_for_user
from sessions import services
from sessions.calendars import session_calendar_name, sessions_calendar
from sessions.forms import (
    InviteForm,
    MinutesForm,
    ReasonForm,
    SeriesForm,
    SessionFilterForm,
    SessionForm,
    SessionRateForm,
    WalkInSearchForm,
)
from sessions.models import Attendance, CalendarFeed, SessionSeries, TalkSession
from sessions.selectors import (
    feed_for_token,
    invitation_candidates,
    may_manage_sessions,
    series_for_user,
    session_detail_for_user,
    session_for_user,
    session_list_page_for_user,
    session_regions_for_user,
    sessions_for_feed,
    walk_in_candidates_for_user,
)
from sessions.services import SessionError

#: The most sessions a calendar feed lists (the coming ones and the last 90 days').
FEED_LIMIT = 500
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


def _refused(request, error: SessionError | ValidationError) -> int:
    """Show the refusal's reason; return the status code to answer with."""
    if isinstance(error, ValidationError):
        for message in error.messages:
            messages.error(request, message)
        return 400
    messages.error(request, error.message)
    return error.status_code


# --- The list and a session's page ----------------------------------------------------------


@login_required
@require_GET
def session_list(request):
    """Sessions the user may see: coming ones first; officials filter by region and status."""
    regions = session_regions_for_user(user=request.user)
    form = SessionFilterForm(request.GET or None, regions=regions)
    page = session_list_page_for_user(user=request.user, page_number=request.GET.get("page"),
                                      **form.filters())
    return render(request, "sessions/list.html", {
        "form": form, "page": page, "sessions": page.object_list,
        "may_manage": may_manage_sessions(user=request.user),
        "is_entrepreneur": entrepreneur_for_user(user=request.user) is not None,
    })


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


@login_required
@require_GET
def session_detail(request, pk: int):
    return render(request, "sessions/detail.html", _detail_context(request, pk))


def _back_to_detail(request, pk: int, refusal: SessionError | ValidationError | int, **forms):
    """The session's page again, with the refusal's reason (or just ``refusal`` as the
    status code, when a form shows the errors)."""
    context = _detail_context(request, pk, **forms)
    status = refusal if isinstance(refusal, int) else _refused(request, refusal)
    if status == 403:
        context["exception"] = refusal.message  # the reason, as on the "not allowed" page
    return render(request, "sessions/detail.html", context, status=status)


# --- Planning ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def session_create(request):
    if not may_manage_sessions(user=request.user):
        raise PermissionDenied(ONLY_COORDINATORS)
    form = SessionForm(request.POST if request.method == "POST" else None, user=request.user)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                session = services.session_create(
                    actor=request.user, region=form.cleaned_data["region"],
                    status=form.cleaned_data["status"], **form.service_arguments())
            except SessionError as error:
                form.add_error(None, error.message)
                status = error.status_code
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The session is planned in %(edition)s.")
                                 % {"edition": session.edition})
                return redirect("sessions:detail", pk=session.pk)
    return render(request, "sessions/form.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def session_edit(request, pk: int):
    session = _managed(request, pk)
    form = SessionForm(request.POST if request.method == "POST" else None, user=request.user,
                       session=session)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.session_update(actor=request.user, session=session,
                                        **form.service_arguments())
            except SessionError as error:
                form.add_error(None, error.message)
                status = error.status_code
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The session is saved."))
                return redirect("sessions:detail", pk=session.pk)
    return render(request, "sessions/form.html", {"form": form, "session": session},
                  status=status)


@login_required
@require_POST
def session_open(request, pk: int):
    session = _managed(request, pk)
    try:
        services.session_open_registration(actor=request.user, session=session)
    except SessionError as error:
        return _back_to_detail(request, pk, error)
    messages.success(request, _("Registration is open."))
    return redirect("sessions:detail", pk=pk)


@login_required
@require_POST
def session_cancel(request, pk: int):
    session = _managed(request, pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        return _back_to_detail(request, pk, 400, cancel_form=form)
    try:
        services.session_cancel(actor=request.user, session=session,
                                reason=form.cleaned_data["reason"])
    except (SessionError, ValidationError) as error:
        return _back_to_detail(request, pk, error, cancel_form=form)
    messages.success(request, _("The session is cancelled; everyone taking part is told."))
    return redirect("sessions:detail", pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def session_invite(request, pk: int):
    """Invite entrepreneurs by filter: the page counts who the filter finds; sending invites
    them and tells each in the app and by SMS."""
    session = _managed(request, pk)
    form = InviteForm(request.POST or request.GET or None, session=session)
    found = None
    status = 200
    if form.is_bound and form.is_valid():
        filters = form.filters()
        if request.method == "POST":
            try:
                invited = services.session_invite(actor=request.user, session=session, **filters)
            except (SessionError, ValidationError) as error:
                status = _refused(request, error)
            else:
                messages.success(request, ngettext("%(count)d person was invited.",
                                                   "%(count)d people were invited.", invited)
                                 % {"count": invited})
                return redirect("sessions:detail", pk=pk)
        found = invitation_candidates(session=session, **filters).count()
    elif form.is_bound:
        status = 400
    return render(request, "sessions/invite.html",
                  {"form": form, "session": session, "found": found}, status=status)


# --- Registration -----------------------------------------------------------------------------


@login_required
@require_POST
def session_register(request, pk: int):
    session = _session(request, pk)
    try:
        attendance = services.attendance_register(user=request.user, session=session)
    except SessionError as error:
        return _back_to_detail(request, pk, error)
    if attendance.status == Attendance.Status.WAITLISTED:
        messages.warning(request, _("The session is full: you are on the waiting list and "
                                    "will be told if a place comes free."))
    else:
        messages.success(request, _("You are registered. You will be reminded before the "
                                    "session."))
    return redirect("sessions:detail", pk=pk)


@login_required
@require_POST
def session_withdraw(request, pk: int):
    """The entrepreneur gives up their place (or waiting-list place, or invitation)."""
    session = _session(request, pk)
    person = entrepreneur_for_user(user=request.user)
    if person is None:
        raise PermissionDenied(_("Only entrepreneurs give up their own places."))
    attendance = session.attendances.filter(entrepreneur=person).first()
    if attendance is None:
        return _back_to_detail(request, pk, services.WrongState(
            _("You have no place at this session.")))
    try:
        services.attendance_cancel(actor=request.user, attendance=attendance)
    except SessionError as error:
        return _back_to_detail(request, pk, error)
    messages.success(request, _("Your place is given up."))
    return redirect("sessions:detail", pk=pk)


def _attendance(session: TalkSession, attendance_pk: int) -> Attendance:
    return get_object_or_404(Attendance.objects.select_related("entrepreneur", "session"),
                             pk=attendance_pk, session=session)


@login_required
@require_POST
def place_cancel(request, pk: int, attendance_pk: int):
    """A coordinator takes a person's place back (they called to say they cannot come)."""
    session = _managed(request, pk)
    attendance = _attendance(session, attendance_pk)
    try:
        services.attendance_cancel(actor=request.user, attendance=attendance)
    except SessionError as error:
        return _back_to_detail(request, pk, error)
    messages.success(request, _("%(name)s's place is cancelled.")
                     % {"name": attendance.entrepreneur.name})
    return redirect("sessions:detail", pk=pk)


# --- Check-in ---------------------------------------------------------------------------------


def _check_in_page(request, session: TalkSession, *, status: int = 200):
    search = WalkInSearchForm(request.GET or None)
    query = search.cleaned_data["q"] if search.is_valid() else ""
    rows = list(session.attendances.exclude(status=Attendance.Status.CANCELLED)
                .select_related("entrepreneur__enterprise").order_by("entrepreneur__name", "id"))
    return render(request, "sessions/check_in.html", {
        "session": session, "rows": rows, "search": search, "query": query,
        "candidates": walk_in_candidates_for_user(user=request.user, session=session,
                                                  search=query),
        "checked_in": sum(row.status == Attendance.Status.ATTENDED for row in rows),
        "expected": sum(row.status in (Attendance.Status.REGISTERED,
                                       Attendance.Status.ATTENDED) for row in rows),
    }, status=status)


@login_required
@require_GET
def check_in(request, pk: int):
    """The door list, made for a phone: tick people off, add walk-ins."""
    return _check_in_page(request, _managed(request, pk))


def _after_check_in(request, session, pk, action):
    try:
        result = action()
    except (SessionError, ValidationError) as error:
        return _check_in_page(request, session, status=_refused(request, error))
    return redirect(reverse("sessions:check_in", args=[pk]) + f"#attendance-{result.pk}")


@login_required
@require_POST
def check_in_tick(request, pk: int, attendance_pk: int):
    session = _managed(request, pk)
    attendance = _attendance(session, attendance_pk)
    return _after_check_in(request, session, pk, lambda: services.attendance_check_in(
        actor=request.user, attendance=attendance))


@login_required
@require_POST
def check_in_untick(request, pk: int, attendance_pk: int):
    session = _managed(request, pk)
    attendance = _attendance(session, attendance_pk)
    return _after_check_in(request, session, pk, lambda: services.attendance_undo_check_in(
        actor=request.user, attendance=attendance))


@login_required
@require_POST
def check_in_walk_in(request, pk: int):
    session = _managed(request, pk)
    try:
        person = entrepreneurs_for_user(user=request.user).get(pk=int(request.POST["entrepreneur"]))
    except (KeyError, ValueError, Entrepreneur.DoesNotExist):
        messages.error(request, _("Choose the person from the search results."))
        return _check_in_page(request, session, status=400)
    return _after_check_in(request, session, pk, lambda: services.attendance_add_walk_in(
        actor=request.user, session=session, entrepreneur=person))


@login_required
@require_GET
def check_in_code(request, pk: int):
    """The venue's screen: a code to scan, fresh every minute, and how many are in."""
    session = _managed(request, pk)
    code = services.check_in_code_make(session=session)
    link = absolute_url(reverse("sessions:scan", args=[pk])) + f"?c={code}"
    svg = segno.make(link, error="m").svg_inline(scale=6, border=2, omitsize=True)
    return render(request, "sessions/code.html", {
        "session": session, "svg": mark_safe(svg), "link": link,  # noqa: S308 (our own SVG)
        "checked_in": session.attendances.filter(status=Attendance.Status.ATTENDED).count(),
    })


@login_required
@require_http_methods(["GET", "POST"])
def check_in_scan(request, pk: int):
    """Where the venue's code leads: the entrepreneur confirms with one tap."""
    session = _session(request, pk)
    code = request.POST.get("c") or request.GET.get("c", "")
    context = {"session": session, "code": code}
    status = 200
    try:
        services.check_in_code_verify(session=session, code=code)
    except SessionError as error:
        context["error"] = error.message
        status = 400
    else:
        if request.method == "POST":
            try:
                services.attendance_check_in_by_code(user=request.user, session=session,
                                                     code=code)
            except SessionError as error:
                context["error"] = error.message
                status = error.status_code
            else:
                messages.success(request, _("You are checked in. Welcome!"))
                return redirect("sessions:detail", pk=pk)
    return render(request, "sessions/scan.html", context, status=status)


# --- Minutes, closing, rating -------------------------------------------------------------------


@login_required
@require_POST
def session_minutes(request, pk: int):
    session = _managed(request, pk)
    form = MinutesForm(request.POST)
    if not form.is_valid():
        return _back_to_detail(request, pk, 400, minutes_form=form)
    closing = "close" in request.POST
    try:
        if closing:
            services.session_close(actor=request.user, session=session,
                                   minutes=form.cleaned_data["minutes"])
        else:
            services.session_minutes_save(actor=request.user, session=session,
                                          minutes=form.cleaned_data["minutes"])
    except ValidationError as error:
        add_service_errors(form, error)
        return _back_to_detail(request, pk, 400, minutes_form=form)
    except SessionError as error:
        return _back_to_detail(request, pk, error, minutes_form=form)
    messages.success(request, _("The session is closed and its counts are fixed.") if closing
                     else _("The minutes are saved."))
    return redirect("sessions:detail", pk=pk)


@login_required
@require_POST
def session_rate(request, pk: int):
    session = _session(request, pk)
    form = SessionRateForm(request.POST)
    if not form.is_valid():
        return _back_to_detail(request, pk, 400, rate_form=form)
    try:
        services.attendance_rate(user=request.user, session=session,
                                 rating=form.cleaned_data["rating"],
                                 comment=form.cleaned_data["comment"])
    except ValidationError as error:
        add_service_errors(form, error)
        return _back_to_detail(request, pk, 400, rate_form=form)
    except SessionError as error:
        return _back_to_detail(request, pk, error)
    messages.success(request, _("Thank you for rating the session."))
    return redirect("sessions:detail", pk=pk)


# --- Weekly series ------------------------------------------------------------------------------


def _report_messages(request, report) -> None:
    if report.created:
        count = len(report.created)
        messages.success(request, ngettext("%(count)d session planned.",
                                           "%(count)d sessions planned.", count)
                         % {"count": count})
    for nominal, day in report.moved:
        messages.info(request, _("%(date)s is a public holiday: moved to %(day)s.") % {
            "date": nominal, "day": day})
    for nominal in report.skipped:
        messages.info(request, _("%(date)s is a public holiday: skipped.") % {"date": nominal})
    for nominal, clash_messages in report.clashes:
        messages.error(request, _("%(date)s not planned: %(reason)s") % {
            "date": nominal, "reason": " ".join(clash_messages)})
    if not (report.created or report.moved or report.skipped or report.clashes):
        messages.info(request, _("Every coming week is already planned."))


@login_required
@require_GET
def series_list(request):
    if not may_manage_sessions(user=request.user):
        raise PermissionDenied(ONLY_COORDINATORS)
    series = series_for_user(user=request.user).order_by("region__sort_order", "name")
    return render(request, "sessions/series_list.html", {"series_list": series})


@login_required
@require_http_methods(["GET", "POST"])
def series_create(request):
    if not may_manage_sessions(user=request.user):
        raise PermissionDenied(ONLY_COORDINATORS)
    form = SeriesForm(request.POST if request.method == "POST" else None, user=request.user)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                series, report = services.series_create(actor=request.user,
                                                        **form.service_arguments())
            except SessionError as error:
                form.add_error(None, error.message)
                status = error.status_code
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The series “%(name)s” is set up.") % {
                    "name": series.name})
                _report_messages(request, report)
                return redirect("sessions:series_list")
    return render(request, "sessions/series_form.html", {"form": form}, status=status)


def _series(request, pk: int) -> SessionSeries:
    if not may_manage_sessions(user=request.user):
        raise PermissionDenied(ONLY_COORDINATORS)
    try:
        return series_for_user(user=request.user).get(pk=pk)
    except SessionSeries.DoesNotExist:
        raise Http404(_("No such series is open to you.")) from None


@login_required
@require_POST
def series_generate(request, pk: int):
    series = _series(request, pk)
    _report_messages(request, services.series_generate_for_user(actor=request.user,
                                                                series=series))
    return redirect("sessions:series_list")


@login_required
@require_POST
def series_pause(request, pk: int):
    """``active=1`` takes a paused series up again; anything else pauses it."""
    series = _series(request, pk)
    active = request.POST.get("active") == "1"
    services.series_set_active(actor=request.user, series=series, active=active)
    messages.success(request, (_("“%(name)s” goes on: plan its coming weeks with the button "
                                 "beside it, or wait for tonight's run.") if active else
                               _("“%(name)s” is paused: no more weeks are planned; the "
                                 "sessions already planned stay.")) % {"name": series.name})
    return redirect("sessions:series_list")


# --- Calendars ----------------------------------------------------------------------------------


def _ics_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def session_ics(request, pk: int):
    session = _session(request, pk)
    return _ics_response(sessions_calendar([session], name=session.theme),
                         f"huzhou-talk-{session.pk}.ics")


@login_required
@require_http_methods(["GET", "POST"])
def calendar_feed(request):
    """The person's secret calendar address; POST makes a new one (the old stops working)."""
    if request.method == "POST":
        services.calendar_feed_renew(user=request.user)
        messages.success(request, _("A new address was made; the old one no longer works."))
        return redirect("sessions:calendar_feed")
    feed = services.calendar_feed_for_user(user=request.user)
    url = absolute_url(reverse("sessions:feed", args=[feed.token]))
    return render(request, "sessions/calendar_feed.html", {
        "feed_url": url, "webcal_url": "webcal://" + url.split("://", 1)[-1],
    })


@require_GET
def feed(request, token: str):
    """A calendar application fetches this without logging in: the secret is the key."""
    try:
        feed = feed_for_token(token=token)
    except CalendarFeed.DoesNotExist:
        raise Http404(_("This calendar address is not valid any more.")) from None
    sessions = sessions_for_feed(user=feed.user)[:FEED_LIMIT]
    return _ics_response(sessions_calendar(sessions, name=session_calendar_name()),
                         "huzhou-talks.ics")
