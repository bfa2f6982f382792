"""The registration rules as the handbook states them; no database."""

from datetime import UTC, date, datetime, timedelta

import pytest

from registration.rules import (
    DeskRefusal,
    Listing,
    ListKind,
    PermitExpiryWarning,
    WindowState,
    check_document_not_expired,
    check_insurance_covers_semester,
    check_residence_permit,
    desk_registration_decision,
    last_day_to_register,
    preregistration_window_state,
    registration_reminder_due,
    two_week_listing,
)

# The spring 2024 notice: pre-registration February 20-22, onsite registration February 23 (2024 is a leap year).
OPENS = datetime(2024, 2, 20, 0, 0, tzinfo=UTC)
CLOSES = datetime(2024, 2, 23, 0, 0, tzinfo=UTC)
REGISTRATION_DAY = date(2024, 2, 23)
DAY_14 = date(2024, 3, 8)
DAY_15 = date(2024, 3, 9)
SEMESTER_STARTS = date(2024, 2, 26)
SEMESTER_ENDS = date(2024, 6, 30)


def day(n: int) -> date:
    return REGISTRATION_DAY + timedelta(days=n)


# --- NOTICE: the pre-registration window -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "state"),
    [
        (datetime(2024, 2, 19, 23, 59, 59, tzinfo=UTC), WindowState.NOT_YET_OPEN),
        (OPENS, WindowState.OPEN),
        (datetime(2024, 2, 22, 23, 59, 59, tzinfo=UTC), WindowState.OPEN),
        (CLOSES, WindowState.CLOSED),
        (datetime(2024, 3, 1, tzinfo=UTC), WindowState.CLOSED),
    ],
)
def test_window_is_open_from_its_opening_until_its_closing(now, state):
    assert preregistration_window_state(opens_at=OPENS, closes_at=CLOSES, now=now) == state


@pytest.mark.parametrize(("opens_at", "closes_at"), [(None, CLOSES), (OPENS, None), (None, None)])
def test_window_without_both_dates_is_not_scheduled(opens_at, closes_at):
    assert preregistration_window_state(opens_at=opens_at, closes_at=closes_at, now=OPENS) == WindowState.NOT_SCHEDULED


def test_window_that_closes_before_it_opens_is_refused():
    with pytest.raises(ValueError, match="closes"):
        preregistration_window_state(opens_at=CLOSES, closes_at=OPENS, now=OPENS)


# --- HANDBOOK Current Student Registration: the last day to register --------------------------------------------


@pytest.mark.parametrize(
    ("registration_day", "limit", "last_day"),
    [
        (date(2024, 2, 23), 14, date(2024, 3, 8)),  # leap year: February has 29 days
        (date(2023, 2, 23), 14, date(2023, 3, 9)),
        (date(2024, 8, 31), 14, date(2024, 9, 14)),  # month end
        (date(2024, 12, 25), 14, date(2025, 1, 8)),  # year end
        (date(2024, 2, 23), 7, date(2024, 3, 1)),
        (date(2024, 2, 23), 0, date(2024, 2, 23)),
    ],
)
def test_last_day_to_register_is_the_registration_day_plus_the_deferral_limit(registration_day, limit, last_day):
    assert last_day_to_register(registration_day=registration_day, deferral_limit_days=limit) == last_day


def test_deferral_limit_is_two_weeks_by_default():
    assert last_day_to_register(registration_day=REGISTRATION_DAY) == DAY_14


@pytest.mark.parametrize(
    ("leave_until", "last_day"),
    [(day(5), DAY_14), (DAY_14, DAY_14), (day(20), day(20))],
)
def test_approved_leave_extends_the_last_day_but_never_shortens_it(leave_until, last_day):
    assert last_day_to_register(registration_day=REGISTRATION_DAY, leave_until=leave_until) == last_day


def test_negative_deferral_limit_is_refused():
    with pytest.raises(ValueError, match="negative"):
        last_day_to_register(registration_day=REGISTRATION_DAY, deferral_limit_days=-1)


# --- HANDBOOK Current Student Registration / New Student Registration 3: the two-week list ------------------------


