"""Forms of the enterprise side: signing up (two steps), the directory's filters, a
verification decision, a walk-in at the door, completing an enterprise added there, and
claiming an account."""

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.forms import CleanTextForm
from core.validators import (
    normalize_credit_code,
    normalize_mobile,
    validate_credit_code,
    validate_mobile,
)
from entrepreneurs import services
from entrepreneurs.models import Enterprise, Entrepreneur
from entrepreneurs.selectors import entrepreneur_with_mobile, walk_in_regions_for_user
from government.models import Region

BLANK_CHOICE = [("", "---------")]


def new_password_fields() -> tuple[forms.CharField, forms.CharField]:
    """A new password and the same again, as sign-up and claiming an account ask them."""
    return (
        forms.CharField(
            label=_("Password"), strip=False,
            widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
            help_text=password_validation.password_validators_help_text_html(),
        ),
        forms.CharField(
            label=_("Password again"), strip=False,
            widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        ),
    )


def privacy_consent_field(required_message) -> forms.BooleanField:
    """The tick that accepts the privacy notice; its label links to the notice once the
    form is built (``label_privacy_consent``)."""
    return forms.BooleanField(required=True, error_messages={"required": required_message})


def label_privacy_consent(form) -> None:
    form.fields["privacy_consent"].label = format_html(
        gettext('I have read and agree to the <a href="{url}" target="_blank" '
                'rel="noopener">privacy notice</a>'),
        url=reverse("privacy:notice"),
    )


def passwords_differ(form, data) -> bool:
    """Says on the form when the two passwords differ; True then."""
    password = data.get("password")
    if password and data.get("password_confirm") and password != data["password_confirm"]:
        form.add_error("password_confirm", _("The two passwords differ."))
        return True
    return False


def county_regions():
    """The regions an enterprise signs up in: the districts, counties and areas."""
    return Region.objects.filter(level=Region.Level.COUNTY).order_by("sort_order", "code")


