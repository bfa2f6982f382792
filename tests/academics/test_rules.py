"""The academic rules as the handbook states them, table by table; no database."""

from datetime import date
from decimal import Decimal

import pytest

from academics.rules import (
    BarReason,
    CourseType,
    DeferralReason,
    ExamAccommodation,
    GraduationOutcome,
    MakeupRefusal,
    Mark,
    ProgressWarningKind,
    QuitFacts,
    QuitFlag,
    ResultPhase,
    RetakeRefusal,
    Scale,
    add_years,
    barred_from_final,
    check_deferral_application,
    check_result_change,
    credit_shortfalls,
    degree_application_deadline,
    early_graduation_application_in_time,
    earned_credits,
    exam_accommodation,
    gpa,
    grade_value,
    graduation_check,
    is_pass,
    last_day_for_makeup_or_retake,
    longest_study_ends_on,
    makeup_eligibility,
    must_quit_for_credits,
    normalise_result,
    progress_warnings,
    quit_flags,
    record_value,
    result_phase,
    result_phase_dates,
    resumption_overdue,
    retake_eligibility,
    round_gpa,
    standing_attempt,
    study_abroad_gpa,
)

D = Decimal


def rec(result, scale="hundred", credits=2, course="C1", mark=None):
    record = {"course": course, "credits": credits, "scale": scale, "result": result}
    if mark is not None:
        record["mark"] = mark
    return record


# --- Assessment 12: the grade value conversion chart ------------------------------------------------------------

# The hundred-mark half of the chart as the handbook prints it: score range, grade value.
HUNDRED_MARK_CHART = [
    ("100-95", "5"),
    ("94-92", "4.8"),
    ("91-89", "4.5"),
    ("88-86", "4.2"),
    ("85-83", "3.9"),
    ("82-80", "3.6"),
    ("79-77", "3.3"),
    ("76-74", "3"),
    ("73-71", "2.7"),
    ("70-68", "2.4"),
    ("67-65", "2.1"),
    ("64-62", "1.8"),
    ("61-60", "1.5"),
    ("59-0", "0"),  # "<60"
]
EVERY_SCORE = [
    (score, D(value))
    for band, value in HUNDRED_MARK_CHART
    for score in range(int(band.split("-")[1]), int(band.split("-")[0]) + 1)
]

FIVE_GRADE_CHART = [("Distinction", "4.5"), ("Merit", "3.5"), ("Middle", "2.5"), ("Pass", "1.5"), ("Fail", "0")]
LETTER_CHART = [
    ("A+", "5.0"),
    ("A", "4.5"),
    ("A-", "4.2"),
    ("B+", "3.8"),
    ("B", "3.5"),
    ("B-", "3.2"),
    ("C+", "2.8"),
    ("C", "2.5"),
    ("C-", "2.2"),
    ("D", "1.5"),
    ("F", "0"),
]
QUALIFIED_CHART = [("Qualified", "3"), ("Unqualified", "0")]
PASS_FAIL_CHART = [("Pass", "1.5"), ("Fail", "0")]
EVERY_GRADE = (
    [("five", grade, D(value)) for grade, value in FIVE_GRADE_CHART]
    + [("letter", grade, D(value)) for grade, value in LETTER_CHART]
    + [("qualified", grade, D(value)) for grade, value in QUALIFIED_CHART]
    + [("pass_fail", grade, D(value)) for grade, value in PASS_FAIL_CHART]
)


def test_the_chart_covers_every_score_from_0_to_100_once():
    assert sorted(score for score, _ in EVERY_SCORE) == list(range(101))


@pytest.mark.parametrize(("score", "value"), EVERY_SCORE)
def test_every_hundred_mark_score_has_the_charts_grade_value(score, value):
    assert grade_value(score, "hundred") == value
    assert isinstance(grade_value(score, "hundred"), Decimal)


@pytest.mark.parametrize(
    ("score", "value"),
    [(59, "0"), (60, "1.5"), (61, "1.5"), (62, "1.8"), (85, "3.9"), (86, "4.2"), (94, "4.8"), (95, "5"), (100, "5")],
)
def test_band_edges_of_the_hundred_mark_chart(score, value):
    assert grade_value(score, "hundred") == D(value)


@pytest.mark.parametrize("score", ["86", "0", "100", D(86), D("86.0"), 86.0])
def test_a_hundred_mark_score_may_come_as_digits_or_an_integral_number(score):
    assert grade_value(score, "hundred") == grade_value(int(D(str(score))), "hundred")


@pytest.mark.parametrize(("scale", "grade", "value"), EVERY_GRADE)
def test_every_grade_of_every_graded_scale_has_the_charts_value(scale, grade, value):
    assert grade_value(grade, scale) == value
    assert isinstance(grade_value(grade, scale), Decimal)


def test_scale_names_are_the_issues_strings():
    assert [s.value for s in Scale] == ["hundred", "five", "letter", "qualified", "pass_fail"]
    assert grade_value("A", Scale.LETTER) == D("4.5")


