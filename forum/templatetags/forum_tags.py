from django import template

from forum.notifications import unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context) -> int:
    """The signed-in person's unread notification count (one query)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return unread_count(user) if user is not None else 0


@register.simple_tag
def query_with(query_string: str, **kwargs) -> str:
    """The current query string with some parameters replaced."""
    from django.http import QueryDict

    q = QueryDict(query_string, mutable=True)
    for k, v in kwargs.items():
        q[k] = v
    return q.urlencode()
