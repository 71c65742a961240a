from django.urls import path

from entrepreneurs import views

app_name = "entrepreneurs"

urlpatterns = [
    path("", views.directory, name="list"),
    path("signup/", views.signup, name="signup"),
    path("signup/enterprise/", views.signup_enterprise, name="signup_enterprise"),
    path("pending/", views.pending, name="pending"),
    path("import/", views.import_upload, name="import"),
    path("import/confirm/", views.import_confirm, name="import_confirm"),
    path("import/template.xlsx", views.import_template, name="import_template"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/verify/", views.verify, name="verify"),
    path("enterprises/to-complete/", views.to_complete, name="to_complete"),
    path("enterprises/<int:pk>/complete/", views.enterprise_complete,
         name="enterprise_complete"),
    path("enterprises/<int:pk>/merge/", views.enterprise_merge, name="enterprise_merge"),
]

#: At the site's root (``huzhou_talks.urls``), without a namespace: the short path of the
#: link sent by SMS to a person added without an account.
root_urlpatterns = [
    path("c/<str:token>", views.claim, name="claim"),
]
