import os

import pytest

from tests.celery_broker import use_broker


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """Give each pytest run its own SQLite test file (var/test-db.sqlite3-<pid>).

    Several people, or CI jobs, may run the suite in one checkout at once; sharing one file,
    each run would delete the database under the other ("disk I/O error").
    """
    from django.conf import settings

    for db in settings.DATABASES.values():
        test_name = db.get("TEST", {}).get("NAME")
        if db["ENGINE"] == "django.db.backends.sqlite3" and test_name not in (None, ":memory:"):
            db["TEST"]["NAME"] = f"{test_name}-{os.getpid()}"


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _site_language():
    """Each test starts in the site's language (Chinese). Django's LocaleMiddleware leaves
    the language of the last request active in the thread, so an English request in one
    test would otherwise change the text another test reads."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache, so rate-limit counts never leak between tests.

    Under CI the cache is the Redis database of REDIS_URL, which only the tests use.
    """
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True, scope="session")
def _own_cache_per_worker(worker_id):
    """Under ``pytest -n`` each worker keeps its cache in its own Redis database (the next
    numbers after REDIS_URL's), so one worker's ``cache.clear()`` never empties another's
    rate-limit counts mid-test. Without Redis, or without xdist, nothing changes."""
    from django.conf import settings
    from django.test.utils import override_settings

    cache = settings.CACHES["default"]
    if worker_id == "master" or "redis" not in cache["BACKEND"].lower():
        yield
        return
    base, _sep, number = cache["LOCATION"].rpartition("/")
    database = int(number or 0) + int(worker_id.removeprefix("gw"))
    assert database < 12, "databases 12 to 15 are REDIS_TEST_URL's (tests.services)"
    with override_settings(CACHES={**settings.CACHES,
                                   "default": {**cache, "LOCATION": f"{base}/{database}"}}):
        yield


@pytest.fixture
def english(client):
    """The test client asks for English pages, so messages can be asserted as written.

    Use it for a whole module with ``pytest.mark.usefixtures("english")``.
    """
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture(autouse=True, scope="session")
def _in_memory_broker():
    """Tasks queued on commit go to an in-process broker, never to var/celery or a real Redis.

    Tests that need a real broker switch to it with ``tests.celery_broker.use_broker``.
    """
    with use_broker("memory://"):
        yield


@pytest.fixture
def private_storage(settings, tmp_path):
    """Uploads are stored in the test's own folder, never in var/private: the folder."""
    location = tmp_path / "private"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                    "OPTIONS": {"location": location}},
    }
    return location


def pytest_configure(config):
    # WhiteNoise warns on every request when collectstatic has not been run; tests do not need it.
    config.addinivalue_line("filterwarnings", "ignore:No directory at:UserWarning")
