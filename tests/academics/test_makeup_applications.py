"""Makeup applications: a student applies for a makeup of a failed, deferred or absent result in a later offering of
the course; the student's school approves (the makeup enrolment is made in the same transaction) or refuses with a
reason. Handbook: Assessment 24-27 (one makeup, by application; none after 0 or a violation; none for practical
courses; recorded Pass/Fail/Absent)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from academics import services
from academics.models import Attempt, Enrolment, ExamApplication, ExamApplicationState
from portal.models import AuditEntry, Notification
from portal.services import ConflictError
from tests.academics.helpers import enrol, enter, offering
from tests.factories import SemesterFactory

pytestmark = pytest.mark.django_db

LIST = "api_academics_exam_applications"


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def last_term(today):
    return SemesterFactory(starts_on=today - datetime.timedelta(days=200), ends_on=today - datetime.timedelta(days=60))


@pytest.fixture
def this_term(today):
    return SemesterFactory(starts_on=today - datetime.timedelta(days=30), ends_on=today + datetime.timedelta(days=90))


def sat(school, term, code, who, value, *, by, today, mark="", **course_options):
    """A course sat last term with its result entered the day after the assessment."""
    first = offering(school, term, code, assessed_on=today - datetime.timedelta(days=70), **course_options)
    return enter(first, who, value, mark=mark, by=by).enrolment


def makeup_of(school, term, code, today):
    """The same course this term, examined in three weeks: where the makeup is sat."""
    return offering(school, term, code, assessed_on=today + datetime.timedelta(days=21))


@pytest.fixture
def failed(school_a, last_term, student, staff_a, today):
    return sat(school_a, last_term, "MED101", student, "40", by=staff_a, today=today)


@pytest.fixture
def makeup_offering(school_a, this_term, failed, today):
    return makeup_of(school_a, this_term, "MED101", today)


@pytest.fixture
def application(failed, makeup_offering, student):
    return services.exam_application_submit(
        enrolment=failed, user=student.user, kind="makeup", makeup_offering=makeup_offering, statement="Ill in week 18"
    )


# --- The whole way --------------------------------------------------------------------------------------------------


def test_a_failed_student_applies_the_school_approves_and_the_makeup_is_recorded_pass_or_fail(
    application, makeup_offering, student, staff_a
):
    assert application.state == ExamApplicationState.PENDING and application.makeup_offering == makeup_offering
    services.exam_application_approve(application=application, actor=staff_a)
    application.refresh_from_db()
    assert application.state == ExamApplicationState.APPROVED and application.decided_by == staff_a
    makeup = Enrolment.objects.get(offering=makeup_offering, student=student)
    assert makeup.attempt == Attempt.MAKEUP
    assert AuditEntry.objects.filter(action="academics.makeup_approved", student=student).exists()
    assert AuditEntry.objects.filter(action="academics.enrolment_added", student=student).exists()
    assert [e.to_state for e in application.events.all()] == ["pending", "approved"]
    assert "makeup" in Notification.objects.get(user=student.user).body.lower()
    exam_day = services.offering_assessed_on(makeup_offering)
    day_after = exam_day + datetime.timedelta(days=1)
    with pytest.raises(ValidationError):
        services.result_record(enrolment=makeup, value="75", mark="", actor=staff_a, today=day_after)
    result = services.result_record(enrolment=makeup, value="pass", mark="", actor=staff_a, today=day_after)
    assert (result.value, result.mark, result.scale) == ("Pass", "makeup", "pass_fail")


def test_the_student_applies_from_the_results_page_and_the_school_approves_from_its_page(
    client_for, failed, makeup_offering, student, staff_a
):
    client = client_for(student.user)
    apply_url = reverse("academics_exam_apply", args=[failed.pk])
    results = client.get(reverse("academics_my_results"))
    assert apply_url in results.content.decode()
    page = client.get(apply_url)
    assert page.status_code == 200 and list(page.context["form"].fields["makeup_offering"].queryset) == [
        makeup_offering
    ]
    sent = client.post(apply_url, {"makeup_offering": makeup_offering.pk, "statement": "Please"})
    application = ExamApplication.objects.get(enrolment=failed)
    assert sent.status_code == 302 and application.kind == "makeup"
    # Applied: the link gives way to the application.
    assert apply_url not in client.get(reverse("academics_my_results")).content.decode()
    school = client_for(staff_a)
    review_url = reverse("academics_exam_application_review", args=[application.pk])
    assert makeup_offering.semester.name_en in school.get(review_url).content.decode()
    decided = school.post(review_url, {"decision": "approve", "reason": "", "version": application.version})
    assert decided.status_code == 302
    assert Enrolment.objects.get(offering=makeup_offering, student=student).attempt == Attempt.MAKEUP


def test_an_offering_that_is_not_a_later_one_of_the_course_is_a_form_error_with_the_statement_kept(
    client_for, failed, makeup_offering, student, school_a, this_term, today
):
    other_course = offering(school_a, this_term, "MED777", assessed_on=today + datetime.timedelta(days=21))
    with pytest.raises(ValidationError) as caught:
        services.exam_application_submit(
            enrolment=failed, user=student.user, kind="makeup", makeup_offering=other_course
        )
    assert "makeup_offering" in caught.value.error_dict
    response = client_for(student.user).post(
        reverse("academics_exam_apply", args=[failed.pk]), {"makeup_offering": other_course.pk, "statement": "Kept"}
    )
    assert response.status_code == 400 and "Kept" in response.content.decode()
    assert not ExamApplication.objects.exists()


# --- Refusals (Assessment 24-26, rules.makeup_eligibility) ----------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "mark", "course_type", "why"),
    [
        ("40", "", "practical", "a practical course has no makeup"),
        ("0", "", "compulsory", "no makeup after a result of 0"),
        ("", "violation", "compulsory", "no makeup after a discipline violation"),
        ("75", "", "compulsory", "nothing to make up"),
    ],
)
def test_a_makeup_is_refused_with_the_handbooks_reason(
    value, mark, course_type, why, school_a, last_term, this_term, student, staff_a, today, client_for
):
    enrolment = sat(
        school_a, last_term, "MED120", student, value, mark=mark, by=staff_a, today=today, course_type=course_type
    )
    later = makeup_of(school_a, this_term, "MED120", today)
    with pytest.raises(ValidationError, match=why):
        services.exam_application_submit(enrolment=enrolment, user=student.user, kind="makeup", makeup_offering=later)
    # No link on the results page for a result that cannot be made up.
    page = client_for(student.user).get(reverse("academics_my_results"))
    assert reverse("academics_exam_apply", args=[enrolment.pk]) not in page.content.decode()


def test_a_second_makeup_of_a_course_is_refused(failed, makeup_offering, student, staff_a, school_a, today):
    services.exam_application_approve(
        application=services.exam_application_submit(
            enrolment=failed, user=student.user, kind="makeup", makeup_offering=makeup_offering
        ),
        actor=staff_a,
    )
    makeup = Enrolment.objects.get(offering=makeup_offering, student=student)
    exam_day = services.offering_assessed_on(makeup_offering)
    services.result_record(
        enrolment=makeup, value="fail", mark="", actor=staff_a, today=exam_day + datetime.timedelta(days=1)
    )
    next_term = SemesterFactory(
        starts_on=today + datetime.timedelta(days=120), ends_on=today + datetime.timedelta(days=240)
    )
    later = offering(school_a, next_term, "MED101", assessed_on=today + datetime.timedelta(days=230))
    with pytest.raises(ValidationError, match="one makeup of this course was already taken"):
        services.exam_application_submit(enrolment=failed, user=student.user, kind="makeup", makeup_offering=later)


def test_one_open_makeup_application_per_result(application, failed, makeup_offering, student):
    with pytest.raises(ConflictError, match="already have an application"):
        services.exam_application_submit(
            enrolment=failed, user=student.user, kind="makeup", makeup_offering=makeup_offering
        )


def test_a_deferred_result_with_an_approved_deferral_application_may_be_made_up(
    school_a, this_term, student, staff_a, today
):
    term = SemesterFactory(starts_on=today - datetime.timedelta(days=200), ends_on=today - datetime.timedelta(days=60))
    exam = offering(school_a, term, "MED130", assessed_on=today - datetime.timedelta(days=70))
    enrolment = enrol(exam, student)
    # The deferral was applied for and approved before the examination (Assessment 21-22).
    ExamApplication.objects.create(
        enrolment=enrolment,
        kind="deferral",
        deferral_reason="hospitalisation",
        state=ExamApplicationState.APPROVED,
        decided_by=staff_a,
        decided_at=timezone.now(),
    )
    Enrolment.objects.filter(pk=enrolment.pk).update(
        deferral_reason="hospitalisation", deferral_approved_at=timezone.now()
    )
    enter(exam, student, "", mark="deferred", by=staff_a)
    later = makeup_of(school_a, this_term, "MED130", today)
    makeup = services.exam_application_submit(
        enrolment=enrolment, user=student.user, kind="makeup", makeup_offering=later
    )
    assert makeup.state == ExamApplicationState.PENDING


# --- The decision ---------------------------------------------------------------------------------------------------


def test_approval_checks_eligibility_again_on_the_day_of_the_decision(application, makeup_offering, staff_a):
    too_late = services.offering_assessed_on(makeup_offering) + datetime.timedelta(days=1)
    with pytest.raises(ValidationError, match="makeup's examination date has passed"):
        services.exam_application_approve(application=application, actor=staff_a, today=too_late)
    application.refresh_from_db()
    assert application.state == ExamApplicationState.PENDING
    assert not Enrolment.objects.filter(offering=makeup_offering).exists()


def test_approval_is_refused_when_the_result_was_corrected_to_a_violation_since(
    application, failed, makeup_offering, staff_a
):
    failed.result.__class__.objects.filter(pk=failed.result.pk).update(value="", mark="violation")
    with pytest.raises(ValidationError, match="discipline violation"):
        services.exam_application_approve(application=application, actor=staff_a)
    assert not Enrolment.objects.filter(offering=makeup_offering).exists()


def test_a_refusal_needs_a_reason_and_enrols_nobody(application, makeup_offering, staff_a, student):
    with pytest.raises(ValidationError):
        services.exam_application_reject(application=application, actor=staff_a, reason=" ")
    services.exam_application_reject(application=application, actor=staff_a, reason="No makeup scheduled for you")
    application.refresh_from_db()
    assert application.state == ExamApplicationState.REJECTED
    assert not Enrolment.objects.filter(offering=makeup_offering).exists()
    assert AuditEntry.objects.filter(action="academics.makeup_rejected", student=student).exists()


def test_the_makeup_offering_may_be_taught_by_another_school(
    school_b, this_term, failed, student, staff_a, staff_b, today
):
    elsewhere = offering(school_b, this_term, "MED101", assessed_on=today + datetime.timedelta(days=21))
    application = services.exam_application_submit(
        enrolment=failed, user=student.user, kind="makeup", makeup_offering=elsewhere
    )
    with pytest.raises(PermissionDenied):
        services.exam_application_approve(application=application, actor=staff_b)
    services.exam_application_approve(application=application, actor=staff_a)
    assert Enrolment.objects.get(offering=elsewhere, student=student).attempt == Attempt.MAKEUP


# --- Who may -------------------------------------------------------------------------------------------------------


def test_a_classmate_cannot_apply_for_anothers_makeup_on_the_page_or_the_api(
    client_for, classmate, failed, makeup_offering
):
    client = client_for(classmate.user)
    assert client.get(reverse("academics_exam_apply", args=[failed.pk])).status_code == 404
    posted = client.post(reverse("academics_exam_apply", args=[failed.pk]), {"makeup_offering": makeup_offering.pk})
    assert posted.status_code == 404
    api = client.post(
        reverse(LIST),
        {"enrolment_id": failed.pk, "kind": "makeup", "makeup_offering_id": makeup_offering.pk},
        content_type="application/json",
    )
    assert api.status_code == 404
    assert not ExamApplication.objects.exists()


def test_another_school_cannot_see_or_decide_the_makeup_application(client_for, application, staff_b):
    client = client_for(staff_b)
    assert client.get(reverse("academics_exam_application_review", args=[application.pk])).status_code == 404
    posted = client.post(
        reverse("academics_exam_application_review", args=[application.pk]),
        {"decision": "approve", "reason": "", "version": application.version},
    )
    assert posted.status_code == 404
    api = client.post(
        reverse("api_academics_exam_application_decision", args=[application.pk]),
        {"decision": "approve", "version": application.version},
        content_type="application/json",
    )
    assert api.status_code == 404
    application.refresh_from_db()
    assert application.state == ExamApplicationState.PENDING


def test_the_teaching_school_of_another_schools_student_reads_but_cannot_decide(
    client_for, school_a, school_b, last_term, this_term, other_school_student, staff_a, staff_b, today
):
    enrolment = sat(school_a, last_term, "MED140", other_school_student, "30", by=staff_a, today=today)
    later = makeup_of(school_a, this_term, "MED140", today)
    application = services.exam_application_submit(
        enrolment=enrolment, user=other_school_student.user, kind="makeup", makeup_offering=later
    )
    client = client_for(staff_a)
    url = reverse("academics_exam_application_review", args=[application.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"decision": "approve", "reason": "", "version": 1}).status_code == 403
    api = client.post(
        reverse("api_academics_exam_application_decision", args=[application.pk]),
        {"decision": "approve", "version": 1},
        content_type="application/json",
    )
    assert api.status_code == 403
    services.exam_application_approve(application=application, actor=staff_b)
    assert Enrolment.objects.get(offering=later, student=other_school_student).attempt == Attempt.MAKEUP


# --- The API -------------------------------------------------------------------------------------------------------


def test_a_student_applies_for_a_makeup_through_the_api(client_for, student, failed, makeup_offering):
    client = client_for(student.user)
    missing = client.post(reverse(LIST), {"enrolment_id": failed.pk, "kind": "makeup"}, content_type="application/json")
    assert missing.status_code == 400 and "makeup_offering" in missing.json()["extra"]["fields"]
    sent = client.post(
        reverse(LIST),
        {"enrolment_id": failed.pk, "kind": "makeup", "makeup_offering_id": makeup_offering.pk},
        content_type="application/json",
    )
    assert sent.status_code == 201, sent.json()
    assert sent.json()["kind"] == "makeup" and sent.json()["makeup_offering_id"] == makeup_offering.pk


# --- Query counts --------------------------------------------------------------------------------------------------


def test_the_results_page_costs_the_same_queries_for_1_or_6_results_open_to_a_makeup(
    client_for, school_a, last_term, this_term, student, staff_a, today, django_assert_max_num_queries
):
    client = client_for(student.user)
    url = reverse("academics_my_results")

    def fail(codes):
        for code in codes:
            sat(school_a, last_term, code, student, "40", by=staff_a, today=today)
            makeup_of(school_a, this_term, code, today)

    fail(["MED201"])
    client.get(url)
    with django_assert_max_num_queries(40) as few:
        assert client.get(url).status_code == 200
    fail([f"MED3{n}" for n in range(5)])
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url)
    assert len(page.context["makeup_links"]) == 6


# --- After review: one makeup whatever its state, not while the course is studied again, no 500 on a stray field --


@pytest.fixture
def next_year_offering(school_a, today, failed):
    term = SemesterFactory(starts_on=today + datetime.timedelta(days=100), ends_on=today + datetime.timedelta(days=250))
    return offering(school_a, term, "MED101", assessed_on=today + datetime.timedelta(days=200))


def test_reviewed_a_deferral_sent_with_a_makeup_offering_is_stored_as_a_plain_deferral(
    makeup_offering, next_year_offering, student
):
    from tests.factories import upload

    coming = enrol(makeup_offering, student)
    application = services.exam_application_submit(
        enrolment=coming,
        user=student.user,
        kind="deferral",
        deferral_reason="representing_university",
        proof=upload("organiser.pdf"),
        makeup_offering=next_year_offering,
    )
    assert application.kind == "deferral" and application.makeup_offering is None


def test_reviewed_a_makeup_enrolled_but_not_sat_is_the_one_makeup(
    failed, makeup_offering, next_year_offering, student, staff_a, today
):
    services.enrolment_add(offering=makeup_offering, student=student, attempt="makeup", actor=staff_a, today=today)
    with pytest.raises(ValidationError):
        services.enrolment_add(
            offering=next_year_offering, student=student, attempt="makeup", actor=staff_a, today=today
        )
    with pytest.raises(ValidationError):
        services.exam_application_submit(
            enrolment=failed, user=student.user, kind="makeup", makeup_offering=next_year_offering
        )


def test_reviewed_no_makeup_while_the_course_is_studied_again(
    failed, makeup_offering, next_year_offering, student, staff_a, today
):
    services.enrolment_add(offering=makeup_offering, student=student, attempt="first", actor=staff_a, today=today)
    with pytest.raises(ValidationError) as error:
        services.enrolment_add(
            offering=next_year_offering, student=student, attempt="makeup", actor=staff_a, today=today
        )
    assert "studied again" in " ".join(error.value.messages)
