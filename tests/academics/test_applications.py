"""Applications to defer an assessment or give up an examination (Assessment 21-23; Academic Rules 16): the rule,
the student's application with its proof, the school's decision (which lets the grid take "deferred" or "gave up"),
conflicts between two deciders, and who may see what through the pages."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from academics import rules, services
from academics.models import ExamApplication, ExamApplicationEvent, ExamApplicationState, ResultMark
from portal.models import AuditEntry, Notification, ReviewState
from portal.services import ConflictError
from tests.academics.helpers import enrol, enter, offering
from tests.factories import SemesterFactory, StudentFactory, upload

pytestmark = pytest.mark.django_db

# --- The rule (no database) -------------------------------------------------------------------------------------

EXAM = datetime.date(2026, 6, 20)


@pytest.mark.django_db(databases=[])
@pytest.mark.parametrize(
    "on, allowed",
    [
        (datetime.date(2026, 6, 1), True),
        (datetime.date(2026, 6, 13), True),  # exactly a week before: still in time
        (datetime.date(2026, 6, 14), False),  # six days before
        (datetime.date(2026, 6, 20), False),  # the examination day
    ],
)
def test_a_drop_is_approved_at_least_a_week_before_the_examination(on, allowed):
    if allowed:
        assert rules.check_drop_decision_day(on=on, assessed_on=EXAM) == datetime.date(2026, 6, 13)
    else:
        with pytest.raises(ValueError, match="at least 7 days before"):
            rules.check_drop_decision_day(on=on, assessed_on=EXAM)


@pytest.mark.django_db(databases=[])
def test_the_last_day_to_approve_a_drop_is_a_week_before_and_the_week_is_a_parameter():
    assert rules.last_day_to_approve_drop(assessed_on=EXAM) == datetime.date(2026, 6, 13)
    assert rules.last_day_to_approve_drop(assessed_on=EXAM, days_before=0) == EXAM
    with pytest.raises(ValueError):
        rules.last_day_to_approve_drop(assessed_on=EXAM, days_before=-1)


# --- Fixtures -----------------------------------------------------------------------------------------------------


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def term(today):
    return SemesterFactory(
        code="2026-2027-1",
        name_en="Autumn 2026",
        starts_on=today - datetime.timedelta(days=60),
        ends_on=today + datetime.timedelta(days=60),
    )


@pytest.fixture
def anatomy(term, school_a, today):
    """School A's anatomy, examined in three weeks."""
    return offering(school_a, term, "MED101", assessed_on=today + datetime.timedelta(days=21))


@pytest.fixture
def enrolment(anatomy, student):
    return enrol(anatomy, student)


def defer(enrolment, student, **options):
    values = {"kind": "deferral", "deferral_reason": "hospitalisation", "proof": upload("hospital.pdf")} | options
    return services.exam_application_submit(enrolment=enrolment, user=student.user, **values)


def drop(enrolment, student, **options):
    return services.exam_application_submit(enrolment=enrolment, user=student.user, kind="drop", **options)


# --- Services -----------------------------------------------------------------------------------------------------


def test_a_deferral_application_keeps_its_proof_out_of_the_documents_queue(enrolment, student):
    application = defer(enrolment, student, statement="Appendicitis")
    assert application.state == ExamApplicationState.PENDING
    assert application.proof.reviewed_in == "academics" and application.proof.state == ReviewState.SUBMITTED
    assert list(application.events.values_list("from_state", "to_state")) == [("", "pending")]
    assert AuditEntry.objects.filter(action="academics.deferral_applied").exists()


@pytest.mark.parametrize(
    "options, field",
    [
        ({"deferral_reason": "holiday"}, "deferral_reason"),
        ({"proof": None}, "proof"),
    ],
)
def test_a_deferral_needs_one_of_the_three_reasons_and_its_proof(enrolment, student, options, field):
    with pytest.raises(ValidationError) as refused:
        defer(enrolment, student, **options)
    assert field in refused.value.message_dict
    assert not ExamApplication.objects.exists()


def test_a_deferral_is_applied_for_by_the_assessment_day(enrolment, student, anatomy):
    with pytest.raises(ValidationError, match="beforehand"):
        defer(enrolment, student, today=anatomy.assessed_on + datetime.timedelta(days=1))
    assert defer(enrolment, student, today=anatomy.assessed_on).state == ExamApplicationState.PENDING


