import time

from django.core.management.base import BaseCommand

from demo.seed import DEMO_LOGINS, DEMO_PASSWORD, seed_all


class Command(BaseCommand):
    help = (
        "Load Huzhou's regions and departments, the demo logins and a history that reproduces "
        "the programme's published figures. Running it again changes nothing."
    )

    def handle(self, *args, **options):
        started = time.perf_counter()
        report = seed_all()
        elapsed = time.perf_counter() - started
        if report.skipped:
            self.stdout.write("Demo data already present; nothing changed.")
        else:
            self.stdout.write(self.style.SUCCESS(
                f"Demo data loaded in {elapsed:.1f} s: {report.editions} editions, "
                f"{report.sessions} sessions held, {report.attendances} attendances, "
                f"{report.issues} issues, {report.events} timeline entries, "
                f"{report.ratings} ratings."
            ))
        self.stdout.write("Demo logins (password " + DEMO_PASSWORD + "): " + ", ".join(DEMO_LOGINS))
