"""DRF permission classes (kept apart from portal.api so settings can name them without import cycles)."""

from rest_framework import exceptions
from rest_framework.permissions import BasePermission

from portal import permissions


class PasswordChanged(BasePermission):
    """Token-authenticated calls pass the middleware anonymously, so the forced password change is checked here too."""

    message = "You must change your initial password before you continue."

    def has_permission(self, request, view):
        return not getattr(request.user, "must_change_password", False)


class IsStaffMember(BasePermission):
    def has_permission(self, request, view):
        if not permissions.is_staff_member(request.user):
            # Students do not learn that staff endpoints exist.
            raise exceptions.NotFound()
        return True
