"""JSON as the API writes it: Chinese as it is, times in Shazhou's offset (+08:00)."""

import datetime
import json
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.renderers import BaseRenderer
from ninja.responses import NinjaJSONEncoder


class ShazhouJSONEncoder(NinjaJSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, datetime.datetime) and timezone.is_aware(o):
            # Django stores UTC; a person reads 14:30 in Dunhuang, not 06:30Z.
            return timezone.localtime(o).isoformat(timespec="seconds")
        return super().default(o)


class ShazhouRenderer(BaseRenderer):
    media_type = "application/json"

    def render(self, request: HttpRequest, data: Any, *, response_status: int) -> Any:
        return json.dumps(data, cls=ShazhouJSONEncoder, ensure_ascii=False)
