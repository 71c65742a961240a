"""The bad-input walk: find every form field and GET parameter each role reaches, plan which
bad value goes where, send them, and collect every answer of 500 or above.

Each request runs in a transaction rolled back afterwards, so every value meets the same
world (an action a bad value happened to pass does not close the form for the next one),
and a refused POST can be checked for a partial write before the rollback.
"""

import gc
import itertools
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlsplit

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction

from tests.fuzz.corpus import KINDS, corpus, shown
from tests.fuzz.forms import Form, encoded, forms_of

#: GET parameters the views read that no form on the page offers (found with
#: ``grep -rn "request.GET" */views*``), by URL name.
READS = {
    "login": ("next",),
    "calendar:index": ("year",),
    "officials:list": ("page",),
    "entrepreneurs:list": ("page",),
    "entrepreneurs:pending": ("page",),
    "entrepreneurs:to_complete": ("page",),
    "sessions:list": ("page",),
    "sessions:scan": ("c",),
    "issues:new": ("entrepreneur", "session"),
    "issues:list": ("page",),
    "issues:supervision": ("bulletin", "page"),
    "issues:follow_up": ("awaiting", "dissatisfied", "verification"),
    "issues:record_call": ("rating",),
    "privacy:requests": ("page",),
    "dashboard:index": ("by",),
    "dashboard:ranking": ("sort",),
    "dashboard:overdue": ("page",),
    "notifications:inbox": ("unread", "page"),
}
#: Pages that read the filters of another page's form (the exports read the dashboard's).
FORM_OF = {"dashboard:export_issues": "dashboard:index",
           "dashboard:export_ranking": "dashboard:index"}
#: Rows a refused POST may still write: the log-in audit trail, the lock-out's attempts.
MAY_WRITE_ON_REFUSAL = {"accounts.AuditEvent"}


@dataclass(frozen=True)
class Target:
    """One field (or GET parameter) as one role reaches it."""

    role: str
    method: str
    path: str
    name: str
    base: tuple = ()  # the other fields, as a person would send them

    @property
    def identity(self) -> tuple:
        """The field itself, whoever reaches it."""
        return (self.method, urlsplit(self.path).path, self.name)


