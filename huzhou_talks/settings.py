"""Settings for Huzhou Talks, read only from environment variables.

Every variable is listed in ``.env.example`` and the README. Without any of them
the project runs on embedded defaults: SQLite in ``var/``, kombu's filesystem
broker (no server), the local-memory cache and mail written to the console.
"""

import json
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")


def env_or(name: str, default: str) -> str:
    """The variable's value, or ``default`` when it is unset or blank (as in .env.example)."""
    return env.str(name, default="").strip() or default


def env_list(name: str, default: list[str]) -> list[str]:
    value = env_or(name, "")
    return [item.strip() for item in value.split(",") if item.strip()] if value else default


DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env_or("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DEBUG is off (see .env.example)."
        )
    SECRET_KEY = "insecure-development-key-only-used-with-DEBUG-on"  # noqa: S105

# The public address in every link that leaves the browser: emails, SMS, calendar feeds, the
# check-in QR code. Unset, the address the development server was started on (`make run`
# passes HOST and PORT), else http://127.0.0.1:8000. Production sets it.
SITE_URL = env_or(
    "SITE_URL", f"http://{env_or('HOST', '127.0.0.1')}:{env_or('PORT', '8000')}"
)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_celery_beat",
    "axes",
    "csp",
    "django_ratelimit",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "core",
    "government",
    "entrepreneurs",
    "sessions.apps.TalkSessionsConfig",
    "issues",
    "notifications",
    "demo",
    "privacy",
    "dashboard",
    "api",
    # Last: its post_migrate step gives the role groups permissions of every app above.
    "accounts",
]

MIDDLEWARE = [
    # First and last: django-prometheus times every request (core.metrics serves the figures).
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    # Early: a database outage anywhere below (sessions, log-in, views) answers a plain 503.
    "core.middleware.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.audit.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a lock-out into the lock-out page.
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "huzhou_talks.urls"
WSGI_APPLICATION = "huzhou_talks.wsgi.application"
ASGI_APPLICATION = "huzhou_talks.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "huzhou_talks.context_processors.navigation",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
DATABASES = {
    "default": env.db_url_config(env_or("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}")),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server, the worker and beat share one file: wait for locks instead
    # of failing, and let readers run beside the writer.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    # A file (not memory) so that a worker process in an integration test can see it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", int(env_or("CONN_MAX_AGE", "60")))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
    # An unreachable server fails the request (a 503 page) in seconds instead of hanging it.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", int(env_or("DATABASE_CONNECT_TIMEOUT", "5")))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache --------------------------------------------------------------------
# The cache holds only the rate limits' counts (core.ratelimits), which every web process
# must share: a per-process cache would let each gunicorn worker count alone. Production
# (DEBUG off) therefore needs REDIS_URL. If Redis stops answering, nothing breaks: the rate
# limits let attempts through with a warning in the log, and sessions, the lock-out and the
# outbox live in the database (docs/operations.md, "When Redis is down").
REDIS_URL = env_or("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "huzhou_talks",
            # A Redis that does not answer may cost a request a second, never hang it.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    # Django's own RedisCache increments atomically, which is all django-ratelimit needs;
    # the library only lists django-redis by name.
    SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001", "axes.W006"]
elif DEBUG:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # Development (make run, the tests) serves the web from one process, so its local-memory
    # cache is shared by every request the rate limits count.
    SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001", "axes.W006"]
else:
    raise ImproperlyConfigured(
        "REDIS_URL must be set when DEBUG is off (e.g. REDIS_URL=redis://redis:6379/0): the "
        "rate limits on log-in, sign-up, password reset and issue submission count in a cache "
        "that every web process must share, and without Redis each process would count "
        "alone (see docs/operations.md)."
    )
# Sessions in the database, never in the cache: a Redis outage must not log everyone out.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# --- Authentication -----------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # First, as django-axes asks: refuses any log-in while the identifier is locked out.
    "axes.backends.AxesStandaloneBackend",
    # User name, email or mobile number, one password.
    "accounts.backends.IdentifierBackend",
]
LOGIN_URL = "login"

# The REST API (docs/api.md). Every view reads through the selectors that take the user.
REST_FRAMEWORK = {
    # A token first (``Authorization: Bearer hzt_…``, other systems and scripts), then the
    # session with CSRF (the site's own pages). ``request.auth`` is the ApiToken or None.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Signed in, and a read-only token refused on anything but GET, HEAD and OPTIONS.
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "api.permissions.TokenMayWrite",
    ],
    # Per token (or per person with the session): API_RATE_READ and API_RATE_WRITE below.
    "DEFAULT_THROTTLE_CLASSES": [
        "api.throttling.ReadRateThrottle",
        "api.throttling.WriteRateThrottle",
    ],
    # Every error as application/problem+json (RFC 9457): api/problems.py, docs/api.md.
    "EXCEPTION_HANDLER": "api.problems.problem_exception_handler",
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Cursor",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
}
# Requests per token (or per signed-in person, or per address without either), DRF's
# notation: "<count>/<sec|min|hour|day>". Reads and writes are counted apart. The counts
# live in the cache; when it does not answer, requests are let through (api/throttling.py).
API_RATE_READ = env_or("API_RATE_READ", "600/min")
API_RATE_WRITE = env_or("API_RATE_WRITE", "120/min")
SPECTACULAR_SETTINGS = {
    "TITLE": "Huzhou Talks API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Anyone may read the schema and the reference page; the calls themselves need a token.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    # Swagger UI's files come from drf-spectacular-sidecar, served from /static/ (no CDN).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"persistAuthorization": False, "displayOperationId": False},
    # Every operation's errors are documented as application/problem+json (api/schema.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.problem_responses",
    ],
}
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
# One-time links (password reset, an official's first password) stay valid for three days.
PASSWORD_RESET_TIMEOUT = 3 * 24 * 3600

