"""/api/: the REST API, version 1, and its schema (docs/api.md)."""

from django.urls import include, path

app_name = "api"

urlpatterns: list = [
    path("v1/", include("api.v1.action_urls")),
]