class SignUpPersonForm(CleanTextForm):
    """Sign-up, step 1: the person and their account (name, mobile, email, password, the
    privacy notice). Nothing is written: the view keeps ``person_data()`` in the session
    until step 2 is valid.

    Coming back from step 2 (``password_chosen``), the password fields may stay blank to
    keep the password chosen before.
    """

    name = forms.CharField(label=_("Your name"), max_length=50,
                           widget=forms.TextInput(attrs={"autocomplete": "name"}))
    mobile = forms.CharField(
        label=_("Mobile number"), max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
        help_text=_("You log in with it, and the coordinator calls you on it to verify you."),
    )
    email = forms.EmailField(
        label=_("Email"), required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=_("Optional. You may log in with it too, and notices are sent to it."),
    )
    password, password_confirm = new_password_fields()
    privacy_consent = privacy_consent_field(
        _("Please read and agree to the privacy notice to register."))

    def __init__(self, *args, password_chosen: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        label_privacy_consent(self)
        self.password_chosen = password_chosen
        if password_chosen:
            for field in ("password", "password_confirm"):
                self.fields[field].required = False
            self.fields["password"].help_text = _(
                "You chose a password already: leave both blank to keep it, or type a new one.")

    def clean_mobile(self):
        return services.validate_new_mobile(self.cleaned_data["mobile"])

    def clean_email(self):
        return services.validate_new_email(self.cleaned_data.get("email", ""))

    def clean(self):
        data = super().clean()
        password = data.get("password")
        if self.password_chosen and not password and not data.get("password_confirm"):
            return data  # the one chosen before stays
        if password and not data.get("password_confirm"):
            self.add_error("password_confirm", _("Type the password again."))
        elif data.get("password_confirm") and not password:
            self.add_error("password", _("Type the password in both fields."))
        elif password and not passwords_differ(self, data):
            user = get_user_model()(
                username=data.get("mobile", ""), email=data.get("email", ""),
                first_name=data.get("name", ""),
            )
            try:
                password_validation.validate_password(password, user=user)
            except ValidationError as error:
                self.add_error("password", error)
        return data

    def person_data(self, *, before: dict | None = None) -> dict:
        """What step 2 needs of step 1, for the session: the password only as its hash
        (the one chosen before when none was typed)."""
        data = self.cleaned_data
        password = data.get("password")
        return {
            "name": data["name"], "mobile": data["mobile"], "email": data["email"],
            "privacy_consent": data["privacy_consent"],
            "password_hash": (make_password(password) if password
                              else (before or {}).get("password_hash", "")),
        }


class SignUpEnterpriseForm(CleanTextForm):
    """Sign-up, step 2: the enterprise the person speaks for, and a little about them.

    An enterprise already registered is found by its credit code and its other fields are
    ignored; a new code needs the enterprise's name, region, industry and scale.
    """

    credit_code = forms.CharField(
        label=_("Unified social credit code"), max_length=40,
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false"}),
        help_text=_("The 18 characters on the business licence. If your enterprise is "
                    "registered here already, nothing more is needed about it."),
    )
    enterprise_name = forms.CharField(
        label=_("Enterprise name"), max_length=200, required=False,
        help_text=_("As on the business licence."),
    )
    region = forms.ModelChoiceField(
        label=_("District, county or area"), queryset=Region.objects.none(), required=False,
        help_text=_("Where the enterprise is registered: its coordinator verifies you."),
    )
    industry = forms.ChoiceField(
        label=_("Industry"), choices=BLANK_CHOICE + Enterprise.Industry.choices, required=False
    )
    scale = forms.ChoiceField(
        label=_("Scale"), choices=BLANK_CHOICE + Enterprise.Scale.choices, required=False
    )
    position = forms.CharField(
        label=_("Position"), max_length=50, required=False,
        help_text=_("Optional, e.g. chairman or general manager."),
    )
    is_new_generation = forms.BooleanField(
        label=_("I am a new-generation entrepreneur"), required=False,
        help_text=_("The second generation of a family business, or a young founder (新生代)."),
    )
    consent_to_contact = forms.BooleanField(
        label=_("I agree to be invited to sessions and contacted about my issues by SMS and "
                "email"),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = county_regions()
        self.enterprise = None

    def clean_credit_code(self):
        code = normalize_credit_code(self.cleaned_data["credit_code"])
        validate_credit_code(code)
        return code

    def clean(self):
        data = super().clean()
        code = data.get("credit_code")
        if code:
            self.enterprise = (
                Enterprise.objects.select_related("region").filter(credit_code=code).first()
            )
            if self.enterprise is None:
                for field, error in services.enterprise_field_errors(
                    enterprise_name=data.get("enterprise_name", ""),
                    region=data.get("region"),
                    industry=data.get("industry", ""),
                    scale=data.get("scale", ""),
                ).items():
                    if field not in self.errors:
                        self.add_error(field, error)
        return data

    def draft(self) -> dict:
        """What was typed, unchecked, kept in the session when the person goes back."""
        return {name: self.data[name] for name in self.fields if name in self.data}


class DirectoryFilterForm(CleanTextForm):
    """Search and filters of the entrepreneur directory (all optional, from the query string)."""

    q = forms.CharField(
        label=_("Search"), required=False, max_length=100,
        widget=forms.SearchInput(attrs={
            "class": "form-control", "placeholder": _("Name, enterprise or credit code"),
        }),
    )
    verification = forms.ChoiceField(
        label=_("Verification"), required=False,
        choices=[("", _("Any"))] + Entrepreneur.Verification.choices,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    region = forms.ModelChoiceField(
        label=_("Region"), required=False, queryset=Region.objects.none(), empty_label=_("Any"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args, regions=None, **kwargs):
        super().__init__(*args, **kwargs)
        if regions is None:
            self.fields.pop("region")
        else:
            self.fields["region"].queryset = regions


class VerificationDecisionForm(CleanTextForm):
    """A coordinator's decision on a person who signed up."""

    VERIFY = "verify"
    REFUSE = "refuse"

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[(VERIFY, _("Verify: this person speaks for the enterprise")),
                 (REFUSE, _("Refuse"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason (when refusing)"), required=False,
        max_length=Entrepreneur._meta.get_field("verification_note").max_length,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The person reads it: say what is wrong and what they can do."),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == self.REFUSE and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Say why the registration is refused: the person will "
                                       "read it."))
        return data


def _optional_credit_code(value: str) -> str:
    code = normalize_credit_code(value or "")
    if code:
        validate_credit_code(code)
    return code


class WalkInForm(CleanTextForm):
    """A person not in the directory, added at the door in one short form (a phone's
    width). A mobile already in the directory is refused with the person offered instead
    (``existing``); the messages on a malformed mobile or code are sign-up's."""

    name = forms.CharField(label=_("Name"), max_length=50,
                           widget=forms.TextInput(attrs={"autocomplete": "off"}))
    mobile = forms.CharField(
        label=_("Mobile number"), max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
        help_text=_("They get an SMS with a link to set up an account, if they want one."),
    )
    enterprise_name = forms.CharField(label=_("Enterprise name"), max_length=200,
                                      required=False)
    region = forms.ModelChoiceField(
        label=_("District, county or area"), queryset=Region.objects.none(), required=False,
        help_text=_("Where the enterprise is registered."),
    )
    credit_code = forms.CharField(
        label=_("Unified social credit code (if they know it)"), max_length=40, required=False,
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false"}),
        help_text=_("An enterprise registered with this code is used as it is. Without a "
                    "code the enterprise is listed for a coordinator to complete."),
    )

    def __init__(self, *args, user, default_region: Region | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        regions = walk_in_regions_for_user(user=user)
        self.fields["region"].queryset = regions
        if default_region is not None and default_region.level == Region.Level.COUNTY:
            self.fields["region"].initial = default_region.pk
        self.existing = None

    def clean_mobile(self):
        mobile = normalize_mobile(self.cleaned_data["mobile"])
        validate_mobile(mobile)
        person, seen = entrepreneur_with_mobile(user=self.user, mobile=mobile)
        if person is not None:
            self.existing = person
            raise ValidationError(
                _("%(name)s of %(enterprise)s is already in the directory with this mobile "
                  "number."), code="in_directory",
                params={"name": person.display_name, "enterprise": person.enterprise.name})
        if not seen:
            raise ValidationError(
                _("Someone of another region is already in the directory with this mobile "
                  "number. Ask the city's coordinators."), code="in_other_region")
        return services.validate_new_mobile(mobile)

    def clean_credit_code(self):
        return _optional_credit_code(self.cleaned_data.get("credit_code", ""))

    def walk_in_arguments(self) -> dict:
        """The cleaned data as ``entrepreneur_add_walk_in`` takes it."""
        return {field: self.cleaned_data[field] for field in
                ("name", "mobile", "enterprise_name", "region", "credit_code")}


class EnterpriseConfirmForm(CleanTextForm):
    """Completing an enterprise added at the door: the code checked on the licence."""

    credit_code = forms.CharField(
        label=_("Unified social credit code"), max_length=40,
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false"}),
        help_text=_("Check it on the business licence or in the national enterprise credit "
                    "information system."),
    )
    name = forms.CharField(label=_("Enterprise name"), max_length=200,
                           help_text=_("As on the business licence."))
    industry = forms.ChoiceField(label=_("Industry"),
                                 choices=BLANK_CHOICE + Enterprise.Industry.choices)
    scale = forms.ChoiceField(label=_("Scale"), choices=BLANK_CHOICE + Enterprise.Scale.choices)

    def clean_credit_code(self):
        return _optional_credit_code(self.cleaned_data["credit_code"])


class EnterpriseMergeForm(CleanTextForm):
    """Merging an enterprise added at the door into the registered one it really is."""

    credit_code = forms.CharField(
        label=_("Credit code of the registered enterprise"), max_length=40,
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false"}),
        help_text=_("Its people and their issues move to that enterprise, and this one is "
                    "deleted."),
    )

    def clean_credit_code(self):
        return _optional_credit_code(self.cleaned_data["credit_code"])


class ClaimForm(CleanTextForm):
    """A person added without an account sets their password (their mobile is their user
    name), as at sign-up."""

    password, password_confirm = new_password_fields()
    privacy_consent = privacy_consent_field(
        _("Please read and agree to the privacy notice to set up your account."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        label_privacy_consent(self)

    def clean(self):
        data = super().clean()
        passwords_differ(self, data)
        return data
