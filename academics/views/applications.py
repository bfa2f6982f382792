"""Applications to defer an assessment or give up an examination (from the exam list), or for a makeup of a failed,
deferred or absent result (from the results page): the student applies and follows the decision; the student's
school decides from its queue (the school that teaches the course, when another, reads the application without
deciding).

Handbook: Assessment 21-23 (deferred assessment); Academic Rules 16 (giving up an examination a week before it);
Assessment 24-27 (makeup).
"""

from functools import partial

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from academics import permissions, rules, selectors, services
from academics.forms import (
    ExamApplicationDecisionForm,
    ExamApplicationFilterForm,
    ExamApplicationForm,
    MakeupApplicationForm,
)
from academics.models import (
    OPEN_EXAM_APPLICATION_STATES,
    Enrolment,
    ExamApplication,
    ExamApplicationKind,
    ExamApplicationState,
)
from portal.decorators import staff_required, student_required
from portal.forms import add_service_errors
from portal.models import Student
from portal.services import ConflictError

PAGE_SIZE = 50


# The upload service names its field "file"; these forms call it "proof".
_add_errors = partial(add_service_errors, renames={"file": "proof"})


def _version(value) -> int | None:
    return int(value) if (value or "").isdigit() else None


def _deadlines(enrolment: Enrolment) -> dict:
    assessed_on = services.offering_assessed_on(enrolment.offering)
    return {
        "assessed_on": assessed_on,
        "drop_last_day": rules.last_day_to_approve_drop(
            assessed_on=assessed_on, days_before=services.DROP_DAYS_BEFORE_EXAM
        ),
    }


# --- The student ------------------------------------------------------------------------------------------------


def _own_enrolment(request, pk) -> Enrolment:
    """The one access-checked lookup: an enrolment that is not the student's own does not exist for them."""
    enrolment = (
        Enrolment.objects.filter(student__user=request.user, pk=pk)
        .select_related("student", "offering__course", "offering__semester", "result")
        .first()
    )
    if enrolment is None:
        raise Http404
    return enrolment


def _own_application(request, pk) -> ExamApplication:
    application = selectors.exam_application_get(user=request.user, pk=pk)
    if application is None or application.enrolment.student.user_id != request.user.pk:
        raise Http404
    return application


@require_safe
@student_required
def my_applications(request):
    applications = selectors.exam_applications_of(student=request.user.student)
    return render(request, "academics/student/exam_applications.html", {"applications": applications})


def _open_application(enrolment: Enrolment, *, makeup: bool) -> ExamApplication | None:
    # A makeup comes after the sitting: a deferral approved before it does not stand in its way (the model's two
    # unique constraints).
    applications = ExamApplication.objects.filter(enrolment=enrolment, state__in=OPEN_EXAM_APPLICATION_STATES)
    applications = (
        applications.filter(kind=ExamApplicationKind.MAKEUP)
        if makeup
        else applications.exclude(kind=ExamApplicationKind.MAKEUP)
    )
    return applications.order_by("-created_at").first()


def _apply_form(request, enrolment: Enrolment, *, makeup: bool, offerings):
    if makeup:
        return MakeupApplicationForm(request.POST or None, offerings=offerings)
    if request.method == "POST":
        return ExamApplicationForm(request.POST, request.FILES)
    initial = {"kind": request.GET.get("kind")} if request.GET.get("kind") in ExamApplicationKind.values else None
    return ExamApplicationForm(initial=initial)


