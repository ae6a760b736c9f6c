"""How personal data is shown to those who may not see it whole: one place for every page.

Phones read ``138****5678`` outside a person's own pages and those of who manages them;
names on public lists follow the site's setting (``李*芬``). ID numbers are never shown
whole anywhere (``core.identity`` keeps only a masked form beside the ciphertext).
"""

from collections.abc import Callable

from django.http import HttpRequest


def mask_phone(phone: str) -> str:
    """13812345678 → 138****5678."""
    if not phone or len(phone) < 7:
        return phone or ""
    return f"{phone[:3]}****{phone[-4:]}"


def mask_name(name: str) -> str:
    """李淑芬 → 李*芬, 陈燕 → 陈*: enough to recognise oneself, not to find a stranger."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return f"{name[0]}*"
    return f"{name[0]}{'*' * (len(name) - 2)}{name[-1]}"


def public_name(name: str, names: str = "masked") -> str:
    """A person's name as every public list and ranking shows it, one rule for all of them.

    ``names`` is the site's setting (``public_names(request)``): ``"full"`` shows the
    name whole, anything else masks it with ``mask_name``. The honour roll, the published
    snapshots, the leaderboard block and the ranking page all call this, so one person
    reads the same everywhere (李*芬 on each, or 李淑芬 on each).
    """
    return name if names == "full" else mask_name(name)


def mask_id_number(value: str) -> str:
    """The form kept beside the ciphertext: 6201**********1234 (first four, last four)."""
    return f"{value[:4]}{'*' * 10}{value[-4:]}"


def mask_volunteer_number(number: str) -> str:
    """SZ7K4M9QRT → SZ7K****RT: what a certificate's public check page shows."""
    if len(number) <= 6:
        return number
    return f"{number[:4]}{'*' * (len(number) - 6)}{number[-2:]}"


# Whether public rankings show full names is a setting of the site (cms.SiteSettings),
# a layer above every page that shows a ranking. The site registers how to read it when
# it starts (cms/apps.py); until then, and without a site, names are masked.
_public_names_provider: Callable[[HttpRequest], str] | None = None


def register_public_names(provider: Callable[[HttpRequest], str]) -> None:
    """``provider(request) -> "full" | "masked"``: how public rankings show names."""
    global _public_names_provider
    _public_names_provider = provider


def public_names(request: HttpRequest) -> str:
    return _public_names_provider(request) if _public_names_provider else "masked"
