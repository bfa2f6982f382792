from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from portal import permissions, selectors, services
from portal.decorators import staff_required
from portal.forms import ReviewDecisionForm
from portal.models import EvidenceKind, School


@require_safe
@staff_required
def staff_home(request):
    counts = selectors.review_queue_counts(user=request.user)
    queues = [
        (kind, EvidenceKind(kind).label, counts.get(kind, 0))
        for kind in sorted(permissions.reviewable_kinds(request.user))
    ]
    return render(
        request,
        "portal/staff_home.html",
        {
            "queues": queues,
            "pending_total": sum(counts.values()),
            "student_count": selectors.student_list(user=request.user).count(),
            "can_import": permissions.can_import_students(request.user),
            "can_print": permissions.can_print_batches(request.user),
        },
    )


@require_safe
@staff_required
def student_list(request):
    search = request.GET.get("q", "")[:100]
    school = request.GET.get("school", "")
    students = selectors.student_list(
        user=request.user, search=search, school_id=int(school) if school.isdigit() else None
    )
    page = Paginator(students, 50).get_page(request.GET.get("page"))
    schools = School.objects.all() if permissions.is_admin(request.user) or request.user.school_id is None else []
    return render(
        request,
        "portal/staff_student_list.html",
        {"page": page, "search": search, "school": school, "schools": schools},
    )


@require_safe
@staff_required
def student_detail(request, student_id):
    student = selectors.student_get(user=request.user, student_id=student_id)
    if student is None:
        raise Http404
    evidence = selectors.evidence_list(user=request.user).filter(student=student).order_by("-uploaded_at")
    return render(
        request,
        "portal/staff_student_detail.html",
        {
            "student": student,
            "passport_number": permissions.identity_number_for(request.user, student.passport_number),
            "evidence": evidence,
            "can_reissue": permissions.can_reissue_first_login(request.user),
            "first_login_mode": settings.FIRST_LOGIN_MODE,
        },
    )


@require_safe
@staff_required
def review_queue(request):
    kind = request.GET.get("kind", "")
    if kind and kind not in EvidenceKind.values:
        kind = ""
    page = Paginator(selectors.review_queue(user=request.user, kind=kind), 50).get_page(request.GET.get("page"))
    return render(request, "portal/review_queue.html", {"page": page, "kind": kind, "kinds": EvidenceKind.choices})


@staff_required
def review_evidence(request, pk):
    evidence = selectors.evidence_get(user=request.user, pk=pk)
    if evidence is None:
        raise Http404
    form = ReviewDecisionForm(request.POST or None)
    if request.method == "POST":
        if not permissions.can_review_evidence(request.user, evidence) and evidence.is_pending:
            raise PermissionDenied
        if form.is_valid():
            try:
                if form.cleaned_data["decision"] == "approve":
                    services.evidence_approve(evidence=evidence, reviewer=request.user)
                    messages.success(request, _("Approved."))
                else:
                    services.evidence_reject(
                        evidence=evidence, reviewer=request.user, reason=form.cleaned_data["reason"]
                    )
                    messages.success(request, _("Rejected; the student has been told why."))
            except services.ConflictError as exc:
                messages.error(request, str(exc))
                return redirect("review_evidence", pk=pk)
            except ValidationError as exc:
                form.add_error("reason", exc.messages)
            else:
                return redirect("review_queue")
    events = evidence.events.select_related("actor__student").all()
    history = selectors.evidence_earlier_versions(evidence=evidence)
    return render(
        request,
        "portal/review_evidence.html",
        {
            "evidence": evidence,
            "events": events,
            "history": history,
            "form": form,
            "can_decide": permissions.can_review_evidence(request.user, evidence),
            "passport_number": permissions.identity_number_for(request.user, evidence.student.passport_number),
        },
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@staff_required
def student_reissue_first_login(request, student_id):
    student = selectors.student_get(user=request.user, student_id=student_id)
    if student is None:
        raise Http404
    if not permissions.can_reissue_first_login(request.user):
        raise PermissionDenied
    mode = request.POST.get("mode") or None
    try:
        mode = services.user_reissue_first_login(user=student.user, actor=request.user, mode=mode, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if mode == "activation_link":
            messages.success(request, _("An activation link was emailed to the student."))
        else:
            messages.success(
                request, _("The initial password was reissued: the last 6 characters of the passport number.")
            )
    return redirect("staff_student_detail", student_id=student.student_id)
