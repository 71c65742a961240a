"""/api/: the REST API, version 1, its schema and reference, and the tokens page
(docs/api.md)."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView

from api import views

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", views.ReferenceView.as_view(), name="docs"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("v1/", include("api.v1.urls")),
    # Last: any other address under v1/ is a 404 problem (application/problem+json).
    re_path(r"^v1/", views.UnknownAddress.as_view(), name="unknown"),
]
