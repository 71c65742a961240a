"""The government side: regions, their departments, and the officials who work in them."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import BilingualNameMixin
from core.validators import normalize_mobile, validate_mobile


class Region(BilingualNameMixin, models.Model):
    """Huzhou city, and the districts, counties and functional areas under it."""

    class Level(models.TextChoices):
        CITY = "city", _("City")
        COUNTY = "county", _("District, county or area")

    code = models.SlugField(_("code"), max_length=30, unique=True)
    division_code = models.CharField(
        _("administrative division code"), max_length=6, blank=True,
        help_text=_("Six digits, as in GB/T 2260, e.g. 330502 for Wuxing."),
    )
    name = models.CharField(_("name (Chinese)"), max_length=50, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=80, blank=True)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="children",
        verbose_name=_("parent region"),
    )
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        ordering = ("sort_order", "code")
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        constraints = [
            models.CheckConstraint(
                condition=Q(level="city", parent__isnull=True)
                | Q(level="county", parent__isnull=False),
                name="region_city_is_top_county_has_parent",
                violation_error_message=_("A city has no parent region; a county must have one."),
            ),
        ]

    @property
    def is_city(self) -> bool:
        return self.level == self.Level.CITY


class Department(BilingualNameMixin, models.Model):
    """A government department (部门) of the city or of one county."""

    region = models.ForeignKey(
        Region, models.PROTECT, related_name="departments", verbose_name=_("region")
    )
    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=150, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    requires_sign_off = models.BooleanField(
        _("answers need the lead's sign-off"), default=False,
        help_text=_("A handler's answer waits for a department lead to approve it (审核签发) "
                    "before it reaches the entrepreneur."),
    )

    class Meta:
        ordering = ("region__sort_order", "name")
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        constraints = [
            models.UniqueConstraint(
                fields=("region", "name"), name="department_unique_name_in_region"
            ),
        ]


class Official(models.Model):
    """A user's place in a department and the role they play in the programme."""

    class Role(models.TextChoices):
        HANDLER = "handler", _("Department handler")
        DEPARTMENT_LEAD = "department_lead", _("Department lead")
        COORDINATOR = "coordinator", _("Coordinator")
        LEADER = "leader", _("Leader")

    #: Officials who work their own department's issues (as lead or assisting department),
    #: rather than a region's.
    DEPARTMENT_ROLES = (Role.HANDLER, Role.DEPARTMENT_LEAD)

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="official", verbose_name=_("user")
    )
    name = models.CharField(_("name"), max_length=50)
    department = models.ForeignKey(
        Department, models.PROTECT, related_name="officials", verbose_name=_("department")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    title = models.CharField(_("position"), max_length=50, blank=True)
    mobile = models.CharField(_("mobile"), max_length=11, blank=True, validators=[validate_mobile])

    class Meta:
        ordering = ("department__region__sort_order", "department__name", "name")
        verbose_name = _("official")
        verbose_name_plural = _("officials")
        indexes = [models.Index(fields=("department", "role"), name="official_department_role")]

    def __str__(self) -> str:
        return f"{self.name} ({self.department})"

    def clean_fields(self, exclude=None):
        # Normalise first: max_length would refuse "+86 138 1234 5678".
        self.mobile = normalize_mobile(self.mobile)
        super().clean_fields(exclude=exclude)

    @property
    def region(self) -> Region:
        return self.department.region

    @property
    def is_active(self) -> bool:
        return self.user.is_active
