"""Signing up, the verification queue, the entrepreneur directory for officials, importing
a county's list into it, the enterprises added at the door to complete, and claiming an
account by the SMS link."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from core.forms import add_service_errors, labelled_error
from core.ratelimits import rate_limit_hit
from core.spreadsheet_views import SpreadsheetImport, import_views
from entrepreneurs import imports, services
from entrepreneurs.forms import (
    ClaimForm,
    DirectoryFilterForm,
    EnterpriseConfirmForm,
    EnterpriseMergeForm,
    SignUpEnterpriseForm,
    SignUpPersonForm,
    VerificationDecisionForm,
)
from entrepreneurs.models import Enterprise, Entrepreneur
from entrepreneurs.selectors import (
    VIEW_PERMISSION,
    can_see_contact,
    entrepreneur_directory_for_user,
    entrepreneur_in_scope,
    may_verify,
    pending_entrepreneurs_for_user,
    provisional_enterprises_for_user,
    verifiable_entrepreneurs_for_user,
    verification_decider,
)
from entrepreneurs.tokens import ClaimLinkError, claim_token_person
from government.models import Region
from government.selectors import region_scope_for_user

PAGE_SIZE = 25
TOO_MANY_SIGN_UPS = _("Too many sign-ups from your network. Please wait a while and try again; "
                      "nothing has been registered.")
SIGNUP_START = _("Sign-up starts with your own details.")
NOT_IN_DIRECTORY = _("Only coordinators, leaders and administrators can look up entrepreneurs.")
TOO_MANY_CLAIMS = _("Too many attempts from your network. Please wait a while and try again; "
                    "nothing has been changed.")
CLAIM_REFUSALS = {
    ClaimLinkError.USED: _("This link has already been used: your account is set up. Log in "
                           "with your mobile number and the password you chose (or reset "
                           "it)."),
    ClaimLinkError.EXPIRED: _("This link has expired. Please call the coordinators: they "
                              "send you a new one."),
    ClaimLinkError.INVALID: _("This link is not complete or not one of ours. Open it exactly "
                              "as it came in the SMS, or call the coordinators."),
}
LOGIN_BACKEND = "accounts.backends.IdentifierBackend"


#: Where sign-up keeps step 1 (and what was typed at step 2, when the person goes back)
#: until step 2 is valid: the person's own session, never the page.
SIGNUP_DRAFT = "entrepreneurs.signup"


@sensitive_post_parameters("password", "password_confirm")
@require_http_methods(["GET", "POST"])
def signup(request):
    """Public, step 1 of 2: the person and their account. Nothing is written: what they
    typed waits in their session (the password only as its hash) for step 2."""
    if request.user.is_authenticated:
        return redirect("home")
    draft = request.session.get(SIGNUP_DRAFT, {})
    before = draft.get("person")
    if request.method == "POST":
        form = SignUpPersonForm(request.POST, password_chosen=bool(before))
        if form.is_valid():
            request.session[SIGNUP_DRAFT] = {**draft, "person": form.person_data(before=before)}
            return redirect("entrepreneurs:signup_enterprise")
    else:
        initial = {k: v for k, v in (before or {}).items() if k != "password_hash"}
        form = SignUpPersonForm(initial=initial, password_chosen=bool(before))
    return render(request, "entrepreneurs/signup.html", {"form": form, "step": 1})


@require_http_methods(["GET", "POST"])
def signup_enterprise(request):
    """Public, step 2 of 2: the enterprise. When it is valid the person, their account and
    the enterprise are written at once (``services.entrepreneur_sign_up``) and they are
    logged in; "Back" keeps what was typed here and returns to step 1."""
    if request.user.is_authenticated:
        return redirect("home")
    draft = request.session.get(SIGNUP_DRAFT, {})
    person = draft.get("person")
    if not person:
        messages.info(request, SIGNUP_START)
        return redirect("entrepreneurs:signup")
    if request.method != "POST":
        form = SignUpEnterpriseForm(initial=draft.get("enterprise", {}))
        return _signup_enterprise_page(request, form, person)
    form = SignUpEnterpriseForm(request.POST)
    if "back" in request.POST:
        request.session[SIGNUP_DRAFT] = {**draft, "enterprise": form.draft()}
        return redirect("entrepreneurs:signup")
    if not form.is_valid():
        return _signup_enterprise_page(request, form, person)
    if rate_limit_hit(request, name="signup"):
        form.add_error(None, TOO_MANY_SIGN_UPS)
        return _signup_enterprise_page(request, form, person, status=429)
    try:
        person = services.entrepreneur_sign_up(**person, **form.cleaned_data)
    except ValidationError as error:
        _add_sign_up_errors(form, error)
        return _signup_enterprise_page(request, form, person)
    del request.session[SIGNUP_DRAFT]
    login(request, person.user, backend=LOGIN_BACKEND)
    messages.success(request, _(
        "Welcome, %(name)s. A coordinator of %(region)s will verify your registration; "
        "until then you cannot submit issues or register for sessions."
    ) % {"name": person.name, "region": person.enterprise.region})
    return redirect("home")


def _signup_enterprise_page(request, form, person: dict, *, status: int = 200):
    return render(request, "entrepreneurs/signup.html",
                  {"form": form, "step": 2, "person": person}, status=status)


def _add_sign_up_errors(form, error: ValidationError) -> None:
    """The service's refusal on step 2: on its field there, or above the form with the
    name of the step-1 field it is about (someone took the mobile in the meantime)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    labels = SignUpPersonForm.base_fields
    for field, errors in error.error_dict.items():
        if field in form.fields:
            form.add_error(field, errors)
        else:
            label = labels[field].label if field in labels else ""
            for message in ValidationError(errors).messages:
                form.add_error(None, labelled_error(label, message) if label else message)


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


