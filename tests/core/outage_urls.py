"""Views for the database-outage tests: the project's URLs, plus two that meet an outage."""

from django.db.utils import InterfaceError, OperationalError
from django.urls import path

from huzhou_talks.urls import urlpatterns as site


def lost_connection(request):
    raise OperationalError("server closed the connection unexpectedly")


def closed_connection(request):
    raise InterfaceError("connection already closed")


urlpatterns = [
    path("outage/operational/", lost_connection),
    path("outage/interface/", closed_connection),
    *site,
]
