"""The session list, a session's page (and the short link to it), and planning: a new
session, changing one, and inviting entrepreneurs by filter."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from entrepreneurs.selectors import entrepreneur_for_user
from sessions import services
from sessions.forms import InviteForm, SessionFilterForm, SessionForm
from sessions.selectors import (
    invitation_candidates,
    may_manage_sessions,
    session_list_page_for_user,
    session_regions_for_user,
)
from sessions.services import SessionError
from sessions.views.common import (
    _detail_context,
    _managed,
    _posted,
    _refused,
    _require_coordinator,
)

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


@login_required
@require_GET
def session_detail(request, pk: int):
    return render(request, "sessions/detail.html", _detail_context(request, pk))


@require_GET
def session_short_link(request, pk: int):
    """/s/<pk>, the short link SMS texts carry: on to the session's page, whose own log-in
    and scope apply (nothing is read here, so it tells nobody what exists)."""
    return redirect("sessions:detail", pk=pk)


# --- Planning ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def session_create(request):
    _require_coordinator(request)
    form = SessionForm(request.POST if request.method == "POST" else None, user=request.user)
    session, status = _posted(request, form, lambda: services.session_create(
        actor=request.user, region=form.cleaned_data["region"],
        status=form.cleaned_data["status"], **form.service_arguments()))
    if status is None:
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
    _saved, status = _posted(request, form, lambda: services.session_update(
        actor=request.user, session=session, **form.service_arguments()))
    if status is None:
        messages.success(request, _("The session is saved."))
        return redirect("sessions:detail", pk=session.pk)
    return render(request, "sessions/form.html", {"form": form, "session": session},
                  status=status)


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
