"""People and the university's calendar: roles, schools, semesters, users and students."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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
    # The academic year leads the code: yearly rules (tuition, the scholarship statement) read it from there.
    code = models.SlugField(
        _("code"),
        max_length=20,
        unique=True,
        help_text=_("For example 2026-2027-2"),
        validators=[
            RegexValidator(
                r"^(\d{4})-(\d{4})-\d+$", _("Start with the academic year and end with the term: 2026-2027-2.")
            )
        ],
    )
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

    def clean(self):
        # The pattern cannot say that an academic year runs over two consecutive years (2026-2027, not 2026-2028).
        first, _dash, rest = (self.code or "").partition("-")
        second = rest.partition("-")[0]
        if first.isdigit() and second.isdigit() and int(second) != int(first) + 1:
            raise ValidationError({"code": _("An academic year runs over two consecutive years: 2026-2027.")})

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
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        # `manage.py createsuperuser` makes an administrator of the portal, not a student without a record.
        extra_fields.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


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


# A student's record as the admissions list gives it (the CSV columns, in order) and as the API shows it.
STUDENT_RECORD_FIELDS = (
    "student_id",
    "name_latin",
    "name_zh",
    "nationality",
    "gender",
    "date_of_birth",
    "passport_number",
    "passport_expires_on",
    "school",
    "programme",
    "degree_level",
    "funding",
    "enrolment_year",
    "email",
    "phone",
)


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
    left_on = models.DateField(_("left the university on"), null=True, blank=True)
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