@pytest.mark.parametrize(
    ("result", "scale"),
    [
        (101, "hundred"),
        (-1, "hundred"),
        (85.5, "hundred"),
        ("85.5", "hundred"),
        (D("85.5"), "hundred"),
        ("-5", "hundred"),
        (" 86", "hundred"),
        ("1000", "hundred"),
        ("A", "hundred"),
        (None, "hundred"),
        (True, "hundred"),
        ("Excellent", "five"),
        ("E", "five"),
        (90, "five"),
        ("distinction", "five"),
        ("a", "letter"),
        ("A++", "letter"),
        ("E", "letter"),
        ("Pass", "letter"),
        ("Pass", "qualified"),
        ("Qualified", "pass_fail"),
        ("P", "pass_fail"),
        (None, "pass_fail"),
        (86, "percent"),
        ("A", ""),
        ("A", None),
    ],
)
def test_anything_outside_the_chart_is_refused(result, scale):
    with pytest.raises(ValueError):
        grade_value(result, scale)


@pytest.mark.parametrize(
    ("raw", "scale", "canonical"),
    [
        (" 86 ", "hundred", 86),
        ("0", "hundred", 0),
        ("a-", "letter", "A-"),
        ("distinction", "five", "Distinction"),
        ("UNQUALIFIED", "qualified", "Unqualified"),
        ("pass", "pass_fail", "Pass"),
    ],
)
def test_an_uploaded_result_is_normalised_to_the_charts_spelling(raw, scale, canonical):
    assert normalise_result(raw, scale) == canonical


@pytest.mark.parametrize(("raw", "scale"), [("101", "hundred"), ("B++", "letter"), ("", "five"), ("Pass", "x")])
def test_an_uploaded_result_outside_the_chart_is_refused(raw, scale):
    with pytest.raises(ValueError):
        normalise_result(raw, scale)


# --- Assessment 9: pass or fail ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scale", "grade", "passed"),
    [(scale, grade, value > 0) for scale, grade, value in EVERY_GRADE],
)
def test_every_grade_but_the_failing_one_passes(scale, grade, passed):
    assert is_pass(grade, scale) is passed


@pytest.mark.parametrize(
    ("score", "pass_mark", "passed"), [(59, 60, False), (60, 60, True), (54, 55, False), (55, 55, True)]
)
def test_the_pass_mark_is_60_in_the_handbook_and_a_setting(score, pass_mark, passed):
    assert is_pass(score, "hundred", pass_mark=pass_mark) is passed


@pytest.mark.parametrize("pass_mark", [0, 101, True, "60"])
def test_a_pass_mark_outside_1_to_100_is_refused(pass_mark):
    with pytest.raises(ValueError, match="pass mark"):
        is_pass(70, "hundred", pass_mark=pass_mark)


# --- Assessment 12-13, 17-21, 25: GPA ------------------------------------------------------------------------------


def test_a_terms_gpa_worked_by_hand():
    records = [
        rec(90, "hundred", 4, "MATH101"),  # 4.5 x 4 = 18.0
        rec("Merit", "five", 3, "CHIN102"),  # 3.5 x 3 = 10.5
        rec("B-", "letter", 2, "PHYS103"),  # 3.2 x 2 = 6.4
        rec("Pass", "pass_fail", 1, "PE104"),  # 1.5 x 1 = 1.5
        rec(55, "hundred", 2, "HIST105"),  # a failure counts: 0 x 2 = 0
    ]
    # 36.4 / 12 = 3.0333...
    assert gpa(records) == D("36.4") / D(12)
    assert round_gpa(gpa(records)) == D("3.03")


def test_gpa_is_not_rounded():
    # 3 credits at 3.6 and 4 credits at 0: 10.8 / 7 = 1.542857142857...
    result = gpa([rec(80, credits=3, course="A"), rec(40, credits=4, course="B")])
    assert result == D("10.8") / D(7)
    assert result != round_gpa(result)


def test_special_marks_count_0_or_not_at_all():
    records = [
        rec(80, credits=3, course="A"),  # 3.6 x 3 = 10.8
        rec(None, credits=2, course="B", mark="absent"),  # 0 x 2, counted
        rec(None, credits=2, course="C", mark="violation"),  # 0 x 2, counted
        rec(None, credits=4, course="D", mark="deferred"),  # not counted
        rec(None, credits=1, course="E", mark="gave_up"),  # not counted
    ]
    # 10.8 / 7
    assert gpa(records) == D("10.8") / D(7)


@pytest.mark.parametrize(
    ("mark", "value"),
    [
        (None, D("4.5")),
        ("absent", D(0)),
        ("violation", D(0)),
        ("barred", D(0)),
        ("deferred", None),
        ("gave_up", None),
    ],
)
def test_each_mark_gives_its_value(mark, value):
    assert record_value(rec(90, mark=mark)) == value


def test_absent_and_violation_count_0_whatever_result_is_recorded():
    assert gpa([rec(95, mark="absent"), rec("A+", "letter", mark=Mark.VIOLATION)]) == D(0)


@pytest.mark.parametrize(
    ("makeup", "setting", "value"),
    [
        ({"result": "Pass", "scale": "pass_fail"}, None, D("1.5")),  # handbook: Pass on the two-grade chart
        ({"result": "Pass", "scale": "pass_fail"}, D("1.0"), D("1.0")),  # STATUS Art. 11.VIII
        ({"result": "Fail", "scale": "pass_fail"}, D("1.0"), D(0)),
        ({"result": "Absent", "scale": "pass_fail"}, None, D(0)),
        ({"result": "Pass"}, None, D("1.5")),  # recorded on the pass_fail scale by default
        ({"result": "Pass", "scale": None}, D("1.0"), D("1.0")),
        ({"result": 72, "scale": "hundred"}, D("1.0"), D("1.0")),  # a passed makeup counts the set value
        ({"result": 50, "scale": "hundred"}, D("1.0"), D(0)),
    ],
)
def test_a_makeup_counts_the_set_value_when_passed_and_0_otherwise(makeup, setting, value):
    record = {"course": "MATH101", "credits": 2, "mark": "makeup", **makeup}
    kwargs = {} if setting is None else {"makeup_pass_value": setting}
    assert gpa([record], **kwargs) == value


