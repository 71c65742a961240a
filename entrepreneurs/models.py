"""The enterprise side: companies and the people who speak for them."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.validators import (
    normalize_credit_code,
    normalize_mobile,
    validate_credit_code,
    validate_mobile,
)


class Enterprise(models.Model):
    class Industry(models.TextChoices):
        # Sections of GB/T 4754-2017, grouped as the programme reports them.
        AGRICULTURE = "agriculture", _("Agriculture, forestry and fishing")
        MANUFACTURING = "manufacturing", _("Manufacturing")
        CONSTRUCTION = "construction", _("Construction and building materials")
        ENERGY = "energy", _("Energy and utilities")
        TRADE = "trade", _("Wholesale and retail")
        LOGISTICS = "logistics", _("Transport and logistics")
        HOSPITALITY = "hospitality", _("Hotels, catering and tourism")
        IT = "it", _("Information technology and software")
        FINANCE = "finance", _("Finance")
        REAL_ESTATE = "real_estate", _("Real estate")
        BUSINESS_SERVICES = "business_services", _("Business services")
        RESEARCH = "research", _("Scientific research and technical services")
        CULTURE = "culture", _("Culture, sports and entertainment")
        OTHER = "other", _("Other")

    class Scale(models.TextChoices):
        LARGE = "large", _("Large")
        MEDIUM = "medium", _("Medium")
        SMALL = "small", _("Small")
        MICRO = "micro", _("Micro")

    name = models.CharField(_("name"), max_length=200)
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, unique=True, null=True, blank=True,
        validators=[validate_credit_code],
        help_text=_("The 18-character code on the business licence."),
    )
    provisional = models.BooleanField(
        _("to be completed"), default=False,
        help_text=_("Added at the door without a confirmed credit code. A coordinator "
                    "confirms or merges it; until then nobody else can be added to it."),
    )
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("confirmed by"),
    )
    region = models.ForeignKey(
        "government.Region", models.PROTECT, related_name="enterprises", verbose_name=_("region")
    )
    industry = models.CharField(_("industry"), max_length=20, choices=Industry.choices)
    scale = models.CharField(_("scale"), max_length=10, choices=Scale.choices)
    created_at = models.DateTimeField(_("registered"), default=timezone.now)

    class Meta:
        ordering = ("name",)
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        constraints = [
            # Only an enterprise added at the door may lack its code, until confirmed.
            models.CheckConstraint(
                condition=Q(provisional=True) | Q(credit_code__isnull=False),
                name="enterprise_code_unless_provisional",
                violation_error_message=_("Enter the unified social credit code."),
            ),
        ]
        indexes = [
            models.Index(fields=("provisional", "region"), name="enterprise_provisional",
                         condition=Q(provisional=True)),
            models.Index(fields=("region", "industry"), name="enterprise_region_industry"),
            models.Index(fields=("name",), name="enterprise_name"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean_fields(self, exclude=None):
        # Normalise first: max_length would refuse a code pasted with spaces. Blank is
        # stored as NULL, so that many enterprises may still lack one.
        self.credit_code = normalize_credit_code(self.credit_code or "") or None
        super().clean_fields(exclude=exclude)


class Entrepreneur(models.Model):
    """A person who speaks for an enterprise. Historical attendees may have no account.

    People who sign up themselves wait for a coordinator of their enterprise's region to
    verify them; people an official records (and the programme's history) are verified.
    """

    class Source(models.TextChoices):
        SIGNUP = "signup", _("Signed up")
        RECORDED = "recorded", _("Recorded by an official")
        WALK_IN = "walk_in", _("Walked in at a session")
        IMPORTED = "imported", _("Imported from a list")

    class Verification(models.TextChoices):
        PENDING = "pending", _("Waiting for verification")
        VERIFIED = "verified", _("Verified")
        REJECTED = "rejected", _("Not verified")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
        related_name="entrepreneur", verbose_name=_("user"),
    )
    name = models.CharField(_("name"), max_length=50)
    mobile = models.CharField(_("mobile"), max_length=11, validators=[validate_mobile])
    email = models.EmailField(_("email"), blank=True)
    enterprise = models.ForeignKey(
        Enterprise, models.PROTECT, related_name="entrepreneurs", verbose_name=_("enterprise")
    )
    position = models.CharField(_("position"), max_length=50, blank=True)
    source = models.CharField(
        _("added by"), max_length=10, choices=Source.choices, default=Source.SIGNUP,
        help_text=_("How the person came into the directory. Walk-ins and imported people "
                    "need no account; they may claim one later."),
    )
    is_new_generation = models.BooleanField(
        _("new-generation entrepreneur"), default=False,
        help_text=_("The second generation of a family business, or a young founder (新生代)."),
    )
    consent_to_contact = models.BooleanField(
        _("agrees to be contacted"), default=False,
        help_text=_("May be invited to sessions and contacted about issues by SMS and email."),
    )
    verification = models.CharField(
        _("verification"), max_length=10, choices=Verification.choices,
        default=Verification.PENDING,
    )
    verified_at = models.DateTimeField(_("verified or refused at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("verified or refused by"),
    )
    verification_note = models.CharField(
        _("reason given"), max_length=300, blank=True,
        help_text=_("Shown to the person when verification is refused."),
    )
    privacy_notice_version = models.CharField(
        _("privacy notice accepted"), max_length=20, blank=True,
        help_text=_("The version of the privacy notice the person agreed to."),
    )
    privacy_consented_at = models.DateTimeField(
        _("privacy notice accepted at"), null=True, blank=True
    )
    anonymised_at = models.DateTimeField(
        _("anonymised at"), null=True, blank=True,
        help_text=_("Personal data erased on the person's request; the record stays for the "
                    "programme's statistics."),
    )
    created_at = models.DateTimeField(_("registered"), default=timezone.now)

    class Meta:
        ordering = ("name",)
        verbose_name = _("entrepreneur")
        verbose_name_plural = _("entrepreneurs")
        constraints = [
            # Blank once a person has been anonymised; otherwise one person per number.
            models.UniqueConstraint(
                fields=("mobile",), condition=~Q(mobile=""), name="entrepreneur_unique_mobile"
            ),
        ]
        indexes = [
            models.Index(fields=("enterprise",), name="entrepreneur_enterprise"),
            models.Index(fields=("verification", "created_at"), name="entrepreneur_verification"),
        ]
        permissions = [("verify_entrepreneur", _("Can verify people who signed up"))]

    def __str__(self) -> str:
        name = self.display_name
        return f"{name} · {self.enterprise}" if self.enterprise_id else str(name)

    @property
    def display_name(self) -> str:
        """The person's name, or a neutral label once their personal data was erased."""
        return _("Person who left the programme") if self.anonymised_at else self.name

    @property
    def is_verified(self) -> bool:
        return self.verification == self.Verification.VERIFIED

    def clean_fields(self, exclude=None):
        # Normalise first: max_length would refuse "+86 138 1234 5678".
        self.mobile = normalize_mobile(self.mobile)
        super().clean_fields(exclude=exclude)

    def clean(self):
        # The unique constraint has a condition (blank may repeat), so Django would report it
        # as "Constraint … is violated" for the whole form; say it on the field instead.
        if self.mobile and Entrepreneur.objects.exclude(pk=self.pk).filter(
            mobile=self.mobile
        ).exists():
            raise ValidationError(
                {"mobile": self.unique_error_message(Entrepreneur, ("mobile",))}
            )
