from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from core.forms import CleanTextModelForm
from government import services
from government.models import Department, Official, Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("name", "name_en", "level", "division_code", "parent", "sort_order")
    list_filter = ("level",)
    search_fields = ("name", "name_en", "code", "division_code")
    prepopulated_fields = {"code": ("name_en",)}


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name", "name_en", "region", "is_active", "requires_sign_off")
    list_filter = ("region", "is_active", "requires_sign_off")
    list_select_related = ("region",)
    search_fields = ("name", "name_en", "code")


class _OfficialServiceForm(CleanTextModelForm):
    """A form whose whole validation is the service's (it runs the model's full_clean too),
    and which never changes its instance: ``OfficialAdmin.save_model`` calls the service."""

    # Longer than the stored 11 digits: "+86 137 0572 0009" is normalised by the model.
    mobile = forms.CharField(label=_("mobile"), max_length=20, required=False)
    actor = None  # the signed-in user, set by OfficialAdmin.get_form
    #: The service's arguments (the admin's form class lists more fields, read-only ones).
    service_fields: tuple[str, ...] = ()

    def service_data(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.service_fields}

    def validate_with_service(self, data: dict) -> None:
        raise NotImplementedError

    def _post_clean(self):
        if self.errors:
            return
        try:
            self.validate_with_service(self.service_data())
        except ValidationError as error:
            self._update_errors(error)
        except PermissionDenied as error:
            self.add_error(None, str(error))


class OfficialAddForm(_OfficialServiceForm):
    """Adding an official in the admin makes the account too, as the officials' pages do:
    government.services checks and creates it, and emails the link to choose a password."""

    email = forms.EmailField(
        label=_("Email"), max_length=150,
        help_text=_("The official logs in with it, and receives the link to choose a password "
                    "there."),
    )

    service_fields = ("name", "email", "department", "role", "title", "mobile")

    class Meta:
        model = Official
        fields = ("name", "email", "department", "role", "title", "mobile")

    def validate_with_service(self, data: dict) -> None:
        services.official_create_validate(actor=self.actor, **data)


class OfficialChangeForm(_OfficialServiceForm):
    """Changing an official in the admin goes through ``official_update``, as the officials'
    edit page does: the same rights, checks, role group and audit. The account stays."""

    service_fields = ("name", "department", "role", "title", "mobile")

    class Meta:
        model = Official
        fields = ("name", "department", "role", "title", "mobile")

    def validate_with_service(self, data: dict) -> None:
        services.official_update_validate(actor=self.actor, official=self.instance, **data)


@admin.register(Official)
class OfficialAdmin(admin.ModelAdmin):
    list_display = ("name", "department", "role", "title", "user", "active")
    list_filter = ("role", "department__region")
    list_select_related = ("department__region", "user")
    search_fields = ("name", "user__username", "department__name", "mobile")
    autocomplete_fields = ("department",)
    form = OfficialChangeForm
    add_form = OfficialAddForm
    add_fieldsets = ((None, {"fields": OfficialAddForm.service_fields}),)
    fieldsets = ((None, {"fields": ("user", *OfficialChangeForm.service_fields)}),)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return self.add_fieldsets
        return super().get_fieldsets(request, obj)

    def has_delete_permission(self, request, obj=None):
        # An official is deactivated through the service (the timeline and the audit keep
        # who did what), never deleted.
        return False

    def get_readonly_fields(self, request, obj=None):
        # The account an official record belongs to is made with it and never changes.
        return ("user",) if obj is not None else ()

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = self.add_form
        form = super().get_form(request, obj, **kwargs)
        form.actor = request.user  # a new form class per request
        return form

    def save_model(self, request, obj, form, change):
        data = form.service_data()
        if change:  # the form left ``obj`` as stored; the service changes and saves it
            services.official_update(actor=request.user, official=obj, **data)
            return
        created = services.official_create(actor=request.user, **data)
        for field in Official._meta.concrete_fields:
            setattr(obj, field.attname, getattr(created, field.attname))
        obj.user = created.user
        obj._state.adding = False
        obj._state.db = created._state.db

    @admin.display(boolean=True, description=_("active"), ordering="user__is_active")
    def active(self, official):
        return official.user.is_active
