"""Leave tiers by length with their boundaries, suspension limits and resumption (Academic Rules 13, 29-30;
Supplementary 32.V)."""

from datetime import date

import pytest

from registration import rules

TIERS = rules.DEFAULT_LEAVE_TIERS


@pytest.mark.parametrize(
    ("first", "last", "route"),
    [
        (date(2027, 3, 1), date(2027, 3, 1), ("adviser",)),
        (date(2027, 3, 1), date(2027, 3, 7), ("adviser",)),  # exactly 7 days
        (date(2027, 3, 1), date(2027, 3, 8), ("school", "international_college")),  # 8 days
        (date(2027, 3, 1), date(2027, 3, 31), ("school", "international_college")),  # exactly a month
        (date(2027, 3, 15), date(2027, 4, 14), ("school", "international_college")),  # exactly a month
        (date(2027, 3, 1), date(2027, 4, 1), ("academic_affairs",)),  # a month and a day
        (date(2027, 1, 31), date(2027, 2, 27), ("school", "international_college")),
        (date(2027, 1, 31), date(2027, 2, 28), ("academic_affairs",)),  # Jan 31 + 1 month is Feb 28
    ],
)
def test_the_approval_route_follows_the_length_of_the_leave(first, last, route):
    assert rules.leave_route(tiers=TIERS, first_day=first, last_day=last) == route


def test_tiers_are_data_staff_can_change():
    tiers = (
        rules.LeaveTierSpec(max_days=2, max_months=None, route=("adviser",)),
        rules.LeaveTierSpec(max_days=7, max_months=None, route=("adviser", "school")),
        rules.LeaveTierSpec(max_days=None, max_months=None, route=("school",)),
    )
    assert rules.leave_route(tiers=tiers, first_day=date(2027, 3, 1), last_day=date(2027, 3, 2)) == ("adviser",)
    assert rules.leave_route(tiers=tiers, first_day=date(2027, 3, 1), last_day=date(2027, 3, 3)) == (
        "adviser",
        "school",
    )


def test_a_leave_ending_before_it_starts_is_refused():
    with pytest.raises(ValueError):
        rules.leave_route(tiers=TIERS, first_day=date(2027, 3, 2), last_day=date(2027, 3, 1))


def test_a_suspension_of_one_year_is_allowed_and_a_day_more_is_not():
    assert rules.suspension_refusal(first_day=date(2027, 3, 1), last_day=date(2028, 2, 29), earlier_days=0) == ""
    assert (
        rules.suspension_refusal(first_day=date(2027, 3, 1), last_day=date(2028, 3, 1), earlier_days=0)
        == "per_approval"
    )


def test_suspensions_add_up_to_at_most_two_years():
    assert rules.suspension_refusal(first_day=date(2028, 3, 1), last_day=date(2028, 8, 31), earlier_days=600) == "total"
    assert rules.suspension_refusal(first_day=date(2028, 3, 1), last_day=date(2028, 3, 31), earlier_days=600) == ""


def test_resumption_is_due_within_two_weeks_after_the_suspension_ends():
    assert rules.resumption_deadline(date(2027, 8, 31)) == date(2027, 9, 14)


def test_illness_needs_a_recovery_certificate_to_resume_and_a_hospital_certificate_for_sick_leave():
    assert rules.resumption_needs_recovery_certificate("illness")
    assert not rules.resumption_needs_recovery_certificate("childbearing")
    assert rules.sick_leave_needs_certificate("sick")
    assert not rules.sick_leave_needs_certificate("personal")
