"""Personal data helpers shared by every app: the privacy notice's version, masking, and the
one time format of every app's share of a person's data download.

PIPL (个人信息保护法) asks that people see only the personal data their work needs: a
mobile number or an email is shown in full to the officials who handle the person, and
masked everywhere else.
"""

from django.utils import timezone

#: Bump when templates/privacy/notice.html changes; sign-ups record the version they accepted.
PRIVACY_NOTICE_VERSION = "2026-11"


def mask_mobile(mobile: str) -> str:
    """138****5678: the first three and the last four digits stay."""
    if not mobile:
        return ""
    if len(mobile) < 8:
        return "*" * len(mobile)
    return f"{mobile[:3]}{'*' * (len(mobile) - 7)}{mobile[-4:]}"


def mask_email(email: str) -> str:
    """q***@example.com: the first character of the mailbox and the domain stay."""
    if not email:
        return ""
    local, at, domain = email.partition("@")
    if not at:
        return "***"
    return f"{local[:1]}***@{domain}"


def export_time(value) -> str | None:
    """A moment as the data download writes it: local time, ISO 8601; None for no time."""
    return timezone.localtime(value).isoformat() if value else None
