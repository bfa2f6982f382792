"""The onsite check-in desk: type or scan a student ID, check the documents against the approved data, stamp."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from portal.decorators import staff_required
from portal.models import Student
from portal.services import ConflictError
from registration import services
from registration.models import SemesterRegistration
from registration.permissions import can_register_at_desk


class DeskLookupForm(forms.Form):
    student_id = forms.CharField(
        label=gettext_lazy("Student ID"),
        max_length=20,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off", "inputmode": "numeric"}),
    )


class DeskRegisterForm(forms.Form):
    student_id = forms.CharField(max_length=20, widget=forms.HiddenInput)
    documents_checked = forms.BooleanField(
        label=gettext_lazy("I checked the passport and the residence permit against the details above."),
        required=False,
    )


def _desk_student(user, student_id: str) -> Student | None:
    return Student.objects.visible_to(user).select_related("user", "school").filter(student_id=student_id).first()


def _render_desk(request, *, semester, lookup, view=None, register_form=None, status=200):
    today = timezone.localdate()
    recent = (
        SemesterRegistration.objects.filter(semester=semester, registered_at__date=today)
        .select_related("student", "registered_by")
        .order_by("-registered_at")[:15]
        if semester
        else []
    )
    context = {
        "semester": semester,
        "lookup": lookup,
        "view": view,
        "register_form": register_form,
        "recent": recent,
        "registered_today": SemesterRegistration.objects.filter(semester=semester, registered_at__date=today).count()
        if semester
        else 0,
    }
    return render(request, "registration/staff/desk.html", context, status=status)


@require_safe
@staff_required
def registration_desk(request):
    if not can_register_at_desk(request.user):
        raise PermissionDenied
    semester = services.desk_semester()
    lookup = DeskLookupForm(request.GET or None)
    if semester is None:
        messages.error(request, _("No semester has a registration day yet."))
        return _render_desk(request, semester=None, lookup=lookup)
    if not lookup.is_bound:
        return _render_desk(request, semester=semester, lookup=lookup)
    if not lookup.is_valid():
        return _render_desk(request, semester=semester, lookup=lookup, status=400)
    student_id = lookup.cleaned_data["student_id"].strip()
    student = _desk_student(request.user, student_id)
    if student is None:
        lookup.add_error("student_id", _("No student has the ID %(id)s.") % {"id": student_id})
        return _render_desk(request, semester=semester, lookup=lookup, status=404)
    view = services.desk_view(student=student, semester=semester, user=request.user)
    register_form = DeskRegisterForm(initial={"student_id": student.student_id})
    return _render_desk(request, semester=semester, lookup=lookup, view=view, register_form=register_form)


@require_POST
@staff_required
def registration_desk_register(request):
    if not can_register_at_desk(request.user):
        raise PermissionDenied
    semester = services.desk_semester()
    posted = DeskRegisterForm(request.POST)
    if semester is None or not posted.is_valid():
        messages.error(request, _("Look the student up first."))
        return redirect("registration_desk")
    student = _desk_student(request.user, posted.cleaned_data["student_id"])
    if student is None:
        messages.error(request, _("No student has the ID %(id)s.") % {"id": posted.cleaned_data["student_id"]})
        return redirect("registration_desk")
    lookup = DeskLookupForm({"student_id": student.student_id})
    lookup.is_valid()
    try:
        registration = services.semester_register_at_desk(
            student=student,
            semester=semester,
            staff=request.user,
            documents_checked=posted.cleaned_data["documents_checked"],
        )
    except ConflictError as exc:
        messages.error(request, str(exc))
        return redirect(f"{reverse('registration_desk')}?student_id={student.student_id}")
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for name, errors in exc.message_dict.items():
                posted.add_error(name if name in posted.fields else None, errors)
        else:
            posted.add_error(None, exc.messages)
        view = services.desk_view(student=student, semester=semester, user=request.user)
        return _render_desk(request, semester=semester, lookup=lookup, view=view, register_form=posted, status=400)
    message = _("%(id)s %(name)s is registered for %(semester)s.") % {
        "id": student.student_id,
        "name": student.name_latin,
        "semester": semester.localized_name(),
    }
    if registration.late_without_leave:
        message += " " + _("Late without leave: the missed days count as absence.")
    messages.success(request, message)
    # Straight back to an empty lookup: the next student in the queue is scanned at once.
    return redirect("registration_desk")
