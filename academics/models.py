"""Courses, their offerings per semester, enrolments, results with their append-only history, correction requests
and issued transcripts.

Handbook: academics/ (Assessment 9-38; Academic Rules 15-27). The pure rules (grade values, GPA, phases) live in
academics.rules; these models hold the data and what the database can guarantee. The shared kernel (Student,
School, Semester) lives in portal.models.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from academics import rules
from portal.models import AppendOnlyModel, Evidence, GeneratedDocument, School, Semester, Student


class Scale(models.TextChoices):
    # Handbook: Assessment 9, 12.
    HUNDRED = rules.Scale.HUNDRED, _("Hundred-mark (0-100)")
    FIVE = rules.Scale.FIVE, _("Five-grade (Distinction ... Fail)")
    LETTER = rules.Scale.LETTER, _("Letter (A+ ... F)")
    QUALIFIED = rules.Scale.QUALIFIED, _("Qualified / Unqualified")
    PASS_FAIL = rules.Scale.PASS_FAIL, _("Pass / Fail")


class CourseType(models.TextChoices):
    COMPULSORY = rules.CourseType.COMPULSORY, _("Compulsory")
    ELECTIVE = rules.CourseType.ELECTIVE, _("Elective")
    PRACTICAL = rules.CourseType.PRACTICAL, _("Practical")


class ResultMark(models.TextChoices):
    """Assessment 17-21, 25; Academic Rules 16; Supplementary 16: how a result was recorded besides its grade."""

    ABSENT = rules.Mark.ABSENT, _("Absent")
    VIOLATION = rules.Mark.VIOLATION, _("Discipline violation")
    DEFERRED = rules.Mark.DEFERRED, _("Deferred")
    GAVE_UP = rules.Mark.GAVE_UP, _("Gave up the examination")
    MAKEUP = rules.Mark.MAKEUP, _("Makeup")
    BARRED = rules.Mark.BARRED, _("Barred from the final")


class Attempt(models.TextChoices):
    FIRST = "first", _("First sitting")
    # Handbook: Academic Rules 20 (a passed course retaken to improve it, at most twice).
    RETAKE = "retake", _("Retake to improve")
    # Handbook: Assessment 24-25 (one makeup, recorded Pass/Fail/Absent).
    MAKEUP = "makeup", _("Makeup")


class Course(models.Model):
    school = models.ForeignKey(School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="courses")
    code = models.CharField(_("course code"), max_length=30, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    credits = models.DecimalField(_("credits"), max_digits=4, decimal_places=1)
    hours = models.PositiveSmallIntegerField(_("class hours"))
    scale = models.CharField(_("grading scale"), max_length=20, choices=Scale.choices, default=Scale.HUNDRED)
    course_type = models.CharField(_("course type"), max_length=20, choices=CourseType.choices)
    # Handbook: Supplementary 18 (a paper dictionary and 30 extra minutes unless the course says otherwise).
    exam_extra_minutes = models.PositiveSmallIntegerField(
        _("extra exam minutes"), null=True, blank=True, help_text=_("Blank: the handbook's 30 minutes.")
    )
    paper_dictionary_allowed = models.BooleanField(_("paper Chinese dictionary allowed"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        constraints = [
            models.CheckConstraint(condition=Q(credits__gte=0), name="course_credits_not_negative"),
        ]

    def __str__(self):
        return f"{self.code} {self.name_en}"

    def localized_name(self, language: str | None = None) -> str:
        from django.utils.translation import get_language

        return self.name_zh if (language or get_language() or "").startswith("zh") else self.name_en


class OfferingQuerySet(models.QuerySet):
    def visible_to(self, user):
        from academics.permissions import offering_scope

        return self.filter(offering_scope(user))


class Offering(models.Model):
    """A course taught in one semester by one school; its assessment date starts the result phases."""

    course = models.ForeignKey(Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="offerings")
    semester = models.ForeignKey(
        Semester, verbose_name=_("semester"), on_delete=models.PROTECT, related_name="offerings"
    )
    school = models.ForeignKey(School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="offerings")
    assessed_on = models.DateField(_("assessment date"), null=True, blank=True)
    exam_minutes = models.PositiveSmallIntegerField(_("exam length (minutes)"), default=120)

    objects = OfferingQuerySet.as_manager()

    class Meta:
        ordering = ["semester__starts_on", "course__code"]
        verbose_name = _("course offering")
        verbose_name_plural = _("course offerings")
        constraints = [
            models.UniqueConstraint(fields=["course", "semester", "school"], name="one_offering_per_course_term"),
        ]

    def __str__(self):
        return f"{self.course.code} {self.semester.code}"


class EnrolmentQuerySet(models.QuerySet):
    def visible_to(self, user):
        from academics.permissions import record_scope

        return self.filter(record_scope(user, prefix="student__"))


class Enrolment(models.Model):
    offering = models.ForeignKey(
        Offering, verbose_name=_("offering"), on_delete=models.PROTECT, related_name="enrolments"
    )
    student = models.ForeignKey(Student, verbose_name=_("student"), on_delete=models.PROTECT, related_name="enrolments")
    attempt = models.CharField(_("attempt"), max_length=20, choices=Attempt.choices, default=Attempt.FIRST)
    # Handbook: Assessment 21-22 (deferred only with an approved deferral for one of three reasons).
    deferral_reason = models.CharField(
        _("deferral reason"),
        max_length=40,
        blank=True,
        choices=[(reason.value, reason.value.replace("_", " ")) for reason in rules.DeferralReason],
    )
    deferral_approved_at = models.DateTimeField(_("deferral approved"), null=True, blank=True)
    # Handbook: Academic Rules 16 (the examination given up with a drop approved a week before it).
    drop_approved_on = models.DateField(_("exam drop approved on"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        ordering = ["student__student_id"]
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(fields=["offering", "student"], name="one_enrolment_per_offering"),
        ]

    def __str__(self):
        return f"{self.student.student_id} {self.offering}"


class ResultQuerySet(models.QuerySet):
    def visible_to(self, user):
        from academics.permissions import record_scope

        return self.filter(record_scope(user, prefix="enrolment__student__"))


class Result(models.Model):
    """The current result of one enrolment; every change is in ResultChange (who, when, why)."""

    enrolment = models.OneToOneField(Enrolment, on_delete=models.PROTECT, related_name="result")
    # The result in its canonical form ("86", "A-", "Pass"); blank when a mark alone says it (absent, deferred...).
    value = models.CharField(_("result"), max_length=20, blank=True)
    # The scale the result is recorded in: the course's, or Pass/Fail for a makeup (Assessment 25).
    scale = models.CharField(_("grading scale"), max_length=20, choices=Scale.choices)
    mark = models.CharField(_("special mark"), max_length=20, choices=ResultMark.choices, blank=True)
    # What the result counts in a GPA (None: not counted), kept so that lists need not recompute it.
    grade_value = models.DecimalField(_("grade value"), max_digits=3, decimal_places=1, null=True, blank=True)
    # Handbook: Assessment 31 (entry within 10 days; publicity until 20 days after the next semester begins).
    entry_ends_on = models.DateField(_("entry phase ends"))
    publicity_ends_on = models.DateField(_("publicity phase ends"), null=True, blank=True)
    entered_at = models.DateTimeField(_("entered"), default=timezone.now)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(_("last changed"), default=timezone.now)
    # Two members of staff saving one result: the second is told, nothing is lost.
    version = models.PositiveIntegerField(default=1)

    objects = ResultQuerySet.as_manager()

    class Meta:
        verbose_name = _("result")
        verbose_name_plural = _("results")
        constraints = [
            models.CheckConstraint(condition=~Q(value="") | ~Q(mark=""), name="result_has_value_or_mark"),
        ]

    def __str__(self):
        return f"{self.enrolment} {self.display()}"

    def display(self) -> str:
        mark = self.get_mark_display() if self.mark else ""
        if self.value and mark:
            return f"{self.value} ({mark})"
        return self.value or str(mark)

    def as_record(self) -> dict:
        """The mapping academics.rules reads (gpa, study_abroad_gpa, earned_credits)."""
        course = self.enrolment.offering.course
        return {
            "course": course.code,
            "credits": course.credits,
            "scale": self.scale,
            "result": int(self.value) if self.scale == Scale.HUNDRED and self.value.isdigit() else self.value,
            "mark": self.mark or None,
        }


class ResultChange(AppendOnlyModel):
    """One entry or change of a result: written once, never edited (Assessment 31-38: every change is audited)."""

    result = models.ForeignKey(Result, on_delete=models.PROTECT, related_name="changes")
    at = models.DateTimeField(_("when"), default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("who"), on_delete=models.PROTECT, related_name="+")
    old_value = models.CharField(_("old result"), max_length=20, blank=True)
    old_mark = models.CharField(_("old mark"), max_length=20, blank=True)
    new_value = models.CharField(_("new result"), max_length=20, blank=True)
    new_mark = models.CharField(_("new mark"), max_length=20, blank=True)
    phase = models.CharField(_("phase"), max_length=20)
    reason = models.TextField(_("reason"), blank=True)
    correction = models.ForeignKey(
        "CorrectionRequest", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    source = models.CharField(_("source"), max_length=20, default="grid")

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("result change")
        verbose_name_plural = _("result changes")


class CorrectionState(models.TextChoices):
    PENDING = "pending", _("Waiting for a decision")
    APPROVED = "approved", _("Approved and applied")
    REJECTED = "rejected", _("Rejected")


class CorrectionRequestQuerySet(models.QuerySet):
    def visible_to(self, user):
        from academics.permissions import record_scope

        return self.filter(record_scope(user, prefix="result__enrolment__student__"))


class CorrectionRequest(models.Model):
    """Assessment 38, 41: a change of a stable result, asked by the school with a reason, decided by the office."""

    result = models.ForeignKey(Result, on_delete=models.PROTECT, related_name="corrections")
    new_value = models.CharField(_("corrected result"), max_length=20, blank=True)
    new_mark = models.CharField(_("corrected mark"), max_length=20, choices=ResultMark.choices, blank=True)
    reason = models.TextField(_("reason"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    state = models.CharField(
        _("state"), max_length=20, choices=CorrectionState.choices, default=CorrectionState.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    objects = CorrectionRequestQuerySet.as_manager()

    class Meta:
        ordering = ["requested_at", "id"]
        verbose_name = _("result correction request")
        verbose_name_plural = _("result correction requests")
        constraints = [
            models.UniqueConstraint(
                fields=["result"], condition=Q(state="pending"), name="one_pending_correction_per_result"
            ),
        ]

    def __str__(self):
        return f"{self.result_id} -> {self.new_value or self.new_mark} ({self.state})"


class TranscriptIssue(AppendOnlyModel):
    """One official transcript issued: its verification number and the GPA it printed, for checking later."""

    verification_number = models.CharField(_("verification number"), max_length=30, unique=True)
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="transcripts")
    document = models.ForeignKey(GeneratedDocument, on_delete=models.PROTECT, related_name="+")
    official = models.BooleanField(default=True)
    cumulative_gpa = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    issued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("issued transcript")
        verbose_name_plural = _("issued transcripts")


class ExamApplicationKind(models.TextChoices):
    # Handbook: Assessment 21-23 (a deferred assessment) and Academic Rules 16 (giving up an examination).
    DEFERRAL = "deferral", _("Deferred assessment")
    DROP = "drop", _("Give up the examination")
    # Handbook: Assessment 24 (a failed, deferred or absent result is made up by application, in time).
    MAKEUP = "makeup", _("Makeup examination")


class DeferralReasonChoice(models.TextChoices):
    # Handbook: Assessment 21 (the only three reasons a deferral is granted for).
    HOSPITALISATION = rules.DeferralReason.HOSPITALISATION, _("Hospitalisation")
    FAMILY_FORCE_MAJEURE = rules.DeferralReason.FAMILY_FORCE_MAJEURE, _("Force majeure in the immediate family")
    REPRESENTING_UNIVERSITY = rules.DeferralReason.REPRESENTING_UNIVERSITY, _("Representing the university")


class ExamApplicationState(models.TextChoices):
    PENDING = "pending", _("Waiting for a decision")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn by the student")


OPEN_EXAM_APPLICATION_STATES = (ExamApplicationState.PENDING, ExamApplicationState.APPROVED)


class ExamApplicationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A student's own; staff those of their students and of the offerings they teach (the student's school
        decides; academics.permissions.exam_application_scope)."""
        from academics.permissions import exam_application_scope

        return self.filter(exam_application_scope(user))


