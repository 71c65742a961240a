"""Clean text at every door: every form class the project's apps define, and every form the
admin shows (the project's ModelAdmins and the libraries' alike, their inlines, list
forms and action forms, the log-in form), refuses a control character in a single-line
text field and takes a line break only in a multi-line one (``core.forms``).

A new form is held to it here: it must mix in ``CleanTextMixin`` (through ``CleanTextForm``
or ``CleanTextModelForm``), and ``BUILD`` must say how to make one if it needs arguments.
"""

import importlib
import pkgutil
from datetime import date
from pathlib import Path

import pytest
from django import forms
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import RequestFactory

from core.forms import CleanTextMixin
from core.validators import CleanTextValidator
from government.models import Official, Region
from issues.listing import issue_filter_choices_for_user
from sessions.models import TalkSession
from tests.factories import IssueFactory, TalkSessionFactory
from tests.worlds import workflow_world

PROJECT_APPS = [config for config in apps.get_app_configs()
                if "site-packages" not in config.path
                and Path(config.path).parent == Path(__file__).resolve().parent.parent]
PROJECT_PACKAGES = {config.name for config in PROJECT_APPS}


def _import_every_module() -> None:
    for config in PROJECT_APPS:
        for module in pkgutil.walk_packages([config.path], prefix=config.name + "."):
            if ".migrations" not in module.name:
                importlib.import_module(module.name)


def _subclasses(cls: type):
    for subclass in cls.__subclasses__():
        yield subclass
        yield from _subclasses(subclass)


_import_every_module()
PROJECT_FORMS = sorted(
    {form for form in _subclasses(forms.BaseForm)
     if form.__module__.split(".")[0] in PROJECT_PACKAGES},
    key=lambda form: f"{form.__module__}.{form.__qualname__}")
FORM_IDS = [f"{form.__module__}.{form.__qualname__}" for form in PROJECT_FORMS]
ADMIN_MODELS = sorted(admin.site._registry, key=lambda model: model._meta.label)

#: The bases no page builds: their subclasses are built instead.
ABSTRACT = {"CleanTextForm", "CleanTextModelForm", "ActionForm", "_OfficialServiceForm"}
#: A ModelForm without a model, which the admin builds for it: tried with the admin's forms.
ADMIN_BUILT = {"TalkSessionForm": TalkSession}

#: How to build a form that needs arguments: (form class, world, data) → the form.
BUILD = {
    "IssueSubmitForm": lambda f, w, data: f(data, for_other=True, sessions=[w.session]),
    "IssueFilterForm": lambda f, w, data: f(
        data, choices=issue_filter_choices_for_user(user=w.coordinator), queues=["mine"]),
    "DashboardFilterForm": lambda f, w, data: f(data, choices=w.dashboard_choices),
    "BulletinForm": lambda f, w, data: f(data, latest=date(2026, 11, 1), first=date(2015, 1, 1)),
    "DirectoryFilterForm": lambda f, w, data: f(data, regions=Region.objects.all()),
    "SessionFilterForm": lambda f, w, data: f(data, regions=Region.objects.all()),
    "OfficialFilterForm": lambda f, w, data: f(data, regions=Region.objects.all()),
    "InviteForm": lambda f, w, data: f(data, session=w.session),
    "SpreadsheetUploadForm": lambda f, w, data: f(data, columns=()),
    "WalkInForm": lambda f, w, data: f(data, user=w.coordinator),
    "_Planning": lambda f, w, data: f(data, user=w.coordinator),
    "SessionForm": lambda f, w, data: f(data, user=w.coordinator),
    "SeriesForm": lambda f, w, data: f(data, user=w.coordinator),
    "OfficialForm": lambda f, w, data: f(data, actor=w.coordinator),
    "OfficialCreateForm": lambda f, w, data: f(data, actor=w.coordinator),
    "OfficialEditForm": lambda f, w, data: f(data, actor=w.coordinator, official=w.official),
    "OfficialAddForm": lambda f, w, data: f(data),
    "OfficialChangeForm": lambda f, w, data: f(data, instance=w.official),
    "DispatchForm": lambda f, w, data: f(data, issue=w.issue, user=w.coordinator,
                                         departments=[]),
    "IdentifierAuthenticationForm": lambda f, w, data: f(None, data=data),
    "AdminLoginForm": lambda f, w, data: f(None, data=data),
    "SetPasswordForm": lambda f, w, data: f(w.coordinator, data),
    "PasswordChangeForm": lambda f, w, data: f(w.coordinator, data),
}


def _build(form_class: type, world, data):
    if form_class.__name__ in BUILD:
        return BUILD[form_class.__name__](form_class, world, data)
    if any(base.__name__ == "ActionForm" for base in form_class.__mro__):
        return form_class(data, issue=world.issue, user=world.coordinator)
    return form_class(data)


