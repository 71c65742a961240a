"""Local fake providers: a threading ``http.server`` on port 0 that checks each request the
way the provider does (it RECOMPUTES the signature from the secret, independently of the
code under test) and answers what the test scripted: success, throttling, a refusal.

Every request is recorded (path, query, headers, body, whether its signature held) so a test
can assert the payload: the phone, the template, its parameters, the out-id.
"""

import base64
import hashlib
import hmac
import json
import threading
import urllib.parse
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ALIYUN_ID, ALIYUN_SECRET = "LTAI-test-id", "aliyun-test-secret"
TENCENT_ID, TENCENT_SECRET = "AKID-test-id", "tencent-test-secret"
DINGTALK_KEY, DINGTALK_SECRET = "ding-test-key", "ding-test-secret"


@dataclass
class Seen:
    method: str
    path: str
    query: dict
    headers: dict
    body: bytes
    signature_ok: bool
    form: dict = field(default_factory=dict)

    @property
    def json(self) -> dict:
        return json.loads(self.body.decode())


# --- Signatures as the providers check them (written from their documentation) ----------


def _rfc3986(value: str) -> str:
    return urllib.parse.quote(value, safe="~-._")


def aliyun_signature_ok(method: str, form: dict) -> bool:
    """Alibaba Cloud RPC, HMAC-SHA1 1.0: sorted, percent-encoded, ``METHOD&%2F&…``."""
    given = form.get("Signature", "")
    rest = {k: v for k, v in form.items() if k != "Signature"}
    canonical = "&".join(f"{_rfc3986(k)}={_rfc3986(v)}" for k, v in sorted(rest.items()))
    to_sign = f"{method}&%2F&{_rfc3986(canonical)}"
    digest = hmac.new(f"{ALIYUN_SECRET}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return (rest.get("AccessKeyId") == ALIYUN_ID and rest.get("SignatureMethod") == "HMAC-SHA1"
            and rest.get("SignatureVersion") == "1.0"
            and hmac.compare_digest(base64.b64encode(digest).decode(), given))


def tencent_signature_ok(headers: dict, body: bytes) -> bool:
    """Tencent Cloud API 3.0, TC3-HMAC-SHA256 over content-type and host."""
    auth = headers.get("authorization", "")
    timestamp = headers.get("x-tc-timestamp", "0")
    day = datetime.fromtimestamp(int(timestamp), UTC).strftime("%Y-%m-%d")
    canonical = (f"POST\n/\n\ncontent-type:{headers.get('content-type')}\n"
                 f"host:{headers.get('host')}\n\ncontent-type;host\n"
                 f"{hashlib.sha256(body).hexdigest()}")
    scope = f"{day}/sms/tc3_request"
    to_sign = (f"TC3-HMAC-SHA256\n{timestamp}\n{scope}\n"
               f"{hashlib.sha256(canonical.encode()).hexdigest()}")

    def sign(key: bytes, msg: str) -> bytes:
        return hmac.new(key, msg.encode(), hashlib.sha256).digest()

    key = sign(sign(sign(f"TC3{TENCENT_SECRET}".encode(), day), "sms"), "tc3_request")
    expected = (f"TC3-HMAC-SHA256 Credential={TENCENT_ID}/{scope}, "
                f"SignedHeaders=content-type;host, "
                f"Signature={hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()}")
    return hmac.compare_digest(auth, expected)


# --- The server -----------------------------------------------------------------------


class FakeProvider:
    """``answers`` is a list of ``(status, json)`` given in order (the last one repeats);
    ``check(seen)`` says whether the request's signature holds (False: a 403 answer)."""

    def __init__(self, *, check, answers, refusal=(403, {"Code": "SignatureDoesNotMatch"})):
        self.check, self.answers, self.refusal = check, list(answers), refusal
        self.seen: list[Seen] = []
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                url = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
                headers = {k.lower(): v for k, v in self.headers.items()}
                form = {}
                if headers.get("content-type", "").startswith(
                        "application/x-www-form-urlencoded"):
                    form = dict(urllib.parse.parse_qsl(body.decode(), keep_blank_values=True))
                seen = Seen(self.command, url.path, query, headers, body, False, form)
                seen.signature_ok = provider.check(seen)
                provider.seen.append(seen)
                status, data = provider.next_answer(seen) if seen.signature_ok \
                    else provider.refusal
                raw = json.dumps(data).encode() if not isinstance(data, bytes) else data
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            do_GET = do_POST = _answer

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)

    def next_answer(self, seen: Seen):
        answer = self.answers[0]
        if len(self.answers) > 1:
            self.answers.pop(0)
        return answer(seen) if callable(answer) else answer

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
