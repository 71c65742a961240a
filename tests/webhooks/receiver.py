"""A local fake webhook receiver: a threading HTTP server on a free port of 127.0.0.1 that
keeps every request and answers with the statuses it is told, in turn (200 when none)."""

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)

    @property
    def event(self) -> str:
        return self.headers["X-Huzhou-Event"]

    def signed_with(self, secret: str) -> bool:
        """The check an integrator makes (docs/api-webhooks.md), written out again here."""
        timestamp = self.headers["X-Huzhou-Timestamp"]
        expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + self.body,
                            hashlib.sha256).hexdigest()
        return hmac.compare_digest(f"sha256={expected}", self.headers["X-Huzhou-Signature"])


class Receiver:
    def __init__(self):
        self.received: list[Received] = []
        self.answers: list[int] = []
        self.redirect_to = ""
        self.delay = 0.0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                receiver.received.append(Received(self.path, dict(self.headers), body))
                time.sleep(receiver.delay)
                status = receiver.answers.pop(0) if receiver.answers else 200
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", receiver.redirect_to or "/elsewhere")
                reply = f"answer {status} " + "x" * 600
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply.encode())

            def log_message(self, format, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def events(self) -> list[str]:
        return [request.event for request in self.received]
