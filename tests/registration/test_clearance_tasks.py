"""The leaving-school and status beat jobs: thin, idempotent wrappers of the services."""

import datetime

import pytest
from django.utils import timezone

from registration import tasks
from tests.fees.helpers import bill, pay
from tests.registration.clearance_helpers import graduate, item

pytestmark = pytest.mark.django_db


def test_the_fees_refresh_completes_a_settled_item_once(student, office_staff, finance_staff):
    bill(student, "500.00", by=finance_staff)
    clearance = graduate(student, by=office_staff)
    pay(student, "500.00", by=finance_staff, reference="T-1")
    assert tasks.clearance_refresh_automatic.apply().result == 1
    assert tasks.clearance_refresh_automatic.apply().result == 0
    assert item(clearance, "fees").is_done


def test_the_overdue_reminder_job_for_a_given_day_reminds_once(student, office_staff):
    graduate(student, by=office_staff, effective_on=datetime.date(2027, 6, 1))
    assert tasks.clearance_overdue_remind.apply(kwargs={"day": "2027-06-20"}).result == 1
    assert tasks.clearance_overdue_remind.apply(kwargs={"day": "2027-06-20"}).result == 0
    assert tasks.clearance_overdue_remind.apply(kwargs={"day": "2027-06-21"}).result == 1


def test_a_leaver_within_the_move_out_period_is_not_reminded(student, office_staff):
    graduate(student, by=office_staff, effective_on=timezone.localdate())
    assert tasks.clearance_overdue_remind.apply().result == 0


def test_the_leave_job_takes_an_iso_day(student):
    assert tasks.leaves_ended_refresh.apply(kwargs={"day": "2027-03-08"}).result == 0
