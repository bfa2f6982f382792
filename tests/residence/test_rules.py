"""The residence rules read like the handbook's own text; no database."""

from datetime import UTC, date, datetime

import pytest

from residence.rules import (
    OVERDUE,
    Bucket,
    Obligation,
    Term,
    apply_before_vacation,
    board_bucket,
    change_report_due,
    check_entry,
    check_insurance_period,
    check_record_dates,
    deadline,
    extension_end_limit,
    insurance_renewal_due,
    needs_physical_exam,
    passport_renewal_due,
    permit_extension_due,
    police_registration_due,
    reminder_lead,
    residence_permit_due,
    stay_extension_due,
    transfer_report_due,
    vacation_containing,
    visa_stay_ends,
)

# --- HANDBOOK Residence 1: "New students holding an X1 visa shall apply for a residence permit ... within 30 days
# from the date of entry in China."


@pytest.mark.parametrize(
    ("entry", "due"),
    [
        (date(2026, 9, 1), date(2026, 10, 1)),  # an ordinary autumn arrival
        (date(2024, 2, 1), date(2024, 3, 2)),  # leap year: February has 29 days
        (date(2025, 2, 1), date(2025, 3, 3)),  # common year: February has 28 days
        (date(2024, 1, 31), date(2024, 3, 1)),  # month end across a leap February
        (date(2026, 12, 15), date(2027, 1, 14)),  # across the new year
    ],
)
def test_an_x1_holder_applies_for_the_permit_within_30_days_of_entry(entry, due):
    assert residence_permit_due(entry) == due


# "Students with an X2 visa shall secure a visa extension 7 days prior to the expiry of the duration specified."


@pytest.mark.parametrize(
    ("stay_ends", "due"),
    [
        (date(2026, 10, 31), date(2026, 10, 24)),
        (date(2024, 3, 5), date(2024, 2, 27)),  # leap year: back across 29 February
        (date(2024, 3, 7), date(2024, 2, 29)),  # lands on the leap day itself
        (date(2025, 3, 7), date(2025, 2, 28)),  # common year
        (date(2027, 1, 3), date(2026, 12, 27)),  # back across the new year
    ],
)
def test_an_x2_holder_extends_7_days_before_the_permitted_stay_ends(stay_ends, due):
    assert stay_extension_due(stay_ends) == due


@pytest.mark.parametrize(
    ("entry", "days", "ends"),
    [
        (date(2026, 3, 1), 30, date(2026, 3, 31)),
        (date(2024, 2, 1), 30, date(2024, 3, 2)),  # leap year
        (date(2026, 9, 1), 180, date(2026, 2, 28).replace(year=2027)),
    ],
)
def test_the_permitted_stay_counts_from_the_day_after_entry(entry, days, ends):
    assert visa_stay_ends(entry, days) == ends


def test_a_visa_without_any_permitted_stay_is_refused():
    with pytest.raises(ValueError):
        visa_stay_ends(date(2026, 3, 1), 0)


# HANDBOOK Residence 4: "within 30 days prior to the expiry of the validity period on their residence permits ...
# file applications for extension."


@pytest.mark.parametrize(
    ("expires", "due"),
    [
        (date(2026, 12, 31), date(2026, 12, 1)),
        (date(2024, 3, 30), date(2024, 2, 29)),  # leap year: the leap day
        (date(2025, 3, 30), date(2025, 2, 28)),  # common year
        (date(2024, 3, 31), date(2024, 3, 1)),  # month end, leap year
        (date(2025, 3, 31), date(2025, 3, 1)),  # month end, common year
        (date(2027, 1, 20), date(2026, 12, 21)),  # back across the new year
    ],
)
def test_a_permit_extension_is_applied_for_30_days_before_expiry(expires, due):
    assert permit_extension_due(expires) == due


# HANDBOOK Residence 3: "If any items on the residence permit change ... within 10 days after the change."


@pytest.mark.parametrize(
    ("changed", "due"),
    [
        (date(2026, 5, 4), date(2026, 5, 14)),
        (date(2024, 2, 25), date(2024, 3, 6)),  # leap year
        (date(2025, 2, 25), date(2025, 3, 7)),  # common year
        (date(2026, 12, 28), date(2027, 1, 7)),
    ],
)
def test_a_change_of_permit_data_is_reported_within_10_days(changed, due):
    assert change_report_due(changed) == due


