#!/usr/bin/env python3
"""美丽沙州开放接口的参考客户端：只凭接口文档（OpenAPI 模式）走完一次扫码签到。

A reference client for /api/v1/, standard library only (urllib, json). It proves that a
mini-program developer can work from the schema alone: every operation it calls is found
in /api/v1/openapi.json by its operationId (method and path come from the schema, never
from this file), and it follows the conventions docs/api.md describes:

- ``Authorization: Bearer <访问令牌>`` on every call that needs a person; on a 401 it
  refreshes the pair once (``token_refresh``) and retries;
- an ``Idempotency-Key`` on every POST, the same key when it retries that POST;
- lists are followed page by page (``page``, ``has_next``);
- a refusal is ``{"code", "message", "detail"}``: the code is what the program reads.

The walk (the demo's 张志强 ``leader`` and 陈小燕 ``volunteer``, password shazhou2026)::

    1. 组织者登录                 login_password
    2. 今天可签到的活动            organiser_today
    3. 签到二维码里的令牌          organiser_checkin_token
    4. 志愿者登录                 login_password
    5. 浏览活动列表（逐页）        activities_list
    6. 活动详情、需要时报名        activity_detail, activity_signup
    7. 扫码签到                   checkin_scan

Run it against ``make run`` (the demo on http://127.0.0.1:8000)::

    python3 docs/api_client.py
    python3 docs/api_client.py --base-url http://127.0.0.1:8000 --volunteer-phone 13800000005

It exits 0 only when the scan answers ``checked_in`` or ``already_in``; 1 when a step is
refused (the refusal's code and message are printed); 2 when the schema lacks an operation.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from typing import Any

SCHEMA_PATH = "/api/v1/openapi.json"
# Every operation the walk calls, by operationId: nothing else is assumed about the API.
NEEDED = (
    "login_password",
    "token_refresh",
    "organiser_today",
    "organiser_checkin_token",
    "activities_list",
    "activity_detail",
    "activity_signup",
    "checkin_scan",
)
SCANNED = ("checked_in", "already_in")
# What a person's state on an activity may be when there is nothing left to sign up for.
SIGNED_UP_STATES = ("signed_up", "waitlisted", "running", "checked_in", "checked_out")
DEMO_ORGANISER = "13800000003"  # 张志强, 梨园文明交通劝导队队长
DEMO_VOLUNTEER = "13800000005"  # 陈小燕, 队员
DEMO_PASSWORD = "shazhou2026"  # noqa: S105 (the published demo password)
TIMEOUT = 15


class ApiError(Exception):
    """A refusal in the API's one shape: ``status``, ``code``, ``message``, ``detail``."""

    def __init__(self, status: int, body: Any):
        body = body if isinstance(body, dict) else {}
        self.status = status
        self.code = str(body.get("code", "http_error"))
        self.message = str(body.get("message", ""))
        self.detail = body.get("detail", "")
        super().__init__(f"{status} {self.code}: {self.message}")


class MissingOperations(Exception):
    """The server's schema does not (yet) have every operation the walk calls."""

    def __init__(self, missing: list[str]):
        self.missing = missing
        super().__init__("接口文档中缺少这些操作 / missing operations: " + ", ".join(missing))


class Schema:
    """The server's OpenAPI document, read once: operationId → (method, path)."""

    def __init__(self, base_url: str):
        self.base_url = base_url.rstrip("/")
        status, document = _send("GET", self.base_url + SCHEMA_PATH, {}, None)
        if status != 200 or not isinstance(document, dict):
            raise ApiError(status, document)
        self.title = str(document.get("info", {}).get("title", ""))
        self.version = str(document.get("info", {}).get("version", ""))
        self.operations: dict[str, tuple[str, str]] = {}
        for path, item in document.get("paths", {}).items():
            for method, operation in item.items():
                if isinstance(operation, dict) and "operationId" in operation:
                    self.operations[operation["operationId"]] = (method.upper(), path)

    def require(self, names: tuple[str, ...]) -> None:
        missing = [name for name in names if name not in self.operations]
        if missing:
            raise MissingOperations(missing)

    def url(self, operation_id: str, path_params: dict[str, Any], query: dict[str, Any]) -> str:
        _method, template = self.operations[operation_id]
        path = template
        for name, value in path_params.items():
            path = path.replace("{" + name + "}", urllib.parse.quote(str(value), safe=""))
        url = self.base_url + path
        if query:
            url += "?" + urllib.parse.urlencode(query)
        return url


def _send(method: str, url: str, headers: dict[str, str], body: Any) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 (http only)
    request.add_header("Accept", "application/json")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    for name, value in headers.items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    try:
        return status, json.loads(raw.decode() or "null")
    except ValueError:
        return status, {"code": "not_json", "message": raw[:200].decode(errors="replace")}


