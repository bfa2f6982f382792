"""Attendance pages for staff: record an absence, see the term's absences with what the rules make of them, and a
student's records with the withdrawal of a mistaken one.

Handbook: Supplementary 32.VII; STATUS Art. 12.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from portal.decorators import staff_required
from portal.forms import add_service_errors
from portal.models import Student
from portal.services import ConflictError
from registration import services
from registration.models import Absence
from registration.permissions import can_record_attendance, can_view_status_work

DATE = forms.DateInput(attrs={"type": "date"})
PAGE_SIZE = 50


class AbsenceForm(forms.Form):
    student_id = forms.CharField(label=gettext_lazy("Student ID"), max_length=20)
    first_day = forms.DateField(label=gettext_lazy("Absent from"), widget=DATE)
    last_day = forms.DateField(label=gettext_lazy("Absent until"), widget=DATE)
    note = forms.CharField(label=gettext_lazy("Note (optional)"), max_length=500, required=False)


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Why is this record wrong?"), max_length=500)


def _require_attendance_work(user) -> None:
    if not can_view_status_work(user):
        raise PermissionDenied


_add_errors = add_service_errors


def _visible_student(user, student_id: str) -> Student | None:
    return Student.objects.visible_to(user).filter(student_id=student_id.strip()).select_related("school").first()


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def attendance_list(request):
    _require_attendance_work(request.user)
    today = timezone.localdate()
    form = AbsenceForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        student = _visible_student(request.user, data["student_id"])
        if student is None or not can_record_attendance(request.user, student):
            form.add_error("student_id", _("No student with this ID among the students you can see."))
        else:
            try:
                services.absence_record(
                    student=student,
                    user=request.user,
                    first_day=data["first_day"],
                    last_day=data["last_day"],
                    note=data["note"],
                    today=today,
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            except ConflictError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("The absence is recorded."))
                return redirect("attendance_list")
    term = services.attendance_term(today)
    q = request.GET.get("q", "").strip()[:100]
    flagged_only = request.GET.get("flagged") == "1"
    rows = []
    if term is not None:
        students = Student.objects.visible_to(request.user)
        if q:
            students = students.filter(
                Q(student_id__icontains=q) | Q(name_latin__icontains=q) | Q(name_zh__icontains=q)
            )
        attendance = services.attendance_of(students=students, term=term).values()
        rows = sorted(
            (row for row in attendance if row.standing.flags or not flagged_only),
            key=lambda row: (-len(row.standing.flags), -row.standing.days_absent, row.student.student_id),
        )
    context = {
        "form": form,
        "term": term,
        "page": Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
        "q": q,
        "flagged_only": flagged_only,
    }
    return render(request, "registration/attendance/list.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "HEAD"])
@staff_required
def attendance_student(request, student_id):
    _require_attendance_work(request.user)
    student = _visible_student(request.user, student_id)
    if student is None:
        raise Http404
    term = services.attendance_term(timezone.localdate())
    attendance = services.attendance_of(students=[student], term=term).get(student.pk) if term else None
    absences = (
        Absence.objects.filter(student=student).select_related("recorded_by", "withdrawn_by").order_by("-first_day")
    )
    context = {
        "student": student,
        "term": term,
        "attendance": attendance,
        "absences": absences,
        "may_record": can_record_attendance(request.user, student),
        "withdraw_form": WithdrawForm(),
    }
    return render(request, "registration/attendance/student.html", context)


@require_POST
@staff_required
def attendance_withdraw(request, pk):
    _require_attendance_work(request.user)
    absence = (
        Absence.objects.filter(pk=pk, student__in=Student.objects.visible_to(request.user))
        .select_related("student")
        .first()
    )
    if absence is None:
        raise Http404
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the record is withdrawn."))
    else:
        try:
            services.absence_withdraw(absence=absence, user=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except ConflictError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The record is withdrawn; it stays in the history."))
    return redirect("attendance_student", student_id=absence.student.student_id)
