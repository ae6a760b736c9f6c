from django import template

from volunteers.services.notifications import unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context) -> int:
    """The header badge's number: cached per user, so most pages pay no query for it."""
    request = context.get("request")
    return unread_count(getattr(request, "user", None))
