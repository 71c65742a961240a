from django.urls import path

from government import views

# Mounted at /officials/: officials' accounts.
app_name = "officials"

urlpatterns = [
    path("", views.official_list, name="list"),
    path("new/", views.official_create, name="create"),
    path("import/", views.official_import, name="import"),
    path("import/confirm/", views.official_import_confirm, name="import_confirm"),
    path("import/template.xlsx", views.official_import_template, name="import_template"),
    path("<int:pk>/", views.official_detail, name="detail"),
    path("<int:pk>/edit/", views.official_edit, name="edit"),
    path("<int:pk>/deactivate/", views.official_deactivate, name="deactivate"),
    path("<int:pk>/reactivate/", views.official_reactivate, name="reactivate"),
    path("<int:pk>/resend-link/", views.official_resend_link, name="resend_link"),
]
