"""Forms for officials' accounts. They offer only the departments and roles the actor may
choose (government.services decides which); the services check again."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import CleanTextForm
from government.models import Department, Official
from government.services import assignable_roles, manageable_departments

WRONG_DEPARTMENT = _("Choose one of the departments you look after.")
WRONG_ROLE = _("Choose one of the roles you may give.")


class DepartmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, department: Department) -> str:
        return f"{department.region} · {department}"


class OfficialForm(CleanTextForm):
    """Name, department, role, position and mobile: what creating and editing share."""

    name = forms.CharField(label=_("Name"), max_length=50)
    department = DepartmentChoiceField(
        label=_("Department"), queryset=Department.objects.none(),
        error_messages={"invalid_choice": WRONG_DEPARTMENT},
    )
    role = forms.ChoiceField(
        label=_("Role"), choices=(), error_messages={"invalid_choice": WRONG_ROLE},
    )
    title = forms.CharField(label=_("Position"), max_length=50, required=False)
    mobile = forms.CharField(
        label=_("Mobile"), max_length=20, required=False,
        help_text=_("Optional. A mainland China mobile number; the official can log in with it."),
    )

    def __init__(self, *args, actor, official: Official | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.official = official
        current = official.department_id if official is not None else None
        self.fields["department"].queryset = manageable_departments(actor, including=current)
        self.fields["role"].choices = [("", "---------"), *assignable_roles(actor)]


class OfficialCreateForm(OfficialForm):
    email = forms.EmailField(
        label=_("Email"), max_length=150,
        help_text=_("The official logs in with it, and receives the link to choose a password "
                    "there."),
    )
    field_order = ("name", "email", "department", "role", "title", "mobile")


class OfficialEditForm(OfficialForm):
    def __init__(self, *args, actor, official: Official, **kwargs):
        kwargs.setdefault("initial", {
            "name": official.name, "department": official.department_id,
            "role": official.role, "title": official.title, "mobile": official.mobile,
        })
        super().__init__(*args, actor=actor, official=official, **kwargs)
        if official.user_id == actor.pk:
            for field in ("department", "role"):
                self.fields[field].disabled = True
                self.fields[field].help_text = _(
                    "You cannot change your own role or department.")


class OfficialFilterForm(CleanTextForm):
    """The list's search box and filters (GET). A value that does not fit is ignored."""

    ACTIVE_CHOICES = (("", _("Active or not")), ("yes", _("Active")), ("no", _("Deactivated")))

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    role = forms.ChoiceField(
        label=_("Role"), required=False, choices=(("", _("Any role")), *Official.Role.choices),
    )
    region = forms.ModelChoiceField(
        label=_("Region"), required=False, queryset=None, to_field_name="code",
        empty_label=_("Any region"),
    )
    active = forms.ChoiceField(label=_("Active"), required=False, choices=ACTIVE_CHOICES)

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions
        self.fields["q"].widget.input_type = "search"
        self.fields["q"].widget.attrs.update({
            "class": "form-control", "placeholder": _("Name, email or department"),
        })
        for name in ("role", "region", "active"):
            self.fields[name].widget.attrs["class"] = "form-select"

    def filters(self) -> dict:
        """The valid filters, as keyword arguments for official_list_for_user."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        active = {"yes": True, "no": False}.get(data.get("active") or "")
        return {
            "search": data.get("q") or "",
            "role": data.get("role") or "",
            "region": data.get("region"),
            "active": active,
        }
