"""django-allauth adapter: accounts are created by staff, never by sign-up."""

from allauth.account.adapter import DefaultAccountAdapter


class PortalAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        return False

    def get_password_change_redirect_url(self, request):
        # After choosing a password (the first-login change included) the user lands on their home page.
        from django.urls import reverse

        return reverse("home")

    def get_login_redirect_url(self, request):
        from django.urls import reverse

        user = request.user
        if getattr(user, "must_change_password", False):
            return reverse("account_change_password")
        return super().get_login_redirect_url(request)
