"""The handbook's leaving rules as a table (HANDBOOK Leaving the University 1-3; LEAVING 2-4)."""

from datetime import date
from decimal import Decimal

import pytest

from registration import rules


@pytest.mark.parametrize(
    ("reason", "deadline"),
    [
        ("graduation", date(2027, 7, 14)),
        ("completion", date(2027, 7, 14)),
        ("suspension", date(2027, 7, 14)),
        ("withdrawal", date(2027, 7, 7)),
        ("dismissal", date(2027, 7, 7)),
        ("expulsion", date(2027, 7, 7)),
    ],
)
def test_move_out_is_two_weeks_after_leaving_or_one_week_after_a_notice(reason, deadline):
    assert rules.move_out_deadline(reason=reason, effective_on=date(2027, 6, 30)) == deadline


def test_an_unknown_reason_for_leaving_is_refused():
    with pytest.raises(ValueError):
        rules.move_out_deadline(reason="holiday", effective_on=date(2027, 6, 30))


def test_dormitory_keys_are_on_the_checklist_only_for_students_on_campus():
    assert "dormitory_keys" in rules.clearance_kinds(on_campus=True)
    assert "dormitory_keys" not in rules.clearance_kinds(on_campus=False)
    assert len(rules.clearance_kinds(on_campus=True)) == 6


def test_each_item_has_its_office():
    assert rules.clearance_signer_role("fees") == "finance"
    assert rules.clearance_signer_role("library") == "clearance"
    assert rules.clearance_signer_role("dormitory_keys") == "dormitory"
    assert rules.clearance_signer_role("school") == "school_staff"
    assert rules.clearance_signer_role("residence_permit") == "international_office"


@pytest.mark.parametrize(("balance", "settled"), [("0", True), ("-10.00", True), ("0.01", False)])
def test_fees_are_settled_when_nothing_is_owed(balance, settled):
    assert rules.fees_settled(Decimal(balance)) is settled


@pytest.mark.parametrize(("owed", "books", "allowed"), [("0", 0, True), ("5.00", 0, False), ("0", 1, False)])
def test_the_library_card_is_cancelled_online_only_when_nothing_is_owed(owed, books, allowed):
    assert rules.library_online_allowed(owed=Decimal(owed), books_out=books) is allowed


@pytest.mark.parametrize(
    ("today", "state"),
    [
        (date(2027, 6, 19), rules.WindowState.NOT_YET_OPEN),
        (date(2027, 6, 20), rules.WindowState.OPEN),
        (date(2027, 7, 3), rules.WindowState.OPEN),
        (date(2027, 7, 4), rules.WindowState.CLOSED),
    ],
)
def test_the_leaving_system_is_open_from_june_20_to_july_3_inclusive(today, state):
    assert rules.clearance_window_state(opens_on=date(2027, 6, 20), closes_on=date(2027, 7, 3), today=today) == state


def test_no_window_means_not_scheduled():
    assert rules.clearance_window_state(opens_on=None, closes_on=None, today=date(2027, 6, 20)) == "not_scheduled"


def test_the_form_prints_only_when_every_item_is_done():
    assert rules.leaving_form_printable({"fees": True, "library": True})
    assert not rules.leaving_form_printable({"fees": True, "library": False})
    assert not rules.leaving_form_printable({})
