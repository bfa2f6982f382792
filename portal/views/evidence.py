from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from portal import selectors, services
from portal.decorators import student_required
from portal.forms import EvidenceReplaceForm, EvidenceUploadForm
from portal.models import Evidence, ReviewState
from portal.previews import PreviewError


def _form_error(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error("file", exc)


@student_required
def my_documents(request):
    student = request.user.student
    form = EvidenceUploadForm(request.POST or None, request.FILES or None, initial={"kind": request.GET.get("kind")})
    if request.method == "POST" and form.is_valid():
        try:
            services.evidence_submit(
                student=student,
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
                uploaded_by=request.user,
            )
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Your document was uploaded and is waiting for review."))
            return redirect("my_documents")
    current = selectors.student_evidence_current(student=student)
    status = 400 if request.method == "POST" else 200
    return render(request, "portal/my_documents.html", {"form": form, "documents": current}, status=status)


@student_required
def evidence_replace(request, pk):
    rejected = get_object_or_404(
        Evidence.objects.visible_to(request.user), pk=pk, state=ReviewState.REJECTED, reviewed_in=""
    )
    form = EvidenceReplaceForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.evidence_submit(
                student=rejected.student,
                kind=rejected.kind,
                upload=form.cleaned_data["file"],
                uploaded_by=request.user,
                previous=rejected,
            )
        except services.ConflictError as exc:
            messages.error(request, str(exc))
            return redirect("my_documents")
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Your new document was uploaded and is waiting for review."))
            return redirect("my_documents")
    status = 400 if request.method == "POST" else 200
    return render(request, "portal/evidence_replace.html", {"form": form, "rejected": rejected}, status=status)


def evidence_file_response(evidence: Evidence) -> FileResponse:
    """Serve a private file as an attachment that the browser may neither sniff nor run."""
    if not evidence.file:
        raise Http404  # removed after its retention period; the record says when
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    extension = evidence.file.name.rsplit(".", 1)[-1]
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"{evidence.student.student_id}-{evidence.kind}-{evidence.pk}.{extension}",
        content_type=evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
def evidence_file(request, pk):
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    evidence = selectors.evidence_get(user=request.user, pk=pk)
    if evidence is None:
        raise Http404
    response = evidence_file_response(evidence)
    services.evidence_file_read(evidence=evidence, reader=request.user, request=request)
    return response


@require_safe
def evidence_preview(request, pk):
    """A picture of a PDF's first pages for the review page; the same access as the file itself."""
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    evidence = selectors.evidence_get(user=request.user, pk=pk)
    if evidence is None or not evidence.file or evidence.content_type != "application/pdf":
        raise Http404
    try:
        png, page_count = services.evidence_preview_png(evidence=evidence)
    except PreviewError:
        return HttpResponse(
            _("This PDF cannot be shown here; download it instead."), status=422, content_type="text/plain"
        )
    services.evidence_file_read(evidence=evidence, reader=request.user, request=request)
    response = HttpResponse(png, content_type="image/png")
    response["X-Page-Count"] = str(page_count)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
