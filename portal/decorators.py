"""Access decorators for pages: every view declares who may open it."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404

from portal import permissions


def student_required(view):
    """A page for students only; anyone else gets 404 (the page does not exist for them)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not hasattr(request.user, "student") or not request.user.is_student:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def staff_required(view):
    """A page for staff of any role; students and others get 404."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not permissions.is_staff_member(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper
