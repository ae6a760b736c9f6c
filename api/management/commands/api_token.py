"""``manage.py api_token <username>``: a fresh access token for a person, on stdout.

A developer's and ops tool: call the API as someone without the login operation and its
rate limits (``make api-fuzz`` signs in as each demo role this way). The sign-in is a
real one, made through the token service as a password login makes it: it is listed on
the person's security page under ``--name`` and ends as any other does (revoked, signed
out, password changed, expired after ``API_ACCESS_TOKEN_MINUTES``).
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from api.models import ApiSession
from api.services.tokens import issue_tokens

DEFAULT_NAME = "manage.py api_token"


class Command(BaseCommand):
    help = (
        "Print a fresh API access token for USERNAME (a real sign-in, listed on their "
        "security page). Only the token goes to stdout; its expiry goes to stderr."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", help="The account's username (e.g. a demo account).")
        parser.add_argument(
            "--name",
            default=DEFAULT_NAME,
            help=f"The device name the sign-in is listed under (default {DEFAULT_NAME!r}).",
        )

    def handle(self, *args, username: str, name: str, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"api_token: no account with the username {username!r}.")
        if not user.is_active:
            raise CommandError(f"api_token: the account {username!r} is deactivated.")
        issued = issue_tokens(user=user, method=ApiSession.Method.PASSWORD, name=name)
        self.stdout.write(issued.access)
        expires = issued.access_expires_at.isoformat(timespec="seconds")
        self.stderr.write(f"api_token: {username}'s access token, good until {expires}.")