@dataclass
class Walk:
    clients: dict
    failures: list = field(default_factory=list)
    partial_writes: list = field(default_factory=list)
    requests: int = 0
    values_sent: int = 0
    distinct: set = field(default_factory=set)
    pages: set = field(default_factory=set)
    statuses: Counter = field(default_factory=Counter)
    #: Files (feeds, CSV) that hand a control character on to the program reading them.
    raw_controls: list = field(default_factory=list)
    session_cookies: dict = field(default_factory=dict)
    # --- Sending ---------------------------------------------------------------------

    def fetch(self, role: str, method: str, path: str, pairs=(), *, what: str = ""):
        """One request as ``role``, rolled back afterwards; the response, or None if the
        view raised (then it is a failure)."""
        client = self.clients[role]
        client.cookies = SimpleCookie(self.session_cookies.get(role, {}))
        self.requests += 1
        with transaction.atomic():
            before = self._rows() if method == "post" else None
            try:
                if method == "get":
                    query = encoded(pairs)
                    url = path if not query else f"{path}{'&' if '?' in path else '?'}{query}"
                    response = client.get(url)
                else:
                    response = client.post(path, encoded(pairs),
                                           content_type="application/x-www-form-urlencoded")
            except Exception as error:  # noqa: BLE001 - every crash is reported, with its cause
                self.failures.append(f"{role} {method.upper()} {path} {what}: raised "
                                     f"{type(error).__name__}: {shown(str(error))}")
                response = error = None
                # A streamed export that failed half-way still holds its database cursor:
                # closed now, inside the savepoint, not later in the next request's.
                gc.collect()
            else:
                self.statuses[method, response.status_code] += 1
                self._check_text_file(role, path, response)
                if response.status_code >= 500:
                    self.failures.append(f"{role} {method.upper()} {path} {what}: "
                                         f"{response.status_code}")
                elif before is not None and (response.status_code == 200
                                             or response.status_code >= 400):
                    after = self._rows()
                    if after != before:
                        changed = sorted(label for label in after if after[label] != before[label])
                        self.partial_writes.append(
                            f"{role} POST {path} {what}: refused with "
                            f"{response.status_code} but wrote {changed}")
            transaction.set_rollback(True)
        return response

    def sign_in(self, role: str, user) -> None:
        if user is not None:
            self.clients[role].force_login(user)
            name = settings.SESSION_COOKIE_NAME
            self.session_cookies[role] = {name: self.clients[role].cookies[name].value}

    def _check_text_file(self, role: str, path: str, response) -> None:
        """A calendar or CSV file carries no C0 control character but tab, CR and LF."""
        kind = response.get("Content-Type", "")
        if response.status_code != 200 or not kind.startswith(("text/calendar", "text/csv")):
            return
        text = b"".join(response.streaming_content) if response.streaming else response.content
        found = sorted({chr(byte) for byte in text if byte < 32 and byte not in (9, 10, 13)})
        if found:
            self.raw_controls.append(f"{role} GET {path}: {kind} carries {found}")

    @staticmethod
    def _rows() -> dict:
        """Row counts of the project's tables (and the issues' versions), in one query."""
        tables = {}
        for model in apps.get_models():
            label = model._meta.label
            if model.__module__.startswith(("django.", "axes.", "django_celery_beat.")):
                continue
            if label not in MAY_WRITE_ON_REFUSAL:
                tables[label] = model._meta.db_table
        quote = connection.ops.quote_name
        parts = [f"(SELECT COUNT(*) FROM {quote(table)})" for table in tables.values()]
        parts.append(f"(SELECT COALESCE(SUM(version), 0) FROM {quote('issues_issue')})")
        with connection.cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(parts))
            row = cursor.fetchone()
        return dict(zip([*tables, "issue versions"], row, strict=True))

    # --- Finding the fields -------------------------------------------------------------

    def discover(self, pages: dict) -> list[Target]:
        """GET every page as every role; the fields of the forms each role is shown and the
        parameters the pages read. ``pages``: role -> [(URL name, path)]."""
        targets = []
        for role, named_paths in pages.items():
            forms: dict[tuple, Form] = {}
            get_forms_by_path: dict[str, list[Form]] = defaultdict(list)
            reached = []
            for name, path in named_paths:
                response = self.fetch(role, "get", path, what="(the page itself)")
                if response is None or response.status_code != 200:
                    continue
                self.pages.add((role, path))
                reached.append((name, path))
                if "html" not in response.get("Content-Type", ""):
                    continue
                for form in forms_of(response.content.decode(), path):
                    if form.action.startswith("?"):
                        form.action = path.split("?")[0] + form.action
                    forms.setdefault(form.key, form)
            for form in forms.values():
                if form.method == "get":
                    get_forms_by_path[urlsplit(form.action).path].append(form)
            by_name = dict(reached)
            for name, path in reached:
                params = set(READS.get(name, ()))
                source = by_name.get(FORM_OF.get(name, name), path)
                for form in get_forms_by_path.get(urlsplit(source).path, ()):
                    params.update(form.names())
                targets += [Target(role, "get", path, param) for param in sorted(params)]
            for form in forms.values():
                if form.method == "post":
                    targets += [Target(role, "post", form.action, name,
                                       tuple(form.good_pairs(without=name)))
                                for name in form.names()]
        return targets

    # --- Planning and sending the values --------------------------------------------------

    def run(self, targets: list[Target]) -> None:
        """Every field gets a value of each kind (the kinds shared out among the roles that
        reach it, so each role sends at least one); then the values not sent yet go round
        the fields."""
        by_field = defaultdict(list)
        for target in targets:
            by_field[target.identity].append(target)
        streams = {kind: itertools.cycle(values) for kind, values in corpus().items()}
        unsent = {kind: list(values) for kind, values in corpus().items()}
        for same in by_field.values():
            for index in range(max(len(KINDS), len(same))):
                kind = KINDS[index % len(KINDS)]
                value = next(streams[kind])
                self.send(same[index % len(same)], value)
        left = [value for kind in KINDS for value in unsent[kind] if value not in self.distinct]
        for target, value in zip(itertools.cycle(targets), left, strict=False):
            self.send(target, value)

    def send(self, target: Target, value) -> None:
        self.values_sent += 1
        self.distinct.add(value)
        pairs = [*target.base, (target.name, value)]
        self.fetch(target.role, target.method, target.path, pairs,
                   what=f"field {target.name!r} = {shown(value)}")
