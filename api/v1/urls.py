"""/api/v1/: the resources (docs/api.md): reads, the workflow's actions, submitting an issue
(POST on the issues collection), a place at a session."""

from django.urls import include, path

from api.v1 import figures, issues, notifications, reference, sessions
from api.v1.actions import ACTION_VIEWS
from api.v1.registration import SessionRegistrationView
from issues.urls import IssueReferenceConverter  # noqa: F401 - registers <reference:…>

app_name = "v1"

urlpatterns = [
    path("issues/", issues.IssueCollection.as_view(), name="issue-list"),
    path("issues/<reference:reference>/", issues.IssueDetailView.as_view(),
         name="issue-detail"),
    *(path(f"issues/<str:reference>/{segment}/", view.as_view(), name=f"issue-{segment}")
      for segment, view in ACTION_VIEWS.items()),
    path("categories/", reference.CategoryCollection.as_view(), name="category-list"),
    path("departments/", reference.DepartmentCollection.as_view(), name="department-list"),
    path("regions/", reference.RegionCollection.as_view(), name="region-list"),
    path("sessions/", sessions.SessionCollection.as_view(), name="session-list"),
    path("sessions/<int:pk>/", sessions.SessionDetailView.as_view(), name="session-detail"),
    path("sessions/<int:pk>/registration/", SessionRegistrationView.as_view(),
         name="session-registration"),
    path("notifications/", notifications.NotificationCollection.as_view(),
         name="notification-list"),
    path("notifications/<int:pk>/read/", notifications.NotificationRead.as_view(),
         name="notification-read"),
    path("figures/", figures.FiguresView.as_view(), name="figures"),
    path("tokens/", include("api.v1.token_urls")),
]
