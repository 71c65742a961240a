"""/api/: the REST API, version 1, and its schema (docs/api.md)."""

app_name = "api"

urlpatterns: list = []