def test_a_drop_is_refused_later_than_a_week_before_the_examination(enrolment, student, anatomy):
    with pytest.raises(ValidationError, match="at least a week before"):
        drop(enrolment, student, today=anatomy.assessed_on - datetime.timedelta(days=6))
    assert drop(enrolment, student, today=anatomy.assessed_on - datetime.timedelta(days=7)).kind == "drop"


def test_one_open_application_per_examination(enrolment, student):
    drop(enrolment, student)
    with pytest.raises(ConflictError, match="already have an application"):
        defer(enrolment, student)


def test_a_classmate_cannot_apply_for_amina(enrolment, classmate):
    with pytest.raises(PermissionDenied):
        drop(enrolment, classmate)


def test_an_approved_deferral_lets_the_grid_record_deferred(enrolment, student, staff_a, anatomy):
    application = defer(enrolment, student)
    with pytest.raises(ValidationError, match="approved deferral"):
        enter(anatomy, student, "", mark=ResultMark.DEFERRED, by=staff_a)
    services.exam_application_approve(application=application, actor=staff_a, expected_version=application.version)
    application.refresh_from_db()
    application.proof.refresh_from_db()
    assert application.state == ExamApplicationState.APPROVED and application.decided_by == staff_a
    assert application.proof.state == ReviewState.APPROVED
    enrolment.refresh_from_db()
    assert enrolment.deferral_reason == "hospitalisation" and enrolment.deferral_approved_at is not None
    assert enter(anatomy, student, "", mark=ResultMark.DEFERRED, by=staff_a).mark == ResultMark.DEFERRED
    message = Notification.objects.get(user=student.user)
    assert "Approved" in message.subject and "MED101" in message.subject


def test_an_approved_drop_lets_the_grid_record_gave_up(enrolment, student, staff_a, anatomy):
    application = drop(enrolment, student)
    services.exam_application_approve(application=application, actor=staff_a)
    enrolment.refresh_from_db()
    assert enrolment.drop_approved_on == timezone.localdate()
    assert enter(anatomy, student, "", mark=ResultMark.GAVE_UP, by=staff_a).mark == ResultMark.GAVE_UP


def test_a_drop_applied_for_a_week_before_is_approved_in_the_last_week(enrolment, student, staff_a, anatomy):
    # Academic Rules 16: the week is the application's; the school may get to it later.
    application = drop(enrolment, student)
    services.exam_application_approve(
        application=application, actor=staff_a, today=anatomy.assessed_on - datetime.timedelta(days=3)
    )
    application.refresh_from_db()
    enrolment.refresh_from_db()
    assert application.state == ExamApplicationState.APPROVED
    assert enrolment.drop_approved_on == anatomy.assessed_on - datetime.timedelta(days=3)
    assert enter(anatomy, student, "", mark=ResultMark.GAVE_UP, by=staff_a).mark == ResultMark.GAVE_UP


def test_a_drop_applied_for_later_than_a_week_before_is_not_approved(enrolment, student, staff_a, anatomy):
    application = drop(enrolment, student)
    late = timezone.make_aware(
        datetime.datetime.combine(anatomy.assessed_on - datetime.timedelta(days=6), datetime.time(9))
    )
    ExamApplication.objects.filter(pk=application.pk).update(created_at=late)
    with pytest.raises(ValidationError, match="applied for at least a week before"):
        services.exam_application_approve(application=application, actor=staff_a)
    application.refresh_from_db()
    assert application.state == ExamApplicationState.PENDING


def test_a_pending_drop_is_withdrawn_and_a_deferral_applied_for_in_the_last_week(enrolment, student, anatomy):
    application = drop(enrolment, student, today=anatomy.assessed_on - datetime.timedelta(days=7))
    services.exam_application_withdraw(application=application, user=student.user)
    deferral = defer(enrolment, student, today=anatomy.assessed_on - datetime.timedelta(days=2))
    assert deferral.state == ExamApplicationState.PENDING


def test_a_rejection_needs_a_reason_and_the_student_reads_it(enrolment, student, staff_a):
    application = defer(enrolment, student)
    with pytest.raises(ValidationError):
        services.exam_application_reject(application=application, actor=staff_a, reason=" ")
    services.exam_application_reject(application=application, actor=staff_a, reason="The certificate is unsigned.")
    application.refresh_from_db()
    application.proof.refresh_from_db()
    assert application.state == ExamApplicationState.REJECTED
    assert application.proof.state == ReviewState.REJECTED
    assert "unsigned" in Notification.objects.get(user=student.user).body
    # A rejected application leaves the way open for a new one.
    assert defer(enrolment, student).state == ExamApplicationState.PENDING


