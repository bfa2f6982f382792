"""The student's registration pages: overview, steps, submission (GUIDE; NOTICE)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from registration import services
from registration.models import FormStatus, ItemKind, ItemState, RegistrationForm, RegistrationItem
from tests.factories import SemesterFactory, upload

pytestmark = pytest.mark.django_db

OVERVIEW = reverse("registration_overview")
SUBMIT = reverse("registration_submit")


def step_url(step):
    return reverse("registration_step", args=[step])


@pytest.fixture
def semester(db):
    """A semester whose online pre-registration window is open now."""
    today = timezone.localdate()
    return SemesterFactory(starts_on=today - timedelta(days=5), ends_on=today + timedelta(days=120))


@pytest.fixture
def amina(client_for, student, semester):
    return client_for(student.user)


def registration_of(student, semester):
    return RegistrationForm.objects.get(student=student, semester=semester)


def post_step(client, step, data, student, semester):
    version = RegistrationForm.objects.get(student=student, semester=semester).version
    return client.post(step_url(step), {"version": version, **data})


def test_overview_lists_each_step_with_what_is_missing(amina):
    response = amina.get(OVERVIEW)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Say whether your passport has changed." in page
    assert "Choose how the tuition was paid." in page
    assert "Read the regulations and tick" in page
    assert "Submit for review" not in page


def test_overview_refuses_post(amina):
    assert amina.post(OVERVIEW).status_code == 405


def test_overview_without_any_semester_says_no_registration_is_open(client_for, student):
    response = client_for(student.user).get(OVERVIEW)
    assert response.status_code == 200
    assert "No registration is open" in response.content.decode()


def test_a_step_saves_and_goes_to_the_next_step(amina, student, semester):
    amina.get(OVERVIEW)
    response = post_step(
        amina, "contacts", {"email": "amina@example.org", "phone": "+86 138 0000 0009"}, student, semester
    )
    assert response.status_code == 302
    assert response["Location"] == step_url("passport")
    assert registration_of(student, semester).phone == "+86 138 0000 0009"


def test_an_expiry_in_the_past_is_refused_with_the_reason_and_the_typed_values_kept(amina, student, semester):
    amina.get(OVERVIEW)
    yesterday = timezone.localdate() - timedelta(days=1)
    response = post_step(
        amina,
        "passport",
        {
            "passport_changed": "True",
            "new_passport_number": "N7654321",
            "new_passport_expires_on": yesterday.isoformat(),
            "passport_scan": upload("passport.pdf"),
        },
        student,
        semester,
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "is in the past" in page
    assert 'value="N7654321"' in page
    assert f'value="{yesterday.isoformat()}"' in page
    assert registration_of(student, semester).passport_changed is None


def test_a_bad_upload_is_refused_and_keeps_the_typed_insurance_number(amina, student, semester):
    amina.get(OVERVIEW)
    response = post_step(
        amina,
        "location",
        {
            "location": "in_china",
            "insurance_number": "PICC-778899",
            "insurance_starts_on": semester.starts_on.isoformat(),
            "insurance_ends_on": semester.ends_on.isoformat(),
            "insurance_proof": upload("insurance.pdf", content=b"MZ\x90\x00" + b"\x00" * 200),
        },
        student,
        semester,
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors.get("insurance_proof")
    assert 'value="PICC-778899"' in response.content.decode()
    assert registration_of(student, semester).insurance_number == ""


def test_a_file_already_uploaded_is_shown_and_not_asked_for_again(amina, student, semester):
    amina.get(OVERVIEW)
    data = {"housing": "on_campus"}
    response = post_step(amina, "housing", {**data, "housing_proof": upload("dorm-receipt.pdf")}, student, semester)
    assert response.status_code == 302
    page = amina.get(step_url("housing")).content.decode()
    assert "dorm-receipt.pdf" in page
    assert post_step(amina, "housing", data, student, semester).status_code == 302


def test_the_whole_journey_through_the_pages_ends_in_a_submitted_form(amina, student, semester):
    assert amina.get(OVERVIEW).status_code == 200
    steps = [
        ("contacts", {"email": "amina@example.org", "phone": "+86 138 0000 0000"}, "passport"),
        (
            "passport",
            {
                "passport_changed": "True",
                "new_passport_number": "N7654321",
                "new_passport_country": "Kenya",
                "new_passport_issued_on": (timezone.localdate() - timedelta(days=30)).isoformat(),
                "new_passport_expires_on": (semester.ends_on + timedelta(days=900)).isoformat(),
                "passport_scan": upload("passport.pdf"),
            },
            "tuition",
        ),
        ("tuition", {"tuition_payment": "other", "tuition_receipt": upload("tuition.pdf")}, "location"),
        (
            "location",
            {
                "location": "in_china",
                "insurance_number": "PICC-1",
                "insurance_starts_on": semester.starts_on.isoformat(),
                "insurance_ends_on": semester.ends_on.isoformat(),
                "insurance_proof": upload("insurance.pdf"),
            },
            "housing",
        ),
        (
            "housing",
            {"housing": "off_campus", "address": "12 Garden Road", "housing_proof": upload("lease.pdf")},
            "permit",
        ),
        (
            "permit",
            {
                "permit_number": "E123456",
                "permit_expires_on": (semester.ends_on + timedelta(days=200)).isoformat(),
                "permit_scan": upload("permit.pdf"),
            },
            "agree",
        ),
    ]
    for step, data, following in steps:
        assert amina.get(step_url(step)).status_code == 200
        response = post_step(amina, step, data, student, semester)
        assert response.status_code == 302, (step, response.context and response.context["form"].errors)
        assert response["Location"] == step_url(following)
    response = post_step(amina, "agree", {"agree": "on"}, student, semester)
    assert response["Location"] == OVERVIEW
    assert "Submit for review" in amina.get(OVERVIEW).content.decode()

    response = amina.post(SUBMIT)

    assert response.status_code == 302
    registration = registration_of(student, semester)
    assert registration.status == FormStatus.SUBMITTED
    kinds = {e.kind for e in student.evidence.all()}
    assert kinds == {"passport_page", "tuition_receipt", "insurance_proof", "housing_lease", "visa_page"}
    assert registration.housing_proof.kind == "housing_lease"
    assert "Waiting for review" in amina.get(OVERVIEW).content.decode()


def test_submitting_an_incomplete_form_says_what_is_missing(amina):
    amina.get(OVERVIEW)
    response = amina.post(SUBMIT, follow=True)
    page = response.content.decode()
    assert response.redirect_chain == [(OVERVIEW, 302)]
    assert "Still missing" in page
    assert "Say whether your passport has changed." in page


def test_submit_refuses_get(amina):
    assert amina.get(SUBMIT).status_code == 405


def test_outside_the_window_the_step_is_read_only_and_a_post_is_refused(amina, student, semester):
    amina.get(OVERVIEW)
    semester.preregistration_closes_at = timezone.now() - timedelta(minutes=1)
    semester.preregistration_opens_at = timezone.now() - timedelta(days=10)
    semester.save()

    page = amina.get(step_url("contacts"))
    assert page.status_code == 200
    assert "is closed" in page.content.decode()
    assert "disabled" in page.content.decode()

    response = post_step(amina, "contacts", {"email": "new@example.org", "phone": "+86 138 0000 1"}, student, semester)
    assert response.status_code == 400
    assert "is closed" in response.content.decode()
    assert registration_of(student, semester).phone != "1"


def test_a_submitted_form_cannot_be_changed_from_the_step_pages(amina, student, semester):
    amina.get(OVERVIEW)
    RegistrationForm.objects.filter(student=student, semester=semester).update(status=FormStatus.SUBMITTED)
    response = post_step(amina, "contacts", {"email": "new@example.org", "phone": "+86 138 0000 1"}, student, semester)
    assert response.status_code == 400
    assert "being reviewed" in response.content.decode()


def test_a_stale_version_is_sent_back_to_the_overview_with_a_message(amina, student, semester):
    amina.get(OVERVIEW)
    version = registration_of(student, semester).version
    response = amina.post(
        step_url("contacts"), {"version": version - 1, "email": "a@example.org", "phone": "+86 138 0000 1"}
    )
    assert response.status_code == 302
    assert response["Location"] == OVERVIEW


def test_an_unknown_step_is_not_found(amina):
    assert amina.get(step_url("payment")).status_code == 404


@pytest.mark.parametrize("url", [OVERVIEW, step_url("contacts")])
def test_staff_do_not_see_the_student_pages(client_for, office_staff, semester, url):
    assert client_for(office_staff).get(url).status_code == 404


def test_staff_cannot_submit_a_registration(client_for, office_staff, semester):
    assert client_for(office_staff).post(SUBMIT).status_code == 404


def test_a_rejected_item_shows_the_reviewers_reason(amina, student, semester):
    registration = services.registration_form_for(student=student, semester=semester)
    RegistrationForm.objects.filter(pk=registration.pk).update(status=FormStatus.RETURNED)
    RegistrationItem.objects.create(
        form=registration, kind=ItemKind.INSURANCE, state=ItemState.REJECTED, reason="The certificate is unreadable."
    )
    page = amina.get(OVERVIEW).content.decode()
    assert "The certificate is unreadable." in page


def test_the_overview_query_count_does_not_grow_with_the_items(amina, student, semester, django_assert_max_num_queries):
    registration = services.registration_form_for(student=student, semester=semester)
    amina.get(OVERVIEW)
    with django_assert_max_num_queries(12) as few:
        amina.get(OVERVIEW)
    RegistrationItem.objects.bulk_create(
        RegistrationItem(form=registration, kind=kind, state=ItemState.REJECTED, reason="Unclear.")
        for kind in ItemKind.values
    )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = amina.get(OVERVIEW)
    assert response.content.decode().count("Unclear.") == len(ItemKind.values)


def test_the_tuition_step_says_whether_the_remittance_is_confirmed(student, semester, client_for):
    from django.urls import reverse

    from fees import services as fees_services
    from tests.factories import upload

    response = client_for(student.user).get(reverse("registration_step", args=["tuition"]))
    assert "You have not filed a remittance confirmation" in response.content.decode()

    fees_services.remittance_file(
        student=student,
        semester=semester,
        amount="3500.00",
        currency="USD",
        remitted_on=semester.starts_on,
        slip_upload=upload("slip.pdf"),
        user=student.user,
    )
    response = client_for(student.user).get(reverse("registration_step", args=["tuition"]))
    assert "waiting for the finance office" in response.content.decode()


def test_a_permit_ending_in_the_semester_brings_a_warning_with_the_extension_date(amina, student, semester):
    from django.contrib.messages import get_messages

    registration_of_student = services.registration_form_for(student=student, semester=semester)
    services.registration_step_save(
        form=registration_of_student,
        step="location",
        data={
            "location": "in_china",
            "insurance_number": "P",
            "insurance_starts_on": semester.starts_on,
            "insurance_ends_on": semester.ends_on,
        },
        user=student.user,
        uploads=[services.StepUpload("insurance_proof", "insurance_proof", upload("insurance.pdf"))],
    )
    expires = semester.ends_on - timedelta(days=10)
    response = post_step(
        amina,
        "permit",
        {"permit_number": "E1", "permit_expires_on": expires.isoformat(), "permit_scan": upload("permit.pdf")},
        student,
        semester,
    )

    texts = [str(message) for message in get_messages(response.wsgi_request)]
    assert any(str(expires - timedelta(days=30)) in text for text in texts)
