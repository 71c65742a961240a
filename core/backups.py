"""Backing up the database and the private files, and restoring them (``manage.py backup``,
``manage.py restore``; ``make backup``, ``make restore``; docs/operations.md).

- PostgreSQL: ``pg_dump --format=custom`` and ``pg_restore --clean --if-exists
  --single-transaction`` (the PostgreSQL client programs must be installed).
- SQLite (the embedded default): the backup API of Python's ``sqlite3``, which copies a
  consistent snapshot of a database other processes are writing to.
- The private files (``PRIVATE_MEDIA_ROOT``: the attachments) go into a gzipped tar beside
  the dump, ``<file>.private.tar.gz``; restoring puts them back.

Restoring never asks a question: it refuses a database that already has tables (or a
private-files folder that is not empty) unless told ``force``, and then keeps the files it
replaces in a folder beside, ``<folder>.before-restore-<time>``.
"""

import os
import shutil
import sqlite3
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connections
from django.utils import timezone

SQLITE_ENGINE = "django.db.backends.sqlite3"
POSTGRES_ENGINE = "django.db.backends.postgresql"
#: The first bytes of each kind of dump, to refuse the wrong kind with a clear message.
MAGIC = {POSTGRES_ENGINE: b"PGDMP", SQLITE_ENGINE: b"SQLite format 3\x00"}
EXTENSIONS = {POSTGRES_ENGINE: "dump", SQLITE_ENGINE: "sqlite3"}
MEDIA_SUFFIX = ".private.tar.gz"


class BackupError(Exception):
    """The backup or restore cannot be done; the message says why and what to do."""


@dataclass
class Report:
    database: Path
    media: Path | None
    media_files: int
    replaced_media: Path | None = None


def _settings(alias: str) -> dict:
    database = connections[alias].settings_dict
    if database["ENGINE"] not in EXTENSIONS:
        raise BackupError(f"no backup for the database engine {database['ENGINE']}")
    return database


def default_path(alias: str = "default") -> Path:
    """var/backups/<date>-<time>.<dump|sqlite3>."""
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    return settings.VAR_DIR / "backups" / f"{stamp}.{EXTENSIONS[_settings(alias)['ENGINE']]}"


def media_path(path: Path) -> Path:
    return path.with_name(path.name + MEDIA_SUFFIX)


def private_root() -> Path | None:
    """The private files' folder (``PRIVATE_MEDIA_ROOT``), or None if they are not on disk."""
    location = getattr(default_storage, "location", None)
    return Path(location) if location else None


# --- PostgreSQL ---------------------------------------------------------------------------


def _postgres(program: str, database: dict, *arguments: str) -> None:
    binary = shutil.which(program)
    if binary is None:
        raise BackupError(f"{program} is not installed (Debian: apt-get install "
                          "postgresql-client, of the server's major version or newer)")
    command = [binary, "--no-password"]
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if database.get(key):
            command += [option, str(database[key])]
    environment = dict(os.environ)
    if database.get("PASSWORD"):
        environment["PGPASSWORD"] = database["PASSWORD"]
    done = subprocess.run([*command, *arguments], env=environment, capture_output=True,
                          text=True, check=False)
    if done.returncode:
        raise BackupError(f"{program} failed ({done.returncode}):\n{done.stderr.strip()}")


def _postgres_backup(database: dict, path: Path) -> None:
    _postgres("pg_dump", database, "--format=custom", "--file", str(path), database["NAME"])


def _postgres_restore(database: dict, path: Path) -> None:
    # --clean --if-exists: drop each object of the dump first; one transaction, so a failed
    # restore leaves the database as it was. Objects owned by the restoring role.
    _postgres("pg_restore", database, "--clean", "--if-exists", "--single-transaction",
              "--no-owner", "--no-acl", "--dbname", database["NAME"], str(path))


# --- SQLite -------------------------------------------------------------------------------


def _sqlite_copy(source: str | Path, target: str | Path, *, source_read_only: bool) -> None:
    uri = f"file:{source}?mode=ro" if source_read_only else f"file:{source}"
    reader = sqlite3.connect(uri, uri=True)
    writer = sqlite3.connect(target)
    try:
        reader.backup(writer)
    finally:
        writer.close()
        reader.close()


