from django import forms
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.admin.options import IncorrectLookupParameters
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from core import services
from core.forms import ModelMultipleChoiceField, with_clean_text
from core.models import CalendarDay, Heartbeat
from core.validators import clean_text_problems


class CleanTextAdminMixin:
    """Every form a ModelAdmin shows gets the clean-text check (``core.forms``): its forms
    (``form``, ``add_form``, ``action_form``...: each class attribute that is a form, guarded
    by ``guard_admin_site``), the list's editable rows and the inlines' forms. A list whose
    query string carries such characters (a filter with a NUL fails in PostgreSQL) is
    answered as any wrong filter is: back to the list with the "?e=1" notice."""

    def get_changelist_instance(self, request):
        if any(clean_text_problems(value) for _name, values in request.GET.lists()
               for value in values):
            raise IncorrectLookupParameters
        return super().get_changelist_instance(request)

    def get_changelist_form(self, request, **kwargs):
        return with_clean_text(super().get_changelist_form(request, **kwargs))

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        # A number past 64 bits is refused as a wrong choice, not a crashed query.
        kwargs.setdefault("form_class", ModelMultipleChoiceField)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_inline_instances(self, request, obj=None):
        inlines = super().get_inline_instances(request, obj)
        for inline in inlines:
            inline.form = with_clean_text(inline.form)
        return inlines


def _with_clean_text_admin(admin_class: type) -> type:
    forms_of_class = {
        name: with_clean_text(value) for name in dir(admin_class)
        if isinstance(value := getattr(admin_class, name, None), type)
        and issubclass(value, forms.BaseForm)
    }
    return type(admin_class.__name__, (CleanTextAdminMixin, admin_class),
                {"__module__": admin_class.__module__, "__doc__": admin_class.__doc__,
                 **forms_of_class})


def guard_admin_site(site: admin.AdminSite) -> None:
    """Put the clean-text check on every form of ``site``: its log-in form and each
    registered ModelAdmin's, the project's and the libraries' alike (registered again with
    ``CleanTextAdminMixin``). Called once every admin module is loaded (``core.apps``)."""
    site.login_form = with_clean_text(site.login_form or AdminAuthenticationForm)
    for model in apps.get_models():
        if not site.is_registered(model):
            continue
        admin_class = type(site.get_model_admin(model))
        if not issubclass(admin_class, CleanTextAdminMixin):
            site.unregister(model)
            site.register(model, _with_clean_text_admin(admin_class))


class ViewOnlyAdmin(admin.ModelAdmin):
    """Rows that only the application's own services write: the admin may look, not touch."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    """A table of rows, inside another row's page, that only the services write."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Heartbeat)
class HeartbeatAdmin(ViewOnlyAdmin):
    list_display = ("name", "last_seen")


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """The coordinators' corrections to the holiday library. Saving and deleting go through
    ``core.services``, so open issues' due dates are recomputed."""

    list_display = ("day", "weekday", "is_working_day", "note", "updated_by")
    list_filter = ("is_working_day",)
    date_hierarchy = "day"
    search_fields = ("note",)
    list_select_related = ("updated_by",)
    fields = ("day", "is_working_day", "note", "updated_by", "updated_at")
    readonly_fields = ("updated_by", "updated_at")

    @admin.display(description=_("weekday"), ordering="day")
    def weekday(self, obj: CalendarDay) -> str:
        return date_format(obj.day, "l")

    def get_readonly_fields(self, request, obj=None):
        # A saved entry keeps its day: another day is another entry.
        if obj is not None:
            return ("day", *self.readonly_fields)
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        entry = services.calendar_day_set(
            actor=request.user, day=obj.day, is_working_day=obj.is_working_day, note=obj.note,
        )
        # The admin logs the change and redirects with the object it was given.
        obj.pk = entry.pk
        obj._state.adding = False
        obj.updated_by = entry.updated_by
        obj.updated_at = entry.updated_at

    def delete_model(self, request, obj):
        services.calendar_day_remove(actor=request.user, day=obj.day)

    def delete_queryset(self, request, queryset):
        services.calendar_days_remove(actor=request.user,
                                      days=list(queryset.values_list("day", flat=True)))