def test_a_transfer_from_another_city_is_reported_within_10_days_of_arrival():
    assert transfer_report_due(date(2024, 2, 20)) == date(2024, 3, 1)


# HANDBOOK Dwelling III.2: "Within 24 hours after move-in, they must go to the local police station."


@pytest.mark.parametrize(
    ("moved_in", "due"),
    [
        (datetime(2026, 9, 1, 18, 30, tzinfo=UTC), datetime(2026, 9, 2, 18, 30, tzinfo=UTC)),
        (datetime(2024, 2, 28, 23, 0, tzinfo=UTC), datetime(2024, 2, 29, 23, 0, tzinfo=UTC)),  # leap day
        (datetime(2025, 2, 28, 23, 0, tzinfo=UTC), datetime(2025, 3, 1, 23, 0, tzinfo=UTC)),
        (datetime(2026, 12, 31, 12, 0, tzinfo=UTC), datetime(2027, 1, 1, 12, 0, tzinfo=UTC)),
    ],
)
def test_police_registration_is_due_24_hours_after_moving_in(moved_in, due):
    assert police_registration_due(moved_in) == due


# Physical Check-up: "International students who will study for more than 6 months should take a physical check-up".


@pytest.mark.parametrize(
    ("visa_type", "months", "needed"),
    [("x1", None, True), ("x2", None, False), ("x2", 6, False), ("x2", 7, True), ("other", 12, True)],
)
def test_a_physical_exam_verification_is_needed_for_stays_over_six_months(visa_type, months, needed):
    assert needs_physical_exam(visa_type=visa_type, planned_stay_months=months) is needed


@pytest.mark.parametrize(
    ("expires", "due"),
    [
        (date(2027, 3, 15), date(2026, 9, 15)),
        (date(2024, 8, 31), date(2024, 2, 29)),  # month end into a leap February
        (date(2025, 8, 31), date(2025, 2, 28)),  # month end into a common February
        (date(2027, 1, 31), date(2026, 7, 31)),
        (date(2026, 6, 30), date(2025, 12, 30)),
    ],
)
def test_a_passport_needs_renewing_once_fewer_than_six_months_are_left(expires, due):
    assert passport_renewal_due(expires) == due


@pytest.mark.parametrize(
    ("expires", "limit"),
    [(date(2026, 9, 30), date(2027, 9, 30)), (date(2024, 2, 29), date(2025, 2, 28))],
)
def test_a_permit_is_extended_by_at_most_one_year(expires, limit):
    assert extension_end_limit(expires) == limit


# Insurance 6 and the GUIDE: valid for the whole semester.


@pytest.mark.parametrize(
    ("ends", "due"),
    [
        (date(2027, 1, 31), None),  # covers the semester
        (date(2027, 1, 20), None),  # ends on the semester's last day
        (date(2026, 12, 31), date(2026, 12, 31)),  # ends inside the semester: renew by then
        (None, date(2026, 9, 7)),  # no insurance: due when the semester starts
    ],
)
def test_insurance_must_cover_the_whole_semester(ends, due):
    assert (
        insurance_renewal_due(insurance_ends=ends, semester_starts=date(2026, 9, 7), semester_ends=date(2027, 1, 20))
        == due
    )


# HANDBOOK Residence 4: "visa problems ... not handled during vacations."

AUTUMN = Term(date(2026, 9, 7), date(2027, 1, 20))
SPRING = Term(date(2027, 2, 22), date(2027, 6, 30))
NEXT_AUTUMN = Term(date(2027, 9, 6), date(2028, 1, 19))
CALENDAR = [SPRING, AUTUMN, NEXT_AUTUMN]  # unordered on purpose


@pytest.mark.parametrize(
    ("day", "vacation"),
    [
        (date(2027, 1, 21), (date(2027, 1, 21), date(2027, 2, 21))),  # the first day of winter vacation
        (date(2027, 2, 21), (date(2027, 1, 21), date(2027, 2, 21))),  # the last
        (date(2027, 1, 20), None),  # the last day of term
        (date(2027, 2, 22), None),  # the first day of the next term
        (date(2027, 8, 1), (date(2027, 7, 1), date(2027, 9, 5))),  # summer
        (date(2026, 8, 1), None),  # before the calendar starts
        (date(2028, 3, 1), None),  # after it ends
    ],
)
def test_vacations_are_the_gaps_between_terms(day, vacation):
    assert vacation_containing(day, CALENDAR) == vacation


