"""The API's 志愿服务证明 operations."""

from ninja import Router

router = Router(tags=["志愿服务证明"])
