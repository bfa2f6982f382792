from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from portal import selectors, services
from portal.decorators import student_required


@login_required
def home(request):
    if request.user.is_student and hasattr(request.user, "student"):
        return redirect("student_home")
    return redirect("staff_home")


@require_POST
def language_switch(request):
    """Django's language switch, which also remembers the choice on the account (emails and PDFs follow it)."""
    response = set_language(request)
    language = request.POST.get("language")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        services.user_set_language(user=request.user, language=language)
    return response


@student_required
def student_home(request):
    student = request.user.student
    context = selectors.student_home_context(student=student, today=timezone.localdate())
    return render(request, "portal/student_home.html", context)
