"""Bad input, everywhere (issue 15, deliverable 7).

The walk GETs every page of the access matrix as each of the demo's roles, reads the forms
each is shown (``html.parser``) and the GET parameters the views read, and sends over 2,000
distinct bad values (``tests.fuzz.corpus``: control characters, unpaired surrogates as raw
bytes, 10,000-character strings, bidi overrides, emoji, SQL and template syntax, huge and
negative numbers, malformed dates and months, odd Unicode, markup, empty-looking values):
every field and parameter gets a value of each kind, and every value goes somewhere. No
answer may be a 500, and a refused POST (4xx, or the form shown again) writes nothing.

Then rows holding such text (as old rows, from before any validator) are read back through
every list, export, calendar feed and bulletin by every role: no 500 either.
"""

import time
from itertools import cycle

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEvent
from core.models import CalendarDay
from entrepreneurs.models import Enterprise, Entrepreneur
from government.models import Department, Official
from issues.models import Attachment, ExtensionRequest, Issue, SatisfactionRating
from notifications.models import Notification
from privacy.models import DeletionRequest
from sessions.models import Attendance, Edition, SessionSeries, TalkSession
from tests.factories import IssueEventFactory
from tests.fuzz.corpus import KINDS, LONG, SURROGATE, corpus, distinct_values
from tests.fuzz.walk import Walk
from tests.fuzz.world import ROLES, add_issues, add_roles, pages
from tests.test_access_matrix import world  # noqa: F401 - the fixture this walk builds on

pytestmark = pytest.mark.django_db

#: Known 500s of issue 15 that other branches fix (text of a failure -> what it is).
KNOWN = {
    "IllegalCharacterError": "defect 2: a control character in the Excel export (i15-cleantext)",
    "calendar.ics": "defect 5: a line break in the session's iCalendar (i15-cleantext)",
    "feed": "defect 5: a control character in the personal calendar feed (i15-cleantext)",
    "text/csv": "deliverable 4: outputs strip or escape control characters (i15-cleantext)",
}


def known(failure: str) -> str:
    for needle, what in KNOWN.items():
        if needle in failure:
            return f"{failure}   [known, issue 15 {what}]"
    return failure


def report(walk: Walk, title: str) -> str:
    return "\n".join([f"{title}: {len(walk.failures)} answers of 500 or above",
                      *map(known, walk.failures[:200])])


@pytest.fixture
def walk(world, private_storage, settings):  # noqa: F811 - the access matrix's world
    # Every value reaches the rating link's form, not its per-address limit (429).
    settings.RATELIMIT_RATING_LINK = "100000/h"
    users = add_roles(world)
    issues = add_issues(world)
    walk = Walk(clients={role: Client() for role in ROLES})
    for role in ROLES:
        walk.sign_in(role, users[role])
    walk.page_list = pages(world, issues)
    return walk


def test_the_corpus_has_two_thousand_distinct_values_of_every_kind():
    values = corpus()
    assert distinct_values() >= 2000
    assert set(values) == set(KINDS) and all(values[kind] for kind in KINDS)
    assert all(len(value) == 10_000 for value in values[LONG][:20])
    assert all(isinstance(value, bytes) for value in values[SURROGATE])


def test_no_bad_value_in_any_field_or_parameter_answers_500(walk):
    started = time.monotonic()
    targets = walk.discover(dict.fromkeys(ROLES, walk.page_list))
    assert not walk.failures, report(walk, "pages")
    walk.run(targets)
    seconds = time.monotonic() - started
    fields = {t.identity for t in targets if t.method == "post"}
    params = {t.identity for t in targets if t.method == "get"}
    summary = (f"{walk.values_sent} values sent ({len(walk.distinct)} distinct) into "
               f"{len(fields)} form fields and {len(params)} GET parameters of "
               f"{len({path for _role, path in walk.pages})} pages, as {len(ROLES)} roles; "
               f"{walk.requests} requests in {seconds:.0f} s; answers: "
               + ", ".join(f"{method} {status}: {count}" for (method, status), count
                           in sorted(walk.statuses.items())))
    print(summary)
    # Everyone reached something, and the forms behind the logins were found.
    assert {role for role, _path in walk.pages} == set(ROLES)
    assert len(fields) >= 40 and len(params) >= 20, summary
    assert len(walk.distinct) >= 2000, summary
    assert not walk.failures, report(walk, summary)
    assert not walk.partial_writes, "\n".join(walk.partial_writes[:100])


