"""The International College's semester calendar: the pre-registration window, the registration day and place, and
the deferral limit, per semester."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from portal.decorators import staff_required
from portal.models import Semester
from registration.permissions import can_manage_semesters
from registration.services.semesters import CALENDAR_FIELDS, semester_save


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class SemesterForm(forms.ModelForm):
    class Meta:
        model = Semester
        fields = list(CALENDAR_FIELDS)
        widgets = {
            "starts_on": DateInput(),
            "ends_on": DateInput(),
            "registration_day": DateInput(),
            "preregistration_opens_at": DateTimeInput(),
            "preregistration_closes_at": DateTimeInput(),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("preregistration_opens_at", "preregistration_closes_at"):
            self.fields[name].input_formats = ["%Y-%m-%dT%H:%M"]
        for name in ("starts_on", "ends_on", "registration_day"):
            self.fields[name].input_formats = ["%Y-%m-%d"]

    def _post_clean(self):
        # The calendar is checked (and saved) by the service, not by ModelForm's instance validation, so its reasons
        # land on the fields once, in the user's language.
        pass


def _check(request) -> None:
    if not can_manage_semesters(request.user):
        raise PermissionDenied


@require_safe
@staff_required
def semester_list(request):
    _check(request)
    semesters = Semester.objects.order_by("-starts_on")
    return render(request, "registration/staff/semesters.html", {"semesters": semesters})


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def semester_edit(request, pk=None):
    _check(request)
    semester = get_object_or_404(Semester, pk=pk) if pk is not None else None
    form = SemesterForm(request.POST or None, instance=semester)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                saved = semester_save(data=form.cleaned_data, user=request.user, semester=semester)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("Saved: %(name)s.") % {"name": saved.localized_name()})
                return redirect("registration_semester_list")
        status = 400
    return render(request, "registration/staff/semester_form.html", {"form": form, "semester": semester}, status=status)
