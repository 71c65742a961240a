from django.urls import path

from sessions import views

app_name = "sessions"

urlpatterns = [
    path("", views.session_list, name="list"),
    path("new/", views.session_create, name="create"),
    path("series/", views.series_list, name="series_list"),
    path("series/new/", views.series_create, name="series_create"),
    path("series/<int:pk>/generate/", views.series_generate, name="series_generate"),
    path("series/<int:pk>/pause/", views.series_pause, name="series_pause"),
    path("calendar/", views.calendar_feed, name="calendar_feed"),
    path("feed/<str:token>.ics", views.feed, name="feed"),
    path("<int:pk>/", views.session_detail, name="detail"),
    path("<int:pk>/edit/", views.session_edit, name="edit"),
    path("<int:pk>/open/", views.session_open, name="open"),
    path("<int:pk>/cancel/", views.session_cancel, name="cancel"),
    path("<int:pk>/invite/", views.session_invite, name="invite"),
    path("<int:pk>/register/", views.session_register, name="register"),
    path("<int:pk>/withdraw/", views.session_withdraw, name="withdraw"),
    path("<int:pk>/places/<int:attendance_pk>/cancel/", views.place_cancel,
         name="place_cancel"),
    path("<int:pk>/check-in/", views.check_in, name="check_in"),
    path("<int:pk>/check-in/<int:attendance_pk>/", views.check_in_tick, name="check_in_tick"),
    path("<int:pk>/check-in/<int:attendance_pk>/undo/", views.check_in_untick,
         name="check_in_untick"),
    path("<int:pk>/check-in/walk-in/", views.check_in_walk_in, name="check_in_walk_in"),
    path("<int:pk>/code/", views.check_in_code, name="code"),
    path("<int:pk>/scan/", views.check_in_scan, name="scan"),
    path("<int:pk>/minutes/", views.session_minutes, name="minutes"),
    path("<int:pk>/rate/", views.session_rate, name="rate"),
    path("<int:pk>/calendar.ics", views.session_ics, name="ics"),
]
