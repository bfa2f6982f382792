"""Semester registration: one online pre-registration form per student and semester, reviewed item by item.

The shared kernel (Student, School, Semester, Evidence and its review) lives in portal.models.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import AppendOnlyModel, Evidence, Semester, Student, User


class FormStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted for review")
    RETURNED = "returned", _("Returned for corrections")
    APPROVED = "approved", _("Approved")


class TuitionPaymentType(models.TextChoices):
    # Handbook: GUIDE (tuition step)
    ONLINE = "online", _("Online payment platform")
    REMITTANCE = "remittance", _("Bank remittance")
    OTHER = "other", _("Other (upload the e-receipt)")


class Location(models.TextChoices):
    IN_CHINA = "in_china", _("In China")
    ABROAD = "abroad", _("Abroad")


class Housing(models.TextChoices):
    ON_CAMPUS = "on_campus", _("On campus")
    OFF_CAMPUS = "off_campus", _("Off campus")


class ItemKind(models.TextChoices):
    """The parts of the form that staff review one by one (GUIDE steps 1-6)."""

    CONTACTS = "contacts", _("Contacts")
    PASSPORT = "passport", _("Passport")
    TUITION = "tuition", _("Tuition")
    INSURANCE = "insurance", _("Location and insurance")
    HOUSING = "housing", _("Housing")
    PERMIT = "permit", _("Visa / residence permit")


# The form fields each reviewed item covers: what a reviewer compares between two submissions.
ITEM_FIELDS = {
    ItemKind.CONTACTS: ("email", "phone"),
    ItemKind.PASSPORT: (
        "passport_changed",
        "new_passport_number",
        "new_passport_country",
        "new_passport_issued_on",
        "new_passport_expires_on",
        "passport_scan",
    ),
    ItemKind.TUITION: ("tuition_payment", "tuition_receipt"),
    ItemKind.INSURANCE: ("location", "insurance_number", "insurance_starts_on", "insurance_ends_on", "insurance_proof"),
    ItemKind.HOUSING: ("housing", "address", "housing_proof"),
    ItemKind.PERMIT: ("permit_number", "permit_expires_on", "permit_scan"),
}


# The upload each reviewed item carries, decided together with the item.
ITEM_EVIDENCE = {
    ItemKind.PASSPORT: "passport_scan",
    ItemKind.TUITION: "tuition_receipt",
    ItemKind.INSURANCE: "insurance_proof",
    ItemKind.HOUSING: "housing_proof",
    ItemKind.PERMIT: "permit_scan",
}


class ItemState(models.TextChoices):
    PENDING = "pending", _("Waiting for review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class RegistrationForm(models.Model):
    """What the student typed and uploaded for one semester; a draft until submitted, never lost."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="registration_forms")
    semester = models.ForeignKey(Semester, on_delete=models.PROTECT, related_name="registration_forms")
    status = models.CharField(_("status"), max_length=20, choices=FormStatus.choices, default=FormStatus.DRAFT)
    # Step 1: contacts
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    # Step 2: passport
    passport_changed = models.BooleanField(_("passport changed"), null=True)
    new_passport_number = models.CharField(_("new passport number"), max_length=30, blank=True)
    new_passport_expires_on = models.DateField(_("new passport expiry date"), null=True, blank=True)
    new_passport_issued_on = models.DateField(_("new passport issue date"), null=True, blank=True)
    new_passport_country = models.CharField(_("new passport issuing country"), max_length=100, blank=True)
    passport_scan = models.ForeignKey(Evidence, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # Step 3: tuition
    tuition_payment = models.CharField(
        _("tuition payment"), max_length=20, choices=TuitionPaymentType.choices, blank=True
    )
    tuition_receipt = models.ForeignKey(Evidence, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # Step 4: location and insurance
    location = models.CharField(_("current location"), max_length=20, choices=Location.choices, blank=True)
    insurance_number = models.CharField(_("insurance certificate number"), max_length=60, blank=True)
    insurance_starts_on = models.DateField(_("insurance from"), null=True, blank=True)
    insurance_ends_on = models.DateField(_("insurance until"), null=True, blank=True)
    insurance_proof = models.ForeignKey(Evidence, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # Step 5: housing
    housing = models.CharField(_("housing"), max_length=20, choices=Housing.choices, blank=True)
    address = models.CharField(_("off-campus address"), max_length=300, blank=True)
    housing_proof = models.ForeignKey(Evidence, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # Step 6: visa / residence permit
    permit_number = models.CharField(_("residence permit number"), max_length=40, blank=True)
    permit_expires_on = models.DateField(_("residence permit expiry date"), null=True, blank=True)
    permit_scan = models.ForeignKey(Evidence, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # Step 7: regulations
    agreed_at = models.DateTimeField(_("agreed to the regulations"), null=True, blank=True)

    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # Bumped by every write, so two people working on one form cannot overwrite each other unnoticed.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("registration form")
        verbose_name_plural = _("registration forms")
        constraints = [
            models.UniqueConstraint(fields=["student", "semester"], name="one_registration_form_per_semester"),
        ]
        indexes = [
            models.Index(fields=["semester", "status"], name="registration_queue_idx"),
            # The review queue's order: PostgreSQL walks it and stops after one page instead of sorting every form.
            models.Index(
                fields=["submitted_at", "id"], condition=~Q(status="draft"), name="registration_queue_order_idx"
            ),
        ]

    def __str__(self):
        return f"{self.student.student_id} {self.semester.code} ({self.status})"

    @property
    def in_china(self) -> bool:
        return self.location == Location.IN_CHINA


class RegistrationItem(models.Model):
    """One reviewed part of a submitted form, with the latest decision; every decision is kept in ItemDecision."""

    form = models.ForeignKey(RegistrationForm, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(_("item"), max_length=20, choices=ItemKind.choices)
    state = models.CharField(_("state"), max_length=20, choices=ItemState.choices, default=ItemState.PENDING)
    reason = models.TextField(_("reason for rejection"), blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["form", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["form", "kind"], name="one_item_of_each_kind_per_form"),
            models.CheckConstraint(condition=~Q(state="rejected") | ~Q(reason=""), name="rejected_item_has_reason"),
        ]

    def __str__(self):
        return f"{self.form_id}:{self.kind} {self.state}"


class ItemDecision(AppendOnlyModel):
    """A decision on an item: who, when, what and why; written once."""

    item = models.ForeignKey(RegistrationItem, on_delete=models.PROTECT, related_name="decisions")
    state = models.CharField(max_length=20, choices=ItemState.choices)
    reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["decided_at", "id"]


class FormSubmission(AppendOnlyModel):
    """What the form said each time it was submitted, so a reviewer sees what changed since the last round."""

    form = models.ForeignKey(RegistrationForm, on_delete=models.PROTECT, related_name="submissions")
    number = models.PositiveIntegerField()
    submitted_at = models.DateTimeField(default=timezone.now)
    snapshot = models.JSONField(default=dict)

    class Meta:
        ordering = ["form", "number"]
        constraints = [models.UniqueConstraint(fields=["form", "number"], name="one_snapshot_per_submission")]


class SemesterRegistration(models.Model):
    """The stamp: the student was registered for the semester at the onsite desk (NOTICE; Academic Rules 10)."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="semester_registrations")
    semester = models.ForeignKey(Semester, on_delete=models.PROTECT, related_name="registrations")
    registered_at = models.DateTimeField(_("registered"), default=timezone.now)
    registered_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    # Registered after the registration day without leave covering the day: allowed within the limit, but noted.
    late_without_leave = models.BooleanField(_("late without leave"), default=False)
    leave = models.ForeignKey(
        "RegistrationLeave", on_delete=models.PROTECT, null=True, blank=True, related_name="registrations"
    )
    # What the desk checked, as shown to the staff member when they stamped (passport number, permit expiry).
    checked = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-registered_at"]
        verbose_name = _("semester registration")
        verbose_name_plural = _("semester registrations")
        constraints = [
            models.UniqueConstraint(fields=["student", "semester"], name="registered_once_per_semester"),
        ]

    def __str__(self):
        return f"{self.student.student_id} registered for {self.semester.code}"


class LeaveState(models.TextChoices):
    PENDING = "pending", _("Waiting for a decision")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled by the student")


class RegistrationLeave(models.Model):
    """Leave of registration (deferred registration): the student cannot come on the day (Academic Rules 7, 10)."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="registration_leaves")
    semester = models.ForeignKey(Semester, on_delete=models.PROTECT, related_name="registration_leaves")
    reason = models.TextField(_("reason"))
    expected_on = models.DateField(_("expected registration date"))
    proof = models.ForeignKey(Evidence, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    state = models.CharField(_("state"), max_length=20, choices=LeaveState.choices, default=LeaveState.PENDING)
    # Staff may approve a shorter leave than asked; the approved date is what extends the last day to register.
    approved_until = models.DateField(_("approved until"), null=True, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("leave of registration")
        verbose_name_plural = _("leaves of registration")
        constraints = [
            models.UniqueConstraint(
                fields=["student", "semester"],
                condition=Q(state__in=["pending", "approved"]),
                name="one_open_registration_leave",
            ),
            models.CheckConstraint(
                condition=~Q(state="approved") | Q(approved_until__isnull=False), name="approved_leave_has_date"
            ),
            models.CheckConstraint(
                condition=~Q(state="rejected") | ~Q(decision_reason=""), name="rejected_leave_has_reason"
            ),
        ]

    def __str__(self):
        return f"{self.student.student_id} leave {self.semester.code} ({self.state})"


class LeaveDecision(AppendOnlyModel):
    """Every state change of a leave of registration: who, when, what and why."""

    leave = models.ForeignKey(RegistrationLeave, on_delete=models.PROTECT, related_name="decisions")
    state = models.CharField(max_length=20, choices=LeaveState.choices)
    approved_until = models.DateField(null=True, blank=True)
    reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["decided_at", "id"]


class ListingKind(models.TextChoices):
    # Handbook: Current Student Registration; New Student Registration 3
    TO_BE_WITHDRAWN = "to_be_withdrawn", _("To be withdrawn")
    ADMISSION_FORFEITED = "admission_forfeited", _("Admission forfeited")


class ListingOutcome(models.TextChoices):
    OPEN = "open", _("Waiting for a decision")
    CONFIRMED = "confirmed", _("Confirmed (status cancelled)")
    KEPT = "kept", _("Kept (not withdrawn)")


class TwoWeekListing(models.Model):
    """A student not registered within two weeks of the deadline without approved leave; staff decide, nothing is
    deleted."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="two_week_listings")
    semester = models.ForeignKey(Semester, on_delete=models.PROTECT, related_name="two_week_listings")
    kind = models.CharField(_("list"), max_length=30, choices=ListingKind.choices)
    registration_day = models.DateField(_("registration day"))
    last_day_to_register = models.DateField(_("last day to register"))
    listed_on = models.DateField(_("listed on"))
    outcome = models.CharField(_("outcome"), max_length=20, choices=ListingOutcome.choices, default=ListingOutcome.OPEN)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["listed_on", "student__student_id"]
        verbose_name = _("two-week listing")
        verbose_name_plural = _("two-week listings")
        constraints = [
            models.UniqueConstraint(fields=["student", "semester"], name="listed_once_per_semester"),
            models.CheckConstraint(
                condition=~Q(outcome="kept") | ~Q(decision_reason=""), name="kept_listing_has_reason"
            ),
        ]

    def __str__(self):
        return f"{self.student.student_id} {self.kind} {self.semester.code}"


class RegistrationReminder(models.Model):
    """One reminder to register, per student, semester and lead time: the constraint makes a second run send none."""

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="registration_reminders")
    semester = models.ForeignKey(Semester, on_delete=models.CASCADE, related_name="+")
    lead_days = models.PositiveSmallIntegerField()
    deadline = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["student", "semester", "deadline", "lead_days"], name="one_registration_reminder_per_lead"
            ),
        ]

    def __str__(self):
        return f"{self.student_id} reminded {self.lead_days} days before {self.deadline}"


class ScholarshipStatement(models.Model):
    """The scholarship registration statement, signed once per academic year by CSC and Confucius Institute
    scholarship students (HANDBOOK Current Student Registration)."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="scholarship_statements")
    academic_year = models.CharField(_("academic year"), max_length=9, help_text=_("For example 2026-2027"))
    signed_at = models.DateTimeField(_("signed"), default=timezone.now)
    form = models.ForeignKey(RegistrationForm, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    statement_version = models.CharField(max_length=20, default="1")

    class Meta:
        verbose_name = _("scholarship registration statement")
        verbose_name_plural = _("scholarship registration statements")
        constraints = [
            models.UniqueConstraint(fields=["student", "academic_year"], name="one_scholarship_statement_per_year"),
        ]

    def __str__(self):
        return f"{self.student.student_id} statement {self.academic_year}"


# --- Leaving the university: the clearance checklist and the Leaving School Form ---------------------------------


class LeavingReason(models.TextChoices):
    # Handbook: Leaving the University 2-3 (values match registration.rules.LeavingReason)
    GRADUATION = "graduation", _("Graduation")
    COMPLETION = "completion", _("Completion of studies")
    SUSPENSION = "suspension", _("Suspension of studies")
    WITHDRAWAL = "withdrawal", _("Withdrawal")
    DISMISSAL = "dismissal", _("Dismissal")
    EXPULSION = "expulsion", _("Expulsion")


class ClearanceKind(models.TextChoices):
    # Handbook: Leaving the University 1; LEAVING 2 (values match registration.rules.ClearanceKind)
    FEES = "fees", _("Fees settled")
    LIBRARY = "library", _("Library books returned, library card cancelled")
    PROPERTY = "property", _("University property returned")
    DORMITORY_KEYS = "dormitory_keys", _("Dormitory keys returned")
    SCHOOL = "school", _("The school's own leaving procedure")
    RESIDENCE_PERMIT = "residence_permit", _("Residence permit / visa changed at the exit-entry bureau")


class ClearanceHow(models.TextChoices):
    OFFICE = "office", _("Signed by the office")
    AUTOMATIC = "automatic", _("Completed automatically from the portal's records")
    ONLINE = "online", _("Completed online by the student")


class ClearanceWindow(models.Model):
    """The days the digital leaving-school system is open to students (LEAVING 4: e.g. June 20 - July 3)."""

    name = models.CharField(_("name"), max_length=100)
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"))
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-opens_on"]
        verbose_name = _("leaving-school window")
        verbose_name_plural = _("leaving-school windows")
        constraints = [
            models.CheckConstraint(condition=Q(closes_on__gte=models.F("opens_on")), name="clearance_window_order"),
        ]

    def __str__(self):
        return f"{self.name} {self.opens_on}..{self.closes_on}"


class ClearanceQuerySet(models.QuerySet):
    def visible_to(self, user):
        from portal.permissions import student_scope

        return self.filter(student_scope(user, prefix="student__"))


class Clearance(models.Model):
    """One student's leaving-school procedure: why and when they leave, and the checklist of items to clear."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="clearances")
    reason = models.CharField(_("reason for leaving"), max_length=20, choices=LeavingReason.choices)
    # The day of leaving (graduation, completion, suspension) or of the notice (withdrawal, dismissal, expulsion).
    effective_on = models.DateField(_("leaving or notice date"))
    move_out_by = models.DateField(_("move out by"))
    graduation_year = models.PositiveSmallIntegerField(_("graduation year"), null=True, blank=True)
    on_campus = models.BooleanField(_("lives on campus"), default=False)
    verification_number = models.CharField(_("verification number"), max_length=20, unique=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(_("all items done"), null=True, blank=True)
    # The last day an overdue reminder went out: claimed with a conditional update so a second run sends none.
    overdue_reminded_on = models.DateField(null=True, blank=True)

    objects = ClearanceQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("leaving-school clearance")
        verbose_name_plural = _("leaving-school clearances")
        constraints = [
            models.UniqueConstraint(
                fields=["student"], condition=Q(completed_at__isnull=True), name="one_open_clearance_per_student"
            ),
        ]
        indexes = [models.Index(fields=["move_out_by"], name="clearance_move_out_idx")]

    def __str__(self):
        return f"{self.student.student_id} clearance ({self.reason})"

    @property
    def is_complete(self) -> bool:
        return self.completed_at is not None


class ClearanceItem(models.Model):
    """One item of the checklist, signed off by its office or completed from the portal's records."""

    clearance = models.ForeignKey(Clearance, on_delete=models.PROTECT, related_name="items")
    kind = models.CharField(_("item"), max_length=30, choices=ClearanceKind.choices)
    # What the office says is still needed (books to return, a key missing); shown to the student.
    needs = models.CharField(_("still needed"), max_length=300, blank=True)
    # Book fees owed and books out (library item): the student may complete it online only when both are zero.
    owed = models.DecimalField(_("amount owed (RMB)"), max_digits=10, decimal_places=2, default=0)
    books_out = models.PositiveSmallIntegerField(_("books not returned"), default=0)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    done_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    done_how = models.CharField(max_length=20, choices=ClearanceHow.choices, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["clearance_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["clearance", "kind"], name="one_clearance_item_per_kind"),
            models.CheckConstraint(
                condition=Q(done_at__isnull=True) | ~Q(done_how=""), name="done_clearance_item_says_how"
            ),
        ]
        indexes = [models.Index(fields=["kind", "done_at"], name="clearance_item_queue_idx")]

    def __str__(self):
        return f"{self.clearance_id} {self.kind}"

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class ClearanceSignOff(AppendOnlyModel):
    """Every sign-off and every note on a clearance item: who, when, how (append-only)."""

    item = models.ForeignKey(ClearanceItem, on_delete=models.PROTECT, related_name="sign_offs")
    how = models.CharField(max_length=20, choices=ClearanceHow.choices, blank=True)
    note = models.TextField(blank=True)
    by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]


# --- Student status: leave of absence, suspension, resumption, withdrawal ------------------------------------------


class LeaveTier(models.Model):
    """One approval tier of leave of absence by length (HANDBOOK Academic Rules 13): data staff can change."""

    position = models.PositiveSmallIntegerField(_("order"), unique=True)
    name = models.CharField(_("name"), max_length=100)
    max_days = models.PositiveSmallIntegerField(_("at most this many days"), null=True, blank=True)
    max_months = models.PositiveSmallIntegerField(_("or shorter than this many months"), null=True, blank=True)
    route = models.JSONField(
        _("approval route"),
        help_text=_("Steps in order: adviser, school, international_college, academic_affairs."),
    )

    class Meta:
        ordering = ["position"]
        verbose_name = _("leave approval tier")
        verbose_name_plural = _("leave approval tiers")

    def __str__(self):
        return self.name

    def clean(self):
        from django.core.exceptions import ValidationError

        from registration.rules import LeaveStep

        steps = {step.value for step in LeaveStep}
        if not isinstance(self.route, list) or not self.route or any(step not in steps for step in self.route):
            raise ValidationError(
                {"route": _("A list of steps, each one of: %(steps)s.") % {"steps": ", ".join(sorted(steps))}}
            )


class StatusChangeKind(models.TextChoices):
    LEAVE = "leave", _("Leave of absence")
    SUSPENSION = "suspension", _("Suspension of studies")
    RESUMPTION = "resumption", _("Resumption of studies")
    WITHDRAWAL = "withdrawal", _("Withdrawal")
    DISMISSAL = "dismissal", _("Dismissal")


class StatusCategory(models.TextChoices):
    # Handbook: Academic Rules 13, 28 (leave: sick or personal; suspension: the reasons of Art. 28)
    SICK = "sick", _("Sick leave")
    PERSONAL = "personal", _("Personal leave")
    ILLNESS = "illness", _("Illness (certified)")
    INFECTIOUS_DISEASE = "infectious_disease", _("Infectious disease")
    CHILDBEARING = "childbearing", _("Child-bearing")
    OTHER = "other", _("Other approved reason")


class StatusChangeState(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class StatusChange(models.Model):
    """An application (or the office's decision) that changes a student's status, with its approval route."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="status_changes")
    kind = models.CharField(_("kind"), max_length=20, choices=StatusChangeKind.choices)
    category = models.CharField(_("category"), max_length=30, choices=StatusCategory.choices, blank=True)
    first_day = models.DateField(_("from"))
    last_day = models.DateField(_("until"), null=True, blank=True)
    reason = models.TextField(_("reason"))
    proof = models.ForeignKey(Evidence, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # Entered by staff first in an emergency (oral application); the student completes the written part after.
    emergency = models.BooleanField(_("emergency (entered by staff)"), default=False)
    # A resumption applied for after its term began (Academic Rules 31: before the term), still within the 2 weeks
    # of Supplementary 32.V: taken, and shown to the approvers as late.
    applied_late = models.BooleanField(_("applied after the term began"), default=False)
    route = models.JSONField(default=list)
    step = models.PositiveSmallIntegerField(default=0)
    state = models.CharField(
        _("state"), max_length=20, choices=StatusChangeState.choices, default=StatusChangeState.PENDING
    )
    suspension = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="resumptions")
    notice = models.ForeignKey(
        "portal.GeneratedDocument", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        constraints = [
            models.CheckConstraint(
                condition=Q(last_day__isnull=True) | Q(last_day__gte=models.F("first_day")),
                name="status_change_dates_in_order",
            ),
        ]

    def __str__(self):
        return f"{self.student_id} {self.kind} {self.state}"

    @property
    def current_step(self) -> str:
        return self.route[self.step] if self.state == StatusChangeState.PENDING and self.step < len(self.route) else ""


class StatusDecision(AppendOnlyModel):
    """Each step's decision on a status change: who, when, which step, and why (append-only)."""

    change = models.ForeignKey(StatusChange, on_delete=models.PROTECT, related_name="decisions")
    step = models.CharField(max_length=30)
    approved = models.BooleanField()
    reason = models.TextField(blank=True)
    by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]


class AbsenceQuerySet(models.QuerySet):
    def active(self):
        return self.filter(withdrawn_at__isnull=True)

    def overlapping(self, first_day, last_day):
        return self.filter(first_day__lte=last_day, last_day__gte=first_day)


class Absence(models.Model):
    """Days a student was absent from classes, as the school recorded them (attendance).

    Never deleted: a record entered by mistake is withdrawn with who, when and why, and stays in the history.
    """

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="absences")
    first_day = models.DateField(_("from"))
    last_day = models.DateField(_("until"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    withdrawn_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_reason = models.CharField(_("why withdrawn"), max_length=500, blank=True)

    objects = AbsenceQuerySet.as_manager()

    class Meta:
        ordering = ["-first_day", "-id"]
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        indexes = [models.Index(fields=["student", "first_day"], name="absence_student_day_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(last_day__gte=models.F("first_day")), name="absence_dates_in_order"),
        ]

    def __str__(self):
        return f"{self.student_id} {self.first_day}..{self.last_day}"


class AttendanceNotice(models.Model):
    """The student was told once per term that an attendance rule was met (unique: told once, not twice)."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    semester = models.ForeignKey(Semester, on_delete=models.PROTECT, related_name="+")
    flag = models.CharField(max_length=40)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["student", "semester", "flag"], name="one_attendance_notice_per_term"),
        ]

    def __str__(self):
        return f"{self.student_id} {self.semester_id} {self.flag}"


class DecisionKept(AppendOnlyModel):
    """The office decided to keep a student on a flag of its decision list (not resuming in time, attendance): who,
    when and why. The same flag from a later day (a new absence, a new suspension) is a new flag."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    flag = models.CharField(max_length=40)
    since = models.DateField()
    reason = models.TextField(_("reason"))
    by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at"]
        constraints = [
            models.UniqueConstraint(fields=["student", "flag", "since"], name="one_decision_per_flag"),
        ]

    def __str__(self):
        return f"{self.student_id} {self.flag} {self.since}"
