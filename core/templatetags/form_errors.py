"""``{% load form_errors %}``: the error summary's list (``templates/_form_errors.html``)."""

from django import template
from django.utils.html import strip_tags

from core.forms import labelled_error

register = template.Library()


@register.filter
def error_summary(form) -> list[dict]:
    """Every error of a bound form, in the order of the page: the form's own first, then
    each field's, as ``{"text", "href"}``; ``href`` is ``#<the field's id>`` ("" for the
    form's own and a hidden field's)."""
    if form is None or not form.is_bound:
        return []
    problems = [{"text": str(message), "href": ""} for message in form.non_field_errors()]
    for field in form:
        if not field.errors:
            continue
        target = field.id_for_label or (f"{field.auto_id}_0" if field.auto_id else "")
        label = strip_tags(str(field.label or field.name))
        for message in field.errors:
            problems.append({
                "text": labelled_error(label, message),
                "href": f"#{target}" if target and not field.is_hidden else "",
            })
    return problems
