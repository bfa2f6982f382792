"""The handbook's fee rules, as its own table (Regulations on the Payment and Refund of Tuition and Fees)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from fees.rules import (
    academic_year_of,
    internship_fee,
    program_of,
    refund,
    suspension_credit,
    term_of,
    tuition_is_by_year,
    tuition_settlement,
)

REGISTRATION = date(2026, 9, 5)
SECOND_REGISTRATION = date(2027, 2, 23)
DAY = timedelta(days=1)


def degree(completed_on, **kwargs):
    arguments = dict(
        program="degree",
        completed_on=completed_on,
        registration_day=REGISTRATION,
        tuition_this_semester=Decimal("12000.00"),
        tuition_next_semester=Decimal("12000.00"),
        second_registration_day=SECOND_REGISTRATION,
    )
    return refund(**{**arguments, **kwargs})


def non_degree(completed_on, **kwargs):
    arguments = dict(
        program="non_degree",
        completed_on=completed_on,
        registration_day=REGISTRATION,
        tuition_this_semester=Decimal("11000.00"),
    )
    return refund(**{**arguments, **kwargs})


# --- 1.2: who pays when ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code, year, term",
    [("2026-2027-1", "2026-2027", 1), ("2026-2027-2", "2026-2027", 2), ("1999-2000-1", "1999-2000", 1)],
)
def test_semester_code_gives_academic_year_and_term(code, year, term):
    assert academic_year_of(code) == year
    assert term_of(code) == term


@pytest.mark.parametrize("code", ["2026-2028-1", "2026-1", "spring-2027", "", "2026-2027"])
def test_malformed_semester_code_is_refused(code):
    with pytest.raises(ValueError):
        academic_year_of(code)


@pytest.mark.parametrize(
    "degree_level, by_year",
    [("bachelor", True), ("master", True), ("doctoral", True), ("non_degree", False)],
)
def test_degree_students_pay_by_year_and_language_students_by_semester(degree_level, by_year):
    # Handbook: fees/ 1.2.1, 1.2.2
    assert tuition_is_by_year(program_of(degree_level)) is by_year


@pytest.mark.parametrize(
    "charged, balance, paid",
    [("24000", "0", True), ("24000", "-10", True), ("24000", "0.01", False), ("0", "0", False)],
)
def test_tuition_is_paid_when_billed_and_nothing_is_owed(charged, balance, paid):
    assert tuition_settlement(charged=Decimal(charged), balance=Decimal(balance)).paid is paid


# --- 1.2.4: internship fee ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "weeks, tuition, fee",
    [
        (48, "48000", "48000.00"),  # the full internship is a year's tuition
        (24, "48000", "24000.00"),
        (Decimal("10.2"), "48000", "11000.00"),  # a part week counts as a whole week
        (Decimal("0.5"), "48000", "1000.00"),  # less than a week is a week
        (1, "50000", "1041.67"),  # 1041.6666... rounded half up
        (Decimal("3"), "10000.10", "625.01"),  # 625.00625 -> 625.01 (half up)
        (0, "48000", "0.00"),
    ],
)
def test_internship_fee_is_actual_weeks_over_48_of_the_yearly_tuition(weeks, tuition, fee):
    result = internship_fee(weeks, Decimal(tuition))
    assert result == Decimal(fee)
    assert result.as_tuple().exponent == -2


@pytest.mark.parametrize("weeks, tuition", [(-1, "48000"), (4, "-1"), ("many", "48000"), (None, "48000")])
def test_internship_fee_refuses_negative_or_unreadable_input(weeks, tuition):
    with pytest.raises(ValueError):
        internship_fee(weeks, tuition)


# --- 2.1.1.1: new non-degree students -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "completed_on, amount",
    [
        (REGISTRATION, "5500.00"),
        (REGISTRATION + 29 * DAY, "5500.00"),
        (REGISTRATION + 30 * DAY, "5500.00"),  # "within 30 days (include 30 days)"
        (REGISTRATION + 31 * DAY, "0.00"),  # "Refund is not possible if the withdrawal exceeds 30 days"
        (REGISTRATION + 120 * DAY, "0.00"),
    ],
)
def test_new_non_degree_student_gets_half_within_30_days_inclusive(completed_on, amount):
    result = non_degree(completed_on)
    assert result.amount == Decimal(amount)
    assert result.clause == "2.1.1.1"
    assert str(completed_on) in result.explanation


def test_day_30_is_october_5_for_a_september_5_registration():
    assert non_degree(date(2026, 10, 5)).amount == Decimal("5500.00")
    assert non_degree(date(2026, 10, 6)).amount == Decimal("0.00")


def test_half_refund_rounds_half_up_to_the_fen():
    assert non_degree(REGISTRATION, tuition_this_semester=Decimal("11111.11")).amount == Decimal("5555.56")


# --- 2.1.1.2: continuing non-degree students who paid the coming semester -----------------------------------------


@pytest.mark.parametrize("completed_on", [REGISTRATION - 10 * DAY, REGISTRATION + 31 * DAY])
def test_continuing_non_degree_student_who_does_not_continue_gets_80_percent(completed_on):
    result = non_degree(completed_on, continuing_paid_next=True)
    assert result.amount == Decimal("8800.00")
    assert result.clause == "2.1.1.2"
    assert "80%" in result.explanation


def test_80_percent_rounds_half_up():
    # 80% of 10000.01 = 8000.008 -> 8000.01
    assert non_degree(REGISTRATION, continuing_paid_next=True, tuition_this_semester="10000.01").amount == Decimal(
        "8000.01"
    )


# --- 2.1.2: degree students ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "completed_on, amount, clause",
    [
        (REGISTRATION, "18000.00", "2.1.2.1"),  # 50% of 12000 + 12000
        (REGISTRATION + 30 * DAY, "18000.00", "2.1.2.1"),  # day 30 still counts
        (REGISTRATION + 31 * DAY, "12000.00", "2.1.2.2"),  # from day 31 only the second semester
        (SECOND_REGISTRATION - DAY, "12000.00", "2.1.2.2"),  # the day before the second registration day
        (SECOND_REGISTRATION, "0.00", "2.1.2.2"),  # "not possible after the registration day": the day itself
        (SECOND_REGISTRATION + DAY, "0.00", "2.1.2.2"),
    ],
)
def test_degree_refund_by_date_of_withdrawal(completed_on, amount, clause):
    result = degree(completed_on)
    assert result.amount == Decimal(amount)
    assert result.clause == clause
    assert str(completed_on) in result.explanation


def test_degree_refund_within_30_days_without_second_registration_day_known():
    assert degree(REGISTRATION + 3 * DAY, second_registration_day=None).amount == Decimal("18000.00")


def test_degree_refund_after_30_days_needs_the_second_registration_day():
    with pytest.raises(ValueError, match="second_registration_day"):
        degree(REGISTRATION + 40 * DAY, second_registration_day=None)


def test_degree_student_who_paid_only_the_first_semester_gets_half_of_it():
    result = degree(REGISTRATION + 5 * DAY, tuition_this_semester="12345.67", tuition_next_semester=0)
    assert result.amount == Decimal("6172.84")  # 6172.835 rounded half up


# --- 2.2.1: no refund -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "reason", ["law_violation", "disruption", "absent_two_weeks", "attendance_below_70", "late_registration"]
)
@pytest.mark.parametrize("calculate", [degree, non_degree])
def test_no_refund_for_the_causes_of_2_2_1(reason, calculate):
    result = calculate(REGISTRATION + DAY, no_refund_reason=reason)
    assert result.amount == Decimal("0.00")
    assert result.clause == "2.2.1"
    assert "2.2.1" in result.explanation


# --- 2.4: formalities -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, sub_clause",
    [({"permit_changed_in_time": False}, "2.4.1"), ({"receipts_returned": False}, "2.4.2")],
)
@pytest.mark.parametrize("calculate", [degree, non_degree])
def test_no_refund_without_the_formalities_of_2_4(kwargs, sub_clause, calculate):
    result = calculate(REGISTRATION + DAY, **kwargs)
    assert result.amount == Decimal("0.00")
    assert result.clause == "2.4"
    assert sub_clause in result.explanation


# --- 2.3: suspension ------------------------------------------------------------------------------------------


def test_suspension_keeps_the_unused_semester_as_credit():
    assert suspension_credit(tuition_next_semester="12000") == Decimal("12000.00")


# --- invalid input --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"program": "exchange"}, "program"),
        ({"no_refund_reason": "bored"}, "no_refund_reason"),
        ({"tuition_this_semester": Decimal("-1")}, "negative"),
        ({"tuition_next_semester": "-0.01"}, "negative"),
        ({"tuition_this_semester": "lots"}, "amount"),
        ({"tuition_this_semester": Decimal("NaN")}, "finite"),
        ({"completed_on": "2026-09-05"}, "date"),
        ({"second_registration_day": REGISTRATION}, "after"),
        ({"second_registration_day": REGISTRATION - DAY}, "after"),
        ({"continuing_paid_next": True}, "non-degree"),
    ],
)
def test_invalid_input_raises_value_error_with_a_reason(kwargs, message):
    with pytest.raises(ValueError, match=message):
        degree(kwargs.pop("completed_on", REGISTRATION), **kwargs)


def test_non_degree_refund_refuses_a_next_semester_amount():
    with pytest.raises(ValueError, match="1.2.2"):
        non_degree(REGISTRATION, tuition_next_semester=Decimal("100"))


def test_amounts_are_decimals_with_two_places():
    for result in (degree(REGISTRATION), non_degree(REGISTRATION), degree(SECOND_REGISTRATION)):
        assert isinstance(result.amount, Decimal)
        assert result.amount.as_tuple().exponent == -2
