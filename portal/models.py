"""The shared kernel: people, schools, semesters, evidence and its review, notifications, generated documents."""

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.files.storage import storages
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def private_storage():
    return storages["private"]


class Role(models.TextChoices):
    # Handbook: People and roles
    STUDENT = "student", _("Student")
    INTERNATIONAL_OFFICE = "international_office", _("International office")
    SCHOOL_STAFF = "school_staff", _("School staff")
    FINANCE = "finance", _("Finance")
    DORMITORY = "dormitory", _("Dormitory office")
    CLEARANCE = "clearance", _("Clearance office")
    ADMIN = "admin", _("Administrator")


STAFF_ROLES = frozenset(Role) - {Role.STUDENT}


class School(models.Model):
    code = models.SlugField(_("code"), max_length=20, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)

    class Meta:
        ordering = ["code"]
        verbose_name = _("school")
        verbose_name_plural = _("schools")

    def __str__(self):
        return self.name_en

    def localized_name(self, language: str | None = None) -> str:
        from django.utils.translation import get_language

        return self.name_zh if (language or get_language() or "").startswith("zh") else self.name_en


class SemesterQuerySet(models.QuerySet):
    def current(self, today=None):
        today = today or timezone.localdate()
        return self.filter(starts_on__lte=today, ends_on__gte=today).order_by("-starts_on").first()


class Semester(models.Model):
    code = models.SlugField(_("code"), max_length=20, unique=True, help_text=_("For example 2026-2027-2"))
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    # Handbook: NOTICE (online pre-registration window, then onsite registration; HANDBOOK Registration 2 weeks)
    preregistration_opens_at = models.DateTimeField(_("online pre-registration opens"), null=True, blank=True)
    preregistration_closes_at = models.DateTimeField(_("online pre-registration closes"), null=True, blank=True)
    registration_day = models.DateField(_("onsite registration day"), null=True, blank=True)
    registration_place = models.CharField(_("onsite registration place"), max_length=200, blank=True)
    deferral_limit_days = models.PositiveSmallIntegerField(_("deferred registration limit (days)"), default=14)

    objects = SemesterQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on"]
        verbose_name = _("semester")
        verbose_name_plural = _("semesters")
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gt=models.F("starts_on")), name="semester_ends_after_start"),
            models.CheckConstraint(
                condition=Q(preregistration_closes_at__isnull=True)
                | Q(preregistration_opens_at__isnull=True)
                | Q(preregistration_closes_at__gt=models.F("preregistration_opens_at")),
                name="semester_preregistration_window_ordered",
            ),
        ]

    def __str__(self):
        return self.name_en

    def localized_name(self, language: str | None = None) -> str:
        from django.utils.translation import get_language

        return self.name_zh if (language or get_language() or "").startswith("zh") else self.name_en

    def preregistration_is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return bool(
            self.preregistration_opens_at
            and self.preregistration_closes_at
            and self.preregistration_opens_at <= now < self.preregistration_closes_at
        )


class PortalUserManager(UserManager):
    pass


class User(AbstractUser):
    """A person who logs in: a student (username = student ID) or a member of staff."""

    role = models.CharField(_("role"), max_length=30, choices=Role.choices, default=Role.STUDENT)
    school = models.ForeignKey(
        School,
        verbose_name=_("school"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        help_text=_("School staff see only this school's students."),
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, default="en")
    must_change_password = models.BooleanField(_("must change password"), default=False)
    initial_password_expires_at = models.DateTimeField(_("initial password expires"), null=True, blank=True)

    objects = PortalUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=~Q(role="school_staff") | Q(school__isnull=False), name="school_staff_has_school"
            ),
        ]

    def initial_password_has_expired(self, now=None) -> bool:
        expires = self.initial_password_expires_at
        return bool(self.must_change_password and expires and expires <= (now or timezone.now()))

    def check_password(self, raw_password):
        # The initial password is only a key for the first login; once its validity period ends it opens nothing
        # (staff reissue it). The hash is still checked so the answer takes as long as any other.
        matches = super().check_password(raw_password)
        return matches and not self.initial_password_has_expired()

    @property
    def is_student(self) -> bool:
        return self.role == Role.STUDENT

    @property
    def is_portal_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_portal_admin(self) -> bool:
        return self.role == Role.ADMIN or self.is_superuser

    def display_name(self) -> str:
        student = getattr(self, "student", None)
        if student is not None:
            return student.display_name()
        return self.get_full_name() or self.username


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")


