"""Writes of the academics app: enrolments, result entry (one, a grid, a CSV file), corrections, transcript requests.

Every write checks its preconditions with academics.rules, changes state inside transaction.atomic(), appends a
ResultChange (for results) and an audit entry, and returns the object.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from academics import permissions, rules
from academics.models import (
    OPEN_EXAM_APPLICATION_STATES,
    AcademicDecision,
    Attempt,
    CorrectionRequest,
    CorrectionState,
    Course,
    DecisionOutcome,
    DeferralReasonChoice,
    Enrolment,
    ExamApplication,
    ExamApplicationEvent,
    ExamApplicationKind,
    ExamApplicationState,
    Offering,
    Result,
    ResultChange,
    ResultMark,
    Scale,
)
from portal import services as portal_services
from portal.audit import audit_record
from portal.models import EvidenceKind, GeneratedDocument, Role, Semester, Student, User
from portal.services import ConflictError, generated_document_request

# The office's settings of the rules (RULES.md: the handbook's number is the default, the other a parameter).
PASS_MARK = getattr(settings, "ACADEMICS_PASS_MARK", rules.DEFAULT_PASS_MARK)
MAKEUP_PASS_VALUE = Decimal(str(getattr(settings, "ACADEMICS_MAKEUP_PASS_VALUE", rules.DEFAULT_MAKEUP_PASS_VALUE)))

# Marks that are the whole result: the value stays blank (Assessment 18-21; Academic Rules 16; Supplementary 16).
MARK_ONLY = frozenset({ResultMark.ABSENT, ResultMark.VIOLATION, ResultMark.DEFERRED, ResultMark.GAVE_UP,
                       ResultMark.BARRED})  # fmt: skip
# Handbook: Academic Rules 16 (the drop of an examination is approved a week before it).
DROP_DAYS_BEFORE_EXAM = 7

CSV_HEADER = ("student_id", "result", "mark", "reason")
CSV_MAX_BYTES = 1024 * 1024
CSV_MAX_ROWS = 2000


# "Not looked up yet", as opposed to None: "no next semester in the calendar".
UNKNOWN = object()


# --- Phases -----------------------------------------------------------------------------------------------------


def offering_assessed_on(offering: Offering) -> date:
    """The assessment day: the offering's own, or else the semester's last day."""
    return offering.assessed_on or offering.semester.ends_on


def next_semester_start(semester: Semester) -> date | None:
    following = Semester.objects.filter(starts_on__gt=semester.starts_on).order_by("starts_on").first()
    return following.starts_on if following else None


def offering_phase_dates(offering: Offering, *, next_starts_on=UNKNOWN) -> rules.PhaseDates:
    """Assessment 31 for one offering: the last day of entry and of publicity."""
    if next_starts_on is UNKNOWN:
        next_starts_on = next_semester_start(offering.semester)
    return rules.result_phase_dates(assessed_on=offering_assessed_on(offering), next_semester_starts_on=next_starts_on)


def offering_phase(offering: Offering, *, today: date | None = None, next_starts_on=UNKNOWN) -> str:
    today = today or timezone.localdate()
    if next_starts_on is UNKNOWN:
        next_starts_on = next_semester_start(offering.semester)
    return rules.result_phase(
        assessed_on=offering_assessed_on(offering), next_semester_starts_on=next_starts_on, today=today
    )


# Why a makeup or a retake is refused, in words for the school (Assessment 24-27; Academic Rules 20).
MAKEUP_REFUSALS = {
    rules.MakeupRefusal.PRACTICAL_COURSE: gettext_lazy("a practical course has no makeup; it is studied again"),
    rules.MakeupRefusal.DISCIPLINE_VIOLATION: gettext_lazy("there is no makeup after a discipline violation"),
    rules.MakeupRefusal.ZERO_RESULT: gettext_lazy("there is no makeup after a result of 0"),
    rules.MakeupRefusal.ABSENT: gettext_lazy("there is no makeup after an absence without reason"),
    rules.MakeupRefusal.NOTHING_TO_MAKE_UP: gettext_lazy("the course was passed or given up: nothing to make up"),
    rules.MakeupRefusal.ALREADY_TAKEN: gettext_lazy("the one makeup of this course was already taken"),
    rules.MakeupRefusal.LATE_APPLICATION: gettext_lazy("the makeup's examination date has passed"),
    rules.MakeupRefusal.STUDY_PERIOD_OVER: gettext_lazy("it is more than 2 years after the normal length of study"),
}
RETAKE_REFUSALS = {
    rules.RetakeRefusal.NOT_PASSED: gettext_lazy("only a passed course is retaken to improve it"),
    rules.RetakeRefusal.LIMIT_REACHED: gettext_lazy("a course is retaken to improve it at most twice"),
    rules.RetakeRefusal.STUDY_PERIOD_OVER: gettext_lazy("it is more than 2 years after the normal length of study"),
}


# --- Enrolments -------------------------------------------------------------------------------------------------


def _earlier_results(*, student: Student, course_code: str, before: Offering) -> list[Result]:
    return list(
        Result.objects.filter(
            enrolment__student=student,
            enrolment__offering__course__code=course_code,
            enrolment__offering__semester__starts_on__lt=before.semester.starts_on,
        )
        .select_related("enrolment__offering__course")
        .order_by("enrolment__offering__semester__starts_on")
    )


def _course_enrolments(*, student: Student, course_code: str) -> list[Enrolment]:
    """Every enrolment of the student in the course, with or without a result, oldest first."""
    return list(
        Enrolment.objects.filter(student=student, offering__course__code=course_code)
        .select_related("offering__semester")
        .order_by("offering__semester__starts_on", "pk")
    )


def makeup_refusal(
    *, earlier: list[Result], offering: Offering, today: date, enrolments: list[Enrolment]
) -> str | None:
    """Why a makeup in `offering` is refused, in the user's language (None: allowed). `earlier` are the student's
    results of the course before that offering, oldest first; the makeup is of the last first sitting. `enrolments`
    are all the student's enrolments in the course: a makeup enrolled but not sat yet is the one makeup already, and
    a later first sitting (studying the course again) replaces the makeup."""
    first = [r for r in earlier if r.enrolment.attempt == Attempt.FIRST]
    if not first:
        return _("A makeup needs an earlier result of this course.")
    last = first[-1]
    # Handbook: STATUS Art. 16.VIII - a failed course is made up once, or studied again: not both.
    studied_again = any(
        e.attempt == Attempt.FIRST
        and e.offering.semester.starts_on > last.enrolment.offering.semester.starts_on
        and e.offering_id != offering.pk
        for e in enrolments
    )
    if studied_again:
        return _("This makeup is not allowed: the course is being studied again.")
    # Handbook: Assessment 24-26 (one makeup; none after 0 or a violation; none for practical courses; applied for
    # by the makeup's examination).
    decision = rules.makeup_eligibility(
        result=rules.normalise_result(last.value, last.scale) if last.value else None,
        scale=last.scale,
        mark=last.mark or None,
        course_type=offering.course.course_type,
        makeups_taken=sum(1 for e in enrolments if e.attempt == Attempt.MAKEUP and e.offering_id != offering.pk),
        applied_on=today,
        application_deadline=offering_assessed_on(offering),
        pass_mark=PASS_MARK,
    )
    if not decision.allowed:
        return _("This makeup is not allowed: %(why)s.") % {"why": MAKEUP_REFUSALS[decision.refusal]}
    return None


def _may_enrol(actor: User, offering: Offering, student: Student, application: ExamApplication | None) -> bool:
    if permissions.can_enter_results(actor, offering):
        return True
    # Handbook: Assessment 24 (a makeup by application): the student's school, approving the student's makeup
    # application, enrols the student in the offering the application names, whichever school teaches it.
    return (
        application is not None
        and application.kind == ExamApplicationKind.MAKEUP
        and application.makeup_offering_id == offering.pk
        and application.enrolment.student_id == student.pk
        and permissions.can_decide_exam_application(actor, student)
    )


def enrolment_add(
    *,
    offering: Offering,
    student: Student,
    attempt: str = Attempt.FIRST,
    actor: User,
    today: date | None = None,
    application: ExamApplication | None = None,
) -> Enrolment:
    """Enrol a student in an offering; a retake or a makeup is checked against the earlier results of the course.
    `application`: the makeup application being approved, which lets the student's school enrol."""
    today = today or timezone.localdate()
    if not _may_enrol(actor, offering, student, application):
        raise ValidationError(_("Only the school that teaches this course enrols its students."))
    attempt = Attempt(attempt)
    course = offering.course
    earlier = _earlier_results(student=student, course_code=course.code, before=offering)
    if attempt == Attempt.RETAKE:
        standing = rules.standing_attempt(
            [r.as_record() for r in earlier if r.enrolment.attempt != Attempt.MAKEUP],
            makeup_pass_value=MAKEUP_PASS_VALUE,
            pass_mark=PASS_MARK,
        )
        if (
            standing is None
            or standing.get("mark") is not None
            or not rules.is_pass(standing["result"], standing["scale"], pass_mark=PASS_MARK)
        ):
            raise ValidationError(_("A retake to improve needs an earlier passed result of this course."))
        # Handbook: Academic Rules 20 (a passed course retaken at most twice).
        decision = rules.retake_eligibility(
            result=standing["result"],
            scale=standing["scale"],
            retakes_taken=sum(1 for r in earlier if r.enrolment.attempt == Attempt.RETAKE),
            applied_on=today,
            pass_mark=PASS_MARK,
        )
        if not decision.allowed:
            raise ValidationError(
                _("This retake is not allowed: %(why)s.") % {"why": RETAKE_REFUSALS[decision.refusal]}
            )
    with transaction.atomic():
        if attempt == Attempt.MAKEUP:
            # The student's row serialises two makeups of one course (the school enrolling, an application approved):
            # the count below then sees the other's enrolment.
            Student.objects.select_for_update().filter(pk=student.pk).first()
            refusal = makeup_refusal(
                earlier=earlier,
                offering=offering,
                today=today,
                enrolments=_course_enrolments(student=student, course_code=course.code),
            )
            if refusal:
                raise ValidationError(refusal)
        enrolment, created = Enrolment.objects.get_or_create(
            offering=offering, student=student, defaults={"attempt": attempt}
        )
        if not created and enrolment.attempt != attempt:
            raise ValidationError(_("The student is already enrolled in this offering."))
        if created:
            audit_record(
                actor=actor,
                action="academics.enrolment_added",
                target=enrolment,
                student=student,
                changes={"offering": ["", str(offering)], "attempt": ["", attempt.value]},
            )
    return enrolment


