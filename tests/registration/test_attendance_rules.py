"""Attendance rules against the handbook: 2 weeks in succession without leave (Supplementary 32.VII), more than 4
weeks in a term (STATUS Art. 12), and resumption before the term (Academic Rules 31; Supplementary 32.V)."""

from datetime import date, timedelta

import pytest

from registration import rules
from registration.rules import AttendanceFlag, Period, ResumptionTiming

TERM = {"term_starts_on": date(2027, 2, 22), "term_ends_on": date(2027, 7, 9)}
MONDAY = date(2027, 3, 1)


def days(first: date, count: int) -> Period:
    return Period(first, first + timedelta(days=count - 1))


def standing(absences, excused=(), on_leave=()):
    return rules.attendance_standing(absences, excused, on_leave=on_leave, **TERM)


def test_nine_class_days_without_leave_are_not_two_weeks_and_ten_are():
    # Monday of week 1 to Thursday of week 2: 9 class days (the weekend between neither breaks nor counts).
    assert standing([days(MONDAY, 11)]).flags == ()
    reached = standing([days(MONDAY, 12)])  # ... to Friday of week 2
    assert reached.flags == (AttendanceFlag.ABSENT_WITHOUT_LEAVE,)
    assert reached.without_leave_since == date(2027, 3, 12) and reached.longest_without_leave == 10


def test_two_weeks_typed_monday_to_friday_or_monday_to_sunday_count_the_same():
    weekdays_only = standing([days(MONDAY, 5), days(MONDAY + timedelta(days=7), 5)])
    whole_weeks = standing([days(MONDAY, 14)])
    assert weekdays_only.longest_without_leave == whole_weeks.longest_without_leave == 10
    assert weekdays_only.days_absent == whole_weeks.days_absent == 10
    assert weekdays_only.flags == whole_weeks.flags == (AttendanceFlag.ABSENT_WITHOUT_LEAVE,)


def test_overlapping_records_count_once():
    result = standing([days(MONDAY, 5), days(MONDAY + timedelta(days=2), 10)])
    assert result.days_absent == 10 and result.longest_without_leave == 10


def test_a_class_day_attended_breaks_the_run():
    # Absent Monday-Friday, present Monday, absent Tuesday to Friday of the week after next.
    result = standing([days(MONDAY, 5), Period(date(2027, 3, 9), date(2027, 3, 19))])
    assert result.days_absent == 14 and result.longest_without_leave == 9 and result.flags == ()


def test_a_day_of_leave_breaks_the_run_but_the_absence_still_counts():
    result = standing([days(MONDAY, 19)], [Period(date(2027, 3, 8), date(2027, 3, 8))])
    assert result.longest_without_leave == 9 and result.days_absent == 15 and result.flags == ()


def test_absence_covered_by_leave_throughout_is_not_without_leave():
    result = standing([days(MONDAY, 20)], [days(MONDAY, 20)])
    assert result.longest_without_leave == 0 and result.without_leave_since is None


def test_twenty_class_days_are_four_weeks_and_the_twenty_first_is_more():
    # Four separate weeks, a week attended between each: only the total counts for STATUS Art. 12.
    weeks = [days(MONDAY + timedelta(days=14 * n), 5) for n in range(4)]
    assert standing(weeks).days_absent == 20 and standing(weeks).over_four_weeks_since is None
    more = standing([*weeks, Period(date(2027, 5, 3), date(2027, 5, 3))])
    assert more.days_absent == 21 and more.over_four_weeks_since == date(2027, 5, 3)
    assert more.flags == (AttendanceFlag.MUST_APPLY_FOR_SUSPENSION,)


def test_approved_leave_counts_towards_the_four_weeks_even_without_a_recorded_absence():
    five_weeks = [days(MONDAY, 33)]
    result = standing([], five_weeks, on_leave=five_weeks)
    assert result.days_absent == 25 and result.flags == (AttendanceFlag.MUST_APPLY_FOR_SUSPENSION,)
    assert result.longest_without_leave == 0


def test_only_class_days_inside_the_term_count():
    assert standing([Period(date(2027, 2, 1), date(2027, 2, 28))]).days_absent == 5  # 22-26 February
    assert standing([Period(date(2027, 7, 1), date(2027, 8, 30))]).days_absent == 7  # 1-2 and 5-9 July
    assert standing([Period(date(2027, 3, 6), date(2027, 3, 7))]).days_absent == 0  # a weekend


def test_a_leap_day_is_a_class_day():
    result = rules.attendance_standing(
        [Period(date(2028, 2, 28), date(2028, 3, 10))],
        [],
        term_starts_on=date(2028, 2, 1),
        term_ends_on=date(2028, 7, 1),
    )
    assert result.days_absent == 10 and result.without_leave_since == date(2028, 3, 10)


def test_a_period_cannot_end_before_it_starts():
    with pytest.raises(ValueError):
        Period(date(2027, 3, 2), date(2027, 3, 1))


SUSPENSION_ENDS = date(2027, 8, 31)


@pytest.mark.parametrize(
    ("applied_on", "term_starts_on", "expected"),
    [
        (date(2027, 8, 1), date(2027, 9, 6), ResumptionTiming.IN_TIME),
        (date(2027, 9, 5), date(2027, 9, 6), ResumptionTiming.IN_TIME),
        (date(2027, 9, 6), date(2027, 9, 6), ResumptionTiming.LATE),  # the first day of the term is already late
        (date(2027, 9, 14), date(2027, 9, 6), ResumptionTiming.LATE),  # 2 weeks after the suspension ended
        (date(2027, 9, 15), date(2027, 9, 6), ResumptionTiming.TOO_LATE),
        # Past the 2 weeks, asking for a later term does not help (Supplementary 32.V).
        (date(2027, 9, 20), date(2028, 2, 21), ResumptionTiming.TOO_LATE),
        # A suspension ending in the vacation: the 2 weeks run out before the term begins.
        (date(2027, 9, 15), date(2027, 9, 20), ResumptionTiming.TOO_LATE),
    ],
)
def test_resumption_is_applied_for_before_the_term_and_within_two_weeks(applied_on, term_starts_on, expected):
    assert (
        rules.resumption_timing(
            applied_on=applied_on, term_starts_on=term_starts_on, suspension_last_day=SUSPENSION_ENDS
        )
        == expected
    )


def test_status_rules_four_weeks_before_the_term_is_a_setting():
    timing = rules.resumption_timing(
        applied_on=date(2027, 8, 10),
        term_starts_on=date(2027, 9, 6),
        suspension_last_day=date(2027, 9, 5),
        days_before_term=28,
    )
    assert timing == ResumptionTiming.LATE
    early = rules.resumption_timing(
        applied_on=date(2027, 8, 8),
        term_starts_on=date(2027, 9, 6),
        suspension_last_day=date(2027, 9, 5),
        days_before_term=28,
    )
    assert early == ResumptionTiming.IN_TIME


def test_a_second_fortnight_without_leave_is_a_new_case_from_its_own_tenth_day():
    result = standing([days(MONDAY, 12), days(date(2027, 4, 5), 12)])
    assert result.without_leave_since == date(2027, 4, 16) and result.longest_without_leave == 10
