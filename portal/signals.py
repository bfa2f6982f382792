"""Receivers that tie account events (django-allauth's and Django's) to the portal's services."""

from allauth.account.signals import password_changed, password_reset, password_set
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from portal import services
from portal.models import User


@receiver(password_changed)
@receiver(password_set)
@receiver(password_reset)
def _password_changed(sender, request, user, **kwargs):
    services.user_password_changed(user=user)
    # A new password ends every other session and every API token: whoever knew the old one is out. The session
    # that made the change already has a new key (update_session_auth_hash), so it is recorded again.
    current = request.session.session_key if request is not None and hasattr(request, "session") else None
    services.user_sessions_end(user=user, keep_session_key=current)
    services.user_api_tokens_revoke(user=user)
    if current:
        services.user_session_started(user=user, request=request)


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    # The absolute session timeout counts from here, however active the session stays.
    request.session["portal_login_at"] = timezone.now().isoformat()
    services.user_session_started(user=user, request=request)
    if user.must_change_password:
        services.user_first_login(user=user, request=request)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    # Logging out ends the user's sessions everywhere, not only in this browser.
    if user is not None:
        services.user_sessions_end(user=user)


@receiver(post_save, sender=User)
def _deactivated(sender, instance, created, update_fields=None, **kwargs):
    if not created and not instance.is_active and (update_fields is None or "is_active" in update_fields):
        services.user_sessions_end(user=instance)
