"""Reads of semester registration: the review queue and one form with everything its review page shows."""

from dataclasses import dataclass
from datetime import date

from django.db.models import BigIntegerField, Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from portal.models import GeneratedDocument, School, Semester, Student, StudentStatus
from portal.permissions import student_scope
from registration.models import (
    ITEM_FIELDS,
    FormStatus,
    ItemDecision,
    ItemState,
    Location,
    RegistrationForm,
    RegistrationItem,
)
from registration.permissions import can_review_registration

EVIDENCE_FIELDS = ("passport_scan", "tuition_receipt", "insurance_proof", "housing_proof", "permit_scan")
# The file fields' own names are not worded for people; these are.
FILE_LABELS = {
    "passport_scan": gettext_lazy("Passport photo page"),
    "tuition_receipt": gettext_lazy("Tuition e-receipt"),
    "insurance_proof": gettext_lazy("Insurance proof"),
    "housing_proof": gettext_lazy("Accommodation receipt or lease"),
    "permit_scan": gettext_lazy("Visa / residence permit page"),
}


def _matching_student(rows: QuerySet, search: str | None) -> QuerySet:
    """Rows whose student's ID or name (Latin or Chinese) contains the search text."""
    search = (search or "").strip()
    if not search:
        return rows
    return rows.filter(
        Q(student__student_id__icontains=search)
        | Q(student__name_latin__icontains=search)
        | Q(student__name_zh__icontains=search)
    )


def _visible_forms(*, user) -> QuerySet[RegistrationForm]:
    # A draft is the student's own work in progress: staff see a form only once it has been submitted.
    return RegistrationForm.objects.filter(student_scope(user, prefix="student__")).exclude(status=FormStatus.DRAFT)


def registration_queue(*, user, filters: dict | None = None) -> QuerySet[RegistrationForm]:
    """Submitted forms this user reviews, filtered, oldest submission first, with the item counts annotated."""
    if not can_review_registration(user):
        return RegistrationForm.objects.none()
    filters = filters or {}
    forms = _visible_forms(user=user)
    if filters.get("semester"):
        forms = forms.filter(semester=filters["semester"])
    if filters.get("status"):
        forms = forms.filter(status=filters["status"])
    if filters.get("school"):
        forms = forms.filter(student__school=filters["school"])
    if filters.get("nationality"):
        forms = forms.filter(student__nationality__iexact=filters["nationality"].strip())
    if filters.get("location"):
        forms = forms.filter(location=filters["location"])
    if filters.get("rejected"):
        # A subquery, not a join on items: a join would multiply the rows the item counts below are taken over.
        rejected = RegistrationItem.objects.filter(
            form=OuterRef("pk"), kind=filters["rejected"], state=ItemState.REJECTED
        )
        forms = forms.filter(Exists(rejected))
    if filters.get("submitted_from"):
        forms = forms.filter(submitted_at__date__gte=filters["submitted_from"])
    if filters.get("submitted_to"):
        forms = forms.filter(submitted_at__date__lte=filters["submitted_to"])
    forms = _matching_student(forms, filters.get("q"))
    forms = forms.alias(letter_collected_at=Subquery(_letters_collected().values("first_downloaded_at")[:1]))
    if filters.get("letter") == "collected":
        forms = forms.filter(letter_collected_at__isnull=False)
    elif filters.get("letter") == "not_collected":
        forms = forms.filter(status=FormStatus.APPROVED, location=Location.IN_CHINA, letter_collected_at__isnull=True)
    # Per-row subqueries rather than a join with GROUP BY: PostgreSQL then sorts and cuts the page first and counts
    # items for those 50 rows only, and the paginator's COUNT leaves them out (benchmarks/registration_queue.py).
    return (
        forms.select_related("student__school", "semester")
        .annotate(pending_count=_item_count(ItemState.PENDING), rejected_count=_item_count(ItemState.REJECTED))
        .order_by("submitted_at", "pk")
    )


