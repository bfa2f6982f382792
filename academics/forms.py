"""Forms of the academics pages: result upload, correction request and decision, transcript batch."""

import re

from django import forms
from django.core.validators import MinValueValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from academics.documents import BatchOutput
from academics.models import (
    Attempt,
    Course,
    DeferralReasonChoice,
    ExamApplicationKind,
    ExamApplicationState,
    Offering,
    ResultMark,
)
from academics.services import COURSE_FIELDS, OFFERING_FIELDS
from portal.forms import EvidenceFileField, ReviewDecisionForm
from portal.models import School, Semester, Student

# Pasted IDs are separated by new lines, commas, semicolons or spaces (a column copied from a spreadsheet).
ID_SEPARATORS = re.compile(r"[\s,;]+")
BATCH_MAX_STUDENTS = 5000


class OfferingFilterForm(forms.Form):
    semester = forms.ModelChoiceField(
        label=gettext_lazy("Semester"), queryset=Semester.objects.order_by("-starts_on"), required=False
    )
    q = forms.CharField(label=gettext_lazy("Course code or name"), required=False, max_length=100)


class EnrolForm(forms.Form):
    student_ids = forms.CharField(
        label=gettext_lazy("Student IDs"),
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false", "autocomplete": "off"}),
        help_text=gettext_lazy("One student ID per line (or separated by commas)."),
    )
    attempt = forms.ChoiceField(label=gettext_lazy("Attempt"), choices=Attempt.choices, initial=Attempt.FIRST)

    def clean_student_ids(self) -> list[str]:
        values = [value for value in ID_SEPARATORS.split(self.cleaned_data.get("student_ids") or "") if value]
        ids = list(dict.fromkeys(value[:20] for value in values))
        if not ids:
            raise forms.ValidationError(_("Paste at least one student ID."))
        if len(ids) > 500:
            raise forms.ValidationError(_("At most 500 students at once."))
        return ids


