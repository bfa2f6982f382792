"""Reads of the academics app: offerings and their grids, a student's academic record with term and cumulative GPA.

Every selector is restricted to what the user may see (academics.permissions) and loads a page's rows in a fixed
number of queries; GPA and credits are computed by academics.rules from the loaded rows, never in SQL.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from academics import rules
from academics.models import (
    OPEN_EXAM_APPLICATION_STATES,
    AcademicDecision,
    Attempt,
    CorrectionRequest,
    CorrectionState,
    Course,
    DecisionOutcome,
    Enrolment,
    ExamApplication,
    ExamApplicationEvent,
    ExamApplicationKind,
    ExamApplicationState,
    FlagKind,
    Offering,
    ProgrammeRequirement,
    Result,
)
from academics.permissions import offering_scope, record_scope
from academics.services import MAKEUP_PASS_VALUE, PASS_MARK, makeup_refusal
from portal.models import Semester, Student, StudentStatus


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


def _is_semester_code(code: str) -> bool:
    # Semester codes are validated on entry; one that slipped through is left out rather than failing a whole list.
    try:
        rules.long_semester_of(code)
    except ValueError:
        return False
    return True


def programme_key(name: str | None) -> str:
    """How a programme's name is matched, on the student's side and the requirement's alike: spaces around it and
    case do not matter."""
    return (name or "").strip().casefold()


def _requirements() -> dict[str, ProgrammeRequirement]:
    """Every programme's requirement by programme_key: one query (a short table)."""
    return {programme_key(requirement.programme): requirement for requirement in ProgrammeRequirement.objects.all()}


def programme_requirement_of(student: Student) -> ProgrammeRequirement | None:
    """The graduation requirement of the student's programme (matched by programme_key), if admins set one."""
    return _requirements().get(programme_key(student.programme))


def _record_term_credits(record: AcademicRecord) -> list[rules.TermCredits]:
    return [
        rules.TermCredits(term.semester.code, term.semester.ends_on, term.credits_earned)
        for term in record.terms
        if any(row.result for row in term.rows) and _is_semester_code(term.semester.code)
    ]


def _progress(student: Student, terms, requirement: ProgrammeRequirement | None, today: date) -> rules.Progress:
    return rules.study_progress(
        terms=terms,
        enrolment_year=student.enrolment_year,
        program=student_program(student),
        today=today,
        requirement=requirement.as_rule() if requirement is not None else None,
        studies_completed=student.status == StudentStatus.LEFT,
    )


def credit_standing(*, student: Student, record: AcademicRecord, today: date | None = None) -> rules.CreditShortfalls:
    """Supplementary 32.I-III from the credits earned per long semester (for staff decision, not automatic).

    Only long semesters that have ended count; a short term counts in its spring/summer long semester, and the
    graduating class's long semesters are left out when the programme's normal length is known.
    """
    today = today or timezone.localdate()
    requirement = programme_requirement_of(student)
    return _progress(student, _record_term_credits(record), requirement, today).shortfalls


@dataclass
class CreditWarning:
    student: Student
    standing: rules.CreditShortfalls
    # The credits of each long semester counted for Supplementary 32, earliest first.
    credits_by_term: list[Decimal]


def _flaggable_students(user, school_id: int | None) -> QuerySet[Student]:
    """The students the rules may flag for this user: those whose records they see who have not left."""
    students = Student.objects.filter(record_scope(user, prefix="")).exclude(status=StudentStatus.LEFT)
    if school_id:
        students = students.filter(school_id=school_id)
    return students


def _term_credits_by_student(students: QuerySet[Student]) -> dict[int, list[rules.TermCredits]]:
    """The credits earned in each term of every student in `students`: one query, whatever their number."""
    rows = (
        Result.objects.filter(enrolment__student__in=students.values("pk"))
        .values_list(
            "enrolment__student_id",
            "enrolment__offering__semester__code",
            "enrolment__offering__semester__ends_on",
            "enrolment__offering__course__code",
            "enrolment__offering__course__credits",
            "scale",
            "value",
            "mark",
        )
        .order_by("enrolment__student_id", "enrolment__offering__semester__starts_on", "enrolment__offering__semester")
    )
    terms: dict[int, dict[tuple, list[dict]]] = {}
    for student_id, semester_code, ends_on, code, credits, scale, value, mark in rows.iterator(chunk_size=5000):
        record = {"course": code, "credits": credits, "scale": scale, "mark": mark or None}
        record["result"] = int(value) if scale == rules.Scale.HUNDRED and value.isdigit() else value
        terms.setdefault(student_id, {}).setdefault((semester_code, ends_on), []).append(record)
    return {
        student_id: [
            rules.TermCredits(code, ends_on, rules.earned_credits(records, pass_mark=PASS_MARK))
            for (code, ends_on), records in by_term.items()
            if _is_semester_code(code)
        ]
        for student_id, by_term in terms.items()
    }


