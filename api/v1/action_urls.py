"""The API's writes (``/api/v1/``): the workflow's actions, submitting an issue, a place at
a session. Mounted by ``api.urls``."""

from django.urls import path

from api.v1.actions import ACTION_VIEWS
from api.v1.registration import SessionRegistrationView
from api.v1.submission import IssueSubmitView

urlpatterns = [
    # Temporary: the issues collection (GET list) takes IssueSubmitMixin in at the merge.
    path("issues/", IssueSubmitView.as_view(), name="issue-submit"),
    *(path(f"issues/<str:reference>/{segment}/", view.as_view(), name=f"issue-{segment}")
      for segment, view in ACTION_VIEWS.items()),
    path("sessions/<int:pk>/registration/", SessionRegistrationView.as_view(),
         name="session-registration"),
]
