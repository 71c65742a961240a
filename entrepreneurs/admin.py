from django.contrib import admin

from entrepreneurs.models import Enterprise, Entrepreneur


class EntrepreneurInline(admin.TabularInline):
    model = Entrepreneur
    fields = ("name", "mobile", "email", "position", "is_new_generation", "consent_to_contact")
    extra = 0
    show_change_link = True


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = ("name", "credit_code", "region", "industry", "scale", "created_at")
    list_filter = ("region", "industry", "scale")
    list_select_related = ("region",)
    search_fields = ("name", "credit_code")
    date_hierarchy = "created_at"
    inlines = (EntrepreneurInline,)


@admin.register(Entrepreneur)
class EntrepreneurAdmin(admin.ModelAdmin):
    list_display = ("name", "enterprise", "mobile", "position", "is_new_generation",
                    "consent_to_contact")
    list_filter = ("is_new_generation", "consent_to_contact", "enterprise__region")
    list_select_related = ("enterprise",)
    search_fields = ("name", "mobile", "email", "enterprise__name", "enterprise__credit_code")
    autocomplete_fields = ("user", "enterprise")
