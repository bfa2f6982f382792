"""The student's registration form, one Django form per step.

The forms check types (an email, a date, a file of an allowed kind) and which file a step needs; the handbook's
rules (an expiry in the past, an insurance that does not cover the semester) stay in registration.services, whose
ValidationError lands on the same field names, because every field here is named like the model field it fills.
"""

from django import forms
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.forms import EvidenceFileField
from portal.models import EvidenceKind, ReviewState
from registration.models import Housing, Location, RegistrationForm, TuitionPaymentType

FILE_ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        # The browser's date picker reads and writes ISO dates, whatever the page's language.
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def _date_field(label):
    return forms.DateField(label=label, required=False, widget=DateInput(), input_formats=["%Y-%m-%d"])


def _file_field(label):
    return EvidenceFileField(
        label=label,
        required=False,
        help_text=_("PDF, JPEG or PNG, at most 10 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": FILE_ACCEPT}),
    )


def _yes_no(value):
    return {"True": True, "False": False}.get(value)


class StepForm(forms.Form):
    """A step of the form. Fields are optional here: the service says in plain words what a step still needs."""

    upload_field: str | None = None
    upload_required_message = ""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, registration: RegistrationForm, **kwargs):
        self.registration = registration
        initial = {name: getattr(registration, name) for name in self.base_fields if hasattr(registration, name)}
        initial["version"] = registration.version
        # A file field's initial is the evidence already on the form, not a file to re-render.
        if self.upload_field:
            initial.pop(self.upload_field, None)
        super().__init__(*args, initial=initial, **kwargs)
        self.existing_upload = getattr(registration, self.upload_field) if self.upload_field else None
        if self.existing_upload is not None:
            self.fields[self.upload_field].help_text = format_html(
                '{} <a href="{}">{}</a> — {}',
                gettext("Uploaded:"),
                reverse("evidence_file", args=[self.existing_upload.pk]),
                self.existing_upload.original_name,
                gettext("replace it by choosing another file."),
            )

    def upload_kind(self) -> str | None:
        """The evidence kind of the step's file with the answers given, or None when the step needs no file."""
        return None

    def clean(self):
        data = super().clean()
        kind = self.upload_kind()
        # A file is asked for once: when a usable one is already on the form, the step saves without a new one. A
        # rejected file, or one of another kind (a fee receipt when the answer is now a lease), is not usable.
        usable = (
            self.existing_upload is not None
            and self.existing_upload.kind == kind
            and self.existing_upload.state != ReviewState.REJECTED
        )
        if kind and not data.get(self.upload_field) and not usable:
            if self.upload_field not in self.errors:
                self.add_error(self.upload_field, self.upload_required_message)
        return data

    def step_data(self) -> dict:
        """What the service validates: every answer except the version and the file."""
        return {k: v for k, v in self.cleaned_data.items() if k not in ("version", self.upload_field)}

    def make_read_only(self) -> None:
        for field in self.fields.values():
            field.disabled = True


class ContactsForm(StepForm):
    email = forms.EmailField(label=_("Email address"), required=False, max_length=254)
    phone = forms.CharField(label=_("Phone number"), required=False, max_length=30)


