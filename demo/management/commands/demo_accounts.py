"""``manage.py demo_accounts``: the demo logins, their password and what to try with each."""

import unicodedata

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from demo import town as demo


def display_width(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int) -> str:
    return text + " " * (width - display_width(text))


class Command(BaseCommand):
    help = "Print the demo accounts that seed_demo creates, with what to try as each."

    def handle(self, *args, **options):
        existing = set(
            get_user_model()
            .objects.filter(username__in=[a.username for a in demo.DEMO_ACCOUNTS])
            .values_list("username", flat=True)
        )
        header = ("账号 username", "密码 password", "角色 role", "试试 what to try")
        rows = [
            (a.username, demo.DEMO_PASSWORD, f"{a.real_name} · {a.role_label}", a.try_this)
            for a in demo.DEMO_ACCOUNTS
        ]
        widths = [max(display_width(row[i]) for row in (header, *rows)) for i in range(3)]
        self.stdout.write("美丽沙州 demo accounts (log in at /accounts/login/):")
        for row in (header, *rows):
            cells = [pad(cell, width) for cell, width in zip(row, widths, strict=False)]
            self.stdout.write("  " + "  ".join([*cells, row[3]]))
        missing = [a.username for a in demo.DEMO_ACCOUNTS if a.username not in existing]
        if missing:
            self.stdout.write(
                self.style.WARNING(
                    f"Not in this database yet: {', '.join(missing)}. "
                    "Run `python manage.py seed_demo` first."
                )
            )
