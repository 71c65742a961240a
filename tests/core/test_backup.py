"""`manage.py backup` and `manage.py restore` (what `make backup` and `make restore` run):
the demo, backed up and restored into a fresh database with its private files, shows the
same headline figures and the same rows; restoring over data is refused without --force.

Each variant runs the commands as an operator would, in processes of their own, on
databases of its own (never the test database): SQLite files in the test's folder, or two
throwaway PostgreSQL databases (integration: skipped without PostgreSQL or pg_dump,
required under CI=true).
"""

import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import pytest

from tests.services import require, require_postgres

ROOT = Path(__file__).resolve().parents[2]

#: Printed by a process on the restored (or the original) database: the public page's
#: figures and the number of rows of every table.
FIGURES = """
import django
django.setup()
from django.apps import apps
from dashboard.selectors import public_figures
print(repr(public_figures()))
for model in sorted(apps.get_models(), key=lambda model: model._meta.label):
    print(model._meta.label, model._default_manager.count())
"""


def run(*args: str, database_url: str, media: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "DEBUG": "true", "DATABASE_URL": database_url, "CONN_MAX_AGE": "0",
           "PRIVATE_MEDIA_ROOT": str(media), "CELERY_BROKER_URL": "memory://",
           "CELERY_TASK_ALWAYS_EAGER": "false"}
    env.pop("REDIS_URL", None)  # a shared cache could answer the second database's figures
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600, check=False)


def manage(*args: str, database_url: str, media: Path) -> str:
    done = run("manage.py", *args, database_url=database_url, media=media)
    assert done.returncode == 0, f"manage.py {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def figures(database_url: str, media: Path) -> str:
    done = run("-c", FIGURES, database_url=database_url, media=media)
    assert done.returncode == 0, done.stderr
    return done.stdout


def back_up_and_restore(tmp_path: Path, *, source_url: str, fresh_url: str,
                        dump_name: str) -> None:
    source_media, fresh_media = tmp_path / "private", tmp_path / "restored-private"
    attachment = source_media / "attachments" / "2026" / "letter.pdf"
    attachment.parent.mkdir(parents=True)
    attachment.write_bytes(b"%PDF-1.4 the enterprise's letter")

    manage("migrate", "--noinput", database_url=source_url, media=source_media)
    manage("seed_demo", database_url=source_url, media=source_media)
    before = figures(source_url, source_media)
    assert "issues=IssueFigures(collected=5895" in before  # the demo, whole

    dump = tmp_path / "backups" / dump_name
    said = manage("backup", "--file", str(dump), database_url=source_url, media=source_media)
    assert dump.is_file() and "Private files: 1" in said

    said = manage("restore", str(dump), database_url=fresh_url, media=fresh_media)
    assert "Private files: 1 restored" in said
    assert figures(fresh_url, fresh_media) == before
    restored = fresh_media / attachment.relative_to(source_media)
    assert restored.read_bytes() == attachment.read_bytes()

    # A second restore over the data is refused, and leaves the data as it was.
    refused = run("manage.py", "restore", str(dump), database_url=fresh_url, media=fresh_media)
    assert refused.returncode != 0 and "--force" in refused.stderr
    # With --force it replaces them, and sets the private files found there aside.
    restored.write_bytes(b"changed since the backup")
    said = manage("restore", str(dump), "--force", database_url=fresh_url, media=fresh_media)
    assert "set aside" in said
    assert restored.read_bytes() == attachment.read_bytes()
    assert figures(fresh_url, fresh_media) == before


def test_the_demo_on_sqlite_is_restored_into_a_fresh_file_with_the_same_figures(tmp_path):
    back_up_and_restore(tmp_path, source_url=f"sqlite:///{tmp_path / 'demo.sqlite3'}",
                        fresh_url=f"sqlite:///{tmp_path / 'fresh.sqlite3'}",
                        dump_name="demo.sqlite3")


def test_a_postgresql_dump_is_refused_by_a_sqlite_restore(tmp_path):
    dump = tmp_path / "demo.dump"
    dump.write_bytes(b"PGDMP\x01\x0f\x00 a custom-format dump")
    done = run("manage.py", "restore", str(dump), database_url=f"sqlite:///{tmp_path / 'x.db'}",
               media=tmp_path / "private")
    assert done.returncode != 0 and "not a backup for" in done.stderr


@pytest.fixture
def two_postgres_databases():
    import psycopg2
    from psycopg2 import sql

    server_url = require_postgres()
    for program in ("pg_dump", "pg_restore"):
        require(shutil.which(program) is not None,
                f"{program} is not installed (apt-get install postgresql-client)")
    names = [f"huzhou_talks_backup_{secrets.token_hex(4)}" for _ in range(2)]
    server = psycopg2.connect(server_url, connect_timeout=5)
    server.autocommit = True
    try:
        with server.cursor() as cursor:
            for name in names:
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        yield [urlunparse(urlparse(server_url)._replace(path=f"/{name}")) for name in names]
    finally:
        with server.cursor() as cursor:
            for name in names:
                cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                               .format(sql.Identifier(name)))
        server.close()


@pytest.mark.integration
def test_the_demo_on_postgresql_is_restored_into_a_fresh_database_with_the_same_figures(
        tmp_path, two_postgres_databases):
    source_url, fresh_url = two_postgres_databases
    back_up_and_restore(tmp_path, source_url=source_url, fresh_url=fresh_url,
                        dump_name="demo.dump")
