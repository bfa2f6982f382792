"""Academics pages: the student's results; the schools' result grid and CSV upload; records, corrections and
transcript batches for staff. Thin: each view starts with one access-checked lookup and calls one service."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from academics import permissions, rules, selectors, services
from academics.forms import (
    BATCH_MAX_STUDENTS,
    CorrectionDecisionForm,
    CorrectionRequestForm,
    EnrolForm,
    OfferingFilterForm,
    ResultUploadForm,
    SchoolFilterForm,
    TranscriptBatchForm,
)
from academics.models import CorrectionRequest, CorrectionState, Result, ResultMark
from portal import selectors as portal_selectors
from portal.decorators import staff_required, student_required
from portal.forms import add_service_errors
from portal.services import ConflictError


def _language() -> str:
    language = translation.get_language() or settings.LANGUAGE_CODE
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def _bound(request, files: bool = False) -> tuple:
    """A form's data: bound on every POST (an empty one too, so its errors show), unbound otherwise."""
    if request.method != "POST":
        return (None, None) if files else (None,)
    return (request.POST, request.FILES) if files else (request.POST,)


_add_errors = add_service_errors


# --- Students ---------------------------------------------------------------------------------------------------


@require_safe
@student_required
def my_results(request):
    student = request.user.student
    record = selectors.student_academic_record(student=student)
    today = timezone.localdate()
    exams = selectors.upcoming_exams(student=student, today=today)
    # Handbook: Assessment 24 (a makeup by application): the results it is open to link to the application.
    makeup_links = selectors.makeup_candidates(student=student, today=today)
    context = {"student": student, "record": record, "exams": exams, "makeup_links": makeup_links}
    return render(request, "academics/student/results.html", context)


@require_POST
@student_required
def my_transcript(request):
    document = services.transcript_request(
        user=request.user,
        student=request.user.student,
        study_abroad=request.POST.get("study_abroad") == "1",
        language=_language(),
    )
    return redirect("document_detail", pk=document.pk)


# --- Staff: offerings and results ---------------------------------------------------------------------------------


def _check_viewer(request) -> None:
    if not permissions.can_view_records(request.user):
        raise PermissionDenied


def _offering_for(request, pk):
    _check_viewer(request)
    offering = selectors.offering_get(user=request.user, pk=pk)
    if offering is None:
        raise Http404
    return offering


@require_safe
@staff_required
def offering_list(request):
    _check_viewer(request)
    filters = OfferingFilterForm(request.GET or None)
    values = filters.cleaned_data if filters.is_valid() else {}
    semester = values.get("semester")
    offerings = selectors.offering_list(
        user=request.user, semester_id=semester.pk if semester else None, search=values.get("q", "")
    )
    page = Paginator(offerings, 50).get_page(request.GET.get("page"))
    context = {"filters": filters, "page": page, "can_decide": permissions.can_decide_corrections(request.user)}
    return render(request, "academics/staff/offerings.html", context)


