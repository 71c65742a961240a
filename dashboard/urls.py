from django.urls import path, re_path

from dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.index, name="index"),
    path("ranking/", views.ranking, name="ranking"),
    path("overdue/", views.overdue, name="overdue"),
    path("bulletin/", views.bulletin, name="bulletin"),
    re_path(r"^export/issues\.(?P<fmt>csv|xlsx)$", views.export_issues, name="export_issues"),
    re_path(r"^export/ranking\.(?P<fmt>csv|xlsx)$", views.export_ranking,
            name="export_ranking"),
]
