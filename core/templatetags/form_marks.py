"""``{% load form_marks %}``, then ``{% required_legend %}``: the one line that says what the
mark on required fields means, on every page whose form asks for a required field.

The mark itself is crispy-forms' (``<span class="asteriskField">*</span>`` after the label of
every required field, styled in ``static/css/site.css``); the browser's ``required`` and
``aria-required`` come from Django. ``templates/base.html`` puts the legend above the content.
"""

from django import forms, template
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


def asks_for_something(form) -> bool:
    """Whether ``form`` has a required field that a person fills in (not hidden, not fixed)."""
    return isinstance(form, forms.BaseForm) and any(
        field.required and not field.disabled and not field.widget.is_hidden
        for field in form.fields.values())


@register.simple_tag(takes_context=True)
def required_legend(context) -> str:
    """The legend when a form of the page (any form in the context) has a required field."""
    for value in context.flatten().values():
        if asks_for_something(value):
            return format_html(
                '<p class="required-legend small text-body-secondary text-end mb-2" '
                'data-testid="required-legend"><span class="asteriskField" aria-hidden="true">*'
                "</span> {}</p>", _("Fields marked with * are required."))
    return ""
