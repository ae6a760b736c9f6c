"""One way to page an API list: ``?page=1&page_size=20`` (at most 100), with the total."""

from typing import Any

from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import PaginationBase

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


class Pages(PaginationBase):
    """Page numbers: a mini-program shows 20 and asks for the next page as the list scrolls."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=100_000, description="第几页，从 1 开始")
        page_size: int = Field(PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="每页条数，最多 100")

    class Output(Schema):
        items: list[Any] = Field(description="这一页的条目")
        count: int = Field(description="总条数")
        page: int = Field(description="当前页")
        pages: int = Field(description="总页数")
        has_next: bool = Field(description="是否还有下一页")

    items_attribute: str = "items"

    def paginate_queryset(
        self, queryset: Any, pagination: Any, request: HttpRequest, **params: Any
    ) -> Any:
        count = self._items_count(queryset)
        size = pagination.page_size
        start = (pagination.page - 1) * size
        pages = max(1, -(-count // size))
        return {
            "items": queryset[start : start + size],
            "count": count,
            "page": pagination.page,
            "pages": pages,
            "has_next": start + size < count,
        }
