"""The personal access tokens page's form, and the admin's form to issue a system key."""

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from api.models import ApiToken
from api.services import service_account_email
from core.forms import CleanTextForm, CleanTextModelForm, add_service_errors
from government.models import Department, Official
from government.services import official_create_validate


class TokenForm(CleanTextForm):
    name = forms.CharField(
        label=_("Name"), max_length=100,
        help_text=_("What the token is for, e.g. “Monthly report script”."),
    )
    writable = forms.BooleanField(
        label=_("May change data (read-write)"), required=False,
        help_text=_("Without it, the token may only read."),
    )


class SystemKeyForm(CleanTextModelForm):
    """A system key and its service account: an official of the department, in the role.
    The whole validation is the service's; ``ApiTokenAdmin.save_model`` issues the key."""

    role = forms.ChoiceField(label=_("Role"), choices=Official.Role.choices,
                             help_text=_("What the system may see and do, as an official in "
                                         "this role would."))
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.filter(is_active=True),
        help_text=_("The system's region is the department's region."),
    )
    actor = None  # the signed-in administrator, set by ApiTokenAdmin.get_form

    class Meta:
        model = ApiToken
        fields = ("name", "role", "department", "writable")

    def _post_clean(self):
        if self.errors:
            return
        self.service_email = service_account_email()
        try:
            official_create_validate(
                actor=self.actor, name=self.cleaned_data["name"][:50], email=self.service_email,
                department=self.cleaned_data["department"], role=self.cleaned_data["role"],
            )
        except PermissionDenied as refusal:
            self.add_error(None, str(refusal) or _("You may not issue system keys."))
        except ValidationError as error:
            add_service_errors(self, error)
