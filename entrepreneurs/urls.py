from django.urls import path

from entrepreneurs import views

app_name = "entrepreneurs"

urlpatterns = [
    path("", views.directory, name="list"),
    path("signup/", views.signup, name="signup"),
    path("pending/", views.pending, name="pending"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/verify/", views.verify, name="verify"),
]