def test_a_passed_makeup_in_a_terms_gpa():
    records = [rec(80, credits=3, course="A"), {"course": "B", "credits": 2, "result": "Pass", "mark": "makeup"}]
    # (3.6 x 3 + 1.0 x 2) / 5 = 12.8 / 5 = 2.56
    assert gpa(records, makeup_pass_value=D("1.0")) == D("2.56")


def test_every_attempt_at_a_course_counts_in_the_gpa():
    # 2.4 x 4 + 4.5 x 4 = 27.6 over 8 credits
    assert gpa([rec(70, credits=4, course="M"), rec(90, credits=4, course="M")]) == D("3.45")


@pytest.mark.parametrize(
    "records",
    [[], [rec(None, mark="deferred")], [rec(None, mark="gave_up"), rec(None, mark="deferred")], [rec(90, credits=0)]],
)
def test_gpa_is_none_when_nothing_counts(records):
    assert gpa(records) is None
    assert study_abroad_gpa(records) is None


def test_credits_may_be_fractional_and_given_as_text():
    # 4.5 x 1.5 + 3.6 x 2.5 = 6.75 + 9.0 = 15.75 over 4 credits
    assert gpa([rec(90, credits="1.5", course="A"), rec(80, credits=D("2.5"), course="B")]) == D("3.9375")


@pytest.mark.parametrize(
    "records",
    [
        [{"course": "A", "scale": "hundred", "result": 90}],  # no credits
        [{"course": "A", "credits": 2, "scale": "hundred"}],  # no result
        [{"course": "A", "credits": 2, "result": 90}],  # no scale
        [rec(90, credits=-1)],
        [rec(90, credits="two")],
        [rec(90, credits=True)],
        [rec(90, credits=D("NaN"))],
        [rec(90, mark="sick")],
        [rec(101)],
        ["not a record"],
        rec(90),  # one record instead of a list
    ],
)
def test_invalid_records_are_refused(records):
    with pytest.raises(ValueError):
        gpa(records)
    with pytest.raises(ValueError):
        study_abroad_gpa(records)


def test_a_negative_makeup_value_is_refused():
    with pytest.raises(ValueError):
        gpa([rec("Pass", "pass_fail", mark="makeup")], makeup_pass_value=D("-1"))


# --- Assessment 14: the study-abroad GPA ---------------------------------------------------------------------------


@pytest.mark.parametrize(("score", "value"), EVERY_SCORE)
def test_study_abroad_values_86_and_above_at_4(score, value):
    expected = D("4.0") if score >= 86 else value
    assert study_abroad_gpa([rec(score)]) == expected


@pytest.mark.parametrize(("scale", "grade", "value"), EVERY_GRADE)
def test_study_abroad_values_a_minus_and_better_and_distinction_at_4(scale, grade, value):
    capped = grade in ("A+", "A", "A-") or (scale == "five" and grade == "Distinction")
    assert study_abroad_gpa([rec(grade, scale)]) == (D("4.0") if capped else value)


def test_a_study_abroad_gpa_worked_by_hand():
    records = [
        rec(70, "hundred", 4, "MATH101"),  # first sitting, replaced by the better result below
        rec(95, "hundred", 4, "MATH101"),  # 5.0 -> 4.0 x 4 = 16
        rec("Distinction", "five", 3, "CHIN102"),  # 4.5 -> 4.0 x 3 = 12
        rec("A-", "letter", 2, "PHYS103"),  # 4.2 -> 4.0 x 2 = 8
        rec("B+", "letter", 2, "HIST105"),  # 3.8 x 2 = 7.6
        rec(85, "hundred", 3, "ECON106"),  # 3.9 x 3 = 11.7
    ]
    # 55.3 / 14 = 3.95
    assert study_abroad_gpa(records) == D("3.95")
    # The ordinary GPA counts every attempt at the chart's value: (9.6 + 20 + 13.5 + 8.4 + 7.6 + 11.7) / 18.
    assert gpa(records) == D("70.8") / D(18)


def test_study_abroad_counts_the_best_result_of_a_course_whatever_its_order():
    best_last = [rec(None, credits=3, course="M", mark="absent"), rec(62, credits=3, course="M")]
    best_first = list(reversed(best_last))
    assert study_abroad_gpa(best_last) == study_abroad_gpa(best_first) == D("1.8")


def test_study_abroad_takes_the_highest_result_before_capping_it():
    # 90 and 95 both count 4.0, but 95 is the higher result: its 3 credits count. (4.0 x 3 + 3.0 x 2) / 5 = 3.6
    records = [rec(90, credits=4, course="M"), rec(95, credits=3, course="M"), rec(75, credits=2, course="B")]
    assert study_abroad_gpa(records) == D("3.6")


def test_study_abroad_takes_the_higher_mark_of_equal_grade_values():
    # 86 and 88 both count 4.2 -> 4.0; 88 is the higher result, with 2 credits: (4.0 x 2 + 3.0 x 2) / 4 = 3.5
    records = [rec(86, credits=4, course="M"), rec(88, credits=2, course="M"), rec(75, credits=2, course="B")]
    assert study_abroad_gpa(records) == D("3.5")


