"""Generated documents: request, progress, download; batch printing of certificates for staff."""

import re

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from portal import permissions, selectors, services
from portal.decorators import staff_required, student_required
from portal.documents import content_type_for
from portal.models import DocumentStatus, GeneratedDocument, School, Student

# One batch is one background task; past this many students a request is split by school instead.
BATCH_MAX_STUDENTS = 5000
# Pasted IDs are separated by new lines, commas, semicolons or spaces (a column copied from a spreadsheet).
ID_SEPARATORS = re.compile(r"[\s,;]+")
FINISHED = (DocumentStatus.DONE, DocumentStatus.FAILED)


def _current_language() -> str:
    language = translation.get_language() or settings.LANGUAGE_CODE
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def _get_document_for_user(user, pk: int) -> GeneratedDocument:
    """The one access-checked lookup of these pages: a document is its owner's alone, 404 for anyone else."""
    return get_object_or_404(GeneratedDocument.objects.visible_to(user), pk=pk)


def _no_store(response):
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def document_list(request):
    documents = GeneratedDocument.objects.visible_to(request.user).order_by("-created_at", "-pk")
    page = Paginator(documents, 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "can_request_certificate": request.user.is_student and hasattr(request.user, "student"),
        "can_print_batches": permissions.can_print_batches(request.user),
    }
    return _no_store(render(request, "portal/documents/list.html", context))


@student_required
@require_http_methods(["GET", "POST"])
def enrolment_certificate_request(request):
    student = request.user.student
    if request.method == "POST":
        document = services.enrolment_certificate_request(user=request.user, language=_current_language())
        return redirect("document_detail", pk=document.pk)
    return render(request, "portal/documents/enrolment_certificate.html", {"student": student})


@login_required
@require_GET
def document_detail(request, pk):
    document = _get_document_for_user(request.user, pk)
    context = {"document": document, "finished": document.status in FINISHED}
    return _no_store(render(request, "portal/documents/detail.html", context))


def _status_payload(document: GeneratedDocument) -> dict:
    done = document.status == DocumentStatus.DONE
    return {
        "status": document.status,
        "status_label": document.get_status_display(),
        "done": document.done_items,
        "total": document.total_items,
        "percent": document.progress_percent,
        "download_url": reverse("document_download", args=[document.pk]) if done and document.file else None,
    }


@login_required
@require_GET
def document_status(request, pk):
    document = _get_document_for_user(request.user, pk)
    return _no_store(JsonResponse(_status_payload(document)))


@login_required
@require_GET
def document_download(request, pk):
    document = _get_document_for_user(request.user, pk)
    if document.status != DocumentStatus.DONE or not document.file:
        raise Http404
    try:
        handle = document.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=document.filename or f"document-{document.pk}.pdf",
        content_type=content_type_for(document.filename),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    services.generated_document_downloaded(document=document, user=request.user, request=request)
    return _no_store(response)


# --- Batch printing -------------------------------------------------------------------------------------------


class BatchPrintForm(forms.Form):
    school = forms.ModelChoiceField(
        label=gettext_lazy("School"),
        queryset=School.objects.none(),
        required=False,
        empty_label=gettext_lazy("All schools I can see"),
    )
    student_ids = forms.CharField(
        label=gettext_lazy("Student IDs"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false", "autocomplete": "off"}),
        help_text=gettext_lazy("One student ID per line (or separated by commas)."),
    )
    all_students = forms.BooleanField(
        label=gettext_lazy("Print all students I can see (in the chosen school)"), required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Only schools that have students this user may see are offered.
        visible_schools = Student.objects.visible_to(user).values("school_id")
        self.fields["school"].queryset = School.objects.filter(pk__in=visible_schools).order_by("code")

    def clean_student_ids(self) -> list[str]:
        values = [value for value in ID_SEPARATORS.split(self.cleaned_data.get("student_ids") or "") if value]
        ids = list(dict.fromkeys(value[:20] for value in values))
        if len(ids) > BATCH_MAX_STUDENTS:
            raise forms.ValidationError(
                _("At most %(max)d student IDs can be printed at once.") % {"max": BATCH_MAX_STUDENTS}
            )
        return ids

    def clean(self):
        data = super().clean()
        if not data.get("student_ids") and not data.get("all_students") and "student_ids" not in self.errors:
            raise forms.ValidationError(_("Paste student IDs, or choose to print all students you can see."))
        return data


@staff_required
@require_http_methods(["GET", "POST"])
def batch_print(request):
    if not permissions.can_print_batches(request.user):
        raise PermissionDenied
    form = BatchPrintForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST" and form.is_valid():
        school = form.cleaned_data["school"]
        pasted = form.cleaned_data["student_ids"]
        # Visibility is decided by the selector: IDs of students this user may not see are simply not found.
        students = selectors.student_list(user=request.user, school_id=school.pk if school else None)
        if pasted:
            students = students.filter(student_id__in=pasted)
        found = list(students.values_list("student_id", flat=True)[: BATCH_MAX_STUDENTS + 1])
        if len(found) > BATCH_MAX_STUDENTS:
            form.add_error(
                None, _("More than %(max)d students: choose one school at a time.") % {"max": BATCH_MAX_STUDENTS}
            )
        elif not found:
            form.add_error(None, _("None of these students were found among the students you can see."))
        else:
            found_set = set(found)
            missing = [student_id for student_id in pasted if student_id not in found_set]
            title = _("Certificates of enrolment: %(count)d students") % {"count": len(found)}
            if school:
                title = f"{title} ({school.localized_name()})"
            document = services.generated_document_request(
                owner=request.user,
                kind="enrolment_certificate_batch",
                title=title[:200],
                parameters={"student_ids": found},
                total_items=len(found),
                language=_current_language(),
            )
            if missing:
                shown = ", ".join(missing[:50]) + (" …" if len(missing) > 50 else "")
                messages.warning(
                    request,
                    _("%(count)d student IDs were not found among the students you can see and are left out: %(ids)s")
                    % {"count": len(missing), "ids": shown},
                )
            return redirect("document_detail", pk=document.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "portal/documents/batch_print.html", {"form": form}, status=status)
