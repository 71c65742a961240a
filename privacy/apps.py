from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    """Personal data (PIPL): the privacy notice, a person's copy of their data, and erasure."""

    name = "privacy"
    verbose_name = _("Personal data")