def test_the_second_of_two_deciders_gets_a_conflict_not_a_second_decision(enrolment, student, staff_a, admin_user):
    application = drop(enrolment, student)
    opened_version = application.version
    services.exam_application_approve(application=application, actor=staff_a, expected_version=opened_version)
    with pytest.raises(ConflictError, match="already approved by"):
        services.exam_application_reject(
            application=application, actor=admin_user, reason="No", expected_version=opened_version
        )
    assert ExamApplicationEvent.objects.filter(application=application).count() == 2


def test_another_school_and_the_office_do_not_decide(enrolment, student, staff_b, office_staff):
    application = drop(enrolment, student)
    for outsider in (staff_b, office_staff):
        with pytest.raises(PermissionDenied):
            services.exam_application_approve(application=application, actor=outsider)


def test_the_student_withdraws_a_pending_application_but_not_a_decided_one(enrolment, student, staff_a):
    application = drop(enrolment, student)
    services.exam_application_withdraw(application=application, user=student.user)
    application.refresh_from_db()
    assert application.state == ExamApplicationState.WITHDRAWN
    with pytest.raises(ConflictError, match="withdrew"):
        services.exam_application_approve(application=application, actor=staff_a)
    second = drop(enrolment, student)
    services.exam_application_approve(application=second, actor=staff_a)
    with pytest.raises(ConflictError):
        services.exam_application_withdraw(application=second, user=student.user)


def test_no_application_once_the_examination_has_a_result(enrolment, student, staff_a, anatomy):
    enter(anatomy, student, "70", by=staff_a)
    with pytest.raises(ConflictError, match="already has a result"):
        drop(enrolment, student)


# --- Student pages ------------------------------------------------------------------------------------------------


def test_the_exam_list_links_to_the_application(client_for, student, enrolment):
    body = client_for(student.user).get(reverse("academics_my_results")).content.decode()
    assert reverse("academics_exam_apply", args=[enrolment.pk]) in body


