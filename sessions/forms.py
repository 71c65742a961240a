"""Forms of the session screens: they parse what was typed; the services decide."""

from datetime import date, datetime, time, timedelta

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.forms import CleanTextForm, ModelMultipleChoiceField
from entrepreneurs.models import Enterprise
from government.models import Department, Official, Region
from government.selectors import region_scope_for_user
from sessions.models import SessionKind, SessionSeries, TalkSession
from sessions.selectors import WHEN_CHOICES


def _regions_for(user):
    scope = None if user.is_superuser else region_scope_for_user(user=user)
    regions = Region.objects.order_by("sort_order", "code")
    return regions.filter(pk=scope.pk) if scope is not None else regions


def _hosts_for(user):
    """Officials who may host: leaders, coordinators and department leads in the scope."""
    scope = None if user.is_superuser else region_scope_for_user(user=user)
    officials = Official.objects.filter(
        role__in=(Official.Role.LEADER, Official.Role.COORDINATOR,
                  Official.Role.DEPARTMENT_LEAD), user__is_active=True,
    ).select_related("department__region")
    if scope is not None:
        officials = officials.filter(Q(department__region=scope)
                                     | Q(department__region__level=Region.Level.CITY))
    return officials.order_by("department__region__sort_order", "department__name", "name")


def _departments_for(user):
    scope = None if user.is_superuser else region_scope_for_user(user=user)
    departments = Department.objects.filter(is_active=True).select_related("region")
    if scope is not None:
        departments = departments.filter(Q(region=scope) | Q(region__level=Region.Level.CITY))
    return departments.order_by("region__sort_order", "name")


class HostChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, official):
        return f"{official.name} · {official.title or official.get_role_display()} · " \
               f"{official.department}"


class _Planning(CleanTextForm):
    """What a session and a series share: where, who, how many."""

    kind = forms.ChoiceField(label=_("Kind"), choices=SessionKind.choices,
                             initial=SessionKind.TALK)
    theme = forms.CharField(label=_("Theme"), max_length=200)
    venue = forms.CharField(label=_("Venue"), max_length=200)
    host = HostChoiceField(label=_("Host official"), queryset=Official.objects.none(),
                           required=False)
    departments = ModelMultipleChoiceField(
        label=_("Attending departments"), queryset=Department.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Their handlers and leads are reminded before the session."),
    )
    capacity = forms.IntegerField(label=_("Places"), min_value=1, max_value=1000, initial=10)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["host"].queryset = _hosts_for(user)
        self.fields["departments"].queryset = _departments_for(user)


