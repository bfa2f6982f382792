"""Fees: schedules, the append-only ledger per student, remittance confirmations, receipts and refund requests.

Handbook: fees/ 1.1.1 (all amounts in RMB, Decimal), 1.2 (degree students per academic year, non-degree per
semester). Money is an append-only ledger: a balance is the sum of entries and is never stored or edited.
The shared kernel (Student, School, Semester, Evidence and its review) lives in portal.models.
"""

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import AppendOnlyModel, Evidence, Semester, Student, User

MONEY = {"max_digits": 12, "decimal_places": 2}
ZERO = Decimal("0.00")


class FeeKind(models.TextChoices):
    TUITION = "tuition", _("Tuition")
    ACCOMMODATION = "accommodation", _("Accommodation")
    INTERNSHIP = "internship", _("Internship fee")
    OTHER = "other", _("Other fee")


class Program(models.TextChoices):
    # Handbook: fees/ 1.2.1-1.2.2
    DEGREE = "degree", _("Degree programme")
    NON_DEGREE = "non_degree", _("Non-degree (Chinese language) programme")


class Period(models.TextChoices):
    YEAR = "year", _("Per academic year")
    SEMESTER = "semester", _("Per semester")


class FeeSchedule(models.Model):
    """What a fee costs for an academic year: per programme (or degree level) and, for rooms, per room type."""

    kind = models.CharField(_("fee"), max_length=20, choices=FeeKind.choices)
    academic_year = models.CharField(_("academic year"), max_length=9, help_text=_("For example 2026-2027"))
    program = models.CharField(_("programme type"), max_length=20, choices=Program.choices, blank=True)
    programme = models.CharField(
        _("programme"), max_length=200, blank=True, help_text=_("Blank: every programme of the programme type.")
    )
    room_type = models.CharField(_("room type"), max_length=60, blank=True)
    period = models.CharField(_("billed"), max_length=20, choices=Period.choices)
    amount = models.DecimalField(_("amount (RMB)"), **MONEY)
    description = models.CharField(_("description"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", null=True, blank=True)

    class Meta:
        ordering = ["-academic_year", "kind", "program", "programme", "room_type"]
        verbose_name = _("fee schedule")
        verbose_name_plural = _("fee schedules")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="fee_schedule_amount_positive"),
            models.CheckConstraint(
                condition=Q(academic_year__regex=r"^[0-9]{4}-[0-9]{4}$"), name="fee_schedule_academic_year_format"
            ),
            models.UniqueConstraint(
                fields=["kind", "academic_year", "program", "programme", "room_type"], name="one_fee_schedule_per_item"
            ),
        ]

    def __str__(self):
        parts = [self.get_kind_display(), self.academic_year, self.programme or self.get_program_display()]
        if self.room_type:
            parts.append(self.room_type)
        return " ".join(str(part) for part in parts if part) + f": {self.amount} RMB"


class EntryType(models.TextChoices):
    """What a ledger entry does to the balance; the sign of `amount` follows the type (see the constraints)."""

    CHARGE = "charge", _("Charge")  # the student owes more (+)
    PAYMENT = "payment", _("Payment")  # money received (-)
    CREDIT = "credit", _("Credit")  # owed less without money moving: scholarship cover, refund write-off (-)
    REFUND = "refund", _("Refund paid out")  # money returned to the student (+)
    REVERSAL = "reversal", _("Reversal")  # cancels one earlier entry exactly (the opposite sign)


class Channel(models.TextChoices):
    # Handbook: GUIDE (tuition step): online payment platform, remittance, other (e-receipt)
    ONLINE = "online", _("Online payment platform")
    REMITTANCE = "remittance", _("Bank remittance")
    OTHER = "other", _("Other (e-receipt)")
    CASH_DESK = "cash_desk", _("Finance office desk")


class LedgerEntryQuerySet(models.QuerySet):
    def visible_to(self, user):
        from fees.permissions import ledger_scope

        return self.filter(ledger_scope(user))


