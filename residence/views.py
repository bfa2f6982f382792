"""Residence pages: the student's records and obligations with guided updates, and the office's board and review."""

import csv

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from portal.decorators import staff_required, student_required
from portal.forms import add_service_errors
from portal.permissions import identity_number_for
from portal.services import ConflictError
from residence import rules, selectors, services
from residence.forms import (
    RECORD_FORMS,
    RECORD_TITLES,
    BoardFilterForm,
    LetterDecisionForm,
    LetterQueueFilterForm,
    LetterRequestForm,
    PassportLossForm,
    RecordDecisionForm,
)
from residence.models import LetterState, PassportReason
from residence.permissions import can_review_records, can_view_board

# HANDBOOK Residence 8: what a new student brings to apply for a residence permit.
NEW_PERMIT_CHECKLIST = [
    gettext_lazy("A certification issued by the International College (ask for it in the portal)."),
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


_add_errors = add_service_errors


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
    if request.GET.get("format") == "csv":
        return _board_csv(selectors.board_export(user=request.user, today=today, filters=values), today)
    page, obligations = selectors.board_page(
        user=request.user, today=today, filters=values, number=request.GET.get("page"), per_page=BOARD_PAGE_SIZE
    )
    context = {
        "filters": filters,
        "page": page,
        "rows": [{"o": o, "bucket": rules.board_bucket(due=o.due, today=today)} for o in obligations],
        "counts": selectors.board_counts(user=request.user, today=today, filters=values),
        "losses": selectors.board_open_losses(user=request.user)[:20],
        "letters_waiting": selectors.letters_waiting_count(user=request.user),
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
        "letters": selectors.student_letters(student=student),
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


# --- Certification letters ------------------------------------------------------------------------------------------


def _letter_rows(letters):
    """Each letter with its PDFs (one query for all of the student's letters' documents)."""
    letters = list(letters)
    documents = {}
    if letters:
        from portal.models import GeneratedDocument

        for document in GeneratedDocument.objects.filter(
            owner_id=letters[0].student.user_id, kind=services.DOCUMENT_KIND
        ).order_by("-created_at"):
            documents.setdefault(document.parameters.get("letter_id"), []).append(document)
    return [{"letter": letter, "documents": documents.get(letter.pk, [])} for letter in letters]


@require_http_methods(["GET", "HEAD", "POST"])
@student_required
def residence_letters(request):
    student = request.user.student
    form = LetterRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.letter_request(
                student=student,
                purpose=form.cleaned_data["purpose"],
                note=form.cleaned_data["note"],
                requested_by=request.user,
            )
        except ConflictError as exc:
            form.add_error("purpose", str(exc))
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Your request was sent. The International College will prepare the letter."))
            return redirect("residence_letters")
    status = 400 if request.method == "POST" else 200
    context = {
        "form": form,
        "rows": _letter_rows(selectors.student_letters(student=student).select_related("student")),
        "checklist": NEW_PERMIT_CHECKLIST,
        "languages": settings.LANGUAGES,
    }
    return render(request, "residence/student/letters.html", context, status=status)


@require_POST
@student_required
def residence_letter_pdf(request, pk):
    letter = selectors.letter_get(user=request.user, pk=pk)
    if letter is None or letter.student.user_id != request.user.pk:
        raise Http404
    language = request.POST.get("language") or translation.get_language() or settings.LANGUAGE_CODE
    try:
        document = services.letter_document(letter=letter, user=request.user, language=language)
    except ValidationError as exc:
        return HttpResponse(" ".join(exc.messages), status=400, content_type="text/plain; charset=utf-8")
    return redirect("document_detail", pk=document.pk)


LETTER_PAGE_SIZE = 50


@require_safe
@staff_required
def residence_letter_queue(request):
    if not can_view_board(request.user):
        raise PermissionDenied
    filters = LetterQueueFilterForm(request.GET or None)
    state = (filters.cleaned_data.get("state") if filters.is_valid() else "") or LetterState.REQUESTED
    letters = selectors.letter_queue(user=request.user, state=state)
    page = Paginator(letters, LETTER_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filters": filters,
        "state": state,
        "page": page,
        "can_review": can_review_records(request.user),
    }
    return render(request, "residence/staff/letters.html", context)


@require_POST
@staff_required
def residence_letter_decide(request, pk):
    letter = selectors.letter_get(user=request.user, pk=pk)
    if letter is None:
        raise Http404
    if not can_review_records(request.user):
        raise PermissionDenied
    form = LetterDecisionForm(request.POST)
    if not form.is_valid():
        reasons = " ".join(str(e) for errors in form.errors.values() for e in errors)
        return HttpResponse(reasons, status=400, content_type="text/plain; charset=utf-8")
    try:
        letter = services.letter_decide(
            letter=letter,
            reviewer=request.user,
            approve=form.cleaned_data["decision"] == "approve",
            reason=form.cleaned_data["reason"],
        )
    except (ConflictError, ValidationError) as exc:
        # Already decided by a colleague, or the rules no longer allow the letter: said on the queue, nothing lost.
        messages.error(request, " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))
    else:
        if letter.state == LetterState.APPROVED:
            messages.success(
                request, _("Letter %(number)s approved; the student can download it.") % {"number": letter.number}
            )
        else:
            messages.success(request, _("Request rejected; the student has been told why."))
    return redirect("residence_letter_queue")
