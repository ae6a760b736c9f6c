"""The domain error every service raises on refusal, and its kinds.

A refusal knows its kind, and the kind knows its HTTP status: ``core.refusals`` turns
any of them into the Chinese refusal page or the JSON answer, in one place. Raise the
kind that says why (``Forbidden("forbidden", …)``); the bare ``DomainError`` still
works and answers as ``Invalid``.
"""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy


class DomainError(Exception):
    """A refusal with a machine-readable ``code`` and a message for the person."""

    kind = "invalid"
    status = 400
    # What a refusal page is titled when the view gives no title of its own.
    title: str | Promise = gettext_lazy("无法完成")

    def __init__(self, code: str, message: str | Promise, *, field: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return str(self.message)


class Invalid(DomainError):
    """What was asked is malformed or incomplete: fix it and ask again (400)."""

    kind = "invalid"
    status = 400
    title = gettext_lazy("请求有误")


class Forbidden(DomainError):
    """This person may not do this, here (403)."""

    kind = "forbidden"
    status = 403
    title = gettext_lazy("没有权限")


class NotFound(DomainError):
    """What was named does not exist, or is not this person's to know of (404)."""

    kind = "not_found"
    status = 404
    title = gettext_lazy("没有找到")


class Conflict(DomainError):
    """The state of things does not allow it now: done already, closed, used up (409)."""

    kind = "conflict"
    status = 409
    title = gettext_lazy("无法完成")


class Gone(DomainError):
    """It existed but is no longer good: expired, deleted (410)."""

    kind = "gone"
    status = 410
    title = gettext_lazy("已过期")


class TooMany(DomainError):
    """Asked too often: wait and try again (429)."""

    kind = "too_many"
    status = 429
    title = gettext_lazy("操作太频繁")


class Unavailable(DomainError):
    """Not possible on this server right now, through no fault of the person's (503)."""

    kind = "unavailable"
    status = 503
    title = gettext_lazy("暂时无法完成")


KINDS: tuple[type[DomainError], ...] = (
    Invalid,
    Forbidden,
    NotFound,
    Conflict,
    Gone,
    TooMany,
    Unavailable,
)
