"""What the base layout needs to show each user what they may do."""

from dataclasses import dataclass
from functools import cached_property

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.roles import ROLE_PERMISSIONS, Role, role_group_names, user_role
from entrepreneurs.selectors import entrepreneur_for_user
from government.selectors import official_for_user
from notifications.selectors import inbox_unread_count

ROLE_LABELS = {
    Role.ANONYMOUS: _("Visitor"),
    Role.ADMIN: _("Administrator"),
    Role.LEADER: _("Leader"),
    Role.COORDINATOR: _("Coordinator"),
    Role.DEPARTMENT_LEAD: _("Department lead"),
    Role.HANDLER: _("Department handler"),
    Role.ENTREPRENEUR: _("Entrepreneur"),
    Role.NONE: _("No role yet"),
}


OFFICIAL_ROLES = (Role.ADMIN, Role.LEADER, Role.COORDINATOR, Role.DEPARTMENT_LEAD, Role.HANDLER)


@dataclass(frozen=True)
class NavLink:
    """One link of the navigation; ``active`` marks the place the user is at."""

    label: str
    url: str
    icon: str
    active: bool = False
    testid: str = ""
    is_inbox: bool = False


@dataclass(frozen=True)
class NavGroup:
    """A heading of the officials' sidebar and the links under it (by work, not by app)."""

    key: str
    heading: str
    links: tuple[NavLink, ...]