@pytest.mark.parametrize(
    ("registered_on", "today", "listed"),
    [
        (None, DAY_14, False),  # day 14: still within two weeks
        (None, DAY_15, True),  # day 15: listed
        (None, day(40), True),
        (REGISTRATION_DAY, day(40), False),
        (DAY_14, day(40), False),  # registered on day 14: in time
        (DAY_15, day(40), True),  # registered on day 15 (staff override): too late, staff decide
    ],
)
def test_student_not_registered_within_two_weeks_is_listed_from_day_15(registered_on, today, listed):
    listing = two_week_listing(registration_day=REGISTRATION_DAY, today=today, registered_on=registered_on)
    if listed:
        assert listing == Listing(
            kind=ListKind.TO_BE_WITHDRAWN,
            registration_day=REGISTRATION_DAY,
            last_day_to_register=DAY_14,
            listed_from=DAY_15,
        )
    else:
        assert listing is None


def test_new_student_not_registered_in_two_weeks_forfeits_admission():
    listing = two_week_listing(registration_day=REGISTRATION_DAY, today=DAY_15, registered_on=None, is_new_student=True)
    assert listing.kind == ListKind.ADMISSION_FORFEITED
    assert listing.listed_from == DAY_15


@pytest.mark.parametrize(
    ("leave_until", "today", "listed_from"),
    [
        (day(20), day(20), None),  # the last day of the approved leave
        (day(20), day(21), day(21)),  # the leave has run out
        (day(5), DAY_14, None),  # a short leave leaves the two weeks intact
        (day(5), DAY_15, DAY_15),
    ],
)
def test_approved_leave_keeps_the_student_off_the_list_until_it_ends(leave_until, today, listed_from):
    listing = two_week_listing(
        registration_day=REGISTRATION_DAY, today=today, registered_on=None, leave_until=leave_until
    )
    assert (listing.listed_from if listing else None) == listed_from


def test_student_registered_within_the_approved_leave_is_not_listed():
    assert (
        two_week_listing(registration_day=REGISTRATION_DAY, today=day(40), registered_on=day(20), leave_until=day(20))
        is None
    )


def test_two_week_list_follows_the_semesters_deferral_limit():
    listing = two_week_listing(
        registration_day=REGISTRATION_DAY, today=day(8), registered_on=None, deferral_limit_days=7
    )
    assert listing.listed_from == day(8)


def test_registration_date_after_today_is_refused():
    with pytest.raises(ValueError, match="after today"):
        two_week_listing(registration_day=REGISTRATION_DAY, today=day(3), registered_on=day(4))


# --- The check-in desk (HANDBOOK Current Student Registration, Academic Rules 10; Fees 1.2) ------------------------


@pytest.mark.parametrize(
    ("on", "leave_until", "allowed", "refusal", "refusal_date", "late"),
    [
        (day(-1), None, False, DeskRefusal.BEFORE_REGISTRATION_DAY, REGISTRATION_DAY, False),
        (REGISTRATION_DAY, None, True, None, None, False),
        (day(1), None, True, None, None, True),  # late without leave: registered, counted absent
        (DAY_14, None, True, None, None, True),
        (DAY_15, None, False, DeskRefusal.PAST_LAST_DAY, DAY_14, False),
        (day(3), day(5), True, None, None, False),  # within approved leave
        (day(7), day(5), True, None, None, True),  # past the leave but within two weeks
        (day(20), day(20), True, None, None, False),  # approved leave beyond two weeks
        (day(21), day(20), False, DeskRefusal.PAST_LAST_DAY, day(20), False),
    ],
)
def test_desk_registers_from_the_registration_day_until_the_last_day(
    on, leave_until, allowed, refusal, refusal_date, late
):
    decision = desk_registration_decision(
        day=on, registration_day=REGISTRATION_DAY, tuition_paid=True, leave_until=leave_until
    )
    assert (decision.allowed, decision.refusal, decision.refusal_date, decision.late_without_leave) == (
        allowed,
        refusal,
        refusal_date,
        late,
    )


def test_desk_refuses_a_student_whose_tuition_is_unpaid():
    decision = desk_registration_decision(day=REGISTRATION_DAY, registration_day=REGISTRATION_DAY, tuition_paid=False)
    assert not decision.allowed
    assert decision.refusal == DeskRefusal.TUITION_UNPAID


