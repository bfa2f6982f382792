"""Attendance rules against the handbook: 2 weeks in succession without leave (Supplementary 32.VI), more than 4
weeks in a term (STATUS Art. 12), and resumption before the term (Academic Rules 30; Supplementary 32.V)."""

from datetime import date, timedelta

import pytest

from registration import rules
from registration.rules import AttendanceFlag, Period, ResumptionTiming

TERM = {"term_starts_on": date(2027, 2, 22), "term_ends_on": date(2027, 7, 9)}


def days(first: date, count: int) -> Period:
    return Period(first, first + timedelta(days=count - 1))


def standing(absences, leaves=(), **term):
    return rules.attendance_standing(absences, leaves, **(term or TERM))


def test_thirteen_days_without_leave_are_not_two_weeks_and_fourteen_are():
    assert standing([days(date(2027, 3, 1), 13)]).flags == ()
    reached = standing([days(date(2027, 3, 1), 14)])
    assert reached.flags == (AttendanceFlag.ABSENT_WITHOUT_LEAVE,)
    assert reached.without_leave_since == date(2027, 3, 14) and reached.longest_without_leave == 14


def test_adjoining_records_make_one_run_and_overlaps_count_once():
    result = standing([days(date(2027, 3, 1), 7), days(date(2027, 3, 8), 7), days(date(2027, 3, 5), 5)])
    assert result.days_absent == 14 and result.longest_without_leave == 14
    assert AttendanceFlag.ABSENT_WITHOUT_LEAVE in result.flags


def test_a_gap_of_one_day_breaks_the_run():
    result = standing([days(date(2027, 3, 1), 7), days(date(2027, 3, 9), 7)])
    assert result.days_absent == 14 and result.longest_without_leave == 7 and result.flags == ()


def test_a_day_of_approved_leave_breaks_the_run_but_still_counts_as_absence():
    result = standing([days(date(2027, 3, 1), 20)], [Period(date(2027, 3, 10), date(2027, 3, 10))])
    assert result.longest_without_leave == 10 and result.days_absent == 20
    assert result.flags == ()


def test_absence_covered_by_leave_throughout_raises_no_without_leave_flag():
    result = standing([days(date(2027, 3, 1), 20)], [days(date(2027, 3, 1), 20)])
    assert result.longest_without_leave == 0 and result.without_leave_since is None


def test_twenty_eight_days_in_a_term_are_four_weeks_and_the_twenty_ninth_is_more():
    # Four separate weeks with leave in between runs: only the total counts for STATUS Art. 12.
    weeks = [days(date(2027, 3, 1) + timedelta(days=14 * n), 7) for n in range(4)]
    assert standing(weeks).days_absent == 28 and standing(weeks).over_four_weeks_since is None
    more = standing([*weeks, Period(date(2027, 5, 1), date(2027, 5, 1))])
    assert more.days_absent == 29 and more.over_four_weeks_since == date(2027, 5, 1)
    assert more.flags == (AttendanceFlag.MUST_APPLY_FOR_SUSPENSION,)


def test_absence_with_leave_counts_towards_the_four_weeks():
    absences = [days(date(2027, 3, 1), 29)]
    result = standing(absences, absences)
    assert result.flags == (AttendanceFlag.MUST_APPLY_FOR_SUSPENSION,)


def test_only_days_inside_the_term_count():
    result = standing([Period(date(2027, 2, 1), date(2027, 2, 28))])
    assert result.days_absent == 7  # 22-28 February
    assert standing([Period(date(2027, 7, 1), date(2027, 8, 30))]).days_absent == 9


def test_a_leap_day_is_a_day():
    result = rules.attendance_standing(
        [Period(date(2028, 2, 20), date(2028, 3, 4))],
        [],
        term_starts_on=date(2028, 2, 1),
        term_ends_on=date(2028, 7, 1),
    )
    assert result.days_absent == 14 and result.without_leave_since == date(2028, 3, 4)


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
        (date(2027, 9, 20), date(2028, 2, 21), ResumptionTiming.IN_TIME),  # for the next term: before it begins
    ],
)
def test_resumption_is_applied_for_before_the_term(applied_on, term_starts_on, expected):
    assert (
        rules.resumption_timing(
            applied_on=applied_on, term_starts_on=term_starts_on, suspension_last_day=SUSPENSION_ENDS
        )
        == expected
    )
