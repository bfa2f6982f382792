"""The office's decision list gathers the flags of registration and academics (issue 8): a person decides."""

import datetime

import pytest
from django.utils import timezone

from registration.selectors_leaving import status_decision_list
from tests.academics.helpers import course, enter, offering
from tests.factories import SemesterFactory

pytestmark = pytest.mark.django_db


def short_semesters(student, staff, school, count):
    small = course(school, "CIV101", credits="5")
    for n in range(count):
        semester = SemesterFactory(
            code=f"201{n}-201{n + 1}-1",
            starts_on=datetime.date(2010 + n, 9, 1),
            ends_on=datetime.date(2011 + n, 1, 10),
        )
        enter(
            offering(school, semester, small.code, assessed_on=datetime.date(2011 + n, 1, 5)),
            student,
            "80",
            by=staff,
            today=datetime.date(2011 + n, 1, 6),
        )


def test_a_student_who_meets_the_credit_rule_for_quitting_is_on_the_decision_list(
    student, staff_a, office_staff, school_a
):
    student.programme = "Civil Engineering"
    student.save(update_fields=["programme"])
    # Supplementary 32.I: fewer than 12 credits in a long semester 3 times in a row.
    short_semesters(student, staff_a, school_a, 3)

    flags = status_decision_list(user=office_staff, today=timezone.localdate())

    assert [(flag.student, "credits" in flag.flag) for flag in flags] == [(student, True)]


def test_two_short_semesters_are_a_warning_not_a_flag_for_decision(student, staff_a, office_staff, school_a):
    student.programme = "Civil Engineering"
    student.save(update_fields=["programme"])
    short_semesters(student, staff_a, school_a, 2)

    assert status_decision_list(user=office_staff, today=timezone.localdate()) == []