def credit_warnings(*, user, school_id: int | None = None, today: date | None = None) -> list[CreditWarning]:
    """Supplementary 32.I-III for every student the user may see: who meets the quit rule, who is one short long
    semester from it (an academic warning is due). A fixed number of queries whatever the number of students; only
    ended long semesters count and the graduating class is left out (see credit_standing); staff decide.
    """
    today = today or timezone.localdate()
    students = _flaggable_students(user, school_id)
    found = {student.pk: student for student in students.select_related("school")}
    requirements = _requirements()
    warnings = []
    for student_pk, terms in _term_credits_by_student(students).items():
        student = found.get(student_pk)
        if student is None:
            continue
        requirement = requirements.get(programme_key(student.programme))
        progress = _progress(student, terms, requirement, today)
        standing = progress.shortfalls
        if standing.must_quit or standing.next_short_semester_quits:
            warnings.append(
                CreditWarning(student=student, standing=standing, credits_by_term=list(progress.counted_credits))
            )
    warnings.sort(key=lambda w: (not w.standing.must_quit, w.student.student_id))
    return warnings


# --- Progress, graduation and academic warnings (Academic Rules 15, 35-41; Supplementary 32) --------------------


@dataclass
class FlagRow:
    """A flag of the progress rules for one student, and the decision taken on it (None: waiting for one)."""

    student: Student
    flag: rules.AcademicFlag
    decision: AcademicDecision | None = None

    @property
    def label(self) -> str:
        return str(FlagKind(self.flag.kind).label)

    @property
    def decided(self) -> bool:
        return self.decision is not None


@dataclass
class StudentProgress:
    student: Student
    requirement: ProgrammeRequirement | None
    record: AcademicRecord
    progress: rules.Progress
    graduation: rules.GraduationCheck | None
    flags: list[FlagRow]
    decisions: list[AcademicDecision]

    @property
    def warnings(self) -> list[AcademicDecision]:
        """The academic warnings issued to the student (what the student sees of the decisions)."""
        return [decision for decision in self.decisions if decision.outcome == DecisionOutcome.WARNING]

    @property
    def undecided(self) -> list[FlagRow]:
        return [row for row in self.flags if not row.decided]


def student_progress(*, student: Student, today: date, record: AcademicRecord | None = None) -> StudentProgress:
    """Credits per long semester and year against Academic Rules 15, the Supplementary 32 flags and the graduation
    check (Academic Rules 35, 38) of one student, with the decisions taken on the flags: four queries."""
    record = record if record is not None else student_academic_record(student=student)
    requirement = programme_requirement_of(student)
    progress = _progress(student, _record_term_credits(record), requirement, today)
    graduation = None
    if requirement is not None:
        # The portal knows credits only; the school checks the programme's other requirements (Academic Rules 35).
        graduation = rules.graduation_check(
            credits_earned=record.credits_earned, credits_required=requirement.graduation_credits
        )
    decisions = list(AcademicDecision.objects.filter(student=student).select_related("student", "decided_by"))
    by_flag = {(decision.kind, decision.period): decision for decision in decisions}
    flags = [FlagRow(student, flag, by_flag.get((flag.kind, flag.period))) for flag in progress.flags]
    return StudentProgress(student, requirement, record, progress, graduation, flags, decisions)


def academic_flags(*, user, today: date, school_id: int | None = None, undecided_only: bool = False) -> list[FlagRow]:
    """Every flag of the progress rules (Academic Rules 15; Supplementary 32.I-IV) among the students the user may
    see, with the decision taken on it: waiting ones first. Four queries whatever the number of students."""
    students = _flaggable_students(user, school_id)
    found = list(students.select_related("school"))
    terms = _term_credits_by_student(students)
    requirements = _requirements()
    decisions = {
        (decision.student_id, decision.kind, decision.period): decision
        for decision in AcademicDecision.objects.filter(student__in=students.values("pk")).select_related(
            "student", "decided_by"
        )
    }
    rows = []
    for student in found:
        requirement = requirements.get(programme_key(student.programme))
        progress = _progress(student, terms.get(student.pk, []), requirement, today)
        for flag in progress.flags:
            decision = decisions.get((student.pk, flag.kind, flag.period))
            if decision is None or not undecided_only:
                rows.append(FlagRow(student, flag, decision))
    rows.sort(key=lambda row: (row.decided, row.student.student_id, row.flag.kind, row.flag.period))
    return rows