class SessionForm(_Planning):
    region = forms.ModelChoiceField(label=_("Region"), queryset=Region.objects.none())
    day = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"},
                                                                  format="%Y-%m-%d"))
    start = forms.TimeField(label=_("Starts"), initial=time(14, 30),
                            widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    end = forms.TimeField(label=_("Ends"), initial=time(16, 30),
                          widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    status = forms.ChoiceField(
        label=_("Registration"),
        choices=[(TalkSession.Status.PLANNED, _("Not open yet")),
                 (TalkSession.Status.OPEN, _("Open for registration now"))],
        initial=TalkSession.Status.PLANNED,
    )
    field_order = ["region", "kind", "theme", "day", "start", "end", "venue", "host",
                   "departments", "capacity", "status"]

    def __init__(self, *args, user, session: TalkSession | None = None, **kwargs):
        if session is not None and "initial" not in kwargs:
            local_start = timezone.localtime(session.starts_at)
            kwargs["initial"] = {
                "region": session.region_id, "kind": session.kind, "theme": session.theme,
                "day": local_start.date(), "start": local_start.time(),
                "end": timezone.localtime(session.ends_at).time(), "venue": session.venue,
                "host": session.host_id, "capacity": session.capacity,
                "departments": [d.pk for d in session.departments.all()],
            }
        super().__init__(*args, user=user, **kwargs)
        self.fields["region"].queryset = _regions_for(user)
        if session is not None:  # the region and status are not changed by editing
            del self.fields["region"]
            del self.fields["status"]

    def clean(self):
        cleaned = super().clean()
        day, start, end = cleaned.get("day"), cleaned.get("start"), cleaned.get("end")
        if day and start and end:
            starts_at = timezone.make_aware(datetime.combine(day, start))
            ends_at = timezone.make_aware(datetime.combine(day, end))
            if ends_at <= starts_at:
                self.add_error("end", _("A session must end after it starts."))
            elif starts_at < timezone.now() - timedelta(hours=12):
                self.add_error("day", _("Plan sessions from today on."))
            cleaned["starts_at"], cleaned["ends_at"] = starts_at, ends_at
        return cleaned

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        arguments = {name: data[name] for name in
                     ("kind", "theme", "venue", "host", "capacity", "starts_at", "ends_at")}
        arguments["departments"] = list(data["departments"])
        return arguments


WEEKDAYS = SessionSeries._meta.get_field("weekday").choices


class SeriesForm(_Planning):
    name = forms.CharField(label=pgettext_lazy("the name of a weekly series", "Name"),
                           max_length=100,
                           help_text=_("e.g. Wuxing's Wednesday talks"))
    region = forms.ModelChoiceField(label=_("Region"), queryset=Region.objects.none())
    weekday = forms.TypedChoiceField(label=_("Weekday"), choices=WEEKDAYS, coerce=int, initial=2)
    start_time = forms.TimeField(label=_("Starts"), initial=time(14, 30),
                                 widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    duration_minutes = forms.IntegerField(label=_("Length in minutes"), min_value=15,
                                          max_value=720, initial=120)
    starts_on = forms.DateField(label=_("First date"),
                                widget=forms.DateInput(attrs={"type": "date"},
                                                       format="%Y-%m-%d"))
    ends_on = forms.DateField(label=_("Last date"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"},
                                                     format="%Y-%m-%d"),
                              help_text=_("Leave empty to go on every week."))
    weeks_ahead = forms.IntegerField(label=_("Weeks planned ahead"), min_value=1, max_value=26,
                                     initial=4)
    on_holiday = forms.ChoiceField(label=_("When the day is a public holiday"),
                                   choices=SessionSeries.OnHoliday.choices,
                                   initial=SessionSeries.OnHoliday.NEXT_WORKING_DAY)
    field_order = ["name", "region", "kind", "theme", "weekday", "start_time",
                   "duration_minutes", "venue", "host", "departments", "capacity", "starts_on",
                   "ends_on", "weeks_ahead", "on_holiday"]

    #: What changing a series does not offer: set when it is set up (its last date is set
    #: by ending it).
    FIXED = ("region", "kind", "capacity", "starts_on", "ends_on", "weeks_ahead", "on_holiday")

    def __init__(self, *args, user, series: SessionSeries | None = None, **kwargs):
        if series is not None and "initial" not in kwargs:
            kwargs["initial"] = {name: getattr(series, name) for name in
                                 ("name", "theme", "weekday", "start_time", "duration_minutes",
                                  "venue")}
            kwargs["initial"]["host"] = series.host_id
            kwargs["initial"]["departments"] = [d.pk for d in series.departments.all()]
        kwargs.setdefault("initial", {}).setdefault("starts_on", timezone.localdate())
        kwargs["initial"].setdefault("theme", "政企恳谈会")
        super().__init__(*args, user=user, **kwargs)
        self.fields["region"].queryset = _regions_for(user)
        if series is not None:
            for name in self.FIXED:
                del self.fields[name]

    def clean(self):
        cleaned = super().clean()
        if (cleaned.get("ends_on") and cleaned.get("starts_on")
                and cleaned["ends_on"] < cleaned["starts_on"]):
            self.add_error("ends_on", _("The last date cannot be before the first date."))
        return cleaned

    def service_arguments(self) -> dict:
        data = dict(self.cleaned_data)
        data["departments"] = list(data["departments"])
        return data


def leave_out_dates(data) -> list[date]:
    """The weeks a coordinator confirmed to leave out, as the confirming button sends them
    ("2026-03-11,2026-03-18"); anything unreadable counts as none, so the clashes are shown
    again rather than a week left out unseen."""
    dates = []
    for part in str(data.get("leave_out", ""))[:2000].split(","):
        try:
            dates.append(date.fromisoformat(part.strip()))
        except ValueError:
            continue
    return dates


class SeriesEndForm(CleanTextForm):
    ends_on = forms.DateField(
        label=_("Last date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("No week after it is planned; the series' sessions after it are cancelled "
                    "and everyone taking part is told."),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("ends_on", timezone.localdate())
        super().__init__(*args, **kwargs)


class SessionFilterForm(CleanTextForm):
    when = forms.ChoiceField(
        label=_("When"), required=False,
        choices=list(zip(WHEN_CHOICES, (_("Coming"), _("Past"), _("All")), strict=True)),
    )
    region = forms.ModelChoiceField(label=_("Region"), queryset=Region.objects.none(),
                                    required=False, empty_label=_("All regions"))
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("Any status")), *TalkSession.Status.choices])

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions

    def filters(self) -> dict:
        if not self.is_valid():
            return {"when": "upcoming"}
        data = self.cleaned_data
        return {"when": data["when"] or "upcoming", "region": data["region"],
                "status": data["status"]}


TRI_STATE = [("", _("Either")), ("yes", _("Only new-generation")), ("no", _("Not new-generation"))]


class InviteForm(CleanTextForm):
    region = forms.ModelChoiceField(label=_("Enterprise's region"), queryset=Region.objects.none(),
                                    required=False, empty_label=_("Any region the session is for"))
    industry = forms.ChoiceField(label=_("Industry"), required=False,
                                 choices=[("", _("Any industry")), *Enterprise.Industry.choices])
    scale = forms.ChoiceField(label=_("Scale"), required=False,
                              choices=[("", _("Any scale")), *Enterprise.Scale.choices])
    new_generation = forms.ChoiceField(label=_("New-generation entrepreneurs"), required=False,
                                       choices=TRI_STATE)

    def __init__(self, *args, session: TalkSession, **kwargs):
        super().__init__(*args, **kwargs)
        regions = Region.objects.filter(level=Region.Level.COUNTY).order_by("sort_order")
        if session.region.level != Region.Level.CITY:
            regions = regions.filter(pk=session.region_id)
        self.fields["region"].queryset = regions

    def filters(self) -> dict:
        data = self.cleaned_data
        return {
            "region": data["region"], "industry": data["industry"], "scale": data["scale"],
            "new_generation": {"yes": True, "no": False}.get(data["new_generation"]),
        }


class ReasonForm(CleanTextForm):
    reason = forms.CharField(label=_("Reason, told to everyone taking part"), max_length=300,
                             widget=forms.Textarea(attrs={"rows": 2}))


class MinutesForm(CleanTextForm):
    minutes = forms.CharField(
        label=pgettext_lazy("the record of a session", "Minutes"), required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Who spoke, what was raised, what was agreed. Saved as you go; closing "
                    "the session needs them."),
    )


STARS = [(n, str(n)) for n in range(5, 0, -1)]


class SessionRateForm(CleanTextForm):
    rating = forms.TypedChoiceField(label=_("How useful was the session?"), choices=STARS,
                                    coerce=int, widget=forms.RadioSelect,
                                    error_messages={"required": _("Choose from 1 to 5 stars.")})
    comment = forms.CharField(label=_("Comment (optional)"), max_length=500, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))


class WalkInSearchForm(CleanTextForm):
    q = forms.CharField(label=_("Name, mobile or enterprise"), max_length=100, required=False)
