from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.backups import BackupError, media_path, restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `backup`: the database, and the private files from the "
        ".private.tar.gz beside it. Asks nothing: refuses a database that has tables, or a "
        "private files folder that is not empty, unless --force. Stop the web server, the "
        "workers and beat first."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="the database's dump")
        parser.add_argument("--force", action="store_true",
                            help="replace a database with tables and set the private files "
                                 "folder aside")
        parser.add_argument("--database", default="default", help="the database alias")

    def handle(self, *args, **options):
        try:
            report = restore(options["file"], alias=options["database"], force=options["force"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"Database restored from {report.database}"))
        if report.media is None:
            self.stdout.write(f"No private files restored ({media_path(report.database).name} "
                              "is absent, or the files are not on a local disk).")
        else:
            self.stdout.write(f"Private files: {report.media_files} restored from {report.media}")
        if report.replaced_media is not None:
            self.stdout.write(f"The private files found there were set aside in "
                              f"{report.replaced_media}")
