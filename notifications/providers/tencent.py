"""Tencent Cloud SMS (``SendSms``, API 3.0, version 2021-01-11).

Signed with ``TC3-HMAC-SHA256`` as Tencent Cloud documents it ("Signature v3",
https://cloud.tencent.com/document/api/382/52072, the SMS API's copy of
https://cloud.tencent.com/document/api/213/30654):

1. ``CanonicalRequest = POST \\n / \\n (empty query) \\n content-type:…\\nhost:…\\n \\n
   content-type;host \\n hex(SHA256(body))``;
2. ``StringToSign = TC3-HMAC-SHA256 \\n timestamp \\n date/sms/tc3_request \\n
   hex(SHA256(CanonicalRequest))`` (``date`` is the timestamp's UTC day);
3. the key is derived: ``HMAC("TC3" + SecretKey, date)`` → ``HMAC(·, "sms")`` →
   ``HMAC(·, "tc3_request")``; ``Signature = hex(HMAC(key, StringToSign))``;
4. ``Authorization: TC3-HMAC-SHA256 Credential=SecretId/date/sms/tc3_request,
   SignedHeaders=content-type;host, Signature=…``.

``SessionContext`` carries the outbox key, echoed in the send status and delivery receipts;
Tencent does not deduplicate on it.
"""

import hashlib
import hmac
import json
import time
import urllib.parse
from datetime import UTC, datetime

from django.conf import settings

from notifications.backends import PermanentDeliveryError, TransientDeliveryError
from notifications.providers.common import http_call, mainland_number, require, sms_template

DEFAULT_ENDPOINT = "https://sms.tencentcloudapi.com/"
DEFAULT_REGION = "ap-guangzhou"
SERVICE = "sms"
API_VERSION = "2021-01-11"
ALGORITHM = "TC3-HMAC-SHA256"
CONTENT_TYPE = "application/json; charset=utf-8"

#: Error codes (of the call or of the number's send status) that mean "not now".
TRANSIENT_PREFIXES = ("RequestLimitExceeded", "InternalError", "LimitExceeded.PhoneNumberThirty",
                      "LimitExceeded.PhoneNumberOneHour", "ResourceUnavailable.ServiceBusy",
                      "FailedOperation.ServiceBusy")


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def authorization(*, secret_id: str, secret_key: str, host: str, body: bytes,
                  timestamp: int) -> str:
    """The ``Authorization`` header of a POST of ``body`` (JSON) to ``host`` at ``timestamp``."""
    day = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    canonical_request = "\n".join([
        "POST", "/", "", f"content-type:{CONTENT_TYPE}\nhost:{host}\n", "content-type;host",
        hashlib.sha256(body).hexdigest(),
    ])
    scope = f"{day}/{SERVICE}/tc3_request"
    to_sign = "\n".join([ALGORITHM, str(timestamp), scope,
                         hashlib.sha256(canonical_request.encode()).hexdigest()])
    key = _hmac(_hmac(_hmac(f"TC3{secret_key}".encode(), day), SERVICE), "tc3_request")
    signed = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return (f"{ALGORITHM} Credential={secret_id}/{scope}, SignedHeaders=content-type;host, "
            f"Signature={signed}")


def _is_transient(code: str) -> bool:
    return code.startswith(TRANSIENT_PREFIXES)


class TencentSMSBackend:
    """``SMS_BACKEND=notifications.providers.tencent.TencentSMSBackend``: credentials
    ``SMS_ACCESS_KEY_ID`` (SecretId) / ``SMS_ACCESS_KEY_SECRET`` (SecretKey), the SMS
    application ``SMS_SDK_APP_ID``, the approved signature ``SMS_SIGN_NAME``, templates
    ``SMS_TEMPLATES`` / ``SMS_DEFAULT_TEMPLATE``, ``SMS_REGION``, ``SMS_ENDPOINT``."""

    templated = True

    def __init__(self):
        require("TencentSMSBackend", SMS_ACCESS_KEY_ID=settings.SMS_ACCESS_KEY_ID,
                SMS_ACCESS_KEY_SECRET=settings.SMS_ACCESS_KEY_SECRET,
                SMS_SDK_APP_ID=settings.SMS_SDK_APP_ID, SMS_SIGN_NAME=settings.SMS_SIGN_NAME)
        self.endpoint = settings.SMS_ENDPOINT or DEFAULT_ENDPOINT
        self.host = urllib.parse.urlsplit(self.endpoint).netloc

    def payload(self, *, mobile: str, text: str, key: str, kind: str) -> dict:
        template = sms_template(kind=kind, text=text)
        return {
            "PhoneNumberSet": [f"+86{mainland_number(mobile)}"],
            "SmsSdkAppId": settings.SMS_SDK_APP_ID,
            "SignName": settings.SMS_SIGN_NAME,
            "TemplateId": template.code,
            # Tencent's parameters are positional: in the order SMS_TEMPLATES names them.
            "TemplateParamSet": list(template.params.values()),
            "SessionContext": key,
        }

    def send(self, *, mobile: str, text: str, key: str, kind: str = "") -> None:
        body = json.dumps(self.payload(mobile=mobile, text=text, key=key, kind=kind),
                          ensure_ascii=False).encode()
        timestamp = int(time.time())
        answer = http_call(method="POST", url=self.endpoint, body=body, headers={
            "Authorization": authorization(
                secret_id=settings.SMS_ACCESS_KEY_ID, secret_key=settings.SMS_ACCESS_KEY_SECRET,
                host=self.host, body=body, timestamp=timestamp),
            "Content-Type": CONTENT_TYPE,
            "Host": self.host,
            "X-TC-Action": "SendSms",
            "X-TC-Version": API_VERSION,
            "X-TC-Timestamp": str(timestamp),
            "X-TC-Region": settings.SMS_REGION or DEFAULT_REGION,
        })
        response = answer.data.get("Response") or {}
        error = response.get("Error")
        if error:
            code = str(error.get("Code", ""))
            message = f"Tencent Cloud SMS {code}: {error.get('Message', '')} " \
                      f"(RequestId {response.get('RequestId', '-')})"
            raise (TransientDeliveryError if _is_transient(code) else PermanentDeliveryError)(
                message)
        statuses = response.get("SendStatusSet") or []
        if not statuses:
            raise PermanentDeliveryError(
                f"Tencent Cloud SMS: no send status (HTTP {answer.status})")
        status = statuses[0]
        code = str(status.get("Code", ""))
        if code == "Ok":
            return
        message = f"Tencent Cloud SMS {code}: {status.get('Message', '')} " \
                  f"(RequestId {response.get('RequestId', '-')})"
        raise (TransientDeliveryError if _is_transient(code) else PermanentDeliveryError)(message)