def _grid_rows(enrolments, posted: dict, outcome_by_student: dict, pending: dict | None = None) -> list[dict]:
    pending = pending or {}
    rows = []
    for enrolment in enrolments:
        result = getattr(enrolment, "result", None)
        outcome = outcome_by_student.get(enrolment.student.student_id)
        error = outcome.message if outcome and outcome.status == "error" else ""
        # What was typed stays in the box when the row was refused; otherwise the box shows what is recorded.
        typed = posted.get(str(enrolment.pk)) if error else None
        shown = typed or {"value": result.value if result else "", "mark": result.mark if result else "", "reason": ""}
        rows.append(
            {
                "enrolment": enrolment,
                "result": result,
                **shown,
                "error": error,
                "version": result.version if result else 0,
                "pending_application": pending.get(enrolment.pk),
            }
        )
    return rows


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def offering_grid(request, pk):
    offering = _offering_for(request, pk)
    may_enter = permissions.can_enter_results(request.user, offering)
    today = timezone.localdate()
    phase = services.offering_phase(offering, today=today)
    dates = services.offering_phase_dates(offering)
    enrolments = list(selectors.offering_enrolments(offering=offering))
    posted, outcome_by_student, status = {}, {}, 200
    if request.method == "POST":
        if not may_enter:
            raise PermissionDenied
        rows = []
        for line, enrolment in enumerate(enrolments, start=1):
            key = str(enrolment.pk)
            if f"value_{key}" not in request.POST and f"mark_{key}" not in request.POST:
                continue
            typed = {
                "value": request.POST.get(f"value_{key}", "").strip()[:20],
                "mark": request.POST.get(f"mark_{key}", "").strip()[:20],
                "reason": request.POST.get(f"reason_{key}", "").strip()[:2000],
            }
            result = getattr(enrolment, "result", None)
            current = (result.value, result.mark) if result else ("", "")
            if (typed["value"], typed["mark"]) == current or (not result and not typed["value"] and not typed["mark"]):
                continue  # an untouched row
            posted[key] = typed
            try:
                version = int(request.POST.get(f"version_{key}", ""))
            except ValueError:
                version = None
            rows.append({"line": line, "student_id": enrolment.student.student_id, "version": version, **typed})
        if not rows:
            messages.info(request, _("Nothing was changed."))
            return redirect("academics_offering_grid", pk=offering.pk)
        outcome = services.results_save_rows(
            offering=offering, rows=rows, actor=request.user, source="grid", today=today, request=request
        )
        if not outcome.errors:
            messages.success(request, _("%(n)d results saved.") % {"n": outcome.saved})
            return redirect("academics_offering_grid", pk=offering.pk)
        outcome_by_student = {row.student_id: row for row in outcome.rows}
        messages.warning(
            request,
            _("%(saved)d results saved; %(errors)d rows were refused and changed nothing (see below).")
            % {"saved": outcome.saved, "errors": len(outcome.errors)},
        )
        status = 400
        # Saved rows show their new values: read them again (one query).
        enrolments = list(selectors.offering_enrolments(offering=offering))
    context = {
        "offering": offering,
        # Handbook: Assessment 21; Academic Rules 16: a deferral or drop waiting for the student's school is shown on
        # its row, so "absent" is not entered over it (an entered result makes it impossible to approve).
        "rows": _grid_rows(
            enrolments, posted, outcome_by_student, selectors.pending_exam_applications(offering=offering)
        ),
        "may_enter": may_enter,
        "phase": phase,
        "dates": dates,
        "marks": ResultMark.choices,
        "stable": phase == rules.ResultPhase.STABLE,
        "scale_grades": ", ".join(rules.GRADE_TABLES.get(rules.Scale(offering.course.scale), {}))
        or _("a whole number from 0 to 100"),
    }
    return render(request, "academics/staff/grid.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def offering_enrol(request, pk):
    offering = _offering_for(request, pk)
    if not permissions.can_enter_results(request.user, offering):
        raise PermissionDenied
    form = EnrolForm(*_bound(request))
    outcome, status = None, 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            outcome = services.enrolments_add_many(
                offering=offering,
                student_ids=form.cleaned_data["student_ids"],
                attempt=form.cleaned_data["attempt"],
                actor=request.user,
            )
            if not outcome.errors:
                messages.success(request, _("%(n)d students enrolled.") % {"n": outcome.saved})
                return redirect("academics_offering_grid", pk=offering.pk)
            status = 200
    return render(
        request, "academics/staff/enrol.html", {"offering": offering, "form": form, "outcome": outcome}, status=status
    )


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def offering_upload(request, pk):
    offering = _offering_for(request, pk)
    if not permissions.can_enter_results(request.user, offering):
        raise PermissionDenied
    form = ResultUploadForm(*_bound(request, files=True))
    outcome, status = None, 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                outcome = services.results_import_csv(
                    offering=offering, upload=form.cleaned_data["file"], actor=request.user, request=request
                )
            except services.ResultFileError as exc:
                form.add_error("file", str(exc))
            else:
                status = 200
    context = {"offering": offering, "form": form, "outcome": outcome, "header": services.CSV_HEADER}
    return render(request, "academics/staff/upload.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def result_correction(request, pk):
    _check_viewer(request)
    result = (
        Result.objects.visible_to(request.user)
        .select_related("enrolment__student", "enrolment__offering__course", "enrolment__offering__semester")
        .filter(pk=pk)
        .first()
    )
    if result is None:
        raise Http404
    offering = result.enrolment.offering
    if not permissions.can_enter_results(request.user, offering):
        raise PermissionDenied
    form = CorrectionRequestForm(*_bound(request))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.correction_request(
                    result=result,
                    value=form.cleaned_data["value"],
                    mark=form.cleaned_data["mark"],
                    reason=form.cleaned_data["reason"],
                    actor=request.user,
                    request=request,
                )
            except ConflictError as exc:
                messages.error(request, str(exc))
                return redirect("academics_offering_grid", pk=offering.pk)
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("Correction requested. The International College will decide."))
                return redirect("academics_offering_grid", pk=offering.pk)
    history = result.changes.select_related("by").order_by("at", "pk")
    context = {"result": result, "offering": offering, "form": form, "history": history}
    return render(request, "academics/staff/correction_request.html", context, status=status)


@require_safe
@staff_required
def correction_queue(request):
    if not permissions.can_decide_corrections(request.user):
        raise PermissionDenied
    page = Paginator(selectors.correction_queue(user=request.user), 50).get_page(request.GET.get("page"))
    return render(request, "academics/staff/corrections.html", {"page": page})


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def correction_decide(request, pk):
    if not permissions.can_decide_corrections(request.user):
        raise PermissionDenied
    correction = (
        CorrectionRequest.objects.visible_to(request.user)
        .select_related(
            "result__enrolment__student", "result__enrolment__offering__course", "result__enrolment__offering__semester"
        )
        .filter(pk=pk)
        .first()
    )
    if correction is None:
        raise Http404
    form = CorrectionDecisionForm(*_bound(request))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid() and correction.state == CorrectionState.PENDING:
            try:
                services.correction_decide(
                    correction=correction,
                    approve=form.cleaned_data["decision"] == "approve",
                    note=form.cleaned_data["note"],
                    actor=request.user,
                    request=request,
                )
            except ConflictError as exc:
                messages.error(request, str(exc))
                return redirect("academics_correction_queue")
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("Decision recorded."))
                return redirect("academics_correction_queue")
    return render(
        request, "academics/staff/correction_decide.html", {"correction": correction, "form": form}, status=status
    )


