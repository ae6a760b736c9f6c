"""The API's 积分与时长 operations."""

from ninja import Router

router = Router(tags=["积分与时长"])