def test_a_failed_upload_keeps_the_rest_of_the_form(client_for, student, enrolment):
    response = client_for(student.user).post(
        reverse("academics_exam_apply", args=[enrolment.pk]),
        {
            "kind": "deferral",
            "deferral_reason": "family_force_majeure",
            "statement": "My father is in hospital in Lagos",
            "proof": upload("note.txt", b"not a document", "text/plain"),
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "My father is in hospital in Lagos" in body
    assert 'value="family_force_majeure" selected' in body
    assert "Choose your file again" in body
    assert not ExamApplication.objects.exists()


def test_a_student_applies_sees_the_state_and_withdraws(client_for, student, enrolment):
    client = client_for(student.user)
    response = client.post(
        reverse("academics_exam_apply", args=[enrolment.pk]),
        {"kind": "deferral", "deferral_reason": "hospitalisation", "statement": "", "proof": upload("h.pdf")},
    )
    application = ExamApplication.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "academics_exam_application_detail", args=[application.pk]
    )
    body = client.get(reverse("academics_my_exam_applications")).content.decode()
    assert "MED101" in body and "Waiting for a decision" in body
    response = client.post(
        reverse("academics_exam_application_withdraw", args=[application.pk]), {"version": application.version}
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.state == ExamApplicationState.WITHDRAWN


def test_a_student_sees_the_rejection_reason(client_for, student, enrolment, staff_a):
    application = drop(enrolment, student)
    services.exam_application_reject(application=application, actor=staff_a, reason="Talk to your tutor first.")
    body = client_for(student.user).get(reverse("academics_exam_application_detail", args=[application.pk]))
    assert "Talk to your tutor first." in body.content.decode()


def test_a_classmate_gets_404_for_amina_s_exam_and_application(client_for, student, classmate, enrolment):
    application = drop(enrolment, student)
    client = client_for(classmate.user)
    assert client.get(reverse("academics_exam_apply", args=[enrolment.pk])).status_code == 404
    assert client.get(reverse("academics_exam_application_detail", args=[application.pk])).status_code == 404
    assert client.post(reverse("academics_exam_application_withdraw", args=[application.pk])).status_code == 404
    application.refresh_from_db()
    assert application.state == ExamApplicationState.PENDING


# --- School pages -------------------------------------------------------------------------------------------------


def test_school_staff_approve_from_the_review_page(client_for, student, staff_a, enrolment):
    application = defer(enrolment, student)
    client = client_for(staff_a)
    page = client.get(reverse("academics_exam_application_review", args=[application.pk])).content.decode()
    assert reverse("evidence_file", args=[application.proof.pk]) in page
    response = client.post(
        reverse("academics_exam_application_review", args=[application.pk]),
        {"decision": "approve", "reason": "", "version": application.version},
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.state == ExamApplicationState.APPROVED
    # The proof opens for the reviewer (it is a leave certificate of her school's student).
    assert client.get(reverse("evidence_file", args=[application.proof.pk])).status_code == 200


def test_a_rejection_without_a_reason_stays_on_the_form(client_for, student, staff_a, enrolment):
    application = drop(enrolment, student)
    response = client_for(staff_a).post(
        reverse("academics_exam_application_review", args=[application.pk]),
        {"decision": "reject", "reason": "", "version": application.version},
    )
    assert response.status_code == 400 and "Say why the application is refused" in response.content.decode()


def test_a_stale_decision_from_the_page_says_who_decided(client_for, student, staff_a, admin_user, enrolment):
    application = drop(enrolment, student)
    services.exam_application_approve(application=application, actor=admin_user)
    response = client_for(staff_a).post(
        reverse("academics_exam_application_review", args=[application.pk]),
        {"decision": "reject", "reason": "No", "version": application.version},
        follow=True,
    )
    assert "already approved by" in response.content.decode()
    application.refresh_from_db()
    assert application.state == ExamApplicationState.APPROVED


def test_staff_of_another_school_get_404_and_the_office_may_look_but_not_decide(
    client_for, student, staff_b, office_staff, enrolment
):
    application = drop(enrolment, student)
    url = reverse("academics_exam_application_review", args=[application.pk])
    assert client_for(staff_b).get(url).status_code == 404
    assert (
        reverse("academics_exam_application_review", args=[application.pk])
        not in client_for(staff_b).get(reverse("academics_exam_application_queue")).content.decode()
    )
    assert client_for(office_staff).get(url).status_code == 200
    assert client_for(office_staff).post(url, {"decision": "approve", "version": 1}).status_code == 403


def test_the_queue_filters_by_state_and_finds_a_student_by_id_or_name(client_for, student, classmate, staff_a,
                                                                      anatomy):  # fmt: skip
    amina = drop(enrol(anatomy, student), student)
    ben = drop(enrol(anatomy, classmate), classmate)
    services.exam_application_reject(application=ben, actor=staff_a, reason="No")
    client = client_for(staff_a)
    queue = reverse("academics_exam_application_queue")
    body = client.get(queue).content.decode()
    assert reverse("academics_exam_application_review", args=[amina.pk]) in body
    assert reverse("academics_exam_application_review", args=[ben.pk]) not in body
    body = client.get(queue, {"state": "rejected"}).content.decode()
    assert "Ben Okafor" in body and "Amina Yusuf" not in body
    body = client.get(queue, {"state": "", "q": "okafor"}).content.decode()
    assert "Ben Okafor" in body and "Amina Yusuf" not in body
    body = client.get(queue, {"state": "", "q": student.student_id}).content.decode()
    assert "Amina Yusuf" in body and "Ben Okafor" not in body


def _applications(anatomy, school, count):
    for _ in range(count):
        someone = StudentFactory(school=school)
        services.exam_application_submit(
            enrolment=enrol(anatomy, someone),
            user=someone.user,
            kind="deferral",
            deferral_reason="representing_university",
            proof=upload("organiser.pdf"),
        )


def test_the_queue_costs_the_same_queries_for_3_or_30_applications(
    client_for, staff_a, anatomy, school_a, django_assert_max_num_queries
):
    client = client_for(staff_a)
    url = reverse("academics_exam_application_queue")
    _applications(anatomy, school_a, 3)
    client.get(url)  # warm the session and the content types
    with django_assert_max_num_queries(12) as few:
        assert client.get(url).status_code == 200
    _applications(anatomy, school_a, 27)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


def test_the_student_list_costs_the_same_queries_for_1_or_10_applications(
    client_for, student, term, school_a, today, django_assert_max_num_queries
):
    client = client_for(student.user)
    url = reverse("academics_my_exam_applications")

    def apply(n, start):
        for index in range(start, start + n):
            course = offering(school_a, term, f"MED{index:03d}", assessed_on=today + datetime.timedelta(days=20))
            drop(enrol(course, student), student)

    apply(1, 200)
    client.get(url)
    with django_assert_max_num_queries(10) as few:
        assert client.get(url).status_code == 200
    apply(9, 300)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200