class Navigation:
    """Worked out lazily: pages that never read ``nav`` (the admin, say) cost no queries."""

    def __init__(self, request):
        self._user = request.user
        match = request.resolver_match
        self._view_name = match.view_name if match else ""
        self._app_name = match.app_name if match else ""

    def _at(self, *names: str, prefix: str = "") -> bool:
        """Whether the page shown is one of ``names`` (view names) or under ``prefix``."""
        return self._view_name in names or bool(prefix and self._view_name.startswith(prefix))

    @cached_property
    def role(self) -> Role:
        return user_role(self._user)

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]

    @property
    def is_authenticated(self) -> bool:
        return self._user.is_authenticated

    def can(self, perm: str) -> bool:
        """Whether the user's role grants ``perm``, read from the role table (no query).

        Only for showing links: every view checks ``user.has_perm`` itself.
        """
        user = self._user
        if not user.is_authenticated or not user.is_active:
            return False
        if user.is_superuser:
            return True
        return any(perm in ROLE_PERMISSIONS.get(name, ()) for name in role_group_names(user))

    @property
    def is_official(self) -> bool:
        """Officials get the sidebar layout; entrepreneurs and visitors the short top bar."""
        return self.role in OFFICIAL_ROLES

    @property
    def show_dashboard(self) -> bool:
        """Leaders, coordinators and administrators (``dashboard_scope_for_user`` decides)."""
        return self.role in (Role.LEADER, Role.COORDINATOR, Role.ADMIN)

    @property
    def show_issues(self) -> bool:
        return self.role not in (Role.ANONYMOUS, Role.NONE)

    @property
    def show_entrepreneurs(self) -> bool:
        return self.can("entrepreneurs.view_entrepreneur")

    @property
    def show_verification(self) -> bool:
        return self.can("entrepreneurs.verify_entrepreneur")

    @property
    def show_officials(self) -> bool:
        return self.can("government.view_official")

    @property
    def show_raise_issue(self) -> bool:
        """A verified entrepreneur raises issues online (one waiting for verification may not)."""
        return self.role == Role.ENTREPRENEUR and self.can("issues.add_issue")

    @property
    def show_sessions(self) -> bool:
        """Officials with a part in sessions, and verified entrepreneurs."""
        if self.role in (Role.ADMIN, Role.COORDINATOR, Role.LEADER, Role.HANDLER,
                         Role.DEPARTMENT_LEAD):
            return True
        return self.role == Role.ENTREPRENEUR and self.can("talk_sessions.add_attendance")

    @property
    def show_supervision(self) -> bool:
        return self.role in (Role.ADMIN, Role.COORDINATOR, Role.LEADER)

    @property
    def show_follow_up(self) -> bool:
        """Coordinators and administrators make the follow-up calls (回访)."""
        return self.role in (Role.ADMIN, Role.COORDINATOR)

    @property
    def show_calendar(self) -> bool:
        return self.can("core.view_calendarday")

    @property
    def show_my_data(self) -> bool:
        return self.role == Role.ENTREPRENEUR

    @cached_property
    def inbox_unread(self) -> int:
        """Unread messages for the inbox badge: one query when signed in, none otherwise."""
        return inbox_unread_count(user=self._user)

    @property
    def show_admin(self) -> bool:
        return self._user.is_authenticated and self._user.is_staff

    @cached_property
    def display_name(self) -> str:
        """The name the programme knows the person by, else the account's."""
        user = self._user
        if not user.is_authenticated:
            return ""
        role = self.role
        if role in (Role.LEADER, Role.COORDINATOR, Role.DEPARTMENT_LEAD, Role.HANDLER):
            return official_for_user(user=user).name
        if role == Role.ENTREPRENEUR:
            return entrepreneur_for_user(user=user).display_name
        return user.get_full_name() or user.get_username()


    @cached_property
    def post(self) -> str:
        """What the account menu says under the name: the official's position and role."""
        official = (official_for_user(user=self._user)
                    if self.role in OFFICIAL_ROLES and self.role != Role.ADMIN else None)
        if official is not None and official.title:
            return f"{official.title} · {self.role_label}"
        return str(self.role_label)

    def _home(self) -> NavLink:
        return NavLink(_("Home"), reverse("home"), "house-door", self._at("home"))

    def _inbox(self) -> NavLink:
        return NavLink(_("Inbox"), reverse("notifications:inbox"), "bell",
                       self._app_name == "notifications", "nav-inbox", is_inbox=True)

    def _issues(self) -> NavLink:
        return NavLink(_("Issues"), reverse("issues:list"), "card-checklist",
                       self._at("issues:list", "issues:detail"))

    def _sessions(self) -> NavLink:
        return NavLink(_("Sessions"), reverse("sessions:list"), "calendar-event",
                       self._at(prefix="sessions:"), "nav-sessions")

    @cached_property
    def groups(self) -> tuple[NavGroup, ...]:
        """The officials' sidebar, grouped by work; groups the role has no link in are left out."""
        candidates = (
            ("desk", _("Workbench"), ((True, self._home), (True, self._inbox))),
            ("issues", _("Issues"), (
                (self.show_issues, self._issues),
                (self.show_supervision, lambda: NavLink(
                    _("Supervision"), reverse("issues:supervision"), "megaphone",
                    self._at("issues:supervision"))),
                (self.show_follow_up, lambda: NavLink(
                    _("Follow-up calls"), reverse("issues:follow_up"), "telephone-outbound",
                    self._at("issues:follow_up", "issues:record_call"), "nav-follow-up")),
            )),
            ("sessions", _("Sessions"), ((self.show_sessions, self._sessions),)),
            ("entrepreneurs", _("Entrepreneurs"), (
                (self.show_entrepreneurs, lambda: NavLink(
                    _("Entrepreneurs"), reverse("entrepreneurs:list"), "building",
                    self._at("entrepreneurs:list", "entrepreneurs:detail"))),
                (self.show_verification, lambda: NavLink(
                    _("Sign-ups to verify"), reverse("entrepreneurs:pending"), "person-check",
                    self._at("entrepreneurs:pending"))),
            )),
            ("data", _("Data"), (
                (self.show_dashboard, lambda: NavLink(
                    _("Dashboard"), reverse("dashboard:index"), "speedometer2",
                    self._at(prefix="dashboard:"), "nav-dashboard")),
            )),
            ("admin", _("Management"), (
                (self.show_officials, lambda: NavLink(
                    _("Officials"), reverse("officials:list"), "person-badge",
                    self._at(prefix="officials:"))),
                (self.show_calendar, lambda: NavLink(
                    _("Working days"), reverse("calendar:index"), "calendar-week",
                    self._at(prefix="calendar:"))),
                (self.show_verification, lambda: NavLink(
                    _("Deletion requests"), reverse("privacy:requests"), "eraser",
                    self._at("privacy:requests"))),
                (self.show_admin, lambda: NavLink(
                    _("Admin"), reverse("admin:index"), "gear")),
            )),
        )
        groups = []
        for key, heading, entries in candidates:
            links = tuple(make() for shown, make in entries if shown)
            if links:
                groups.append(NavGroup(key, heading, links))
        return tuple(groups)

    @cached_property
    def top_links(self) -> tuple[NavLink, ...]:
        """The short top bar of entrepreneurs and visitors."""
        links = [self._home()]
        if self.show_raise_issue:
            links.append(NavLink(_("Raise an issue"), reverse("issues:new"), "plus-circle",
                                 self._at("issues:new"), "nav-raise-issue"))
        if self.show_issues:
            links.append(self._issues())
        if self.show_sessions:
            links.append(self._sessions())
        if self.show_my_data:
            links.append(NavLink(_("My data"), reverse("privacy:my_data"), "shield-check",
                                 self._at("privacy:my_data")))
        if self.is_authenticated:
            links.append(self._inbox())
        return tuple(links)


def navigation(request):
    return {"nav": Navigation(request), "programme_phone": settings.PROGRAMME_PHONE}
