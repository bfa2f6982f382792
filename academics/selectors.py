"""Reads of the academics app: offerings and their grids, a student's academic record with term and cumulative GPA.

Every selector is restricted to what the user may see (academics.permissions) and loads a page's rows in a fixed
number of queries; GPA and credits are computed by academics.rules from the loaded rows, never in SQL.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Prefetch, Q, QuerySet

from academics import rules
from academics.models import (
    CorrectionRequest,
    CorrectionState,
    Course,
    Enrolment,
    ExamApplication,
    ExamApplicationEvent,
    ExamApplicationState,
    Offering,
    Result,
)
from academics.permissions import offering_scope, record_scope
from academics.services import MAKEUP_PASS_VALUE, PASS_MARK
from portal.models import Semester, Student


def student_get(*, user, student_id: str) -> Student | None:
    """A student whose academic record the user may see (None: 404)."""
    return (
        Student.objects.filter(record_scope(user, prefix=""))
        .select_related("school", "user")
        .filter(student_id=student_id)
        .first()
    )


def offering_list(*, user, semester_id: int | None = None, search: str = "") -> QuerySet[Offering]:
    offerings = Offering.objects.visible_to(user).select_related("course", "semester", "school")
    if semester_id:
        offerings = offerings.filter(semester_id=semester_id)
    search = (search or "").strip()
    if search:
        offerings = offerings.filter(
            Q(course__code__icontains=search)
            | Q(course__name_en__icontains=search)
            | Q(course__name_zh__icontains=search)
        )
    return offerings.annotate(
        enrolled=Count("enrolments", distinct=True), entered=Count("enrolments__result", distinct=True)
    ).order_by("-semester__starts_on", "course__code", "pk")


def offering_get(*, user, pk: int) -> Offering | None:
    return Offering.objects.visible_to(user).select_related("course", "semester", "school").filter(pk=pk).first()


def offering_enrolments(*, offering: Offering) -> QuerySet[Enrolment]:
    """The grid's rows: every enrolment with its student and result, in one query."""
    return (
        Enrolment.objects.filter(offering=offering)
        .select_related("student", "result", "offering__course", "offering__semester")
        .order_by("student__student_id")
    )


def student_enrolments(*, students: Iterable[Student] | None = None, student_ids=None) -> QuerySet[Enrolment]:
    """Enrolments of one or many students with offering, course, semester and result (one query)."""
    found = Enrolment.objects.select_related("offering__course", "offering__semester", "result", "student")
    if student_ids is not None:
        found = found.filter(student_id__in=student_ids)
    else:
        found = found.filter(student__in=list(students or []))
    return found.order_by("student_id", "offering__semester__starts_on", "offering__course__code", "pk")


@dataclass
class RecordRow:
    enrolment: Enrolment
    result: object | None  # academics.models.Result

    @property
    def course(self):
        return self.enrolment.offering.course


@dataclass
class TermRecord:
    semester: Semester
    rows: list[RecordRow] = field(default_factory=list)
    gpa: Decimal | None = None
    cumulative_gpa: Decimal | None = None
    credits_taken: Decimal = Decimal(0)
    credits_earned: Decimal = Decimal(0)
    cumulative_credits_earned: Decimal = Decimal(0)


@dataclass
class AcademicRecord:
    student: Student
    terms: list[TermRecord]
    gpa: Decimal | None
    study_abroad_gpa: Decimal | None
    credits_earned: Decimal

    @property
    def results_count(self) -> int:
        return sum(1 for term in self.terms for row in term.rows if row.result is not None)


