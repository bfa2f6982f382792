"""Leave of absence, suspension, resumption and withdrawal: approval routes, who decides each step, the status."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from portal import services as portal_services
from portal.models import GeneratedDocument, StudentStatus
from portal.services import ConflictError
from registration import services
from registration.models import LeaveTier, StatusChange, StatusChangeState, StatusDecision
from tests.factories import upload

pytestmark = pytest.mark.django_db


def pdf_text(document) -> str:
    import io

    import pdfplumber

    with pdfplumber.open(io.BytesIO(document.file.read())) as pdf:
        return " ".join(" ".join(page.extract_text() or "" for page in pdf.pages).split())


MARCH_1 = datetime.date(2027, 3, 1)


def leave(student, last_day, category="personal", proof=None, **kwargs):
    return services.status_apply(
        student=student,
        user=kwargs.pop("user", student.user),
        kind="leave",
        category=category,
        first_day=MARCH_1,
        last_day=last_day,
        reason="Family matters",
        proof=proof,
        **kwargs,
    )


def test_a_week_of_leave_is_decided_by_the_class_adviser_alone(student, staff_a):
    change = leave(student, datetime.date(2027, 3, 7))
    assert change.route == ["adviser"]
    change = services.status_decide(change=change, user=staff_a, approve=True)
    assert change.state == StatusChangeState.APPROVED
    student.refresh_from_db()
    assert student.status == StudentStatus.ON_LEAVE


def test_exactly_a_month_goes_to_the_school_then_the_international_college(student, staff_a, office_staff):
    change = leave(student, datetime.date(2027, 3, 31))
    assert change.route == ["school", "international_college"]
    with pytest.raises(PermissionDenied):
        services.status_decide(change=change, user=office_staff, approve=True)
    change = services.status_decide(change=change, user=staff_a, approve=True)
    assert change.state == StatusChangeState.PENDING and change.current_step == "international_college"
    with pytest.raises(PermissionDenied):
        services.status_decide(change=change, user=staff_a, approve=True)
    change = services.status_decide(change=change, user=office_staff, approve=True)
    assert change.state == StatusChangeState.APPROVED
    assert list(StatusDecision.objects.filter(change=change).values_list("step", "by")) == [
        ("school", staff_a.pk),
        ("international_college", office_staff.pk),
    ]


def test_over_a_month_goes_to_academic_affairs(student, staff_a, admin_user):
    change = leave(student, datetime.date(2027, 4, 1))
    assert change.route == ["academic_affairs"]
    with pytest.raises(PermissionDenied):
        services.status_decide(change=change, user=staff_a, approve=True)
    assert services.status_decide(change=change, user=admin_user, approve=True).state == "approved"


def test_staff_change_the_tiers_and_new_applications_follow_them(student):
    # Set here, not assumed from the data migration: a transactional test elsewhere may have emptied the table.
    LeaveTier.objects.all().delete()
    LeaveTier.objects.create(position=1, name="Up to 3 days", max_days=3, route=["adviser"])
    LeaveTier.objects.create(position=2, name="Longer", route=["school", "international_college"])
    assert leave(student, datetime.date(2027, 3, 3)).route == ["adviser"]
    StatusChange.objects.all().delete()
    assert leave(student, datetime.date(2027, 3, 5)).route == ["school", "international_college"]


def test_the_adviser_of_another_school_cannot_decide(student, staff_b):
    change = leave(student, datetime.date(2027, 3, 2))
    with pytest.raises(PermissionDenied):
        services.status_decide(change=change, user=staff_b, approve=True)


def test_a_rejection_needs_a_reason_and_ends_the_route(student, staff_a):
    change = leave(student, datetime.date(2027, 3, 2))
    with pytest.raises(ValidationError):
        services.status_decide(change=change, user=staff_a, approve=False)
    change = services.status_decide(change=change, user=staff_a, approve=False, reason="Exams that week")
    assert change.state == StatusChangeState.REJECTED
    student.refresh_from_db()
    assert student.status == StudentStatus.ENROLLED


def test_a_sick_leave_needs_a_hospital_certificate(student):
    with pytest.raises(ValidationError) as error:
        leave(student, datetime.date(2027, 3, 3), category="sick")
    assert "proof" in error.value.error_dict
    assert leave(student, datetime.date(2027, 3, 3), category="sick", proof=upload()).proof is not None


def test_staff_enter_an_emergency_leave_and_the_student_adds_the_proof_after(student, staff_a):
    change = leave(student, datetime.date(2027, 3, 3), category="sick", user=staff_a, emergency=True)
    assert change.emergency and change.proof is None
    change = services.status_proof_add(change=change, user=student.user, proof=upload())
    assert change.proof is not None


def test_finance_cannot_enter_a_leave_for_a_student(student, finance_staff):
    with pytest.raises(PermissionDenied):
        leave(student, datetime.date(2027, 3, 3), user=finance_staff, emergency=True)


def test_two_waiting_leaves_are_one_too_many(student):
    leave(student, datetime.date(2027, 3, 3))
    with pytest.raises(ConflictError):
        leave(student, datetime.date(2027, 3, 4))


def suspend(student, last_day, category="illness"):
    return services.status_apply(
        student=student,
        user=student.user,
        kind="suspension",
        category=category,
        first_day=MARCH_1,
        last_day=last_day,
        reason="Treatment",
    )


def test_a_suspension_over_a_year_is_refused(student):
    with pytest.raises(ValidationError) as error:
        suspend(student, datetime.date(2028, 3, 1))
    assert "last_day" in error.value.error_dict


def test_an_approved_suspension_suspends_and_resuming_after_illness_needs_a_recovery_certificate(
    student, staff_a, office_staff
):
    change = suspend(student, datetime.date(2027, 8, 31))
    services.status_decide(change=change, user=staff_a, approve=True)
    services.status_decide(change=change, user=office_staff, approve=True)
    student.refresh_from_db()
    assert student.status == StudentStatus.SUSPENDED
    with pytest.raises(ValidationError) as error:
        services.status_apply(
            student=student, user=student.user, kind="resumption", first_day=datetime.date(2027, 9, 1), reason="Well"
        )
    assert "proof" in error.value.error_dict
    resumption = services.status_apply(
        student=student,
        user=student.user,
        kind="resumption",
        first_day=datetime.date(2027, 9, 1),
        reason="Well",
        proof=upload(),
    )
    services.status_decide(change=resumption, user=staff_a, approve=True)
    services.status_decide(change=resumption, user=office_staff, approve=True)
    student.refresh_from_db()
    assert student.status == StudentStatus.ENROLLED


def test_a_student_who_does_not_resume_within_two_weeks_is_on_the_decision_list(student, staff_a, office_staff):
    from registration.selectors_leaving import status_decision_list

    change = suspend(student, datetime.date(2027, 8, 31))
    services.status_decide(change=change, user=staff_a, approve=True)
    services.status_decide(change=change, user=office_staff, approve=True)
    assert status_decision_list(user=office_staff, today=datetime.date(2027, 9, 14)) == []
    flags = status_decision_list(user=office_staff, today=datetime.date(2027, 9, 15))
    assert [flag.student for flag in flags] == [student]


def test_a_dismissal_is_recorded_with_its_reason_a_notice_and_a_clearance(student, office_staff):
    change = services.withdrawal_decide(
        student=student,
        user=office_staff,
        kind="dismissal",
        effective_on=datetime.date(2027, 3, 1),
        reason="Did not resume after suspension",
    )
    student.refresh_from_db()
    assert student.status == StudentStatus.LEFT and student.left_on == datetime.date(2027, 3, 1)
    notices = GeneratedDocument.objects.filter(kind="status_notice")
    assert {doc.owner for doc in notices} == {student.user, office_staff}
    for notice in notices:
        assert portal_services.generated_document_render(document_id=notice.pk)
    text = pdf_text(GeneratedDocument.objects.get(kind="status_notice", owner=student.user))
    assert (
        "notice of dismissal" in text.lower()
        and "Did not resume after suspension" in text
        and student.student_id in text
    )
    clearance = student.clearances.get()
    assert clearance.reason == "dismissal" and clearance.move_out_by == datetime.date(2027, 3, 8)
    assert change.decisions.get().reason == "Did not resume after suspension"


def test_only_the_office_records_a_dismissal(student, staff_a):
    with pytest.raises(PermissionDenied):
        services.withdrawal_decide(student=student, user=staff_a, kind="dismissal", effective_on=MARCH_1, reason="x")


def test_a_tier_with_an_unknown_step_is_refused():
    tier = LeaveTier(position=9, name="Bad", max_days=3, route=["dean_of_everything"])
    with pytest.raises(ValidationError):
        tier.full_clean()


def test_an_approved_suspension_opens_the_leaving_procedure_with_two_weeks_to_move_out(student, staff_a, office_staff):
    change = suspend(student, datetime.date(2027, 8, 31), category="childbearing")
    change = services.status_decide(change=change, user=staff_a, approve=True)
    services.status_decide(change=change, user=office_staff, approve=True)
    clearance = student.clearances.get()
    assert clearance.reason == "suspension" and clearance.move_out_by == datetime.date(2027, 3, 15)


def test_the_scholarship_is_suspended_while_the_suspension_runs(student, staff_a, office_staff):
    change = suspend(student, datetime.date(2027, 8, 31), category="childbearing")
    change = services.status_decide(change=change, user=staff_a, approve=True)
    services.status_decide(change=change, user=office_staff, approve=True)
    assert services.scholarship_suspended(student=student, today=datetime.date(2027, 3, 1))
    assert services.scholarship_suspended(student=student, today=datetime.date(2027, 8, 31))
    assert not services.scholarship_suspended(student=student, today=datetime.date(2027, 9, 1))


def test_a_student_is_enrolled_again_the_day_after_the_leave_ends(student, staff_a):
    change = leave(student, datetime.date(2027, 3, 7))
    services.status_decide(change=change, user=staff_a, approve=True)
    assert services.leaves_ended_refresh(today=datetime.date(2027, 3, 7)) == 0
    assert services.leaves_ended_refresh(today=datetime.date(2027, 3, 8)) == 1
    assert services.leaves_ended_refresh(today=datetime.date(2027, 3, 8)) == 0
    student.refresh_from_db()
    assert student.status == StudentStatus.ENROLLED


def test_the_suspension_limits_are_settings(student, settings):
    settings.SUSPENSION_MAX_MONTHS_PER_APPROVAL = 6
    with pytest.raises(ValidationError):
        suspend(student, datetime.date(2027, 9, 1))
    assert suspend(student, datetime.date(2027, 8, 31)).route == ["school", "international_college"]


def _suspended(student, staff_a, office_staff):
    change = suspend(student, datetime.date(2027, 8, 31), category="personal")
    services.status_decide(change=change, user=staff_a, approve=True)
    services.status_decide(change=change, user=office_staff, approve=True)
    student.refresh_from_db()
    from tests.factories import SemesterFactory

    SemesterFactory(code="2027-2028-1", starts_on=datetime.date(2027, 9, 6), ends_on=datetime.date(2028, 1, 14))
    SemesterFactory(code="2027-2028-2", starts_on=datetime.date(2028, 2, 21), ends_on=datetime.date(2028, 7, 7))


def resume(student, first_day, today):
    return services.status_apply(
        student=student, user=student.user, kind="resumption", first_day=first_day, reason="Ready", today=today
    )


def test_resumption_applied_for_before_the_term_is_in_time(student, staff_a, office_staff):
    _suspended(student, staff_a, office_staff)
    assert resume(student, datetime.date(2027, 9, 6), today=datetime.date(2027, 9, 5)).applied_late is False


def test_resumption_after_the_term_began_is_taken_as_late_within_two_weeks_of_the_suspension(
    student, staff_a, office_staff, client_for
):
    _suspended(student, staff_a, office_staff)
    change = resume(student, datetime.date(2027, 9, 6), today=datetime.date(2027, 9, 14))
    assert change.applied_late is True
    page = client_for(staff_a).get(f"/staff/status/{change.pk}/")
    assert "applied after the term began" in page.content.decode()


def test_resumption_more_than_two_weeks_after_the_suspension_and_after_the_term_began_is_refused(
    student, staff_a, office_staff
):
    _suspended(student, staff_a, office_staff)
    with pytest.raises(ValidationError) as error:
        resume(student, datetime.date(2027, 9, 6), today=datetime.date(2027, 9, 15))
    assert "2027-09-14" in " ".join(error.value.message_dict["first_day"])
    # Asking for a later term does not move the 2 weeks of Supplementary 32.V: the office decides now.
    with pytest.raises(ValidationError):
        resume(student, datetime.date(2028, 2, 21), today=datetime.date(2027, 9, 15))


def test_a_suspension_without_an_end_date_does_not_break_the_resumption(student, staff_a, office_staff):
    _suspended(student, staff_a, office_staff)
    from registration.models import StatusChange

    StatusChange.objects.filter(student=student, kind="suspension").update(last_day=None)
    with pytest.raises(ValidationError):
        resume(student, datetime.date(2027, 9, 6), today=datetime.date(2027, 9, 1))  # 2 weeks after 1 March
    assert resume(student, datetime.date(2027, 3, 8), today=datetime.date(2027, 3, 5)).applied_late is False
