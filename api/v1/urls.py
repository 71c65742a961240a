"""/api/v1/: the read resources (docs/api-resources.md). Actions, submission, registration
and tokens are wired by their own modules."""

from django.urls import path

from api.v1 import figures, issues, notifications, reference, sessions
from issues.urls import IssueReferenceConverter  # noqa: F401 - registers <reference:…>

app_name = "v1"

urlpatterns = [
    path("issues/", issues.IssueCollection.as_view(), name="issue-list"),
    path("issues/<reference:reference>/", issues.IssueDetailView.as_view(),
         name="issue-detail"),
    path("categories/", reference.CategoryCollection.as_view(), name="category-list"),
    path("departments/", reference.DepartmentCollection.as_view(), name="department-list"),
    path("regions/", reference.RegionCollection.as_view(), name="region-list"),
    path("sessions/", sessions.SessionCollection.as_view(), name="session-list"),
    path("sessions/<int:pk>/", sessions.SessionDetailView.as_view(), name="session-detail"),
    path("notifications/", notifications.NotificationCollection.as_view(),
         name="notification-list"),
    path("notifications/<int:pk>/read/", notifications.NotificationRead.as_view(),
         name="notification-read"),
    path("figures/", figures.FiguresView.as_view(), name="figures"),
]