def academic_record(*, student: Student, enrolments: Iterable[Enrolment]) -> AcademicRecord:
    """Terms in order with their rows, term GPA, cumulative GPA and credits (Assessment 12-14; Academic Rules 17).

    Only entered results count; a course without a result yet is listed but counts nothing. No queries: the
    enrolments come loaded with offering, course, semester and result.
    """
    terms: dict[int, TermRecord] = {}
    for enrolment in enrolments:
        semester = enrolment.offering.semester
        term = terms.setdefault(semester.pk, TermRecord(semester=semester))
        term.rows.append(RecordRow(enrolment=enrolment, result=getattr(enrolment, "result", None)))
    ordered = sorted(terms.values(), key=lambda t: (t.semester.starts_on, t.semester.pk))
    so_far: list[dict] = []
    for term in ordered:
        records = [row.result.as_record() for row in term.rows if row.result is not None]
        term.credits_taken = sum((row.course.credits for row in term.rows), Decimal(0))
        term.gpa = rules.gpa(records, makeup_pass_value=MAKEUP_PASS_VALUE, pass_mark=PASS_MARK)
        term.credits_earned = rules.earned_credits(records, pass_mark=PASS_MARK)
        so_far.extend(records)
        # Handbook: Assessment 13 (every course taken counts, failures and retakes included).
        term.cumulative_gpa = rules.gpa(so_far, makeup_pass_value=MAKEUP_PASS_VALUE, pass_mark=PASS_MARK)
        term.cumulative_credits_earned = rules.earned_credits(so_far, pass_mark=PASS_MARK)
    return AcademicRecord(
        student=student,
        terms=ordered,
        gpa=rules.gpa(so_far, makeup_pass_value=MAKEUP_PASS_VALUE, pass_mark=PASS_MARK),
        study_abroad_gpa=rules.study_abroad_gpa(so_far, makeup_pass_value=MAKEUP_PASS_VALUE, pass_mark=PASS_MARK),
        credits_earned=rules.earned_credits(so_far, pass_mark=PASS_MARK),
    )


def student_academic_record(*, student: Student) -> AcademicRecord:
    return academic_record(student=student, enrolments=student_enrolments(students=[student]))


def correction_queue(*, user, state: str = CorrectionState.PENDING) -> QuerySet[CorrectionRequest]:
    return (
        CorrectionRequest.objects.visible_to(user)
        .filter(state=state)
        .select_related(
            "result__enrolment__student",
            "result__enrolment__offering__course",
            "result__enrolment__offering__semester",
            "requested_by",
        )
        .order_by("requested_at", "pk")
    )


# --- Exams and progress -----------------------------------------------------------------------------------------


@dataclass
class ExamRow:
    enrolment: Enrolment
    assessed_on: object
    accommodation: rules.ExamAccommodation


def upcoming_exams(*, student: Student, today) -> list[ExamRow]:
    """Supplementary 18: the student's exams without a result yet, with the dictionary and the extra time shown."""
    found = (
        Enrolment.objects.filter(student=student, result__isnull=True)
        .select_related("offering__course", "offering__semester")
        .order_by("offering__assessed_on", "offering__course__code")
    )
    rows = []
    for enrolment in found:
        offering = enrolment.offering
        assessed_on = offering.assessed_on or offering.semester.ends_on
        if assessed_on < today:
            continue
        course = offering.course
        rows.append(
            ExamRow(
                enrolment=enrolment,
                assessed_on=assessed_on,
                accommodation=rules.exam_accommodation(
                    duration_minutes=offering.exam_minutes,
                    paper_dictionary=course.paper_dictionary_allowed,
                    extra_minutes=course.exam_extra_minutes,
                ),
            )
        )
    return rows


def student_program(student: Student) -> str:
    """Which Supplementary 32 rule applies: MBBS and Chinese-language (CSL) programmes have their own."""
    programme = (student.programme or "").casefold()
    if "mbbs" in programme:
        return rules.Program.MBBS
    if "chinese language" in programme or "csl" in programme:
        return rules.Program.CSL
    return rules.Program.REGULAR


def credit_standing(*, student: Student, record: AcademicRecord) -> rules.CreditShortfalls:
    """Supplementary 32.I-III from the credits earned in each term with results (for staff decision, not automatic).

    Every term with results counts as a long semester here; the office leaves out a graduating semester.
    """
    credits = [term.credits_earned for term in record.terms if any(row.result for row in term.rows)]
    return rules.credit_shortfalls(credits, student_program(student))


@dataclass
class CreditWarning:
    student: Student
    standing: rules.CreditShortfalls
    credits_by_term: list[Decimal]


