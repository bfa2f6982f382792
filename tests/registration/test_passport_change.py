"""A new passport reported in the registration form reaches the passport record in residence/ only when the office
approves it (issue 4, step 2)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from registration import services
from registration.models import ItemKind
from residence.models import PassportRecord
from tests.factories import SemesterFactory, upload
from tests.registration.test_services import fill

pytestmark = pytest.mark.django_db


def new_passport(form, user, number="N7654321", scan="new-passport.pdf"):
    today = timezone.localdate()
    return services.registration_step_save(
        form=form,
        step="passport",
        user=user,
        data={
            "passport_changed": True,
            "new_passport_number": number,
            "new_passport_country": "Kenya",
            "new_passport_issued_on": today - timedelta(days=20),
            "new_passport_expires_on": today + timedelta(days=3650),
        },
        uploads=[services.StepUpload("passport_scan", "passport_page", upload(scan))],
    )


@pytest.fixture
def submitted(student):
    semester = SemesterFactory(code="2026-2027-2")
    form = fill(services.registration_form_for(student=student, semester=semester), student.user)
    return services.registration_submit(form=new_passport(form, student.user), user=student.user)


def decide_passport(form, reviewer, approve, reason=""):
    item = form.items.get(kind=ItemKind.PASSPORT)
    services.registration_item_decide(item=item, reviewer=reviewer, approve=approve, reason=reason)


def test_a_submitted_new_passport_waits_in_residence_without_changing_the_record(submitted, student):
    record = PassportRecord.objects.get(student=student)
    assert (record.number, record.country, record.is_current) == ("N7654321", "Kenya", False)
    student.refresh_from_db()
    assert student.passport_number == "P12345678"


def test_approving_the_passport_item_updates_the_passport_on_record(submitted, student, office_staff):
    decide_passport(submitted, office_staff, approve=True)

    student.refresh_from_db()
    record = PassportRecord.objects.get(student=student)
    assert student.passport_number == "N7654321" and record.is_current


def test_a_rejected_passport_changes_nothing_and_asks_for_the_photo_page_again(submitted, student, office_staff):
    decide_passport(submitted, office_staff, approve=False, reason="The number does not match the photo page.")
    for item in submitted.items.exclude(kind=ItemKind.PASSPORT):
        services.registration_item_decide(item=item, reviewer=office_staff, approve=True)
    submitted.refresh_from_db()

    student.refresh_from_db()
    assert student.passport_number == "P12345678"
    assert "Upload a new file" in services.registration_missing(submitted)["passport"]

    form = new_passport(submitted, student.user, number="N7654322", scan="new-passport-2.pdf")
    form = services.registration_submit(form=form, user=student.user)
    decide_passport(form, office_staff, approve=True)

    student.refresh_from_db()
    assert student.passport_number == "N7654322"
    assert PassportRecord.objects.filter(student=student).count() == 2


def test_an_issue_date_in_the_future_is_refused(student):
    from django.core.exceptions import ValidationError

    form = services.registration_form_for(student=student, semester=SemesterFactory(code="2026-2027-2"))
    today = timezone.localdate()
    with pytest.raises(ValidationError) as error:
        services.registration_step_save(
            form=form,
            step="passport",
            user=student.user,
            data={
                "passport_changed": True,
                "new_passport_number": "N1",
                "new_passport_country": "Kenya",
                "new_passport_issued_on": today + timedelta(days=1),
                "new_passport_expires_on": today + timedelta(days=3650),
            },
        )
    assert "new_passport_issued_on" in error.value.message_dict
