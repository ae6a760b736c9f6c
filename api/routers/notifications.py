"""The API's 消息 operations."""

from ninja import Router

router = Router(tags=["消息"])