@pytest.fixture
def built(db):
    """A county, its departments and officials, an issue and a session to build forms for."""
    world = workflow_world()
    world.coordinator = world.users["coordinator"]
    world.official = Official.objects.get(user=world.coordinator)
    world.issue = IssueFactory(category=world.category,
                               enterprise=world.person.enterprise, entrepreneur=world.person)
    world.session = TalkSessionFactory(region=world.county)
    world.dashboard_choices = type("Choices", (), {
        "regions": [world.county], "categories": [world.category],
        "departments": [world.lead_department]})()
    world.superuser = get_user_model().objects.create_superuser("root", "root@example.com",
                                                                "x")
    return world


def text_fields(form) -> dict:
    return {name: field for name, field in form.fields.items()
            if isinstance(field, forms.CharField) and not field.disabled}


def codes(form, name) -> list[str]:
    return [error.code for error in form.errors.as_data().get(name, [])]


def assert_refuses_bad_text(make, label: str) -> int:
    """Fill each text field of the form ``make(data)`` builds, one at a time: a control
    character is refused beside the field; a line break too, unless it is a textarea.
    Returns how many text fields were tried."""
    empty = make(None)
    fields = text_fields(empty)
    for name, field in fields.items():
        key = empty.add_prefix(name)
        refused = make({key: "湖州\x01丝路"})
        assert refused.errors.get(name), f"{label}.{name} took a control character"
        assert any(isinstance(check, CleanTextValidator)
                   for check in refused.fields[name].validators), f"{label}.{name} unchecked"
        if "control_character" not in codes(refused, name):
            # The field refused it first by its own rule (a month, an email address...).
            assert refused.errors[name], label
        broken = make({key: "第一行\n第二行"})
        if isinstance(field.widget, forms.Textarea):
            assert not {"line_break", "control_character"} & set(codes(broken, name)), \
                f"{label}.{name} is a textarea but refused a line break"
        else:
            assert broken.errors.get(name), f"{label}.{name} took a line break"
    return len(fields)


def test_the_walk_finds_the_forms_of_every_layer():
    apps_with_forms = {form.__module__.split(".")[0] for form in PROJECT_FORMS}
    assert {"core", "accounts", "government", "entrepreneurs", "sessions", "issues",
            "privacy", "dashboard"} <= apps_with_forms
    assert len(PROJECT_FORMS) >= 40


@pytest.mark.parametrize("form_class", PROJECT_FORMS, ids=FORM_IDS)
def test_every_project_form_refuses_control_characters(form_class, built):
    assert issubclass(form_class, CleanTextMixin), (
        f"{form_class.__qualname__} must mix in core.forms.CleanTextMixin (CleanTextForm or "
        "CleanTextModelForm)")
    if form_class.__name__ in ABSTRACT:
        assert any(issubclass(other, form_class) and other is not form_class
                   for other in PROJECT_FORMS)
        return
    if form_class.__name__ in ADMIN_BUILT:
        assert issubclass(admin.site.get_model_admin(ADMIN_BUILT[form_class.__name__]).form,
                          form_class)
        return
    assert_refuses_bad_text(lambda data: _build(form_class, built, data),
                            form_class.__qualname__)


def _admin_forms(model_admin, request) -> dict:
    """Every form class the admin pages of ``model_admin`` use, by a readable name."""
    obj = model_admin.model()
    found = {
        "add form": model_admin.get_form(request, None),
        "change form": model_admin.get_form(request, obj),
        "list form": model_admin.get_changelist_form(request),
        "action form": model_admin.action_form,
    }
    if hasattr(model_admin, "change_password_form"):
        found["password form"] = model_admin.change_password_form
    for formset, inline in model_admin.get_formsets_with_inlines(request, obj):
        found[f"inline {type(inline).__name__}"] = formset.form
    return found


@pytest.mark.parametrize("model", ADMIN_MODELS, ids=[m._meta.label for m in ADMIN_MODELS])
def test_every_admin_form_refuses_control_characters(model, built):
    model_admin = admin.site.get_model_admin(model)
    request = RequestFactory().get("/admin/")
    request.user = built.superuser
    tried = 0
    for name, form_class in _admin_forms(model_admin, request).items():
        label = f"{model._meta.label} {name}"
        assert issubclass(form_class, CleanTextMixin), f"{label} has no clean-text check"
        if name == "password form":
            tried += assert_refuses_bad_text(
                lambda data, form_class=form_class: form_class(built.superuser, data), label)
        elif name != "action form":
            form_class.actor = built.superuser  # the officials' forms ask the actor's rights
            tried += assert_refuses_bad_text(
                lambda data, form_class=form_class: form_class(data), label)
    assert tried or not any(isinstance(field, (forms.CharField))
                            for field in model_admin.get_form(request, None)().fields.values())


def test_the_admin_log_in_form_refuses_control_characters(rf, built):
    form_class = admin.site.login_form
    assert issubclass(form_class, CleanTextMixin)
    assert assert_refuses_bad_text(
        lambda data: form_class(rf.post("/admin/login/"), data=data), "admin log-in") == 2
