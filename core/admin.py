from django.contrib import admin

from core.models import Heartbeat


class ViewOnlyAdmin(admin.ModelAdmin):
    """Rows that only the application's own services write: the admin may look, not touch."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Heartbeat)
class HeartbeatAdmin(ViewOnlyAdmin):
    list_display = ("name", "last_seen")
