"""Passport, visa, residence permit, physical-examination and insurance records; obligations and their reminders.

Every record is a version: a student's update adds a row with its evidence (portal Evidence) and never edits an
older one. The review state is the evidence's own (submitted / resubmitted / approved / rejected, decided through
portal.services); `is_current` marks the approved version the office goes by, at most one per student and kind.
The shared kernel (Student, School, Semester, Evidence and its review) lives in portal.models.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import Evidence, EvidenceKind, Notification, Student, User
from residence import rules


class VisaType(models.TextChoices):
    # Handbook: Residence 1
    X1 = rules.VisaType.X1.value, _("X1 (study over 180 days)")
    X2 = rules.VisaType.X2.value, _("X2 (study up to 180 days)")
    OTHER = rules.VisaType.OTHER.value, _("Other")


class ObligationKind(models.TextChoices):
    PERMIT_APPLICATION = rules.Obligation.PERMIT_APPLICATION.value, _("Apply for the residence permit (X1)")
    PHYSICAL_EXAM = rules.Obligation.PHYSICAL_EXAM.value, _("Physical examination verification")
    STAY_EXTENSION = rules.Obligation.STAY_EXTENSION.value, _("Extend the stay (X2)")
    PERMIT_EXTENSION = rules.Obligation.PERMIT_EXTENSION.value, _("Extend the residence permit")
    CHANGE_REPORT = rules.Obligation.CHANGE_REPORT.value, _("Report the change of permit data")
    INSURANCE_RENEWAL = rules.Obligation.INSURANCE_RENEWAL.value, _("Renew the insurance")
    PASSPORT_RENEWAL = rules.Obligation.PASSPORT_RENEWAL.value, _("Renew the passport")


class PassportReason(models.TextChoices):
    ON_RECORD = "on_record", _("Passport on record")
    CHANGE = "change", _("New passport (changed)")
    REPLACEMENT = "replacement", _("New passport after a loss")


class RecordQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The records this user may see: the student's own, or the students the user's role and school allow."""
        from residence.permissions import record_scope

        return self.filter(record_scope(user))

    def current(self):
        return self.filter(is_current=True)


class ResidenceRecord(models.Model):
    """One version of one of a student's documents, with the uploaded evidence that proves it."""

    EVIDENCE_KIND = EvidenceKind.OTHER

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="%(class)ss")
    evidence = models.OneToOneField(Evidence, on_delete=models.PROTECT, related_name="%(class)s")
    submitted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)
    # Set when the evidence is approved and this is the newest approved version; cleared when a newer one is.
    is_current = models.BooleanField(_("current"), default=False)

    objects = RecordQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["student"], condition=Q(is_current=True), name="%(app_label)s_%(class)s_one_current"
            ),
        ]

    @property
    def state(self) -> str:
        return self.evidence.state

    def get_state_display(self) -> str:
        return self.evidence.get_state_display()


class PassportRecord(ResidenceRecord):
    EVIDENCE_KIND = EvidenceKind.PASSPORT_PAGE

    number = models.CharField(_("passport number"), max_length=30)
    country = models.CharField(_("issuing country"), max_length=100)
    issued_on = models.DateField(_("issue date"))
    expires_on = models.DateField(_("expiry date"))
    reason = models.CharField(_("reason"), max_length=20, choices=PassportReason.choices)
    loss = models.ForeignKey(
        "PassportLoss", on_delete=models.PROTECT, null=True, blank=True, related_name="replacements"
    )

    class Meta(ResidenceRecord.Meta):
        verbose_name = _("passport")
        verbose_name_plural = _("passports")
        constraints = [
            *ResidenceRecord.Meta.constraints,
            models.CheckConstraint(
                condition=Q(expires_on__gt=models.F("issued_on")), name="passport_expires_after_issue"
            ),
            models.CheckConstraint(
                condition=~Q(reason="replacement") | Q(loss__isnull=False), name="passport_replacement_names_loss"
            ),
        ]

    def __str__(self):
        return f"{self.student.student_id} passport {self.number}"


class PassportLossState(models.TextChoices):
    REPORTED = "reported", _("Reported, waiting for the new passport")
    REPLACED = "replaced", _("Replaced by the new passport")


