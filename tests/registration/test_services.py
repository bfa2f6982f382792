"""Semester registration: the student's draft, submission, and item-by-item review (GUIDE; NOTICE)."""

import threading
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from portal.models import AuditEntry
from portal.services import ConflictError
from registration import services
from registration.models import FormStatus, ItemDecision, ItemKind, ItemState, RegistrationItem
from tests.factories import SemesterFactory, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def semester(db):
    today = timezone.localdate()
    return SemesterFactory(starts_on=today - timedelta(days=5), ends_on=today + timedelta(days=120))


@pytest.fixture
def form(student, semester):
    return services.registration_form_for(student=student, semester=semester)


def fill(form, user):
    """Every step as a student in China living on campus would fill it."""
    semester = form.semester
    save = services.registration_step_save
    form = save(
        form=form, step="contacts", data={"email": "amina@example.org", "phone": "+86 138 0000 0000"}, user=user
    )
    form = save(form=form, step="passport", data={"passport_changed": False}, user=user)
    form = save(form=form, step="tuition", data={"tuition_payment": "online"}, user=user)
    form = save(
        form=form,
        step="location",
        user=user,
        data={
            "location": "in_china",
            "insurance_number": "PICC-1",
            "insurance_starts_on": semester.starts_on,
            "insurance_ends_on": semester.ends_on,
        },
        uploads=[services.StepUpload("insurance_proof", "insurance_proof", upload("insurance.pdf"))],
    )
    form = save(
        form=form,
        step="housing",
        data={"housing": "on_campus"},
        user=user,
        uploads=[services.StepUpload("housing_proof", "accommodation_receipt", upload("receipt.pdf"))],
    )
    form = save(
        form=form,
        step="permit",
        user=user,
        data={"permit_number": "E123456", "permit_expires_on": semester.ends_on + timedelta(days=200)},
        uploads=[services.StepUpload("permit_scan", "visa_page", upload("permit.pdf"))],
    )
    return save(form=form, step="agree", data={"agree": True}, user=user)


def test_a_new_form_starts_from_the_contacts_on_record(form, student):
    assert (form.status, form.email) == (FormStatus.DRAFT, student.user.email)


def test_a_failing_step_saves_nothing_of_it_and_keeps_the_other_steps(form, student):
    form = services.registration_step_save(
        form=form, step="contacts", data={"email": "amina@example.org", "phone": "+86 138 0000 123"}, user=student.user
    )
    yesterday = timezone.localdate() - timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        services.registration_step_save(
            form=form,
            step="passport",
            user=student.user,
            data={"passport_changed": True, "new_passport_number": "N1", "new_passport_expires_on": yesterday},
        )
    assert "new_passport_expires_on" in error.value.message_dict
    form.refresh_from_db()
    assert form.phone == "+86 138 0000 123" and form.new_passport_number == ""


def test_insurance_that_does_not_cover_the_semester_is_refused_with_the_reason(form, student, semester):
    with pytest.raises(ValidationError) as error:
        services.registration_step_save(
            form=form,
            step="location",
            user=student.user,
            data={
                "location": "in_china",
                "insurance_number": "X",
                "insurance_starts_on": semester.starts_on,
                "insurance_ends_on": semester.ends_on - timedelta(days=1),
            },
        )
    assert "insurance_ends_on" in error.value.message_dict


def test_submitting_an_incomplete_form_says_what_is_missing_by_step(form, student):
    with pytest.raises(ValidationError) as error:
        services.registration_submit(form=form, user=student.user)
    assert {"passport", "tuition", "location", "housing", "agree"} <= set(error.value.message_dict)


def test_outside_the_window_the_form_cannot_be_changed(form, student, semester):
    semester.preregistration_closes_at = timezone.now() - timedelta(minutes=1)
    semester.preregistration_opens_at = timezone.now() - timedelta(days=3)
    semester.save()
    with pytest.raises(ValidationError, match="not open"):
        services.registration_step_save(
            form=form, step="contacts", data={"email": "a@b.cn", "phone": "+86 138 0000 1"}, user=student.user
        )


def test_a_classmate_cannot_fill_someone_elses_form(form, classmate):
    with pytest.raises(PermissionDenied):
        services.registration_step_save(
            form=form, step="contacts", data={"email": "x@y.cn", "phone": "+86 138 0000 1"}, user=classmate.user
        )


def test_a_stale_window_cannot_overwrite_a_newer_save(form, student):
    version = form.version
    services.registration_step_save(
        form=form, step="contacts", data={"email": "a@b.cn", "phone": "+86 138 0000 1"}, user=student.user
    )
    with pytest.raises(ConflictError):
        services.registration_step_save(
            form=form,
            step="contacts",
            data={"email": "old@b.cn", "phone": "+86 138 0000 2"},
            user=student.user,
            expected_version=version,
        )


def test_submission_opens_one_item_per_part_including_the_permit_for_students_in_china(form, student):
    form = services.registration_submit(form=fill(form, student.user), user=student.user)
    assert form.status == FormStatus.SUBMITTED
    assert set(form.items.values_list("kind", flat=True)) == set(ItemKind.values)
    assert AuditEntry.objects.filter(action="registration.submitted").exists()


