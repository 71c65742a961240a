"""An SMS provider for the outbox's fault tests, kept in a folder (``FAKE_SMS_DIR``) so that
the test and the worker processes it kills see the same provider.

Like a provider that accepts an idempotency key, it delivers a message once per key: a
second request with a key it has seen is acknowledged and not delivered again. Every request
goes to ``requests.log``, every delivery to ``delivered.log`` (one JSON object a line). A
message to ``POISON_MOBILE`` makes it raise. While a file ``hang`` is in the folder, it takes
the message and then never answers (it touches ``hanging`` first): the worker is killed
there, after the provider accepted, before the outbox heard of it.
"""

import json
import os
import time
from pathlib import Path

POISON_MOBILE = "13800000000"


def _folder() -> Path:
    return Path(os.environ["FAKE_SMS_DIR"])


def read_log(name: str) -> list[dict]:
    path = _folder() / name
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def _append(name: str, entry: dict) -> None:
    with open(_folder() / name, "a") as log:
        log.write(json.dumps(entry, ensure_ascii=False) + "\n")


class FakeSMSProvider:
    def send(self, *, mobile: str, text: str, key: str) -> None:
        entry = {"mobile": mobile, "text": text, "key": key, "pid": os.getpid()}
        _append("requests.log", entry)
        if mobile == POISON_MOBILE:
            raise ValueError("the provider cannot encode this message")
        if key not in {delivered["key"] for delivered in read_log("delivered.log")}:
            _append("delivered.log", entry)
        if (_folder() / "hang").exists():
            (_folder() / "hanging").touch()
            while True:
                time.sleep(1)
