"""The API's 签到 operations."""

from ninja import Router

router = Router(tags=["签到"])
