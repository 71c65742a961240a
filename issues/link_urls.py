"""The rating link of the SMS, at the site's root (``/r/<token>``: short, for an SMS)."""

from django.urls import path

from issues import views

app_name = "rating_link"

urlpatterns = [
    # No trailing slash: the SMS carries the path as it is.
    path("<str:token>", views.rating_link, name="page"),
    path("<str:token>/thanks/", views.rating_link_thanks, name="thanks"),
    path("<str:token>/files/<int:pk>/", views.rating_link_file, name="file"),
]