def test_an_extension_due_in_a_vacation_is_applied_for_before_the_vacation_starts():
    assert apply_before_vacation(date(2027, 8, 10), CALENDAR) == date(2027, 6, 30)
    found = deadline(Obligation.PERMIT_EXTENSION, date(2027, 2, 1), CALENDAR)
    assert (found.due, found.legal_due, found.moved_for_vacation) == (date(2027, 1, 20), date(2027, 2, 1), True)


def test_an_extension_due_in_term_time_stays_where_it_is():
    found = deadline(Obligation.STAY_EXTENSION, date(2027, 3, 1), CALENDAR)
    assert found.due == date(2027, 3, 1) and not found.moved_for_vacation


def test_only_extensions_move_for_vacations():
    # The X1 permit application is counted from entry by law, vacation or not.
    found = deadline(Obligation.PERMIT_APPLICATION, date(2027, 8, 10), CALENDAR)
    assert found.due == date(2027, 8, 10)


def test_a_term_that_ends_before_it_starts_is_refused():
    with pytest.raises(ValueError):
        vacation_containing(date(2027, 1, 1), [Term(date(2027, 2, 1), date(2027, 1, 1))])


# Issue 5: reminders 60, 30, 14, 7 and 1 days before, and once overdue.

DUE = date(2024, 3, 31)


@pytest.mark.parametrize(
    ("today", "lead"),
    [
        (date(2024, 1, 30), None),  # 61 days before
        (date(2024, 1, 31), 60),  # 60 days before (leap February in between)
        (date(2024, 3, 1), 30),
        (date(2024, 3, 17), 14),
        (date(2024, 3, 24), 7),
        (date(2024, 3, 30), 1),
        (date(2024, 3, 31), 1),  # the due day itself: still in time
        (date(2024, 4, 1), OVERDUE),
        (date(2024, 3, 20), 14),  # a job that ran late sends the reminder that is true now
    ],
)
def test_the_reminder_due_today_is_the_smallest_lead_reached(today, lead):
    assert reminder_lead(due=DUE, today=today) == lead


def test_a_lead_time_below_one_day_is_refused():
    with pytest.raises(ValueError):
        reminder_lead(due=DUE, today=DUE, lead_days=(0,))


@pytest.mark.parametrize(
    ("today", "bucket"),
    [
        (date(2024, 4, 1), Bucket.OVERDUE),
        (date(2024, 3, 31), Bucket.DUE_7),
        (date(2024, 3, 24), Bucket.DUE_7),
        (date(2024, 3, 23), Bucket.DUE_30),
        (date(2024, 3, 1), Bucket.DUE_30),
        (date(2024, 2, 29), Bucket.DUE_60),
        (date(2024, 1, 31), Bucket.DUE_60),
        (date(2024, 1, 30), Bucket.LATER),
    ],
)
def test_the_board_sorts_due_dates_into_its_columns(today, bucket):
    assert board_bucket(due=DUE, today=today) == bucket


# Form checks


def test_a_document_issued_in_the_future_is_refused():
    with pytest.raises(ValueError):
        check_record_dates(issued_on=date(2026, 5, 2), expires_on=None, today=date(2026, 5, 1))


def test_a_document_expiring_before_it_was_issued_is_refused():
    with pytest.raises(ValueError):
        check_record_dates(issued_on=date(2026, 5, 1), expires_on=date(2026, 5, 1), today=date(2026, 6, 1))


def test_an_x2_visa_must_state_its_stay():
    with pytest.raises(ValueError):
        check_entry(entry_date=date(2026, 5, 1), today=date(2026, 5, 2), visa_type="x2", permitted_stay_days=None)


def test_an_entry_in_the_future_is_refused():
    with pytest.raises(ValueError):
        check_entry(entry_date=date(2026, 5, 3), today=date(2026, 5, 2), visa_type="x1", permitted_stay_days=None)


def test_an_insurance_period_that_ends_before_it_starts_is_refused():
    with pytest.raises(ValueError):
        check_insurance_period(starts_on=date(2026, 9, 1), ends_on=date(2026, 8, 31))
