"""``manage.py verify_ledger``: recompute every points total and report any difference."""

import time

from django.core.management.base import BaseCommand, CommandError

from points.verify import ledger_differences


class Command(BaseCommand):
    help = (
        "Recompute every per-person and ranking total from the points ledger and the "
        "service records; print each difference and exit non-zero if there is any."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--limit",
            type=int,
            default=1000,
            help="Stop after this many differences (default 1000).",
        )

    def handle(self, *args, limit: int, **options):
        started = time.monotonic()
        differences = ledger_differences(limit=limit if limit > 0 else None)
        for difference in differences:
            self.stdout.write(str(difference))
        elapsed = time.monotonic() - started
        if differences:
            more = " (or more)" if limit > 0 and len(differences) >= limit else ""
            raise CommandError(
                f"verify_ledger: {len(differences)}{more} difference(s) found in {elapsed:.1f}s."
            )
        self.stdout.write(self.style.SUCCESS(f"verify_ledger: all totals agree ({elapsed:.1f}s)."))
