"""A local OpenID Connect provider for the tests: authorization, token, userinfo and JWKS
endpoints on 127.0.0.1 (a threading ``http.server`` on port 0), signing id_tokens RS256 with
a key made for the run. Nothing leaves the machine."""

import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

CLIENT_ID = "huzhou-talks"
CLIENT_SECRET = "test-client-secret"  # noqa: S105 - the fake provider's client secret
KID = "test-key-1"


def new_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class FakeProvider:
    """What the provider knows and does. ``person`` is who signs in at its page next
    (their claims, ``sub`` included); the flags make it misbehave."""

    key: object
    person: dict = field(default_factory=dict)
    #: The key id_tokens are signed with (another one than the JWKS publishes: tampering).
    signing_key: object = None
    #: Change the id_token's payload after signing it.
    alter_payload: bool = False
    #: Claims of the id_token to change (e.g. another ``aud``, an ``exp`` gone by).
    id_token_claims: dict = field(default_factory=dict)
    codes: dict = field(default_factory=dict)
    tokens: dict = field(default_factory=dict)
    calls: list = field(default_factory=list)
    base_url: str = ""

    def endpoint(self, name: str) -> str:
        return f"{self.base_url}/{name}"

    def id_token(self, grant: dict) -> str:
        now = int(time.time())
        claims = {"iss": self.base_url, "sub": grant["person"]["sub"], "aud": CLIENT_ID,
                  "iat": now, "exp": now + 300, "nonce": grant["nonce"], **self.id_token_claims}
        claims = {key: value for key, value in claims.items() if value is not None}
        token = jwt.encode(claims, self.signing_key or self.key, algorithm="RS256",
                           headers={"kid": KID})
        if self.alter_payload:
            header, _payload, signature = token.split(".")
            forged = jwt.utils.base64url_encode(
                json.dumps({**claims, "sub": "someone-else"}).encode()).decode()
            token = f"{header}.{forged}.{signature}"
        return token

    def jwks(self) -> dict:
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**jwk, "kid": KID, "alg": "RS256", "use": "sig"}]}


def handler_for(provider: FakeProvider):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet
            pass

        def answer(self, status: int, body=None, headers=None):
            data = json.dumps(body).encode() if body is not None else b""
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            if body is not None:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            url = urlsplit(self.path)
            query = {key: values[0] for key, values in parse_qs(url.query).items()}
            provider.calls.append(("GET", url.path, query))
            if url.path == "/authorize":
                return self.authorize(query)
            if url.path == "/userinfo":
                token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                if token not in provider.tokens:
                    return self.answer(401, {"error": "invalid_token"})
                return self.answer(200, provider.tokens[token])
            if url.path == "/jwks":
                return self.answer(200, provider.jwks())
            return self.answer(404, {"error": "not_found"})

        def authorize(self, query):
            if (query.get("client_id") != CLIENT_ID or query.get("response_type") != "code"
                    or "openid" not in query.get("scope", "").split()):
                return self.answer(400, {"error": "invalid_request"})
            code = secrets.token_urlsafe(16)
            provider.codes[code] = {"person": dict(provider.person), "nonce": query.get("nonce"),
                                    "redirect_uri": query["redirect_uri"]}
            target = f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"
            return self.answer(302, headers={"Location": target})

        def do_POST(self):
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            form = {key: values[0]
                    for key, values in parse_qs(self.rfile.read(length).decode()).items()}
            provider.calls.append(("POST", url.path, form))
            if url.path != "/token":
                return self.answer(404, {"error": "not_found"})
            if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
                return self.answer(401, {"error": "invalid_client"})
            grant = provider.codes.pop(form.get("code", ""), None)
            if (form.get("grant_type") != "authorization_code" or grant is None
                    or grant["redirect_uri"] != form.get("redirect_uri")):
                return self.answer(400, {"error": "invalid_grant"})
            access_token = secrets.token_urlsafe(16)
            provider.tokens[access_token] = grant["person"]
            return self.answer(200, {"access_token": access_token, "token_type": "Bearer",
                                     "expires_in": 300, "id_token": provider.id_token(grant)})

    return Handler


class running:  # noqa: N801 - used as ``with running(provider):``
    """The provider served on 127.0.0.1, on a free port, for the block."""

    def __init__(self, provider: FakeProvider):
        self.provider = provider
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(provider))

    def __enter__(self):
        self.provider.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self.provider

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()
