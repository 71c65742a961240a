"""The people and the sessions: enterprises, entrepreneurs, editions, sessions, attendance.

A mixin of ``demo.history.HistoryBuilder``: it reads the builder's shared state
(``today``, ``rng``, ``calendar``, ``regions``, ``departments``, ``officials``,
``demo_entrepreneur``, ``report``) and leaves ``all_people``, ``people_by_region``,
``held_sessions``, ``upcoming_sessions`` and ``attendees`` for the issues history.
"""

from datetime import date, time, timedelta

from demo import data
from demo.history.record import (
    PUBLISHED_ATTENDANCES,
    PUBLISHED_EDITIONS,
    PUBLISHED_SESSIONS,
    at,
    make_credit_code,
)
from entrepreneurs.models import Enterprise, Entrepreneur
from government.models import Official
from sessions.models import Attendance, Edition, SessionKind, SessionSeries, TalkSession

ENTERPRISES = 1400
ENTREPRENEURS = 1650
UPCOMING_WEEKS = 3


class PeopleAndSessionsHistory:
    """Builds the people, the 76 held editions with their sessions, and who attended."""

    # People -------------------------------------------------------------------

    def _name(self) -> str:
        return self.rng.choice(data.SURNAMES) + self.rng.choice(data.GIVEN)

    def build_people(self) -> None:
        county_codes = [code for code, *_ in data.REGIONS if code != "huzhou"]
        weights = [18, 14, 17, 19, 16, 10]
        enterprises = []
        for serial in range(1, ENTERPRISES + 1):
            region = self.regions[self.rng.choices(county_codes, weights)[0]]
            industry = self.rng.choice(list(data.INDUSTRY_WORDS))
            word = self.rng.choice(data.INDUSTRY_WORDS[industry])
            name = f"{region.name[:2]}{self.rng.choice(data.BRANDS)}{word}有限公司"
            division = region.division_code or "330500"
            enterprises.append(Enterprise(
                name=name, credit_code=make_credit_code(division, serial), region=region,
                industry=industry,
                scale=self.rng.choices(["large", "medium", "small", "micro"], [5, 25, 50, 20])[0],
                created_at=at(self.today - timedelta(days=self.rng.randint(400, 900)), 9),
            ))
        enterprises = Enterprise.objects.bulk_create(enterprises)
        # Nobody in the history has an account: each was recorded by a coordinator, walked
        # in at a session (their enterprise confirmed since) or came from a county's list.
        sources, weights = zip(*data.PERSON_SOURCES, strict=True)
        people = []
        for index in range(ENTREPRENEURS):
            enterprise = enterprises[index] if index < ENTERPRISES else self.rng.choice(enterprises)
            source = self.later_rng.choices(sources, weights)[0]
            if source == Entrepreneur.Source.WALK_IN and not enterprise.confirmed_at:
                enterprise.confirmed_at = enterprise.created_at + timedelta(days=2)
                enterprise.confirmed_by = self.host_for(enterprise.region.code).user
            people.append(Entrepreneur(
                source=source,
                name=self._name(), mobile=f"139{index + 10_000_000:08d}",
                enterprise=enterprise, position=self.rng.choice(data.POSITIONS),
                is_new_generation=self.rng.random() < 0.2,
                consent_to_contact=self.rng.random() < 0.9,
                verification=Entrepreneur.Verification.VERIFIED,
                created_at=enterprise.created_at,
            ))
        people = Entrepreneur.objects.bulk_create(people)
        Enterprise.objects.bulk_update([e for e in enterprises if e.confirmed_at],
                                       ["confirmed_at", "confirmed_by"], batch_size=500)
        self.people_by_region = {}
        for person in people + [self.demo_entrepreneur]:
            self.people_by_region.setdefault(person.enterprise.region_id, []).append(person)
        self.all_people = people + [self.demo_entrepreneur]

    # Editions and sessions ----------------------------------------------------

    def held_wednesdays(self) -> list[date]:
        """The last 76 Wednesdays before today that were working days."""
        day = self.today - timedelta(days=1)
        while day.weekday() != 2:
            day -= timedelta(days=1)
        wednesdays = []
        while len(wednesdays) < PUBLISHED_EDITIONS:
            if self.calendar.is_working_day(day):
                wednesdays.append(day)
            day -= timedelta(days=7)
        return wednesdays[::-1]

    def upcoming_wednesdays(self) -> list[date]:
        day = self.today
        while day.weekday() != 2:
            day += timedelta(days=1)
        wednesdays = []
        while len(wednesdays) < UPCOMING_WEEKS:
            if self.calendar.is_working_day(day):
                wednesdays.append(day)
            day += timedelta(days=7)
        return wednesdays

    def build_series(self, first_wednesday: date) -> dict:
        series = {}
        for code, _division, name, _name_en, _level, venue in data.REGIONS:
            host = self.host_for(code)
            item, _ = SessionSeries.objects.get_or_create(
                name=f"{name}每周三政企恳谈会",
                defaults={"region": self.regions[code], "start_time": time(14, 30),
                          "duration_minutes": 120, "venue": venue, "host": host,
                          "capacity": 10, "starts_on": first_wednesday, "weeks_ahead": 3},
            )
            series[code] = item
        return series

    def host_for(self, region_code: str) -> Official:
        return self.officials[data.coordinator_username(region_code)]

    def build_sessions(self) -> None:
        held_days = self.held_wednesdays()
        upcoming_days = self.upcoming_wednesdays()
        self.series = self.build_series(held_days[0])
        editions = []
        for number, wednesday in enumerate(held_days + upcoming_days, start=1):
            editions.append(Edition(
                number=number, week_start=wednesday - timedelta(days=2),
                theme=data.EDITION_THEMES[number % len(data.EDITION_THEMES)],
            ))
        editions = Edition.objects.bulk_create(editions)
        held_editions = editions[:PUBLISHED_EDITIONS]

        sessions = []
        for edition, wednesday in zip(held_editions, held_days, strict=True):
            for code, *_ in data.REGIONS:
                sessions.append(self._talk(edition, wednesday, code, TalkSession.Status.HELD))
        # Festival events on 1 November, in the edition whose week holds that day.
        for edition in held_editions:
            november_first = date(edition.week_start.year, 11, 1)
            if edition.week_start <= november_first <= edition.week_end:
                sessions.append(self._special(edition, november_first, SessionKind.FESTIVAL,
                                              data.FESTIVAL, 9, 200))
        while len(sessions) < PUBLISHED_SESSIONS:
            edition = self.rng.choice(held_editions)
            if self.rng.random() < 0.5:
                sessions.append(self._special(edition, edition.week_start + timedelta(days=3),
                                              SessionKind.LECTURE,
                                              self.rng.choice(data.LECTURES), 14, 60))
            else:
                sessions.append(self._special(edition, edition.week_start + timedelta(days=4),
                                              SessionKind.SALON,
                                              self.rng.choice(data.SALONS), 15, 20))
        for index, (edition, wednesday) in enumerate(
            zip(editions[PUBLISHED_EDITIONS:], upcoming_days, strict=True)
        ):
            status = TalkSession.Status.OPEN if index == 0 else TalkSession.Status.PLANNED
            for code, *_ in data.REGIONS:
                sessions.append(self._talk(edition, wednesday, code, status))
        self.sessions = TalkSession.objects.bulk_create(sessions)
        self.held_sessions = [s for s in self.sessions if s.status == TalkSession.Status.HELD]
        self.upcoming_sessions = [s for s in self.sessions if s.status != TalkSession.Status.HELD]

        through = TalkSession.departments.through
        links = []
        city_departments = [d for d in self.departments.values()
                            if d.region.code == "huzhou" and not d.code.endswith("-tzb")]
        for session in self.sessions:
            local = [d for d in self.departments.values() if d.region_id == session.region_id
                     and d.region.code != "huzhou"]
            chosen = set(self.rng.sample(city_departments, 4)) | set(local)
            links += [through(talksession_id=session.pk, department_id=d.pk) for d in chosen]
        through.objects.bulk_create(links)
        self.report.editions = PUBLISHED_EDITIONS
        self.report.sessions = len(self.held_sessions)

    def _talk(self, edition, wednesday, region_code, status) -> TalkSession:
        region = self.regions[region_code]
        return TalkSession(
            edition=edition, region=region, series=self.series[region_code],
            series_date=wednesday, kind=SessionKind.TALK, theme=edition.theme,
            venue=self.series[region_code].venue, starts_at=at(wednesday, 14, 30),
            ends_at=at(wednesday, 16, 30), host=self.host_for(region_code), capacity=10,
            status=status,
            minutes=("与会企业家反映问题已现场登记，会后按类别交办相关部门，限时答复。"
                     if status == TalkSession.Status.HELD else ""),
            created_at=at(wednesday - timedelta(days=14), 9),
        )

    def _special(self, edition, day, kind, theme, hour, capacity) -> TalkSession:
        return TalkSession(
            edition=edition, region=self.regions["huzhou"], kind=kind, theme=theme,
            venue="湖州市民营经济服务中心", starts_at=at(day, hour), ends_at=at(day, hour + 2),
            host=self.host_for("huzhou"), capacity=capacity, status=TalkSession.Status.HELD,
            minutes="活动已按计划举行。", created_at=at(day - timedelta(days=14), 9),
        )

    # Attendance -----------------------------------------------------------------

    def build_attendance(self) -> None:
        targets = {}
        for session in self.held_sessions:
            low, high = {SessionKind.TALK: (6, 9), SessionKind.LECTURE: (12, 20),
                         SessionKind.SALON: (8, 14), SessionKind.FESTIVAL: (40, 60)}[session.kind]
            targets[session.pk] = self.rng.randint(low, high)
        talks = [s for s in self.held_sessions if s.kind == SessionKind.TALK]
        while (total := sum(targets.values())) != PUBLISHED_ATTENDANCES:
            session = self.rng.choice(talks)
            step = 1 if total < PUBLISHED_ATTENDANCES else -1
            if 3 <= targets[session.pk] + step <= session.capacity:
                targets[session.pk] += step

        city = self.regions["huzhou"]
        demo_sessions = {s.pk for s in self.rng.sample(
            [s for s in talks if s.region.code == "wuxing"], 6)}
        rows = []
        self.attendees = {}
        for session in self.held_sessions:
            pool = (self.all_people if session.region_id == city.pk
                    else self.people_by_region[session.region_id])
            count = targets[session.pk]
            people = self.rng.sample(pool, count + 1)
            if session.pk in demo_sessions and self.demo_entrepreneur not in people[:count]:
                people[0] = self.demo_entrepreneur
            attended, absent = people[:count], people[count]
            self.attendees[session.pk] = attended
            registered = session.starts_at - timedelta(days=self.rng.randint(2, 10))
            for person in attended:
                rows.append(Attendance(
                    session=session, entrepreneur=person, status=Attendance.Status.ATTENDED,
                    invited_at=registered - timedelta(days=2), registered_at=registered,
                    checked_in_at=session.starts_at - timedelta(minutes=self.rng.randint(0, 20)),
                ))
            if self.rng.random() < 0.3 and absent is not self.demo_entrepreneur:
                rows.append(Attendance(session=session, entrepreneur=absent,
                                       status=Attendance.Status.ABSENT,
                                       invited_at=registered - timedelta(days=2),
                                       registered_at=registered))
        # Next week's sessions take registrations; one is full with a waiting list.
        first_week = [s for s in self.upcoming_sessions if s.status == TalkSession.Status.OPEN]
        for index, session in enumerate(first_week):
            pool = self.people_by_region.get(session.region_id, self.all_people)
            full = index == 1
            people = self.rng.sample([p for p in pool if p is not self.demo_entrepreneur],
                                     session.capacity + 2 if full else self.rng.randint(3, 8))
            if session.region.code == "wuxing":
                people[0] = self.demo_entrepreneur
            for position, person in enumerate(people):
                waitlisted = full and position >= session.capacity
                rows.append(Attendance(
                    session=session, entrepreneur=person,
                    status=(Attendance.Status.WAITLISTED if waitlisted
                            else Attendance.Status.REGISTERED),
                    invited_at=at(self.today - timedelta(days=5), 10),
                    registered_at=at(self.today - timedelta(days=4), 9, position),
                ))
        Attendance.objects.bulk_create(rows)
        self.report.attendances = sum(len(v) for v in self.attendees.values())