class PassportForm(StepForm):
    upload_field = "passport_scan"
    upload_required_message = _("Upload the photo page of the new passport.")

    passport_changed = forms.TypedChoiceField(
        label=_("Has your passport changed since the last registration?"),
        choices=[(True, _("Yes, I have a new passport")), (False, _("No, it is the same passport"))],
        coerce=_yes_no,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    new_passport_number = forms.CharField(label=_("New passport number"), required=False, max_length=30)
    new_passport_country = forms.CharField(label=_("Issuing country"), required=False, max_length=100)
    new_passport_issued_on = _date_field(_("New passport issue date"))
    new_passport_expires_on = _date_field(_("New passport expiry date"))
    passport_scan = _file_field(_("Photo page of the new passport"))

    def __init__(self, *args, registration: RegistrationForm, **kwargs):
        super().__init__(*args, registration=registration, **kwargs)
        # Most new passports come from the same country: start from the nationality on record.
        if not registration.new_passport_country:
            self.initial["new_passport_country"] = registration.student.nationality

    def upload_kind(self):
        return EvidenceKind.PASSPORT_PAGE if self.cleaned_data.get("passport_changed") else None


class TuitionForm(StepForm):
    upload_field = "tuition_receipt"
    upload_required_message = _("Upload the tuition e-receipt.")

    tuition_payment = forms.ChoiceField(
        label=_("How was the tuition paid?"),
        choices=TuitionPaymentType.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    tuition_receipt = _file_field(_("Tuition e-receipt (only for “Other”)"))

    def upload_kind(self):
        return (
            EvidenceKind.TUITION_RECEIPT
            if self.cleaned_data.get("tuition_payment") == TuitionPaymentType.OTHER
            else None
        )


class LocationForm(StepForm):
    upload_field = "insurance_proof"
    upload_required_message = _("Upload the insurance proof.")

    location = forms.ChoiceField(
        label=_("Where are you now?"), choices=Location.choices, required=False, widget=forms.RadioSelect
    )
    insurance_number = forms.CharField(
        label=_("Insurance certificate number (in China)"), required=False, max_length=60
    )
    insurance_starts_on = _date_field(_("Insurance from"))
    insurance_ends_on = _date_field(_("Insurance until"))
    insurance_proof = _file_field(_("Insurance proof (in China)"))

    def upload_kind(self):
        return EvidenceKind.INSURANCE_PROOF if self.cleaned_data.get("location") == Location.IN_CHINA else None


class HousingForm(StepForm):
    upload_field = "housing_proof"
    upload_required_message = _("Upload the accommodation fee e-receipt or your lease.")

    housing = forms.ChoiceField(
        label=_("Where do you live?"), choices=Housing.choices, required=False, widget=forms.RadioSelect
    )
    address = forms.CharField(label=_("Off-campus address"), required=False, max_length=300)
    housing_proof = _file_field(_("Accommodation fee e-receipt (on campus) or a lease in your own name (off campus)"))

    def upload_kind(self):
        return {
            Housing.ON_CAMPUS: EvidenceKind.ACCOMMODATION_RECEIPT,
            Housing.OFF_CAMPUS: EvidenceKind.HOUSING_LEASE,
        }.get(self.cleaned_data.get("housing"))


class PermitForm(StepForm):
    upload_field = "permit_scan"
    upload_required_message = _("Upload the latest page of your visa or residence permit.")

    permit_number = forms.CharField(label=_("Residence permit number"), required=False, max_length=40)
    permit_expires_on = _date_field(_("Residence permit expiry date"))
    permit_scan = _file_field(_("Latest page of the visa or residence permit"))

    def upload_kind(self):
        return EvidenceKind.VISA_PAGE


class AgreeForm(StepForm):
    agree = forms.BooleanField(
        label=_("I have read the registration regulations, and what I entered is true and complete."),
        required=False,
    )

    def __init__(self, *args, registration: RegistrationForm, **kwargs):
        from registration.services import scholarship_statement_due

        super().__init__(*args, registration=registration, **kwargs)
        self.fields["agree"].initial = registration.agreed_at is not None
        # Handbook: Current Student Registration — scholarship students sign once per academic year.
        if scholarship_statement_due(registration):
            self.fields["sign_statement"] = forms.BooleanField(
                label=_(
                    "I sign the registration statement for scholarship students for this academic year: I will "
                    "study and live by the university's regulations and the terms of my scholarship, and I know "
                    "the scholarship is suspended or withdrawn when I do not."
                ),
                required=False,
            )


STEP_FORMS: dict[str, type[StepForm]] = {
    "contacts": ContactsForm,
    "passport": PassportForm,
    "tuition": TuitionForm,
    "location": LocationForm,
    "housing": HousingForm,
    "permit": PermitForm,
    "agree": AgreeForm,
}


# --- Deferred registration: leave of registration and the two-week list ------------------------------------------

# Imported here rather than at the top so this section stays a self-contained append to a shared module.
from portal.models import School, Semester  # noqa: E402
from registration.models import LeaveState, ListingKind, ListingOutcome  # noqa: E402


class LeaveApplyForm(forms.Form):
    """The student's application for leave of registration; the dates are checked by the service."""

    reason = forms.CharField(
        label=_("Why can you not come on the registration day?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    expected_on = forms.DateField(
        label=_("The day you expect to register"),
        widget=DateInput(),
        input_formats=["%Y-%m-%d"],
        help_text=_("In principle at most two weeks after the registration day; longer only for force majeure."),
    )
    proof = _file_field(_("Proof (a medical certificate, a flight cancellation, …), optional"))


class LeaveDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("reject", _("Reject"))],
        widget=forms.RadioSelect,
    )
    approved_until = forms.DateField(
        label=_("Leave until (to approve; empty means the date the student asked for)"),
        required=False,
        widget=DateInput(),
        input_formats=["%Y-%m-%d"],
    )
    reason = forms.CharField(
        label=_("Reason (required to reject; the student sees it)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Say why the leave is refused; the student sees it."))
        return data


class ListingDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("confirm", _("Confirm: the student's status is cancelled from today")),
            ("keep", _("Keep the student (a reason is required)")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason (required to keep the student)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "keep" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Say why the student is kept; it stays on the record."))
        return data


class LeaveQueueFilterForm(forms.Form):
    """Filters of the leave queue; without any, the applications waiting for a decision."""

    q = forms.CharField(label=_("Student ID or name"), required=False, max_length=100)
    state = forms.ChoiceField(label=_("State"), required=False, choices=[("", _("Any state")), *LeaveState.choices])
    semester = forms.ModelChoiceField(label=_("Semester"), queryset=Semester.objects.all(), required=False)
    school = forms.ModelChoiceField(label=_("School"), queryset=School.objects.all(), required=False)


class TwoWeekListFilterForm(forms.Form):
    """Filters of the two-week list; without any, the listings waiting for a decision."""

    q = forms.CharField(label=_("Student ID or name"), required=False, max_length=100)
    kind = forms.ChoiceField(label=_("List"), required=False, choices=[("", _("Both lists")), *ListingKind.choices])
    outcome = forms.ChoiceField(label=_("Decision"), required=False, choices=[("", _("Any")), *ListingOutcome.choices])
    semester = forms.ModelChoiceField(label=_("Semester"), queryset=Semester.objects.all(), required=False)
    school = forms.ModelChoiceField(label=_("School"), queryset=School.objects.all(), required=False)
