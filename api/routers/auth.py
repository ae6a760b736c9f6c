"""The API's 登录与令牌 operations."""

from ninja import Router

router = Router(tags=["登录与令牌"])
