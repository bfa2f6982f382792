from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe
from django.views.i18n import set_language

from portal import selectors, services
from portal.decorators import student_required


@require_safe
@login_required
def home(request):
    if request.user.is_student and hasattr(request.user, "student"):
        return redirect("student_home")
    return redirect("staff_home")


def admin_login(request, extra_context=None):
    """The admin's own login page is replaced by the portal's: one login, one throttle, one password policy."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.GET.get("next", "/admin/"), login_url=reverse("account_login"))
    if request.user.is_active and request.user.is_staff:
        return redirect(
            request.GET.get("next") if url_has_allowed_host_and_scheme(request.GET.get("next"), None) else "/admin/"
        )
    raise Http404


@require_POST
def language_switch(request):
    """Django's language switch, which also remembers the choice on the account (emails and PDFs follow it)."""
    response = set_language(request)
    language = request.POST.get("language")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        services.user_set_language(user=request.user, language=language)
    return response


@require_safe
@student_required
def student_home(request):
    student = request.user.student
    context = selectors.student_home_context(student=student, today=timezone.localdate())
    return render(request, "portal/student_home.html", context)
