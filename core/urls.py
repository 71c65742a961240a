from django.urls import path

from core import views

# Mounted at /calendar/: the working-day calendar.
app_name = "calendar"

urlpatterns = [
    path("", views.calendar_index, name="index"),
    path("days/", views.calendar_day_set, name="set"),
    path("days/<str:day>/delete/", views.calendar_day_delete, name="delete"),
]
