"""DingTalk work notices (工作通知) for officials: in-app messages mirrored to DingTalk.

A row of channel ``dingtalk`` is written next to an in-app row for an official who switched
it on (``notifications.models.ChannelPreference``); its ``address`` is their DingTalk user id.
``DingTalkBackend`` delivers it in two calls, as DingTalk's server API documents them
(open.dingtalk.com, "获取企业内部应用的access_token" and "异步发送工作通知"):

1. ``GET /gettoken?appkey=…&appsecret=…`` → ``access_token`` valid ``expires_in`` seconds
   (7200). The token is kept in the cache until shortly before it expires; a cache that
   does not answer costs a fresh ``gettoken``, never the message. An answer saying the
   token is invalid or expired (40014, 42001) drops it and fetches a new one once.
2. ``POST /topapi/message/corpconversation/asyncsend_v2?access_token=…`` with ``agent_id``,
   ``userid_list`` and ``msg``: ``link`` (title, text, the absolute link to the page) when
   the message has one, else ``text``. ``errcode`` 0 is sent.

DingTalk has no idempotency key for work notices (and silently drops a second identical
notice to the same person on the same day); the outbox key is not sent.

浙政钉 (专有钉钉, the provincial government's DingTalk) answers at
``https://openplatform.dg-work.cn`` with other paths (``/gettoken.json``,
``/message/workNotification``) and signs every call with HMAC-SHA256 headers
(``X-Hmac-Auth-*``, ``apiKey``): see docs/api-channels.md; that gateway is not implemented
here, ``DINGTALK_BACKEND`` is the place to plug it in.
"""

import json
import logging
import urllib.parse

from django.conf import settings
from django.core.cache import cache
from django.templatetags.static import static

from core.links import absolute_url
from notifications.backends import PermanentDeliveryError, TransientDeliveryError
from notifications.providers.common import http_call, require

logger = logging.getLogger("notifications.providers")

DEFAULT_ENDPOINT = "https://oapi.dingtalk.com/"
#: The token is kept this much shorter than DingTalk says it lives.
TOKEN_MARGIN_SECONDS = 300
#: "Invalid access token", "access token expired": fetch a new one and try once more.
TOKEN_ERRORS = frozenset({40014, 42001, 40001})
#: "System busy", flow control: try later.
TRANSIENT_ERRORS = frozenset({-1, 90002, 90006, 90018, 90019, 88})


class DingTalkBackend:
    """``DINGTALK_BACKEND=notifications.providers.dingtalk.DingTalkBackend`` with
    ``DINGTALK_APP_KEY``, ``DINGTALK_APP_SECRET``, ``DINGTALK_AGENT_ID`` and
    ``DINGTALK_ENDPOINT`` (docs/api-channels.md)."""

    def __init__(self):
        require("DingTalkBackend", DINGTALK_APP_KEY=settings.DINGTALK_APP_KEY,
                DINGTALK_APP_SECRET=settings.DINGTALK_APP_SECRET,
                DINGTALK_AGENT_ID=settings.DINGTALK_AGENT_ID)
        self.endpoint = (settings.DINGTALK_ENDPOINT or DEFAULT_ENDPOINT).rstrip("/") + "/"
        self.cache_key = f"dingtalk:token:{settings.DINGTALK_APP_KEY}"

    # --- The access token ------------------------------------------------------------

    def _cached_token(self) -> str | None:
        try:
            return cache.get(self.cache_key)
        except Exception:  # the cache is down: fetch a token instead
            logger.warning("Cache unavailable; fetching a DingTalk access token")
            return None

    def _fetch_token(self) -> str:
        query = urllib.parse.urlencode({"appkey": settings.DINGTALK_APP_KEY,
                                        "appsecret": settings.DINGTALK_APP_SECRET})
        answer = http_call(method="GET", url=f"{self.endpoint}gettoken?{query}")
        data = answer.data
        if data.get("errcode") != 0 or not data.get("access_token"):
            self._raise(data, "gettoken")
        token = str(data["access_token"])
        lifetime = int(data.get("expires_in") or 7200) - TOKEN_MARGIN_SECONDS
        try:
            cache.set(self.cache_key, token, max(lifetime, 60))
        except Exception:
            logger.warning("Cache unavailable; the DingTalk access token is not kept")
        return token

    def _forget_token(self) -> None:
        try:
            cache.delete(self.cache_key)
        except Exception:
            logger.warning("Cache unavailable; could not drop the DingTalk access token")

    def access_token(self) -> str:
        return self._cached_token() or self._fetch_token()

    # --- The notice --------------------------------------------------------------------

    @staticmethod
    def message(*, subject: str, text: str, url: str) -> dict:
        if url:
            return {"msgtype": "link", "link": {
                "messageUrl": absolute_url(url) if url.startswith("/") else url,
                "picUrl": settings.DINGTALK_LINK_PICTURE or absolute_url(
                    static("img/favicon.svg")),
                "title": subject,
                "text": text or subject,
            }}
        return {"msgtype": "text",
                "text": {"content": f"{subject}\n{text}" if text else subject}}

    def _post(self, token: str, body: bytes) -> dict:
        query = urllib.parse.urlencode({"access_token": token})
        return http_call(
            method="POST", url=f"{self.endpoint}topapi/message/corpconversation/asyncsend_v2"
                               f"?{query}",
            body=body, headers={"Content-Type": "application/json; charset=utf-8"}).data

    def send(self, *, userid: str, subject: str, text: str, url: str, key: str) -> None:
        body = json.dumps({
            "agent_id": int(settings.DINGTALK_AGENT_ID),
            "userid_list": userid,
            "msg": self.message(subject=subject, text=text, url=url),
        }, ensure_ascii=False).encode()
        data = self._post(self.access_token(), body)
        if data.get("errcode") in TOKEN_ERRORS:
            self._forget_token()
            data = self._post(self._fetch_token(), body)
        if data.get("errcode") != 0:
            self._raise(data, "asyncsend_v2")

    @staticmethod
    def _raise(data: dict, call: str):
        code = data.get("errcode")
        message = f"DingTalk {call} errcode {code}: {data.get('errmsg', '')}"
        if code in TRANSIENT_ERRORS:
            raise TransientDeliveryError(message)
        raise PermanentDeliveryError(message)
