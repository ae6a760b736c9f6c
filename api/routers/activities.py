"""The API's 活动 operations."""

from ninja import Router

router = Router(tags=["活动"])