class PassportLoss(models.Model):
    """A lost passport, reported at once (HANDBOOK Residence 6); closed when the new passport is approved."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="passport_losses")
    lost_on = models.DateField(_("lost on"))
    circumstances = models.TextField(_("where and how"), blank=True)
    reported_at = models.DateTimeField(_("reported"), default=timezone.now)
    reported_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(
        _("state"), max_length=20, choices=PassportLossState.choices, default=PassportLossState.REPORTED
    )
    replaced_at = models.DateTimeField(_("replaced"), null=True, blank=True)

    class Meta:
        ordering = ["-reported_at"]
        verbose_name = _("passport loss")
        verbose_name_plural = _("passport losses")
        constraints = [
            models.UniqueConstraint(
                fields=["student"], condition=Q(state="reported"), name="one_open_passport_loss_per_student"
            ),
        ]

    def __str__(self):
        return f"{self.student.student_id} passport lost {self.lost_on}"


class VisaRecord(ResidenceRecord):
    EVIDENCE_KIND = EvidenceKind.VISA_PAGE

    visa_type = models.CharField(_("visa type"), max_length=10, choices=VisaType.choices)
    number = models.CharField(_("visa number"), max_length=40, blank=True)
    entry_date = models.DateField(_("date of entry"))
    permitted_stay_days = models.PositiveSmallIntegerField(_("permitted stay (days)"), null=True, blank=True)

    class Meta(ResidenceRecord.Meta):
        verbose_name = _("visa")
        verbose_name_plural = _("visas")
        constraints = [
            *ResidenceRecord.Meta.constraints,
            models.CheckConstraint(
                condition=~Q(visa_type="x2") | Q(permitted_stay_days__gt=0), name="x2_visa_states_its_stay"
            ),
        ]

    def __str__(self):
        return f"{self.student.student_id} {self.visa_type} entered {self.entry_date}"


class ResidencePermitRecord(ResidenceRecord):
    EVIDENCE_KIND = EvidenceKind.VISA_PAGE

    number = models.CharField(_("residence permit number"), max_length=40)
    issued_on = models.DateField(_("issue date"))
    expires_on = models.DateField(_("expiry date"))

    class Meta(ResidenceRecord.Meta):
        verbose_name = _("residence permit")
        verbose_name_plural = _("residence permits")
        constraints = [
            *ResidenceRecord.Meta.constraints,
            models.CheckConstraint(
                condition=Q(expires_on__gt=models.F("issued_on")), name="permit_expires_after_issue"
            ),
        ]

    def __str__(self):
        return f"{self.student.student_id} permit until {self.expires_on}"


class PhysicalExamRecord(ResidenceRecord):
    EVIDENCE_KIND = EvidenceKind.PHYSICAL_EXAM

    certificate_number = models.CharField(_("certificate number"), max_length=60, blank=True)
    verified_on = models.DateField(_("verified on"))

    class Meta(ResidenceRecord.Meta):
        verbose_name = _("physical examination verification")
        verbose_name_plural = _("physical examination verifications")

    def __str__(self):
        return f"{self.student.student_id} physical exam verified {self.verified_on}"


class InsuranceRecord(ResidenceRecord):
    EVIDENCE_KIND = EvidenceKind.INSURANCE_PROOF

    certificate_number = models.CharField(_("insurance certificate number"), max_length=60)
    insurer = models.CharField(_("insurer"), max_length=200)
    starts_on = models.DateField(_("insured from"))
    ends_on = models.DateField(_("insured until"))

    class Meta(ResidenceRecord.Meta):
        verbose_name = _("insurance")
        verbose_name_plural = _("insurance records")
        constraints = [
            *ResidenceRecord.Meta.constraints,
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="insurance_period_ordered"),
        ]

    def __str__(self):
        return f"{self.student.student_id} insurance until {self.ends_on}"


RECORD_MODELS = {
    "passport": PassportRecord,
    "visa": VisaRecord,
    "permit": ResidencePermitRecord,
    "exam": PhysicalExamRecord,
    "insurance": InsuranceRecord,
}


class ObligationQuerySet(models.QuerySet):
    def visible_to(self, user):
        from portal.permissions import student_scope

        return self.filter(student_scope(user, prefix="student__"))

    def open(self):
        return self.filter(closed_at__isnull=True)


class Obligation(models.Model):
    """Something a student must do by a date, as the reminder job last computed it (within its horizon).

    An obligation is its student, kind and due date: renewing the document changes the date (a new obligation) and
    closes this one, so its remaining reminders are never sent.
    """

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="residence_obligations")
    kind = models.CharField(_("obligation"), max_length=30, choices=ObligationKind.choices)
    due = models.DateField(_("due"))
    # The handbook's date; `due` is earlier when that falls in a vacation (HANDBOOK Residence 4).
    legal_due = models.DateField(_("legal deadline"))
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = ObligationQuerySet.as_manager()

    class Meta:
        ordering = ["due", "id"]
        verbose_name = _("residence obligation")
        verbose_name_plural = _("residence obligations")
        constraints = [
            # Open ones only: an obligation that comes back after being closed starts afresh.
            models.UniqueConstraint(
                fields=["student", "kind", "due"],
                condition=Q(closed_at__isnull=True),
                name="one_open_obligation_per_kind_and_due",
            ),
            models.CheckConstraint(condition=Q(due__lte=models.F("legal_due")), name="obligation_due_not_after_law"),
        ]
        indexes = [
            models.Index(fields=["due"], condition=Q(closed_at__isnull=True), name="obligation_open_due_idx"),
        ]

    def __str__(self):
        return f"{self.student_id} {self.kind} due {self.due}"

    @property
    def moved_for_vacation(self) -> bool:
        return self.due != self.legal_due


class Reminder(models.Model):
    """One reminder of one obligation at one lead time (days before, or -1 overdue): sent once, by constraint."""

    # Indexed by the unique constraint below (obligation first); a second index would only slow the job's inserts.
    obligation = models.ForeignKey(Obligation, on_delete=models.CASCADE, related_name="reminders", db_index=False)
    lead_days = models.SmallIntegerField(_("lead time (days)"))
    # The job run that inserted the row (its emails are sent by run).
    run = models.UUIDField()
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    # Written in the same statement as its notification, whose id it takes from the notifications' sequence, so
    # the pair exists together; no database-level check, because on the heaviest day (tens of thousands of reminders
    # in one run) the deferred check of every row was a fifth of the job's time. Django still sets it to NULL when
    # the notification is deleted.
    notification = models.ForeignKey(
        Notification, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_constraint=False
    )

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = _("residence reminder")
        verbose_name_plural = _("residence reminders")
        constraints = [
            models.UniqueConstraint(fields=["obligation", "lead_days"], name="one_reminder_per_obligation_and_lead"),
            models.CheckConstraint(condition=Q(lead_days__gte=rules.OVERDUE), name="reminder_lead_is_days_or_overdue"),
        ]

    def __str__(self):
        return f"{self.obligation} reminded at {self.lead_days}"

    @property
    def is_overdue_notice(self) -> bool:
        return self.lead_days == rules.OVERDUE


# --- Certification letters ------------------------------------------------------------------------------------------


class LetterPurpose(models.TextChoices):
    PERMIT_EXTENSION = rules.LetterPurpose.PERMIT_EXTENSION.value, _("Extension of the residence permit")
    NEW_PERMIT = rules.LetterPurpose.NEW_PERMIT.value, _("Application for a new residence permit")


class LetterState(models.TextChoices):
    REQUESTED = "requested", _("Requested, waiting for the International College")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class LetterRequestQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The requests this user may see: a student's own; the students the user's role and school allow."""
        from residence.permissions import record_scope

        return self.filter(record_scope(user))


