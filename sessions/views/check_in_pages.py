"""Check-in screens: the door list for a coordinator's phone (and its form for a person
not in the directory), the venue's screen with its code, and the page the code leads an
entrepreneur to. (Ticking people off is an action: ``sessions.views.actions``.)"""

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.forms import add_service_errors
from core.links import absolute_url
from entrepreneurs.forms import WalkInForm
from sessions import services
from sessions.forms import WalkInSearchForm
from sessions.models import Attendance, TalkSession
from sessions.selectors import walk_in_candidates_for_user
from sessions.services import SessionError
from sessions.views.common import _check_in_opening, _managed, _refused, _session


def _check_in_page(request, session: TalkSession, *, status: int = 200,
                   walk_in_form: WalkInForm | None = None):
    search = WalkInSearchForm(request.GET or None)
    query = search.cleaned_data["q"] if search.is_valid() else ""
    rows = list(session.attendances.exclude(status=Attendance.Status.CANCELLED)
                .select_related("entrepreneur__enterprise").order_by("entrepreneur__name", "id"))
    return render(request, "sessions/check_in.html", {
        "session": session, "rows": rows, "search": search, "query": query,
        "opening": _check_in_opening(session),
        "candidates": walk_in_candidates_for_user(user=request.user, session=session,
                                                  search=query),
        "checked_in": sum(row.status == Attendance.Status.ATTENDED for row in rows),
        "expected": sum(row.status in (Attendance.Status.REGISTERED,
                                       Attendance.Status.ATTENDED) for row in rows),
        "walk_in_form": walk_in_form or WalkInForm(user=request.user,
                                                   default_region=session.region),
    }, status=status)


@login_required
@require_GET
def check_in(request, pk: int):
    """The door list, made for a phone: tick people off, add walk-ins."""
    return _check_in_page(request, _managed(request, pk))


@login_required
@require_POST
def check_in_add(request, pk: int):
    """A person not in the directory, added at the door: into the directory, verified in
    person and checked in at once; back at their row, where an issue can be recorded."""
    session = _managed(request, pk)
    form = WalkInForm(request.POST, user=request.user, default_region=session.region)
    if not form.is_valid():
        return _check_in_page(request, session, status=400, walk_in_form=form)
    try:
        attendance = services.attendance_register_walk_in(
            actor=request.user, session=session, **form.walk_in_arguments())
    except SessionError as error:
        return _check_in_page(request, session, status=_refused(request, error),
                              walk_in_form=form)
    except ValidationError as error:
        add_service_errors(form, error)
        return _check_in_page(request, session, status=400, walk_in_form=form)
    messages.success(request, _(
        "%(name)s is in the directory and checked in. They will get an SMS to set up an "
        "account; record their issue from their row.") % {"name": attendance.entrepreneur.name})
    return redirect(reverse("sessions:check_in", args=[pk]) + f"#attendance-{attendance.pk}")


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
    context = {"session": session, "code": code, "opening": _check_in_opening(session)}
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
