from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.backups import BackupError, backup


class Command(BaseCommand):
    help = (
        "Back up the database (PostgreSQL: pg_dump, custom format; SQLite: the backup API) "
        "and the private files (a .private.tar.gz beside it). Default file: "
        "var/backups/<date>-<time>.<dump|sqlite3>."
    )

    def add_arguments(self, parser):
        parser.add_argument("--file", type=Path, help="where to write the database's dump")
        parser.add_argument("--database", default="default", help="the database alias")

    def handle(self, *args, **options):
        try:
            report = backup(options["file"], alias=options["database"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"Database backed up to {report.database}"))
        if report.media is None:
            self.stdout.write("The private files are not on a local disk: back them up "
                              "with their storage.")
        else:
            self.stdout.write(f"Private files: {report.media_files} in {report.media}")
