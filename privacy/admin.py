from django.contrib import admin

from core.admin import ViewOnlyAdmin
from privacy.models import DeletionRequest


@admin.register(DeletionRequest)
class DeletionRequestAdmin(ViewOnlyAdmin):
    """Requests are asked and decided on the site (privacy.services), where the erasure runs."""

    list_display = ("id", "created_at", "entrepreneur", "status", "decided_by", "decided_at")
    list_filter = ("status",)
    list_select_related = ("entrepreneur__enterprise", "decided_by")
    search_fields = ("entrepreneur__enterprise__name", "entrepreneur__enterprise__credit_code",
                     "decision_note")
    date_hierarchy = "created_at"
    fields = ("entrepreneur", "requested_by", "reason", "status", "created_at", "decided_by",
              "decided_at", "decision_note")
