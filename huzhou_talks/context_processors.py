"""What the base layout needs to show each user what they may do."""

from functools import cached_property

from django.conf import settings
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


class Navigation:
    """Worked out lazily: pages that never read ``nav`` (the admin, say) cost no queries."""

    def __init__(self, request):
        self._user = request.user

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


def navigation(request):
    return {"nav": Navigation(request), "programme_phone": settings.PROGRAMME_PHONE}