def test_study_abroad_keeps_the_earlier_of_two_equal_results():
    # (4.5 -> 4.0 x 4 + 3.0 x 2) / 6 = 22 / 6
    records = [rec(90, credits=4, course="M"), rec(90, credits=3, course="M"), rec(75, credits=2, course="B")]
    assert study_abroad_gpa(records) == D(22) / D(6)


def test_study_abroad_ignores_a_deferred_sitting_of_a_course():
    assert study_abroad_gpa([rec(None, course="M", mark="deferred"), rec(75, course="M")]) == D("3.0")


def test_study_abroad_needs_course_codes():
    with pytest.raises(ValueError, match="course code"):
        study_abroad_gpa([{"credits": 2, "scale": "hundred", "result": 90}])


@pytest.mark.parametrize(("value", "shown"), [(D("3.945"), D("3.95")), (D("3.9449"), D("3.94")), (D(4), D("4.00"))])
def test_pages_show_two_decimals_half_up(value, shown):
    assert round_gpa(value) == shown
    assert str(round_gpa(value)) == str(shown)


def test_no_gpa_shows_as_none():
    assert round_gpa(None) is None


# --- Academic Rules 17, 20; Assessment 25: credits earned ----------------------------------------------------------


def test_credits_are_earned_by_passed_courses_and_passed_makeups_each_course_once():
    records = [
        rec(90, credits=4, course="MATH"),  # 4
        rec(55, credits=3, course="PHYS"),  # failed ...
        {"course": "PHYS", "credits": 3, "result": "Pass", "mark": "makeup"},  # ... made up: 3
        rec(None, credits=2, course="CHIN", mark="absent"),
        rec(None, credits=2, course="HIST", mark="deferred"),
        rec(70, credits=2, course="ART"),  # passed, then retaken to improve: 2, once
        rec(85, credits=2, course="ART"),
        rec("Unqualified", "qualified", 1, "LAB"),
    ]
    assert earned_credits(records) == D(9)


def test_credits_earned_follow_the_pass_mark_setting():
    assert earned_credits([rec(55, credits=3)]) == D(0)
    assert earned_credits([rec(55, credits=3)], pass_mark=55) == D(3)


# --- Assessment 31-38: result phases -------------------------------------------------------------------------------

ASSESSED = date(2024, 1, 10)
NEXT_SEMESTER = date(2024, 2, 26)


@pytest.mark.parametrize(
    ("today", "phase"),
    [
        (ASSESSED, ResultPhase.ENTRY),
        (date(2024, 1, 20), ResultPhase.ENTRY),  # day 10 after the assessment
        (date(2024, 1, 21), ResultPhase.PUBLICITY),
        (NEXT_SEMESTER, ResultPhase.PUBLICITY),
        (date(2024, 3, 17), ResultPhase.PUBLICITY),  # day 20 of the next semester (2024 is a leap year)
        (date(2024, 3, 18), ResultPhase.STABLE),
        (date(2025, 1, 1), ResultPhase.STABLE),
    ],
)
def test_a_result_moves_from_entry_through_publicity_to_stable(today, phase):
    assert result_phase(assessed_on=ASSESSED, next_semester_starts_on=NEXT_SEMESTER, today=today) == phase


def test_publicity_lasts_until_the_next_semesters_dates_are_known():
    assert result_phase(assessed_on=ASSESSED, next_semester_starts_on=None, today=date(2030, 1, 1)) == (
        ResultPhase.PUBLICITY
    )


def test_phase_dates_are_inclusive_last_days():
    dates = result_phase_dates(assessed_on=ASSESSED, next_semester_starts_on=NEXT_SEMESTER)
    assert (dates.entry_ends_on, dates.publicity_ends_on) == (date(2024, 1, 20), date(2024, 3, 17))


def test_a_next_semester_before_the_assessment_is_refused():
    with pytest.raises(ValueError, match="before the assessment"):
        result_phase(assessed_on=ASSESSED, next_semester_starts_on=date(2024, 1, 1), today=ASSESSED)


@pytest.mark.parametrize(
    ("phase", "reason", "approved", "allowed"),
    [
        (ResultPhase.ENTRY, "", False, True),
        (ResultPhase.PUBLICITY, "", False, False),
        (ResultPhase.PUBLICITY, "   ", False, False),
        (ResultPhase.PUBLICITY, "Marking error on question 3", False, True),
        (ResultPhase.STABLE, "Marking error on question 3", False, False),
        (ResultPhase.STABLE, "", True, False),
        (ResultPhase.STABLE, "Marking error on question 3", True, True),
    ],
)
def test_changing_a_result_needs_a_reason_in_publicity_and_an_approved_correction_when_stable(
    phase, reason, approved, allowed
):
    if allowed:
        check_result_change(phase=phase, reason=reason, correction_approved=approved)
    else:
        with pytest.raises(ValueError):
            check_result_change(phase=phase, reason=reason, correction_approved=approved)


def test_unknown_phase_is_refused():
    with pytest.raises(ValueError):
        check_result_change(phase="draft", reason="x")


