"""Academic warnings as recorded decisions: staff of the student's school (or the office) decide on a flag the rules
raise; a warning reaches the student, a referral reaches the office's decision list; every decision is kept."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from academics.models import AcademicDecision, DecisionOutcome, FlagKind, Offering, ProgrammeRequirement
from academics.services import academic_decision_record
from portal.models import AuditEntry, Notification, Semester
from portal.services import ConflictError
from registration.models import StatusChange, StatusChangeKind, StatusChangeState
from registration.selectors_leaving import status_decision_list
from tests.academics.helpers import enter, offering
from tests.factories import SemesterFactory

pytestmark = pytest.mark.django_db


def two_short_years(student, staff, school, *, credits="5"):
    """Two completed years of study with `credits` in each long semester: the year, two-year and quit flags."""
    today = timezone.localdate()
    first = (today.year if today.month >= 9 else today.year - 1) - 2
    student.programme, student.enrolment_year = "Civil Engineering", first
    student.save(update_fields=["programme", "enrolment_year"])
    ProgrammeRequirement.objects.get_or_create(
        programme="Civil Engineering", defaults={"graduation_credits": 160, "normal_length_years": 4}
    )
    for year in (first, first + 1):
        for half, starts_on, ends_on in (
            (1, datetime.date(year, 9, 1), datetime.date(year + 1, 1, 10)),
            (2, datetime.date(year + 1, 2, 20), datetime.date(year + 1, 7, 10)),
        ):
            code = f"{year}-{year + 1}-{half}"
            semester = Semester.objects.filter(code=code).first() or SemesterFactory(
                code=code, starts_on=starts_on, ends_on=ends_on
            )
            found = Offering.objects.filter(semester=semester, course__code=f"CIV{year}{half}{credits}").first()
            found = found or offering(
                school, semester, f"CIV{year}{half}{credits}", credits=credits, assessed_on=ends_on
            )
            enter(found, student, "80", by=staff, today=ends_on + datetime.timedelta(days=1))
    return first


def decide(student, by, kind=FlagKind.YEAR_BELOW_MINIMUM, period=None, outcome=DecisionOutcome.WARNING,
           reason="Meet your adviser this week."):  # fmt: skip
    return academic_decision_record(
        student=student, kind=kind, period=period or f"{student.enrolment_year}-{student.enrolment_year + 1}",
        outcome=outcome, reason=reason, actor=by,
    )  # fmt: skip


def test_a_warning_is_kept_with_who_when_and_why_and_the_student_is_told(student, staff_a, school_a):
    two_short_years(student, staff_a, school_a)

    decision = decide(student, staff_a)

    assert (decision.outcome, decision.decided_by, decision.reason) == (
        "warning",
        staff_a,
        "Meet your adviser this week.",
    )
    assert (decision.earned, decision.required) == (10, 30)
    message = Notification.objects.get(user=student.user)
    assert "Academic warning" in message.subject and "Meet your adviser this week." in message.body
    assert AuditEntry.objects.filter(action="academics.academic_decision_warning", student=student).exists()


def test_a_flag_decided_once_stays_decided_for_its_period(student, staff_a, office_staff, school_a):
    two_short_years(student, staff_a, school_a)
    decide(student, staff_a)

    with pytest.raises(ConflictError):
        decide(student, office_staff, outcome=DecisionOutcome.NO_ACTION, reason="Already handled.")
    assert AcademicDecision.objects.count() == 1


def test_every_decision_needs_a_reason(student, staff_a, school_a):
    two_short_years(student, staff_a, school_a)

    with pytest.raises(ValidationError) as raised:
        decide(student, staff_a, outcome=DecisionOutcome.NO_ACTION, reason="  ")
    assert "reason" in raised.value.message_dict


def test_only_a_flag_the_rules_raise_can_be_decided(student, staff_a, school_a):
    two_short_years(student, staff_a, school_a, credits="15")  # 30 a year: nothing to decide

    with pytest.raises(ValidationError):
        decide(student, staff_a)
    with pytest.raises(ValidationError):
        decide(student, staff_a, outcome="expel")


def test_staff_of_another_school_and_finance_cannot_decide(student, staff_a, staff_b, finance_staff, school_a):
    two_short_years(student, staff_a, school_a)

    for outsider in (staff_b, finance_staff):
        with pytest.raises(PermissionDenied):
            decide(student, outsider)
    assert not AcademicDecision.objects.exists()


def test_the_international_college_decides_for_every_school(student, staff_a, office_staff, school_a):
    two_short_years(student, staff_a, school_a)

    assert (
        decide(student, office_staff, outcome=DecisionOutcome.NO_ACTION, reason="Medical leave").decided_by
        == office_staff
    )
    assert not Notification.objects.filter(user=student.user).exists()  # no action: nothing to tell


def test_a_decision_is_never_changed_or_deleted(student, staff_a, school_a):
    two_short_years(student, staff_a, school_a)
    decision = decide(student, staff_a)

    decision.reason = "Something else"
    with pytest.raises(RuntimeError):
        decision.save()
    with pytest.raises(RuntimeError):
        decision.delete()


def test_a_referral_is_on_the_offices_decision_list_until_the_office_decides(student, staff_a, office_staff, school_a):
    first = two_short_years(student, staff_a, school_a)
    today = timezone.localdate()
    credit_flag = f"{first + 1}-{first + 2}-2"  # the latest short long semester names the quit flag
    decide(student, staff_a, kind=FlagKind.CREDITS, period=credit_flag, outcome=DecisionOutcome.REFERRED,
           reason="Four short semesters; no improvement.")  # fmt: skip

    flags = [flag.flag for flag in status_decision_list(user=office_staff, today=today)]
    assert any("Referred by the school" in flag for flag in flags)

    StatusChange.objects.create(
        student=student, kind=StatusChangeKind.WITHDRAWAL, first_day=today, reason="Ordered to quit",
        state=StatusChangeState.APPROVED, created_by=office_staff,
    )  # fmt: skip
    flags = [flag.flag for flag in status_decision_list(user=office_staff, today=today)]
    assert not any("Referred by the school" in flag for flag in flags)
