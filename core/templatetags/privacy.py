"""``{% load privacy %}``, then ``{{ person.mobile|masked_mobile:show_contact }}``."""

from django import template

from core.privacy import mask_email, mask_mobile

register = template.Library()


@register.filter
def masked_mobile(value: str, show: bool = False) -> str:
    """The number itself when ``show`` is true, else 138****5678."""
    return value if show else mask_mobile(value)


@register.filter
def masked_email(value: str, show: bool = False) -> str:
    """The address itself when ``show`` is true, else q***@example.com."""
    return value if show else mask_email(value)