# Lock-out (django-axes): after LOGIN_FAILURE_LIMIT failures for one identifier (mobile,
# email or user name, however it is typed) that identifier is refused for
# LOGIN_LOCKOUT_MINUTES. A success resets the count.
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = int(env_or("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(env_or("LOGIN_LOCKOUT_MINUTES", "15")))
# By identifier only: locking an address would lock out a whole office behind one NAT
# after five typos. Guessing across many identifiers from one address is bounded by
# RATELIMIT_LOGIN instead (which is why axes.W006 is silenced below).
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_USERNAME_CALLABLE = "accounts.backends.axes_username"
AXES_CLIENT_IP_CALLABLE = "core.http.client_ip"
AXES_RESET_ON_SUCCESS = True
# Knocking while locked out does not push the end back: the time the page gives holds.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
AXES_VERBOSE = False

# --- Single sign-on for officials (OpenID Connect; government/oidc.py, docs/api-sso.md) --
# Off unless OIDC_RP_CLIENT_ID is set. An active official's account is matched by the
# provider's verified mobile or email; a log-in never creates an account.
OIDC_RP_CLIENT_ID = env_or("OIDC_RP_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = env_or("OIDC_RP_CLIENT_SECRET", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = env_or("OIDC_OP_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = env_or("OIDC_OP_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = env_or("OIDC_OP_USER_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = env_or("OIDC_OP_JWKS_ENDPOINT", "")
OIDC_RP_SIGN_ALGO = env_or("OIDC_RP_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = env_or("OIDC_RP_SCOPES", "openid email phone")
# The name on the log-in page's button; unset: 浙政钉 (Zhezhengding in English).
OIDC_PROVIDER_NAME = env_or("OIDC_PROVIDER_NAME", "")
OIDC_ENABLED = bool(OIDC_RP_CLIENT_ID)
OIDC_CREATE_USER = False
OIDC_TIMEOUT = int(env_or("OIDC_TIMEOUT", "10"))  # seconds per call to the provider
OIDC_AUTHENTICATION_CALLBACK_URL = "oidc:callback"
# A refused or failed single sign-on: back to the log-in page, with the reason.
LOGIN_REDIRECT_URL_FAILURE = "oidc:failed"
if OIDC_ENABLED:
    _oidc_missing = [
        name for name in ("OIDC_RP_CLIENT_SECRET", "OIDC_OP_AUTHORIZATION_ENDPOINT",
                          "OIDC_OP_TOKEN_ENDPOINT", "OIDC_OP_USER_ENDPOINT")
        if not globals()[name]
    ]
    if OIDC_RP_SIGN_ALGO.startswith(("RS", "ES")) and not OIDC_OP_JWKS_ENDPOINT:
        _oidc_missing.append("OIDC_OP_JWKS_ENDPOINT")
    if _oidc_missing:
        raise ImproperlyConfigured(
            f"OIDC_RP_CLIENT_ID is set, so single sign-on needs {', '.join(_oidc_missing)}."
        )
    # After django-axes, which stays first.
    AUTHENTICATION_BACKENDS = [*AUTHENTICATION_BACKENDS, "government.oidc.OfficialOIDCBackend"]

# Rate limits (django-ratelimit), per client address, as "count/period" (s, m, h, d).
# Failed log-ins per address (successes are not counted) also bound guessing across many
# identifiers.
RATELIMIT_IP_META_KEY = "core.http.client_ip"
# A count the cache could not give lets the attempt through instead of refusing everyone;
# core.ratelimits does the same, with a warning, when the cache raises.
RATELIMIT_FAIL_OPEN = True
RATELIMIT_LOGIN = env_or("RATELIMIT_LOGIN", "30/10m")
RATELIMIT_SIGNUP = env_or("RATELIMIT_SIGNUP", "5/h")
RATELIMIT_PASSWORD_RESET = env_or("RATELIMIT_PASSWORD_RESET", "5/h")
RATELIMIT_ISSUE_SUBMISSION = env_or("RATELIMIT_ISSUE_SUBMISSION", "20/h")
# The rating link of the SMS (/r/<token>): every request of its pages, and the links refused
# as altered or unknown; over the second, every rating link from that address answers 429.
RATELIMIT_RATING_LINK = env_or("RATELIMIT_RATING_LINK", "60/h")
RATELIMIT_RATING_LINK_REFUSED = env_or("RATELIMIT_RATING_LINK_REFUSED", "20/h")
RATELIMIT_ACCOUNT_CLAIM = env_or("RATELIMIT_ACCOUNT_CLAIM", "10/h")
# Reverse proxies in front of the application whose X-Forwarded-For is trusted (0: none).
TRUSTED_PROXY_COUNT = int(env_or("TRUSTED_PROXY_COUNT", "0"))

# --- Internationalisation -----------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
# The project's catalogue, then its overrides of Django's and the libraries' own messages
# (said with 您, in the programme's words); both come before the libraries' catalogues.
# The overrides live apart so that `make messages` never marks them obsolete.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale_overrides"]
# One date format per language (core/formats): 2027年1月4日 / 4 Jan 2027.
FORMAT_MODULE_PATH = ["core.formats"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files ------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Relative paths are taken from the project folder (BASE_DIR / an absolute path is that path).
STATIC_ROOT = BASE_DIR / env_or("STATIC_ROOT", str(VAR_DIR / "static"))
STORAGES = {
    # Uploaded files live outside the web root and are served only through views
    # that check access; there is deliberately no MEDIA_URL route.
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": BASE_DIR / env_or("PRIVATE_MEDIA_ROOT", str(VAR_DIR / "private"))},
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
FILE_UPLOAD_PERMISSIONS = 0o640

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# The coordinators' telephone, given wherever a person without an account may need help
# (a used or expired rating or claim link, the sign-in sheet).
PROGRAMME_PHONE = env_or("PROGRAMME_PHONE", "0572-2398000")

# --- The issue workflow (issues/rules.py) -------------------------------------------
# Working days unless said otherwise.
ISSUE_MAX_ROUNDS = int(env_or("ISSUE_MAX_ROUNDS", "3"))
ISSUE_RETURN_WINDOW_DAYS = int(env_or("ISSUE_RETURN_WINDOW_DAYS", "1"))
ISSUE_MAX_EXTENSION_DAYS = int(env_or("ISSUE_MAX_EXTENSION_DAYS", "15"))
ISSUE_REMIND_BEFORE_DAYS = int(env_or("ISSUE_REMIND_BEFORE_DAYS", "1"))
ISSUE_SUPERVISE_AFTER_DAYS = int(env_or("ISSUE_SUPERVISE_AFTER_DAYS", "3"))
ISSUE_BULLETIN_AFTER_DAYS = int(env_or("ISSUE_BULLETIN_AFTER_DAYS", "5"))
ISSUE_RATING_REMINDER_DAYS = int(env_or("ISSUE_RATING_REMINDER_DAYS", "3"))
ISSUE_RATING_CLOSE_DAYS = int(env_or("ISSUE_RATING_CLOSE_DAYS", "10"))
# Follow-up calls (回访): a dissatisfied rating is called within this many working days; this
# share (per cent) of the other ratings is called to verify them; after this many calls
# that do not reach the person, an answer awaiting its rating closes unrated.
ISSUE_CALL_DISSATISFIED_WITHIN_DAYS = int(env_or("ISSUE_CALL_DISSATISFIED_WITHIN_DAYS", "2"))
ISSUE_CALL_VERIFY_PERCENT = int(env_or("ISSUE_CALL_VERIFY_PERCENT", "10"))
ISSUE_CALL_ATTEMPTS_BEFORE_CLOSING = int(env_or("ISSUE_CALL_ATTEMPTS_BEFORE_CLOSING", "3"))

# --- Talk sessions (sessions/rules.py) ------------------------------------------------
# Check-in opens this many minutes before a session starts, and a code shown at the venue
# for scanning stays valid for this many minutes (the venue's screen shows a fresh one).
SESSION_CHECK_IN_OPENS_MINUTES = int(env_or("SESSION_CHECK_IN_OPENS_MINUTES", "120"))
SESSION_CHECK_IN_CODE_MINUTES = int(env_or("SESSION_CHECK_IN_CODE_MINUTES", "15"))

# --- Mail and SMS -------------------------------------------------------------
vars().update(env.email_url_config(env_or("EMAIL_URL", "consolemail://")))
# A delivery waiting on a mail server holds a worker: never wait long. Keep it well under
# NOTIFICATION_IN_DOUBT_SECONDS.
EMAIL_TIMEOUT = int(env_or("EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = env_or("DEFAULT_FROM_EMAIL", "Huzhou Talks <noreply@localhost>")
SMS_BACKEND = env_or("SMS_BACKEND", "notifications.backends.LogSMSBackend")
# Webhook endpoints on private or loopback addresses (a county system inside the government
# network; tests): off in production unless set, on with DEBUG (docs/api-webhooks.md).
WEBHOOK_ALLOW_PRIVATE = env.bool("WEBHOOK_ALLOW_PRIVATE", default=DEBUG)
# The sender's signature every SMS text starts with (the operator registers it).
SMS_SIGNATURE = env_or("SMS_SIGNATURE", "【湖州政企恳谈会】")
# The outbox (docs/notifications.md): a row whose delivery fails waits
# NOTIFICATION_RETRY_BACKOFF_SECONDS × 2^attempts and is marked failed after
# NOTIFICATION_MAX_ATTEMPTS; a row left "sending" by a crash is in doubt and tried again only
# after NOTIFICATION_IN_DOUBT_SECONDS (longer than any send can take).
NOTIFICATION_MAX_ATTEMPTS = int(env_or("NOTIFICATION_MAX_ATTEMPTS", "5"))
NOTIFICATION_RETRY_BACKOFF_SECONDS = int(env_or("NOTIFICATION_RETRY_BACKOFF_SECONDS", "60"))
NOTIFICATION_IN_DOUBT_SECONDS = int(env_or("NOTIFICATION_IN_DOUBT_SECONDS", "600"))

# --- Real channels: Alibaba Cloud / Tencent Cloud SMS, DingTalk (docs/api-channels.md) ----
# SMS_BACKEND chooses the provider (notifications.providers.aliyun.AliyunSMSBackend or
# notifications.providers.tencent.TencentSMSBackend); its credentials come from the
# environment only. Both send approved templates: SMS_TEMPLATES (JSON) maps a message's kind
# ("issue:rate", "session:reminder"…) to {"code": ..., "params": [...]}; any other kind goes
# out on SMS_DEFAULT_TEMPLATE with {"content": text}.
SMS_ACCESS_KEY_ID = env_or("SMS_ACCESS_KEY_ID", "")
SMS_ACCESS_KEY_SECRET = env_or("SMS_ACCESS_KEY_SECRET", "")
SMS_SDK_APP_ID = env_or("SMS_SDK_APP_ID", "")  # Tencent Cloud only
SMS_SIGN_NAME = env_or("SMS_SIGN_NAME", SMS_SIGNATURE.strip("【】[] "))
SMS_ENDPOINT = env_or("SMS_ENDPOINT", "")  # unset: the provider's public endpoint
SMS_REGION = env_or("SMS_REGION", "")  # unset: cn-hangzhou (Alibaba), ap-guangzhou (Tencent)
try:
    SMS_TEMPLATES = json.loads(env_or("SMS_TEMPLATES", "{}"))
except json.JSONDecodeError as _error:
    raise ImproperlyConfigured(f"SMS_TEMPLATES is not valid JSON: {_error}") from _error
if not isinstance(SMS_TEMPLATES, dict) or not all(
        isinstance(_entry, dict) and _entry.get("code") for _entry in SMS_TEMPLATES.values()):
    raise ImproperlyConfigured(
        'SMS_TEMPLATES must map each kind to {"code": ..., "params": [...]} (see '
        "docs/api-channels.md).")
SMS_DEFAULT_TEMPLATE = env_or("SMS_DEFAULT_TEMPLATE", "")
# Seconds a provider call may take; keep it well under NOTIFICATION_IN_DOUBT_SECONDS.
SMS_TIMEOUT = int(env_or("SMS_TIMEOUT", "10"))
# In-app messages mirrored to DingTalk work notices for officials who switch it on
# (/inbox/settings/). Unset: no DingTalk rows are written and the page says so.
DINGTALK_BACKEND = env_or("DINGTALK_BACKEND", "")
DINGTALK_APP_KEY = env_or("DINGTALK_APP_KEY", "")
DINGTALK_APP_SECRET = env_or("DINGTALK_APP_SECRET", "")
DINGTALK_AGENT_ID = env_or("DINGTALK_AGENT_ID", "")
DINGTALK_ENDPOINT = env_or("DINGTALK_ENDPOINT", "https://oapi.dingtalk.com/")
DINGTALK_LINK_PICTURE = env_or("DINGTALK_LINK_PICTURE", "")  # unset: the site's icon
# Who may switch DingTalk on: a predicate on the user (notifications knows no domain app).
DINGTALK_OPT_IN_ALLOWED = env_or("DINGTALK_OPT_IN_ALLOWED", "accounts.roles.is_official")
_CHANNEL_CREDENTIALS = {
    "notifications.providers.aliyun.AliyunSMSBackend": (
        "SMS_ACCESS_KEY_ID", "SMS_ACCESS_KEY_SECRET", "SMS_SIGN_NAME"),
    "notifications.providers.tencent.TencentSMSBackend": (
        "SMS_ACCESS_KEY_ID", "SMS_ACCESS_KEY_SECRET", "SMS_SDK_APP_ID", "SMS_SIGN_NAME"),
    "notifications.providers.dingtalk.DingTalkBackend": (
        "DINGTALK_APP_KEY", "DINGTALK_APP_SECRET", "DINGTALK_AGENT_ID"),
}
for _backend in (SMS_BACKEND, DINGTALK_BACKEND):
    _missing = [name for name in _CHANNEL_CREDENTIALS.get(_backend, ()) if not globals()[name]]
    if _missing:
        raise ImproperlyConfigured(
            f"{_backend} is chosen but {', '.join(_missing)} is not set: set it in the "
            "environment (see docs/api-channels.md), or choose another backend."
        )
if SMS_BACKEND in _CHANNEL_CREDENTIALS and not (SMS_DEFAULT_TEMPLATE or SMS_TEMPLATES):
    raise ImproperlyConfigured(
        f"{SMS_BACKEND} sends approved templates only: set SMS_DEFAULT_TEMPLATE (and "
        "SMS_TEMPLATES for kinds with their own) as registered with the provider (see "
        "docs/api-channels.md)."
    )
if DINGTALK_AGENT_ID and not DINGTALK_AGENT_ID.isdigit():
    raise ImproperlyConfigured("DINGTALK_AGENT_ID must be the DingTalk app's number (AgentId).")

# --- Celery -------------------------------------------------------------------
# The host part only keeps kombu from warning that none was given.
CELERY_BROKER_URL = env_or("CELERY_BROKER_URL", REDIS_URL or "filesystem://localhost//")
CELERY_BROKER_FOLDER = BASE_DIR / env_or("CELERY_BROKER_FOLDER", str(VAR_DIR / "celery"))


def filesystem_broker_options(folder: Path) -> dict:
    """kombu's filesystem transport in ``folder``, whose subfolders are created here:
    kombu does not create them, and the web side and the worker both need them."""
    for name in ("queue", "processed", "control"):
        (folder / name).mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(folder / "queue"),
        "data_folder_out": str(folder / "queue"),
        "processed_folder": str(folder / "processed"),
        "control_folder": str(folder / "control"),
        "store_processed": False,
    }


if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_broker_options(CELERY_BROKER_FOLDER)
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing must never hang a web request when the broker is down: the outbox
# row is already committed and the redelivery sweep sends it later.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5}

# --- Health, metrics and database outages (docs/operations.md) -------------------------
# Parts of /health/ whose error answers 503 (the others only report).
HEALTH_REQUIRED = env_list("HEALTH_REQUIRED", ["database", "cache", "broker", "worker"])
# Seconds after which the worker's heartbeat (every 30 s) is stale: an error.
HEALTH_HEARTBEAT_MAX_AGE = int(env_or("HEALTH_HEARTBEAT_MAX_AGE", "120"))
# Seconds after which the follow-up queue's last run (every 15 minutes) is late: a warning.
HEALTH_FOLLOW_UP_MAX_AGE = int(env_or("HEALTH_FOLLOW_UP_MAX_AGE", "2400"))
HEALTH_BROKER_TIMEOUT = 2
# The bearer token the metrics scraper sends; unset, /metrics answers 404 to everyone.
METRICS_TOKEN = env_or("METRICS_TOKEN", "")
# The Retry-After of the 503 page served while the database is unreachable (seconds).
DATABASE_RETRY_AFTER = int(env_or("DATABASE_RETRY_AFTER", "30"))
# django-prometheus: no query at start-up (its migration gauges would ask the database).
PROMETHEUS_EXPORT_MIGRATIONS = False

# --- Security (production values come with DEBUG off and SECURE_SSL on) -------
SECURE_SSL = env.bool("SECURE_SSL", default=False)
SESSION_COOKIE_SECURE = SECURE_SSL
CSRF_COOKIE_SECURE = SECURE_SSL
SECURE_SSL_REDIRECT = SECURE_SSL
SECURE_HSTS_SECONDS = 31_536_000 if SECURE_SSL else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_SSL
SECURE_HSTS_PRELOAD = SECURE_SSL
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if SECURE_SSL else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True

# Content-Security-Policy (django-csp): scripts, styles and fonts only from this site, no
# inline script or style anywhere (the admin included), no framing, forms post only here.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],  # Bootstrap draws checkboxes and selects as data: SVGs
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# --- Logging ------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_or("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # django-axes logs every log-in at INFO; the audit trail keeps what matters.
        "axes": {"level": "WARNING"},
    },
}
