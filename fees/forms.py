"""Forms of the fees pages: input parsing only; the services decide."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from fees import rules
from fees.models import Channel, FeeKind
from portal.models import Semester

AMOUNT = {"max_digits": 12, "decimal_places": 2, "min_value": Decimal("0.01")}
DATE = forms.DateInput(attrs={"type": "date"})


class AcademicYearField(forms.RegexField):
    def __init__(self, **kwargs):
        super().__init__(
            regex=r"^\d{4}-\d{4}$",
            max_length=9,
            error_messages={"invalid": _("Enter the academic year as 2026-2027.")},
            **kwargs,
        )

    def clean(self, value):
        value = super().clean(value)
        if value:
            try:
                rules.academic_year_of(f"{value}-1")
            except ValueError:
                raise forms.ValidationError(_("Enter two consecutive years, as 2026-2027.")) from None
        return value


class PeriodForm(forms.Form):
    fee_kind = forms.ChoiceField(label=_("Fee"), choices=FeeKind.choices)
    academic_year = AcademicYearField(label=_("Academic year"))
    semester = forms.ModelChoiceField(
        label=_("Semester (only for fees billed per semester)"), queryset=Semester.objects.all(), required=False
    )


class ChargeForm(PeriodForm):
    amount = forms.DecimalField(label=_("Amount (RMB)"), **AMOUNT)
    description = forms.CharField(label=_("Description"), max_length=300, required=False)


class PaymentForm(PeriodForm):
    amount = forms.DecimalField(label=_("Amount received (RMB)"), **AMOUNT)
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    reference = forms.CharField(label=_("Transaction or bank reference"), max_length=100, required=False)
    paid_on = forms.DateField(label=_("Paid on"), widget=DATE)


class ReverseForm(forms.Form):
    reason = forms.CharField(label=_("Reason for the reversal"), max_length=300)


class RemittanceForm(forms.Form):
    semester = forms.ModelChoiceField(label=_("Semester"), queryset=Semester.objects.all())
    amount = forms.DecimalField(label=_("Amount remitted"), **AMOUNT)
    currency = forms.RegexField(
        label=_("Currency (three letters, e.g. USD)"),
        regex=r"^[A-Za-z]{3}$",
        max_length=3,
        error_messages={"invalid": _("Enter the three-letter currency code, for example USD.")},
    )
    remitted_on = forms.DateField(label=_("Remitted on"), widget=DATE)
    payer_name = forms.CharField(label=_("Name of the payer"), max_length=200, required=False)
    slip = forms.FileField(label=_("Bank slip (PDF, JPEG or PNG)"))


class RemittanceDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("confirm", _("Confirm the amount credited")), ("reject", _("Reject"))],
        widget=forms.RadioSelect,
    )
    credited_rmb = forms.DecimalField(label=_("RMB credited by the bank"), required=False, **AMOUNT)
    reason = forms.CharField(label=_("Reason (required to reject)"), max_length=1000, required=False)

    def clean(self):
        data = super().clean()
        if data.get("decision") == "confirm" and not data.get("credited_rmb"):
            self.add_error("credited_rmb", _("Enter the RMB amount the bank credited."))
        if data.get("decision") == "reject" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Say why the remittance is rejected."))
        return data


class EreceiptDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("accept", _("Accept and record the payment")), ("reject", _("Reject"))],
        widget=forms.RadioSelect,
    )
    amount = forms.DecimalField(label=_("Amount on the e-receipt (RMB)"), required=False, **AMOUNT)
    academic_year = AcademicYearField(label=_("Academic year"), required=False)
    semester = forms.ModelChoiceField(
        label=_("Semester (non-degree students)"), queryset=Semester.objects.all(), required=False
    )
    paid_on = forms.DateField(label=_("Paid on"), widget=DATE, required=False)
    reason = forms.CharField(label=_("Reason (required to reject)"), max_length=1000, required=False)

    def clean(self):
        data = super().clean()
        if data.get("decision") == "accept":
            for name in ("amount", "academic_year", "paid_on"):
                if not data.get(name):
                    self.add_error(name, _("Required to accept the e-receipt."))
        if data.get("decision") == "reject" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Say why the e-receipt is rejected."))
        return data


class StatementForm(forms.Form):
    file = forms.FileField(label=_("Payment platform statement (CSV)"))


class RefundCalculatorForm(forms.Form):
    program = forms.ChoiceField(
        label=_("Programme type"), choices=[(rules.DEGREE, _("Degree")), (rules.NON_DEGREE, _("Non-degree"))]
    )
    registration_day = forms.DateField(label=_("Registration day of the semester paid for"), widget=DATE)
    completed_on = forms.DateField(label=_("Withdrawal and permit cancellation completed on"), widget=DATE)
    tuition_this_semester = forms.DecimalField(
        label=_("Tuition paid for this semester (RMB)"), max_digits=12, decimal_places=2, min_value=0
    )
    tuition_next_semester = forms.DecimalField(
        label=_("Second semester's tuition paid with the year (degree, RMB)"),
        max_digits=12,
        decimal_places=2,
        min_value=0,
        required=False,
    )
    second_registration_day = forms.DateField(
        label=_("Registration day of the second semester (degree)"), widget=DATE, required=False
    )
    continuing_paid_next = forms.BooleanField(
        label=_("Non-degree student who paid the coming semester and does not continue"), required=False
    )
    no_refund_reason = forms.ChoiceField(
        label=_("Left for a cause of 2.2.1"),
        required=False,
        choices=[
            ("", _("None")),
            ("law_violation", _("Violation of Chinese law with severe consequences")),
            ("disruption", _("Severe disruption of public or university order")),
            ("absent_two_weeks", _("Absent without approval two or more consecutive weeks")),
            ("attendance_below_70", _("Attendance below 70% without a valid reason")),
            ("late_registration", _("Registration delayed more than two weeks without a valid reason")),
        ],
    )
    permit_changed_in_time = forms.BooleanField(
        label=_("Visa or permit changed within three days of the drop-out request"), required=False, initial=True
    )
    receipts_returned = forms.BooleanField(label=_("Original receipts handed back"), required=False, initial=True)


class BillingForm(forms.Form):
    semester = forms.ModelChoiceField(label=_("Semester to bill"), queryset=Semester.objects.all())


class RefundApplyForm(forms.Form):
    semester = forms.ModelChoiceField(
        label=_("Semester you paid for (degree students: any semester of the academic year)"),
        queryset=Semester.objects.order_by("-starts_on"),
    )
    completed_on = forms.DateField(label=_("Withdrawal and residence permit cancellation completed on"), widget=DATE)
    reason = forms.CharField(label=_("Why you are leaving"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    bank_account_name = forms.CharField(label=_("Account holder"), max_length=200)
    bank_name = forms.CharField(label=_("Bank"), max_length=200)
    bank_account = forms.CharField(label=_("Account number or IBAN"), max_length=60)
    bank_swift = forms.CharField(label=_("SWIFT code (banks outside China)"), max_length=20, required=False)


def _no_refund_choices():
    from fees.models import NoRefundReason

    return [("", _("None"))] + list(NoRefundReason.choices)


class RefundDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve the refund")), ("reject", _("Reject"))],
        widget=forms.RadioSelect,
    )
    permit_changed_in_time = forms.BooleanField(
        label=_("Visa or residence permit changed within three days of the drop-out request (2.4.1)"), required=False
    )
    receipts_returned = forms.BooleanField(label=_("Original payment receipts handed back (2.4.2)"), required=False)
    no_refund_reason = forms.ChoiceField(
        label=_("Left for a cause of 2.2.1"), choices=_no_refund_choices, required=False
    )
    amount = forms.DecimalField(
        label=_("Approved amount (RMB; blank: what the rules give)"),
        required=False,
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
    )
    reason = forms.CharField(
        label=_("Reason (required to reject or to approve another amount)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Say why the refund is refused; the student reads it."))
        return data


class RefundPaidForm(forms.Form):
    paid_on = forms.DateField(label=_("Paid on"), widget=DATE)
    reference = forms.CharField(label=_("Bank transfer reference"), max_length=100)
    version = forms.IntegerField(widget=forms.HiddenInput)


class SuspensionCreditForm(forms.Form):
    suspended_semester = forms.ModelChoiceField(
        label=_("Semester the student was suspended in"), queryset=Semester.objects.order_by("-starts_on")
    )
    resumption_semester = forms.ModelChoiceField(
        label=_("Semester the student resumes in"), queryset=Semester.objects.order_by("-starts_on")
    )


class InternshipFeeForm(forms.Form):
    academic_year = AcademicYearField(label=_("Academic year"))
    weeks = forms.DecimalField(
        label=_("Actual internship weeks (a part week counts as a week)"),
        max_digits=6,
        decimal_places=2,
        min_value=Decimal("0.01"),
    )
    yearly_tuition = forms.DecimalField(
        label=_("Yearly tuition (RMB; blank: from the fee schedule)"), required=False, **AMOUNT
    )