class DegreeLevel(models.TextChoices):
    BACHELOR = "bachelor", _("Bachelor")
    MASTER = "master", _("Master")
    DOCTORAL = "doctoral", _("Doctoral")
    NON_DEGREE = "non_degree", _("Non-degree")


class Funding(models.TextChoices):
    SELF_FUNDED = "self_funded", _("Self-funded")
    CSC = "csc", _("Chinese Government Scholarship")
    CONFUCIUS = "confucius", _("Confucius Institute Scholarship")


class StudentStatus(models.TextChoices):
    ENROLLED = "enrolled", _("Enrolled")
    ON_LEAVE = "on_leave", _("On leave")
    SUSPENDED = "suspended", _("Suspended")
    LEFT = "left", _("Left the university")


class StudentQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The students this user may see; the single visibility decision for Student objects."""
        from portal.permissions import student_scope

        return self.filter(student_scope(user))


class Student(models.Model):
    user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="student")
    student_id = models.CharField(_("student ID"), max_length=20, unique=True)
    name_latin = models.CharField(_("name (Latin letters)"), max_length=200)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100, blank=True)
    nationality = models.CharField(_("nationality"), max_length=100)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices)
    date_of_birth = models.DateField(_("date of birth"))
    passport_number = models.CharField(_("passport number"), max_length=30)
    passport_expires_on = models.DateField(_("passport expiry date"))
    school = models.ForeignKey(School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="students")
    programme = models.CharField(_("programme"), max_length=200)
    degree_level = models.CharField(_("degree level"), max_length=20, choices=DegreeLevel.choices)
    funding = models.CharField(_("funding"), max_length=20, choices=Funding.choices)
    enrolment_year = models.PositiveSmallIntegerField(_("enrolment year"))
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=StudentStatus.choices, default=StudentStatus.ENROLLED)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = StudentQuerySet.as_manager()

    class Meta:
        ordering = ["student_id"]
        verbose_name = _("student")
        verbose_name_plural = _("students")
        indexes = [models.Index(fields=["school", "student_id"], name="student_school_idx")]

    def __str__(self):
        return f"{self.student_id} {self.name_latin}"

    def display_name(self) -> str:
        return f"{self.name_latin} ({self.name_zh})" if self.name_zh else self.name_latin

    @property
    def email(self) -> str:
        return self.user.email


class EvidenceKind(models.TextChoices):
    """What an uploaded document proves; each kind is reviewed by one office (see portal.permissions)."""

    PASSPORT_PAGE = "passport_page", _("Passport photo page")
    VISA_PAGE = "visa_page", _("Visa / residence permit page")
    INSURANCE_PROOF = "insurance_proof", _("Insurance proof")
    TUITION_RECEIPT = "tuition_receipt", _("Tuition e-receipt")
    REMITTANCE_SLIP = "remittance_slip", _("Bank remittance slip")
    ACCOMMODATION_RECEIPT = "accommodation_receipt", _("Accommodation fee e-receipt")
    HOUSING_LEASE = "housing_lease", _("Off-campus lease")
    PHYSICAL_EXAM = "physical_exam", _("Physical examination verification")
    LEAVE_PROOF = "leave_proof", _("Leave or medical certificate")
    OTHER = "other", _("Other document")


class ReviewState(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    RESUBMITTED = "resubmitted", _("Resubmitted")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


PENDING_REVIEW_STATES = (ReviewState.SUBMITTED, ReviewState.RESUBMITTED)


def evidence_upload_to(instance, filename):
    # The stored name is random: the student's own file name is kept as data only.
    suffix = PurePosixPath(filename).suffix.lower()
    return f"evidence/{instance.student_id}/{uuid.uuid4().hex}{suffix}"


class EvidenceQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The evidence this user may see; the single visibility decision for Evidence objects."""
        from portal.permissions import evidence_scope

        return self.filter(evidence_scope(user))

    def pending_review(self):
        return self.filter(state__in=PENDING_REVIEW_STATES)


