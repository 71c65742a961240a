"""Settings come from the environment only; each case runs in a fresh Python process."""

import json
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
#: Production's shared cache; nothing connects to it while the settings load or checks run.
REDIS = "redis://127.0.0.1:6379/0"

#: Variables the settings read; every case starts without them and sets what it needs.
SETTINGS_VARIABLES = {
    "DEBUG", "DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL",
    "EMAIL_URL", "ALLOWED_HOSTS", "SMS_BACKEND", "SECURE_SSL", "STATIC_ROOT",
    "PRIVATE_MEDIA_ROOT", "CELERY_TASK_ALWAYS_EAGER", "DJANGO_SETTINGS_MODULE",
    # Set by the browser tests' conftest for the test process only; never in a deployment.
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}

PRINT_SETTINGS = """
import json
import huzhou_talks.settings as s
print(json.dumps({
    "DEBUG": s.DEBUG,
    "BASE_DIR": str(s.BASE_DIR),
    "DATABASE": {k: str(v) for k, v in s.DATABASES["default"].items() if k in ("ENGINE", "NAME")},
    "CACHE": s.CACHES["default"],
    "BROKER": s.CELERY_BROKER_URL,
    "BROKER_OPTIONS": s.CELERY_BROKER_TRANSPORT_OPTIONS,
    "TIME_ZONE": s.TIME_ZONE,
    "CELERY_TIMEZONE": s.CELERY_TIMEZONE,
    "USE_TZ": s.USE_TZ,
    "LANGUAGE_CODE": s.LANGUAGE_CODE,
    "LANGUAGES": [code for code, _ in s.LANGUAGES],
}))
"""


