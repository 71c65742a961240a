from django.urls import path

from sessions import views

app_name = "sessions"


def _action(route: str, name: str):
    """A POST action on a session (``sessions.views.actions.ACTIONS``), named as its URL."""
    return path(route, views.session_action, {"action": name}, name=name)


#: The short link SMS texts carry, at the site's root (huzhou_talks/urls.py): a 302 to
#: the session's page.
SHORT_LINKS = [path("s/<int:pk>", views.session_short_link, name="short_session")]

urlpatterns = [
    path("", views.session_list, name="list"),
    path("new/", views.session_create, name="create"),
    path("series/", views.series_list, name="series_list"),
    path("series/new/", views.series_create, name="series_create"),
    path("series/<int:pk>/generate/", views.series_generate, name="series_generate"),
    path("series/<int:pk>/pause/", views.series_pause, name="series_pause"),
    path("series/<int:pk>/edit/", views.series_edit, name="series_edit"),
    path("series/<int:pk>/end/", views.series_end, name="series_end"),
    path("calendar/", views.calendar_feed, name="calendar_feed"),
    path("feed/<str:token>.ics", views.feed, name="feed"),
    path("<int:pk>/", views.session_detail, name="detail"),
    path("<int:pk>/edit/", views.session_edit, name="edit"),
    _action("<int:pk>/open/", "open"),
    _action("<int:pk>/cancel/", "cancel"),
    path("<int:pk>/invite/", views.session_invite, name="invite"),
    _action("<int:pk>/register/", "register"),
    _action("<int:pk>/withdraw/", "withdraw"),
    _action("<int:pk>/places/<int:attendance_pk>/cancel/", "place_cancel"),
    path("<int:pk>/check-in/", views.check_in, name="check_in"),
    _action("<int:pk>/check-in/<int:attendance_pk>/", "check_in_tick"),
    _action("<int:pk>/check-in/<int:attendance_pk>/undo/", "check_in_untick"),
    _action("<int:pk>/check-in/walk-in/", "check_in_walk_in"),
    path("<int:pk>/check-in/add/", views.check_in_add, name="check_in_add"),
    path("<int:pk>/code/", views.check_in_code, name="code"),
    path("<int:pk>/sign-in-sheet/", views.sign_in_sheet, name="sign_in_sheet"),
    path("<int:pk>/scan/", views.check_in_scan, name="scan"),
    _action("<int:pk>/minutes/", "minutes"),
    _action("<int:pk>/rate/", "rate"),
    path("<int:pk>/calendar.ics", views.session_ics, name="ics"),
]
