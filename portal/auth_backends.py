"""Authentication: the first-login key (initial password) stops working after its validity period."""

from django.contrib.auth.backends import ModelBackend
from django.utils import timezone


class PortalModelBackend(ModelBackend):
    def user_can_authenticate(self, user):
        if not super().user_can_authenticate(user):
            return False
        expires = getattr(user, "initial_password_expires_at", None)
        if getattr(user, "must_change_password", False) and expires and expires <= timezone.now():
            # The initial password is only a key for the first login; staff reissue it when it has lapsed.
            return False
        return True