# --- Staff: a student's record, transcripts -------------------------------------------------------------------


@require_safe
@staff_required
def student_record(request, student_id):
    _check_viewer(request)
    student = selectors.student_get(user=request.user, student_id=student_id)
    if student is None:
        raise Http404
    record = selectors.student_academic_record(student=student)
    context = {
        "student": student,
        "record": record,
        "standing": selectors.credit_standing(student=student, record=record),
        "can_print": permissions.can_print_transcripts(request.user),
    }
    return render(request, "academics/staff/student_record.html", context)


@require_POST
@staff_required
def student_transcript(request, student_id):
    _check_viewer(request)
    student = selectors.student_get(user=request.user, student_id=student_id)
    if student is None:
        raise Http404
    try:
        document = services.transcript_request(
            user=request.user,
            student=student,
            study_abroad=request.POST.get("study_abroad") == "1",
            language=_language(),
        )
    except ValidationError as exc:
        raise PermissionDenied(str(exc)) from None
    return redirect("document_detail", pk=document.pk)


@require_safe
@staff_required
def credit_warnings(request):
    _check_viewer(request)
    filters = SchoolFilterForm(request.GET or None, user=request.user)
    school = filters.cleaned_data.get("school") if filters.is_valid() else None
    warnings = selectors.credit_warnings(user=request.user, school_id=school.pk if school else None)
    page = Paginator(warnings, 50).get_page(request.GET.get("page"))
    return render(request, "academics/staff/warnings.html", {"page": page, "filters": filters})


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def transcript_batch(request):
    if not permissions.can_print_transcript_batches(request.user):
        raise PermissionDenied
    initial = {"student_ids": request.GET.get("student_id", "")[:20]} if request.method != "POST" else None
    form = TranscriptBatchForm(*_bound(request), user=request.user, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            students = portal_selectors.student_list(
                user=request.user, school_id=data["school"].pk if data["school"] else None
            )
            if data["enrolment_year"]:
                students = students.filter(enrolment_year=data["enrolment_year"])
            if data["programme"]:
                students = students.filter(programme=data["programme"])
            if data["student_ids"]:
                students = students.filter(student_id__in=data["student_ids"])
            found = list(students.values_list("student_id", flat=True)[: BATCH_MAX_STUDENTS + 1])
            if len(found) > BATCH_MAX_STUDENTS:
                form.add_error(None, _("More than %(max)d students: narrow the choice.") % {"max": BATCH_MAX_STUDENTS})
            elif not found:
                form.add_error(None, _("No student you can see matches."))
            else:
                missing = [sid for sid in data["student_ids"] if sid not in set(found)]
                document = services.transcript_batch_request(
                    user=request.user,
                    student_ids=found,
                    title=_("Official transcripts: %(count)d students") % {"count": len(found)},
                    study_abroad=data["study_abroad"],
                    output=data["output"],
                    language=_language(),
                )
                if missing:
                    shown = ", ".join(missing[:50]) + (" …" if len(missing) > 50 else "")
                    messages.warning(
                        request,
                        _("%(count)d student IDs were not found among the students you can see: %(ids)s")
                        % {"count": len(missing), "ids": shown},
                    )
                return redirect("document_detail", pk=document.pk)
    return render(request, "academics/staff/transcript_batch.html", {"form": form}, status=status)
