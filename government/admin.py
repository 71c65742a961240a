from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from government.models import Department, Official, Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("name", "name_en", "level", "division_code", "parent", "sort_order")
    list_filter = ("level",)
    search_fields = ("name", "name_en", "code", "division_code")
    prepopulated_fields = {"code": ("name_en",)}


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name", "name_en", "region", "is_active")
    list_filter = ("region", "is_active")
    list_select_related = ("region",)
    search_fields = ("name", "name_en", "code")


@admin.register(Official)
class OfficialAdmin(admin.ModelAdmin):
    list_display = ("name", "department", "role", "title", "user", "active")
    list_filter = ("role", "department__region")
    list_select_related = ("department__region", "user")
    search_fields = ("name", "user__username", "department__name", "mobile")
    autocomplete_fields = ("user", "department")

    @admin.display(boolean=True, description=_("active"), ordering="user__is_active")
    def active(self, official):
        return official.user.is_active
