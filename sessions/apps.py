from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TalkSessionsConfig(AppConfig):
    """The package is called ``sessions``; the label avoids django.contrib.sessions'."""

    name = "sessions"
    label = "talk_sessions"
    verbose_name = _("Talk sessions")
