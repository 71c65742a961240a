from django.urls import path, register_converter

from issues import views
from issues.services import REFERENCE_REGEX
from issues.workflow import Action


class IssueReferenceConverter:
    """HZ-2026-000123: only a reference's shape reaches the issue page, so other paths
    under /issues/ (new/, …) stay free for their own views."""

    regex = REFERENCE_REGEX

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(IssueReferenceConverter, "reference")

app_name = "issues"

#: Each workflow action but the rating and the follow-up call (which have their own pages;
#: the rating by phone is taken on the call's) posts to <reference>/<action>/, named after
#: the action.
OWN_PAGES = (Action.RATE, Action.RATE_BY_PHONE, Action.RECORD_CALL)
ACTIONS = [action for action in Action if action not in OWN_PAGES]

#: The short link SMS texts carry, at the site's root (huzhou_talks/urls.py): a 302 to
#: the issue page.
SHORT_LINKS = [path("i/<reference:reference>", views.issue_short_link, name="short_issue")]

urlpatterns = [
    path("", views.issue_list, name="list"),
    path("new/", views.issue_new, name="new"),
    path("supervision/", views.supervision, name="supervision"),
    path("follow-up/", views.follow_up, name="follow_up"),
    path("<reference:reference>/", views.issue_detail, name="detail"),
    path("<reference:reference>/rate/", views.issue_rate, name="rate"),
    path("<reference:reference>/call/", views.record_call, name="record_call"),
    path("<reference:reference>/attachments/<int:pk>/", views.attachment_download,
         name="attachment"),
    *(
        path(f"<reference:reference>/{action.value}/", views.issue_action,
             {"action": action.value}, name=action.value)
        for action in ACTIONS
    ),
]
