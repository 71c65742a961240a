from django.shortcuts import render
from django.utils import timezone

from accounts.roles import Role, user_role
from core.services import background_status
from dashboard.selectors import HeadlineFigures, headline_figures_for_user, public_figures
from entrepreneurs.selectors import (
    entrepreneur_for_user,
    pending_entrepreneurs_for_user,
    verification_decider,
)
from government.selectors import official_for_user, region_scope_for_user
from issues.selectors import (
    answers_awaiting_sign_off_for_user,
    coordinator_queue_for_user,
    department_queue_for_user,
    enterprise_issue_summary_for_user,
    issues_awaiting_dispatch_for_user,
    latest_enterprise_issues_for_user,
    urgent_department_issues_for_user,
)
from sessions.selectors import (
    sessions_in_scope_for_user,
    upcoming_attendances_for_user,
)


def _headline_figures(figures: HeadlineFigures) -> dict:
    """The programme's figures as the dashboard counts them (``dashboard.selectors``)."""
    return {
        "editions": figures.sessions.editions,
        "sessions_held": figures.sessions.sessions_held,
        "attendances": figures.sessions.attendances,
        "collected": figures.issues.collected,
        "satisfaction_rate": figures.issues.satisfaction_rate,
    }


def _public_home(user) -> dict:
    return {"figures": _headline_figures(public_figures())}


def _entrepreneur_home(user) -> dict:
    entrepreneur = entrepreneur_for_user(user=user)
    if entrepreneur is not None and not entrepreneur.is_verified:
        # Waiting for (or refused) verification: nothing to list yet, only whom to ask.
        return {
            "entrepreneur": entrepreneur,
            "verification_decider": verification_decider(entrepreneur=entrepreneur),
        }
    return {
        "entrepreneur": entrepreneur,
        "status_counts": enterprise_issue_summary_for_user(user=user),
        "upcoming": upcoming_attendances_for_user(user=user),
        "latest_issues": latest_enterprise_issues_for_user(user=user),
    }


def _department_home(user) -> dict:
    return {
        "official": official_for_user(user=user),
        "queue": department_queue_for_user(user=user),
        "urgent_issues": urgent_department_issues_for_user(user=user),
        # A department lead's answers to sign off (审核签发); none for a handler.
        "answers_to_sign_off": answers_awaiting_sign_off_for_user(user=user),
    }


def _coordinator_home(user) -> dict:
    return {
        "official": official_for_user(user=user),
        "scope": region_scope_for_user(user=user),
        "queue": coordinator_queue_for_user(user=user),
        "pending_sign_ups": pending_entrepreneurs_for_user(user=user).count(),
        "waiting_issues": issues_awaiting_dispatch_for_user(user=user),
        "sessions": sessions_in_scope_for_user(user=user),
    }


def _leader_home(user) -> dict:
    scope = region_scope_for_user(user=user)
    return {"scope": scope, "figures": _headline_figures(headline_figures_for_user(user=user))}


def _admin_home(user) -> dict:
    status = background_status()
    if status["last_seen"] is not None:
        status["seconds_ago"] = max(0, int((timezone.now() - status["last_seen"]).total_seconds()))
    return {"figures": _headline_figures(public_figures()), "background": status}


def _no_role_home(user) -> dict:
    return {}


#: Each role's home page: the template and the function that gathers its data.
HOME_PAGES = {
    Role.ANONYMOUS: ("home/public.html", _public_home),
    Role.ENTREPRENEUR: ("home/entrepreneur.html", _entrepreneur_home),
    Role.HANDLER: ("home/department.html", _department_home),
    Role.DEPARTMENT_LEAD: ("home/department.html", _department_home),
    Role.COORDINATOR: ("home/coordinator.html", _coordinator_home),
    Role.LEADER: ("home/overview.html", _leader_home),
    Role.ADMIN: ("home/overview.html", _admin_home),
    Role.NONE: ("home/no_role.html", _no_role_home),
}


def home(request):
    role = user_role(request.user)
    template, gather = HOME_PAGES[role]
    return render(request, template, {"role": role, **gather(request.user)})