def academic_decisions_of(*, user, student: Student) -> QuerySet[AcademicDecision]:
    """The decisions on a student's flags the user may see: staff every one, the student the warnings issued."""
    return AcademicDecision.objects.visible_to(user).filter(student=student).select_related("student", "decided_by")


def academic_decision_get(*, user, pk: int) -> AcademicDecision | None:
    return AcademicDecision.objects.visible_to(user).select_related("student", "decided_by").filter(pk=pk).first()


def referrals_for_office(*, students: QuerySet[Student]) -> QuerySet[AcademicDecision]:
    """Students a school referred for an ordered-to-quit decision (Supplementary 32), for the office's list."""
    return (
        AcademicDecision.objects.filter(outcome=DecisionOutcome.REFERRED, student__in=students)
        .exclude(student__status=StudentStatus.LEFT)
        .select_related("student__school")
        .order_by("decided_at", "pk")
    )


# --- Applications to defer or give up an examination ---------------------------------------------------------------


def _exam_applications(user) -> QuerySet[ExamApplication]:
    return ExamApplication.objects.visible_to(user).select_related(
        "enrolment__student__school",
        "enrolment__offering__course",
        "enrolment__offering__semester",
        "enrolment__offering__school",
        "makeup_offering__semester",
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


def pending_exam_applications(*, offering: Offering) -> dict[int, ExamApplication]:
    """The applications of an offering waiting for a decision, by enrolment id (one query), for the results grid."""
    return {
        application.enrolment_id: application
        for application in ExamApplication.objects.filter(
            enrolment__offering=offering, state=ExamApplicationState.PENDING
        ).order_by("created_at", "pk")
    }


def makeup_candidates(*, student: Student, today: date) -> set[int]:
    """The student's enrolments whose result may be made up now in some later offering (Assessment 24-27, through
    services.makeup_refusal), without an open makeup application: where the results page links to the application.
    Four queries, whatever the number of results."""
    results = list(
        Result.objects.filter(enrolment__student=student)
        .select_related("enrolment__offering__course", "enrolment__offering__semester")
        .order_by("enrolment__offering__semester__starts_on", "pk")
    )
    failed = [r for r in results if r.enrolment.attempt == Attempt.FIRST and not r.grade_value]
    if not failed:
        return set()
    enrolments = list(
        Enrolment.objects.filter(student=student)
        .select_related("offering__semester")
        .order_by("offering__semester__starts_on", "pk")
    )
    enrolled = {e.offering_id for e in enrolments}
    applied = set(
        ExamApplication.objects.filter(
            enrolment__student=student, kind=ExamApplicationKind.MAKEUP, state__in=OPEN_EXAM_APPLICATION_STATES
        ).values_list("enrolment_id", flat=True)
    )
    later = (
        Offering.objects.filter(course_id__in={r.enrolment.offering.course_id for r in failed})
        .filter(Q(assessed_on__gte=today) | Q(assessed_on__isnull=True, semester__ends_on__gte=today))
        .exclude(pk__in=enrolled)
        .select_related("course", "semester")
    )
    by_course: dict[int, list[Offering]] = {}
    for offering in later:
        by_course.setdefault(offering.course_id, []).append(offering)
    found = set()
    for result in failed:
        enrolment = result.enrolment
        if enrolment.pk in applied:
            continue
        for offering in by_course.get(enrolment.offering.course_id, []):
            starts_on = offering.semester.starts_on
            if starts_on <= enrolment.offering.semester.starts_on:
                continue
            earlier = [
                r
                for r in results
                if r.enrolment.offering.course_id == offering.course_id
                and r.enrolment.offering.semester.starts_on < starts_on
            ]
            latest = [r for r in earlier if r.enrolment.attempt == Attempt.FIRST][-1]
            of_course = [e for e in enrolments if e.offering.course_id == offering.course_id]
            refusal = makeup_refusal(earlier=earlier, offering=offering, today=today, enrolments=of_course)
            if latest.pk == result.pk and refusal is None:
                found.add(enrolment.pk)
                break
    return found


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
