"""Receivers that tie django-allauth's account events to the portal's services."""

from allauth.account.signals import password_changed, password_reset, password_set
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils import timezone

from portal import services


@receiver(password_changed)
@receiver(password_set)
@receiver(password_reset)
def _first_login_key_spent(sender, request, user, **kwargs):
    services.user_password_changed(user=user)


@receiver(user_logged_in)
def _remember_login_time(sender, request, user, **kwargs):
    # The absolute session timeout counts from here, however active the session stays.
    if request is not None and hasattr(request, "session"):
        request.session["portal_login_at"] = timezone.now().isoformat()
