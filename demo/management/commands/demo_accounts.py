"""``manage.py demo_accounts``: the demo logins, their password and what to try with each."""

import unicodedata

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.utils import timezone

from demo import town as demo
from demo.api_keys import DEMO_KEY_NAME, DEMO_KEY_SECRET
from volunteers.models import Activity


def display_width(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int) -> str:
    return text + " " * (width - display_width(text))


def running_activity():
    """Today's traffic duty the seed keeps running, if it is running now."""
    now = timezone.now()
    return (
        Activity.objects.filter(
            organisation__code=demo.DEMO_TEAM,
            title=demo.TODAY.title,
            live=True,
            cancelled_at__isnull=True,
            starts_at__lte=now,
            ends_at__gt=now,
        )
        .order_by("pk")
        .first()
    )


class Command(BaseCommand):
    help = "Print the demo accounts that seed_demo creates, with what to try as each."

    def add_arguments(self, parser):
        parser.add_argument(
            "--base-url",
            default="",
            help="Where the demo is served (make run passes http://127.0.0.1:PORT).",
        )

    def handle(self, *args, base_url: str = "", **options):
        existing = set(
            get_user_model()
            .objects.filter(username__in=[a.username for a in demo.DEMO_ACCOUNTS])
            .values_list("username", flat=True)
        )
        header = ("账号 username", "密码 password", "手机 phone", "角色 role", "试试 what to try")
        rows = [
            (
                a.username,
                demo.DEMO_PASSWORD,
                a.phone,
                f"{a.real_name} · {a.role_label}",
                a.try_this,
            )
            for a in demo.DEMO_ACCOUNTS
        ]
        widths = [max(display_width(row[i]) for row in (header, *rows)) for i in range(4)]
        self.stdout.write("美丽沙州 demo accounts (log in at /accounts/login/):")
        for row in (header, *rows):
            cells = [pad(cell, width) for cell, width in zip(row, widths, strict=False)]
            self.stdout.write("  " + "  ".join([*cells, row[4]]))
        base = base_url.rstrip("/")
        self.stdout.write(
            f"开放接口 API: {base}/api/v1/docs (文档 docs; 账号同上 sign in with the phones above; "
            "docs/api.md)"
        )
        self.stdout.write(
            f"接口密钥 API key ({DEMO_KEY_NAME}, {demo.TOWN_NAME}, read-only): "
            f"X-API-Key: {DEMO_KEY_SECRET} → {base}/api/v1/town/figures?period=YYYY-MM"
        )
        activity = running_activity()
        if activity is not None:
            self.stdout.write(f"正在进行 running now: {activity.title}")
            page = f"{base}/activities/{activity.pk}"
            self.stdout.write(f"  签到屏幕 check-in screen (leader): {page}/checkin/?mode=in")
            self.stdout.write(f"  二维码 QR image: {page}/qr.png")
        self.stdout.write(
            self.style.SUCCESS(
                f"先打开 open first: {base or ''}/accounts/login/ → leader 出示签到码，"
                "再用手机以 volunteer 登录扫码 (SMS codes print in this console)."
            )
        )
        missing = [a.username for a in demo.DEMO_ACCOUNTS if a.username not in existing]
        if missing:
            self.stdout.write(
                self.style.WARNING(
                    f"Not in this database yet: {', '.join(missing)}. "
                    "Run `python manage.py seed_demo` first."
                )
            )
