"""Request-wide rules: the user's language, the forced first-login password change, the absolute session limit."""

from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import SuspiciousOperation
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal import permissions


class RejectNulCharactersMiddleware:
    """A NUL character in the address or the query is refused with a 400 before any view runs.

    No student ID, search or filter legitimately holds one, and PostgreSQL refuses text containing it: without this
    rule a search for "a%00b" reaches the database and fails with a 500.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()
        ):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"message": _("The request has errors."), "extra": {"code": "nul_character"}}, status=400
                )
            raise SuspiciousOperation("NUL character in the request address")
        return self.get_response(request)


class UserLanguageMiddleware:
    """A signed-in user's chosen language follows them to every device, unless this browser chose otherwise."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
            and user.language
        ):
            translation.activate(user.language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


def password_change_exempt_paths() -> tuple[str, ...]:
    """What a user who must change the initial password may still open: the change form, logout, the language
    switch (so the form can be read in Chinese) and static files."""
    return (
        reverse("account_change_password"),
        reverse("account_logout"),
        reverse("set_language"),
        settings.STATIC_URL,
    )


class ForcePasswordChangeMiddleware:
    """Until the initial password is changed, every other page, API call, download and admin page is closed."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response = self._absolute_timeout(request)
            if response is not None:
                return response
            if user.must_change_password and not request.path.startswith(password_change_exempt_paths()):
                message = _("You must change your initial password before you continue.")
                if request.path.startswith("/api/"):
                    return JsonResponse({"message": message, "extra": {"code": "password_change_required"}}, status=403)
                messages.warning(request, message)
                return redirect("account_change_password")
        return self.get_response(request)

    def _absolute_timeout(self, request):
        started = request.session.get("portal_login_at")
        if not started:
            return None
        try:
            started_at = datetime.fromisoformat(started)
        except ValueError:
            started_at = None
        if started_at is None or timezone.now() - started_at > settings.SESSION_ABSOLUTE_TIMEOUT:
            logout(request)
            if request.path.startswith("/api/"):
                return JsonResponse({"message": _("Your session has ended; please log in again.")}, status=401)
            return redirect(f"{reverse('account_login')}?next={request.path}")
        return None


def second_factor_exempt_paths() -> tuple[str, ...]:
    """What a member of staff without a second factor may open: setting one up, and leaving."""
    return (
        reverse("mfa_index"),
        reverse("account_reauthenticate"),
        reverse("account_change_password"),
        reverse("account_logout"),
        reverse("set_language"),
        settings.STATIC_URL,
    )


class StaffSecondFactorMiddleware:
    """Staff and admins reach no page, API or admin until they have set up an authenticator app (allauth MFA);
    from then on allauth asks for its code at every login."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            settings.MFA_REQUIRED_FOR_STAFF
            and user is not None
            and user.is_authenticated
            and permissions.is_staff_member(user)
            and not request.path.startswith(second_factor_exempt_paths())
            and not has_second_factor(user)
        ):
            message = _("Staff accounts need two-factor authentication: set up an authenticator app to continue.")
            if request.path.startswith("/api/"):
                return JsonResponse({"message": message, "extra": {"code": "second_factor_required"}}, status=403)
            messages.warning(request, message)
            return redirect("mfa_activate_totp")
        return self.get_response(request)


def has_second_factor(user) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


class RequestSizeLimitMiddleware:
    """Refuse a request body far beyond any upload we accept before Django reads it to disk.

    Files just over the evidence limit still reach the form, which explains the limit next to the field; only
    bodies past MAX_REQUEST_BYTES (twice the file limit by default) stop here. The reverse proxy caps the same.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.MAX_REQUEST_BYTES:
            from django.shortcuts import render

            context = {"limit_mb": settings.EVIDENCE_MAX_BYTES // (1024 * 1024)}
            if request.path.startswith("/api/"):
                message = _("The request is too large; files may be at most %(limit_mb)s MB.") % context
                return JsonResponse({"message": message, "extra": {"code": "too_large"}}, status=413)
            return render(request, "413.html", context, status=413)
        return self.get_response(request)