class LedgerEntry(AppendOnlyModel):
    """One movement on a student's account, written once. A mistake is undone by a reversal entry, never an edit.

    `amount` is signed as its effect on what the student owes: charges and refunds paid out are positive,
    payments and credits negative, so a balance is one SUM.
    """

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="ledger_entries")
    entry_type = models.CharField(_("entry"), max_length=20, choices=EntryType.choices)
    fee_kind = models.CharField(_("fee"), max_length=20, choices=FeeKind.choices)
    academic_year = models.CharField(_("academic year"), max_length=9)
    # Set for what is billed per semester (non-degree tuition, accommodation by semester); blank for a year's fee.
    semester = models.ForeignKey(
        Semester, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("semester")
    )
    amount = models.DecimalField(_("amount (RMB)"), **MONEY)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, blank=True)
    # The payment platform's transaction number or the bank's reference; unique per channel so a statement
    # imported twice records nothing twice.
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    schedule = models.ForeignKey(FeeSchedule, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    reverses = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by")
    evidence = models.ForeignKey(Evidence, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    objects = LedgerEntryQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        indexes = [
            models.Index(fields=["student", "fee_kind", "academic_year"], name="ledger_student_year_idx"),
            models.Index(fields=["fee_kind", "academic_year"], name="ledger_year_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    (Q(entry_type__in=["charge", "refund"]) & Q(amount__gt=0))
                    | (Q(entry_type__in=["payment", "credit"]) & Q(amount__lt=0))
                    | (Q(entry_type="reversal") & ~Q(amount=0) & Q(reverses__isnull=False))
                ),
                name="ledger_entry_sign_follows_type",
            ),
            models.CheckConstraint(
                condition=Q(academic_year__regex=r"^[0-9]{4}-[0-9]{4}$"), name="ledger_entry_academic_year_format"
            ),
            models.CheckConstraint(
                condition=~Q(entry_type="payment") | ~Q(channel=""), name="ledger_payment_has_channel"
            ),
            models.UniqueConstraint(
                fields=["channel", "reference"],
                condition=Q(entry_type="payment") & ~Q(reference=""),
                name="one_payment_per_channel_reference",
            ),
        ]

    def __str__(self):
        return f"{self.student_id} {self.entry_type} {self.fee_kind} {self.academic_year} {self.amount}"

    @property
    def display_amount(self) -> Decimal:
        return abs(self.amount)


class RemittanceState(models.TextChoices):
    PENDING = "pending", _("Waiting for finance")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")


class RemittanceConfirmationQuerySet(models.QuerySet):
    def visible_to(self, user):
        from fees.permissions import ledger_scope

        return self.filter(ledger_scope(user))


class RemittanceConfirmation(models.Model):
    """A student's statement that they remitted tuition from abroad, with the bank slip; finance confirms the RMB
    amount the bank credited at that day's rate (Handbook: fees/ 1.1.1; GUIDE tuition step)."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="remittances")
    semester = models.ForeignKey(Semester, on_delete=models.PROTECT, related_name="+", verbose_name=_("semester"))
    academic_year = models.CharField(_("academic year"), max_length=9)
    slip = models.ForeignKey(Evidence, on_delete=models.PROTECT, related_name="+", verbose_name=_("bank slip"))
    amount = models.DecimalField(_("amount remitted"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3)
    remitted_on = models.DateField(_("remitted on"))
    payer_name = models.CharField(_("payer name"), max_length=200, blank=True)
    state = models.CharField(
        _("state"), max_length=20, choices=RemittanceState.choices, default=RemittanceState.PENDING
    )
    credited_rmb = models.DecimalField(_("RMB credited"), null=True, blank=True, **MONEY)
    reason = models.TextField(_("reason"), blank=True)
    payment = models.OneToOneField(
        LedgerEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="remittance"
    )
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    objects = RemittanceConfirmationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("remittance confirmation")
        verbose_name_plural = _("remittance confirmations")
        indexes = [models.Index(fields=["state", "created_at"], name="remittance_queue_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="remittance_amount_positive"),
            models.CheckConstraint(condition=Q(currency__regex=r"^[A-Z]{3}$"), name="remittance_currency_iso"),
            models.CheckConstraint(
                condition=~Q(state="confirmed") | (Q(credited_rmb__gt=0) & Q(payment__isnull=False)),
                name="confirmed_remittance_has_payment",
            ),
            models.CheckConstraint(condition=~Q(state="rejected") | ~Q(reason=""), name="rejected_remittance_reason"),
        ]

    def __str__(self):
        return f"{self.student_id} {self.amount} {self.currency} ({self.state})"


class ReceiptCounter(models.Model):
    """The last receipt number given out in a year, so receipt numbers run without gaps."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.year}: {self.last_number}"


class ReceiptQuerySet(models.QuerySet):
    def visible_to(self, user):
        from fees.permissions import ledger_scope

        return self.filter(ledger_scope(user))


class Receipt(models.Model):
    """The numbered receipt of one payment; its PDF is a generated document rendered from our template on request."""

    number = models.CharField(_("receipt number"), max_length=30, unique=True)
    payment = models.OneToOneField(LedgerEntry, on_delete=models.PROTECT, related_name="receipt")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="receipts")
    issued_at = models.DateTimeField(_("issued"), default=timezone.now)
    issued_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    objects = ReceiptQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")

    def __str__(self):
        return self.number


