"""Tokens and system keys in the admin.

An administrator issues a system key here (name, role, department, read-write or not): the
service account (an official with an unusable password) and the key are made by
``api.services.system_key_issue``, and the key is shown once, in a message. Personal
access tokens are listed read-only. Any active token can be revoked (an action); nothing
is ever changed or deleted otherwise.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from api import services
from api.forms import SystemKeyForm
from api.models import ApiToken

FIELDS = ("name", "kind", "user", "prefix", "writable", "created_by", "created_at",
          "expires_at", "last_used_at", "revoked_at")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "user", "prefix", "writable", "created_at",
                    "last_used_at", "revoked_at")
    list_filter = ("kind", "writable", ("revoked_at", admin.EmptyFieldListFilter))
    list_select_related = ("user",)
    search_fields = ("name", "prefix", "user__username")
    actions = ("revoke",)
    add_form = SystemKeyForm

    def get_fields(self, request, obj=None):
        return ("name", "role", "department", "writable") if obj is None else FIELDS

    def get_readonly_fields(self, request, obj=None):
        return FIELDS if obj is not None else ()

    def has_change_permission(self, request, obj=None):
        # A token's page only shows it (view-only): it is never edited, only revoked.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # revoked, never deleted: the row says who used what, and when

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = self.add_form
        form = super().get_form(request, obj, **kwargs)
        form.actor = request.user  # a new form class per request
        return form

    def save_model(self, request, obj, form, change):
        if change:
            return
        data = form.cleaned_data
        token, text = services.system_key_issue(
            actor=request.user, name=data["name"], role=data["role"],
            department=data["department"], writable=data["writable"],
            email=form.service_email,
        )
        for field in ApiToken._meta.concrete_fields:
            setattr(obj, field.attname, getattr(token, field.attname))
        obj._state.adding = False
        obj._state.db = token._state.db
        messages.warning(request, _(
            "The system key “%(name)s”: %(token)s — copy it now and hand it to the system's "
            "operators: it is shown this once and never again.") % {"name": token.name,
                                                                     "token": text})

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        revoked = 0
        for token in queryset.filter(revoked_at__isnull=True):
            try:
                services.token_revoke(actor=request.user, token=token)
            except PermissionDenied:
                self.message_user(request, _("Only a superuser may revoke other people's "
                                             "tokens."), messages.ERROR)
                return
            revoked += 1
        self.message_user(request, ngettext("%(count)d token revoked.",
                                            "%(count)d tokens revoked.", revoked)
                          % {"count": revoked}, messages.SUCCESS)
