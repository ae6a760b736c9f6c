"""``{% load pagination %}``: links to another page of a list that keep its filters and search."""

from typing import Any

from django import template
from django.http import QueryDict

register = template.Library()


@register.simple_tag(takes_context=True)
def page_url(context: dict[str, Any], number: int) -> str:
    """``?…&page=N``: the request's query string with only the page changed."""
    query: QueryDict = context["request"].GET.copy()
    query["page"] = str(number)
    return "?" + query.urlencode()


@register.simple_tag(takes_context=True)
def kept_params(context: dict[str, Any], *dropped: str) -> list[tuple[str, str]]:
    """The request's query parameters except ``dropped``, for a form's hidden inputs."""
    query: QueryDict = context["request"].GET
    return [
        (name, value) for name, values in query.lists() if name not in dropped for value in values
    ]


@register.simple_tag(takes_context=True)
def search_cleared_url(context: dict[str, Any], param: str = "q") -> str:
    """The list again without its search (and from its first page)."""
    query: QueryDict = context["request"].GET.copy()
    query.pop(param, None)
    query.pop("page", None)
    return "?" + query.urlencode() if query else context["request"].path
