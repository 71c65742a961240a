from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from accounts import views as accounts_views
from accounts.forms import AdminLoginForm
from core.health import health_view
from core.metrics import metrics_view
from dashboard import views as dashboard_views
from entrepreneurs.urls import root_urlpatterns as entrepreneurs_short_links
from huzhou_talks import views
from huzhou_talks.monitoring import PROBES
from issues.urls import SHORT_LINKS as SHORT_ISSUE_LINKS
from sessions.urls import SHORT_LINKS as SHORT_SESSION_LINKS

admin.site.site_header = _("Huzhou Talks administration")
admin.site.site_title = _("Huzhou Talks")
admin.site.index_title = _("Programme data")
# The admin's log-in counts against the site's per-address log-in limit (accounts.views).
admin.site.login_form = AdminLoginForm

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/", include("accounts.urls")),
    path("entrepreneurs/", include("entrepreneurs.urls")),
    path("", include(entrepreneurs_short_links)),  # /c/<token>: claiming an account
    path("officials/", include("government.urls")),
    path("issues/", include("issues.urls")),
    path("r/", include("issues.link_urls")),
    path("sessions/", include("sessions.urls")),
    path("privacy/", include("privacy.urls")),
    path("dashboard/", include("dashboard.urls")),
    path("figures/", dashboard_views.public, name="public_figures"),
    path("inbox/", include("notifications.urls")),
    path("calendar/", include("core.urls")),
    path("api/", include("api.urls")),
    path("open311/v2/", include("api.open311.urls")),
    *([path("oidc/", include("government.oidc"))] if settings.OIDC_ENABLED else []),  # SSO
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/login/", accounts_views.admin_login, name="admin_login"),
    path("health/", health_view, {"probes": PROBES}, name="health"),
    path("metrics", metrics_view, {"probes": PROBES}, name="metrics"),
    path("admin/", admin.site.urls),
    # The short links SMS texts carry: /i/<reference> and /s/<pk>.
    *SHORT_ISSUE_LINKS,
    *SHORT_SESSION_LINKS,
]
