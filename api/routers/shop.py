"""The API's 爱心超市 operations."""

from ninja import Router

router = Router(tags=["爱心超市"])
