"""The parts ``soak.py`` runs beside gunicorn, and what it checks afterwards.

- ``ThrowawayRedis``: a redis-server of the soak's own (cache and broker), stopped and
  started again on the same port in the middle of the run.
- ``Celery``: a worker or beat process; ``rss_kib`` adds up a process tree's resident memory.
- ``FileSMSBackend``: the SMS backend of the run (``SMS_BACKEND=soak_support.FileSMSBackend``,
  ``SOAK_SMS_FILE``): one JSON line per message, with the outbox key when it is given one.
- ``forms_in``: the forms of a page (action, fields with their values, choices), so the soak
  fills the real forms as a browser would.
- ``delivered_mail`` / ``delivered_sms``: what the backends delivered, and ``match_deliveries``
  which pairs them with the outbox rows.

Only the standard library at import time: the worker imports this module for its SMS backend.
"""

import email
import fcntl
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from email import policy
from html.parser import HTMLParser
from pathlib import Path

# --- The broker and cache -----------------------------------------------------------------


class ThrowawayRedis:
    """redis-server on ``port``, without persistence: stopped, it forgets its queues, as a
    broker that crashed would."""

    def __init__(self, binary: str, port: int, folder: Path):
        self.binary, self.port, self.folder = binary, port, folder
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process = None

    def answers(self) -> bool:
        import redis

        try:
            return redis.Redis(port=self.port, socket_connect_timeout=0.5,
                               socket_timeout=0.5).ping()
        except redis.RedisError:
            return False

    def start(self) -> None:
        if self.answers():
            raise RuntimeError(f"something already answers on port {self.port}")
        with (self.folder / "redis.log").open("a") as log:
            self.process = subprocess.Popen(
                [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no", "--dir", str(self.folder)],
                stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while not self.answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start on port {self.port}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            stop(self.process)
        self.process = None


def stop(process: subprocess.Popen, grace: float = 30) -> None:
    """SIGTERM, then SIGKILL after ``grace`` seconds."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# --- Celery worker and beat ---------------------------------------------------------------


class Celery:
    def __init__(self, arguments: list[str], *, root: Path, environment: dict, log_path: Path):
        self.log_path = log_path
        with log_path.open("w") as log:
            self.process = subprocess.Popen(
                [str(Path(sys.executable).parent / "celery"), "-A", "huzhou_talks", *arguments],
                cwd=root, env=environment, stdout=log, stderr=subprocess.STDOUT)

    def tail(self, size: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-size:]

    def stop(self) -> None:
        stop(self.process, grace=60)


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            tree.setdefault(int(fields[1]), []).append(int(entry.name))
    return tree


def rss_kib(pid: int) -> dict:
    """Resident memory (KiB) of ``pid`` and of every process below it (a prefork worker's
    children): the total and each process's."""
    tree, pending, each = _children(), [pid], {}
    while pending:
        current = pending.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    each[current] = int(line.split()[1])
        except OSError:
            continue
        pending += tree.get(current, [])
    return {"total": sum(each.values()), "processes": len(each)}


# --- SMS ----------------------------------------------------------------------------------


class FileSMSBackend:
    """Appends each SMS to ``SOAK_SMS_FILE`` as a JSON line (under a lock: several worker
    processes write). ``key`` is the outbox's idempotency key, when the caller gives one."""

    def send(self, *, mobile: str, text: str, key: str | None = None, **_extra) -> None:
        line = json.dumps({"mobile": mobile, "text": text, "key": key}, ensure_ascii=False)
        with open(os.environ["SOAK_SMS_FILE"], "a", encoding="utf-8") as out:
            fcntl.flock(out, fcntl.LOCK_EX)
            out.write(line + "\n")


# --- Forms --------------------------------------------------------------------------------


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action") or "", "fields": [],
                               "choices": {}})
        elif not self.forms:
            return
        form = self.forms[-1]
        name = attrs.get("name")
        if tag == "input" and name:
            kind = (attrs.get("type") or "text").lower()
            if kind in ("radio", "checkbox"):
                form["choices"].setdefault(name, []).append(attrs.get("value") or "on")
                if "checked" in attrs:
                    form["fields"].append((name, attrs.get("value") or "on"))
            elif kind not in ("submit", "button", "file"):
                form["fields"].append((name, attrs.get("value") or ""))
        elif tag == "select" and name:
            self._select = name
            form["choices"].setdefault(name, [])
        elif tag == "option" and self._select:
            value = attrs.get("value") or ""
            form["choices"][self._select].append(value)
            if "selected" in attrs:
                form["fields"].append((self._select, value))
        elif tag == "textarea" and name:
            self._textarea = name
            form["fields"].append((name, ""))

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and self.forms:
            name, text = self.forms[-1]["fields"][-1]
            self.forms[-1]["fields"][-1] = (name, text + data)


