from django import template

from portal import permissions

register = template.Library()


@register.simple_tag(takes_context=True)
def identity_number(context, number):
    """A passport or permit number, masked unless the viewer's role needs it in full."""
    return permissions.identity_number_for(context["request"].user, number)
