"""The handbook's academic rules (grades, GPA, makeups, retakes, progress, graduation), as pure functions.

Plain values in (Decimals, ints, strings, dates, mappings), values out or a ValueError; no ORM, no settings and no
clock: the caller passes `today` and the office's settings (pass mark, the value of a passed makeup). Every number
is a Decimal. Clause names are those of ../shared/handbook/RULES.md (academics/): "Assessment N" is the Regulations
on Student Study Assessment and Result Management, "Academic Rules N" the Rules for the Implementation of Management
of International Student Academic Affairs, "Supplementary N" its Supplementary Regulations, "STATUS Art. N" the
bachelor status rules. Where the two universities' documents differ, the handbook's number is the default and the
other is a parameter (RULES.md, introduction).

Day arithmetic, as in registration/rules.py: "within N days" of a day D is read inclusively (D + N is still in).
"""

import calendar
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum

# Handbook: Assessment 9 (STATUS Art. 11.IV: 55).
DEFAULT_PASS_MARK = 60
# Handbook: Assessment 12 values a Pass on the two-grade scale at 1.5; STATUS Art. 11.VIII values a passed makeup 1.0.
DEFAULT_MAKEUP_PASS_VALUE = Decimal("1.5")
STUDY_ABROAD_CAP = Decimal("4.0")
ENTRY_PHASE_DAYS = 10
PUBLICITY_DAYS_INTO_NEXT_SEMESTER = 20
MAX_IMPROVEMENT_RETAKES = 2
MAX_MAKEUPS = 1
YEARS_AFTER_NORMAL_LENGTH = 2
YEARLY_CREDIT_MINIMUM = Decimal(30)
COMPLETION_MARGIN_CREDITS = Decimal(15)
EXAM_EXTRA_MINUTES = 30
ABSENT_WITHOUT_LEAVE_DAYS = 14
RESUMPTION_APPLICATION_DAYS = 14
EARLY_GRADUATION_TERMS_AHEAD = 2
DEGREE_APPLICATION_MONTHS_AHEAD = 2


class Scale(StrEnum):
    HUNDRED = "hundred"
    FIVE = "five"
    LETTER = "letter"
    QUALIFIED = "qualified"
    PASS_FAIL = "pass_fail"


class Mark(StrEnum):
    """Assessment 17-21, 25; Academic Rules 16; Supplementary 16: how a result was recorded besides its grade."""

    ABSENT = "absent"
    VIOLATION = "violation"
    DEFERRED = "deferred"
    GAVE_UP = "gave_up"
    MAKEUP = "makeup"
    # Barred from the final examination: recorded as 0 on any scale (Assessment 17 "zero or 0", 19).
    BARRED = "barred"


class CourseType(StrEnum):
    COMPULSORY = "compulsory"
    ELECTIVE = "elective"
    PRACTICAL = "practical"


class Program(StrEnum):
    REGULAR = "regular"
    CSL = "csl"
    MBBS = "mbbs"


# Handbook: Assessment 12, the grade value conversion chart (lowest score of each band -> grade value).
HUNDRED_BANDS: tuple[tuple[int, Decimal], ...] = (
    (95, Decimal("5.0")),
    (92, Decimal("4.8")),
    (89, Decimal("4.5")),
    (86, Decimal("4.2")),
    (83, Decimal("3.9")),
    (80, Decimal("3.6")),
    (77, Decimal("3.3")),
    (74, Decimal("3.0")),
    (71, Decimal("2.7")),
    (68, Decimal("2.4")),
    (65, Decimal("2.1")),
    (62, Decimal("1.8")),
    (60, Decimal("1.5")),
    (0, Decimal("0")),
)
GRADE_TABLES: dict[Scale, dict[str, Decimal]] = {
    Scale.FIVE: {
        "Distinction": Decimal("4.5"),
        "Merit": Decimal("3.5"),
        "Middle": Decimal("2.5"),
        "Pass": Decimal("1.5"),
        "Fail": Decimal("0"),
    },
    Scale.LETTER: {
        "A+": Decimal("5.0"),
        "A": Decimal("4.5"),
        "A-": Decimal("4.2"),
        "B+": Decimal("3.8"),
        "B": Decimal("3.5"),
        "B-": Decimal("3.2"),
        "C+": Decimal("2.8"),
        "C": Decimal("2.5"),
        "C-": Decimal("2.2"),
        "D": Decimal("1.5"),
        "F": Decimal("0"),
    },
    Scale.QUALIFIED: {"Qualified": Decimal("3"), "Unqualified": Decimal("0")},
    Scale.PASS_FAIL: {"Pass": Decimal("1.5"), "Fail": Decimal("0")},
}
# Handbook: Assessment 9, the failing grade of each graded scale (everything else passes).
FAILING_GRADES: dict[Scale, str] = {
    Scale.FIVE: "Fail",
    Scale.LETTER: "F",
    Scale.QUALIFIED: "Unqualified",
    Scale.PASS_FAIL: "Fail",
}
# Handbook: Assessment 25, a makeup may also be recorded as Absent.
MAKEUP_ABSENT = "Absent"

_SCORE_TEXT = re.compile(r"\d{1,3}")


# --- Reading values -----------------------------------------------------------------------------------------------


def _scale(scale: object) -> Scale:
    try:
        return Scale(scale)
    except ValueError:
        raise ValueError(
            f"Unknown grading scale {scale!r}; expected one of {', '.join(s.value for s in Scale)}."
        ) from None


def _decimal(value: object, name: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        raise ValueError(f"{name} must be a number (got {value!r}).")
    try:
        # str() first so that 2.5 (a float) becomes Decimal("2.5"), not its binary expansion.
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"{name} must be a number (got {value!r}).") from None
    if not number.is_finite():
        raise ValueError(f"{name} must be a finite number (got {value!r}).")
    return number


def _credits(value: object, name: str = "Credits") -> Decimal:
    number = _decimal(value, name)
    if number < 0:
        raise ValueError(f"{name} must not be negative (got {value!r}).")
    return number


def _score(result: object) -> int:
    """A hundred-mark score: an integer 0-100, given as a number or as digits."""
    if isinstance(result, str):
        if not _SCORE_TEXT.fullmatch(result):
            raise ValueError(f"A hundred-mark result must be a whole number from 0 to 100 (got {result!r}).")
        score = int(result)
    elif isinstance(result, bool) or not isinstance(result, int | float | Decimal):
        raise ValueError(f"A hundred-mark result must be a whole number from 0 to 100 (got {result!r}).")
    else:
        number = _decimal(result, "A hundred-mark result")
        if number != number.to_integral_value():
            raise ValueError(f"A hundred-mark result must be a whole number from 0 to 100 (got {result!r}).")
        score = int(number)
    if not 0 <= score <= 100:
        raise ValueError(f"A hundred-mark result must be a whole number from 0 to 100 (got {result!r}).")
    return score


