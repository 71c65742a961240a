"""What the providers share: one HTTP call with a timeout, the SMS template a row is sent
with, and the check that a chosen provider has its credentials.

Every failure is sorted into one of two kinds the outbox understands
(``notifications.services._record_failure``): ``TransientDeliveryError`` (a timeout, a
refused connection, HTTP 429 or 5xx, the provider's throttling: the row backs off and is
tried again) and ``PermanentDeliveryError`` (the provider refused this message for good: an
invalid number, an unknown template; the row fails at once, an operator can retry it after
fixing the cause).
"""

import http.client
import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from notifications.backends import PermanentDeliveryError, TransientDeliveryError

logger = logging.getLogger("notifications.providers")

#: The generic template every SMS kind without its own falls back to: one parameter, the text.
GENERIC_PARAMS = ("content",)


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    data: dict


def http_call(*, method: str, url: str, body: bytes | None = None,
              headers: dict | None = None, timeout: float | None = None) -> HttpAnswer:
    """One HTTP request; the JSON answer. A connection that fails or times out, HTTP 429 and
    5xx are transient; another answer that is not JSON is permanent. A 4xx with a JSON body
    is returned: the provider's error code in it decides."""
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    timeout = timeout if timeout is not None else settings.SMS_TIMEOUT
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - https or a test's local server, from settings
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    except (urllib.error.URLError, http.client.HTTPException, TimeoutError,
            ConnectionError) as error:
        raise TransientDeliveryError(f"{url}: {error}") from error
    if status == 429 or status >= 500:
        raise TransientDeliveryError(f"{url}: HTTP {status}")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise PermanentDeliveryError(f"{url}: HTTP {status}, not JSON") from error
    if not isinstance(data, dict):
        raise PermanentDeliveryError(f"{url}: HTTP {status}, not a JSON object")
    return HttpAnswer(status=status, data=data)


def require(backend: str, **values) -> None:
    """Refuse to start (or send) a provider whose settings are missing, naming each one."""
    missing = [name for name, value in values.items() if not value]
    if missing:
        raise ImproperlyConfigured(
            f"{backend} needs {', '.join(missing)} (see docs/api-channels.md); set them in "
            "the environment or choose another backend."
        )


def unsigned(text: str) -> str:
    """The text without the signature the outbox row starts with: a template provider adds
    its own (the ``SignName`` it approved), so it must not be sent twice."""
    signature = settings.SMS_SIGNATURE.strip()
    if signature and text.startswith(signature):
        return text[len(signature):].strip()
    return text


@dataclass(frozen=True)
class Template:
    code: str
    params: dict


def sms_template(*, kind: str, text: str) -> Template:
    """The provider's template for a row of ``kind`` and its parameters.

    ``SMS_TEMPLATES`` maps a kind to ``{"code": ..., "params": [names]}``; every name gets the
    text (a template approved with one variable, such as ``${content}``, takes the whole
    text; name several only when the template repeats it). A kind without an entry goes out
    on ``SMS_DEFAULT_TEMPLATE`` with ``{"content": text}``.
    """
    body = unsigned(text)
    entry = settings.SMS_TEMPLATES.get(kind)
    if entry:
        names = entry.get("params") or GENERIC_PARAMS
        return Template(code=str(entry["code"]), params=dict.fromkeys(names, body))
    if not settings.SMS_DEFAULT_TEMPLATE:
        raise PermanentDeliveryError(
            f"No SMS template for {kind!r}: set SMS_DEFAULT_TEMPLATE or SMS_TEMPLATES")
    return Template(code=settings.SMS_DEFAULT_TEMPLATE, params={"content": body})


def mainland_number(mobile: str) -> str:
    """An 11-digit mainland mobile number from one written with +86, 0086 or blanks."""
    digits = "".join(ch for ch in mobile if ch.isdigit() or ch == "+")
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix):]
    if not (len(digits) == 11 and digits.isdigit() and digits.startswith("1")):
        raise PermanentDeliveryError(f"Not a mainland mobile number: {mobile!r}")
    return digits