def enrolment_deferral_approve(
    *, enrolment: Enrolment, reason: str, proof_provided: bool, applied_on: date, actor: User
) -> Enrolment:
    """Assessment 21-22: approve a deferred assessment (hospitalisation, family force majeure, representing)."""
    if not permissions.can_decide_exam_application(actor, enrolment.student) and not (
        permissions.can_decide_corrections(actor)
    ):
        raise ValidationError(_("You may not approve deferrals for this student."))
    try:
        reason = rules.check_deferral_application(
            reason=reason,
            proof_provided=proof_provided,
            applied_on=applied_on,
            assessed_on=offering_assessed_on(enrolment.offering),
        )
    except ValueError as exc:
        raise ValidationError(str(exc)) from None
    with transaction.atomic():
        enrolment.deferral_reason = reason.value
        enrolment.deferral_approved_at = timezone.now()
        enrolment.save(update_fields=["deferral_reason", "deferral_approved_at"])
        audit_record(
            actor=actor,
            action="academics.deferral_approved",
            target=enrolment,
            student=enrolment.student,
            changes={"deferral_reason": ["", reason.value]},
        )
    return enrolment


# --- Results ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Normalised:
    value: str
    mark: str
    scale: str


def result_normalise(*, enrolment: Enrolment, value: str, mark: str) -> Normalised:
    """The typed or uploaded result in canonical form on the enrolment's scale, or a ValidationError saying why."""
    value = (value or "").strip()
    mark = (mark or "").strip().lower()
    course = enrolment.offering.course
    if mark and mark not in ResultMark.values:
        raise ValidationError(
            _("%(mark)s is not a special mark; use one of %(marks)s.")
            % {"mark": mark, "marks": ", ".join(ResultMark.values)}
        )
    if enrolment.attempt == Attempt.MAKEUP:
        # Handbook: Assessment 25 (a makeup is recorded Pass, Fail or Absent and marked as a makeup).
        if mark not in ("", ResultMark.MAKEUP):
            raise ValidationError(_("A makeup is recorded Pass, Fail or Absent, with no other mark."))
        if value.casefold() == rules.MAKEUP_ABSENT.casefold():
            return Normalised(rules.MAKEUP_ABSENT, ResultMark.MAKEUP, Scale.PASS_FAIL)
        try:
            return Normalised(str(rules.normalise_result(value, Scale.PASS_FAIL)), ResultMark.MAKEUP, Scale.PASS_FAIL)
        except ValueError:
            raise ValidationError(
                _("A makeup result is Pass, Fail or Absent (got %(value)s).") % {"value": value or "-"}
            )
    if mark == ResultMark.MAKEUP:
        raise ValidationError(_("Only a makeup sitting is marked as a makeup."))
    if mark in MARK_ONLY:
        if value:
            raise ValidationError(_("Leave the result empty when the mark says it (%(mark)s).") % {"mark": mark})
        if mark == ResultMark.DEFERRED and enrolment.deferral_approved_at is None:
            # Handbook: Assessment 21 (deferred only with an approved application).
            raise ValidationError(_("Deferred needs an approved deferral application for this student."))
        if mark == ResultMark.GAVE_UP and enrolment.drop_approved_on is None:
            # Handbook: Academic Rules 16 (a drop applied for a week before the examination, and approved; the week
            # is checked on the application when it is approved, see enrolment_drop_approve).
            raise ValidationError(
                _("Gave up the examination needs an approved drop applied for at least a week before the examination.")
            )
        return Normalised("", mark, course.scale)
    if not value:
        raise ValidationError(_("Enter a result or choose a mark."))
    try:
        canonical = rules.normalise_result(value, course.scale)
    except ValueError:
        if course.scale == Scale.HUNDRED:
            raise ValidationError(_("%(value)s is not a whole number from 0 to 100.") % {"value": value})
        raise ValidationError(
            _("%(value)s is not a grade of this course's scale; use one of %(grades)s.")
            % {"value": value, "grades": ", ".join(rules.GRADE_TABLES[rules.Scale(course.scale)])}
        )
    return Normalised(str(canonical), "", course.scale)