def _check_pass_mark(pass_mark: int) -> None:
    if isinstance(pass_mark, bool) or not isinstance(pass_mark, int) or not 0 < pass_mark <= 100:
        raise ValueError(f"The pass mark must be a whole number from 1 to 100 (got {pass_mark!r}).")


def _check_count(value: int, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a whole number, not negative (got {value!r}).")


def normalise_result(raw: str, scale: str) -> int | str:
    """Assessment 9: a typed or uploaded result in its canonical form ("a-" -> "A-", " 86 " -> 86), or ValueError."""
    scale = _scale(scale)
    if not isinstance(raw, str):
        raise ValueError(f"A result must be text (got {raw!r}).")
    text = raw.strip()
    if scale == Scale.HUNDRED:
        return _score(text)
    for grade in GRADE_TABLES[scale]:
        if grade.casefold() == text.casefold():
            return grade
    raise ValueError(
        f"{raw!r} is not a grade of the {scale.value} scale; expected one of {', '.join(GRADE_TABLES[scale])}."
    )


def grade_value(result: int | str, scale: str) -> Decimal:
    """Assessment 12: the grade value of a result on its scale, from the handbook's conversion chart."""
    scale = _scale(scale)
    if scale == Scale.HUNDRED:
        score = _score(result)
        # Handbook: Assessment 12 (100-95: 5.0 ... 61-60: 1.5; below 60: 0).
        return next(value for lowest, value in HUNDRED_BANDS if score >= lowest)
    table = GRADE_TABLES[scale]
    if not isinstance(result, str) or result not in table:
        raise ValueError(f"{result!r} is not a grade of the {scale.value} scale; expected one of {', '.join(table)}.")
    return table[result]


def is_pass(result: int | str, scale: str, *, pass_mark: int = DEFAULT_PASS_MARK) -> bool:
    """Assessment 9: 60 or above (STATUS: 55), Pass / D or above, Pass or Qualified: the course's credits are earned."""
    _check_pass_mark(pass_mark)
    scale = _scale(scale)
    if scale == Scale.HUNDRED:
        return _score(result) >= pass_mark
    grade_value(result, scale)  # Validates the grade.
    return result != FAILING_GRADES[scale]


# --- GPA ------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Counted:
    course: str | None
    credits: Decimal
    value: Decimal
    # What "the higher result" compares: the grade value, then the score (88 beats 86, both 4.2).
    rank: tuple[Decimal, int]


def _field(record: Mapping, key: str) -> object:
    if key not in record:
        raise ValueError(f"A result record needs {key!r} (got keys {sorted(record)}).")
    return record[key]


def _mark(record: Mapping) -> Mark | None:
    mark = record.get("mark")
    if mark is None:
        return None
    try:
        return Mark(mark)
    except ValueError:
        raise ValueError(
            f"Unknown mark {mark!r}; expected None or one of {', '.join(m.value for m in Mark)}."
        ) from None


def _makeup_passed(result: object, scale: object, *, pass_mark: int) -> bool:
    # Handbook: Assessment 25 (a makeup is recorded Pass, Fail or Absent; Absent counts 0 like any absence).
    if result == MAKEUP_ABSENT:
        return False
    return is_pass(result, scale, pass_mark=pass_mark)


def record_value(
    record: Mapping, *, makeup_pass_value: Decimal = DEFAULT_MAKEUP_PASS_VALUE, pass_mark: int = DEFAULT_PASS_MARK
) -> Decimal | None:
    """Assessment 12, 17-21, 25: the grade value one result record counts in a GPA, or None when it is not counted."""
    if not isinstance(record, Mapping):
        raise ValueError(f"A result record must be a mapping (got {record!r}).")
    makeup_pass_value = _credits(makeup_pass_value, "The value of a passed makeup")
    mark = _mark(record)
    _credits(_field(record, "credits"))
    # Handbook: Assessment 21 (deferred: not counted); Academic Rules 16 (gave up the examination: not counted).
    if mark in (Mark.DEFERRED, Mark.GAVE_UP):
        return None
    # Handbook: Assessment 18-20; Supplementary 16 (absent, discipline violation, barred: 0 and counted).
    if mark in (Mark.ABSENT, Mark.VIOLATION, Mark.BARRED):
        return Decimal(0)
    if mark == Mark.MAKEUP:
        # Handbook: Assessment 25 (recorded Pass/Fail); STATUS Art. 11.VIII (a passed makeup counts a fixed value).
        scale = record.get("scale") or Scale.PASS_FAIL
        passed = _makeup_passed(_field(record, "result"), scale, pass_mark=pass_mark)
        return makeup_pass_value if passed else Decimal(0)
    return grade_value(_field(record, "result"), _field(record, "scale"))


def _rank(record: Mapping, value: Decimal) -> tuple[Decimal, int]:
    if _mark(record) is None and record.get("scale") == Scale.HUNDRED:
        return value, _score(record["result"])
    return value, -1


def _counted(records: Iterable[Mapping], *, makeup_pass_value: Decimal, pass_mark: int) -> list[_Counted]:
    if isinstance(records, Mapping | str | bytes):
        raise ValueError("GPA records must be a list of result records, not a single record.")
    counted = []
    for record in records:
        value = record_value(record, makeup_pass_value=makeup_pass_value, pass_mark=pass_mark)
        if value is not None:
            course = record.get("course")
            counted.append(
                _Counted(course=course, credits=_credits(record["credits"]), value=value, rank=_rank(record, value))
            )
    return counted


def _average(counted: Sequence[_Counted]) -> Decimal | None:
    total_credits = sum((c.credits for c in counted), Decimal(0))
    if total_credits == 0:
        return None
    # Handbook: Assessment 12-13 (grade point = grade value x credits; GPA = sum of grade points / sum of credits).
    return sum((c.value * c.credits for c in counted), Decimal(0)) / total_credits


def gpa(
    records: Iterable[Mapping],
    *,
    makeup_pass_value: Decimal = DEFAULT_MAKEUP_PASS_VALUE,
    pass_mark: int = DEFAULT_PASS_MARK,
) -> Decimal | None:
    """Assessment 12-13: sum(grade value x credits) / sum(credits) over every counted result, unrounded; None if none.

    Every record counts, failures and repeated courses included; a makeup counts in the semester of the makeup
    (the caller passes that semester's records).
    """
    return _average(_counted(records, makeup_pass_value=makeup_pass_value, pass_mark=pass_mark))


def study_abroad_gpa(
    records: Iterable[Mapping],
    *,
    makeup_pass_value: Decimal = DEFAULT_MAKEUP_PASS_VALUE,
    pass_mark: int = DEFAULT_PASS_MARK,
) -> Decimal | None:
    """Assessment 14: as gpa, but 86+, A- or better and Distinction count 4.0, and per course code only the best."""
    best: dict[str, _Counted] = {}
    for counted in _counted(records, makeup_pass_value=makeup_pass_value, pass_mark=pass_mark):
        if counted.course is None or not str(counted.course).strip():
            raise ValueError("A study-abroad GPA record needs its course code.")
        code = str(counted.course).strip()
        # Handbook: Assessment 14 (same course number: the highest result counts). Compared before the cap, so
        # that 95 beats 90 although both count 4.0; on a full tie the earlier record stays.
        if code not in best or counted.rank > best[code].rank:
            best[code] = counted
    # Handbook: Assessment 14 (every value above 4.0 in the chart is exactly 86+, A- or better, or Distinction).
    capped = [
        _Counted(course=c.course, credits=c.credits, value=min(c.value, STUDY_ABROAD_CAP), rank=c.rank)
        for c in best.values()
    ]
    return _average(capped)


def round_gpa(value: Decimal | None) -> Decimal | None:
    """How pages and transcripts show a GPA: 2 decimals, half up (the GPA itself stays unrounded)."""
    if value is None:
        return None
    return _decimal(value, "A GPA").quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def earned_credits(records: Iterable[Mapping], *, pass_mark: int = DEFAULT_PASS_MARK) -> Decimal:
    """Academic Rules 17; Assessment 9, 25: credits of the courses passed (a passed makeup included), each code once."""
    if isinstance(records, Mapping | str | bytes):
        raise ValueError("Result records must be a list of records, not a single record.")
    earned: dict[str, Decimal] = {}
    for record in records:
        if not isinstance(record, Mapping):
            raise ValueError(f"A result record must be a mapping (got {record!r}).")
        mark = _mark(record)
        credits = _credits(_field(record, "credits"))
        code = str(_field(record, "course")).strip()
        if mark is None:
            passed = is_pass(_field(record, "result"), _field(record, "scale"), pass_mark=pass_mark)
        elif mark == Mark.MAKEUP:
            scale = record.get("scale") or Scale.PASS_FAIL
            passed = _makeup_passed(_field(record, "result"), scale, pass_mark=pass_mark)
        else:
            passed = False
        # Handbook: Academic Rules 20 (a retaken course is not credited twice).
        if passed:
            earned[code] = max(credits, earned.get(code, Decimal(0)))
    return sum(earned.values(), Decimal(0))


# --- Result phases (Assessment 31-38) -------------------------------------------------------------------------------


class ResultPhase(StrEnum):
    ENTRY = "entry"
    PUBLICITY = "publicity"
    STABLE = "stable"


@dataclass(frozen=True)
class PhaseDates:
    """The last day of the entry phase and of the publicity phase of one assessment's results."""

    entry_ends_on: date
    publicity_ends_on: date | None


def result_phase_dates(
    *,
    assessed_on: date,
    next_semester_starts_on: date | None,
    entry_days: int = ENTRY_PHASE_DAYS,
    publicity_days: int = PUBLICITY_DAYS_INTO_NEXT_SEMESTER,
) -> PhaseDates:
    """Assessment 31: entry within 10 days of the assessment; publicity until 20 days after the next semester begins."""
    _check_count(entry_days, "The entry phase length")
    _check_count(publicity_days, "The publicity phase length")
    entry_ends_on = assessed_on + timedelta(days=entry_days)
    if next_semester_starts_on is None:
        # The next semester's dates are not entered yet: the publicity phase has no end so far.
        return PhaseDates(entry_ends_on=entry_ends_on, publicity_ends_on=None)
    if next_semester_starts_on < assessed_on:
        raise ValueError(
            f"The next semester starts on {next_semester_starts_on}, before the assessment on {assessed_on}."
        )
    publicity_ends_on = next_semester_starts_on + timedelta(days=publicity_days)
    # An assessment late in the term can leave less than 10 days: publicity never ends before entry does.
    return PhaseDates(entry_ends_on=entry_ends_on, publicity_ends_on=max(publicity_ends_on, entry_ends_on))


def result_phase(
    *,
    assessed_on: date,
    next_semester_starts_on: date | None,
    today: date,
    entry_days: int = ENTRY_PHASE_DAYS,
    publicity_days: int = PUBLICITY_DAYS_INTO_NEXT_SEMESTER,
) -> ResultPhase:
    """Assessment 31: the phase a result is in today (entry, publicity, stable)."""
    dates = result_phase_dates(
        assessed_on=assessed_on,
        next_semester_starts_on=next_semester_starts_on,
        entry_days=entry_days,
        publicity_days=publicity_days,
    )
    if today <= dates.entry_ends_on:
        return ResultPhase.ENTRY
    if dates.publicity_ends_on is None or today <= dates.publicity_ends_on:
        return ResultPhase.PUBLICITY
    return ResultPhase.STABLE


def result_entry_overdue(*, assessed_on: date, today: date, entry_days: int = ENTRY_PHASE_DAYS) -> bool:
    """Assessment 31, 34: a result not entered within 10 days after the assessment is overdue."""
    _check_count(entry_days, "The entry phase length")
    return today > assessed_on + timedelta(days=entry_days)


def check_result_change(*, phase: str, reason: str = "", correction_approved: bool = False) -> None:
    """Assessment 31, 37-38, 41: free in entry; with a reason in publicity; stable only by an approved correction."""
    phase = ResultPhase(phase)
    if phase == ResultPhase.ENTRY:
        return
    if not (reason or "").strip():
        # Handbook: Assessment 37 (a correction in the publicity phase states why).
        raise ValueError(f"A change of a result in the {phase.value} phase needs a reason.")
    # Handbook: Assessment 38, 41 (no change in the stable phase without an approved correction request).
    if phase == ResultPhase.STABLE and not correction_approved:
        raise ValueError("The result is stable: a change needs an approved correction request.")


# --- Barred from the final, exam accommodations (Supplementary 16, 18; Assessment 19) -------------------------------


class BarReason(StrEnum):
    ABSENT_THIRD_WITHOUT_REASON = "absent_third_without_reason"
    ABSENT_HALF = "absent_half"
    PRACTICAL_ABSENCE_OR_FAILURE = "practical_absence_or_failure"
    USUAL_PERFORMANCE_BELOW_BORDER = "usual_performance_below_border"


def barred_from_final(
    *,
    class_hours: Decimal,
    hours_absent_without_reason: Decimal = Decimal(0),
    hours_absent_with_reason: Decimal = Decimal(0),
    practical_hours: Decimal = Decimal(0),
    practical_hours_absent: Decimal = Decimal(0),
    practical_failed: bool = False,
    usual_performance_below_border: bool = False,
) -> tuple[BarReason, ...]:
    """Supplementary 16; Assessment 19: why a student may not sit the final (result 0, counted); empty if allowed."""
    class_hours = _credits(class_hours, "Class hours")
    unexcused = _credits(hours_absent_without_reason, "Hours absent without a reason")
    excused = _credits(hours_absent_with_reason, "Hours absent with a reason")
    practical_hours = _credits(practical_hours, "Practical hours")
    practical_absent = _credits(practical_hours_absent, "Practical hours absent")
    if unexcused + excused > class_hours:
        raise ValueError(f"Hours absent ({unexcused + excused}) exceed the class hours ({class_hours}).")
    if practical_absent > practical_hours:
        raise ValueError(f"Practical hours absent ({practical_absent}) exceed the practical hours ({practical_hours}).")
    reasons = []
    # Fractions are compared by multiplying, so that "1/3 of 32 hours" needs no rounding.
    # Handbook: Supplementary 16.I (absent 1/3 of the class hours without valid reasons).
    if class_hours and unexcused * 3 >= class_hours:
        reasons.append(BarReason.ABSENT_THIRD_WITHOUT_REASON)
    # Handbook: Supplementary 16.II (absent 1/2 of the class hours, whatever the reasons).
    if class_hours and (unexcused + excused) * 2 >= class_hours:
        reasons.append(BarReason.ABSENT_HALF)
    # Handbook: Supplementary 16.III (absent 1/3 of internship or experiment hours, or failed them).
    if practical_failed or (practical_hours and practical_absent * 3 >= practical_hours):
        reasons.append(BarReason.PRACTICAL_ABSENCE_OR_FAILURE)
    # Handbook: Assessment 19.3 (usual performance under the border line).
    if usual_performance_below_border:
        reasons.append(BarReason.USUAL_PERFORMANCE_BELOW_BORDER)
    return tuple(reasons)


@dataclass(frozen=True)
class ExamAccommodation:
    """What an international student's exam list shows for one exam."""

    paper_dictionary: bool
    extra_minutes: int
    total_minutes: int


def exam_accommodation(
    *, duration_minutes: int, paper_dictionary: bool | None = None, extra_minutes: int | None = None
) -> ExamAccommodation:
    """Supplementary 18: a paper Chinese dictionary and 30 extra minutes, unless the course says otherwise (None)."""
    _check_count(duration_minutes, "The exam duration")
    if extra_minutes is None:
        extra_minutes = EXAM_EXTRA_MINUTES
    _check_count(extra_minutes, "The extra minutes")
    return ExamAccommodation(
        # Handbook: Supplementary 18 (a paper-based dictionary; the course may say otherwise).
        paper_dictionary=True if paper_dictionary is None else paper_dictionary,
        extra_minutes=extra_minutes,
        total_minutes=duration_minutes + extra_minutes,
    )


# --- Deferral, makeup, retake (Assessment 21-27; Academic Rules 20-21) ----------------------------------------------


class DeferralReason(StrEnum):
    HOSPITALISATION = "hospitalisation"
    FAMILY_FORCE_MAJEURE = "family_force_majeure"
    REPRESENTING_UNIVERSITY = "representing_university"


class ProofKind(StrEnum):
    HOSPITAL_CERTIFICATE = "hospital_certificate"
    PROOF_OF_FAMILY_EVENT = "proof_of_family_event"
    ORGANISER_CERTIFICATE = "organiser_certificate"


# Handbook: Assessment 22; Academic Rules 21 (a certificate from a Class A Grade 2 hospital or above).
DEFERRAL_PROOF: dict[DeferralReason, ProofKind] = {
    DeferralReason.HOSPITALISATION: ProofKind.HOSPITAL_CERTIFICATE,
    DeferralReason.FAMILY_FORCE_MAJEURE: ProofKind.PROOF_OF_FAMILY_EVENT,
    DeferralReason.REPRESENTING_UNIVERSITY: ProofKind.ORGANISER_CERTIFICATE,
}


def check_deferral_application(
    *, reason: str, proof_provided: bool, applied_on: date, assessed_on: date
) -> DeferralReason:
    """Assessment 21-22: only hospitalisation, family force majeure or representing the university, with proof."""
    try:
        reason = DeferralReason(reason)
    except ValueError:
        raise ValueError(
            f"{reason!r} is not a reason for deferral; expected one of {', '.join(r.value for r in DeferralReason)}."
        ) from None
    if not proof_provided:
        raise ValueError(f"A deferral for {reason.value} needs its proof ({DEFERRAL_PROOF[reason].value}).")
    # Handbook: Assessment 21 (the application is filed beforehand: on the day of the assessment at the latest).
    if applied_on > assessed_on:
        raise ValueError(f"A deferral must be applied for by the assessment day ({assessed_on}), not on {applied_on}.")
    return reason


def add_years(day: date, years: int) -> date:
    """The same day `years` later; February 29 becomes February 28 in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def last_day_for_makeup_or_retake(*, normal_length_ends_on: date) -> date:
    """Assessment 27: makeups and retakes within 2 years after the prescribed length of study."""
    return add_years(normal_length_ends_on, YEARS_AFTER_NORMAL_LENGTH)


class MakeupRefusal(StrEnum):
    PRACTICAL_COURSE = "practical_course"
    DISCIPLINE_VIOLATION = "discipline_violation"
    ZERO_RESULT = "zero_result"
    ABSENT = "absent"
    NOTHING_TO_MAKE_UP = "nothing_to_make_up"
    ALREADY_TAKEN = "already_taken"
    LATE_APPLICATION = "late_application"
    STUDY_PERIOD_OVER = "study_period_over"


@dataclass(frozen=True)
class MakeupDecision:
    allowed: bool
    refusal: MakeupRefusal | None = None


def makeup_eligibility(
    *,
    result: int | str | None,
    scale: str,
    mark: str | None = None,
    course_type: str,
    makeups_taken: int,
    applied_on: date,
    application_deadline: date,
    last_day_for_makeups: date | None = None,
    absent_may_make_up: bool = True,
    pass_mark: int = DEFAULT_PASS_MARK,
) -> MakeupDecision:
    """Assessment 24-27: one makeup for a failed, deferred or absent result, applied for in time; none after 0 or a
    violation, none for practical courses."""
    course_type = CourseType(course_type)
    scale = _scale(scale)
    mark = _mark({"mark": mark})
    _check_count(makeups_taken, "The number of makeups taken")

    def refuse(refusal: MakeupRefusal) -> MakeupDecision:
        return MakeupDecision(allowed=False, refusal=refusal)

    # Handbook: Assessment 26 (no makeup for practical courses: they are studied again).
    if course_type == CourseType.PRACTICAL:
        return refuse(MakeupRefusal.PRACTICAL_COURSE)
    # Handbook: Assessment 24 (no makeup after a discipline violation or a 0).
    if mark == Mark.VIOLATION:
        return refuse(MakeupRefusal.DISCIPLINE_VIOLATION)
    if mark == Mark.BARRED or (mark is None and scale == Scale.HUNDRED and _score(result) == 0):
        return refuse(MakeupRefusal.ZERO_RESULT)
    # STATUS Art. 11.VI: absence without reason bars a makeup there; the handbook (Assessment 24) allows it.
    if mark == Mark.ABSENT and not absent_may_make_up:
        return refuse(MakeupRefusal.ABSENT)
    if mark == Mark.MAKEUP or makeups_taken >= MAX_MAKEUPS:
        # Handbook: Assessment 24-25; STATUS Art. 11.VIII (one makeup).
        return refuse(MakeupRefusal.ALREADY_TAKEN)
    if mark == Mark.GAVE_UP or (mark is None and is_pass(result, scale, pass_mark=pass_mark)):
        # A passed course is improved by a retake (Academic Rules 20), not a makeup.
        return refuse(MakeupRefusal.NOTHING_TO_MAKE_UP)
    # Handbook: Assessment 24 (no application in the scheduled time counts as giving the makeup up).
    if applied_on > application_deadline:
        return refuse(MakeupRefusal.LATE_APPLICATION)
    # Handbook: Assessment 27.
    if last_day_for_makeups is not None and applied_on > last_day_for_makeups:
        return refuse(MakeupRefusal.STUDY_PERIOD_OVER)
    return MakeupDecision(allowed=True)


class RetakeRefusal(StrEnum):
    NOT_PASSED = "not_passed"
    LIMIT_REACHED = "limit_reached"
    STUDY_PERIOD_OVER = "study_period_over"


@dataclass(frozen=True)
class RetakeDecision:
    allowed: bool
    refusal: RetakeRefusal | None = None


def retake_eligibility(
    *,
    result: int | str,
    scale: str,
    retakes_taken: int,
    applied_on: date,
    last_day_for_retakes: date | None = None,
    pass_mark: int = DEFAULT_PASS_MARK,
) -> RetakeDecision:
    """Academic Rules 20: a passed course may be retaken to improve it at most twice; Assessment 27: in time."""
    _check_count(retakes_taken, "The number of retakes taken")
    # A failed course is studied again or made up (Academic Rules 20; Assessment 15): not counted as an improvement.
    if not is_pass(result, scale, pass_mark=pass_mark):
        return RetakeDecision(allowed=False, refusal=RetakeRefusal.NOT_PASSED)
    # Handbook: Academic Rules 20 ("for no more than twice").
    if retakes_taken >= MAX_IMPROVEMENT_RETAKES:
        return RetakeDecision(allowed=False, refusal=RetakeRefusal.LIMIT_REACHED)
    # Handbook: Assessment 27.
    if last_day_for_retakes is not None and applied_on > last_day_for_retakes:
        return RetakeDecision(allowed=False, refusal=RetakeRefusal.STUDY_PERIOD_OVER)
    return RetakeDecision(allowed=True)


def standing_attempt(
    attempts: Sequence[Mapping],
    *,
    makeup_pass_value: Decimal = DEFAULT_MAKEUP_PASS_VALUE,
    pass_mark: int = DEFAULT_PASS_MARK,
) -> Mapping | None:
    """Academic Rules 20: of a course's attempts (first sitting, then retakes) the higher result stands; ties keep
    the earlier one (a score breaks a tie of grade values); None when no attempt counts."""
    if isinstance(attempts, Mapping | str | bytes):
        raise ValueError("Attempts must be a list of result records.")
    standing, standing_rank = None, None
    for attempt in attempts:
        value = record_value(attempt, makeup_pass_value=makeup_pass_value, pass_mark=pass_mark)
        if value is None:
            continue
        rank = _rank(attempt, value)
        # Handbook: Academic Rules 20 (the higher mark/grade is recorded as the valid result).
        if standing_rank is None or rank > standing_rank:
            standing, standing_rank = attempt, rank
    return standing


# --- Progress and the "ordered to quit" flags (Academic Rules 11, 15; Supplementary 32) ----------------------------


class ProgressWarningKind(StrEnum):
    YEAR_BELOW_MINIMUM = "year_below_minimum"
    BEHIND_AFTER_TWO_YEARS = "behind_after_two_years"
    BEHIND_AFTER_THREE_YEARS = "behind_after_three_years"


@dataclass(frozen=True)
class ProgressWarning:
    kind: ProgressWarningKind
    year: int
    earned: Decimal
    required: Decimal


def progress_warnings(
    *,
    credits_by_year: Sequence[Decimal],
    graduation_credits: Decimal,
    yearly_minimum: Decimal = YEARLY_CREDIT_MINIMUM,
) -> tuple[ProgressWarning, ...]:
    """Academic Rules 15: at least 30 credits a year; 1/3 of the graduation credits after 2 years, 1/2 after 3.

    `credits_by_year` holds the credits earned in each completed academic year, first year first. The yearly minimum
    is lower for programmes longer than 4 years (a parameter).
    """
    graduation_credits = _credits(graduation_credits, "The graduation credits")
    yearly_minimum = _credits(yearly_minimum, "The yearly minimum")
    if graduation_credits == 0:
        raise ValueError("The graduation credits must be more than 0.")
    years = [_credits(c, f"The credits of year {i}") for i, c in enumerate(credits_by_year, start=1)]
    warnings = []
    for year, earned in enumerate(years, start=1):
        # Handbook: Academic Rules 15 (no less than 30 credits in each academic year).
        if earned < yearly_minimum:
            warnings.append(ProgressWarning(ProgressWarningKind.YEAR_BELOW_MINIMUM, year, earned, yearly_minimum))
    # Handbook: Academic Rules 15 (after two years at least 1/3, after three years at least 1/2; compared exactly).
    for after, divisor, kind in (
        (2, 3, ProgressWarningKind.BEHIND_AFTER_TWO_YEARS),
        (3, 2, ProgressWarningKind.BEHIND_AFTER_THREE_YEARS),
    ):
        if len(years) >= after:
            earned = sum(years[:after], Decimal(0))
            if earned * divisor < graduation_credits:
                warnings.append(ProgressWarning(kind, after, earned, graduation_credits / divisor))
    return tuple(warnings)


@dataclass(frozen=True)
class CreditRule:
    below: Decimal
    in_a_row: int
    in_all: int


# Handbook: Supplementary 32.I-III.
CREDIT_RULES: dict[Program, CreditRule] = {
    Program.REGULAR: CreditRule(below=Decimal(12), in_a_row=3, in_all=4),
    Program.CSL: CreditRule(below=Decimal(10), in_a_row=2, in_all=3),
    Program.MBBS: CreditRule(below=Decimal(12), in_a_row=2, in_all=3),
}


@dataclass(frozen=True)
class CreditShortfalls:
    """How a student stands against Supplementary 32.I-III, for a warning before the flag."""

    rule: CreditRule
    short_semesters: int
    longest_run: int
    current_run: int
    must_quit: bool
    # One more short long semester would raise the flag: the moment for an academic warning.
    next_short_semester_quits: bool


def credit_shortfalls(credits_per_long_semester: Sequence[Decimal], program: str = "regular") -> CreditShortfalls:
    """Supplementary 32.I-III: long semesters below the programme's minimum, in a row and in all."""
    try:
        rule = CREDIT_RULES[Program(program)]
    except ValueError:
        raise ValueError(
            f"Unknown programme {program!r}; expected one of {', '.join(p.value for p in Program)}."
        ) from None
    if isinstance(credits_per_long_semester, str | bytes | Mapping):
        raise ValueError("Credits per long semester must be a list of numbers, earliest first.")
    short = longest = run = 0
    for number, credits in enumerate(credits_per_long_semester, start=1):
        # Handbook: Supplementary 32.I-III ("less than 12 / 10 credits": exactly 12 / 10 is enough).
        if _credits(credits, f"The credits of long semester {number}") < rule.below:
            short += 1
            run += 1
            longest = max(longest, run)
        else:
            run = 0
    must_quit = longest >= rule.in_a_row or short >= rule.in_all
    return CreditShortfalls(
        rule=rule,
        short_semesters=short,
        longest_run=longest,
        current_run=run,
        must_quit=must_quit,
        next_short_semester_quits=not must_quit and (run + 1 >= rule.in_a_row or short + 1 >= rule.in_all),
    )


def must_quit_for_credits(credits_per_long_semester: Sequence[Decimal], program: str = "regular") -> bool:
    """Supplementary 32.I-III: under 12 credits 3 times in a row or 4 in all (CSL: under 10, 2/3; MBBS: under 12, 2/3).

    Graduating semesters are left out by the caller.
    """
    return credit_shortfalls(credits_per_long_semester, program).must_quit


def longest_study_ends_on(*, normal_length_ends_on: date, military_service_days: int = 0) -> date:
    """Academic Rules 11: the longest length of study is the programme's length plus 2 years, military service aside."""
    _check_count(military_service_days, "The days of military service")
    return add_years(normal_length_ends_on, YEARS_AFTER_NORMAL_LENGTH) + timedelta(days=military_service_days)


def resumption_overdue(*, suspension_ends_on: date, today: date, applied_on: date | None = None) -> bool:
    """Supplementary 32.V: no application to resume within 2 weeks after the suspension ends."""
    last_day = suspension_ends_on + timedelta(days=RESUMPTION_APPLICATION_DAYS)
    if applied_on is not None:
        return applied_on > last_day
    return today > last_day


class QuitFlag(StrEnum):
    CREDITS = "credits"
    STUDY_PERIOD_EXCEEDED = "study_period_exceeded"
    NOT_RESUMED = "not_resumed"
    UNABLE_TO_STUDY = "unable_to_study"
    ABSENT_WITHOUT_LEAVE = "absent_without_leave"
    NOT_REGISTERED = "not_registered"
    VOLUNTARY = "voluntary"


@dataclass(frozen=True)
class QuitFacts:
    """What the portal knows about a student for Supplementary 32; every field defaults to "nothing to report"."""

    credits_per_long_semester: tuple[Decimal, ...] = ()
    program: str = Program.REGULAR
    longest_study_ends_on: date | None = None
    studies_completed: bool = False
    suspension_ends_on: date | None = None
    resumption_applied_on: date | None = None
    resumption_refused: bool = False
    certified_unable_to_study: bool = False
    days_absent_without_leave: int = 0
    unregistered_two_weeks_after_deadline: bool = False
    voluntary_application: bool = False


def quit_flags(facts: QuitFacts, *, today: date) -> tuple[QuitFlag, ...]:
    """Supplementary 32.I-IX: the grounds to order or permit a student to quit; the portal flags, a person decides."""
    _check_count(facts.days_absent_without_leave, "The days absent without leave")
    flags = []
    # Handbook: Supplementary 32.I-III.
    if must_quit_for_credits(facts.credits_per_long_semester, facts.program):
        flags.append(QuitFlag.CREDITS)
    # Handbook: Supplementary 32.IV; Academic Rules 11.
    if facts.longest_study_ends_on is not None and not facts.studies_completed and today > facts.longest_study_ends_on:
        flags.append(QuitFlag.STUDY_PERIOD_EXCEEDED)
    # Handbook: Supplementary 32.V.
    if facts.suspension_ends_on is not None and (
        facts.resumption_refused
        or resumption_overdue(
            suspension_ends_on=facts.suspension_ends_on, today=today, applied_on=facts.resumption_applied_on
        )
    ):
        flags.append(QuitFlag.NOT_RESUMED)
    # Handbook: Supplementary 32.VI.
    if facts.certified_unable_to_study:
        flags.append(QuitFlag.UNABLE_TO_STUDY)
    # Handbook: Supplementary 32.VII (absent for 2 weeks in a row without leave).
    if facts.days_absent_without_leave >= ABSENT_WITHOUT_LEAVE_DAYS:
        flags.append(QuitFlag.ABSENT_WITHOUT_LEAVE)
    # Handbook: Supplementary 32.VIII (registration/rules.py two_week_listing decides it).
    if facts.unregistered_two_weeks_after_deadline:
        flags.append(QuitFlag.NOT_REGISTERED)
    # Handbook: Supplementary 32.IX.
    if facts.voluntary_application:
        flags.append(QuitFlag.VOLUNTARY)
    return tuple(flags)


# --- Long semesters, years of study and the flags for a decision (Academic Rules 10, 11, 15; Supplementary 32) ----

_SEMESTER_CODE = re.compile(r"^(\d{4})-(\d{4})-(\d+)$")
# Academic Rules 10: the academic year begins with the autumn semester; its first day is taken as September 1.
ACADEMIC_YEAR_FIRST_MONTH = 9


@dataclass(frozen=True, order=True)
class LongSemester:
    """Supplementary 32 (note): the autumn/winter (half 1) or spring/summer (half 2) long semester of a year."""

    academic_year: int  # Its first calendar year: 2025 for 2025-2026.
    half: int

    @property
    def code(self) -> str:
        return f"{self.academic_year}-{self.academic_year + 1}-{self.half}"

    def __str__(self) -> str:
        return self.code


def academic_year_label(first_year: int) -> str:
    """Academic Rules 10: an academic year named by its two calendar years ("2025-2026")."""
    return f"{first_year}-{first_year + 1}"


def long_semester_of(semester_code: str) -> LongSemester:
    """Supplementary 32 (note); Assessment 33: which long semester a term's credits count in.

    Term 1 is the autumn/winter long semester and term 2 the spring/summer one (the portal's semester codes:
    "2025-2026-1"); a short term (3 and up, usually in the summer vacation) is recorded in the spring/summer one.
    """
    match = _SEMESTER_CODE.match(semester_code if isinstance(semester_code, str) else "")
    if not match or int(match[2]) != int(match[1]) + 1 or int(match[3]) < 1:
        raise ValueError(f"Semester code {semester_code!r} is not of the form YYYY-YYYY-N with consecutive years.")
    return LongSemester(academic_year=int(match[1]), half=1 if int(match[3]) == 1 else 2)


def completed_study_years(*, enrolment_year: int, today: date) -> int:
    """Academic Rules 15 ("students who have studied for two years"): academic years completed since enrolment."""
    _check_count(enrolment_year, "The enrolment year")
    current_first_year = today.year if today.month >= ACADEMIC_YEAR_FIRST_MONTH else today.year - 1
    return max(current_first_year - enrolment_year, 0)


def normal_length_ends_on(*, enrolment_year: int, normal_length_years: int) -> date:
    """Academic Rules 10-11: the normal length of study ends on the eve of the academic year after its last one."""
    _check_count(enrolment_year, "The enrolment year")
    if isinstance(normal_length_years, bool) or not isinstance(normal_length_years, int) or normal_length_years < 1:
        raise ValueError(f"The normal length of study must be at least 1 year (got {normal_length_years!r}).")
    return date(enrolment_year + normal_length_years, ACADEMIC_YEAR_FIRST_MONTH, 1) - timedelta(days=1)


def graduating_from(*, enrolment_year: int, normal_length_years: int) -> int:
    """Supplementary 32.I-III ("graduating students excluded"): the graduating class's first academic year.

    The graduating class (毕业班) is the last year of the normal length; its long semesters, and any after it, are
    left out of the credit rule.
    """
    normal_length_ends_on(enrolment_year=enrolment_year, normal_length_years=normal_length_years)
    return enrolment_year + normal_length_years - 1


@dataclass(frozen=True)
class TermCredits:
    """The credits earned in one term, as the results of that term give them."""

    semester_code: str
    ends_on: date
    credits: Decimal


@dataclass(frozen=True)
class ProgressRequirement:
    """A programme's graduation credits and normal length (Academic Rules 11, 15, 35), and its yearly minimum."""

    graduation_credits: Decimal
    normal_length_years: int
    yearly_minimum: Decimal = YEARLY_CREDIT_MINIMUM


@dataclass(frozen=True)
class LongSemesterCredits:
    semester: LongSemester
    credits: Decimal
    # Every term of it has ended: its credits are final (Supplementary 32, note: counted before the next term).
    complete: bool
    graduating: bool
    # Counted for Supplementary 32.I-III (complete and not in the graduating class), and under the minimum.
    counted: bool
    below_minimum: bool


@dataclass(frozen=True)
class YearCredits:
    year: int
    academic_year: int
    credits: Decimal
    cumulative: Decimal
    complete: bool
    below_minimum: bool

    @property
    def label(self) -> str:
        return academic_year_label(self.academic_year)


class FlagKind(StrEnum):
    """What the rules flag for a person's decision: an academic warning, a referral to the office, or nothing."""

    YEAR_BELOW_MINIMUM = ProgressWarningKind.YEAR_BELOW_MINIMUM.value
    BEHIND_AFTER_TWO_YEARS = ProgressWarningKind.BEHIND_AFTER_TWO_YEARS.value
    BEHIND_AFTER_THREE_YEARS = ProgressWarningKind.BEHIND_AFTER_THREE_YEARS.value
    CREDITS = QuitFlag.CREDITS.value
    CREDITS_WARNING = "credits_warning"
    STUDY_PERIOD_EXCEEDED = QuitFlag.STUDY_PERIOD_EXCEEDED.value


# The decisions a person takes on a flag (academics.models.DecisionOutcome holds the labels).
DECISION_WARNING, DECISION_REFERRED, DECISION_NO_ACTION = "warning", "referred", "no_action"
# Grounds for being ordered to quit (Supplementary 32.I-III credits; the longest length of study exceeded).
QUIT_GROUNDS = frozenset({FlagKind.CREDITS, FlagKind.STUDY_PERIOD_EXCEEDED})


def decisions_allowed(kind: str) -> frozenset[str]:
    """Supplementary 32; Academic Rules 15: what may be decided on a flag of this kind.

    Grounds for being ordered to quit are only referred to the International College, which decides through a
    withdrawal or dismissal decision (registration/); a school cannot close them with "no action". The other flags
    get an academic warning or no action. An unknown kind raises ValueError.
    """
    if FlagKind(kind) in QUIT_GROUNDS:
        return frozenset({DECISION_REFERRED})
    return frozenset({DECISION_WARNING, DECISION_NO_ACTION})


@dataclass(frozen=True)
class AcademicFlag:
    """One flag for a decision; (kind, period) names it, so a flag decided once stays decided for that period."""

    kind: FlagKind
    # The academic year ("2025-2026"), the long semester ("2025-2026-2") or the last day of study ("2032-08-31").
    period: str
    earned: Decimal | None = None
    required: Decimal | None = None


@dataclass(frozen=True)
class Progress:
    long_semesters: tuple[LongSemesterCredits, ...]
    years: tuple[YearCredits, ...]
    shortfalls: CreditShortfalls
    warnings: tuple[ProgressWarning, ...]
    quit_flags: tuple[QuitFlag, ...]
    flags: tuple[AcademicFlag, ...]
    longest_study_ends_on: date | None
    yearly_minimum: Decimal

    @property
    def counted_credits(self) -> tuple[Decimal, ...]:
        return tuple(semester.credits for semester in self.long_semesters if semester.counted)


def study_progress(
    *,
    terms: Iterable[TermCredits],
    enrolment_year: int,
    program: str,
    today: date,
    requirement: ProgressRequirement | None = None,
    studies_completed: bool = False,
) -> Progress:
    """Academic Rules 15 and Supplementary 32.I-IV over a student's terms: credits per long semester and per year of
    study, the progress warnings, the quit flags, and the flags for a decision.

    Without a requirement (graduation credits and normal length unknown) no graduating semester is left out and
    neither the Academic Rules 15 warnings nor the longest length of study can be checked.
    """
    # The programme's rule of Supplementary 32.I-III (an unknown programme is refused there).
    rule = credit_shortfalls((), program).rule
    first_graduating = (
        graduating_from(enrolment_year=enrolment_year, normal_length_years=requirement.normal_length_years)
        if requirement is not None
        else None
    )
    grouped: dict[LongSemester, tuple[Decimal, bool]] = {}
    for term in terms:
        semester = long_semester_of(term.semester_code)
        credits = _credits(term.credits, f"The credits of {term.semester_code}")
        total, complete = grouped.get(semester, (Decimal(0), True))
        grouped[semester] = (total + credits, complete and term.ends_on < today)
    long_semesters = []
    for semester, (credits, complete) in sorted(grouped.items()):
        graduating = first_graduating is not None and semester.academic_year >= first_graduating
        counted = complete and not graduating
        long_semesters.append(
            LongSemesterCredits(
                semester, credits, complete, graduating, counted, below_minimum=counted and credits < rule.below
            )
        )
    counted = [semester for semester in long_semesters if semester.counted]
    shortfalls = credit_shortfalls([semester.credits for semester in counted], program)

    yearly_minimum = requirement.yearly_minimum if requirement is not None else YEARLY_CREDIT_MINIMUM
    completed = completed_study_years(enrolment_year=enrolment_year, today=today)
    # The year under way is shown too, but never past the longest length of study (Academic Rules 11).
    shown = completed + 1
    if requirement is not None:
        shown = min(shown, requirement.normal_length_years + YEARS_AFTER_NORMAL_LENGTH)
    last_year = max([shown] + [s.semester.academic_year - enrolment_year + 1 for s in long_semesters])
    years, cumulative = [], Decimal(0)
    for year in range(1, last_year + 1):
        academic_year = enrolment_year + year - 1
        credits = sum((s.credits for s in long_semesters if s.semester.academic_year == academic_year), Decimal(0))
        cumulative += credits
        complete = year <= completed
        years.append(
            YearCredits(year, academic_year, credits, cumulative, complete, complete and credits < yearly_minimum)
        )

    warnings: tuple[ProgressWarning, ...] = ()
    longest = None
    if requirement is not None:
        # The yearly pace of Academic Rules 15 is the pace to finish within the normal length; after it, the longest
        # length of study (Supplementary 32.IV) is what applies.
        checked = [y.credits for y in years if y.complete and y.year <= requirement.normal_length_years]
        warnings = progress_warnings(
            credits_by_year=checked, graduation_credits=requirement.graduation_credits, yearly_minimum=yearly_minimum
        )
        longest = longest_study_ends_on(
            normal_length_ends_on=normal_length_ends_on(
                enrolment_year=enrolment_year, normal_length_years=requirement.normal_length_years
            )
        )
    flags_found = quit_flags(
        QuitFacts(
            credits_per_long_semester=tuple(semester.credits for semester in counted),
            program=program,
            longest_study_ends_on=longest,
            studies_completed=studies_completed,
        ),
        today=today,
    )

    flags = [
        AcademicFlag(FlagKind(w.kind.value), academic_year_label(enrolment_year + w.year - 1), w.earned, w.required)
        for w in warnings
    ]
    # A credit flag is named by the latest short long semester: a new short semester is new evidence to decide on.
    short = [semester for semester in counted if semester.below_minimum]
    if short and (shortfalls.must_quit or shortfalls.next_short_semester_quits):
        kind = FlagKind.CREDITS if shortfalls.must_quit else FlagKind.CREDITS_WARNING
        flags.append(AcademicFlag(kind, short[-1].semester.code, short[-1].credits, rule.below))
    if QuitFlag.STUDY_PERIOD_EXCEEDED in flags_found:
        flags.append(AcademicFlag(FlagKind.STUDY_PERIOD_EXCEEDED, longest.isoformat()))
    return Progress(
        long_semesters=tuple(long_semesters),
        years=tuple(years),
        shortfalls=shortfalls,
        warnings=warnings,
        quit_flags=flags_found,
        flags=tuple(flags),
        longest_study_ends_on=longest,
        yearly_minimum=yearly_minimum,
    )


# --- Graduation (Academic Rules 35-41) ------------------------------------------------------------------------------


class GraduationOutcome(StrEnum):
    GRADUATION = "graduation"
    COMPLETION = "completion"
    NOT_YET = "not_yet"


@dataclass(frozen=True)
class GraduationCheck:
    outcome: GraduationOutcome
    credits_missing: Decimal


def graduation_check(
    *,
    credits_earned: Decimal,
    credits_required: Decimal,
    other_requirements_met: bool = True,
    completion_margin: Decimal = COMPLETION_MARGIN_CREDITS,
) -> GraduationCheck:
    """Academic Rules 35, 38: all requirements -> graduation certificate; 15 credits or fewer missing -> completion."""
    earned = _credits(credits_earned, "The credits earned")
    required = _credits(credits_required, "The credits required")
    margin = _credits(completion_margin, "The completion margin")
    missing = max(required - earned, Decimal(0))
    # Handbook: Academic Rules 35.
    if missing == 0 and other_requirements_met:
        return GraduationCheck(GraduationOutcome.GRADUATION, missing)
    # Handbook: Academic Rules 38 ("15 credits less (including 15 credits)").
    if missing <= margin:
        return GraduationCheck(GraduationOutcome.COMPLETION, missing)
    return GraduationCheck(GraduationOutcome.NOT_YET, missing)


def early_graduation_application_in_time(*, terms_before_graduation: int) -> bool:
    """Academic Rules 37: early graduation is applied for two terms before the expected graduation."""
    _check_count(terms_before_graduation, "The terms before graduation")
    return terms_before_graduation >= EARLY_GRADUATION_TERMS_AHEAD


def degree_application_deadline(*, graduation_on: date) -> date:
    """Academic Rules 41: with a demerit or worse, the degree is applied for in writing 2 months before graduation."""
    months = graduation_on.year * 12 + graduation_on.month - 1 - DEGREE_APPLICATION_MONTHS_AHEAD
    year, month = months // 12, months % 12 + 1
    # The same day of the month, or that month's last day (April 30 less 2 months is February 28 or 29).
    return date(year, month, min(graduation_on.day, calendar.monthrange(year, month)[1]))


# --- Applications to defer or give up an examination ---------------------------------------------------------------

# Handbook: Academic Rules 16 (a course is dropped, and its examination given up, one week before the examination).
EXAM_DROP_DAYS_BEFORE = 7


def last_day_to_approve_drop(*, assessed_on: date, days_before: int = EXAM_DROP_DAYS_BEFORE) -> date:
    """Academic Rules 16: the last day a drop may be approved (and so applied for): a week before the examination."""
    if days_before < 0:
        raise ValueError(f"The days before the examination cannot be negative (got {days_before}).")
    return assessed_on - timedelta(days=days_before)


def check_drop_decision_day(*, on: date, assessed_on: date, days_before: int = EXAM_DROP_DAYS_BEFORE) -> date:
    """Academic Rules 16: a drop is applied for and approved by a week before the examination; returns that day.

    Later than that, the student sits the examination or is recorded absent (the rule's "fails to drop a course
    through official formalities"); a deferral for one of Assessment 22's reasons is the other way out.
    """
    last_day = last_day_to_approve_drop(assessed_on=assessed_on, days_before=days_before)
    if on > last_day:
        raise ValueError(
            f"A drop must be approved at least {days_before} days before the examination ({assessed_on}): "
            f"by {last_day}, not on {on}."
        )
    return last_day
