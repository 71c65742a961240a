"""The OIDC settings block: off unless OIDC_RP_CLIENT_ID is set, complete or refusing to start.
Each case loads the settings in a fresh Python process (as tests/test_settings.py does)."""

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.test_settings import SETTINGS_VARIABLES

ROOT = Path(__file__).resolve().parent.parent.parent

PRINT = """
import json, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huzhou_talks.settings")
import django
django.setup()
from django.conf import settings
from django.urls import reverse
try:
    url = reverse("oidc:callback")
except Exception as error:
    url = type(error).__name__
print(json.dumps({"backends": settings.AUTHENTICATION_BACKENDS, "callback": url,
                  "algo": settings.OIDC_RP_SIGN_ALGO, "scopes": settings.OIDC_RP_SCOPES,
                  "create": settings.OIDC_CREATE_USER}))
"""

CONFIGURED = {
    "OIDC_RP_CLIENT_ID": "huzhou-talks",
    "OIDC_RP_CLIENT_SECRET": "secret",
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "https://idp.example/authorize",
    "OIDC_OP_TOKEN_ENDPOINT": "https://idp.example/token",
    "OIDC_OP_USER_ENDPOINT": "https://idp.example/userinfo",
    "OIDC_OP_JWKS_ENDPOINT": "https://idp.example/jwks",
}


def load(**variables: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items()
           if key not in SETTINGS_VARIABLES and not key.startswith("OIDC_")}
    env.update({"DEBUG": "true", **variables})
    return subprocess.run([sys.executable, "-c", PRINT], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120, check=False)


def test_off_by_default_no_backend_and_no_urls():
    result = load()
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    assert "government.oidc.OfficialOIDCBackend" not in loaded["backends"]
    assert loaded["callback"] == "NoReverseMatch"


def test_configured_the_backend_comes_after_axes_and_the_urls_are_mounted():
    result = load(**CONFIGURED)
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    assert loaded["backends"][0] == "axes.backends.AxesStandaloneBackend"
    assert loaded["backends"][-1] == "government.oidc.OfficialOIDCBackend"
    assert loaded["callback"] == "/oidc/callback/"
    assert (loaded["algo"], loaded["scopes"], loaded["create"]) == (
        "RS256", "openid email phone", False)


def test_configured_without_an_endpoint_refuses_to_start_and_names_it():
    result = load(**{**CONFIGURED, "OIDC_OP_TOKEN_ENDPOINT": "", "OIDC_OP_JWKS_ENDPOINT": ""})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "OIDC_OP_TOKEN_ENDPOINT, OIDC_OP_JWKS_ENDPOINT" in result.stderr