class SchoolFilterForm(forms.Form):
    school = forms.ModelChoiceField(
        label=gettext_lazy("School"), queryset=School.objects.none(), required=False, empty_label=gettext_lazy("All")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        visible = Student.objects.visible_to(user).values("school_id")
        self.fields["school"].queryset = School.objects.filter(pk__in=visible).order_by("code")


class ResultUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Results (CSV, UTF-8)"))


class CorrectionRequestForm(forms.Form):
    value = forms.CharField(label=gettext_lazy("Corrected result"), required=False, max_length=20)
    mark = forms.ChoiceField(
        label=gettext_lazy("Special mark"), required=False, choices=[("", "—"), *ResultMark.choices]
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class CorrectionDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[("approve", gettext_lazy("Approve and apply")), ("reject", gettext_lazy("Reject"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=gettext_lazy("Note (required to reject)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


class TranscriptBatchForm(forms.Form):
    school = forms.ModelChoiceField(
        label=gettext_lazy("School"),
        queryset=School.objects.none(),
        required=False,
        empty_label=gettext_lazy("All schools"),
    )
    enrolment_year = forms.IntegerField(
        label=gettext_lazy("Year of enrolment"), required=False, min_value=1990, max_value=2100
    )
    programme = forms.ChoiceField(label=gettext_lazy("Programme"), required=False)
    student_ids = forms.CharField(
        label=gettext_lazy("Student IDs"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "autocomplete": "off"}),
        help_text=gettext_lazy("One student ID per line (or separated by commas). Leave empty to use the filters."),
    )
    study_abroad = forms.BooleanField(label=gettext_lazy("Also print the study-abroad GPA"), required=False)
    output = forms.ChoiceField(
        label=gettext_lazy("Deliver as"),
        choices=BatchOutput.choices,
        initial=BatchOutput.PDF,
        widget=forms.RadioSelect,
        # Left out (an older bookmark or script), the batch is the merged PDF it always was.
        required=False,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        visible = Student.objects.visible_to(user)
        self.fields["school"].queryset = School.objects.filter(pk__in=visible.values("school_id")).order_by("code")
        programmes = visible.order_by("programme").values_list("programme", flat=True).distinct()
        self.fields["programme"].choices = [("", _("All programmes"))] + [(p, p) for p in programmes]

    def clean_student_ids(self) -> list[str]:
        values = [value for value in ID_SEPARATORS.split(self.cleaned_data.get("student_ids") or "") if value]
        ids = list(dict.fromkeys(value[:20] for value in values))
        if len(ids) > BATCH_MAX_STUDENTS:
            raise forms.ValidationError(
                _("At most %(max)d student IDs can be printed at once.") % {"max": BATCH_MAX_STUDENTS}
            )
        return ids

    def clean_output(self) -> str:
        return self.cleaned_data.get("output") or BatchOutput.PDF

    def clean(self):
        data = super().clean()
        chosen = [data.get(name) for name in ("school", "enrolment_year", "programme", "student_ids")]
        if not any(chosen) and not self.errors:
            raise forms.ValidationError(_("Choose a school, a year, a programme, or paste student IDs."))
        return data


# --- Applications to defer or give up an examination ---------------------------------------------------------------


class ExamApplicationForm(forms.Form):
    """The student's application; the handbook's conditions (reason, proof, dates) are checked by the service."""

    kind = forms.ChoiceField(
        label=gettext_lazy("I apply to"), choices=ExamApplicationKind.choices, widget=forms.RadioSelect
    )
    deferral_reason = forms.ChoiceField(
        label=gettext_lazy("Reason for a deferred assessment"),
        required=False,
        choices=[("", "—"), *DeferralReasonChoice.choices],
        help_text=gettext_lazy("Only these three reasons are accepted (Assessment 22)."),
    )
    statement = forms.CharField(
        label=gettext_lazy("Explanation"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    proof = EvidenceFileField(
        label=gettext_lazy("Proof (for a deferral: the hospital's, the family event's or the organiser's certificate)"),
        required=False,
        help_text=gettext_lazy("PDF, JPEG or PNG, at most 10 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("kind") == ExamApplicationKind.DEFERRAL and not data.get("deferral_reason"):
            self.add_error("deferral_reason", _("Choose the reason for the deferral."))
        return data


class MakeupApplicationForm(forms.Form):
    """A makeup of a result (Assessment 24): the student picks the later offering where it is sat, so the handbook's
    deadline (that examination) is known when applying; eligibility is checked by the service."""

    makeup_offering = forms.ModelChoiceField(
        label=gettext_lazy("Sit the makeup in"), queryset=Offering.objects.none(), empty_label=None
    )
    statement = forms.CharField(
        label=gettext_lazy("Explanation"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, offerings, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["makeup_offering"]
        field.queryset = offerings
        field.label_from_instance = lambda offering: (
            _("%(semester)s, examination on %(date)s")
            % {
                "semester": offering.semester.localized_name(),
                "date": offering.assessed_on or offering.semester.ends_on,
            }
        )


class ExamApplicationDecisionForm(ReviewDecisionForm):
    missing_reason = gettext_lazy("Say why the application is refused; the student sees it.")

    version = forms.IntegerField(widget=forms.HiddenInput)


class ExamApplicationFilterForm(forms.Form):
    """Filters of the school's queue; without any, the applications waiting for a decision."""

    q = forms.CharField(label=gettext_lazy("Student ID or name"), required=False, max_length=100)
    state = forms.ChoiceField(
        label=gettext_lazy("State"),
        required=False,
        choices=[("", gettext_lazy("Any state")), *ExamApplicationState.choices],
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Application"),
        required=False,
        choices=[("", gettext_lazy("Any kind")), *ExamApplicationKind.choices],
    )
    semester = forms.ModelChoiceField(
        label=gettext_lazy("Semester"), queryset=Semester.objects.order_by("-starts_on"), required=False
    )


# --- The catalogue ------------------------------------------------------------------------------------------------


class CourseForm(forms.ModelForm):
    """A course of the school; a school's own staff do not choose the school (it is theirs)."""

    class Meta:
        model = Course
        fields = list(COURSE_FIELDS)

    def __init__(self, *args, user, all_schools: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if all_schools:
            self.fields["school"].queryset = School.objects.order_by("code")
        else:
            del self.fields["school"]
        # The database refuses negative credits too (course_credits_not_negative); say it on the field first.
        self.fields["credits"].validators.append(MinValueValidator(0))
        self.fields["credits"].widget.attrs["min"] = "0"

    def clean_code(self) -> str:
        return (self.cleaned_data.get("code") or "").strip().upper()


class OfferingForm(forms.ModelForm):
    """A course taught in one semester: its assessment date starts the result phases (Assessment 31)."""

    class Meta:
        model = Offering
        fields = list(OFFERING_FIELDS)
        widgets = {"assessed_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, courses, all_schools: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = courses
        self.fields["semester"].queryset = Semester.objects.order_by("-starts_on")
        self.fields["assessed_on"].input_formats = ["%Y-%m-%d"]
        self.fields["assessed_on"].help_text = gettext_lazy("Blank: the last day of the semester.")
        if all_schools:
            self.fields["school"].queryset = School.objects.order_by("code")
            self.fields["school"].required = False
            self.fields["school"].help_text = gettext_lazy("Blank: the course's own school.")
        else:
            del self.fields["school"]
