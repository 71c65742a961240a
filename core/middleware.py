"""While the database is unreachable, every page answers a plain 503 instead of a traceback.

``DatabaseUnavailableMiddleware`` stands first in ``MIDDLEWARE``. A database error raised by
a view (or while its template renders) reaches its ``process_exception``; one raised by a
middleware (the session, the log-in, the audit trail) is turned into a 500 by Django before
it can climb further, so ``got_request_exception`` marks the request and the middleware
swaps that 500 for the same 503 on the way out. The page is rendered without the request:
no session, no user, no context processor, nothing that asks the database again. Django
opens a fresh connection for the next request (``CONN_HEALTH_CHECKS``), so the site comes
back by itself once the database answers.
"""

import logging
import sys

from django.conf import settings
from django.core.signals import got_request_exception
from django.db.utils import InterfaceError, OperationalError
from django.dispatch import receiver
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.cache import add_never_cache_headers, patch_vary_headers

logger = logging.getLogger(__name__)

#: What a lost or refused database connection raises (psycopg2's, wrapped by Django).
DATABASE_ERRORS = (OperationalError, InterfaceError)
_MARK = "_database_unavailable"
SECURITY_HEADERS = ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options",
                    "Referrer-Policy", "Cross-Origin-Opener-Policy", "Strict-Transport-Security")

#: Served if even the template cannot be rendered (e.g. a missing static manifest).
FALLBACK = ("<!doctype html><html><head><meta charset=\"utf-8\"><title>503</title></head>"
            "<body><h1>服务暂时不可用 · Service temporarily unavailable</h1></body></html>")


@receiver(got_request_exception, dispatch_uid="core.middleware.mark_database_unavailable")
def mark_database_unavailable(sender, request=None, **kwargs) -> None:
    """Sent by Django inside its ``except`` block: remember a database error on the request."""
    if request is not None and isinstance(sys.exc_info()[1], DATABASE_ERRORS):
        setattr(request, _MARK, True)


def database_unavailable_response(request) -> HttpResponse:
    """The 503 page in the language the browser asks for (cookie or Accept-Language)."""
    language = translation.get_language_from_request(request)
    with translation.override(language):
        try:
            body = render_to_string("503.html")
        except Exception:  # the page must never fail in its turn
            logger.exception("The 503 page could not be rendered")
            body = FALLBACK
    response = HttpResponse(body, status=503)
    response["Retry-After"] = str(settings.DATABASE_RETRY_AFTER)
    response["Content-Language"] = language
    add_never_cache_headers(response)
    patch_vary_headers(response, ["Accept-Language", "Cookie"])
    return response


class DatabaseUnavailableMiddleware:
    """Answers 503 (with ``Retry-After``) for any request that met a database outage."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(request, _MARK, False):
            page = database_unavailable_response(request)
            # The 500 it replaces went through the security middlewares: keep their headers.
            for header in SECURITY_HEADERS:
                if header in response:
                    page[header] = response[header]
            return page
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_ERRORS):
            logger.warning("Database unavailable for %s: %s", request.path, exception)
            return database_unavailable_response(request)
        return None
