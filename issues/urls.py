from django.urls import path, register_converter

from issues import views


class IssueReferenceConverter:
    """HZ-2026-000123: only a reference's shape reaches the issue page, so other paths
    under /issues/ (new/, …) stay free for their own views."""

    regex = r"HZ-[0-9]{4}-[0-9]{6,}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(IssueReferenceConverter, "reference")

app_name = "issues"

urlpatterns = [
    path("", views.issue_list, name="list"),
    path("<reference:reference>/", views.issue_detail, name="detail"),
]
