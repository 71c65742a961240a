"""The log-in page's "sign in with 浙政钉" button: ``{% sso_login next as sso %}``."""

from django import template

from government.oidc import provider_name, sso_login_url

register = template.Library()


@register.simple_tag
def sso_login(next_url=""):
    """``{"url", "name"}`` of the single sign-on button, or None when SSO is off."""
    url = sso_login_url(next_url or "")
    return {"url": url, "name": provider_name()} if url else None
