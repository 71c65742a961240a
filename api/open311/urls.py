"""/open311/v2/: Open311 GeoReport v2, each call in JSON or XML by its extension
(docs/api-open311.md)."""

from django.urls import path, re_path

from api.open311 import views

app_name = "open311"

_FMT = r"\.(?P<fmt>[^/.]*)$"

urlpatterns = [
    path("", views.not_found, name="root"),
    re_path(r"^discovery" + _FMT, views.discovery, name="discovery"),
    re_path(r"^services" + _FMT, views.services, name="services"),
    re_path(r"^services/(?P<service_code>[^/.]+)" + _FMT, views.service_definition,
            name="service"),
    re_path(r"^requests" + _FMT, views.requests, name="requests"),
    re_path(r"^requests/(?P<service_request_id>[^/.]+)" + _FMT, views.request_detail,
            name="request"),
    re_path(r"^tokens/(?P<token_id>[^/.]+)" + _FMT, views.token_detail, name="token"),
    # (?s): the catch-all takes line breaks too, so no address falls through to the site 404.
    re_path(r"^(?P<rest>(?s:.*))$", views.not_found, name="other"),
]