def test_desk_says_too_late_before_unpaid_tuition():
    decision = desk_registration_decision(day=DAY_15, registration_day=REGISTRATION_DAY, tuition_paid=False)
    assert decision.refusal == DeskRefusal.PAST_LAST_DAY


# --- GUIDE: dates on the form -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expires_on", "refused"),
    [(date(2024, 2, 20), True), (date(2024, 2, 21), False), (date(2030, 1, 1), False)],
)
def test_expiry_date_in_the_past_is_refused(expires_on, refused):
    today = date(2024, 2, 21)
    if refused:
        with pytest.raises(ValueError, match="in the past"):
            check_document_not_expired(expires_on=expires_on, today=today)
    else:
        check_document_not_expired(expires_on=expires_on, today=today)


@pytest.mark.parametrize(
    ("starts_on", "ends_on", "message"),
    [
        (SEMESTER_STARTS, SEMESTER_ENDS, None),  # exactly the semester
        (date(2023, 9, 1), date(2024, 8, 31), None),
        (date(2024, 2, 27), SEMESTER_ENDS, "starts on 2024-02-27"),  # one day late
        (SEMESTER_STARTS, date(2024, 6, 29), "ends on 2024-06-29"),  # one day short
        (date(2024, 7, 1), date(2024, 1, 1), "before it starts"),
    ],
)
def test_insurance_must_cover_the_whole_semester(starts_on, ends_on, message):
    kwargs = {
        "starts_on": starts_on,
        "ends_on": ends_on,
        "semester_starts_on": SEMESTER_STARTS,
        "semester_ends_on": SEMESTER_ENDS,
    }
    if message:
        with pytest.raises(ValueError, match=message):
            check_insurance_covers_semester(**kwargs)
    else:
        check_insurance_covers_semester(**kwargs)


def test_expired_residence_permit_is_refused():
    with pytest.raises(ValueError, match="in the past"):
        check_residence_permit(expires_on=date(2024, 2, 20), today=date(2024, 2, 21), semester_ends_on=SEMESTER_ENDS)


def test_residence_permit_ending_in_the_semester_is_a_warning_with_the_extension_date():
    warning = check_residence_permit(
        expires_on=date(2024, 3, 31), today=date(2024, 2, 21), semester_ends_on=SEMESTER_ENDS
    )
    assert warning == PermitExpiryWarning(
        expires_on=date(2024, 3, 31), semester_ends_on=SEMESTER_ENDS, apply_for_extension_by=date(2024, 3, 1)
    )


@pytest.mark.parametrize("expires_on", [SEMESTER_ENDS, date(2025, 6, 30)])
def test_residence_permit_valid_to_the_end_of_the_semester_needs_no_warning(expires_on):
    assert (
        check_residence_permit(expires_on=expires_on, today=date(2024, 2, 21), semester_ends_on=SEMESTER_ENDS) is None
    )


# --- Reminders before the last day to register ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "due"),
    [
        (date(2024, 3, 4), None),
        (date(2024, 3, 5), 3),  # 3 days before
        (date(2024, 3, 6), 3),  # a missed run still sends it (one per lead time is kept by the database)
        (date(2024, 3, 7), 3),
        (DAY_14, 0),  # on the day
        (DAY_15, None),  # too late to remind
    ],
)
def test_reminders_are_due_three_days_before_and_on_the_last_day(today, due):
    assert registration_reminder_due(deadline=DAY_14, today=today) == due


def test_reminder_lead_times_are_a_parameter():
    assert registration_reminder_due(deadline=DAY_14, today=date(2024, 3, 1), lead_days=(7, 1)) == 7
    assert registration_reminder_due(deadline=DAY_14, today=date(2024, 3, 7), lead_days=(7, 1)) == 1
    assert registration_reminder_due(deadline=DAY_14, today=DAY_14, lead_days=(7, 1)) == 1


def test_negative_reminder_lead_time_is_refused():
    with pytest.raises(ValueError, match="negative"):
        registration_reminder_due(deadline=DAY_14, today=DAY_14, lead_days=(-1,))