# --- Supplementary 16; Assessment 19: barred from the final -------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "reasons"),
    [
        ({"class_hours": 48}, ()),
        ({"class_hours": 48, "hours_absent_without_reason": D("15.5")}, ()),
        ({"class_hours": 48, "hours_absent_without_reason": 16}, (BarReason.ABSENT_THIRD_WITHOUT_REASON,)),
        ({"class_hours": 48, "hours_absent_with_reason": 23}, ()),
        ({"class_hours": 48, "hours_absent_with_reason": 24}, (BarReason.ABSENT_HALF,)),
        (
            {"class_hours": 48, "hours_absent_without_reason": 10, "hours_absent_with_reason": 14},
            (BarReason.ABSENT_HALF,),
        ),
        (
            {"class_hours": 48, "hours_absent_without_reason": 24},
            (BarReason.ABSENT_THIRD_WITHOUT_REASON, BarReason.ABSENT_HALF),
        ),
        ({"class_hours": 32, "practical_hours": 12, "practical_hours_absent": 3}, ()),
        (
            {"class_hours": 32, "practical_hours": 12, "practical_hours_absent": 4},
            (BarReason.PRACTICAL_ABSENCE_OR_FAILURE,),
        ),
        ({"class_hours": 32, "practical_failed": True}, (BarReason.PRACTICAL_ABSENCE_OR_FAILURE,)),
        ({"class_hours": 32, "usual_performance_below_border": True}, (BarReason.USUAL_PERFORMANCE_BELOW_BORDER,)),
    ],
)
def test_who_may_not_sit_the_final(kwargs, reasons):
    assert barred_from_final(**kwargs) == reasons


@pytest.mark.parametrize(
    "kwargs",
    [
        {"class_hours": 48, "hours_absent_without_reason": 30, "hours_absent_with_reason": 20},
        {"class_hours": 48, "practical_hours": 4, "practical_hours_absent": 5},
        {"class_hours": -1},
    ],
)
def test_impossible_attendance_is_refused(kwargs):
    with pytest.raises(ValueError):
        barred_from_final(**kwargs)


# --- Supplementary 18: exam accommodations ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "accommodation"),
    [
        ({"duration_minutes": 120}, ExamAccommodation(paper_dictionary=True, extra_minutes=30, total_minutes=150)),
        (
            {"duration_minutes": 120, "paper_dictionary": False, "extra_minutes": 0},
            ExamAccommodation(paper_dictionary=False, extra_minutes=0, total_minutes=120),
        ),
        ({"duration_minutes": 90, "extra_minutes": 15}, ExamAccommodation(True, 15, 105)),
    ],
)
def test_a_dictionary_and_30_minutes_unless_the_course_says_otherwise(kwargs, accommodation):
    assert exam_accommodation(**kwargs) == accommodation


@pytest.mark.parametrize("kwargs", [{"duration_minutes": -1}, {"duration_minutes": 120, "extra_minutes": -30}])
def test_negative_minutes_are_refused(kwargs):
    with pytest.raises(ValueError):
        exam_accommodation(**kwargs)


# --- Assessment 21-22: deferred assessment ------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["hospitalisation", "family_force_majeure", "representing_university"])
def test_the_three_reasons_for_deferral_with_proof_filed_beforehand(reason):
    assert check_deferral_application(
        reason=reason, proof_provided=True, applied_on=date(2024, 1, 9), assessed_on=ASSESSED
    ) == DeferralReason(reason)


def test_a_deferral_may_be_filed_on_the_assessment_day():
    assert check_deferral_application(
        reason="hospitalisation", proof_provided=True, applied_on=ASSESSED, assessed_on=ASSESSED
    ) == (DeferralReason.HOSPITALISATION)


@pytest.mark.parametrize(
    ("reason", "proof", "applied_on", "message"),
    [
        ("travel", True, ASSESSED, "not a reason"),
        ("illness", True, ASSESSED, "not a reason"),
        ("hospitalisation", False, ASSESSED, "hospital_certificate"),
        ("representing_university", False, ASSESSED, "organiser_certificate"),
        ("family_force_majeure", True, date(2024, 1, 11), "by the assessment day"),
    ],
)
def test_other_deferrals_are_refused(reason, proof, applied_on, message):
    with pytest.raises(ValueError, match=message):
        check_deferral_application(reason=reason, proof_provided=proof, applied_on=applied_on, assessed_on=ASSESSED)


# --- Assessment 24-27: makeups -------------------------------------------------------------------------------------

DEADLINE = date(2024, 2, 20)


def makeup(result=45, scale="hundred", mark=None, course_type="compulsory", **kwargs):
    kwargs.setdefault("makeups_taken", 0)
    kwargs.setdefault("applied_on", date(2024, 2, 1))
    kwargs.setdefault("application_deadline", DEADLINE)
    return makeup_eligibility(result=result, scale=scale, mark=mark, course_type=course_type, **kwargs)


