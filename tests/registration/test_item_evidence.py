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
