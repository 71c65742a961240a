"""While the database cannot be reached, every page is a plain 503 in the reader's language.

The real outage (PostgreSQL behind a proxy that is cut, then restored) is
tests/integration/test_database_outage.py; here the errors are raised by hand.
"""

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db.utils import OperationalError
from django.test import Client, RequestFactory

from core.middleware import database_unavailable_response

pytestmark = pytest.mark.urls("tests.core.outage_urls")

CHINESE = "服务暂时不可用"
ENGLISH = "The service is temporarily unavailable"


def assert_outage_page(response, *, text: str) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    assert text in page
    assert "Traceback" not in page and "OperationalError" not in page


@pytest.mark.parametrize("url", ["/outage/operational/", "/outage/interface/"])
def test_a_view_meeting_a_database_outage_answers_503_in_chinese(client, url):
    assert_outage_page(client.get(url), text=CHINESE)


def test_the_page_is_in_english_for_an_english_browser(client):
    response = client.get("/outage/operational/", HTTP_ACCEPT_LANGUAGE="en")
    assert_outage_page(response, text=ENGLISH)
    assert response["Content-Language"] == "en"


def test_the_page_follows_the_language_cookie(client):
    client.cookies["django_language"] = "en"
    assert_outage_page(client.get("/outage/operational/"), text=ENGLISH)


@pytest.mark.django_db
def test_a_signed_in_visitor_whose_session_cannot_be_loaded_gets_the_page(client, monkeypatch):
    """The session lookup itself fails (the first query of most requests)."""
    client.cookies["sessionid"] = "s" * 32

    def unreachable(self):
        raise OperationalError("could not connect to server: Connection refused")

    monkeypatch.setattr(SessionStore, "_get_session_from_db", unreachable)
    assert_outage_page(client.get("/", HTTP_ACCEPT_LANGUAGE="en"), text=ENGLISH)


class FailingMiddleware:
    """Stands for a middleware (sessions, log-in, audit) whose query meets the outage."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        raise OperationalError("terminating connection due to administrator command")


def test_an_outage_met_inside_a_middleware_answers_the_page_too(settings):
    middleware = list(settings.MIDDLEWARE)
    middleware.insert(middleware.index("django.contrib.sessions.middleware.SessionMiddleware") + 1,
                      "tests.core.test_database_unavailable.FailingMiddleware")
    settings.MIDDLEWARE = middleware
    client = Client(raise_request_exception=False)
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert_outage_page(response, text=ENGLISH)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert_outage_page(client.get("/"), text=CHINESE)


def test_other_errors_stay_500(settings):
    client = Client(raise_request_exception=False)
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "tests.core.test_database_unavailable.Boom"]
    assert client.get("/").status_code == 500


class Boom(FailingMiddleware):
    def __call__(self, request):
        raise RuntimeError("not a database error")


def test_the_page_is_built_without_the_database():
    """No ``django_db`` mark: any query here would raise instead of answering."""
    request = RequestFactory().get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert_outage_page(database_unavailable_response(request), text=ENGLISH)