class Session:
    """One person signed in: their token pair, refreshed once on a 401."""

    def __init__(self, schema: Schema, name: str):
        self.schema = schema
        self.name = name
        self.access = ""
        self.refresh = ""

    def call(
        self,
        operation_id: str,
        *,
        path: dict[str, Any] | None = None,
        query: dict[str, Any] | None = None,
        body: Any = None,
    ) -> Any:
        method, _template = self.schema.operations[operation_id]
        url = self.schema.url(operation_id, path or {}, query or {})
        headers: dict[str, str] = {}
        if method == "POST":
            # One key per intended write: a retry of the same POST sends the same key, so
            # the server answers the first result again instead of writing twice.
            headers["Idempotency-Key"] = str(uuid.uuid4())
            if body is None:
                body = {}
        for attempt in (1, 2):
            if self.access:
                headers["Authorization"] = f"Bearer {self.access}"
            status, answer = _send(method, url, headers, body)
            if status == 401 and attempt == 1 and self.refresh:
                self.refreshed()
                continue
            if 200 <= status < 300:
                return answer
            raise ApiError(status, answer)
        raise AssertionError("unreachable")

    def sign_in(self, phone: str, password: str) -> None:
        pair = self.call(
            "login_password",
            body={"phone": phone, "password": password, "device_name": "参考客户端"},
        )
        self._keep(pair)

    def refreshed(self) -> None:
        """A new pair for the refresh token; the old pair stops working."""
        refresh, self.access, self.refresh = self.refresh, "", ""
        self._keep(self.call("token_refresh", body={"refresh_token": refresh}))

    def _keep(self, pair: dict[str, Any]) -> None:
        self.access = pair["access_token"]
        self.refresh = pair["refresh_token"]

    def every(self, operation_id: str, **query: Any) -> list[Any]:
        """Every item of a paginated list, page by page."""
        items: list[Any] = []
        page = 1
        while True:
            answer = self.call(operation_id, query={**query, "page": page, "page_size": 50})
            items.extend(answer["items"])
            if not answer.get("has_next"):
                return items
            page += 1


def _state_code(detail: dict[str, Any]) -> str:
    state = detail.get("my_state")
    if isinstance(state, dict):
        return str(state.get("code", ""))
    return str(state or "")


def walk(args: argparse.Namespace, say: Callable[[str], None]) -> int:
    schema = Schema(args.base_url)
    say(f"接口文档 / schema: {schema.title} {schema.version}, {len(schema.operations)} 个操作")
    schema.require(NEEDED)

    organiser = Session(schema, "组织者")
    organiser.sign_in(args.organiser_phone, args.password)
    say(f"1. 组织者登录 / organiser signed in ({args.organiser_phone})")

    today = organiser.every("organiser_today")
    say(f"2. 今天可组织签到的活动 / organiser's activities today: {len(today)}")
    activity, code = None, None
    for candidate in today:
        try:
            code = organiser.call("organiser_checkin_token", path={"id": candidate["id"]})
        except ApiError as refused:  # not open for check-in yet, or over
            say(f"   {candidate.get('title', candidate['id'])}: {refused.code} {refused.message}")
            continue
        activity = candidate
        break
    if activity is None or code is None:
        say("   没有正在开放签到的活动 / no activity is open for check-in now")
        return 1
    title = activity.get("title", "")
    say(f"3. 签到码 / check-in token for 「{title}」, 有效至 / until {code['expires_at']}")

    volunteer = Session(schema, "志愿者")
    volunteer.sign_in(args.volunteer_phone, args.password)
    say(f"4. 志愿者登录 / volunteer signed in ({args.volunteer_phone})")

    listed = volunteer.every("activities_list")
    found = any(item.get("id") == activity["id"] for item in listed)
    say(
        f"5. 活动列表 / activities listed: {len(listed)}"
        + ("，其中有这次活动 / the activity is listed" if found else "")
    )

    detail = volunteer.call("activity_detail", path={"id": activity["id"]})
    state = _state_code(detail)
    if detail.get("signup_required") and state not in SIGNED_UP_STATES:
        try:
            volunteer.call("activity_signup", path={"id": activity["id"]})
            say("6. 报名成功 / signed up")
        except ApiError as refused:
            if refused.status != 409 or "already" not in refused.code:
                raise
            say(f"6. 已经报过名 / already signed up ({refused.code})")
    else:
        say(f"6. 无需报名 / no sign-up needed (my_state: {state or '—'})")

    scan = volunteer.call("checkin_scan", body={"token": code["token"]})
    when = scan.get("time", "")
    say(f"7. 扫码 / scan: {scan.get('state')} {when}")
    if scan.get("state") in SCANNED:
        say("完成 / done: 已签到 / checked in")
        return 0
    return 1


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000", help="服务器地址")
    parser.add_argument("--organiser-phone", default=DEMO_ORGANISER, help="组织者的手机号")
    parser.add_argument("--volunteer-phone", default=DEMO_VOLUNTEER, help="志愿者的手机号")
    parser.add_argument("--password", default=DEMO_PASSWORD, help="两人的密码")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None, say: Callable[[str], None] = print) -> int:
    args = parse_args(argv)
    try:
        return walk(args, say)
    except MissingOperations as missing:
        say(str(missing))
        return 2
    except ApiError as refused:
        say(f"被拒绝 / refused: {refused.status} {refused.code} {refused.message} {refused.detail}")
        return 1
    except urllib.error.URLError as error:
        say(f"连不上服务器 / cannot reach {args.base_url}: {error.reason}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