def _sqlite_backup(database: dict, path: Path) -> None:
    source = Path(database["NAME"])
    if not source.exists():
        raise BackupError(f"no SQLite database at {source}")
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    _sqlite_copy(source, partial, source_read_only=True)
    partial.replace(path)


def _sqlite_restore(database: dict, path: Path) -> None:
    check = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        verdict = check.execute("PRAGMA quick_check").fetchone()[0]
    finally:
        check.close()
    if verdict != "ok":
        raise BackupError(f"{path} is damaged (SQLite quick_check: {verdict})")
    Path(database["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    _sqlite_copy(path, database["NAME"], source_read_only=True)


# --- The private files --------------------------------------------------------------------


def _media_backup(path: Path) -> tuple[Path | None, int]:
    root = private_root()
    if root is None:
        return None, 0
    target = media_path(path)
    count = 0
    with tarfile.open(target, "w:gz") as archive:
        if root.is_dir():
            for item in sorted(root.rglob("*")):
                if item.is_file():
                    archive.add(item, arcname=str(item.relative_to(root)))
                    count += 1
    return target, count


def _media_restore(path: Path, *, force: bool) -> tuple[int, Path | None]:
    root = private_root()
    archive_path = media_path(path)
    if root is None or not archive_path.exists():
        return 0, None
    replaced = None
    if root.is_dir() and any(root.iterdir()):
        if not force:
            raise BackupError(f"the private files folder {root} is not empty; restore with "
                              "--force (make restore … FORCE=1) to set it aside and replace it")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        replaced = root.with_name(f"{root.name}.before-restore-{stamp}")
        root.rename(replaced)
    root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive_path, "r:gz") as archive:
        members = [member for member in archive.getmembers() if member.isfile()]
        # The "data" filter refuses absolute paths, links out of the folder and devices.
        archive.extractall(root, members=members, filter="data")
    return len(members), replaced


# --- What the commands call ---------------------------------------------------------------


def backup(path: Path | None = None, *, alias: str = "default") -> Report:
    """Dump the database to ``path`` (default ``default_path``) and tar the private files
    beside it. The dump is written whole or not at all."""
    database = _settings(alias)
    path = Path(path) if path else default_path(alias)
    path.parent.mkdir(parents=True, exist_ok=True)
    if database["ENGINE"] == POSTGRES_ENGINE:
        _postgres_backup(database, path)
    else:
        _sqlite_backup(database, path)
    media, count = _media_backup(path)
    return Report(database=path, media=media, media_files=count)


def database_has_tables(alias: str = "default") -> bool:
    connection = connections[alias]
    database = connection.settings_dict
    if database["ENGINE"] == SQLITE_ENGINE and not Path(database["NAME"]).exists():
        return False
    with connection.cursor() as cursor:
        return bool(connection.introspection.table_names(cursor))


def restore(path: Path, *, alias: str = "default", force: bool = False) -> Report:
    """Replace the database with the dump at ``path`` and the private files with the tar
    beside it. Refuses a database with tables, or a folder with files, unless ``force``."""
    database = _settings(alias)
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"no backup at {path}")
    with path.open("rb") as dump:
        start = dump.read(16)
    if not start.startswith(MAGIC[database["ENGINE"]]):
        kind = next((EXTENSIONS[engine] for engine, magic in MAGIC.items()
                     if start.startswith(magic)), "unknown")
        raise BackupError(f"{path} is not a backup for {database['ENGINE']} (it looks like a "
                          f"{kind} file)")
    if not force and database_has_tables(alias):
        raise BackupError(f"the database {database['NAME']} already has tables; restore with "
                          "--force (make restore … FORCE=1) to replace it")
    connections[alias].close()
    if database["ENGINE"] == POSTGRES_ENGINE:
        _postgres_restore(database, path)
    else:
        _sqlite_restore(database, path)
    count, replaced = _media_restore(path, force=force)
    return Report(database=path, media=media_path(path) if count else None,
                  media_files=count, replaced_media=replaced)

