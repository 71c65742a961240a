"""The admin of enterprises and entrepreneurs: corrections of names, contacts and details.

What a service writes is read-only here, so that it keeps one writer: the verification
(``entrepreneurs.services``: verify or refuse, with the audit and the person told), the
privacy consent (signing up) and the erasure (``privacy.services``). Every admin edit is
in the audit trail (``accounts.audit``).
"""

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
    readonly_fields = ("verification", "verified_at", "verified_by", "verification_note",
                       "privacy_notice_version", "privacy_consented_at", "anonymised_at")
