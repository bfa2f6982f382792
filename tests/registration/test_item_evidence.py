"""A registration upload is decided with its item: it waits in the registration review only, and its own review
history follows the item's decision."""

import pytest

from portal import selectors
from portal.models import Notification, ReviewState
from registration import services
from registration.models import ItemKind
from tests.factories import SemesterFactory
from tests.registration.test_services import fill

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(student):
    semester = SemesterFactory(code="2026-2027-2")
    form = fill(services.registration_form_for(student=student, semester=semester), student.user)
    return services.registration_submit(form=form, user=student.user)


def test_registration_uploads_do_not_wait_in_the_documents_queue_too(submitted, office_staff):
    assert submitted.insurance_proof.reviewed_in == "registration"
    assert not selectors.review_queue(user=office_staff).filter(pk=submitted.insurance_proof_id).exists()
    assert selectors.review_queue_counts(user=office_staff) == {}


def test_the_items_decision_is_the_uploads_decision(submitted, office_staff):
    notices_before = Notification.objects.count()
    for item in submitted.items.all():
        services.registration_item_decide(
            item=item,
            reviewer=office_staff,
            approve=item.kind != ItemKind.INSURANCE,
            reason="" if item.kind != ItemKind.INSURANCE else "Unreadable",
        )
    submitted.refresh_from_db()

    insurance, permit = submitted.insurance_proof, submitted.permit_scan
    assert (insurance.state, insurance.reason, insurance.decided_by) == (
        ReviewState.REJECTED,
        "Unreadable",
        office_staff,
    )
    assert permit.state == ReviewState.APPROVED
    # One message for the whole form, not one per file.
    assert Notification.objects.count() == notices_before + 1


def test_nobody_decides_a_registration_upload_outside_the_form(submitted, finance_staff, office_staff, client_for):
    from django.urls import reverse

    receipt = submitted.housing_proof
    response = client_for(finance_staff).post(
        reverse("api_evidence_decision", args=[receipt.pk]), {"decision": "reject", "reason": "no"}
    )
    assert response.status_code in (403, 404)
    with pytest.raises(Exception, match="decided with the form"):
        from portal import services as portal_services

        portal_services.evidence_approve(evidence=submitted.insurance_proof, reviewer=office_staff)
    receipt.refresh_from_db()
    assert receipt.state == ReviewState.SUBMITTED


def test_a_rejected_registration_upload_is_replaced_in_the_form_not_in_my_documents(
    submitted, student, office_staff, client_for
):
    from django.urls import reverse

    for item in submitted.items.all():
        services.registration_item_decide(
            item=item,
            reviewer=office_staff,
            approve=item.kind != ItemKind.INSURANCE,
            reason="" if item.kind != ItemKind.INSURANCE else "Unreadable",
        )
    client = client_for(student.user)
    assert client.get(reverse("evidence_replace", args=[submitted.insurance_proof_id])).status_code == 404
    assert "Replace it in the form you uploaded it with." in client.get(reverse("my_documents")).content.decode()


def test_an_approved_item_is_not_decided_again(submitted, office_staff):
    from portal.services import ConflictError

    permit = submitted.items.get(kind=ItemKind.PERMIT)
    services.registration_item_decide(item=permit, reviewer=office_staff, approve=True)
    with pytest.raises(ConflictError):
        services.registration_item_decide(
            item=permit, reviewer=office_staff, approve=False, reason="Second thoughts", expected_state="approved"
        )
    submitted.refresh_from_db()
    assert submitted.permit_scan.state == ReviewState.APPROVED


def test_a_rejected_file_must_be_replaced_before_the_form_goes_back(submitted, student, office_staff):
    from django.core.exceptions import ValidationError

    for item in submitted.items.all():
        services.registration_item_decide(
            item=item,
            reviewer=office_staff,
            approve=item.kind != ItemKind.INSURANCE,
            reason="" if item.kind != ItemKind.INSURANCE else "Unreadable",
        )
    submitted.refresh_from_db()

    assert "Upload a new file" in services.registration_missing(submitted)["location"]
    with pytest.raises(ValidationError):
        services.registration_submit(form=submitted, user=student.user)


def test_switching_to_off_campus_asks_for_a_lease_not_the_old_receipt(student):
    from registration.forms import HousingForm

    semester = SemesterFactory(code="2026-2027-2")
    form = fill(services.registration_form_for(student=student, semester=semester), student.user)

    step = HousingForm({"version": form.version, "housing": "off_campus", "address": "1 Wenyi Road"}, registration=form)

    assert not step.is_valid()
    assert "housing_proof" in step.errors
