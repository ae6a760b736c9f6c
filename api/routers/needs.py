"""The API's 微心愿、项目与认领 operations."""

from ninja import Router

router = Router(tags=["微心愿、项目与认领"])
