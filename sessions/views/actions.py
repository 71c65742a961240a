"""The POST actions on a session, one table entry each (``ACTIONS``), all answered by
``session_action``: from the session's page (open registration, cancel, register, give up
a place, take a place back, minutes and closing, rating) and from the door list (tick,
untick, add a walk-in).

A refused action brings its page back with the reason and the matching status code (403,
409, 400) and, on the session's page, the form as it was sent.

An action that cannot simply be taken back (closing a session, undoing a check-in) asks
first: its POST without ``confirm=1`` changes nothing and answers a page that says what will
happen, with a form that sends the same values again and ``confirm=1``. No script needed.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.forms import add_service_errors
from entrepreneurs.models import Entrepreneur
from entrepreneurs.selectors import entrepreneur_for_user, entrepreneurs_for_user
from sessions import services
from sessions.forms import MinutesForm, ReasonForm, SessionRateForm
from sessions.models import Attendance, TalkSession
from sessions.services import SessionError
from sessions.views.check_in_pages import _check_in_page
from sessions.views.common import _attendance, _back_to_detail, _managed, _refused, _session


@dataclass
class Sent:
    """One action as sent: the request, the session, the form's values, the place named
    in the address (if any)."""

    request: HttpRequest
    session: TalkSession
    data: dict
    attendance_pk: int | None

    @property
    def user(self):
        return self.request.user

    def place(self) -> Attendance:
        return _attendance(self.session, self.attendance_pk)


@dataclass(frozen=True)
class Confirmation:
    """What the person is asked before the action is taken: the question, what follows
    from it, and the button that confirms."""

    question: str
    consequence: str
    button: str


@dataclass(frozen=True)
class SessionAction:
    """``run(sent)`` calls the service; ``done(sent, result)`` is the message after it, and
    ``level(result)`` its kind. Without ``done`` the action is at the door: back to the
    door list at the person's row, saying nothing. ``manage``: for the session's
    coordinators only (else for anyone who sees it). ``form``: parsed first, and carried
    on the session's page as ``form_name``. ``confirm(sent)``: the ``Confirmation`` to ask
    for first (None when this sending needs none); only a POST with ``confirm=1`` runs."""

    run: Callable
    done: Callable | None = None
    level: Callable = lambda result: messages.SUCCESS
    manage: bool = True
    form: type | None = None
    form_name: str = ""
    confirm: Callable | None = None


def _withdraw(sent: Sent) -> Attendance:
    """The entrepreneur gives up their place (or waiting-list place, or invitation)."""
    person = entrepreneur_for_user(user=sent.user)
    if person is None:
        raise PermissionDenied(_("Only entrepreneurs give up their own places."))
    attendance = sent.session.attendances.filter(entrepreneur=person).first()
    if attendance is None:
        raise services.WrongState(_("You have no place at this session."))
    return services.attendance_cancel(actor=sent.user, attendance=attendance)


def _minutes(sent: Sent) -> TalkSession:
    """Save the minutes, or (the "close" button) close the session with them."""
    write = (services.session_close if _closing(sent) else services.session_minutes_save)
    return write(actor=sent.user, session=sent.session, minutes=sent.data["minutes"])


def _closing(sent: Sent) -> bool:
    return "close" in sent.request.POST


def _confirm_closing(sent: Sent) -> Confirmation | None:
    if not _closing(sent):
        return None  # saving the minutes asks nothing
    # A closing that would be refused is refused now, not after the question.
    services.check_session_close(session=sent.session, minutes=sent.data["minutes"])
    return Confirmation(
        question=_("Close this session?"),
        consequence=_("Closing marks the session held: people registered but not checked "
                      "in are marked absent, and the counts of attendees and issues raised "
                      "are fixed."),
        button=_("Close the session"))


def _confirm_undo(sent: Sent) -> Confirmation:
    name = sent.place().entrepreneur.name
    return Confirmation(
        question=_("Undo the check-in of %(name)s?") % {"name": name},
        consequence=_("%(name)s goes back to registered, as if they had not come. Tick them "
                      "again if they are here.") % {"name": name},
        button=_("Undo the check-in"))


def _walk_in(sent: Sent) -> Attendance:
    try:
        person = entrepreneurs_for_user(user=sent.user).get(
            pk=int(sent.request.POST["entrepreneur"]))
    except (KeyError, ValueError, Entrepreneur.DoesNotExist):
        raise ValidationError(_("Choose the person from the search results.")) from None
    return services.attendance_add_walk_in(actor=sent.user, session=sent.session,
                                           entrepreneur=person)


#: URL name → the action posted there (``sessions/<pk>/…``; see ``sessions.urls``).
ACTIONS = {
    "open": SessionAction(
        run=lambda sent: services.session_open_registration(actor=sent.user,
                                                            session=sent.session),
        done=lambda sent, result: _("Registration is open.")),
    "cancel": SessionAction(
        form=ReasonForm, form_name="cancel_form",
        run=lambda sent: services.session_cancel(actor=sent.user, session=sent.session,
                                                 reason=sent.data["reason"]),
        done=lambda sent, result: _("The session is cancelled; everyone taking part is "
                                    "told.")),
    "register": SessionAction(
        manage=False,
        run=lambda sent: services.attendance_register(user=sent.user, session=sent.session),
        done=lambda sent, result: (
            _("The session is full: you are on the waiting list and will be told if a place "
              "comes free.") if result.status == Attendance.Status.WAITLISTED else
            _("You are registered. You will be reminded before the session.")),
        level=lambda result: (messages.WARNING if result.status == Attendance.Status.WAITLISTED
                              else messages.SUCCESS)),
    "withdraw": SessionAction(
        manage=False, run=_withdraw,
        done=lambda sent, result: _("Your place is given up.")),
    "place_cancel": SessionAction(  # a coordinator takes a place back (they cannot come)
        run=lambda sent: services.attendance_cancel(actor=sent.user, attendance=sent.place()),
        done=lambda sent, result: _("%(name)s's place is cancelled.")
        % {"name": result.entrepreneur.name}),
    "minutes": SessionAction(
        form=MinutesForm, form_name="minutes_form", run=_minutes, confirm=_confirm_closing,
        done=lambda sent, result: (_("The session is closed and its counts are fixed.")
                                   if _closing(sent) else _("The minutes are saved."))),
    "rate": SessionAction(
        manage=False, form=SessionRateForm, form_name="rate_form",
        run=lambda sent: services.attendance_rate(user=sent.user, session=sent.session,
                                                  rating=sent.data["rating"],
                                                  comment=sent.data["comment"]),
        done=lambda sent, result: _("Thank you for rating the session.")),
    "check_in_tick": SessionAction(
        run=lambda sent: services.attendance_check_in(actor=sent.user,
                                                      attendance=sent.place())),
    "check_in_untick": SessionAction(
        confirm=_confirm_undo,
        run=lambda sent: services.attendance_undo_check_in(actor=sent.user,
                                                           attendance=sent.place())),
    "check_in_walk_in": SessionAction(run=_walk_in),
}


@login_required
@require_POST
def session_action(request, pk: int, action: str, attendance_pk: int | None = None):
    """One action on one session: parse its form, let the service decide, and go back to
    the page it came from."""
    entry = ACTIONS[action]
    session = _managed(request, pk) if entry.manage else _session(request, pk)
    if entry.done is None:
        return _at_the_door(request, entry, Sent(request, session, {}, attendance_pk))
    forms = {}
    if entry.form is not None:
        form = forms[entry.form_name] = entry.form(request.POST)
        if not form.is_valid():
            return _back_to_detail(request, pk, 400, **forms)
    sent = Sent(request, session, form.cleaned_data if forms else {}, attendance_pk)
    try:
        asking = _unconfirmed(entry, sent)
        if asking is not None:
            return asking
        result = entry.run(sent)
    except ValidationError as error:
        if not forms:
            return _back_to_detail(request, pk, error)
        add_service_errors(form, error)
        return _back_to_detail(request, pk, 400, **forms)
    except SessionError as error:
        return _back_to_detail(request, pk, error, **forms)
    messages.add_message(request, entry.level(result), entry.done(sent, result))
    return redirect("sessions:detail", pk=pk)


def _unconfirmed(entry: SessionAction, sent: Sent):
    """The page asking to confirm, when the action asks and the POST has not confirmed
    (nothing is written); else None. ``confirm`` may refuse at once as the service would
    (``SessionError``, ``ValidationError``)."""
    request = sent.request
    if entry.confirm is None or request.POST.get("confirm") == "1":
        return None
    confirmation = entry.confirm(sent)
    if confirmation is None:
        return None
    if entry.done is None:  # at the door: back to the person's row
        back = (reverse("sessions:check_in", args=[sent.session.pk])
                + (f"#attendance-{sent.attendance_pk}" if sent.attendance_pk else ""))
    else:
        back = reverse("sessions:detail", args=[sent.session.pk])
    carried = [(name, value) for name, values in request.POST.lists()
               if name not in ("csrfmiddlewaretoken", "confirm") for value in values]
    return render(request, "sessions/confirm.html", {
        "session": sent.session, "confirmation": confirmation, "carried": carried,
        "action": request.path, "back": back,
    })


def _at_the_door(request, entry: SessionAction, sent: Sent):
    try:
        asking = _unconfirmed(entry, sent)
        if asking is not None:
            return asking
        result = entry.run(sent)
    except (SessionError, ValidationError) as error:
        return _check_in_page(request, sent.session, status=_refused(request, error))
    return redirect(reverse("sessions:check_in", args=[sent.session.pk])
                    + f"#attendance-{result.pk}")
