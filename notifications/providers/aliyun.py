"""Alibaba Cloud SMS (Dysmsapi ``SendSms``, API version 2017-05-25).

The request is RPC style, signed with the classic signature (``SignatureMethod=HMAC-SHA1``,
``SignatureVersion=1.0``) as Alibaba Cloud documents it for SMS ("Signature method",
https://www.alibabacloud.com/help/en/sms/signature-method; the same steps for every RPC
API in Alibaba Cloud's "Signature mechanism" pages):

1. every parameter but ``Signature`` (common and operation parameters), sorted by name;
2. name and value percent-encoded as RFC 3986 does, UTF-8: letters, digits, ``-_.~`` kept,
   everything else ``%XY`` in capitals (a space is ``%20``, ``*`` is ``%2A``, ``~`` stays);
3. joined ``name=value`` with ``&``: the canonicalized query string;
4. ``StringToSign = METHOD & percentEncode("/") & percentEncode(canonicalized query)``;
5. ``Signature = Base64(HMAC-SHA1(AccessKeySecret + "&", StringToSign))``.

The parameters go in a form-encoded POST body. ``OutId`` carries the outbox key: the same on
every attempt at one row, echoed in Alibaba's delivery receipts. Alibaba does not deduplicate
on it, so a row retried after the in-doubt timeout may reach the person twice
(docs/notifications.md, "The guarantee").
"""

import base64
import hashlib
import hmac
import json
import urllib.parse
import uuid
from datetime import UTC, datetime

from django.conf import settings

from notifications.backends import PermanentDeliveryError, TransientDeliveryError
from notifications.providers.common import http_call, mainland_number, require, sms_template

DEFAULT_ENDPOINT = "https://dysmsapi.aliyuncs.com/"
API_VERSION = "2017-05-25"

#: Codes that mean "not now": Alibaba's flow control, its own faults. Any other code but
#: ``OK`` is a refusal of this message (a bad number, template or signature) and permanent.
TRANSIENT_CODES = frozenset({
    "isv.BUSINESS_LIMIT_CONTROL", "Throttling", "Throttling.User", "Throttling.Api",
    "ServiceUnavailable", "InternalError", "isp.SYSTEM_ERROR",
    "SignatureNonceUsed",
})


def percent_encode(value: str) -> str:
    """RFC 3986 percent-encoding, as the signature requires (``~`` kept, space ``%20``)."""
    return urllib.parse.quote(str(value), safe="-_.~")


def string_to_sign(method: str, params: dict) -> str:
    canonical = "&".join(
        f"{percent_encode(name)}={percent_encode(params[name])}" for name in sorted(params)
    )
    return f"{method}&{percent_encode('/')}&{percent_encode(canonical)}"


def signature(*, secret: str, method: str, params: dict) -> str:
    digest = hmac.new(f"{secret}&".encode(), string_to_sign(method, params).encode(),
                      hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunSMSBackend:
    """``SMS_BACKEND=notifications.providers.aliyun.AliyunSMSBackend``: credentials
    ``SMS_ACCESS_KEY_ID`` / ``SMS_ACCESS_KEY_SECRET``, the approved signature name
    ``SMS_SIGN_NAME``, templates ``SMS_TEMPLATES`` / ``SMS_DEFAULT_TEMPLATE``, endpoint
    ``SMS_ENDPOINT`` (docs/api-channels.md)."""

    templated = True

    def __init__(self):
        require("AliyunSMSBackend", SMS_ACCESS_KEY_ID=settings.SMS_ACCESS_KEY_ID,
                SMS_ACCESS_KEY_SECRET=settings.SMS_ACCESS_KEY_SECRET,
                SMS_SIGN_NAME=settings.SMS_SIGN_NAME)
        self.endpoint = settings.SMS_ENDPOINT or DEFAULT_ENDPOINT

    def params(self, *, mobile: str, text: str, key: str, kind: str) -> dict:
        template = sms_template(kind=kind, text=text)
        return {
            "AccessKeyId": settings.SMS_ACCESS_KEY_ID,
            "Action": "SendSms",
            "Format": "JSON",
            "RegionId": settings.SMS_REGION or "cn-hangzhou",
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": API_VERSION,
            "PhoneNumbers": mainland_number(mobile),
            "SignName": settings.SMS_SIGN_NAME,
            "TemplateCode": template.code,
            "TemplateParam": json.dumps(template.params, ensure_ascii=False),
            "OutId": key,
        }

    def send(self, *, mobile: str, text: str, key: str, kind: str = "") -> None:
        params = self.params(mobile=mobile, text=text, key=key, kind=kind)
        params["Signature"] = signature(secret=settings.SMS_ACCESS_KEY_SECRET, method="POST",
                                        params=params)
        answer = http_call(
            method="POST", url=self.endpoint, body=urllib.parse.urlencode(params).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
                     "Accept": "application/json"},
        )
        code = str(answer.data.get("Code", ""))
        if code == "OK":
            return
        message = (f"Alibaba Cloud SMS {code or 'HTTP ' + str(answer.status)}: "
                   f"{answer.data.get('Message', '')} "
                   f"(RequestId {answer.data.get('RequestId', '-')})")
        if code in TRANSIENT_CODES:
            raise TransientDeliveryError(message)
        raise PermanentDeliveryError(message)
