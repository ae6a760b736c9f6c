"""The open API (/api/v1/, the ``api`` app): token lifetimes, the docs page, WeChat."""

import os

from config.settings.environment import PRODUCTION, env_bool

# A stolen access token is good for minutes; the refresh token, kept by the app, for a
# month of not opening it (it is replaced at each use, and a reused one ends the sign-in).
API_ACCESS_TOKEN_MINUTES = int(os.environ.get("API_ACCESS_TOKEN_MINUTES", "15"))
API_REFRESH_TOKEN_DAYS = int(os.environ.get("API_REFRESH_TOKEN_DAYS", "30"))
# The interactive docs (/api/v1/docs), served from this server's own static files. Off in
# production unless API_DOCS=true; the schema itself (/api/v1/openapi.json) is always there.
API_DOCS_ENABLED = env_bool("API_DOCS", default=not PRODUCTION)

# The WeChat mini-program (小程序) whose users sign in with wx.login: its app id and secret
# from mp.weixin.qq.com, and where jscode2session is asked (a fake server in tests).
WECHAT_MINIPROGRAM_APP_ID = os.environ.get("WECHAT_MINIPROGRAM_APP_ID", "")
WECHAT_MINIPROGRAM_SECRET = os.environ.get("WECHAT_MINIPROGRAM_SECRET", "")
WECHAT_API_BASE_URL = os.environ.get("WECHAT_API_BASE_URL", "https://api.weixin.qq.com")
WECHAT_API_TIMEOUT_SECONDS = float(os.environ.get("WECHAT_API_TIMEOUT_SECONDS", "5"))
