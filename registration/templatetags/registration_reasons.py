from django import template

from registration.reasons import reason_in_language

register = template.Library()


@register.filter
def in_language(reason: str) -> str:
    """{{ item.reason|in_language }}: a stored rejection reason in the reader's language."""
    return reason_in_language(reason)