class LetterRequest(models.Model):
    """A student's request for the International College's certification letter (HANDBOOK Residence 4 and 8 (1)).

    Requested by the student, approved (numbered, the student's data fixed as it was certified) or rejected with a
    reason by the office; every change of state is a LetterEvent. The PDF is a GeneratedDocument of the student.
    """

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="residence_letters")
    purpose = models.CharField(_("purpose"), max_length=30, choices=LetterPurpose.choices)
    note = models.TextField(_("note to the office"), blank=True)
    state = models.CharField(_("state"), max_length=20, choices=LetterState.choices, default=LetterState.REQUESTED)
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    reason = models.TextField(_("reason for the rejection"), blank=True)
    # The letter's number is its year of issue and its place in that year's series (rules.letter_number).
    year = models.PositiveSmallIntegerField(_("year of issue"), null=True, blank=True)
    serial = models.PositiveIntegerField(_("serial number"), null=True, blank=True)
    number = models.CharField(_("letter number"), max_length=30, null=True, blank=True, unique=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    # What the letter certifies, fixed at approval, so a copy printed later (or in the other language) says the same.
    details = models.JSONField(default=dict, blank=True)

    objects = LetterRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("certification letter request")
        verbose_name_plural = _("certification letter requests")
        constraints = [
            models.UniqueConstraint(
                fields=["student", "purpose"],
                condition=Q(state="requested"),
                name="one_open_letter_request_per_purpose",
            ),
            models.UniqueConstraint(fields=["year", "serial"], name="one_letter_per_year_and_serial"),
            models.CheckConstraint(
                condition=~Q(state="approved")
                | Q(number__isnull=False, serial__isnull=False, year__isnull=False, issued_on__isnull=False),
                name="approved_letter_is_numbered",
            ),
            models.CheckConstraint(
                condition=Q(state="approved") | Q(number__isnull=True), name="only_approved_letters_have_a_number"
            ),
            models.CheckConstraint(condition=~Q(state="rejected") | ~Q(reason=""), name="rejected_letter_says_why"),
        ]
        indexes = [
            models.Index(fields=["requested_at"], condition=Q(state="requested"), name="letter_request_queue_idx"),
        ]

    def __str__(self):
        return f"{self.student.student_id} {self.purpose} letter {self.number or self.state}"


class LetterEvent(models.Model):
    """One change of a letter request's state: who, when, from what to what, and why (append-only)."""

    letter = models.ForeignKey(LetterRequest, on_delete=models.PROTECT, related_name="events")
    from_state = models.CharField(_("from"), max_length=20, choices=LetterState.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=20, choices=LetterState.choices)
    actor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("when"), default=timezone.now)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("certification letter event")
        verbose_name_plural = _("certification letter events")

    def __str__(self):
        return f"{self.letter_id}: {self.from_state or '-'} -> {self.to_state}"