def test_rejected_item_goes_back_to_the_student_and_approved_items_stay_locked(form, student, office_staff):
    form = services.registration_submit(form=fill(form, student.user), user=student.user)
    for item in form.items.exclude(kind=ItemKind.INSURANCE):
        services.registration_item_decide(item=item, reviewer=office_staff, approve=True)
    insurance = form.items.get(kind=ItemKind.INSURANCE)
    services.registration_item_decide(item=insurance, reviewer=office_staff, approve=False, reason="Expired slip")
    form.refresh_from_db()
    assert form.status == FormStatus.RETURNED
    assert "Expired slip" in student.user.notifications.latest("created_at").body
    with pytest.raises(ConflictError):
        services.registration_step_save(form=form, step="housing", data={"housing": "on_campus"}, user=student.user)
    services.registration_step_save(
        form=form,
        step="location",
        user=student.user,
        data={
            "location": "in_china",
            "insurance_number": "PICC-2",
            "insurance_starts_on": form.semester.starts_on,
            "insurance_ends_on": form.semester.ends_on,
        },
        uploads=[services.StepUpload("insurance_proof", "insurance_proof", upload("new.pdf"))],
    )
    form = services.registration_submit(form=form, user=student.user)
    states = dict(form.items.values_list("kind", "state"))
    assert states.pop(ItemKind.INSURANCE) == ItemState.PENDING
    assert set(states.values()) == {ItemState.APPROVED}


def test_approving_every_item_approves_the_form(form, student, office_staff):
    form = services.registration_submit(form=fill(form, student.user), user=student.user)
    for item in form.items.all():
        services.registration_item_decide(item=item, reviewer=office_staff, approve=True)
    form.refresh_from_db()
    assert form.status == FormStatus.APPROVED
    assert ItemDecision.objects.filter(item__form=form).count() == len(ItemKind.values)


def test_school_staff_cannot_decide_on_registration_items(form, student, staff_a):
    form = services.registration_submit(form=fill(form, student.user), user=student.user)
    with pytest.raises(PermissionDenied):
        services.registration_item_decide(item=form.items.first(), reviewer=staff_a, approve=True)


def test_a_second_reviewer_is_told_who_decided_first(form, student, office_staff, admin_user):
    form = services.registration_submit(form=fill(form, student.user), user=student.user)
    item = form.items.get(kind=ItemKind.TUITION)
    services.registration_item_decide(item=item, reviewer=office_staff, approve=True)
    with pytest.raises(ConflictError, match="Olga"):
        services.registration_item_decide(item=item, reviewer=admin_user, approve=False, reason="Unpaid")
    item.refresh_from_db()
    assert item.state == ItemState.APPROVED


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_at_the_same_moment_record_one_decision(school_a, office_staff, admin_user):
    from tests.factories import StudentFactory

    student = StudentFactory(school=school_a)
    today = timezone.localdate()
    semester = SemesterFactory(starts_on=today - timedelta(days=5), ends_on=today + timedelta(days=120))
    form = services.registration_submit(
        form=fill(services.registration_form_for(student=student, semester=semester), student.user), user=student.user
    )
    item = form.items.get(kind=ItemKind.PERMIT)
    barrier, outcomes = threading.Barrier(2), []

    def decide(reviewer, approve):
        try:
            barrier.wait(timeout=5)
            services.registration_item_decide(item=item, reviewer=reviewer, approve=approve, reason="Blurred")
            outcomes.append("decided")
        except ConflictError:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=decide, args=(office_staff, True)),
        threading.Thread(target=decide, args=(admin_user, False)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert sorted(outcomes) == ["conflict", "decided"]
    assert RegistrationItem.objects.get(pk=item.pk).decisions.count() == 1


def test_the_same_form_is_returned_for_the_same_semester(student, semester):
    first = services.registration_form_for(student=student, semester=semester)
    assert services.registration_form_for(student=student, semester=semester).pk == first.pk


def test_a_student_abroad_has_no_permit_item(form, student):
    form = fill(form, student.user)
    services.registration_step_save(form=form, step="location", data={"location": "abroad"}, user=student.user)
    form = services.registration_submit(form=form, user=student.user)
    assert not form.items.filter(kind=ItemKind.PERMIT).exists()


def test_a_past_permit_expiry_is_refused(form, student):
    with pytest.raises(ValidationError) as error:
        services.registration_step_save(
            form=form,
            step="permit",
            user=student.user,
            data={"permit_number": "E1", "permit_expires_on": date(2020, 1, 1)},
        )
    assert "permit_expires_on" in error.value.message_dict


def test_a_returned_form_can_be_corrected_after_the_window_until_the_last_day_to_register(
    form, student, office_staff, semester
):
    form = services.registration_submit(form=fill(form, student.user), user=student.user)
    for item in form.items.exclude(kind=ItemKind.CONTACTS):
        services.registration_item_decide(item=item, reviewer=office_staff, approve=True)
    services.registration_item_decide(
        item=form.items.get(kind=ItemKind.CONTACTS), reviewer=office_staff, approve=False, reason="Wrong phone"
    )
    semester.preregistration_opens_at = timezone.now() - timedelta(days=10)
    semester.preregistration_closes_at = timezone.now() - timedelta(days=1)
    semester.registration_day = timezone.localdate()
    semester.save()
    form.refresh_from_db()
    contacts = {"email": "amina@example.org", "phone": "+86 139 1111 1111"}
    services.registration_step_save(form=form, step="contacts", data=contacts, user=student.user)
    late = timezone.now() + timedelta(days=15)
    with pytest.raises(ValidationError, match="not open"):
        services.registration_step_save(form=form, step="contacts", data=contacts, user=student.user, now=late)


def test_choosing_abroad_clears_the_insurance_answers(form, student):
    form = fill(form, student.user)
    form = services.registration_step_save(form=form, step="location", data={"location": "abroad"}, user=student.user)
    assert (form.insurance_number, form.insurance_proof_id) == ("", None)
