"""The admin of accounts: the audit trail (view only) and Django's own user admin.

Users are written by Django's auth forms here (names, passwords, staff flags); their role
groups are not picked here but follow the person's Official or Entrepreneur record
(``accounts.apps``), and every admin edit is in the audit trail (``accounts.audit``).
"""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from accounts.models import AuditEvent
from accounts.roles import ROLE_GROUP_NAMES
from core.admin import ViewOnlyAdmin


@admin.register(AuditEvent)
class AuditEventAdmin(ViewOnlyAdmin):
    list_display = ("created_at", "kind", "actor", "subject", "identifier", "ip_address")
    list_filter = ("kind",)
    list_select_related = ("actor", "subject")
    search_fields = ("identifier", "ip_address", "actor__username", "subject__username",
                     "message")
    date_hierarchy = "created_at"
    fields = ("created_at", "kind", "actor", "subject", "identifier", "ip_address",
              "user_agent", "message")


class ProgrammeUserAdmin(UserAdmin):
    """Role groups follow the person's Official or Entrepreneur record and are not picked here:
    a hand-picked role group would disagree with the department or verification on record."""

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups":
            kwargs["queryset"] = Group.objects.exclude(name__in=ROLE_GROUP_NAMES)
            kwargs["help_text"] = _(
                "Extra groups only. Programme roles come from the person's official record "
                "(department and role) or from an entrepreneur's verification."
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_related(self, request, form, formsets, change):
        # The form only offers extra groups: keep the role groups the user already has.
        if "groups" in form.cleaned_data and form.instance.pk:
            kept = form.instance.groups.filter(name__in=ROLE_GROUP_NAMES)
            form.cleaned_data["groups"] = [*form.cleaned_data["groups"], *kept]
        super().save_related(request, form, formsets, change)


admin.site.unregister(get_user_model())
admin.site.register(get_user_model(), ProgrammeUserAdmin)
