"""Forms of the residence pages: one per kind of record (each with its evidence file), the loss report, filters.

The forms check types; the handbook's checks (an expiry before the issue date, an X2 visa without its stay) stay in
residence.services, whose ValidationError lands on the same field names.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.forms import EvidenceFileField, ReviewDecisionForm
from portal.models import School
from residence.models import LetterPurpose, LetterState, ObligationKind, VisaType
from residence.rules import Bucket

FILE_ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def _date(label, required=True):
    return forms.DateField(label=label, required=required, widget=DateInput(), input_formats=["%Y-%m-%d"])


def _file(label):
    return EvidenceFileField(
        label=label,
        help_text=_("PDF, JPEG or PNG, at most 10 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": FILE_ACCEPT}),
    )


class PassportForm(forms.Form):
    number = forms.CharField(label=_("Passport number"), max_length=30)
    country = forms.CharField(label=_("Issuing country"), max_length=100)
    issued_on = _date(_("Issue date"))
    expires_on = _date(_("Expiry date"))
    file = _file(_("Passport photo page"))


class VisaForm(forms.Form):
    visa_type = forms.ChoiceField(label=_("Visa type"), choices=VisaType.choices)
    number = forms.CharField(label=_("Visa number"), max_length=40, required=False)
    entry_date = _date(_("Date of entry into China"))
    permitted_stay_days = forms.IntegerField(
        label=_("Permitted duration of stay (days)"),
        required=False,
        min_value=1,
        max_value=365,
        help_text=_("Shown on an X2 visa as the duration of each stay."),
    )
    file = _file(_("Visa page"))


class PermitForm(forms.Form):
    number = forms.CharField(label=_("Residence permit number"), max_length=40)
    issued_on = _date(_("Issue date"))
    expires_on = _date(_("Expiry date"))
    file = _file(_("Residence permit page"))


class ExamForm(forms.Form):
    certificate_number = forms.CharField(label=_("Certificate number"), max_length=60, required=False)
    verified_on = _date(_("Verified on"))
    file = _file(_("Certificate of Verification of Physical Examination Record"))


class InsuranceForm(forms.Form):
    certificate_number = forms.CharField(label=_("Insurance certificate number"), max_length=60)
    insurer = forms.CharField(label=_("Insurer"), max_length=200)
    starts_on = _date(_("Insured from"))
    ends_on = _date(_("Insured until"))
    file = _file(_("Insurance certificate or proof"))


RECORD_FORMS = {
    "passport": PassportForm,
    "visa": VisaForm,
    "permit": PermitForm,
    "exam": ExamForm,
    "insurance": InsuranceForm,
}

RECORD_TITLES = {
    "passport": _("Passport"),
    "visa": _("Visa"),
    "permit": _("Residence permit"),
    "exam": _("Physical examination verification"),
    "insurance": _("Insurance"),
}


class PassportLossForm(forms.Form):
    lost_on = _date(_("Date of the loss"))
    circumstances = forms.CharField(
        label=_("Where and how"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class RecordDecisionForm(ReviewDecisionForm):
    missing_reason = _("Say why the record is rejected, so the student can fix it.")


class BoardFilterForm(forms.Form):
    q = forms.CharField(label=_("Student ID or name"), required=False, max_length=100)
    kind = forms.ChoiceField(label=_("Obligation"), required=False, choices=[("", _("All")), *ObligationKind.choices])
    bucket = forms.ChoiceField(
        label=_("Due"),
        required=False,
        choices=[
            ("", _("All open")),
            (Bucket.OVERDUE.value, _("Overdue")),
            (Bucket.DUE_7.value, _("Within 7 days")),
            (Bucket.DUE_30.value, _("Within 30 days")),
            (Bucket.DUE_60.value, _("Within 60 days")),
        ],
    )
    school = forms.ModelChoiceField(label=_("School"), queryset=School.objects.all(), required=False)


class LetterRequestForm(forms.Form):
    purpose = forms.ChoiceField(
        label=_("What is the letter for?"), choices=LetterPurpose.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("Note to the International College (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class LetterDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve and number")), ("reject", _("Reject"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason (required to reject; the student sees it)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not (data.get("reason") or "").strip():
            raise forms.ValidationError(
                {"reason": _("Say why the letter is refused, so the student knows what to do.")}
            )
        return data


class LetterQueueFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), required=False, choices=LetterState.choices)