@pytest.mark.parametrize(
    ("kwargs", "refusal"),
    [
        ({}, None),  # failed with 45
        ({"result": 59}, None),
        ({"result": "Fail", "scale": "five"}, None),
        ({"result": "F", "scale": "letter"}, None),
        ({"result": "Unqualified", "scale": "qualified"}, None),
        ({"course_type": "elective"}, None),
        ({"result": None, "mark": "absent"}, None),
        ({"result": None, "mark": "deferred"}, None),
        ({"result": None, "mark": "absent", "absent_may_make_up": False}, MakeupRefusal.ABSENT),  # STATUS Art. 11.VI
        ({"result": 0}, MakeupRefusal.ZERO_RESULT),
        ({"result": None, "mark": "barred"}, MakeupRefusal.ZERO_RESULT),
        ({"result": None, "mark": "violation"}, MakeupRefusal.DISCIPLINE_VIOLATION),
        ({"course_type": "practical"}, MakeupRefusal.PRACTICAL_COURSE),
        ({"result": 60}, MakeupRefusal.NOTHING_TO_MAKE_UP),
        ({"result": "Pass", "scale": "five"}, MakeupRefusal.NOTHING_TO_MAKE_UP),
        ({"result": None, "mark": "gave_up"}, MakeupRefusal.NOTHING_TO_MAKE_UP),
        ({"makeups_taken": 1}, MakeupRefusal.ALREADY_TAKEN),
        ({"result": "Fail", "scale": "pass_fail", "mark": "makeup"}, MakeupRefusal.ALREADY_TAKEN),
        ({"applied_on": DEADLINE}, None),
        ({"applied_on": date(2024, 2, 21)}, MakeupRefusal.LATE_APPLICATION),
        ({"last_day_for_makeups": date(2024, 2, 1)}, None),
        ({"last_day_for_makeups": date(2024, 1, 31)}, MakeupRefusal.STUDY_PERIOD_OVER),
    ],
)
def test_one_makeup_by_application_in_time_not_after_0_or_violation_not_for_practical_courses(kwargs, refusal):
    decision = makeup(**kwargs)
    assert (decision.allowed, decision.refusal) == (refusal is None, refusal)


def test_makeup_pass_mark_follows_the_setting():
    assert makeup(result=57).allowed
    assert makeup(result=57, pass_mark=55).refusal == MakeupRefusal.NOTHING_TO_MAKE_UP


@pytest.mark.parametrize(
    "kwargs",
    [{"course_type": "optional"}, {"mark": "sick"}, {"makeups_taken": -1}, {"result": 101}, {"scale": "percent"}],
)
def test_makeup_questions_with_invalid_facts_are_refused(kwargs):
    with pytest.raises(ValueError):
        makeup(**kwargs)


def test_course_types_are_the_issues():
    assert [t.value for t in CourseType] == ["compulsory", "elective", "practical"]


@pytest.mark.parametrize(
    ("normal_end", "last_day"),
    [(date(2027, 6, 30), date(2029, 6, 30)), (date(2028, 2, 29), date(2030, 2, 28))],
)
def test_makeups_and_retakes_end_two_years_after_the_normal_length(normal_end, last_day):
    assert last_day_for_makeup_or_retake(normal_length_ends_on=normal_end) == last_day


# --- Academic Rules 20: retakes to improve, the higher result stands ---------------------------------------------


@pytest.mark.parametrize(
    ("result", "retakes_taken", "refusal"),
    [
        (75, 0, None),
        (75, 1, None),
        (75, 2, RetakeRefusal.LIMIT_REACHED),  # at most twice
        (75, 3, RetakeRefusal.LIMIT_REACHED),
        (55, 0, RetakeRefusal.NOT_PASSED),  # a failed course is made up or studied again
        (60, 1, None),
    ],
)
def test_a_passed_course_may_be_retaken_to_improve_at_most_twice(result, retakes_taken, refusal):
    decision = retake_eligibility(result=result, scale="hundred", retakes_taken=retakes_taken, applied_on=ASSESSED)
    assert (decision.allowed, decision.refusal) == (refusal is None, refusal)


def test_a_retake_after_the_study_period_is_refused():
    decision = retake_eligibility(
        result="B", scale="letter", retakes_taken=0, applied_on=date(2029, 7, 1), last_day_for_retakes=date(2029, 6, 30)
    )
    assert decision.refusal == RetakeRefusal.STUDY_PERIOD_OVER


def test_retakes_taken_must_be_a_count():
    with pytest.raises(ValueError):
        retake_eligibility(result=75, scale="hundred", retakes_taken=-1, applied_on=ASSESSED)


@pytest.mark.parametrize(
    ("attempts", "standing"),
    [
        ([rec(70), rec(85), rec(80)], 1),  # the higher result stands
        ([rec(85), rec(70)], 0),  # a worse retake changes nothing
        ([rec(90), rec(90)], 0),  # a tie keeps the first sitting
        ([rec(86), rec(88)], 1),  # the same grade value, but 88 is the higher mark
        ([rec(88), rec(86)], 0),
        ([rec("B", "letter"), rec("A-", "letter")], 1),
        ([rec(80), rec(None, mark="absent")], 0),
        ([rec(None, mark="deferred"), rec(65)], 1),
        ([rec(None, mark="deferred")], None),
    ],
)
def test_the_standing_attempt_is_the_higher_result(attempts, standing):
    result = standing_attempt(attempts)
    if standing is None:
        assert result is None
    else:
        assert result is attempts[standing]


