"""The account's share of a person's personal data (PIPL): its export and its erasure.

``privacy.services`` calls the apps' ``personal_data`` modules in turn; each exports and
erases only its own tables. Here: the user account (name, email, password) and its history
in the audit trail. ``export_time`` is the one time format of the whole export.
"""

from accounts.models import AuditEvent
from core.privacy import export_time


def export_account(*, user) -> dict:
    """The account's names, address and dates (never the password). No query."""
    return {
        "username": user.get_username(),
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "date_joined": export_time(user.date_joined),
        "last_login": export_time(user.last_login),
    }


def export_account_history(*, user) -> list[dict]:
    """The account's audit trail (log-ins and log-outs, password and role changes), oldest
    first. One query."""
    return [
        {
            "kind": event.kind,
            "kind_label": str(event.get_kind_display()),
            "time": export_time(event.created_at),
            "ip_address": event.ip_address,
        }
        for event in AuditEvent.objects.filter(subject=user).order_by("created_at", "id")
    ]


def erase_account(*, user) -> None:
    """Take the names, the address and the password away and switch the account off.

    The user name becomes ``deleted-<id>``; the row and its audit trail stay (the figures
    and the records of who did what refer to it).
    """
    user.username = f"deleted-{user.pk}"
    user.email = ""
    user.first_name = ""
    user.last_name = ""
    user.set_unusable_password()
    user.is_active = False
    user.save(update_fields=[
        "username", "email", "first_name", "last_name", "password", "is_active",
    ])