@require_http_methods(["GET", "HEAD", "POST"])
@student_required
def exam_apply(request, pk):
    """Before the examination: defer it or give it up; once it has a result: apply for its makeup."""
    enrolment = _own_enrolment(request, pk)
    has_result = hasattr(enrolment, "result")
    open_application = _open_application(enrolment, makeup=has_result)
    offerings = services.makeup_offerings_query(enrolment=enrolment, today=timezone.localdate()) if has_result else None
    status = 200
    form = None
    if open_application is None and (not has_result or offerings.exists()):
        form = _apply_form(request, enrolment, makeup=has_result, offerings=offerings)
    if request.method == "POST":
        if form is None:
            messages.error(request, _("You cannot apply for this examination now."))
            return redirect("academics_exam_apply", pk=enrolment.pk)
        if form.is_valid():
            data = form.cleaned_data
            try:
                application = services.exam_application_submit(
                    enrolment=enrolment,
                    user=request.user,
                    kind=ExamApplicationKind.MAKEUP if has_result else data["kind"],
                    deferral_reason=data.get("deferral_reason", ""),
                    statement=data["statement"],
                    proof=data.get("proof"),
                    makeup_offering=data.get("makeup_offering"),
                )
            except ConflictError as exc:
                messages.error(request, str(exc))
                return redirect("academics_exam_apply", pk=enrolment.pk)
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(
                    request, _("Your application was sent. You will get a message when your school decides.")
                )
                return redirect("academics_exam_application_detail", pk=application.pk)
        # What the student typed stays; a file input cannot be refilled, so the page says to choose it again.
        status = 400
    context = {
        "enrolment": enrolment,
        "open_application": open_application,
        "has_result": has_result,
        "form": form,
        "proof_lost": request.method == "POST" and bool(request.FILES),
        **_deadlines(enrolment),
    }
    template = "academics/student/makeup_apply.html" if has_result else "academics/student/exam_apply.html"
    return render(request, template, context, status=status)


@require_safe
@student_required
def exam_application_detail(request, pk):
    application = _own_application(request, pk)
    context = {"application": application, **_deadlines(application.enrolment)}
    return render(request, "academics/student/exam_application_detail.html", context)


@require_POST
@student_required
def exam_application_withdraw(request, pk):
    application = _own_application(request, pk)
    try:
        services.exam_application_withdraw(
            application=application, user=request.user, expected_version=_version(request.POST.get("version"))
        )
    except ConflictError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Your application was withdrawn."))
    return redirect("academics_exam_application_detail", pk=application.pk)


# --- The school ---------------------------------------------------------------------------------------------------


def _check_viewer(request) -> None:
    # Staff with no business with results get 403 whichever application they ask for.
    if not permissions.can_view_records(request.user):
        raise PermissionDenied


@require_safe
@staff_required
def exam_application_queue(request):
    _check_viewer(request)
    # Only the filters' own fields bind the form: "?page=2" of the default list stays on the waiting applications.
    if any(name in request.GET for name in ExamApplicationFilterForm.base_fields):
        filters = ExamApplicationFilterForm(request.GET)
        filters.is_valid()
        cleaned = filters.cleaned_data
    else:
        filters = ExamApplicationFilterForm(initial={"state": ExamApplicationState.PENDING})
        cleaned = {}
    applications = selectors.exam_application_queue(user=request.user, filters=cleaned)
    page = Paginator(applications, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "academics/staff/exam_applications.html", {"page": page, "filters": filters})


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def exam_application_review(request, pk):
    _check_viewer(request)
    application = selectors.exam_application_get(user=request.user, pk=pk)
    if application is None:
        raise Http404
    may_decide = permissions.can_decide_exam_application(request.user, application.enrolment.student)
    status = 200
    if request.method == "POST":
        if not may_decide:
            raise PermissionDenied
        form = ExamApplicationDecisionForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.exam_application_decide(
                    application=application,
                    approve=data["decision"] == "approve",
                    actor=request.user,
                    reason=data["reason"],
                    expected_version=data["version"],
                    request=request,
                )
            except ConflictError as exc:
                messages.error(request, str(exc))
                return redirect("academics_exam_application_review", pk=application.pk)
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Decision recorded for %(student)s; the student has been told.")
                    % {"student": application.enrolment.student.student_id},
                )
                return redirect("academics_exam_application_queue")
        status = 400
    else:
        form = ExamApplicationDecisionForm(initial={"version": application.version})
    context = {
        "application": application,
        "student": application.enrolment.student,
        "form": form if may_decide and application.state == ExamApplicationState.PENDING else None,
        # The proof is the student's file: their school (and the office, admins) opens it; a teaching school of
        # another school's student sees that there is one, not a link that would answer 404.
        "proof_hidden": not Student.objects.filter(
            permissions.record_scope(request.user, prefix=""), pk=application.enrolment.student_id
        ).exists(),
        **_deadlines(application.enrolment),
    }
    return render(request, "academics/staff/exam_application_review.html", context, status=status)