class RefundState(models.TextChoices):
    REQUESTED = "requested", _("Waiting for finance")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    PAID = "paid", _("Paid")


class NoRefundReason(models.TextChoices):
    # Handbook: fees/ 2.2.1 a-e (the keys are those of fees.rules.NO_REFUND_REASONS)
    LAW_VIOLATION = "law_violation", _("Violation of Chinese law with severe consequences")
    DISRUPTION = "disruption", _("Severe disruption of public or university order")
    ABSENT_TWO_WEEKS = "absent_two_weeks", _("Absent without approval two or more consecutive weeks")
    ATTENDANCE_BELOW_70 = "attendance_below_70", _("Attendance below 70% without a valid reason")
    LATE_REGISTRATION = "late_registration", _("Registration delayed more than two weeks without a valid reason")


class RefundRequestQuerySet(models.QuerySet):
    def visible_to(self, user):
        from fees.permissions import ledger_scope

        return self.filter(ledger_scope(user))


# The states in which a request blocks another one for the same academic year: a student withdraws once.
ACTIVE_REFUND_STATES = ("requested", "approved", "paid")


class RefundRequest(models.Model):
    """A student's request for a tuition refund (Handbook: fees/ 2.1-2.4).

    The portal's proposal is computed once from what it knows (programme type, the registration days of the
    semesters, the tuition paid on the ledger) and kept with the inputs it used, so finance sees the same numbers
    and the decision is recomputed from them with the preconditions finance checked. Finance's decision and the
    payout are kept beside it; every state change is also a RefundDecision row.
    """

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="refund_requests")
    academic_year = models.CharField(_("academic year"), max_length=9)
    semester = models.ForeignKey(Semester, on_delete=models.PROTECT, related_name="+", verbose_name=_("semester"))
    reason = models.TextField(_("reason for leaving"))
    completed_on = models.DateField(_("withdrawal and permit cancellation completed on"))
    bank_account_name = models.CharField(_("account holder"), max_length=200)
    bank_name = models.CharField(_("bank"), max_length=200)
    bank_account = models.CharField(_("account number / IBAN"), max_length=60)
    bank_swift = models.CharField(_("SWIFT code"), max_length=20, blank=True)
    # The inputs of fees.rules.refund as the portal found them when the student applied.
    program = models.CharField(_("programme type"), max_length=20, choices=Program.choices)
    registration_day = models.DateField(_("registration day of the semester paid for"))
    second_registration_day = models.DateField(_("registration day of the second semester"), null=True, blank=True)
    tuition_this_semester = models.DecimalField(_("tuition paid for this semester"), **MONEY)
    tuition_next_semester = models.DecimalField(_("tuition paid for the second semester"), default=ZERO, **MONEY)
    continuing_paid_next = models.BooleanField(_("paid the coming semester and does not continue"), default=False)
    proposed_amount = models.DecimalField(_("computed refund"), **MONEY)
    proposed_clause = models.CharField(_("clause"), max_length=20)
    proposed_explanation = models.TextField(_("explanation"))
    state = models.CharField(_("state"), max_length=20, choices=RefundState.choices, default=RefundState.REQUESTED)
    approved_amount = models.DecimalField(_("approved refund"), null=True, blank=True, **MONEY)
    decided_clause = models.CharField(_("clause applied"), max_length=20, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    permit_changed_in_time = models.BooleanField(_("permit changed within 3 days"), null=True)
    receipts_returned = models.BooleanField(_("original receipts returned"), null=True)
    no_refund_reason = models.CharField(
        _("left for a cause of 2.2.1"), max_length=30, choices=NoRefundReason.choices, blank=True
    )
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    paid_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    payout_reference = models.CharField(_("bank transfer reference"), max_length=100, blank=True)
    # The refunded tuition written off (a credit) and the money paid out (a refund entry), written together.
    credit_entry = models.OneToOneField(
        LedgerEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="refund_credited"
    )
    refund_entry = models.OneToOneField(
        LedgerEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="refund_paid"
    )
    version = models.PositiveIntegerField(default=1)

    objects = RefundRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("refund request")
        verbose_name_plural = _("refund requests")
        indexes = [models.Index(fields=["state", "created_at"], name="refund_queue_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(proposed_amount__gte=0), name="refund_proposal_not_negative"),
            models.CheckConstraint(
                condition=Q(approved_amount__isnull=True) | Q(approved_amount__gt=0),
                name="refund_approved_positive",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["approved", "paid"]) | Q(approved_amount__isnull=False),
                name="approved_refund_has_amount",
            ),
            models.CheckConstraint(
                condition=~Q(state="paid") | (Q(refund_entry__isnull=False) & Q(paid_at__isnull=False)),
                name="paid_refund_has_ledger_entry",
            ),
            models.CheckConstraint(
                condition=~Q(state="rejected") | ~Q(decision_reason=""), name="rejected_refund_reason"
            ),
            models.UniqueConstraint(
                fields=["student", "academic_year"],
                condition=Q(state__in=ACTIVE_REFUND_STATES),
                name="one_active_refund_per_year",
            ),
        ]

    def __str__(self):
        return f"{self.student_id} {self.academic_year} {self.state}"

    @property
    def state_css(self) -> str:
        """The portal's state colour for this state (static/portal/css/portal.css has no "requested" or "paid")."""
        return {RefundState.REQUESTED: "pending", RefundState.PAID: "done"}.get(self.state, self.state)

    @property
    def adjusted(self) -> bool:
        """Finance approved an amount other than the one the rules give for what it checked."""
        return self.approved_amount is not None and self.decided_clause == "adjusted"


class RefundDecision(AppendOnlyModel):
    """Every state change of a refund request: who, when, to what, with which amount and checks, and why."""

    request = models.ForeignKey(RefundRequest, on_delete=models.PROTECT, related_name="decisions")
    state = models.CharField(_("state"), max_length=20, choices=RefundState.choices)
    amount = models.DecimalField(_("amount (RMB)"), null=True, blank=True, **MONEY)
    clause = models.CharField(_("clause"), max_length=20, blank=True)
    permit_changed_in_time = models.BooleanField(null=True)
    receipts_returned = models.BooleanField(null=True)
    reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))
    decided_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["decided_at", "id"]
        verbose_name = _("refund decision")
        verbose_name_plural = _("refund decisions")

    def __str__(self):
        return f"{self.request_id} {self.state}"


class SuspensionCredit(AppendOnlyModel):
    """The unused tuition of a suspended student, credited once to the semester they resume in (Handbook: fees/
    2.3). One per student and suspended semester, so a second click credits nothing twice."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="suspension_credits")
    suspended_semester = models.ForeignKey(
        Semester, on_delete=models.PROTECT, related_name="+", verbose_name=_("semester suspended in")
    )
    resumption_semester = models.ForeignKey(
        Semester, on_delete=models.PROTECT, related_name="+", verbose_name=_("semester resumed in")
    )
    amount = models.DecimalField(_("credited (RMB)"), **MONEY)
    credit = models.OneToOneField(LedgerEntry, on_delete=models.PROTECT, related_name="suspension_credit")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("suspension credit")
        verbose_name_plural = _("suspension credits")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="suspension_credit_positive"),
            models.UniqueConstraint(
                fields=["student", "suspended_semester"], name="one_suspension_credit_per_semester"
            ),
        ]

    def __str__(self):
        return f"{self.student_id} {self.amount}"
