"""Weekly series screens: the list, setting one up, planning its coming weeks now, and
pausing or taking it up again."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.dates import day_shown
from sessions import services
from sessions.forms import SeriesForm
from sessions.models import SessionSeries
from sessions.selectors import series_for_user
from sessions.views.common import _posted, _require_coordinator


def _report_messages(request, report) -> None:
    if report.created:
        count = len(report.created)
        messages.success(request, ngettext("%(count)d session planned.",
                                           "%(count)d sessions planned.", count)
                         % {"count": count})
    for nominal, day in report.moved:
        messages.info(request, _("%(date)s is a public holiday: moved to %(day)s.") % {
            "date": day_shown(nominal), "day": day_shown(day)})
    for nominal in report.skipped:
        messages.info(request, _("%(date)s is a public holiday: skipped.") % {
            "date": day_shown(nominal)})
    for nominal, clash_messages in report.clashes:
        messages.error(request, _("%(date)s not planned: %(reason)s") % {
            "date": day_shown(nominal), "reason": " ".join(clash_messages)})
    if not (report.created or report.moved or report.skipped or report.clashes):
        messages.info(request, _("Every coming week is already planned."))


@login_required
@require_GET
def series_list(request):
    _require_coordinator(request)
    series = series_for_user(user=request.user).order_by("region__sort_order", "name")
    return render(request, "sessions/series_list.html", {"series_list": series})


@login_required
@require_http_methods(["GET", "POST"])
def series_create(request):
    _require_coordinator(request)
    form = SeriesForm(request.POST if request.method == "POST" else None, user=request.user)
    created, status = _posted(request, form, lambda: services.series_create(
        actor=request.user, **form.service_arguments()))
    if status is None:
        series, report = created
        messages.success(request, _("The series “%(name)s” is set up.") % {"name": series.name})
        _report_messages(request, report)
        return redirect("sessions:series_list")
    return render(request, "sessions/series_form.html", {"form": form}, status=status)


def _series(request, pk: int) -> SessionSeries:
    _require_coordinator(request)
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