# --- Academic Rules 15: progress -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("years", "graduation_credits", "warnings"),
    [
        ([30], 160, []),  # exactly 30 a year is enough
        ([D("29.5")], 160, [(ProgressWarningKind.YEAR_BELOW_MINIMUM, 1)]),
        ([30, 30], 160, []),  # 60 >= 160 / 3
        ([30, 23], 160, [(ProgressWarningKind.YEAR_BELOW_MINIMUM, 2), (ProgressWarningKind.BEHIND_AFTER_TWO_YEARS, 2)]),
        ([25, 25], 150, [(ProgressWarningKind.YEAR_BELOW_MINIMUM, 1), (ProgressWarningKind.YEAR_BELOW_MINIMUM, 2)]),
        ([30, 30, 15], 150, [(ProgressWarningKind.YEAR_BELOW_MINIMUM, 3)]),  # exactly 1/2 after three years
        (
            [30, 30, 14],
            150,
            [(ProgressWarningKind.YEAR_BELOW_MINIMUM, 3), (ProgressWarningKind.BEHIND_AFTER_THREE_YEARS, 3)],
        ),
        ([], 160, []),
    ],
)
def test_progress_against_30_a_year_one_third_after_two_and_half_after_three(years, graduation_credits, warnings):
    found = progress_warnings(credits_by_year=years, graduation_credits=graduation_credits)
    assert [(w.kind, w.year) for w in found] == warnings


def test_a_progress_warning_says_what_was_earned_and_required():
    (year_warning, behind) = progress_warnings(credits_by_year=[30, 23], graduation_credits=160)
    assert (year_warning.earned, year_warning.required) == (D(23), D(30))
    assert behind.earned == D(53)
    assert behind.required * 3 == D(160)


def test_longer_programmes_may_lower_the_yearly_minimum():
    assert progress_warnings(credits_by_year=[25], graduation_credits=200, yearly_minimum=24) == ()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"credits_by_year": [30], "graduation_credits": 0},
        {"credits_by_year": [-1], "graduation_credits": 160},
        {"credits_by_year": ["x"], "graduation_credits": 160},
    ],
)
def test_invalid_progress_figures_are_refused(kwargs):
    with pytest.raises(ValueError):
        progress_warnings(**kwargs)


# --- Supplementary 32: ordered to quit -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("program", "credits", "must_quit"),
    [
        # Regular: fewer than 12, 3 times in a row or 4 times in all.
        ("regular", [], False),
        ("regular", [12] * 8, False),
        ("regular", [11, 11], False),
        ("regular", [11, 11, 11], True),
        ("regular", [D("11.5"), D("11.9"), D("11.99")], True),
        ("regular", [11, 11, 12], False),
        ("regular", [11, 11, 12, 11], False),  # 3 in all, at most 2 in a row
        ("regular", [11, 12, 11, 12, 11, 12, 11], True),  # 4 in all
        ("regular", [12, 12, 12, 11, 11, 11], True),
        ("regular", [0, 20, 0, 20, 20], False),
        # CSL: fewer than 10, twice in a row or 3 times in all.
        ("csl", [9, 9], True),
        ("csl", [10, 10, 10, 10], False),
        ("csl", [11, 11, 11], False),  # under 12 but not under 10
        ("csl", [9, 10, 9], False),
        ("csl", [9, 10, 9, 10, 9], True),
        ("csl", [D("9.5"), 12, D("9.5")], False),
        # MBBS: fewer than 12, twice in a row or 3 times in all.
        ("mbbs", [11, 11], True),
        ("mbbs", [12, 12], False),
        ("mbbs", [11, 12, 11], False),
        ("mbbs", [11, 12, 11, 12, 11], True),
    ],
)
def test_fewer_credits_in_a_long_semester_too_often_orders_to_quit(program, credits, must_quit):
    assert must_quit_for_credits(credits, program) is must_quit


def test_the_programme_is_regular_unless_said():
    assert must_quit_for_credits([11, 11]) is False
    assert must_quit_for_credits([11, 11], "mbbs") is True


@pytest.mark.parametrize(
    ("credits", "program"),
    [([11, 11], "phd"), ([11, -1], "regular"), (["x"], "regular"), ("11", "regular"), ([True], "regular")],
)
def test_invalid_credit_histories_are_refused(credits, program):
    with pytest.raises(ValueError):
        must_quit_for_credits(credits, program)


@pytest.mark.parametrize(
    ("credits", "program", "current_run", "short", "warn"),
    [
        ([11, 11], "regular", 2, 2, True),  # a third short semester in a row would quit
        ([11, 12, 11, 12, 11], "regular", 1, 3, True),  # a fourth in all would quit
        ([11, 12], "regular", 0, 1, False),
        ([11, 11, 12], "regular", 0, 2, False),  # the run of two is broken: a new one starts from nothing
        ([9], "csl", 1, 1, True),
        ([9, 9], "csl", 2, 2, False),  # already flagged, no longer a warning
    ],
)
def test_a_warning_comes_one_short_semester_before_the_flag(credits, program, current_run, short, warn):
    shortfalls = credit_shortfalls(credits, program)
    assert (shortfalls.current_run, shortfalls.short_semesters, shortfalls.next_short_semester_quits) == (
        current_run,
        short,
        warn,
    )


TODAY = date(2024, 9, 1)


