"""Result entry through the services: who may write, the phase rules of Assessment 31-38, special marks,
makeups and retakes, the CSV upload's per-row errors, and the history and audit trail of every change."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from academics import selectors, services
from academics.models import Attempt, CorrectionState, Enrolment, Result, ResultChange
from portal.models import AuditEntry
from portal.services import ConflictError
from tests.academics.helpers import calendar, enrol, enter, offering

pytestmark = pytest.mark.django_db

ENTRY_DAY = datetime.date(2026, 1, 12)  # 2 days after the assessment on 2026-01-10
PUBLICITY_DAY = datetime.date(2026, 3, 1)  # after entry, before 20 days into spring (2026-03-12)
STABLE_DAY = datetime.date(2026, 3, 13)


@pytest.fixture
def anatomy(school_a):
    autumn, _spring = calendar()
    return offering(school_a, autumn, "MED101", assessed_on=datetime.date(2026, 1, 10))


def record(enrolment, value, *, by, today, mark="", reason="", **options):
    return services.result_record(
        enrolment=enrolment, value=value, mark=mark, actor=by, today=today, reason=reason, **options
    )


def test_school_staff_enter_a_result_and_the_history_and_audit_say_who_when_and_what(anatomy, student, staff_a):
    enrolment = enrol(anatomy, student)
    result = record(enrolment, " 86 ", by=staff_a, today=ENTRY_DAY)
    assert (result.value, result.grade_value, result.version) == ("86", Decimal("4.2"), 1)
    assert result.entry_ends_on == datetime.date(2026, 1, 20)
    assert result.publicity_ends_on == datetime.date(2026, 3, 12)
    change = ResultChange.objects.get(result=result)
    assert (change.by, change.old_value, change.new_value, change.phase) == (staff_a, "", "86", "entry")
    audit = AuditEntry.objects.get(action="academics.result_entered")
    assert audit.student == student and audit.changes["result"] == ["", "86"]


def test_staff_of_another_school_cannot_enter_results(anatomy, student, staff_b):
    with pytest.raises(ValidationError):
        record(enrol(anatomy, student), "90", by=staff_b, today=ENTRY_DAY)
    assert not Result.objects.exists()


def test_the_office_cannot_enter_results_either(anatomy, student, office_staff):
    with pytest.raises(ValidationError):
        record(enrol(anatomy, student), "90", by=office_staff, today=ENTRY_DAY)


def test_a_change_in_the_entry_phase_needs_no_reason(anatomy, student, staff_a):
    enrolment = enrol(anatomy, student)
    record(enrolment, "70", by=staff_a, today=ENTRY_DAY)
    result = record(enrolment, "72", by=staff_a, today=ENTRY_DAY)
    assert result.value == "72" and result.changes.count() == 2


def test_a_change_in_the_publicity_phase_without_a_reason_is_refused(anatomy, student, staff_a):
    enrolment = enrol(anatomy, student)
    record(enrolment, "70", by=staff_a, today=ENTRY_DAY)
    with pytest.raises(ValidationError, match="publicity"):
        record(enrolment, "75", by=staff_a, today=PUBLICITY_DAY)
    assert Result.objects.get().value == "70"


def test_a_change_in_the_publicity_phase_with_a_reason_is_saved_and_the_reason_kept(anatomy, student, staff_a):
    enrolment = enrol(anatomy, student)
    record(enrolment, "70", by=staff_a, today=ENTRY_DAY)
    record(enrolment, "75", by=staff_a, today=PUBLICITY_DAY, reason="Question 4 was marked twice")
    change = ResultChange.objects.order_by("pk").last()
    assert (change.old_value, change.new_value, change.phase) == ("70", "75", "publicity")
    assert change.reason == "Question 4 was marked twice"
    assert AuditEntry.objects.filter(action="academics.result_changed", reason=change.reason).exists()


def test_a_stable_result_is_not_changed_even_with_a_reason(anatomy, student, staff_a):
    enrolment = enrol(anatomy, student)
    record(enrolment, "70", by=staff_a, today=ENTRY_DAY)
    with pytest.raises(ValidationError, match="stable"):
        record(enrolment, "75", by=staff_a, today=STABLE_DAY, reason="Recount")
    assert Result.objects.get().value == "70"


def test_a_stable_result_changes_through_an_approved_correction(anatomy, student, staff_a, office_staff):
    enrolment = enrol(anatomy, student)
    result = record(enrolment, "58", by=staff_a, today=ENTRY_DAY)
    correction = services.correction_request(result=result, value="61", reason="Addition error", actor=staff_a)
    assert Result.objects.get().value == "58"
    services.correction_decide(correction=correction, approve=True, actor=office_staff)
    result.refresh_from_db()
    assert (result.value, result.grade_value) == ("61", Decimal("1.5"))
    change = result.changes.order_by("pk").last()
    assert change.correction == correction and change.reason == "Addition error" and change.by == office_staff
    correction.refresh_from_db()
    assert correction.state == CorrectionState.APPROVED


def test_a_rejected_correction_changes_nothing_and_needs_a_note(anatomy, student, staff_a, office_staff):
    result = record(enrol(anatomy, student), "58", by=staff_a, today=ENTRY_DAY)
    correction = services.correction_request(result=result, value="61", reason="Addition error", actor=staff_a)
    with pytest.raises(ValidationError):
        services.correction_decide(correction=correction, approve=False, actor=office_staff)
    services.correction_decide(correction=correction, approve=False, actor=office_staff, note="Papers checked")
    assert Result.objects.get().value == "58"
    with pytest.raises(ConflictError):
        services.correction_decide(correction=correction, approve=True, actor=office_staff)


def test_school_staff_cannot_decide_corrections(anatomy, student, staff_a):
    result = record(enrol(anatomy, student), "58", by=staff_a, today=ENTRY_DAY)
    correction = services.correction_request(result=result, value="61", reason="Addition error", actor=staff_a)
    with pytest.raises(ValidationError):
        services.correction_decide(correction=correction, approve=True, actor=staff_a)


def test_a_second_pending_correction_of_one_result_is_refused(anatomy, student, staff_a):
    result = record(enrol(anatomy, student), "58", by=staff_a, today=ENTRY_DAY)
    services.correction_request(result=result, value="61", reason="Addition error", actor=staff_a)
    with pytest.raises(ConflictError):
        services.correction_request(result=result, value="62", reason="Again", actor=staff_a)


@pytest.mark.parametrize("value", ["101", "-1", "8.5", "A", ""])
def test_a_hundred_mark_result_must_be_a_whole_number_from_0_to_100(anatomy, student, staff_a, value):
    with pytest.raises(ValidationError):
        record(enrol(anatomy, student), value, by=staff_a, today=ENTRY_DAY)


def test_letter_grades_are_normalised_and_valued_from_the_table(school_a, student, staff_a):
    autumn, _ = calendar()
    ethics = offering(school_a, autumn, "MED120", scale="letter", assessed_on=datetime.date(2026, 1, 10))
    result = record(enrol(ethics, student), "a-", by=staff_a, today=ENTRY_DAY)
    assert (result.value, result.grade_value) == ("A-", Decimal("4.2"))
    with pytest.raises(ValidationError, match="A\\+"):
        record(result.enrolment, "Z", by=staff_a, today=ENTRY_DAY)


def test_deferred_needs_an_approved_deferral_and_is_not_counted(anatomy, student, staff_a):
    enrolment = enrol(anatomy, student)
    with pytest.raises(ValidationError, match="deferral"):
        record(enrolment, "", mark="deferred", by=staff_a, today=ENTRY_DAY)
    services.enrolment_deferral_approve(
        enrolment=enrolment,
        reason="hospitalisation",
        proof_provided=True,
        applied_on=datetime.date(2026, 1, 9),
        actor=staff_a,
    )
    result = record(enrolment, "", mark="deferred", by=staff_a, today=ENTRY_DAY)
    assert result.grade_value is None
    assert selectors.student_academic_record(student=student).gpa is None


def test_a_deferral_without_proof_or_for_another_reason_is_refused(anatomy, student, staff_a):
    enrolment = enrol(anatomy, student)
    for reason, proof in (("hospitalisation", False), ("holiday", True)):
        with pytest.raises(ValidationError):
            services.enrolment_deferral_approve(
                enrolment=enrolment, reason=reason, proof_provided=proof, applied_on=ENTRY_DAY, actor=staff_a
            )


def test_absent_and_violation_count_zero_and_need_an_empty_result(anatomy, student, staff_a):
    enrolment = enrol(anatomy, student)
    with pytest.raises(ValidationError):
        record(enrolment, "55", mark="absent", by=staff_a, today=ENTRY_DAY)
    result = record(enrolment, "", mark="absent", by=staff_a, today=ENTRY_DAY)
    assert result.grade_value == Decimal("0")
    assert selectors.student_academic_record(student=student).gpa == Decimal("0")


def test_gave_up_needs_an_approved_drop(anatomy, student, staff_a):
    # The week before the examination is checked on the application when the drop is approved (Academic Rules 16).
    enrolment = enrol(anatomy, student)
    with pytest.raises(ValidationError, match="week"):
        record(enrolment, "", mark="gave_up", by=staff_a, today=ENTRY_DAY)
    Enrolment.objects.filter(pk=enrolment.pk).update(drop_approved_on=datetime.date(2026, 1, 5))
    enrolment.refresh_from_db()
    assert record(enrolment, "", mark="gave_up", by=staff_a, today=ENTRY_DAY).grade_value is None


def test_a_makeup_is_recorded_pass_fail_or_absent_and_counts_the_makeup_value(school_a, student, staff_a):
    autumn, spring = calendar()
    first = offering(school_a, autumn, "MED101", assessed_on=datetime.date(2026, 1, 10))
    enter(first, student, "40", by=staff_a)
    makeup = offering(school_a, spring, "MED101", assessed_on=datetime.date(2026, 3, 5))
    enrolment = services.enrolment_add(
        offering=makeup, student=student, attempt=Attempt.MAKEUP, actor=staff_a, today=datetime.date(2026, 3, 1)
    )
    with pytest.raises(ValidationError):
        record(enrolment, "75", by=staff_a, today=datetime.date(2026, 3, 6))
    result = record(enrolment, "pass", by=staff_a, today=datetime.date(2026, 3, 6))
    assert (result.value, result.mark, result.scale, result.grade_value) == (
        "Pass",
        "makeup",
        "pass_fail",
        Decimal("1.5"),
    )
    # A second makeup of the same course is refused (Assessment 24: one makeup).
    later = offering(school_a, next_autumn(), "MED101", assessed_on=datetime.date(2026, 9, 30))
    with pytest.raises(ValidationError, match="one makeup of this course was already taken"):
        services.enrolment_add(offering=later, student=student, attempt=Attempt.MAKEUP, actor=staff_a)


def next_autumn():
    from tests.factories import SemesterFactory

    return SemesterFactory(code="2026-2027-1", starts_on=datetime.date(2026, 9, 1), ends_on=datetime.date(2027, 1, 15))


def test_no_makeup_for_a_practical_course_or_after_a_violation(school_a, student, classmate, staff_a):
    autumn, spring = calendar()
    lab = offering(school_a, autumn, "MED150", course_type="practical", assessed_on=datetime.date(2026, 1, 10))
    enter(lab, student, "40", by=staff_a)
    anatomy = offering(school_a, autumn, "MED101", assessed_on=datetime.date(2026, 1, 10))
    enter(anatomy, classmate, "", mark="violation", by=staff_a)
    for code, who, why in (("MED150", student, "practical course"), ("MED101", classmate, "discipline violation")):
        makeup = offering(school_a, spring, code, assessed_on=datetime.date(2026, 3, 5))
        with pytest.raises(ValidationError, match=why):
            services.enrolment_add(
                offering=makeup, student=who, attempt=Attempt.MAKEUP, actor=staff_a, today=datetime.date(2026, 3, 1)
            )


def test_a_passed_course_is_retaken_at_most_twice_and_the_higher_result_counts_once(school_a, student, staff_a):
    from tests.factories import SemesterFactory

    semesters = [
        SemesterFactory(code=f"20{25 + n}-20{26 + n}-1", starts_on=datetime.date(2025 + n, 9, 1),
                        ends_on=datetime.date(2026 + n, 1, 15))
        for n in range(4)
    ]  # fmt: skip
    first = offering(school_a, semesters[0], "MED101", assessed_on=datetime.date(2026, 1, 10))
    enter(first, student, "65", by=staff_a)
    for n, score in ((1, "80"), (2, "70")):
        retake = offering(school_a, semesters[n], "MED101", assessed_on=datetime.date(2026 + n, 1, 10))
        enrolment = services.enrolment_add(offering=retake, student=student, attempt=Attempt.RETAKE, actor=staff_a)
        enter(retake, student, score, by=staff_a, attempt=enrolment.attempt)
    third = offering(school_a, semesters[3], "MED101", assessed_on=datetime.date(2029, 1, 10))
    with pytest.raises(ValidationError, match="at most twice"):
        services.enrolment_add(offering=third, student=student, attempt=Attempt.RETAKE, actor=staff_a)
    record = selectors.student_academic_record(student=student)
    # Credits are earned once for the course (Academic Rules 20), every attempt counts in the GPA (Assessment 13).
    assert record.credits_earned == Decimal("4")
    assert record.gpa == (Decimal("2.1") + Decimal("3.6") + Decimal("2.4")) / 3


def test_a_retake_needs_a_passed_result(school_a, student, staff_a):
    autumn, spring = calendar()
    enter(offering(school_a, autumn, "MED101", assessed_on=datetime.date(2026, 1, 10)), student, "40", by=staff_a)
    retake = offering(school_a, spring, "MED101")
    with pytest.raises(ValidationError, match="passed"):
        services.enrolment_add(offering=retake, student=student, attempt=Attempt.RETAKE, actor=staff_a)


def test_a_stale_version_is_refused_with_a_conflict(anatomy, student, staff_a):
    enrolment = enrol(anatomy, student)
    record(enrolment, "70", by=staff_a, today=ENTRY_DAY)
    with pytest.raises(ConflictError):
        record(enrolment, "71", by=staff_a, today=ENTRY_DAY, expected_version=0)
    assert Result.objects.get().value == "70"


def test_saving_the_same_result_again_writes_no_history(anatomy, student, staff_a):
    enrolment = enrol(anatomy, student)
    record(enrolment, "70", by=staff_a, today=ENTRY_DAY)
    record(enrolment, "70", by=staff_a, today=STABLE_DAY)
    assert ResultChange.objects.count() == 1


def test_term_and_cumulative_gpa_and_credits_follow_the_handbook(school_a, student, staff_a):
    autumn, spring = calendar()
    enter(offering(school_a, autumn, "MED101", credits="4", assessed_on=datetime.date(2026, 1, 10)), student, "86",
          by=staff_a)  # fmt: skip
    enter(offering(school_a, autumn, "MED120", credits="2", scale="letter", assessed_on=datetime.date(2026, 1, 10)),
          student, "B+", by=staff_a)  # fmt: skip
    enter(offering(school_a, spring, "MED201", credits="3", assessed_on=datetime.date(2026, 6, 30)), student, "55",
          by=staff_a)  # fmt: skip
    record = selectors.student_academic_record(student=student)
    autumn_term, spring_term = record.terms
    # (4.2 x 4 + 3.8 x 2) / 6 = 4.0666...; then with 0 x 3: 24.4 / 9 = 2.7111...
    assert autumn_term.gpa == Decimal("24.4") / 6
    assert spring_term.gpa == Decimal("0")
    assert spring_term.cumulative_gpa == record.gpa == Decimal("24.4") / 9
    assert (autumn_term.credits_earned, spring_term.credits_earned, record.credits_earned) == (6, 0, 6)
    # Study-abroad GPA: 86 counts 4.0 (Assessment 14): (16 + 7.6 + 0) / 9.
    assert record.study_abroad_gpa == Decimal("23.6") / 9


# --- CSV upload ----------------------------------------------------------------------------------------------------


def csv_file(text: str, name="results.csv"):
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def test_a_csv_keeps_good_rows_and_reports_each_bad_row_by_line(anatomy, student, classmate, other_school_student,
                                                                staff_a):  # fmt: skip
    enrol(anatomy, student)
    enrol(anatomy, classmate)
    text = (
        "student_id,result,mark,reason\n"
        f"{student.student_id},88,,\n"
        f"{classmate.student_id},abc,,\n"
        f"{other_school_student.student_id},70,,\n"
        "9999999999,70,,\n"
    )
    outcome = services.results_import_csv(offering=anatomy, upload=csv_file(text), actor=staff_a, today=ENTRY_DAY)
    assert outcome.saved == 1
    assert [(row.line, row.student_id) for row in outcome.errors] == [
        (3, classmate.student_id),
        (4, other_school_student.student_id),
        (5, "9999999999"),
    ]
    assert "whole number" in outcome.errors[0].message
    assert "not enrolled" in outcome.errors[1].message
    assert list(Result.objects.values_list("enrolment__student__student_id", "value")) == [(student.student_id, "88")]


def test_a_bad_csv_row_leaves_the_recorded_result_as_it_was(anatomy, student, classmate, staff_a):
    enter(anatomy, student, "70", by=staff_a, today=ENTRY_DAY)
    enrol(anatomy, classmate)
    text = f"student_id,result,mark,reason\n{student.student_id},75,,\n{classmate.student_id},66,,\n"
    outcome = services.results_import_csv(offering=anatomy, upload=csv_file(text), actor=staff_a, today=PUBLICITY_DAY)
    # In the publicity phase the change of 70 needs a reason (refused); the first entry of 66 too.
    assert outcome.saved == 0 and len(outcome.errors) == 2
    assert Result.objects.get(enrolment__student=student).value == "70"
    text = f"student_id,result,mark,reason\n{student.student_id},75,,Recount of paper\n"
    outcome = services.results_import_csv(offering=anatomy, upload=csv_file(text), actor=staff_a, today=PUBLICITY_DAY)
    assert outcome.saved == 1 and ResultChange.objects.filter(source="csv", reason="Recount of paper").exists()


def test_a_csv_repeating_a_student_keeps_the_first_row_only(anatomy, student, staff_a):
    enrol(anatomy, student)
    text = f"student_id,result\n{student.student_id},80\n{student.student_id},90\n"
    outcome = services.results_import_csv(offering=anatomy, upload=csv_file(text), actor=staff_a, today=ENTRY_DAY)
    assert outcome.saved == 1 and outcome.errors[0].line == 3
    assert Result.objects.get().value == "80"


@pytest.mark.parametrize(
    "content, message",
    [
        (b"id,score\n1,2\n", "lacks the columns"),
        ("student_id,result\n".encode("utf-16"), "UTF-8"),
        (b"student_id,result\n", "no result rows"),
    ],
)
def test_an_unreadable_csv_is_refused_as_a_whole(anatomy, staff_a, content, message):
    upload = SimpleUploadedFile("r.csv", content, content_type="text/csv")
    with pytest.raises(services.ResultFileError, match=message):
        services.results_import_csv(offering=anatomy, upload=upload, actor=staff_a, today=ENTRY_DAY)


def test_staff_of_another_school_cannot_upload_results(anatomy, student, staff_b):
    enrol(anatomy, student)
    with pytest.raises(ValidationError):
        services.results_import_csv(
            offering=anatomy, upload=csv_file(f"student_id,result\n{student.student_id},80\n"), actor=staff_b
        )
