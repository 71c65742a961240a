"""The migrations build the whole schema on a real PostgreSQL, and nothing is left unmigrated."""

import os
import secrets
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import pytest
from django.apps import apps

from tests.services import require_postgres

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def throwaway_database():
    import psycopg2
    from psycopg2 import sql

    server_url = require_postgres()
    name = f"huzhou_talks_migrate_check_{secrets.token_hex(4)}"
    server = psycopg2.connect(server_url, connect_timeout=5)
    server.autocommit = True
    try:
        with server.cursor() as cursor:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        url = urlunparse(urlparse(server_url)._replace(path=f"/{name}"))
        try:
            yield url
        finally:
            with server.cursor() as cursor:
                cursor.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )
    finally:
        server.close()


def manage(*args: str, database_url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DEBUG": "true", "DATABASE_URL": database_url,
           "CONN_MAX_AGE": "0"}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def test_migrate_builds_every_table_on_postgres(throwaway_database):
    import psycopg2

    result = manage("migrate", "--noinput", database_url=throwaway_database)
    assert result.returncode == 0, result.stderr

    with psycopg2.connect(throwaway_database, connect_timeout=5) as conn, conn.cursor() as cur:
        cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        tables = {row[0] for row in cur.fetchall()}
        cur.execute("SELECT count(*) FROM django_celery_beat_periodictask")
        periodic_tasks = cur.fetchone()[0]
    conn.close()

    # Every installed app's tables, so that a new app is checked without editing this test.
    expected = {
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }
    assert {"issues_issue", "talk_sessions_talksession", "entrepreneurs_enterprise",
            "government_official", "notifications_notification", "core_heartbeat"} <= expected
    assert expected - tables == set()
    assert periodic_tasks >= 2  # the defaults, created after migrate

    check = manage("migrate", "--check", database_url=throwaway_database)
    assert check.returncode == 0, check.stdout + check.stderr