@pytest.mark.parametrize(
    ("facts", "flags"),
    [
        (QuitFacts(), ()),
        (QuitFacts(credits_per_long_semester=(11, 11, 11)), (QuitFlag.CREDITS,)),
        (QuitFacts(credits_per_long_semester=(9, 9), program="csl"), (QuitFlag.CREDITS,)),
        (QuitFacts(longest_study_ends_on=TODAY), ()),
        (QuitFacts(longest_study_ends_on=date(2024, 8, 31)), (QuitFlag.STUDY_PERIOD_EXCEEDED,)),
        (QuitFacts(longest_study_ends_on=date(2024, 8, 31), studies_completed=True), ()),
        (QuitFacts(suspension_ends_on=date(2024, 8, 18)), ()),  # day 14 after the suspension
        (QuitFacts(suspension_ends_on=date(2024, 8, 17)), (QuitFlag.NOT_RESUMED,)),
        (QuitFacts(suspension_ends_on=date(2024, 8, 1), resumption_applied_on=date(2024, 8, 15)), ()),
        (
            QuitFacts(suspension_ends_on=date(2024, 8, 1), resumption_applied_on=date(2024, 8, 16)),
            (QuitFlag.NOT_RESUMED,),
        ),
        (
            QuitFacts(
                suspension_ends_on=date(2024, 8, 1), resumption_applied_on=date(2024, 8, 2), resumption_refused=True
            ),
            (QuitFlag.NOT_RESUMED,),
        ),
        (QuitFacts(certified_unable_to_study=True), (QuitFlag.UNABLE_TO_STUDY,)),
        (QuitFacts(days_absent_without_leave=13), ()),
        (QuitFacts(days_absent_without_leave=14), (QuitFlag.ABSENT_WITHOUT_LEAVE,)),
        (QuitFacts(unregistered_two_weeks_after_deadline=True), (QuitFlag.NOT_REGISTERED,)),
        (QuitFacts(voluntary_application=True), (QuitFlag.VOLUNTARY,)),
        (
            QuitFacts(credits_per_long_semester=(11, 11, 11), days_absent_without_leave=20, voluntary_application=True),
            (QuitFlag.CREDITS, QuitFlag.ABSENT_WITHOUT_LEAVE, QuitFlag.VOLUNTARY),
        ),
    ],
)
def test_the_grounds_of_supplementary_32_are_flagged_for_a_person_to_decide(facts, flags):
    assert quit_flags(facts, today=TODAY) == flags


def test_invalid_quit_facts_are_refused():
    with pytest.raises(ValueError):
        quit_flags(QuitFacts(days_absent_without_leave=-1), today=TODAY)
    with pytest.raises(ValueError):
        quit_flags(QuitFacts(program="phd"), today=TODAY)


@pytest.mark.parametrize(
    ("applied_on", "today", "overdue"),
    [(None, date(2024, 3, 15), False), (None, date(2024, 3, 16), True), (date(2024, 3, 15), date(2024, 6, 1), False)],
)
def test_resumption_is_applied_for_within_two_weeks_after_the_suspension(applied_on, today, overdue):
    assert resumption_overdue(suspension_ends_on=date(2024, 3, 1), today=today, applied_on=applied_on) is overdue


@pytest.mark.parametrize(
    ("normal_end", "military_days", "longest_end"),
    [
        (date(2027, 6, 30), 0, date(2029, 6, 30)),
        (date(2027, 6, 30), 365, date(2030, 6, 30)),
        (date(2028, 2, 29), 0, date(2030, 2, 28)),
    ],
)
def test_the_longest_study_period_is_two_years_more_military_service_aside(normal_end, military_days, longest_end):
    assert longest_study_ends_on(normal_length_ends_on=normal_end, military_service_days=military_days) == longest_end


def test_add_years_keeps_the_day_or_the_end_of_february():
    assert add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)
    assert add_years(date(2024, 2, 29), 1) == date(2025, 2, 28)


# --- Academic Rules 35-41: graduation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("earned", "other_met", "outcome", "missing"),
    [
        (160, True, GraduationOutcome.GRADUATION, 0),
        (170, True, GraduationOutcome.GRADUATION, 0),
        (160, False, GraduationOutcome.COMPLETION, 0),  # credits complete, another requirement not met
        (159, True, GraduationOutcome.COMPLETION, 1),
        (145, True, GraduationOutcome.COMPLETION, 15),  # 15 missing: completion ("including 15 credits")
        (D("144.5"), True, GraduationOutcome.NOT_YET, D("15.5")),
        (144, True, GraduationOutcome.NOT_YET, 16),  # 16 missing: neither certificate
        (0, True, GraduationOutcome.NOT_YET, 160),
    ],
)
def test_graduation_or_completion_certificate_by_the_credits_missing(earned, other_met, outcome, missing):
    check = graduation_check(credits_earned=earned, credits_required=160, other_requirements_met=other_met)
    assert (check.outcome, check.credits_missing) == (outcome, D(missing))


@pytest.mark.parametrize(
    "kwargs",
    [{"credits_earned": -1, "credits_required": 160}, {"credits_earned": 100, "credits_required": "many"}],
)
def test_invalid_graduation_figures_are_refused(kwargs):
    with pytest.raises(ValueError):
        graduation_check(**kwargs)


@pytest.mark.parametrize(("terms", "in_time"), [(0, False), (1, False), (2, True), (3, True)])
def test_early_graduation_is_applied_for_two_terms_ahead(terms, in_time):
    assert early_graduation_application_in_time(terms_before_graduation=terms) is in_time


@pytest.mark.parametrize(
    ("graduation_on", "deadline"),
    [
        (date(2025, 6, 30), date(2025, 4, 30)),
        (date(2025, 4, 30), date(2025, 2, 28)),
        (date(2024, 4, 30), date(2024, 2, 29)),
        (date(2025, 1, 15), date(2024, 11, 15)),
        (date(2025, 2, 10), date(2024, 12, 10)),
    ],
)
def test_a_degree_with_a_demerit_is_applied_for_two_months_before_graduation(graduation_on, deadline):
    assert degree_application_deadline(graduation_on=graduation_on) == deadline