def credit_warnings(*, user, school_id: int | None = None) -> list[CreditWarning]:
    """Supplementary 32.I-III for every student the user may see: who meets the quit rule, who is one short term
    from it (an academic warning is due). Two queries whatever the number of students; staff decide, not the portal.
    """
    students = Student.objects.filter(record_scope(user, prefix="")).select_related("school")
    if school_id:
        students = students.filter(school_id=school_id)
    students = {s.pk: s for s in students}
    rows = (
        Result.objects.filter(enrolment__student_id__in=list(students))
        .values_list(
            "enrolment__student_id",
            "enrolment__offering__semester__starts_on",
            "enrolment__offering__semester_id",
            "enrolment__offering__course__code",
            "enrolment__offering__course__credits",
            "scale",
            "value",
            "mark",
        )
        .order_by("enrolment__student_id", "enrolment__offering__semester__starts_on")
    )
    terms: dict[int, dict[tuple, list[dict]]] = {}
    for student_id, starts_on, semester_id, code, credits, scale, value, mark in rows.iterator(chunk_size=5000):
        record = {"course": code, "credits": credits, "scale": scale, "mark": mark or None}
        record["result"] = int(value) if scale == rules.Scale.HUNDRED and value.isdigit() else value
        terms.setdefault(student_id, {}).setdefault((starts_on, semester_id), []).append(record)
    warnings = []
    for student_pk, by_term in terms.items():
        student = students[student_pk]
        credits = [rules.earned_credits(records, pass_mark=PASS_MARK) for _, records in sorted(by_term.items())]
        standing = rules.credit_shortfalls(credits, student_program(student))
        if standing.must_quit or standing.next_short_semester_quits:
            warnings.append(CreditWarning(student=student, standing=standing, credits_by_term=credits))
    warnings.sort(key=lambda w: (not w.standing.must_quit, w.student.student_id))
    return warnings


# --- Applications to defer or give up an examination ---------------------------------------------------------------


def _exam_applications(user) -> QuerySet[ExamApplication]:
    return ExamApplication.objects.visible_to(user).select_related(
        "enrolment__student__school",
        "enrolment__offering__course",
        "enrolment__offering__semester",
        "enrolment__offering__school",
        "proof",
        "decided_by",
    )


def exam_applications_of(*, student: Student) -> QuerySet[ExamApplication]:
    """A student's own applications, newest first (one query)."""
    return (
        ExamApplication.objects.filter(enrolment__student=student)
        .select_related("enrolment__offering__course", "enrolment__offering__semester", "proof")
        .order_by("-created_at", "-pk")
    )


def exam_application_queue(*, user, filters: dict | None = None) -> QuerySet[ExamApplication]:
    """Applications of the offerings the user sees, waiting ones by default, oldest first, by student ID or name."""
    filters = filters or {}
    applications = _exam_applications(user)
    state = filters.get("state", ExamApplicationState.PENDING)
    if state:
        applications = applications.filter(state=state)
    if filters.get("kind"):
        applications = applications.filter(kind=filters["kind"])
    if filters.get("semester"):
        applications = applications.filter(enrolment__offering__semester=filters["semester"])
    search = (filters.get("q") or "").strip()
    if search:
        applications = applications.filter(
            Q(enrolment__student__student_id__icontains=search)
            | Q(enrolment__student__name_latin__icontains=search)
            | Q(enrolment__student__name_zh__icontains=search)
        )
    return applications.order_by("created_at", "pk")


def exam_application_get(*, user, pk: int) -> ExamApplication | None:
    """One application the user may see, with its history (None: 404)."""
    return (
        _exam_applications(user)
        .prefetch_related(Prefetch("events", queryset=ExamApplicationEvent.objects.select_related("actor")))
        .filter(pk=pk)
        .first()
    )


# --- The catalogue ------------------------------------------------------------------------------------------------


def course_list(*, user, search: str = "") -> QuerySet[Course]:
    """Courses of the schools whose offerings the user sees, with how many offerings each has (one query)."""
    courses = Course.objects.filter(offering_scope(user)).select_related("school")
    search = (search or "").strip()
    if search:
        courses = courses.filter(
            Q(code__icontains=search) | Q(name_en__icontains=search) | Q(name_zh__icontains=search)
        )
    return courses.annotate(offering_count=Count("offerings")).order_by("code", "pk")


def course_get(*, user, pk: int) -> Course | None:
    return Course.objects.filter(offering_scope(user)).select_related("school").filter(pk=pk).first()
