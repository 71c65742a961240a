"""The programme's record, built in memory from a fixed random seed and bulk-inserted.

The published record (76 editions, 595 sessions held, 4,545 attendances, 5,895
issues, 99.44% satisfaction) is reproduced by construction: every one of the
5,895 issues carries a rating; 5,862 latest ratings are satisfied or basically
satisfied and 33 are dissatisfied. Those 33 were reopened for a second round and
stand today in every open state, so every work queue has something to show
without changing a published figure.

Where the parts live:

- ``record``: the published figures, ``HistoryReport``, ``at`` and ``make_credit_code``;
- ``people``: enterprises, entrepreneurs, editions, sessions and attendance;
- ``issues``: the issues, their events round by round, the ratings (by the SMS link or by
  phone for the people without an account, online for the demo entrepreneur), the
  follow-up calls (回访) and the answers signed off by a department lead.

``HistoryBuilder`` (here) holds the shared state, one random generator for the
whole build (and a second for the parts added later: how people came into the directory,
how they rated, the follow-up calls, the signed-off answers), and runs the parts in order;
the order fixes every random draw.
"""

import random
from datetime import date

from core.workdays import work_calendar
from demo.history.issues import OPEN_STATE_PLAN, IssuesHistory
from demo.history.people import (
    ENTERPRISES,
    ENTREPRENEURS,
    UPCOMING_WEEKS,
    PeopleAndSessionsHistory,
)
from demo.history.record import (
    PUBLISHED_ATTENDANCES,
    PUBLISHED_EDITIONS,
    PUBLISHED_ISSUES,
    PUBLISHED_SATISFIED,
    PUBLISHED_SESSIONS,
    RANDOM_SEED,
    REOPENED_OPEN,
    REOPENED_THEN_SATISFIED,
    TZ,
    HistoryReport,
    at,
    make_credit_code,
)
from entrepreneurs.models import Entrepreneur
from government.models import Department, Official, Region
from issues.models import Category

__all__ = [
    "ENTERPRISES", "ENTREPRENEURS", "OPEN_STATE_PLAN", "PUBLISHED_ATTENDANCES",
    "PUBLISHED_EDITIONS", "PUBLISHED_ISSUES", "PUBLISHED_SATISFIED", "PUBLISHED_SESSIONS",
    "RANDOM_SEED", "REOPENED_OPEN", "REOPENED_THEN_SATISFIED", "TZ", "UPCOMING_WEEKS",
    "HistoryBuilder", "HistoryReport", "at", "make_credit_code",
]


class HistoryBuilder(PeopleAndSessionsHistory, IssuesHistory):
    """Builds the whole history in memory, then writes it with bulk inserts."""

    def __init__(self, *, today: date, seed: int = RANDOM_SEED):
        self.today = today
        self.rng = random.Random(seed)
        # The parts added later (how people came in, how they rated, the 回访 calls, the
        # signed-off answers) draw from their own generator, so the first one's draws, and
        # with them the published record, stay exactly as they were.
        self.later_rng = random.Random(seed + 1)
        self.regions = {r.code: r for r in Region.objects.all()}
        self.departments = {d.code: d for d in Department.objects.select_related("region")}
        self.categories = list(Category.objects.select_related("default_department"))
        self.officials = {o.user.username: o for o in Official.objects.select_related("user")}
        self.demo_entrepreneur = Entrepreneur.objects.get(user__username="entrepreneur")
        self.report = HistoryReport()
        # One calendar for the whole build: the working-day overrides are read once.
        self.calendar = work_calendar()

    def build(self) -> HistoryReport:
        self.build_people()
        self.build_sessions()
        self.build_attendance()
        self.build_issues()
        self.build_timeline()
        return self.report
