"""Officials' accounts: the list, one official's page, creating and editing, switching an
account off and on, sending the password link again, and importing a list (administrators).
Thin: the rules are in government.services, the scope in government.selectors."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from core.forms import add_service_errors
from core.spreadsheet_views import SpreadsheetImport, import_views
from government import imports, services
from government.forms import OfficialCreateForm, OfficialEditForm, OfficialFilterForm
from government.models import Official
from government.selectors import (
    official_in_scope_for_user,
    official_list_for_user,
    official_regions_for_user,
)

PAGE_SIZE = 25
MAY_NOT_VIEW = _("Only administrators, coordinators, leaders and department leads can see "
                 "officials' accounts.")


def _require_view(user) -> None:
    if not user.has_perm("government.view_official"):
        raise PermissionDenied(MAY_NOT_VIEW)


def _require_manage(user) -> services.OfficialRights:
    rights = services.official_rights(user)
    if not rights.may_manage:
        raise PermissionDenied(rights.reason)
    return rights


def _official_or_404(user, pk: int) -> Official:
    try:
        return official_in_scope_for_user(user=user, pk=pk)
    except Official.DoesNotExist:
        raise Http404(_("No such official.")) from None


@login_required
def official_list(request):
    _require_view(request.user)
    form = OfficialFilterForm(request.GET, regions=official_regions_for_user(user=request.user))
    officials = official_list_for_user(user=request.user, **form.filters())
    page = Paginator(officials, PAGE_SIZE).get_page(request.GET.get("page"))
    rights = services.official_rights(request.user)
    for official in page:
        official.show_contact = services.show_contact(
            actor=request.user, official=official, rights=rights
        )
    return render(request, "government/official_list.html", {
        "form": form, "page_obj": page, "may_create": rights.may_manage,
        "may_import": request.user.is_superuser,
    })


@login_required
def official_detail(request, pk: int):
    _require_view(request.user)
    official = _official_or_404(request.user, pk)
    rights = services.official_rights(request.user)
    return render(request, "government/official_detail.html", {
        "official": official,
        "actions": services.official_actions(actor=request.user, official=official,
                                             rights=rights),
        "show_contact": services.show_contact(actor=request.user, official=official,
                                              rights=rights),
        "password_set": official.user.has_usable_password(),
    })


@login_required
def official_create(request):
    _require_manage(request.user)
    form = OfficialCreateForm(request.POST if request.method == "POST" else None,
                              actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            official = services.official_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _(
                "The account of %(name)s is ready. An email with a link to choose a password "
                "is on its way to %(email)s.") % {"name": official.name,
                                                  "email": official.user.email})
            return redirect("officials:detail", pk=official.pk)
    return render(request, "government/official_form.html", {"form": form, "official": None})


@login_required
def official_edit(request, pk: int):
    _require_manage(request.user)
    official = _official_or_404(request.user, pk)
    services.official_check_manage(actor=request.user, official=official)
    form = OfficialEditForm(request.POST if request.method == "POST" else None,
                              actor=request.user, official=official)
    if request.method == "POST" and form.is_valid():
        try:
            services.official_update(actor=request.user, official=official, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The changes are saved."))
            return redirect("officials:detail", pk=official.pk)
    return render(request, "government/official_form.html", {"form": form, "official": official})


def _action(service, success):
    """A POST-only view that runs one service on one official, then shows their page."""

    @require_POST
    @login_required
    def view(request, pk: int):
        _require_manage(request.user)
        official = _official_or_404(request.user, pk)
        try:
            service(actor=request.user, official=official)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, success % {"name": official.name})
        return redirect("officials:detail", pk=official.pk)

    return view


official_deactivate = _action(
    services.official_deactivate,
    _("%(name)s's account is deactivated: they can no longer log in. Their records stay."),
)
official_reactivate = _action(
    services.official_reactivate,
    _("%(name)s's account is active again."),
)
official_resend_link = _action(
    services.official_resend_link,
    _("A new link to choose a password has been emailed to %(name)s."),
)


# --- Importing a list (administrators) -----------------------------------------------------


def _require_importer(user) -> None:
    if not user.is_superuser:
        raise PermissionDenied(imports.NOT_AN_IMPORTER)


IMPORT = SpreadsheetImport(
    namespace="officials",
    title=_("Import officials"),
    intro=_("Create officials' accounts from a list. Each new official is emailed a "
            "one-time link to choose a password, as when an account is made by hand."),
    back_label=_("Officials"),
    changed=_("Something changed since the preview (an account with one "
              "of these emails or mobiles was made a moment ago). Nothing "
              "has been imported: check the rows below and import again."),
    success=lambda file_name, created: _(
        "Imported from %(file)s: %(count)d accounts created; each official is emailed a "
        "link to choose a password.") % {"file": file_name, "count": created},
    columns=imports.COLUMNS,
    require=_require_importer,
    check=services.officials_import_check,
    write=services.officials_import,
)
#: The import's pages: upload and preview, "Import", the template (administrators).
official_import, official_import_confirm, official_import_template = import_views(IMPORT)
