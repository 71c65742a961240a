"""Small building blocks shared by every app; nothing here knows the domain."""

from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class BilingualNameMixin:
    """Reference data keeps its Chinese name and an English one; show the one that fits."""

    @property
    def display_name(self) -> str:
        language = get_language() or ""
        if language.startswith("en") and getattr(self, "name_en", ""):
            return self.name_en
        return self.name

    def __str__(self) -> str:
        return self.display_name


class Heartbeat(models.Model):
    """The last time a background process proved it was alive (beat → worker)."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    last_seen = models.DateTimeField(_("last seen"), default=timezone.now)

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self) -> str:
        return self.name