def _grade_value(normalised: Normalised, credits: Decimal) -> Decimal | None:
    record = {"course": "-", "credits": credits, "scale": normalised.scale, "mark": normalised.mark or None}
    if normalised.value:
        record["result"] = int(normalised.value) if normalised.scale == Scale.HUNDRED else normalised.value
    return rules.record_value(record, makeup_pass_value=MAKEUP_PASS_VALUE, pass_mark=PASS_MARK)


def result_record(
    *,
    enrolment: Enrolment,
    value: str,
    mark: str = "",
    actor: User,
    reason: str = "",
    expected_version: int | None = None,
    today: date | None = None,
    source: str = "grid",
    correction: CorrectionRequest | None = None,
    next_starts_on=UNKNOWN,
    request=None,
) -> Result:
    """Enter or change one result under the phase rules of Assessment 31-38; every change is kept and audited.

    1. Only the teaching school's staff (or an admin) write results; an approved correction is applied by the office.
    2. The value is normalised on the enrolment's scale; marks are checked (deferred and gave up need approvals).
    3. The phase today decides: entry is free, publicity needs a reason, stable needs an approved correction.
    4. A stale version (somebody saved first) is refused with ConflictError; an unchanged result writes nothing.
    """
    today = today or timezone.localdate()
    offering = enrolment.offering
    if correction is None and not permissions.can_enter_results(actor, offering):
        raise ValidationError(_("Only the school that teaches this course enters its results."))
    normalised = result_normalise(enrolment=enrolment, value=value, mark=mark)
    if next_starts_on is UNKNOWN:
        next_starts_on = next_semester_start(offering.semester)
    dates = offering_phase_dates(offering, next_starts_on=next_starts_on)
    phase = rules.result_phase(
        assessed_on=offering_assessed_on(offering), next_semester_starts_on=next_starts_on, today=today
    )
    reason = (reason or "").strip()
    with transaction.atomic():
        # The enrolment row is locked first, so two first entries of one result wait for each other instead of
        # the second failing on the one-result-per-enrolment constraint.
        Enrolment.objects.select_for_update().filter(pk=enrolment.pk).first()
        result = Result.objects.select_for_update().filter(enrolment=enrolment).first()
        if expected_version is not None and (result.version if result else 0) != expected_version:
            raise ConflictError(
                _("The result of %(student)s was changed by someone else meanwhile; reload and check it.")
                % {"student": enrolment.student.student_id}
            )
        if result is not None and (result.value, result.mark) == (normalised.value, normalised.mark):
            return result
        try:
            rules.check_result_change(phase=phase, reason=reason, correction_approved=correction is not None)
        except ValueError:
            if phase == rules.ResultPhase.PUBLICITY:
                raise ValidationError(_("The results are in the publicity phase: a change needs a reason."))
            raise ValidationError(_("The result is stable: a change needs an approved correction request."))
        grade_value = _grade_value(normalised, offering.course.credits)
        now = timezone.now()
        old_value, old_mark = (result.value, result.mark) if result else ("", "")
        if result is None:
            result = Result(enrolment=enrolment, entered_by=actor, entered_at=now, version=0)
        result.value, result.mark, result.scale = normalised.value, normalised.mark, normalised.scale
        result.grade_value = grade_value
        result.entry_ends_on, result.publicity_ends_on = dates.entry_ends_on, dates.publicity_ends_on
        result.updated_at = now
        result.version += 1
        result.save()
        ResultChange.objects.create(
            result=result,
            at=now,
            by=actor,
            old_value=old_value,
            old_mark=old_mark,
            new_value=normalised.value,
            new_mark=normalised.mark,
            phase=phase,
            reason=reason,
            correction=correction,
            source=source,
        )
        audit_record(
            actor=actor,
            action="academics.result_changed" if old_value or old_mark else "academics.result_entered",
            target=result,
            student=enrolment.student,
            changes={
                "course": ["", offering.course.code],
                "semester": ["", offering.semester.code],
                "result": [old_value, normalised.value],
                "mark": [old_mark, normalised.mark],
                "phase": ["", str(phase)],
            },
            reason=reason,
            request=request,
        )
    return result


@dataclass
class RowOutcome:
    line: int
    student_id: str
    status: str = ""  # "saved", "unchanged", "error"
    message: str = ""


@dataclass
class BatchOutcome:
    rows: list[RowOutcome] = field(default_factory=list)

    @property
    def saved(self) -> int:
        return sum(1 for row in self.rows if row.status == "saved")

    @property
    def unchanged(self) -> int:
        return sum(1 for row in self.rows if row.status == "unchanged")

    @property
    def errors(self) -> list[RowOutcome]:
        return [row for row in self.rows if row.status == "error"]