def run(args: list[str], *, cwd: Path, **variables: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    env.update(variables)
    return subprocess.run([PYTHON, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=120, check=False)


@pytest.fixture
def checkout(tmp_path) -> Path:
    """A copy of the settings module in an empty folder: no .env, no var/ yet."""
    package = tmp_path / "huzhou_talks"
    package.mkdir()
    (package / "__init__.py").write_text("")
    shutil.copy(ROOT / "huzhou_talks" / "settings.py", package / "settings.py")
    return tmp_path


def load_settings(checkout: Path, **variables: str) -> dict:
    result = run(["-c", PRINT_SETTINGS], cwd=checkout, PYTHONPATH=str(checkout),
                 **{"DEBUG": "true", **variables})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# --- Starting ---------------------------------------------------------------------------------

def test_debug_off_without_a_secret_key_refuses_to_start():
    # An empty value, not a missing one, so that a developer's .env cannot fill it in.
    result = run(["manage.py", "check"], cwd=ROOT, DEBUG="false", DJANGO_SECRET_KEY="")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_debug_off_with_a_secret_key_and_redis_starts():
    result = run(["manage.py", "check"], cwd=ROOT, DEBUG="false",
                 DJANGO_SECRET_KEY=secrets.token_urlsafe(50), REDIS_URL=REDIS)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_debug_off_without_redis_refuses_to_start():
    """Each gunicorn worker would count the rate limits in its own memory (issue 15, defect
    7): production needs the shared cache, and says which variable to set. The settings
    refuse, not only `manage.py check`, because gunicorn and Celery run no system checks."""
    for command in (["manage.py", "check"], ["-c", "import huzhou_talks.wsgi"]):
        result = run(command, cwd=ROOT, DEBUG="false",
                     DJANGO_SECRET_KEY=secrets.token_urlsafe(50), REDIS_URL="")
        assert result.returncode != 0, command
        assert "ImproperlyConfigured: REDIS_URL must be set when DEBUG is off" in result.stderr


def test_debug_on_starts_without_a_secret_key():
    result = run(["manage.py", "check"], cwd=ROOT, DEBUG="true", DJANGO_SECRET_KEY="")
    assert result.returncode == 0, result.stderr


# --- Embedded defaults ------------------------------------------------------------------------

def test_defaults_are_sqlite_under_var_and_the_filesystem_broker(checkout):
    values = load_settings(checkout)
    var = checkout / "var"
    assert values["DATABASE"] == {"ENGINE": "django.db.backends.sqlite3",
                                  "NAME": str(var / "db.sqlite3")}
    assert values["CACHE"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert values["BROKER"] == "filesystem://localhost//"
    options = values["BROKER_OPTIONS"]
    assert options["data_folder_in"] == options["data_folder_out"] == str(var / "celery/queue")
    assert options["processed_folder"] == str(var / "celery/processed")
    assert options["control_folder"] == str(var / "celery/control")
    # kombu does not create them; loading the settings does.
    for folder in ("queue", "processed", "control"):
        assert (var / "celery" / folder).is_dir()


def test_redis_url_switches_cache_and_broker(checkout):
    values = load_settings(checkout, REDIS_URL="redis://cache.internal:6379/2")
    assert values["CACHE"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert values["CACHE"]["LOCATION"] == "redis://cache.internal:6379/2"
    # A Redis that stops answering costs a request a second at most, never hangs it.
    assert values["CACHE"]["OPTIONS"] == {"socket_connect_timeout": 1, "socket_timeout": 1}
    assert values["BROKER"] == "redis://cache.internal:6379/2"
    assert "data_folder_in" not in values["BROKER_OPTIONS"]
    assert not (checkout / "var" / "celery").exists()


def test_an_explicit_broker_wins_over_redis_url(checkout):
    values = load_settings(checkout, REDIS_URL="redis://cache.internal:6379/2",
                           CELERY_BROKER_URL="redis://broker.internal:6379/0")
    assert values["BROKER"] == "redis://broker.internal:6379/0"
    assert values["CACHE"]["LOCATION"] == "redis://cache.internal:6379/2"


def test_database_url_is_read(checkout):
    values = load_settings(checkout, DATABASE_URL="postgres://app:pw@db.internal:5432/huzhou")
    assert values["DATABASE"] == {"ENGINE": "django.db.backends.postgresql", "NAME": "huzhou"}


def test_time_zone_and_languages(checkout):
    values = load_settings(checkout)
    assert values["TIME_ZONE"] == values["CELERY_TIMEZONE"] == "Asia/Shanghai"
    assert values["USE_TZ"] is True
    assert values["LANGUAGE_CODE"] == "zh-hans"
    assert values["LANGUAGES"] == ["zh-hans", "en"]


def test_debug_defaults_to_off(checkout):
    result = run(["-c", PRINT_SETTINGS], cwd=checkout, PYTHONPATH=str(checkout),
                 DJANGO_SECRET_KEY="x" * 50, REDIS_URL=REDIS)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["DEBUG"] is False


def test_a_copy_of_env_example_starts_on_the_embedded_defaults(checkout):
    """Its blank values (DATABASE_URL=, REDIS_URL=, …) mean "use the default", not "empty"."""
    shutil.copy(ROOT / ".env.example", checkout / ".env")
    env_file = (checkout / ".env").read_text().replace("DEBUG=false", "DEBUG=true")
    (checkout / ".env").write_text(env_file)
    result = run(["-c", PRINT_SETTINGS], cwd=checkout, PYTHONPATH=str(checkout))
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["DATABASE"] == {"ENGINE": "django.db.backends.sqlite3",
                                  "NAME": str(checkout / "var" / "db.sqlite3")}
    assert values["BROKER"] == "filesystem://localhost//"
    assert values["CACHE"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"


def test_relative_file_folders_are_taken_from_the_project_folder(checkout, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    script = ("import huzhou_talks.settings as s; "
              "print(s.STATIC_ROOT); print(s.STORAGES['default']['OPTIONS']['location'])")
    result = run(["-c", script], cwd=elsewhere, PYTHONPATH=str(checkout), DEBUG="true",
                 STATIC_ROOT="var/static", PRIVATE_MEDIA_ROOT="var/private")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [str(checkout / "var" / "static"),
                                     str(checkout / "var" / "private")]


def test_production_static_files_collect_with_debug_off(tmp_path):
    """WhiteNoise's manifest storage refuses a stylesheet that names a missing file."""
    result = run(["manage.py", "collectstatic", "--noinput"], cwd=ROOT, DEBUG="false",
                 DJANGO_SECRET_KEY=secrets.token_urlsafe(50), REDIS_URL=REDIS,
                 STATIC_ROOT=str(tmp_path))
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    assert "vendor/bootstrap/css/bootstrap.min.css" in manifest
    assert "css/site.css" in manifest


def test_check_deploy_is_clean_with_production_variables():
    """`manage.py check --deploy` prints no warning with the documented production settings."""
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], cwd=ROOT,
        DEBUG="false", DJANGO_SECRET_KEY=secrets.token_urlsafe(50), SECURE_SSL="true",
        ALLOWED_HOSTS="talks.huzhou.gov.cn", REDIS_URL=REDIS,
        DATABASE_URL="postgres://huzhou@db.internal:5432/huzhou_talks",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout + result.stderr


def test_check_deploy_warns_without_https_settings():
    """The same check does catch a production site served without SECURE_SSL."""
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], cwd=ROOT,
        DEBUG="false", DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="talks.huzhou.gov.cn", REDIS_URL=REDIS,
    )
    assert result.returncode != 0
    assert "security.W004" in result.stderr  # no HSTS