@login_required
def to_complete(request):
    """Coordinators and administrators: the enterprises added at the door in their scope,
    to confirm (their credit code checked) or merge into the registered one."""
    if not may_verify(user=request.user):
        raise PermissionDenied(services.NOT_AN_ENTERPRISE_KEEPER)
    page = Paginator(provisional_enterprises_for_user(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "entrepreneurs/to_complete.html", {
        "page": page, "scope": _scope(request.user),
    })


def _provisional(request, pk: int) -> Enterprise:
    if not may_verify(user=request.user):
        raise PermissionDenied(services.NOT_AN_ENTERPRISE_KEEPER)
    try:
        return provisional_enterprises_for_user(user=request.user).get(pk=pk)
    except Enterprise.DoesNotExist as error:
        raise Http404(services.NO_SUCH_ENTERPRISE) from error


def _complete_page(request, enterprise, *, confirm_form=None, merge_form=None, status=200):
    return render(request, "entrepreneurs/complete.html", {
        "enterprise": enterprise,
        "confirm_form": confirm_form or EnterpriseConfirmForm(initial={
            "credit_code": enterprise.credit_code or "", "name": enterprise.name,
            "industry": enterprise.industry, "scale": enterprise.scale}),
        "merge_form": merge_form or EnterpriseMergeForm(),
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def enterprise_complete(request, pk: int):
    """One enterprise added at the door: confirm it (POST here) or merge it."""
    enterprise = _provisional(request, pk)
    if request.method != "POST":
        return _complete_page(request, enterprise)
    form = EnterpriseConfirmForm(request.POST)
    if form.is_valid():
        try:
            services.enterprise_confirm(actor=request.user, enterprise=enterprise,
                                        **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("%(enterprise)s is confirmed.")
                             % {"enterprise": form.cleaned_data["name"]})
            return redirect("entrepreneurs:to_complete")
    return _complete_page(request, enterprise, confirm_form=form, status=400)


@login_required
@require_POST
def enterprise_merge(request, pk: int):
    """Merge an enterprise added at the door into the registered one with the code given."""
    enterprise = _provisional(request, pk)
    form = EnterpriseMergeForm(request.POST)
    if form.is_valid():
        try:
            target = services.enterprise_merge(actor=request.user, enterprise=enterprise,
                                               credit_code=form.cleaned_data["credit_code"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("%(source)s is merged into %(target)s.")
                             % {"source": enterprise.name, "target": target.name})
            return redirect("entrepreneurs:to_complete")
    return _complete_page(request, enterprise, merge_form=form, status=400)


@sensitive_post_parameters("password", "password_confirm")
@require_http_methods(["GET", "POST"])
def claim(request, token: str):
    """``/c/<token>``, the link in the SMS to a person added without an account: they set a
    password (their mobile is their user name), and are logged in to their own record."""
    if request.user.is_authenticated:
        return render(request, "entrepreneurs/claim.html", {"signed_in": True})
    try:
        person = claim_token_person(token)
    except ClaimLinkError as error:
        return render(request, "entrepreneurs/claim.html",
                      {"refusal": CLAIM_REFUSALS[error.reason]}, status=400)
    form = ClaimForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if rate_limit_hit(request, name="account_claim"):
            form.is_valid()
            form.add_error(None, TOO_MANY_CLAIMS)
            status = 429
        elif form.is_valid():
            try:
                person = services.entrepreneur_claim(
                    token=token, password=form.cleaned_data["password"],
                    privacy_consent=form.cleaned_data["privacy_consent"])
            except ClaimLinkError as error:
                return render(request, "entrepreneurs/claim.html",
                              {"refusal": CLAIM_REFUSALS[error.reason]}, status=400)
            except ValidationError as error:
                add_service_errors(form, error)
                status = 400
            else:
                login(request, person.user, backend=LOGIN_BACKEND)
                messages.success(request, _(
                    "Welcome, %(name)s. Your account is set up: you log in with your mobile "
                    "number %(mobile)s. Your issues and sessions are all here."
                ) % {"name": person.name, "mobile": person.mobile})
                return redirect("home")
        else:
            status = 400
    return render(request, "entrepreneurs/claim.html",
                  {"form": form, "person": person}, status=status)


def _scope(user) -> Region | None:
    """The region the user's lists are limited to; None for the whole city (administrators)."""
    return None if user.is_superuser else region_scope_for_user(user=user)


# --- Importing a list ------------------------------------------------------------------------


def _require_importer(user) -> None:
    if not may_verify(user=user):
        raise PermissionDenied(imports.NOT_AN_IMPORTER)


def _imported(file_name: str, outcome: services.ImportOutcome) -> str:
    return _(
        "Imported from %(file)s: %(people)d people and %(enterprises)d enterprises added; "
        "%(matched)d already in the directory; %(wrong)d wrong rows left out."
    ) % {"file": file_name, "people": outcome.people, "enterprises": outcome.enterprises,
         "matched": outcome.matched, "wrong": outcome.wrong}


def _template_examples(user) -> dict | None:
    scope = _scope(user)
    return {"region": scope.name} if scope else None


IMPORT = SpreadsheetImport(
    namespace="entrepreneurs",
    title=_("Import entrepreneurs"),
    intro=_("Add the people and enterprises of a list kept in Excel to the directory. "
            "They need no account: like people added at the door, they are verified "
            "by you and may claim an account later."),
    scope=_scope,
    back_label=_("Entrepreneurs"),
    changed=_("Something changed since the preview (someone added one of "
              "these people or enterprises a moment ago). Nothing has "
              "been imported: check the rows below and import again."),
    success=_imported,
    columns=imports.COLUMNS,
    examples=_template_examples,
    require=_require_importer,
    check=imports.check_rows,
    write=services.entrepreneurs_import,
)
#: The import's pages: upload and preview, "Import", the template (coordinators, administrators).
import_upload, import_confirm, import_template = import_views(IMPORT)
