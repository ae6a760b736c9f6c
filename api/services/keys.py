"""Town systems' read-only API keys: made by town staff, shown once, kept as a digest."""

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from api.models import ApiKey
from api.services.tokens import digest
from core.errors import Forbidden
from core.text import plain_text
from volunteers.models import Organisation, User
from volunteers.permissions import administers_town_of
from volunteers.services.audit import audit_record

KEY_PREFIX = "szk_"


@dataclass(frozen=True)
class IssuedKey:
    key: ApiKey
    secret: str


@transaction.atomic
def create_key(*, actor: User, name: str, organisation: Organisation) -> IssuedKey:
    """A new key for a town system, readable over ``organisation``'s subtree only."""
    if not administers_town_of(actor, organisation):
        raise Forbidden("forbidden", _("只有镇（街道）管理员可以为这个组织创建接口密钥。"))
    name = plain_text(name, field="name", label=gettext("系统名称"), max_length=80, required=True)
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey.objects.create(
        name=name,
        organisation=organisation,
        prefix=secret[: len(KEY_PREFIX) + 6],
        digest=digest(secret),
        created_by=actor,
    )
    audit_record(actor=actor, action="api_key.create", target=key, organisation=organisation)
    return IssuedKey(key=key, secret=secret)


@transaction.atomic
def revoke_key(*, actor: User, key: ApiKey) -> None:
    """Stop a key at once: its next request is refused (401); stopping twice changes nothing."""
    if not administers_town_of(actor, key.organisation):
        raise Forbidden("forbidden", _("只有镇（街道）管理员可以停用这个接口密钥。"))
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor, action="api_key.revoke", target=key, organisation=key.organisation
        )


def key_for(raw: str) -> ApiKey | None:
    """The live key ``raw`` names, with its organisation; None if unknown or stopped."""
    if not raw.startswith(KEY_PREFIX):
        return None
    key = (
        ApiKey.objects.select_related("organisation")
        .filter(digest=digest(raw), revoked_at__isnull=True)
        .first()
    )
    if key is not None:
        now = timezone.now()
        if key.last_used_at is None or now - key.last_used_at > timedelta(minutes=1):
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return key
