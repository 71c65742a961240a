"""Signing up, the verification queue, and the entrepreneur directory for officials."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from core.forms import add_service_errors
from core.ratelimits import rate_limit_hit
from entrepreneurs import services
from entrepreneurs.forms import DirectoryFilterForm, SignUpForm, VerificationDecisionForm
from entrepreneurs.models import Entrepreneur
from entrepreneurs.selectors import (
    VIEW_PERMISSION,
    can_see_contact,
    entrepreneur_directory_for_user,
    entrepreneur_in_scope,
    may_verify,
    pending_entrepreneurs_for_user,
    verifiable_entrepreneurs_for_user,
    verification_decider,
)
from government.models import Region
from government.selectors import region_scope_for_user

PAGE_SIZE = 25
TOO_MANY_SIGN_UPS = _("Too many sign-ups from your network. Please wait a while and try again; "
                      "nothing has been registered.")
NOT_IN_DIRECTORY = _("Only coordinators, leaders and administrators can look up entrepreneurs.")
LOGIN_BACKEND = "accounts.backends.IdentifierBackend"


def signup(request):
    """Public: a person registers themself and their enterprise, then waits for verification."""
    if request.user.is_authenticated:
        return redirect("home")
    form = SignUpForm(request.POST) if request.method == "POST" else SignUpForm()
    if request.method == "POST" and form.is_valid():
        if rate_limit_hit(request, name="signup"):
            form.add_error(None, TOO_MANY_SIGN_UPS)
            return render(request, "entrepreneurs/signup.html", {"form": form}, status=429)
        try:
            person = services.entrepreneur_sign_up(**form.sign_up_arguments())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            login(request, person.user, backend=LOGIN_BACKEND)
            messages.success(request, _(
                "Welcome, %(name)s. A coordinator of %(region)s will verify your registration; "
                "until then you cannot submit issues or register for sessions."
            ) % {"name": person.name, "region": person.enterprise.region})
            return redirect("home")
    return render(request, "entrepreneurs/signup.html", {"form": form})


@login_required
def pending(request):
    """Coordinators and administrators: the people waiting for verification in their scope."""
    if not may_verify(user=request.user):
        raise PermissionDenied(services.NOT_A_VERIFIER)
    page = Paginator(pending_entrepreneurs_for_user(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "entrepreneurs/pending.html", {
        "page": page, "scope": _scope(request.user),
    })


@login_required
def directory(request):
    """Coordinators, leaders and administrators: the people of their scope, searchable."""
    user = request.user
    if not user.has_perm(VIEW_PERMISSION):
        raise PermissionDenied(NOT_IN_DIRECTORY)
    scope = _scope(user)
    form = DirectoryFilterForm(
        request.GET or None, regions=Region.objects.all() if scope is None else None
    )
    form.is_valid()
    filters = getattr(form, "cleaned_data", {})
    people = entrepreneur_directory_for_user(
        user=user, search=filters.get("q", ""), verification=filters.get("verification", ""),
        region=filters.get("region"),
    )
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    for person in page:
        person.show_contact = can_see_contact(user, person)
    return render(request, "entrepreneurs/list.html", {
        "page": page, "form": form, "scope": scope, "may_verify": may_verify(user=user),
    })


@login_required
def detail(request, pk: int):
    """One person: officials who may look people up, within their scope (else 404)."""
    if not request.user.has_perm(VIEW_PERMISSION):
        raise PermissionDenied(NOT_IN_DIRECTORY)
    try:
        person = entrepreneur_in_scope(user=request.user, pk=pk)
    except Entrepreneur.DoesNotExist as error:
        raise Http404(_("No such person in your region.")) from error
    return _detail_page(request, person)


def _detail_page(request, person: Entrepreneur, *, decision_form=None, status: int = 200):
    user = request.user
    decide = may_verify(user=user) and person.verification == Entrepreneur.Verification.PENDING
    if decide and decision_form is None:
        decision_form = VerificationDecisionForm()
    return render(request, "entrepreneurs/detail.html", {
        "person": person,
        "show_contact": can_see_contact(user, person),
        "decision_form": decision_form if decide else None,
        "decider": verification_decider(entrepreneur=person),
    }, status=status)


@require_POST
@login_required
def verify(request, pk: int):
    """A coordinator's decision: decision=verify, or decision=refuse with a reason."""
    user = request.user
    if not may_verify(user=user):
        raise PermissionDenied(services.NOT_A_VERIFIER)
    try:
        person = verifiable_entrepreneurs_for_user(user=user).select_related(
            "enterprise__region", "user", "verified_by"
        ).get(pk=pk)
    except Entrepreneur.DoesNotExist as error:
        raise Http404(_("No such person in your region.")) from error
    form = VerificationDecisionForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, person, decision_form=form)
    try:
        if form.cleaned_data["decision"] == VerificationDecisionForm.VERIFY:
            services.entrepreneur_verify(actor=user, entrepreneur=person)
            messages.success(request, _("%(name)s is verified and has been told.")
                             % {"name": person.name})
        else:
            services.entrepreneur_refuse(
                actor=user, entrepreneur=person, reason=form.cleaned_data["reason"]
            )
            messages.success(request, _("The registration of %(name)s is refused; they have "
                                        "been told why.") % {"name": person.name})
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("entrepreneurs:detail", pk=person.pk)
    return redirect("entrepreneurs:pending")


def _scope(user) -> Region | None:
    """The region the user's lists are limited to; None for the whole city (administrators)."""
    return None if user.is_superuser else region_scope_for_user(user=user)
