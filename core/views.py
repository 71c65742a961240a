"""The working-day calendar page: coordinators see a year's entries, add or correct a day and
remove one, on a phone as well as in the office. Thin: the rules are in core.services."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from core import services
from core.dates import day_shown
from core.forms import FIRST_YEAR, LAST_YEAR, CalendarDayForm, add_service_errors
from core.models import CalendarDay
from core.workdays import library_is_working_day, library_knows_year

MAY_NOT_VIEW = _("Only coordinators and administrators can see the working-day calendar.")


def _require(user, *perms: str, reason) -> None:
    if not all(user.has_perm(perm) for perm in perms):
        raise PermissionDenied(reason)


def _year_from(request) -> int:
    """``?year=`` when it is a year the page shows, this year otherwise."""
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = 0
    return year if FIRST_YEAR <= year <= LAST_YEAR else timezone.localdate().year


def _year_url(year: int) -> str:
    return f"{reverse('calendar:index')}?year={year}"


def _page(request, *, year: int, form: CalendarDayForm):
    entries = list(CalendarDay.objects.filter(day__year=year).select_related("updated_by"))
    for entry in entries:
        entry.without_entry = library_is_working_day(entry.day)
    user = request.user
    return render(request, "core/calendar.html", {
        "year": year,
        "previous_year": year - 1 if year > FIRST_YEAR else None,
        "next_year": year + 1 if year < LAST_YEAR else None,
        "entries": entries,
        "library_knows_year": library_knows_year(year),
        "form": form,
        "may_set": user.has_perm("core.add_calendarday")
        and user.has_perm("core.change_calendarday"),
        "may_remove": user.has_perm("core.delete_calendarday"),
    })


@login_required
def calendar_index(request):
    _require(request.user, "core.view_calendarday", reason=MAY_NOT_VIEW)
    form = CalendarDayForm(initial={"status": CalendarDayForm.OFF})
    return _page(request, year=_year_from(request), form=form)


@require_POST
@login_required
def calendar_day_set(request):
    _require(request.user, "core.view_calendarday", "core.add_calendarday",
             "core.change_calendarday", reason=services.MAY_NOT_SET_CALENDAR)
    form = CalendarDayForm(request.POST)
    if form.is_valid():
        try:
            entry = services.calendar_day_set(actor=request.user, **form.service_arguments())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            day = day_shown(entry.day)
            if entry.is_working_day:
                text = _("%(day)s is saved as a working day; open issues' due dates are "
                         "updated in the background.")
            else:
                text = _("%(day)s is saved as a day off; open issues' due dates are updated "
                         "in the background.")
            messages.success(request, text % {"day": day})
            return redirect(_year_url(entry.day.year))
    return _page(request, year=_year_from(request), form=form)


@require_POST
@login_required
def calendar_day_delete(request, day: str):
    _require(request.user, "core.view_calendarday", "core.delete_calendarday",
             reason=services.MAY_NOT_REMOVE_CALENDAR)
    try:
        the_day = date.fromisoformat(day)
    except ValueError:
        raise Http404(_("No such day.")) from None
    shown = day_shown(the_day)
    if services.calendar_day_remove(actor=request.user, day=the_day):
        messages.success(request, _(
            "The entry for %(day)s is removed: the holiday library decides that day again."
        ) % {"day": shown})
    else:
        messages.info(request, _("There was no entry for %(day)s.") % {"day": shown})
    return redirect(_year_url(the_day.year))
