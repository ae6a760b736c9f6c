"""The API's 镇级系统 operations."""

from ninja import Router

router = Router(tags=["镇级系统"])