#: Text users write that pages, exports, feeds and messages print: model -> fields.
USER_TEXT = {
    CalendarDay: ("note",), Department: ("name", "name_en"), Official: ("name", "title"),
    Enterprise: ("name",), Entrepreneur: ("name", "position", "verification_note"),
    Edition: ("theme",), SessionSeries: ("name", "theme", "venue"),
    TalkSession: ("theme", "venue", "minutes", "cancel_reason"),
    Attendance: ("rating_comment",), Issue: ("title", "description", "rejection_reason"),
    ExtensionRequest: ("reason", "decision_note"),
    Attachment: ("original_name",), SatisfactionRating: ("comment",),
    Notification: ("subject", "body"), DeletionRequest: ("reason", "decision_note"),
    AuditEvent: ("identifier", "user_agent", "message"),
}


def bad_texts():
    """Endless texts, each with a value of every kind a database can hold (not the
    surrogates), after a line break and a U+0001 (the known breakers), the long one last."""
    streams = {kind: cycle(corpus()[kind]) for kind in KINDS if kind != SURROGATE}
    while True:
        parts = [next(streams[kind]) for kind in streams if kind != LONG]
        yield ("\x01\n" + "".join(parts) + next(streams[LONG])).replace("\x00", "")


def poison_rows() -> int:
    """Every row's user-written text replaced by bad text, as rows saved before any
    validator: how many rows."""
    texts = bad_texts()
    written = 0
    for model, names in USER_TEXT.items():
        for pk in model.objects.values_list("pk", flat=True):
            values = {}
            for name in names:
                limit = model._meta.get_field(name).max_length
                value = next(texts)
                values[name] = value[:limit] if limit else value
            model.objects.filter(pk=pk).update(**values)
            written += 1
    # The timeline is append-only: new entries carry the bad text.
    for issue in Issue.objects.all():
        IssueEventFactory(issue=issue, message=next(texts))
        written += 1
    return written


def test_old_rows_with_bad_text_break_no_list_export_feed_or_bulletin(walk, world):  # noqa: F811
    CalendarDay.objects.create(day="2027-10-08", is_working_day=False, note="国庆")
    assert poison_rows() >= 30
    everything = walk.page_list  # every page, both formats of each export, both feeds
    walk.discover(dict.fromkeys(ROLES, everything))
    assert not walk.failures and not walk.raw_controls, (
        report(walk, "pages over rows of bad text") + "\nFiles passing control characters on:\n"
        + "\n".join(map(known, walk.raw_controls)))
    assert {path for _role, path in walk.pages} >= {
        path for name, path in everything if name.startswith(("dashboard:", "sessions:ics",
                                                              "sessions:feed"))}


@pytest.mark.parametrize("number", [2**63, -(2**64), 10**30])
def test_a_department_number_no_key_can_be_is_refused_as_an_invalid_choice(client, world,  # noqa: F811
                                                                           number):
    """Found by the walk: a number past 64 bits among a session's departments crashed the
    database lookup (OverflowError on SQLite: a 500) instead of being a choice not offered."""
    client.force_login(world.users["coordinator_city"])
    response = client.post(reverse("sessions:create"), {"departments": str(number),
                                                        "theme": "恳谈", "venue": "会议室"})
    assert response.status_code == 400  # the form again, with its errors
    assert response.context["form"].has_error("departments", code="invalid_choice")