def forms_in(html: bytes) -> list[dict]:
    """Each form of the page: ``action``, ``fields`` [(name, value)] as a browser would send
    them untouched, ``choices`` {name: [values]} of its radios, checkboxes and selects."""
    parser = _FormParser()
    parser.feed(html.decode("utf-8", errors="replace"))
    return parser.forms


def filled(form: dict, **values) -> list[tuple[str, str]]:
    """The form's fields with ``values`` put in (replacing what was there)."""
    return [(n, v) for n, v in form["fields"] if n not in values] + list(values.items())


# --- Deliveries ---------------------------------------------------------------------------

#: What Django's file mail backend writes after each message.
MAIL_SEPARATOR = "\n" + "-" * 79 + "\n"


def one_line(text: str) -> str:
    return " ".join(text.split())


def delivered_mail(folder: Path) -> list[dict]:
    found = []
    for path in sorted(folder.iterdir()):
        for text in path.read_text(errors="replace").split(MAIL_SEPARATOR)[:-1]:
            message = email.message_from_string(text, policy=policy.default)
            found.append({"channel": "email", "address": str(message["To"]),
                          "text": one_line(str(message["Subject"])),
                          "key": message["X-Outbox-Key"]})
    return found


def delivered_sms(path: Path) -> list[dict]:
    if not path.exists():
        return []
    lines = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [{"channel": "sms", "address": line["mobile"], "text": one_line(line["text"]),
             "key": line.get("key")} for line in lines]


def match_deliveries(rows: list[dict], deliveries: list[dict]) -> dict:
    """Pair each delivery with an outbox row: by the idempotency key when the backends were
    given one (``row["idempotency"]``), else by address and text (email: the subject; SMS:
    the subject and the text). Returns the counts and the rows delivered twice or never."""
    by_key = all(d["key"] for d in deliveries) and bool(deliveries)

    def identity(item: dict, delivered: bool) -> tuple:
        if by_key:
            return (item["key"],) if delivered else (item["idempotency"],)
        if delivered:
            return item["channel"], item["address"], item["text"]
        text = item["subject"] if item["channel"] == "email" else (
            f"{item['subject']} {item['body']}")
        return item["channel"], item["address"], one_line(text)

    expected = Counter(identity(row, False) for row in rows)
    got = Counter(identity(delivery, True) for delivery in deliveries)
    twice = {k: n for k, n in got.items() if n > expected.get(k, 0) and k in expected}
    return {
        "matched_by": "outbox key" if by_key else "address and text",
        "rows": sum(expected.values()), "deliveries": sum(got.values()),
        "delivered_once": sum(min(n, got.get(k, 0)) for k, n in expected.items()),
        "never_delivered": [list(k) for k, n in expected.items() if got.get(k, 0) < n][:20],
        "delivered_twice": [list(k) for k in twice][:20],
        "twice_count": sum(got[k] - expected[k] for k in twice),
        "unknown": [list(k) for k in got if k not in expected][:20],
        "unknown_count": sum(n for k, n in got.items() if k not in expected),
    }