def _messages(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(exc.messages)
    return str(exc)


def results_save_rows(
    *, offering: Offering, rows: list[dict], actor: User, source: str, today: date | None = None, request=None
) -> BatchOutcome:
    """Save many results of one offering: each row on its own, so a bad row changes nothing and good rows are kept.

    `rows` are mappings with line, student_id, value, mark, reason and optionally version (the grid's).
    """
    if not permissions.can_enter_results(actor, offering):
        raise ValidationError(_("Only the school that teaches this course enters its results."))
    enrolments = {
        e.student.student_id: e
        for e in Enrolment.objects.filter(offering=offering).select_related(
            "student", "offering__course", "offering__semester", "result"
        )
    }
    # The calendar is read once for the whole file, not once per row.
    next_starts_on = next_semester_start(offering.semester)
    outcome = BatchOutcome()
    seen: set[str] = set()
    for row in rows:
        student_id = (row.get("student_id") or "").strip()
        line = RowOutcome(line=row["line"], student_id=student_id)
        outcome.rows.append(line)
        enrolment = enrolments.get(student_id)
        if enrolment is None:
            line.status, line.message = "error", _("%(id)s is not enrolled in this course.") % {"id": student_id or "-"}
            continue
        if student_id in seen:
            line.status, line.message = "error", _("This student appears more than once.")
            continue
        seen.add(student_id)
        before = getattr(enrolment, "result", None)
        before_version = before.version if before else 0
        try:
            # A savepoint per row: a refused row rolls back alone.
            with transaction.atomic():
                result = result_record(
                    enrolment=enrolment,
                    value=row.get("value", ""),
                    mark=row.get("mark", ""),
                    actor=actor,
                    reason=row.get("reason", ""),
                    expected_version=row.get("version"),
                    today=today,
                    source=source,
                    next_starts_on=next_starts_on,
                    request=request,
                )
        except (ValidationError, ConflictError) as exc:
            line.status, line.message = "error", _messages(exc)
            continue
        line.status = "saved" if result.version != before_version else "unchanged"
    return outcome


def enrolments_add_many(
    *, offering: Offering, student_ids: list[str], attempt: str, actor: User, today: date | None = None
) -> BatchOutcome:
    """Enrol pasted student IDs (those the actor may see); each ID on its own, refusals say why."""
    if not permissions.can_enter_results(actor, offering):
        raise ValidationError(_("Only the school that teaches this course enrols its students."))
    students = {
        s.student_id: s
        for s in Student.objects.filter(permissions.record_scope(actor, prefix=""), student_id__in=student_ids)
    }
    outcome = BatchOutcome()
    for line, student_id in enumerate(student_ids, start=1):
        row = RowOutcome(line=line, student_id=student_id)
        outcome.rows.append(row)
        student = students.get(student_id)
        if student is None:
            row.status, row.message = "error", _("No student with this ID among the students you can see.")
            continue
        if Enrolment.objects.filter(offering=offering, student=student).exists():
            row.status, row.message = "unchanged", _("Already enrolled.")
            continue
        try:
            enrolment_add(offering=offering, student=student, attempt=attempt, actor=actor, today=today)
        except ValidationError as exc:
            row.status, row.message = "error", "; ".join(exc.messages)
            continue
        row.status = "saved"
    return outcome


class ResultFileError(Exception):
    """The uploaded file as a whole cannot be read (not rows of it)."""


def _read_csv(upload) -> list[dict]:
    data = upload.read(CSV_MAX_BYTES + 1)
    if len(data) > CSV_MAX_BYTES:
        raise ResultFileError(_("The file is larger than 1 MB."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ResultFileError(_("The file is not UTF-8 text; save it as CSV UTF-8.")) from None
    if "\x00" in text:
        raise ResultFileError(_("The file is not a CSV text file."))
    reader = csv.DictReader(io.StringIO(text))
    columns = [(name or "").strip().lower() for name in (reader.fieldnames or [])]
    missing = [name for name in ("student_id", "result") if name not in columns]
    if missing:
        raise ResultFileError(_("The header lacks the columns: %(columns)s.") % {"columns": ", ".join(missing)})
    reader.fieldnames = columns
    rows = []
    for line, row in enumerate(reader, start=2):
        if len(rows) >= CSV_MAX_ROWS:
            raise ResultFileError(_("The file has more than %(n)s rows.") % {"n": CSV_MAX_ROWS})
        values = {key: (value or "").strip() for key, value in row.items() if key and isinstance(value, str)}
        if not any(values.values()):
            continue
        rows.append(
            {
                "line": line,
                "student_id": values.get("student_id", ""),
                "value": values.get("result", ""),
                "mark": values.get("mark", ""),
                "reason": values.get("reason", ""),
            }
        )
    if not rows:
        raise ResultFileError(_("The file has no result rows."))
    return rows


def results_import_csv(*, offering: Offering, upload, actor: User, today: date | None = None, request=None):
    """A CSV of results (student_id, result, mark, reason) for one offering; the outcome says what each row did."""
    if not permissions.can_enter_results(actor, offering):
        raise ValidationError(_("Only the school that teaches this course enters its results."))
    rows = _read_csv(upload)
    return results_save_rows(offering=offering, rows=rows, actor=actor, source="csv", today=today, request=request)


# --- Corrections of stable results (Assessment 38, 41) -----------------------------------------------------------


def correction_request(
    *, result: Result, value: str, mark: str = "", reason: str, actor: User, request=None
) -> CorrectionRequest:
    """The teaching school asks to change a stable result, with a reason; the office decides."""
    enrolment = result.enrolment
    if not permissions.can_enter_results(actor, enrolment.offering):
        raise ValidationError(_("Only the school that teaches this course asks for corrections."))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the result must be corrected.")})
    normalised = result_normalise(enrolment=enrolment, value=value, mark=mark)
    if (normalised.value, normalised.mark) == (result.value, result.mark):
        raise ValidationError(_("The corrected result is the same as the recorded one."))
    with transaction.atomic():
        if CorrectionRequest.objects.filter(result=result, state=CorrectionState.PENDING).exists():
            raise ConflictError(_("A correction of this result is already waiting for a decision."))
        correction = CorrectionRequest.objects.create(
            result=result,
            new_value=normalised.value,
            new_mark=normalised.mark,
            reason=reason.strip(),
            requested_by=actor,
        )
        audit_record(
            actor=actor,
            action="academics.correction_requested",
            target=correction,
            student=enrolment.student,
            changes={"result": [result.value, normalised.value], "mark": [result.mark, normalised.mark]},
            reason=correction.reason,
            request=request,
        )
    return correction


def correction_decide(
    *, correction: CorrectionRequest, approve: bool, actor: User, note: str = "", request=None
) -> CorrectionRequest:
    """The office approves (the change is applied at once, with the request's reason) or rejects a correction."""
    if not permissions.can_decide_corrections(actor):
        raise ValidationError(_("Only the International College decides on corrections of results."))
    if correction.requested_by_id == actor.pk:
        raise ValidationError(_("Nobody decides on their own correction request."))
    if not approve and not (note or "").strip():
        raise ValidationError({"note": _("Say why the correction is rejected.")})
    with transaction.atomic():
        locked = CorrectionRequest.objects.select_for_update().get(pk=correction.pk)
        if locked.state != CorrectionState.PENDING:
            raise ConflictError(_("This correction request was already decided."))
        locked.state = CorrectionState.APPROVED if approve else CorrectionState.REJECTED
        locked.decided_by, locked.decided_at, locked.decision_note = actor, timezone.now(), (note or "").strip()
        locked.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
        enrolment = locked.result.enrolment
        if approve:
            result_record(
                enrolment=enrolment,
                value=locked.new_value,
                mark=locked.new_mark,
                actor=actor,
                reason=locked.reason,
                source="correction",
                correction=locked,
                request=request,
            )
        audit_record(
            actor=actor,
            action="academics.correction_approved" if approve else "academics.correction_rejected",
            target=locked,
            student=enrolment.student,
            reason=locked.decision_note,
            request=request,
        )
    return locked


# --- Academic warnings: decisions on the flags of the progress rules (Academic Rules 15; Supplementary 32) -------


def academic_decision_record(
    *,
    student: Student,
    kind: str,
    period: str,
    outcome: str,
    reason: str,
    actor: User,
    today: date | None = None,
    request=None,
) -> AcademicDecision:
    """Staff of the student's school (or the International College) decide on a flag the rules raise now: issue an
    academic warning (the student is told), refer the student to the office for an ordered-to-quit decision, or no
    action. Kept with who, when and why; one decision per flag and period."""
    from academics import selectors

    today = today or timezone.localdate()
    reason = (reason or "").strip()
    if (
        not permissions.can_view_records(actor)
        or not Student.objects.filter(permissions.record_scope(actor, prefix=""), pk=student.pk).exists()
    ):
        raise PermissionDenied(_("Only staff of the student's school or the International College decide on this."))
    if outcome not in DecisionOutcome.values:
        raise ValidationError({"outcome": _("Choose a decision: an academic warning, a referral or no action.")})
    try:
        allowed = rules.decisions_allowed(kind)
    except ValueError:
        raise ValidationError(_("The rules do not flag this student for that period (any more).")) from None
    if outcome not in allowed:
        # Handbook: Supplementary 32: ordered to quit is the office's decision (a withdrawal or dismissal
        # decision); a school refers it. Warnings and no action are for the other flags.
        if rules.DECISION_REFERRED in allowed:
            message = _(
                "This flag meets a rule for being ordered to quit: refer the student to the International College, "
                "which decides it with a withdrawal or dismissal decision."
            )
        else:
            message = _(
                "Decide an academic warning or no action: a referral for an ordered-to-quit decision is only for "
                "the credits rule or an exceeded length of study."
            )
        raise ValidationError({"outcome": message})
    if not reason:
        raise ValidationError({"reason": _("Say why: the reason is kept with the decision.")})
    # Handbook: Supplementary 32 ("the portal computes these warnings; a person decides"): only a flag the rules
    # raise today can be decided, with the figures it shows.
    progress = selectors.student_progress(student=student, today=today)
    row = next((row for row in progress.flags if (row.flag.kind, row.flag.period) == (kind, period)), None)
    if row is None:
        raise ValidationError(_("The rules do not flag this student for that period (any more)."))
    if row.decision is not None:
        raise ConflictError(
            _("This flag was already decided on %(day)s.") % {"day": f"{row.decision.decided_at:%Y-%m-%d}"}
        )
    try:
        with transaction.atomic():
            decision = AcademicDecision.objects.create(
                student=student,
                kind=kind,
                period=period,
                outcome=outcome,
                reason=reason,
                earned=row.flag.earned,
                required=row.flag.required,
                decided_by=actor,
            )
            audit_record(
                actor=actor,
                action=f"academics.academic_decision_{outcome}",
                target=decision,
                student=student,
                changes={"flag": ["", f"{kind} {period}"], "decision": ["", outcome]},
                reason=reason,
                request=request,
            )
            if outcome == DecisionOutcome.WARNING:
                portal_services.notify(
                    user=student.user,
                    template="academics/email/academic_warning",
                    context={"decision": decision, "student": student},
                    url=reverse("academics_my_progress"),
                )
    except IntegrityError:
        # Someone else decided the same flag between the check above and this insert (the unique constraint).
        raise ConflictError(_("This flag was decided by someone else a moment ago.")) from None
    return decision


# --- Transcripts --------------------------------------------------------------------------------------------------


def transcript_request(
    *, user: User, student: Student, study_abroad: bool = False, language: str | None = None
) -> GeneratedDocument:
    """A transcript rendered in the background: the student's own unofficial copy, or an official one by the office."""
    if getattr(user, "is_student", False):
        if getattr(user, "student", None) is None or user.student.pk != student.pk:
            raise ValidationError(_("Students ask only for their own transcript."))
        official = False
        title = _("Unofficial transcript (%(id)s)") % {"id": student.student_id}
    elif permissions.can_print_transcripts(user):
        if not Student.objects.filter(permissions.record_scope(user, prefix=""), pk=student.pk).exists():
            raise ValidationError(_("You may not print this student's transcript."))
        official = True
        title = _("Official transcript (%(id)s)") % {"id": student.student_id}
    else:
        raise ValidationError(_("Official transcripts are issued by the International College and the schools."))
    return generated_document_request(
        owner=user,
        kind="academic_transcript",
        title=title,
        parameters={"student_id": student.student_id, "official": official, "study_abroad": bool(study_abroad)},
        language=language,
    )


def transcript_batch_request(
    *,
    user: User,
    student_ids: list[str],
    title: str,
    study_abroad: bool = False,
    output: str = "pdf",
    language: str | None = None,
) -> GeneratedDocument:
    """Official transcripts of many students as one merged PDF or a ZIP of one PDF each ("pdf" or "zip"), rendered
    by a worker with progress."""
    # Imported here: academics.documents reads records through selectors, which import this module.
    from academics.documents import BatchOutput

    if not permissions.can_print_transcript_batches(user):
        raise ValidationError(_("Batches of official transcripts are printed by the International College."))
    if not student_ids:
        raise ValidationError(_("No students to print."))
    if output not in BatchOutput.values:
        raise ValidationError(_("Choose one merged PDF or a ZIP with one PDF per student."))
    return generated_document_request(
        owner=user,
        kind="academic_transcript_batch",
        title=title[:200],
        parameters={"student_ids": list(student_ids), "study_abroad": bool(study_abroad), "output": output},
        total_items=len(student_ids),
        language=language,
    )


# --- Applications to defer or give up an examination ---------------------------------------------------------------

EXAM_APPLICATION_STATEMENT_MAX_LENGTH = 2000
# The proof is decided with the application, in its own queue (Evidence.reviewed_in), never in the documents queue.
EXAM_APPLICATION_REVIEWED_IN = "academics"


def enrolment_drop_approve(*, enrolment: Enrolment, applied_on: date, approved_on: date, actor: User) -> Enrolment:
    """Academic Rules 16: approve giving up an examination applied for a week before it; the grid then accepts the
    "gave up" mark."""
    if not permissions.can_decide_exam_application(actor, enrolment.student):
        raise ValidationError(_("You may not approve drops for this student."))
    assessed_on = offering_assessed_on(enrolment.offering)
    try:
        # Handbook: Academic Rules 16 ("apply for dropping a course one week before the examination"): the week is
        # the student's, so it is checked on the day of the application, not on the day the school gets to it.
        rules.check_drop_decision_day(on=applied_on, assessed_on=assessed_on, days_before=DROP_DAYS_BEFORE_EXAM)
    except ValueError:
        raise ValidationError(_drop_too_late(assessed_on)) from None
    with transaction.atomic():
        old = str(enrolment.drop_approved_on or "")
        enrolment.drop_approved_on = approved_on
        enrolment.save(update_fields=["drop_approved_on"])
        audit_record(
            actor=actor,
            action="academics.drop_approved",
            target=enrolment,
            student=enrolment.student,
            changes={"drop_approved_on": [old, str(approved_on)]},
        )
    return enrolment


def _drop_too_late(assessed_on: date) -> str:
    return _(
        "An examination is given up with a drop applied for at least a week before it: the examination is on "
        "%(exam)s, so the last day was %(last)s."
    ) % {
        "exam": assessed_on,
        "last": rules.last_day_to_approve_drop(assessed_on=assessed_on, days_before=DROP_DAYS_BEFORE_EXAM),
    }


def _deferral_errors(*, reason: str, proof_provided: bool, applied_on: date, assessed_on: date) -> dict:
    """Assessment 21-22 through rules.check_deferral_application, with the refusal in the user's language."""
    try:
        rules.check_deferral_application(
            reason=reason, proof_provided=proof_provided, applied_on=applied_on, assessed_on=assessed_on
        )
    except ValueError:
        pass
    else:
        return {}
    if reason not in DeferralReasonChoice.values:
        return {
            "deferral_reason": _(
                "A deferral is granted only for hospitalisation, force majeure in the immediate family, or "
                "representing the university."
            )
        }
    if not proof_provided:
        return {"proof": _("Attach the proof: %(proof)s.") % {"proof": DEFERRAL_PROOF_LABELS[reason]}}
    return {
        "__all__": _("A deferral is applied for beforehand: by the day of the assessment (%(date)s) at the latest.")
        % {"date": assessed_on}
    }


# What proves each reason for deferral (Assessment 22), in words for the student.
DEFERRAL_PROOF_LABELS = {
    DeferralReasonChoice.HOSPITALISATION: gettext_lazy("a certificate of the hospital"),
    DeferralReasonChoice.FAMILY_FORCE_MAJEURE: gettext_lazy("proof of what happened in your family"),
    DeferralReasonChoice.REPRESENTING_UNIVERSITY: gettext_lazy("a certificate from the organiser"),
}


def makeup_offerings_query(*, enrolment: Enrolment, today: date | None):
    """Where the makeup of `enrolment`'s result may be sat: a later offering of the same course in which the student
    is not enrolled yet, with its examination still to come on `today` (None: any; the rule judges the date)."""
    offering = enrolment.offering
    found = Offering.objects.filter(
        course_id=offering.course_id, semester__starts_on__gt=offering.semester.starts_on
    ).exclude(enrolments__student_id=enrolment.student_id)
    if today is not None:
        found = found.filter(Q(assessed_on__gte=today) | Q(assessed_on__isnull=True, semester__ends_on__gte=today))
    return found.select_related("course", "semester", "school").order_by("semester__starts_on", "pk")


def _makeup_errors(*, enrolment: Enrolment, makeup_offering: Offering | None, today: date) -> dict:
    """Assessment 24-27 when applying and when deciding: a later offering to sit it in, and
    rules.makeup_eligibility (which judges the date: the application is due by the makeup's examination)."""
    if (
        makeup_offering is None
        or not makeup_offerings_query(enrolment=enrolment, today=None).filter(pk=makeup_offering.pk).exists()
    ):
        return {
            "makeup_offering": _(
                "Choose a later offering of this course that you are not enrolled in; if there is none yet, "
                "ask your school when the makeup examination is scheduled."
            )
        }
    earlier = _earlier_results(
        student=enrolment.student, course_code=enrolment.offering.course.code, before=makeup_offering
    )
    refusal = makeup_refusal(
        earlier=earlier,
        offering=makeup_offering,
        today=today,
        enrolments=_course_enrolments(student=enrolment.student, course_code=enrolment.offering.course.code),
    )
    if refusal:
        return {"__all__": refusal}
    latest_first = [r for r in earlier if r.enrolment.attempt == Attempt.FIRST][-1]
    if latest_first.enrolment_id != enrolment.pk:
        # The handbook's one makeup is of the latest sitting; an older result of a course studied again is not.
        return {"__all__": _("Apply for the makeup of your latest result of this course.")}
    return {}


def exam_application_submit(
    *,
    enrolment: Enrolment,
    user: User,
    kind: str,
    deferral_reason: str = "",
    statement: str = "",
    proof=None,
    makeup_offering: Offering | None = None,
    today: date | None = None,
) -> ExamApplication:
    """The student applies to defer an assessment (Assessment 21-22: one of three reasons, with proof, filed by the
    assessment day), to give up an examination (Academic Rules 16: a week before it), or for a makeup of a failed,
    deferred or absent result in a later offering (Assessment 24-27, through rules.makeup_eligibility). One open
    application per enrolment (a makeup's apart); the student's school decides
    (academics.permissions.can_decide_exam_application)."""
    today = today or timezone.localdate()
    if enrolment.student.user_id != user.pk:
        raise PermissionDenied(_("Only the student applies for their own examinations."))
    statement = (statement or "").strip()
    deferral_reason = (deferral_reason or "").strip()
    assessed_on = offering_assessed_on(enrolment.offering)
    errors: dict = {}
    if kind not in ExamApplicationKind.values:
        errors["kind"] = _("Choose a deferred assessment, giving up the examination, or a makeup.")
    elif kind == ExamApplicationKind.MAKEUP:
        deferral_reason, proof = "", None
        errors |= _makeup_errors(enrolment=enrolment, makeup_offering=makeup_offering, today=today)
    elif kind == ExamApplicationKind.DEFERRAL:
        makeup_offering = None
        errors |= _deferral_errors(
            reason=deferral_reason, proof_provided=proof is not None, applied_on=today, assessed_on=assessed_on
        )
    else:
        deferral_reason = ""
        makeup_offering = None
        try:
            rules.check_drop_decision_day(on=today, assessed_on=assessed_on, days_before=DROP_DAYS_BEFORE_EXAM)
        except ValueError:
            errors["__all__"] = _drop_too_late(assessed_on)
    if len(statement) > EXAM_APPLICATION_STATEMENT_MAX_LENGTH:
        errors["statement"] = _("Keep the explanation under %(n)d characters.") % {
            "n": EXAM_APPLICATION_STATEMENT_MAX_LENGTH
        }
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # The enrolment's row serialises two applications sent at once (a double click, two tabs).
        locked = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
        has_result = Result.objects.filter(enrolment=locked).exists()
        if kind == ExamApplicationKind.MAKEUP:
            if not has_result:
                raise ConflictError(_("A makeup is applied for once the examination has a result."))
        elif has_result:
            raise ConflictError(_("This examination already has a result; ask your school."))
        elif locked.deferral_approved_at or locked.drop_approved_on:
            raise ConflictError(_("A deferral or a drop of this examination is already approved."))
        open_application = (
            ExamApplication.objects.filter(enrolment=locked, state__in=OPEN_EXAM_APPLICATION_STATES)
            .filter(_same_slot(kind))
            .first()
        )
        if open_application is not None:
            raise ConflictError(
                _("You already have an application for this examination (%(state)s).")
                % {"state": open_application.get_state_display().lower()}
            )
        evidence = None
        if proof is not None:
            evidence = portal_services.evidence_submit(
                student=locked.student,
                kind=EvidenceKind.LEAVE_PROOF,
                upload=proof,
                uploaded_by=user,
                reviewed_in=EXAM_APPLICATION_REVIEWED_IN,
            )
        application = ExamApplication.objects.create(
            enrolment=locked,
            kind=kind,
            deferral_reason=deferral_reason,
            statement=statement,
            proof=evidence,
            makeup_offering=makeup_offering,
        )
        ExamApplicationEvent.objects.create(
            application=application, from_state="", to_state=application.state, actor=user, at=application.created_at
        )
        audit_record(
            actor=user,
            action=f"academics.{kind}_applied",
            target=application,
            student=locked.student,
            changes={"state": ["", application.state]},
            reason=statement,
        )
    return application


def _same_slot(kind: str) -> Q:
    """The applications that exclude another of `kind` while open (the model's two unique constraints)."""
    return (
        Q(kind=ExamApplicationKind.MAKEUP)
        if kind == ExamApplicationKind.MAKEUP
        else ~Q(kind=ExamApplicationKind.MAKEUP)
    )


def _locked_application(application: ExamApplication, expected_version: int | None) -> ExamApplication:
    """The application locked for a change; a decided, withdrawn or changed one is a conflict, not a second decision."""
    locked = (
        ExamApplication.objects.select_for_update(of=("self",))
        .select_related(
            "enrolment__student__user", "enrolment__offering__course", "enrolment__offering__semester", "decided_by"
        )
        .get(pk=application.pk)
    )
    if locked.state == ExamApplicationState.WITHDRAWN:
        raise ConflictError(_("The student withdrew this application."))
    if locked.state != ExamApplicationState.PENDING:
        decider = locked.decided_by.display_name() if locked.decided_by else _("someone else")
        raise ConflictError(
            _("This application was already %(state)s by %(who)s.")
            % {"state": locked.get_state_display().lower(), "who": decider}
        )
    if expected_version is not None and locked.version != expected_version:
        raise ConflictError(_("The application changed since you opened it; look at it again."))
    return locked


def _record_application_change(
    application: ExamApplication, *, from_state: str, actor: User, reason: str = "", request=None
) -> None:
    ExamApplicationEvent.objects.create(
        application=application, from_state=from_state, to_state=application.state, actor=actor, reason=reason
    )
    audit_record(
        actor=actor,
        action=f"academics.{application.kind}_{application.state}",
        target=application,
        student=application.enrolment.student,
        changes={"state": [from_state, application.state]},
        reason=reason,
        request=request,
    )


def exam_application_withdraw(
    *, application: ExamApplication, user: User, expected_version: int | None = None
) -> ExamApplication:
    """The student withdraws an application still waiting for a decision."""
    if application.enrolment.student.user_id != user.pk:
        raise PermissionDenied(_("Only the student withdraws their own application."))
    with transaction.atomic():
        locked = _locked_application(application, expected_version)
        locked.state = ExamApplicationState.WITHDRAWN
        locked.version += 1
        locked.save(update_fields=["state", "version"])
        _record_application_change(locked, from_state=ExamApplicationState.PENDING, actor=user)
    return locked


def _check_decider(actor: User, application: ExamApplication) -> None:
    # Handbook: People and roles; Assessment 21 ("approval from the college"): the student's own school decides.
    if not permissions.can_decide_exam_application(actor, application.enrolment.student):
        raise PermissionDenied(_("Only the student's school decides on their examination applications."))


def _decide_proof(application: ExamApplication, *, reviewer: User) -> None:
    """The proof takes the application's decision; the student hears once, about the application."""
    proof = application.proof
    if proof is None or not proof.is_pending:
        return
    if application.state == ExamApplicationState.APPROVED:
        portal_services.evidence_approve(
            evidence=proof, reviewer=reviewer, notify_student=False, within=EXAM_APPLICATION_REVIEWED_IN
        )
    else:
        portal_services.evidence_reject(
            evidence=proof,
            reviewer=reviewer,
            reason=application.decision_reason,
            notify_student=False,
            within=EXAM_APPLICATION_REVIEWED_IN,
        )


def _notify_application_decided(application: ExamApplication) -> None:
    portal_services.notify(
        user=application.enrolment.student.user,
        template="academics/email/exam_application_decided",
        context={"application": application, "approved": application.state == ExamApplicationState.APPROVED},
        url=reverse("academics_exam_application_detail", kwargs={"pk": application.pk}),
    )


def _record_decision(locked: ExamApplication, *, state: str, actor: User, reason: str, request=None) -> None:
    """The decision on the locked pending application, its history and audit, its proof, and the student told."""
    locked.state = state
    locked.decision_reason = reason
    locked.decided_at, locked.decided_by = timezone.now(), actor
    locked.version += 1
    locked.save(update_fields=["state", "decision_reason", "decided_at", "decided_by", "version"])
    _record_application_change(
        locked, from_state=ExamApplicationState.PENDING, actor=actor, reason=reason, request=request
    )
    _decide_proof(locked, reviewer=actor)
    _notify_application_decided(locked)


def exam_application_approve(
    *,
    application: ExamApplication,
    actor: User,
    reason: str = "",
    expected_version: int | None = None,
    today: date | None = None,
    request=None,
) -> ExamApplication:
    """The student's school approves: the enrolment is marked (deferral approved, or drop approved today) so the
    results grid accepts "deferred" or "gave up"; the proof is approved with it and the student is told. Refused
    (ConflictError) once the examination has a result: a deferral or a drop beside an entered "absent" or mark
    would leave the record saying two things. A makeup is checked again on the day of the decision and enrols the
    student in the chosen offering (enrolment_add, attempt makeup) in the same transaction."""
    today = today or timezone.localdate()
    reason = (reason or "").strip()
    _check_decider(actor, application)
    with transaction.atomic():
        # The enrolment first, as result_record locks it: a result being entered now waits, or is seen here.
        enrolment = (
            Enrolment.objects.select_for_update(of=("self",))
            .select_related("student__user", "offering__course", "offering__semester")
            .get(pk=application.enrolment_id)
        )
        locked = _locked_application(application, expected_version)
        if locked.kind == ExamApplicationKind.MAKEUP:
            locked.enrolment = enrolment
            _makeup_enrol(locked, actor=actor, today=today)
            _record_decision(locked, state=ExamApplicationState.APPROVED, actor=actor, reason=reason, request=request)
            return locked
        if Result.objects.filter(enrolment=enrolment).exists():
            raise ConflictError(
                _(
                    "This examination already has a result, so the application can no longer be approved; reject "
                    "it, or ask the teaching school for a correction of the result first."
                )
            )
        locked.enrolment = enrolment
        if locked.kind == ExamApplicationKind.DEFERRAL:
            enrolment_deferral_approve(
                enrolment=enrolment,
                reason=locked.deferral_reason,
                proof_provided=locked.proof_id is not None,
                applied_on=timezone.localdate(locked.created_at),
                actor=actor,
            )
        else:
            enrolment_drop_approve(
                enrolment=enrolment,
                applied_on=timezone.localdate(locked.created_at),
                approved_on=today,
                actor=actor,
            )
        _record_decision(locked, state=ExamApplicationState.APPROVED, actor=actor, reason=reason, request=request)
    return locked


def _makeup_enrol(application: ExamApplication, *, actor: User, today: date) -> Enrolment:
    """Handbook: Assessment 24-27, checked again when the school decides (another makeup may have been entered,
    the result corrected, or the examination passed since the student applied), then the makeup enrolment."""
    offering = (
        Offering.objects.select_related("course", "semester", "school").filter(pk=application.makeup_offering_id).get()
    )
    errors = _makeup_errors(enrolment=application.enrolment, makeup_offering=offering, today=today)
    if errors:
        raise ValidationError(
            [_("This makeup can no longer be approved; reject the application saying why.")] + list(errors.values())
        )
    return enrolment_add(
        offering=offering,
        student=application.enrolment.student,
        attempt=Attempt.MAKEUP,
        actor=actor,
        today=today,
        application=application,
    )


def exam_application_reject(
    *,
    application: ExamApplication,
    actor: User,
    reason: str,
    expected_version: int | None = None,
    request=None,
) -> ExamApplication:
    """The school refuses, saying why (the student reads it); the proof is rejected with it."""
    reason = (reason or "").strip()
    _check_decider(actor, application)
    if not reason:
        raise ValidationError({"reason": _("Say why the application is refused; the student sees it.")})
    with transaction.atomic():
        locked = _locked_application(application, expected_version)
        _record_decision(locked, state=ExamApplicationState.REJECTED, actor=actor, reason=reason, request=request)
    return locked


def exam_application_decide(
    *,
    application: ExamApplication,
    approve: bool,
    actor: User,
    reason: str = "",
    expected_version: int | None = None,
    request=None,
) -> ExamApplication:
    """Approve or reject, as the review page and the API ask."""
    if approve:
        return exam_application_approve(
            application=application, actor=actor, reason=reason, expected_version=expected_version, request=request
        )
    return exam_application_reject(
        application=application, actor=actor, reason=reason, expected_version=expected_version, request=request
    )


# --- The catalogue: courses and their offerings per semester ---------------------------------------------------------

COURSE_FIELDS = (
    "school",
    "code",
    "name_en",
    "name_zh",
    "credits",
    "hours",
    "scale",
    "course_type",
    "exam_extra_minutes",
    "paper_dictionary_allowed",
)
OFFERING_FIELDS = ("course", "semester", "school", "assessed_on", "exam_minutes")


def can_manage_catalogue(user: User, school_id: int | None = None) -> bool:
    """A school keeps its own courses and offerings; the International College and admins every school's."""
    if permissions.can_decide_corrections(user):
        return True
    return (
        permissions.can_view_records(user)
        and user.role == Role.SCHOOL_STAFF
        and user.school_id is not None
        and (school_id is None or school_id == user.school_id)
    )


def _changes(obj, values: dict, fields) -> dict:
    changes = {}
    for name in fields:
        if name not in values:
            continue
        old, new = getattr(obj, name), values[name]
        if old != new:
            changes[name] = [str(old if old is not None else ""), str(new if new is not None else "")]
    return changes


def _save_checked(obj, *, exclude=()) -> None:
    # The model's own checks (unique course code, one offering per course and semester) as form errors.
    obj.full_clean(exclude=list(exclude))
    obj.save()


# What a recorded result is read with: its grade points (credits), the course it is of (code, for the study-abroad
# GPA's best result per course), whether a makeup is allowed (type) and the grades it is in (scale).
COURSE_FIELDS_FIXED_BY_RESULTS = ("code", "credits", "course_type", "scale")


def _results_fix(changes: dict) -> ValidationError:
    messages = {
        "code": _("Results of this course are recorded under its code; the code can no longer change."),
        "credits": _(
            "Results of this course count its credits in grade points and GPAs; the credits can no longer change."
        ),
        "course_type": _("Results of this course were recorded for its course type; the type can no longer change."),
        "scale": _("Results of this course are recorded in its scale; the scale can no longer change."),
    }
    return ValidationError({name: messages[name] for name in COURSE_FIELDS_FIXED_BY_RESULTS if name in changes})


def course_save(*, actor: User, values: dict, course: Course | None = None, request=None) -> Course:
    """Create a course, or change one; a school only its own. Code, credits, type and scale are fixed once results
    exist: a recorded result, stable ones included, would otherwise change its grade points without a correction."""
    school = values.get("school") or (course.school if course else None)
    if school is None or not can_manage_catalogue(actor, school.pk):
        raise PermissionDenied(_("You may keep the courses of your own school only."))
    with transaction.atomic():
        creating = course is None
        if creating:
            course = Course()
        else:
            course = Course.objects.select_for_update().get(pk=course.pk)
            if not can_manage_catalogue(actor, course.school_id):
                raise PermissionDenied(_("You may keep the courses of your own school only."))
        changes = _changes(course, values, COURSE_FIELDS) if not creating else {}
        # Handbook: Assessment 9, 12 (grade point = grade value x credits), 31-34 (a stable result changes only by
        # an approved correction).
        if (
            not creating
            and set(COURSE_FIELDS_FIXED_BY_RESULTS) & set(changes)
            and Result.objects.filter(enrolment__offering__course=course).exists()
        ):
            raise _results_fix(changes)
        for name in COURSE_FIELDS:
            if name in values:
                setattr(course, name, values[name])
        _save_checked(course)
        audit_record(
            actor=actor,
            action="academics.course_added" if creating else "academics.course_changed",
            target=course,
            changes=changes or {"code": ["", course.code]},
            request=request,
        )
    return course


def offering_save(*, actor: User, values: dict, offering: Offering | None = None, request=None) -> Offering:
    """Create an offering of a course in a semester, or change one; a school only its own courses. Once students are
    enrolled its course and semester stay (their results belong to them)."""
    course = values.get("course") or (offering.course if offering else None)
    school = values.get("school") or (offering.school if offering else None) or (course.school if course else None)
    if course is None or school is None:
        raise ValidationError({"course": _("Choose the course.")})
    if not can_manage_catalogue(actor, school.pk) or not can_manage_catalogue(actor, course.school_id):
        raise PermissionDenied(_("You may keep the offerings of your own school's courses only."))
    values = {**values, "school": school}
    semester = values.get("semester") or (offering.semester if offering else None)
    assessed_on = values.get("assessed_on")
    # An assessment outside its semester would start the result phases (Assessment 31) in the wrong term.
    if semester is not None and assessed_on is not None and not (semester.starts_on <= assessed_on <= semester.ends_on):
        raise ValidationError(
            {
                "assessed_on": _("The assessment date must be within the semester (%(start)s to %(end)s).")
                % {"start": semester.starts_on, "end": semester.ends_on}
            }
        )
    with transaction.atomic():
        creating = offering is None
        if creating:
            offering = Offering()
        else:
            offering = Offering.objects.select_for_update().get(pk=offering.pk)
            if not can_manage_catalogue(actor, offering.school_id):
                raise PermissionDenied(_("You may keep the offerings of your own school's courses only."))
        changes = _changes(offering, values, OFFERING_FIELDS) if not creating else {}
        moved = {"course", "semester", "school"} & set(changes)
        if moved and Enrolment.objects.filter(offering=offering).exists():
            raise ValidationError(
                _("Students are enrolled: the course, semester and school of this offering can no longer change.")
            )
        # Handbook: Assessment 31 (the phases run from the assessment date); Academic Rules 16 (the drop's week):
        # once results are entered or an application decided, a new date would reopen entry or move a deadline.
        if "assessed_on" in changes and (
            Result.objects.filter(enrolment__offering=offering).exists()
            or ExamApplication.objects.filter(
                enrolment__offering=offering,
                state__in=(ExamApplicationState.APPROVED, ExamApplicationState.REJECTED),
            ).exists()
        ):
            raise ValidationError(
                {
                    "assessed_on": _(
                        "Results are entered or examination applications decided for this date; the assessment "
                        "date can no longer change."
                    )
                }
            )
        for name in OFFERING_FIELDS:
            if name in values:
                setattr(offering, name, values[name])
        _save_checked(offering)
        audit_record(
            actor=actor,
            action="academics.offering_added" if creating else "academics.offering_changed",
            target=offering,
            changes=changes or {"offering": ["", str(offering)]},
            request=request,
        )
    return offering