def _item_count(state: str) -> Coalesce:
    counted = (
        RegistrationItem.objects.filter(form=OuterRef("pk"), state=state)
        .order_by()
        .values("form")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _letters_collected() -> QuerySet[GeneratedDocument]:
    # The student's visa-extension letters for the outer form that they downloaded, first download first.
    return (
        GeneratedDocument.objects.filter(kind="visa_extension_letter", first_downloaded_at__isnull=False)
        .annotate(form_ref=Cast(KeyTextTransform("form_id", "parameters"), BigIntegerField()))
        .filter(form_ref=OuterRef("pk"))
        .order_by("first_downloaded_at")
    )


def registration_letters_collected(*, forms) -> dict[int, object]:
    """When each of these forms' students first downloaded their visa-extension letter, for one page of the queue."""
    collected: dict[int, object] = {}
    form_ids = {str(form.pk) for form in forms}
    if not form_ids:
        return collected
    letters = (
        GeneratedDocument.objects.filter(kind="visa_extension_letter", first_downloaded_at__isnull=False)
        .annotate(form_ref=KeyTextTransform("form_id", "parameters"))
        .filter(form_ref__in=form_ids)
        .order_by("first_downloaded_at")
        .values_list("form_ref", "first_downloaded_at")
    )
    for form_ref, downloaded_at in letters:
        collected.setdefault(int(form_ref), downloaded_at)
    return collected


def registration_visa_letters(*, form: RegistrationForm) -> list[GeneratedDocument]:
    """The visa-extension letters the student asked for with this form, newest first, with when they collected."""
    return list(
        GeneratedDocument.objects.filter(
            kind="visa_extension_letter", owner_id=form.student.user_id, parameters__form_id=form.pk
        ).order_by("-created_at")
    )


def registration_changes_since_last_submission(*, form: RegistrationForm) -> dict[str, list[dict]]:
    """Per item kind, the fields whose submitted value differs between the last two submissions (GUIDE: a
    resubmitted form is reviewed for what the student corrected). Empty after a first submission."""
    latest_two = list(form.submissions.order_by("-number")[:2])
    if len(latest_two) < 2:
        return {}
    current, previous = latest_two[0].snapshot, latest_two[1].snapshot
    changes: dict[str, list[dict]] = {}
    for kind, fields in ITEM_FIELDS.items():
        for field in fields:
            before, after = previous.get(field), current.get(field)
            if before == after:
                continue
            changes.setdefault(kind, []).append(
                {
                    "field": field,
                    "label": FILE_LABELS.get(field) or RegistrationForm._meta.get_field(field).verbose_name,
                    "before": _shown(before),
                    "after": _shown(after),
                    "is_file": field in EVIDENCE_FIELDS,
                }
            )
    return changes


def _shown(value) -> str:
    if isinstance(value, dict):
        return value.get("name", "")
    if value is True:
        return gettext("Yes")
    if value is False:
        return gettext("No")
    return "" if value is None else str(value)


def registration_counts_semester(*, today: date | None = None) -> Semester | None:
    """The semester the office's counts are about: the current one, or else the next to start."""
    today = today or timezone.localdate()
    return Semester.objects.current(today) or Semester.objects.filter(starts_on__gt=today).order_by("starts_on").first()


def registration_status_counts(*, user, semester: Semester | None) -> dict[str, int]:
    """How many forms of the semester are in each status (drafts included), among the students the user sees."""
    if semester is None or not can_review_registration(user):
        return {}
    rows = (
        RegistrationForm.objects.filter(student_scope(user, prefix="student__"), semester=semester)
        .values("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["status"]: row["n"] for row in rows}


def registration_expected_students(*, semester: Semester) -> QuerySet[Student]:
    """Students expected to register for the semester: enrolled (not on leave, suspended or gone) and admitted by
    its academic year. The counts, the reminders and the two-week list all count these."""
    from registration import rules

    first_year = int(rules.academic_year_of(semester.code).split("-")[0])
    return Student.objects.filter(status=StudentStatus.ENROLLED, enrolment_year__lte=first_year)


@dataclass
class SchoolCounts:
    """One school's line of the office's registration counts."""

    school: School
    students: int = 0
    draft: int = 0
    submitted: int = 0
    returned: int = 0
    approved: int = 0
    registered: int = 0
    deferred: int = 0

    @property
    def missing(self) -> int:
        """Students who have not submitted a form (none at all, or a draft)."""
        return max(self.students - self.submitted - self.returned - self.approved, 0)


COUNT_COLUMNS = ("students", "draft", "submitted", "returned", "approved", "registered", "deferred", "missing")


def registration_school_counts(*, user, semester: Semester) -> list[SchoolCounts]:
    """Per school the user sees: forms by status, students registered at the desk, approved deferrals and students
    missing. A constant number of queries, whatever the number of students."""
    from registration.models import LeaveState, RegistrationLeave, SemesterRegistration

    scope = student_scope(user, prefix="student__")
    schools = {school.pk: SchoolCounts(school=school) for school in School.objects.order_by("code")}
    # Those who may still register: a student who left before the semester is not missing.
    students = (
        registration_expected_students(semester=semester)
        .filter(student_scope(user))
        .values("school_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in students:
        schools[row["school_id"]].students = row["n"]
    forms = (
        RegistrationForm.objects.filter(scope, semester=semester)
        .filter(student__in=registration_expected_students(semester=semester))
        .values("student__school_id", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in forms:
        setattr(schools[row["student__school_id"]], row["status"], row["n"])
    for model, attribute, extra in (
        (SemesterRegistration, "registered", Q()),
        (RegistrationLeave, "deferred", Q(state=LeaveState.APPROVED)),
    ):
        rows = (
            model.objects.filter(scope, extra, semester=semester)
            .values("student__school_id")
            .annotate(n=Count("student_id", distinct=True))
            .order_by()
        )
        for row in rows:
            setattr(schools[row["student__school_id"]], attribute, row["n"])
    visible = [line for line in schools.values() if line.students or line.draft or line.submitted or line.registered]
    return visible


def registration_form_get(*, user, pk: int) -> RegistrationForm | None:
    """A submitted form the user may see, with its items, their decisions and its evidence, or None."""
    items = RegistrationItem.objects.select_related("decided_by__student").prefetch_related(
        Prefetch("decisions", queryset=ItemDecision.objects.select_related("decided_by__student"))
    )
    return (
        _visible_forms(user=user)
        .select_related("student__school", "student__user", "semester", *EVIDENCE_FIELDS)
        .prefetch_related(Prefetch("items", queryset=items))
        .filter(pk=pk)
        .first()
    )


# --- Deferred registration: leave of registration and the two-week list ------------------------------------------

# Imported here rather than at the top so this section stays a self-contained append to a shared module.
from datetime import timedelta  # noqa: E402

from registration import rules  # noqa: E402
from registration.models import (  # noqa: E402
    LeaveDecision,
    LeaveState,
    ListingOutcome,
    RegistrationLeave,
    SemesterRegistration,
    TwoWeekListing,
)


def deferral_semester(*, today: date | None = None) -> Semester | None:
    """The semester whose registration a student may still defer, or whose deferral they need to see.

    1. Of the semesters not yet over with a registration day, the one whose ordinary last day to register
       (registration day + the deferral limit) comes first and has not passed.
    2. Otherwise the one with the latest registration day already passed (its leaves and decisions stay visible).
    """
    today = today or timezone.localdate()
    semesters = list(
        Semester.objects.filter(registration_day__isnull=False, ends_on__gte=today).order_by("registration_day")
    )
    for semester in semesters:
        last_day = rules.last_day_to_register(
            registration_day=semester.registration_day, deferral_limit_days=semester.deferral_limit_days
        )
        if today <= last_day:
            return semester
    return semesters[-1] if semesters else None


def registration_period_semesters(*, today: date, lead_days: int = 3) -> list[Semester]:
    """Semesters the daily jobs look at: from `lead_days` before the registration day until the semester ends
    (approved leave can run that long, and the two-week list is kept current until then)."""
    return list(
        Semester.objects.filter(
            registration_day__isnull=False, registration_day__lte=today + timedelta(days=lead_days), ends_on__gte=today
        ).order_by("registration_day")
    )


def registration_leaves_of(*, student, semester: Semester) -> QuerySet:
    """A student's own leave applications for a semester, newest first, with their history."""
    return (
        RegistrationLeave.objects.filter(student=student, semester=semester)
        .select_related("proof", "decided_by__student", "semester")
        .prefetch_related(Prefetch("decisions", queryset=LeaveDecision.objects.select_related("decided_by__student")))
        .order_by("-created_at", "-pk")
    )


def registration_leave_get(*, user, pk: int):
    """A leave application the user may see (their own, or a student's in their scope), with its history, or None."""
    return (
        RegistrationLeave.objects.filter(student_scope(user, prefix="student__"), pk=pk)
        .select_related("student__school", "student__user", "semester", "proof", "decided_by__student")
        .prefetch_related(Prefetch("decisions", queryset=LeaveDecision.objects.select_related("decided_by__student")))
        .first()
    )


def registration_leave_queue(*, user, filters: dict | None = None) -> QuerySet:
    """Leave applications the user decides on, filtered (waiting ones by default), oldest first."""
    if not can_review_registration(user):
        return RegistrationLeave.objects.none()
    filters = filters or {}
    leaves = RegistrationLeave.objects.filter(student_scope(user, prefix="student__"))
    state = filters.get("state", LeaveState.PENDING)
    if state:
        leaves = leaves.filter(state=state)
    if filters.get("semester"):
        leaves = leaves.filter(semester=filters["semester"])
    if filters.get("school"):
        leaves = leaves.filter(student__school=filters["school"])
    leaves = _matching_student(leaves, filters.get("q"))
    return leaves.select_related("student__school", "semester", "proof", "decided_by__student").order_by(
        "created_at", "pk"
    )


def _listing_annotations(listings: QuerySet) -> QuerySet:
    """What the list shows beside each listing: a registration made since, and the student's latest leave."""
    registration = SemesterRegistration.objects.filter(student=OuterRef("student"), semester=OuterRef("semester"))
    leave = RegistrationLeave.objects.filter(student=OuterRef("student"), semester=OuterRef("semester")).order_by(
        "-created_at", "-pk"
    )
    return listings.annotate(
        registered_at=Subquery(registration.values("registered_at")[:1]),
        leave_state=Subquery(leave.values("state")[:1]),
        leave_expected_on=Subquery(leave.values("expected_on")[:1]),
        leave_approved_until=Subquery(leave.values("approved_until")[:1]),
    )


def two_week_list(*, user, filters: dict | None = None) -> QuerySet:
    """The two-week list as the user may see it, filtered (open listings by default), earliest listed first."""
    if not can_review_registration(user):
        return TwoWeekListing.objects.none()
    filters = filters or {}
    listings = TwoWeekListing.objects.filter(student_scope(user, prefix="student__"))
    outcome = filters.get("outcome", ListingOutcome.OPEN)
    if outcome:
        listings = listings.filter(outcome=outcome)
    if filters.get("semester"):
        listings = listings.filter(semester=filters["semester"])
    if filters.get("school"):
        listings = listings.filter(student__school=filters["school"])
    if filters.get("kind"):
        listings = listings.filter(kind=filters["kind"])
    listings = _matching_student(listings, filters.get("q"))
    return _listing_annotations(
        listings.select_related("student__school", "semester", "decided_by__student").order_by(
            "listed_on", "student__student_id", "pk"
        )
    )


def two_week_listing_get(*, user, pk: int):
    """One listing the user may see, with the same annotations as the list, or None."""
    listings = TwoWeekListing.objects.filter(student_scope(user, prefix="student__"), pk=pk).select_related(
        "student__school", "student__user", "semester", "decided_by__student"
    )
    return _listing_annotations(listings).first()
