"""Residence pages: the student's records and obligations with guided updates, and the office's board and review."""

import csv

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from portal.decorators import staff_required, student_required
from portal.permissions import identity_number_for
from portal.services import ConflictError
from residence import rules, selectors, services
from residence.forms import RECORD_FORMS, RECORD_TITLES, BoardFilterForm, PassportLossForm, RecordDecisionForm
from residence.models import PassportReason
from residence.permissions import can_review_records, can_view_board

# HANDBOOK Residence 8: what a new student brings to apply for a residence permit.
NEW_PERMIT_CHECKLIST = [
    gettext_lazy("A certification issued by the International College (request it below)."),
    gettext_lazy("Passport."),
    gettext_lazy("The original third slip of the Visa Application for Study in China (Form JW201 or JW202)."),
    gettext_lazy("One duplicate copy of the Admission Notice."),
    gettext_lazy("One recent 2-inch photo (front, bareheaded, white background)."),
    gettext_lazy("The Certificate of Verification of Physical Examination Record, for studies of more than 6 months."),
    gettext_lazy("Residence registration certification from the dormitory office, if you live on campus."),
    gettext_lazy(
        "Temporary residence registration certification from the local police station, if you live off campus."
    ),
    gettext_lazy(
        "A certification of completion of study, a transcript and a certificate of attendance from your former "
        "school, if your permit was issued by another city."
    ),
]


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _obligation_rows(obligations, today):
    return [
        {"obligation": o, "bucket": rules.board_bucket(due=o.due, today=today), "reminders": list(o.reminders.all())}
        for o in obligations
    ]


@require_safe
@student_required
def residence_overview(request):
    student = request.user.student
    today = timezone.localdate()
    context = {
        "student": student,
        "histories": selectors.student_records(student=student),
        "titles": RECORD_TITLES,
        "obligations": _obligation_rows(selectors.student_obligations(student=student), today),
        "loss": selectors.open_loss(student=student),
        "checklist": NEW_PERMIT_CHECKLIST,
        "today": today,
    }
    return render(request, "residence/student/overview.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@student_required
def residence_update(request, kind):
    form_class = RECORD_FORMS.get(kind)
    if form_class is None:
        raise Http404
    student = request.user.student
    loss = selectors.open_loss(student=student) if kind == "passport" else None
    # The guided passport flows: a new passport after a reported loss, or a changed passport.
    reason = PassportReason.REPLACEMENT if loss else PassportReason.CHANGE if kind == "passport" else ""
    form = form_class(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        values = {name: value for name, value in form.cleaned_data.items() if name != "file"}
        try:
            services.record_submit(
                student=student,
                kind=kind,
                values=values,
                upload=form.cleaned_data["file"],
                submitted_by=request.user,
                reason=reason or PassportReason.ON_RECORD,
                loss=loss,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Saved. The International College will review it; you will be told."))
            return redirect("residence_overview")
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "kind": kind, "title": RECORD_TITLES[kind], "loss": loss, "reason": reason}
    return render(request, "residence/student/update.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@student_required
def residence_passport_lost(request):
    student = request.user.student
    form = PassportLossForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.passport_loss_report(
                student=student,
                lost_on=form.cleaned_data["lost_on"],
                circumstances=form.cleaned_data["circumstances"],
                reported_by=request.user,
            )
        except ConflictError as exc:
            messages.error(request, str(exc))
            return redirect("residence_overview")
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request, _("Your report was received. Follow the steps below, then upload the new passport.")
            )
            return redirect("residence_overview")
    status = 400 if request.method == "POST" else 200
    return render(request, "residence/student/passport_lost.html", {"form": form}, status=status)


# --- Staff ------------------------------------------------------------------------------------------------------


BOARD_PAGE_SIZE = 50


@require_safe
@staff_required
def residence_board(request):
    if not can_view_board(request.user):
        raise PermissionDenied
    today = timezone.localdate()
    filters = BoardFilterForm(request.GET or None)
    values = filters.cleaned_data if filters.is_valid() else {}
    obligations = selectors.board_obligations(user=request.user, today=today, filters=values)
    if request.GET.get("format") == "csv":
        return _board_csv(obligations, today)
    page = Paginator(obligations, BOARD_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filters": filters,
        "page": page,
        "rows": [{"o": o, "bucket": rules.board_bucket(due=o.due, today=today)} for o in page],
        "counts": selectors.board_counts(user=request.user, today=today, filters=values),
        "losses": selectors.board_open_losses(user=request.user)[:20],
        "today": today,
        "overdue": rules.OVERDUE,
    }
    return render(request, "residence/staff/board.html", context)


def _board_csv(obligations, today) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="residence-board-{today.isoformat()}.csv"'
    response.write("\ufeff")  # Excel opens UTF-8 (Chinese names) correctly only with the byte-order mark
    writer = csv.writer(response)
    writer.writerow(
        [_("Student ID"), _("Name"), _("School"), _("Obligation"), _("Due"), _("Legal deadline"), _("Days left"),
         _("Reminders sent"), _("Last reminded")]
    )  # fmt: skip
    for o in obligations.iterator(chunk_size=2000):
        writer.writerow(
            [
                o.student.student_id,
                o.student.name_latin,
                o.student.school.code,
                o.get_kind_display(),
                o.due.isoformat(),
                o.legal_due.isoformat(),
                rules.days_left(due=o.due, today=today),
                o.reminders_sent,
                o.last_reminded_at.isoformat() if o.last_reminded_at else "",
            ]
        )
    return response


@require_safe
@staff_required
def residence_student(request, student_id):
    student = selectors.student_get(user=request.user, student_id=student_id)
    if student is None:
        raise Http404
    today = timezone.localdate()
    context = {
        "student": student,
        "passport_number": identity_number_for(request.user, student.passport_number),
        "histories": selectors.student_records(student=student),
        "titles": RECORD_TITLES,
        "obligations": _obligation_rows(selectors.student_obligations(student=student), today),
        "loss": selectors.open_loss(student=student),
        "can_review": can_review_records(request.user),
        "decision_form": RecordDecisionForm(),
    }
    return render(request, "residence/staff/student.html", context)


@require_POST
@staff_required
def residence_record_decide(request, kind, pk):
    record = selectors.record_get(user=request.user, kind=kind, pk=pk)
    if record is None:
        raise Http404
    if not can_review_records(request.user):
        raise PermissionDenied
    form = RecordDecisionForm(request.POST)
    if not form.is_valid():
        return HttpResponse(" ".join(str(e) for errors in form.errors.values() for e in errors), status=400)
    try:
        services.record_decide(
            record=record,
            reviewer=request.user,
            approve=form.cleaned_data["decision"] == "approve",
            reason=form.cleaned_data["reason"],
        )
    except ConflictError as exc:
        messages.error(request, str(exc))
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("You may not decide on this record."))
    else:
        messages.success(request, _("Decision saved; the student has been told."))
    return redirect("residence_student", student_id=record.student.student_id)
