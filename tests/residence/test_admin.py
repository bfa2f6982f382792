"""The Django admin shows residence records, obligations, reminders and letters read-only, to admins only."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from residence import services
from residence.models import LetterRequest

pytestmark = pytest.mark.django_db


@pytest.fixture
def passport(student, submit):
    today = timezone.localdate()
    return submit(
        student,
        "passport",
        number="N1234567",
        country="Kenya",
        issued_on=today,
        expires_on=today + timedelta(days=3650),
    )


def test_an_admin_reads_a_passport_version_but_cannot_change_it(client_for, admin_user, passport):
    client = client_for(admin_user)
    listing = client.get(reverse("admin:residence_passportrecord_changelist"))
    assert listing.status_code == 200 and "N1234567" in listing.text
    url = reverse("admin:residence_passportrecord_change", args=[passport.pk])
    page = client.get(url)
    assert page.status_code == 200 and "N1234567" in page.text
    client.post(url, {"number": "FORGED"})
    passport.refresh_from_db()
    assert passport.number == "N1234567"


@pytest.mark.parametrize(
    "model",
    ["passportrecord", "visarecord", "residencepermitrecord", "physicalexamrecord", "insurancerecord",
     "passportloss", "obligation", "reminder", "letterrequest"],
)  # fmt: skip
def test_nothing_is_added_in_the_admin(client_for, admin_user, model):
    assert client_for(admin_user).get(reverse(f"admin:residence_{model}_add")).status_code == 403


def test_a_letter_request_shows_its_history_in_the_admin(client_for, admin_user, student, office_staff):
    letter = services.letter_request(student=student, purpose="new_permit", requested_by=student.user)
    services.letter_decide(letter=letter, reviewer=office_staff, approve=False, reason="Come in person")
    page = client_for(admin_user).get(reverse("admin:residence_letterrequest_change", args=[letter.pk]))
    assert page.status_code == 200 and "Come in person" in page.text
    deleted = client_for(admin_user).post(reverse("admin:residence_letterrequest_delete", args=[letter.pk]))
    assert deleted.status_code == 403 and LetterRequest.objects.filter(pk=letter.pk).exists()
