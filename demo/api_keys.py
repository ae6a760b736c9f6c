"""The demo town's town-system key: 智慧敦煌 reads 沙州镇's figures with a published secret.

A real key's secret is random and shown once (``api.services.keys.create_key``). The demo
needs one the README and ``demo_accounts`` can print, so the key is made by the service —
by the town's administrator, checked and audited like any other — and then, here only,
its digest is replaced by that of the fixed demo secret. Nothing outside ``demo/`` can
make a key with a chosen secret. A second seed finds the key (live or stopped) and
writes nothing.
"""

from api.models import ApiKey
from api.services.keys import KEY_PREFIX, create_key
from api.services.tokens import digest
from volunteers.models import Organisation, User

DEMO_KEY_NAME = "智慧敦煌"
# The published demo secret: it reads the demo town's aggregate figures, nothing else.
DEMO_KEY_SECRET = "szk_demo_zhihuidunhuang_2026"  # noqa: S105


def seed_api_keys(*, town: Organisation, actor: User) -> int:
    """The 智慧敦煌 key on the town, with the demo secret; 1 if made now, else 0."""
    if ApiKey.objects.filter(digest=digest(DEMO_KEY_SECRET)).exists():
        return 0
    issued = create_key(actor=actor, name=DEMO_KEY_NAME, organisation=town)
    ApiKey.objects.filter(pk=issued.key.pk).update(
        digest=digest(DEMO_KEY_SECRET), prefix=DEMO_KEY_SECRET[: len(KEY_PREFIX) + 6]
    )
    return 1
