"""``manage.py seed_demo``: build the demo town of Shazhou (idempotent)."""

import time

from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from demo import town as demo
from volunteers.models import Claim, Need, Project, Resource

KIND_ORDER = (
    "town",
    "community",
    "grid",
    "party_committee",
    "party_branch",
    "party_group",
    "detachment",
    "squad",
    "team",
    "unit",
)
STATUS_ORDER = ("party_member", "probationary_member", "league_member", "masses")


class Command(BaseCommand):
    help = (
        "Build the demo town: 沙州镇's organisation tree, generated residents with their roles, "
        "and the five demo accounts. Running it again with the same options changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--seed",
            type=int,
            default=demo.DEFAULT_SEED,
            help="Random seed; the same seed gives the same people (default %(default)s).",
        )
        parser.add_argument(
            "--people",
            type=int,
            default=demo.DEFAULT_PEOPLE,
            help="How many residents to generate, besides the demo accounts (default %(default)s).",
        )

    def handle(self, *args, seed: int, people: int, **options):
        if people < 0:
            raise CommandError("--people must be zero or more.")
        started = time.perf_counter()
        try:
            created = demo.seed_demo_town(seed=seed, people=people)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        elapsed = time.perf_counter() - started
        counts = demo.town_counts()

        def line(label: str, values: dict[str, int], order=()) -> str:
            keys = [k for k in order if k in values] + [k for k in values if k not in order]
            return f"  {label}: " + ", ".join(f"{k} {values[k]}" for k in keys)

        self.stdout.write(
            f"沙州镇 demo town, seed {seed}, {people} generated residents ({elapsed:.1f} s)"
        )
        self.stdout.write(line("organisations", counts["organisations"], KIND_ORDER))
        self.stdout.write(line("people", counts["people"], ("total", *STATUS_ORDER)))
        self.stdout.write(line("memberships", counts["memberships"]))
        self.stdout.write(line("users", counts["users"]))
        self.stdout.write(line("activities", counts["activities"]))
        self.stdout.write(line("报到 reports", counts["reports"]))
        self.stdout.write(line("points", counts["points"]))
        self.stdout.write(line("需求 needs", counts["needs"], Need.Status.values))
        self.stdout.write(line("认领 claims", counts["claims"], Claim.Status.values))
        self.stdout.write(line("轮值主席 chairs", counts["chairs"]))
        self.stdout.write(line("资源 resources", counts["resources"], Resource.Kind.values))
        self.stdout.write(line("项目 projects", counts["projects"], Project.Status.values))
        if created.changed:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Created {created.organisations} organisations, {created.people} people, "
                    f"{created.memberships} memberships, {created.users} users, "
                    f"{created.activities} activities, {created.attendances} attendances, "
                    f"{created.points} basic-points lines, {created.snapshots} ranking snapshots, "
                    f"{created.needs} needs, {created.claims} claims, "
                    f"{created.chairs} chairs, {created.resources} resources, "
                    f"{created.projects} projects, {created.tagged} needs tagged."
                )
            )
        else:
            self.stdout.write(self.style.SUCCESS("Nothing to do: the demo town is complete."))
