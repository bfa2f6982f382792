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


class SecondFactorForStaff(BasePermission):
    """Token-authenticated staff pass the middleware anonymously, so the second-factor rule is checked here too."""

    message = "Staff accounts need two-factor authentication: set up an authenticator app to continue."

    def has_permission(self, request, view):
        from django.conf import settings

        from portal.middleware import has_second_factor

        user = request.user
        if not settings.MFA_REQUIRED_FOR_STAFF or not permissions.is_staff_member(user):
            return True
        return has_second_factor(user)
