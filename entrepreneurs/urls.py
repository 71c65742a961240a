from django.urls import path

from entrepreneurs import views

app_name = "entrepreneurs"

urlpatterns = [
    path("", views.directory, name="list"),
    path("signup/", views.signup, name="signup"),
    path("pending/", views.pending, name="pending"),
    path("import/", views.import_upload, name="import"),
    path("import/confirm/", views.import_confirm, name="import_confirm"),
    path("import/template.xlsx", views.import_template, name="import_template"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/verify/", views.verify, name="verify"),
]
