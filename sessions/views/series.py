"""Weekly series screens: the list, setting one up and changing it (with the clashing
weeks shown and confirmed first), planning its coming weeks now, pausing or taking it up
again, and ending it (asked first)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.dates import day_shown
from core.forms import add_service_errors
from sessions import services
from sessions.forms import SeriesEndForm, SeriesForm, leave_out_dates
from sessions.models import SessionSeries, SkippedWeek
from sessions.selectors import series_for_user, series_sessions_after
from sessions.views.common import _posted, _require_coordinator


def _report_messages(request, report, *, quiet: bool = False) -> None:
    """What a planning run did; ``quiet``: nothing when there was nothing to plan."""
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
    if not (quiet or report.created or report.moved or report.skipped or report.clashes):
        messages.info(request, _("Every coming week is already planned."))


@login_required
@require_GET
def series_list(request):
    _require_coordinator(request)
    today = timezone.localdate()
    series = series_for_user(user=request.user).prefetch_related(Prefetch(
        "skipped_weeks", queryset=SkippedWeek.objects.filter(series_date__gte=today),
        to_attr="coming_skipped_weeks")).order_by("region__sort_order", "name")
    return render(request, "sessions/series_list.html", {"series_list": series, "today": today})


def _series_form(request, form, write, *, series=None):
    """Set up or change a series: ``write(leave_out)`` runs on a valid POST. When weeks
    clash, the form comes back with them listed and a button that sends it again with
    those weeks confirmed to be left out. Returns what ``write`` returned, or a response."""
    try:
        written, status = _posted(request, form, lambda: write(leave_out_dates(request.POST)))
    except services.SeriesClashes as asked:
        return None, render(request, "sessions/series_form.html", {
            "form": form, "series": series, "clashes": asked.weeks,
            "leave_out": asked.leave_out})
    if status is None:
        return written, None
    return None, render(request, "sessions/series_form.html", {"form": form, "series": series},
                        status=status)


@login_required
@require_http_methods(["GET", "POST"])
def series_create(request):
    _require_coordinator(request)
    form = SeriesForm(request.POST if request.method == "POST" else None, user=request.user)
    created, response = _series_form(request, form, lambda leave_out: services.series_create(
        actor=request.user, leave_out=leave_out, **form.service_arguments()))
    if response is not None:
        return response
    series, report = created
    messages.success(request, _("The series “%(name)s” is set up.") % {"name": series.name})
    _left_out_message(request, series)
    _report_messages(request, report)
    return redirect("sessions:series_list")


def _left_out_message(request, series: SessionSeries) -> None:
    days = [day_shown(week.series_date) for week in series.skipped_weeks.filter(
        series_date__gte=timezone.localdate())]
    if days:
        messages.warning(request, _("Left out as you confirmed: %(days)s.") % {
            "days": ", ".join(days)})


def _series(request, pk: int) -> SessionSeries:
    _require_coordinator(request)
    try:
        return series_for_user(user=request.user).get(pk=pk)
    except SessionSeries.DoesNotExist:
        raise Http404(_("No such series is open to you.")) from None


@login_required
@require_http_methods(["GET", "POST"])
def series_edit(request, pk: int):
    series = _series(request, pk)
    form = SeriesForm(request.POST if request.method == "POST" else None, user=request.user,
                      series=series)
    change, response = _series_form(request, form, lambda leave_out: services.series_update(
        actor=request.user, series=series, leave_out=leave_out, **form.service_arguments()),
        series=series)
    if response is not None:
        return response
    changed, kept = len(change.changed), len(change.kept)
    messages.success(request, _("The series “%(name)s” is changed.") % {"name": series.name})
    if changed:
        messages.success(request, ngettext(
            "%(count)d planned session changed with it; the people invited are told of a new "
            "time or place.",
            "%(count)d planned sessions changed with it; the people invited are told of a "
            "new time or place.", changed) % {"count": changed})
    if kept:
        messages.info(request, ngettext(
            "%(count)d planned session kept as it was (changed by itself, clashing, or its "
            "new day past or a holiday): %(days)s.",
            "%(count)d planned sessions kept as they were (changed by themselves, clashing, "
            "or their new day past or a holiday): %(days)s.", kept) % {
            "count": kept, "days": ", ".join(day_shown(s.starts_at)
                                             for s in change.kept)})
    _left_out_message(request, change.series)
    _report_messages(request, change.report, quiet=True)
    return redirect("sessions:series_list")


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


@login_required
@require_http_methods(["GET", "POST"])
def series_end(request, pk: int):
    """The last date; sent without ``confirm=1`` it writes nothing and lists the sessions
    ending there would cancel, with a button that confirms."""
    series = _series(request, pk)
    form = SeriesEndForm(request.POST if request.method == "POST" else None)
    context = {"form": form, "series": series}
    if request.method != "POST":
        return render(request, "sessions/series_end.html", context)
    if not form.is_valid():
        return render(request, "sessions/series_end.html", context, status=400)
    ends_on = form.cleaned_data["ends_on"]
    try:
        services.check_series_end(series=series, ends_on=ends_on)
        if request.POST.get("confirm") != "1":
            context["to_cancel"] = series_sessions_after(series=series, day=ends_on)
            context["ends_on"] = ends_on
            return render(request, "sessions/series_end.html", context)
        series, cancelled = services.series_end(actor=request.user, series=series,
                                                ends_on=ends_on)
    except ValidationError as error:
        add_service_errors(form, error)
        return render(request, "sessions/series_end.html", context, status=400)
    except services.SessionError as error:
        form.add_error(None, error.message)
        return render(request, "sessions/series_end.html", context, status=error.status_code)
    messages.success(request, ngettext(
        "“%(name)s” ends on %(day)s; %(count)d session after it is cancelled and everyone "
        "taking part is told.",
        "“%(name)s” ends on %(day)s; %(count)d sessions after it are cancelled and everyone "
        "taking part is told.", len(cancelled)) % {
        "name": series.name, "day": day_shown(ends_on), "count": len(cancelled)})
    return redirect("sessions:series_list")