class Evidence(models.Model):
    """One uploaded file and its review. A resubmission is a new Evidence that points at the rejected one."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="evidence")
    kind = models.CharField(_("kind"), max_length=30, choices=EvidenceKind.choices)
    file = models.FileField(_("file"), storage=private_storage, upload_to=evidence_upload_to, max_length=255)
    original_name = models.CharField(_("original file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=50)
    size = models.PositiveIntegerField(_("size in bytes"))
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    previous = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="resubmission"
    )
    state = models.CharField(_("review state"), max_length=20, choices=ReviewState.choices)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    reason = models.TextField(_("reason for rejection"), blank=True)

    objects = EvidenceQuerySet.as_manager()

    class Meta:
        ordering = ["-uploaded_at"]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        indexes = [
            models.Index(fields=["state", "kind"], name="evidence_queue_idx"),
            models.Index(fields=["student", "kind"], name="evidence_student_kind_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="rejected") | ~Q(reason=""), name="evidence_rejection_has_reason"
            ),
            models.CheckConstraint(
                condition=Q(state__in=["submitted", "resubmitted"]) | Q(decided_by__isnull=False),
                name="evidence_decision_has_reviewer",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} of {self.student.student_id} ({self.get_state_display()})"

    @property
    def is_pending(self) -> bool:
        return self.state in PENDING_REVIEW_STATES


class AppendOnlyModel(models.Model):
    """A record of something that happened: written once, never changed or deleted."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise RuntimeError(f"{type(self).__name__} is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError(f"{type(self).__name__} is append-only")


class ReviewEvent(AppendOnlyModel):
    """One transition of an evidence review: who, when, from which state to which, and why."""

    evidence = models.ForeignKey(Evidence, on_delete=models.PROTECT, related_name="events")
    from_state = models.CharField(max_length=20, choices=ReviewState.choices, blank=True)
    to_state = models.CharField(max_length=20, choices=ReviewState.choices)
    actor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("review event")
        verbose_name_plural = _("review events")

    def __str__(self):
        return f"{self.from_state or '-'} -> {self.to_state} by {self.actor_id} at {self.at:%Y-%m-%d %H:%M}"


class Notification(models.Model):
    """A message in a user's in-portal inbox; important ones are also emailed."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"))
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    send_email = models.BooleanField(default=False)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread_idx")]

    def __str__(self):
        return self.subject


class DocumentStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Being prepared")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


def generated_upload_to(instance, filename):
    return f"generated/{instance.owner_id}/{uuid.uuid4().hex}.pdf"


class GeneratedDocumentQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Generated documents are private to whoever asked for them."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(owner=user)


class GeneratedDocument(models.Model):
    """A PDF rendered in the background (one letter or a batch of thousands) that its owner downloads when ready."""

    owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="generated_documents")
    kind = models.CharField(_("kind"), max_length=50)
    title = models.CharField(_("title"), max_length=200)
    parameters = models.JSONField(default=dict)
    language = models.CharField(max_length=10, default="en")
    status = models.CharField(_("status"), max_length=20, choices=DocumentStatus.choices, default=DocumentStatus.QUEUED)
    done_items = models.PositiveIntegerField(default=0)
    total_items = models.PositiveIntegerField(default=1)
    file = models.FileField(storage=private_storage, upload_to=generated_upload_to, blank=True, max_length=255)
    filename = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = GeneratedDocumentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("generated document")
        verbose_name_plural = _("generated documents")

    def __str__(self):
        return self.title

    @property
    def progress_percent(self) -> int:
        if self.status == DocumentStatus.DONE:
            return 100
        return int(100 * self.done_items / self.total_items) if self.total_items else 0
