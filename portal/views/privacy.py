"""A student's view of their own data: who opened their files, and a download of everything held about them."""

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST, require_safe

from portal import privacy
from portal.audit import audit_record
from portal.decorators import student_required


@require_safe
@student_required
def my_privacy(request):
    accesses = privacy.student_file_accesses(student=request.user.student)
    page = Paginator(accesses, 50).get_page(request.GET.get("page"))
    return render(request, "portal/my_privacy.html", {"page": page})


@require_POST
@student_required
def my_data_export(request):
    student = request.user.student
    filename, content_type, content = privacy.student_data_export(student=student)
    audit_record(actor=request.user, action="student.data_exported", target=student, request=request)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
