"""The API's 组织者 operations."""

from ninja import Router

router = Router(tags=["组织者"])