class ExamApplication(models.Model):
    """A student's application to defer an assessment, give up an examination, or make up a failed, deferred or
    absent result, decided by the student's school."""

    enrolment = models.ForeignKey(
        Enrolment, verbose_name=_("enrolment"), on_delete=models.PROTECT, related_name="exam_applications"
    )
    kind = models.CharField(_("application"), max_length=20, choices=ExamApplicationKind.choices)
    deferral_reason = models.CharField(
        _("reason for deferral"), max_length=40, choices=DeferralReasonChoice.choices, blank=True
    )
    # A makeup is sat in a later offering of the same course, chosen by the student when applying: the handbook's
    # deadline for the application is that examination (Assessment 24), so eligibility cannot be judged without it.
    makeup_offering = models.ForeignKey(
        Offering,
        verbose_name=_("makeup sat in"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="makeup_applications",
    )
    statement = models.TextField(_("explanation"), blank=True)
    # Decided with the application (Evidence.reviewed_in = "academics"), so it never waits in the documents queue.
    proof = models.ForeignKey(
        Evidence, verbose_name=_("proof"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    state = models.CharField(
        _("state"), max_length=20, choices=ExamApplicationState.choices, default=ExamApplicationState.PENDING
    )
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("applied"), default=timezone.now)
    # Two members of staff deciding at once: the second is told, nothing is decided twice.
    version = models.PositiveIntegerField(default=1)

    objects = ExamApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("examination application")
        verbose_name_plural = _("examination applications")
        indexes = [models.Index(fields=["state", "created_at"], name="exam_application_queue_idx")]
        constraints = [
            # One examination is either deferred or given up, once: a new application only after a rejection.
            models.UniqueConstraint(
                fields=["enrolment"],
                condition=Q(state__in=["pending", "approved"]) & ~Q(kind="makeup"),
                name="one_open_exam_application",
            ),
            # One makeup per result (Assessment 24): it comes after the sitting, so a result deferred through an
            # approved deferral application may still be made up.
            models.UniqueConstraint(
                fields=["enrolment"],
                condition=Q(state__in=["pending", "approved"], kind="makeup"),
                name="one_open_makeup_application",
            ),
            models.CheckConstraint(
                condition=Q(kind="makeup", makeup_offering__isnull=False)
                | (~Q(kind="makeup") & Q(makeup_offering__isnull=True)),
                name="exam_makeup_has_offering",
            ),
            models.CheckConstraint(
                condition=~Q(kind="deferral") | ~Q(deferral_reason=""), name="exam_deferral_has_reason"
            ),
            models.CheckConstraint(
                condition=~Q(state="rejected") | ~Q(decision_reason=""), name="exam_rejection_has_reason"
            ),
            models.CheckConstraint(
                condition=Q(state__in=["pending", "withdrawn"]) | Q(decided_by__isnull=False),
                name="exam_decision_has_decider",
            ),
        ]

    def __str__(self):
        return f"{self.enrolment} {self.kind} ({self.state})"

    @property
    def is_pending(self) -> bool:
        return self.state == ExamApplicationState.PENDING


class ExamApplicationEvent(AppendOnlyModel):
    """Every state change of an examination application: who, when, from which state to which, and why."""

    application = models.ForeignKey(ExamApplication, on_delete=models.PROTECT, related_name="events")
    from_state = models.CharField(max_length=20, choices=ExamApplicationState.choices, blank=True)
    to_state = models.CharField(max_length=20, choices=ExamApplicationState.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("examination application event")
        verbose_name_plural = _("examination application events")

    def __str__(self):
        return f"{self.from_state or '-'} -> {self.to_state} by {self.actor_id} at {self.at:%Y-%m-%d %H:%M}"


# --- Progress and graduation requirements, academic warnings (Academic Rules 15, 35-41; Supplementary 32) ----------


class ProgrammeRequirement(models.Model):
    """What a programme needs for graduation and how long it normally takes; set by admins, read by the progress
    rules (Academic Rules 11, 15, 35-38). A student's programme is matched by name, ignoring case."""

    programme = models.CharField(
        _("programme"), max_length=200, help_text=_("As on the student records, for example Clinical Medicine (MBBS).")
    )
    graduation_credits = models.DecimalField(_("credits for graduation"), max_digits=5, decimal_places=1)
    normal_length_years = models.PositiveSmallIntegerField(_("normal length (years)"))
    # Handbook: Academic Rules 15 (30 a year; may be lower when the programme is longer than 4 years).
    yearly_minimum = models.DecimalField(
        _("yearly minimum of credits"),
        max_digits=4,
        decimal_places=1,
        default=rules.YEARLY_CREDIT_MINIMUM,
        help_text=_("Academic Rules 15: 30, or lower for a programme longer than 4 years."),
    )

    class Meta:
        ordering = ["programme"]
        verbose_name = _("programme requirement")
        verbose_name_plural = _("programme requirements")
        constraints = [
            models.UniqueConstraint(Lower("programme"), name="one_requirement_per_programme"),
            models.CheckConstraint(condition=Q(graduation_credits__gt=0), name="graduation_credits_positive"),
            models.CheckConstraint(
                condition=Q(normal_length_years__gte=1, normal_length_years__lte=10), name="normal_length_1_to_10_years"
            ),
            models.CheckConstraint(condition=Q(yearly_minimum__gte=0), name="yearly_minimum_not_negative"),
        ]

    def __str__(self):
        return self.programme

    def as_rule(self) -> rules.ProgressRequirement:
        return rules.ProgressRequirement(
            graduation_credits=self.graduation_credits,
            normal_length_years=self.normal_length_years,
            yearly_minimum=self.yearly_minimum,
        )


class FlagKind(models.TextChoices):
    YEAR_BELOW_MINIMUM = rules.FlagKind.YEAR_BELOW_MINIMUM, _("Fewer credits in a year than the yearly minimum")
    BEHIND_AFTER_TWO_YEARS = (
        rules.FlagKind.BEHIND_AFTER_TWO_YEARS,
        _("Under 1/3 of the graduation credits after 2 years"),
    )
    BEHIND_AFTER_THREE_YEARS = (
        rules.FlagKind.BEHIND_AFTER_THREE_YEARS,
        _("Under 1/2 of the graduation credits after 3 years"),
    )
    CREDITS = rules.FlagKind.CREDITS, _("Too few credits per long semester: the rule for being ordered to quit is met")
    CREDITS_WARNING = (
        rules.FlagKind.CREDITS_WARNING,
        _("One more long semester under the minimum would meet the rule for being ordered to quit"),
    )
    STUDY_PERIOD_EXCEEDED = rules.FlagKind.STUDY_PERIOD_EXCEEDED, _("Studies not completed within the longest length")


class DecisionOutcome(models.TextChoices):
    WARNING = "warning", _("Issue an academic warning")
    REFERRED = "referred", _("Refer to the International College for an ordered-to-quit decision")
    NO_ACTION = "no_action", _("No action")


class AcademicDecisionQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Staff: the students whose records they see. Students: the academic warnings issued to them, nothing else."""
        from academics.permissions import record_scope
        from portal.permissions import is_staff_member

        found = self.filter(record_scope(user, prefix="student__"))
        return found if is_staff_member(user) else found.filter(outcome=DecisionOutcome.WARNING)


class AcademicDecision(AppendOnlyModel):
    """A person's decision on a flag of the progress rules: who, when, what and why; never changed or deleted.

    Handbook: Academic Rules 15; Supplementary 32 ("the portal computes these warnings; a person decides").
    """

    student = models.ForeignKey(
        Student, verbose_name=_("student"), on_delete=models.PROTECT, related_name="academic_decisions"
    )
    kind = models.CharField(_("flag"), max_length=30, choices=FlagKind.choices)
    period = models.CharField(_("period"), max_length=20)
    outcome = models.CharField(_("decision"), max_length=20, choices=DecisionOutcome.choices)
    reason = models.TextField(_("reason"))
    # The figures the decision was made on, as the flag gave them.
    earned = models.DecimalField(_("credits earned"), max_digits=6, decimal_places=1, null=True, blank=True)
    required = models.DecimalField(_("credits required"), max_digits=6, decimal_places=1, null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), default=timezone.now)

    objects = AcademicDecisionQuerySet.as_manager()

    class Meta:
        ordering = ["-decided_at", "-id"]
        verbose_name = _("academic decision")
        verbose_name_plural = _("academic decisions")
        constraints = [
            # One decision per flag and period: two members of staff deciding at once, the second is told.
            models.UniqueConstraint(fields=["student", "kind", "period"], name="one_decision_per_academic_flag"),
        ]
        indexes = [models.Index(fields=["outcome", "decided_at"], name="academic_decision_outcome_idx")]

    def __str__(self):
        return f"{self.student_id} {self.kind} {self.period}: {self.outcome}"
