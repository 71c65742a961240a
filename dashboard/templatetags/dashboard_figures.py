"""How the dashboard's pages print a rate or an average: the number with its unit, or, when
nothing counts (no ratings in the month, no issue dispatched…), a dash that says why to a
screen reader. A gap is never printed as zero."""

from django import template
from django.template.defaultfilters import floatformat
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

register = template.Library()

#: Why each rate or average has no value: its denominator is zero.
MISSING = {
    "response_rate": _("none dispatched"),
    "resolution_rate": _("no valid issues"),
    "on_time_rate": _("none resolved"),
    "satisfaction_rate": _("no ratings"),
    "average_days": _("none resolved"),
    "call_rate": _("none resolved"),
}


@register.simple_tag
def rate(value, name: str = "satisfaction_rate"):
    """``value`` in per cent with two decimals (one, without a unit, for the average
    days), or "—" with the reason ``MISSING[name]`` for screen readers when it is None."""
    if value is None:
        return format_html('—<span class="visually-hidden"> {}</span>', MISSING[name])
    if name == "average_days":
        return floatformat(value, 1)
    return f"{floatformat(value, 2)}%"
