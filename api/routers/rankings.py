"""The API's 排行榜 operations."""

from ninja import Router

router = Router(tags=["排行榜"])
