from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """Demo data for `make run` and for tests: the top layer, nothing imports it."""

    name = "demo"
    verbose_name = _("Demo data")
