"""The registration API: the student's own form step by step, and the office's queue and decisions (issue 4, API)."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from portal.models import Evidence, Funding, GeneratedDocument
from registration import services
from registration.models import (
    FormStatus,
    ItemDecision,
    ItemKind,
    ItemState,
    RegistrationForm,
    RegistrationItem,
    ScholarshipStatement,
)
from tests.factories import SemesterFactory, StudentFactory, upload
from tests.registration.test_services import fill

pytestmark = pytest.mark.django_db

CURRENT = "/api/registration/"
SUBMIT = "/api/registration/submit/"
VISA_LETTER = "/api/registration/visa-letter/"
QUEUE = "/api/registration/forms/"


def step_url(step):
    return f"/api/registration/steps/{step}/"


def form_url(form_id, action=""):
    return f"/api/registration/forms/{form_id}/" + (f"{action}/" if action else "")


def api_for(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


@pytest.fixture
def semester(db):
    today = timezone.localdate()
    return SemesterFactory(starts_on=today - timedelta(days=5), ends_on=today + timedelta(days=120))


def submitted_form(student, semester):
    form = services.registration_form_for(student=student, semester=semester)
    return services.registration_submit(form=fill(form, student.user), user=student.user)


@pytest.fixture
def amina_form(student, semester):
    return submitted_form(student, semester)


def version_of(client) -> int:
    return client.get(CURRENT).json()["form"]["version"]


def save_step(client, step, data, version=None):
    version = version_of(client) if version is None else version
    return client.post(step_url(step), {**data, "version": version}, format="multipart")


def fill_through_the_api(client, semester):
    """Every step as Amina, in China and living on campus, fills it in through the API, files included."""
    answers = [
        ("contacts", {"email": "amina@example.org", "phone": "+86 138 0000 0000"}),
        ("passport", {"passport_changed": "false"}),
        ("tuition", {"tuition_payment": "online"}),
        (
            "location",
            {
                "location": "in_china",
                "insurance_number": "PICC-1",
                "insurance_starts_on": semester.starts_on.isoformat(),
                "insurance_ends_on": semester.ends_on.isoformat(),
                "insurance_proof": upload("insurance.pdf"),
            },
        ),
        ("housing", {"housing": "on_campus", "housing_proof": upload("receipt.pdf")}),
        (
            "permit",
            {
                "permit_number": "E123456",
                "permit_expires_on": (semester.ends_on + timedelta(days=200)).isoformat(),
                "permit_scan": upload("permit.pdf"),
            },
        ),
        ("agree", {"agree": "true"}),
    ]
    for step, data in answers:
        response = save_step(client, step, data)
        assert response.status_code == 200, (step, response.json())
    return response.json()


# The student's own form


def test_student_reads_the_current_form_with_the_window_and_what_each_step_still_needs(student, semester):
    data = api_for(student.user).get(CURRENT).json()
    assert data["semester"]["code"] == semester.code
    assert data["window_state"] == "open" and data["editable"] is True and data["can_submit"] is False
    steps = {row["step"]: row for row in data["steps"]}
    assert steps["tuition"]["missing"] == "Choose how the tuition was paid." and steps["tuition"]["done"] is False
    assert data["form"]["status"] == FormStatus.DRAFT
    assert data["form"]["answers"]["email"] == student.user.email


def test_without_a_scheduled_registration_the_student_gets_no_form(student):
    data = api_for(student.user).get(CURRENT).json()
    assert (data["semester"], data["form"], data["window_state"]) == (None, None, "not_scheduled")


def test_staff_get_404_on_the_students_own_form_endpoints(office_staff, semester):
    client = api_for(office_staff)
    assert client.get(CURRENT).status_code == 404
    assert client.post(step_url("contacts"), {"version": 1}).status_code == 404
    assert client.post(SUBMIT).status_code == 404


def test_student_reads_own_form_by_id_and_a_classmates_form_id_is_404(student, classmate, semester):
    own = services.registration_form_for(student=student, semester=semester)
    theirs = submitted_form(classmate, semester)
    client = api_for(student.user)
    assert client.get(form_url(own.pk)).json()["id"] == own.pk
    response = client.get(form_url(theirs.pk))
    assert response.status_code == 404
    assert set(response.json()) == {"message", "extra"}


def test_a_student_never_sees_who_decided(amina_form, student, office_staff):
    item = amina_form.items.get(kind=ItemKind.CONTACTS)
    services.registration_item_decide(item=item, reviewer=office_staff, approve=True)
    items = {row["kind"]: row for row in api_for(student.user).get(form_url(amina_form.pk)).json()["items"]}
    assert items["contacts"]["decisions"][0]["decided_by"] is None
    staff_view = api_for(office_staff).get(form_url(amina_form.pk)).json()["items"]
    assert {row["kind"]: row for row in staff_view}["contacts"]["decisions"][0]["decided_by"] == "Olga"


def test_a_step_needing_a_file_without_one_is_a_400_naming_the_file_field(student, semester):
    client = api_for(student.user)
    response = save_step(
        client,
        "location",
        {
            "location": "in_china",
            "insurance_number": "PICC-1",
            "insurance_starts_on": semester.starts_on.isoformat(),
            "insurance_ends_on": semester.ends_on.isoformat(),
        },
    )
    assert response.status_code == 400
    assert response.json()["extra"]["fields"]["insurance_proof"] == ["Upload the insurance proof."]
    assert RegistrationForm.objects.get(student=student).location == ""


def test_a_disguised_upload_is_refused_with_the_reason_and_the_typed_data_is_not_half_saved(student, semester):
    client = api_for(student.user)
    response = save_step(
        client, "housing", {"housing": "off_campus", "address": "1 Road", "housing_proof": upload("x.pdf", b"MZ\x90")}
    )
    assert response.status_code == 400
    assert "Only PDF, JPEG and PNG" in str(response.json()["extra"]["fields"]["housing_proof"])
    assert not Evidence.objects.exists()
    assert RegistrationForm.objects.get(student=student).address == ""


def test_an_expiry_date_in_the_past_is_refused_with_the_reason(student, semester):
    yesterday = timezone.localdate() - timedelta(days=1)
    response = save_step(
        api_for(student.user),
        "passport",
        {
            "passport_changed": "true",
            "new_passport_number": "N1",
            "new_passport_expires_on": yesterday.isoformat(),
            "passport_scan": upload("passport.pdf"),
        },
    )
    assert response.status_code == 400
    assert "is in the past" in str(response.json()["extra"]["fields"]["new_passport_expires_on"])
    assert not Evidence.objects.exists()


def test_a_step_can_be_saved_as_json_when_it_needs_no_file(student, semester):
    client = api_for(student.user)
    response = client.post(
        step_url("contacts"),
        {"email": "a@example.org", "phone": "+86 138 0000 123", "version": version_of(client)},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["form"]["answers"]["phone"] == "+86 138 0000 123"


def test_the_passport_answer_can_be_sent_as_a_json_boolean(student, semester):
    client = api_for(student.user)
    response = client.post(
        step_url("passport"), {"passport_changed": False, "version": version_of(client)}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["form"]["answers"]["passport_changed"] is False
    unanswered = client.post(step_url("passport"), {"version": version_of(client)}, format="json")
    assert unanswered.status_code == 400
    assert unanswered.json()["extra"]["fields"]["passport_changed"] == ["Say whether your passport has changed."]


def test_a_scholarship_student_signs_the_statement_in_the_agree_step(student, semester):
    student.funding = Funding.CSC
    student.save(update_fields=["funding"])
    client = api_for(student.user)
    assert client.get(CURRENT).json()["scholarship_statement_due"] is True
    unsigned = client.post(step_url("agree"), {"agree": True, "version": version_of(client)}, format="json")
    assert unsigned.status_code == 400
    assert "sign_statement" in unsigned.json()["extra"]["fields"]
    signed = client.post(
        step_url("agree"), {"agree": True, "sign_statement": True, "version": version_of(client)}, format="json"
    )
    assert signed.status_code == 200 and signed.json()["scholarship_statement_due"] is False
    assert ScholarshipStatement.objects.filter(student=student).count() == 1


def test_a_stale_version_is_a_409_with_the_reason_and_nothing_is_saved(student, semester):
    client = api_for(student.user)
    stale = version_of(client)
    assert (
        save_step(
            client, "contacts", {"email": "a@example.org", "phone": "+86 138 0000 111"}, version=stale
        ).status_code
        == 200
    )
    response = save_step(client, "contacts", {"email": "a@example.org", "phone": "+86 138 0000 222"}, version=stale)
    assert response.status_code == 409
    assert "changed in another window" in response.json()["message"]
    assert RegistrationForm.objects.get(student=student).phone == "+86 138 0000 111"


def test_a_submitted_form_cannot_be_changed_through_the_api(amina_form, student):
    response = save_step(api_for(student.user), "contacts", {"email": "a@example.org", "phone": "+86 138 0000 1"})
    assert response.status_code == 409
    assert "being reviewed" in response.json()["message"]


def test_outside_the_window_a_step_is_refused_and_the_form_is_read_only(student, semester):
    services.registration_form_for(student=student, semester=semester)
    semester.preregistration_opens_at = timezone.now() - timedelta(days=30)
    semester.preregistration_closes_at = timezone.now() - timedelta(minutes=1)
    semester.save()
    client = api_for(student.user)
    current = client.get(CURRENT).json()
    assert current["window_state"] == "closed" and current["editable"] is False
    assert "closed" in current["steps"][0]["read_only_reason"]
    response = save_step(client, "contacts", {"email": "a@example.org", "phone": "+86 138 0000 1"})
    assert response.status_code == 409 and "closed" in response.json()["message"]


def test_submitting_an_incomplete_form_is_a_400_with_the_missing_parts_by_step(student, semester):
    client = api_for(student.user)
    client.get(CURRENT)  # starts the draft, as opening the overview page does
    response = client.post(SUBMIT)
    assert response.status_code == 400
    body = response.json()
    assert {"passport", "tuition", "location", "housing", "agree"} <= set(body["extra"]["fields"])
    assert "Tuition: Choose how the tuition was paid." in body["message"]
    assert RegistrationForm.objects.get(student=student).status == FormStatus.DRAFT


def test_the_visa_letter_is_refused_until_the_form_is_approved(amina_form, student):
    response = api_for(student.user).post(VISA_LETTER)
    assert response.status_code == 400
    assert "once every part of the form is approved" in response.json()["message"] + str(response.json()["extra"])
    assert not GeneratedDocument.objects.exists()


# The whole journey


def test_fill_submit_reject_correct_resubmit_approve_and_get_the_letter_through_the_api(
    student, semester, office_staff, admin_user, django_capture_on_commit_callbacks
):
    amina, olga = api_for(student.user), api_for(office_staff)
    filled = fill_through_the_api(amina, semester)
    assert filled["can_submit"] is True
    assert {row["step"] for row in filled["steps"] if row["missing"]} == set()
    answers = filled["form"]["answers"]
    assert answers["insurance_proof"]["original_name"] == "insurance.pdf"
    assert amina.get(answers["insurance_proof"]["file_url"]).status_code == 200

    submitted = amina.post(SUBMIT)
    assert submitted.status_code == 200 and submitted.json()["form"]["status"] == FormStatus.SUBMITTED
    form_id = submitted.json()["form"]["id"]
    assert [row["id"] for row in olga.get(QUEUE).json()["results"]] == [form_id]

    review = olga.get(form_url(form_id)).json()
    insurance = next(row for row in review["items"] if row["kind"] == ItemKind.INSURANCE)
    assert insurance["evidence"]["original_name"] == "insurance.pdf"
    for row in review["items"]:
        if row["kind"] != ItemKind.INSURANCE:
            assert (
                olga.post(form_url(form_id, "decision"), {"item": row["kind"], "decision": "approve"}).status_code
                == 200
            )
    with django_capture_on_commit_callbacks(execute=True):
        rejected = olga.post(
            form_url(form_id, "decision"),
            {"item": "insurance", "decision": "reject", "reason": "The policy number is unreadable."},
        )
    assert rejected.status_code == 200 and rejected.json()["status"] == FormStatus.RETURNED

    seen = amina.get(CURRENT).json()
    location = next(row for row in seen["steps"] if row["step"] == "location")
    assert location["review"] == {
        "state": "rejected",
        "state_display": "Rejected",
        "reason": "The policy number is unreadable.",
    }
    assert seen["editable"] is True
    # Approved parts stay locked; the rejected one is corrected with a new file.
    locked = save_step(amina, "contacts", {"email": "x@example.org", "phone": "+86 138 0000 1"})
    assert locked.status_code == 409
    corrected = save_step(
        amina,
        "location",
        {
            "location": "in_china",
            "insurance_number": "PICC-2",
            "insurance_starts_on": semester.starts_on.isoformat(),
            "insurance_ends_on": semester.ends_on.isoformat(),
            "insurance_proof": upload("insurance-clear.pdf"),
        },
    )
    assert corrected.status_code == 200, corrected.json()
    assert amina.post(SUBMIT).status_code == 200

    review = olga.get(form_url(form_id)).json()
    insurance = next(row for row in review["items"] if row["kind"] == ItemKind.INSURANCE)
    assert insurance["state"] == "pending" and insurance["evidence"]["original_name"] == "insurance-clear.pdf"
    assert {change["field"] for change in insurance["changes"]} == {"insurance_number", "insurance_proof"}
    with django_capture_on_commit_callbacks(execute=False):
        approved = olga.post(form_url(form_id, "approve-all"), {"version": review["version"]})
    assert approved.status_code == 200
    assert approved.json()["approved"] == 1 and approved.json()["form"]["status"] == FormStatus.APPROVED

    assert amina.get(CURRENT).json()["visa_letter_available"] is True
    with django_capture_on_commit_callbacks(execute=False):
        letter = amina.post(VISA_LETTER)
    assert letter.status_code == 202 and letter.json()["kind"] == "visa_extension_letter"
    assert amina.post(VISA_LETTER).json()["id"] == letter.json()["id"]
    decisions = ItemDecision.objects.filter(item__form_id=form_id, item__kind=ItemKind.INSURANCE)
    assert list(decisions.values_list("state", flat=True)) == [ItemState.REJECTED, ItemState.APPROVED]


# The office's review


def test_a_reviewer_sees_the_form_with_the_student_record_items_and_evidence_links(amina_form, office_staff):
    client = api_for(office_staff)
    data = client.get(form_url(amina_form.pk)).json()
    assert data["student"]["student_id"] == "2026000001" and data["student"]["passport_number"] == "P12345678"
    permit = next(row for row in data["items"] if row["kind"] == ItemKind.PERMIT)
    assert permit["state"] == "pending" and permit["decisions"] == []
    assert client.get(permit["evidence"]["file_url"]).status_code == 200


def test_rejecting_without_a_reason_is_a_400_and_changes_nothing(amina_form, office_staff):
    response = api_for(office_staff).post(form_url(amina_form.pk, "decision"), {"item": "permit", "decision": "reject"})
    assert response.status_code == 400
    assert "reason" in response.json()["extra"]["fields"]
    assert not ItemDecision.objects.exists()


def test_a_common_reason_is_stored_in_english_and_read_by_a_chinese_speaking_student_in_chinese(
    amina_form, student, office_staff
):
    response = api_for(office_staff).post(
        form_url(amina_form.pk, "decision"), {"item": "insurance", "decision": "reject", "common_reason": "coverage"}
    )
    assert response.status_code == 200
    assert amina_form.items.get(kind=ItemKind.INSURANCE).reason == "The insurance does not cover the whole semester."
    student.user.language = "zh-hans"
    student.user.save(update_fields=["language"])
    client = api_for(student.user)
    client.credentials(
        HTTP_AUTHORIZATION=f"Token {Token.objects.get(user=student.user).key}", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    items = {row["kind"]: row for row in client.get(form_url(amina_form.pk)).json()["items"]}
    reason = items["insurance"]["reason"]
    assert reason and "The insurance does not cover" not in reason


def test_a_second_reviewer_with_a_stale_view_is_told_who_decided_and_the_first_decision_stands(
    amina_form, office_staff, admin_user
):
    first = api_for(office_staff).post(form_url(amina_form.pk, "decision"), {"item": "permit", "decision": "approve"})
    assert first.status_code == 200
    second = api_for(admin_user).post(
        form_url(amina_form.pk, "decision"),
        {"item": "permit", "decision": "reject", "reason": "Blurred", "expected_state": "pending"},
    )
    assert second.status_code == 409
    assert second.json()["message"] == "This part was already approved by Olga."
    assert amina_form.items.get(kind=ItemKind.PERMIT).state == ItemState.APPROVED
    assert ItemDecision.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_deciding_the_same_item_at_once_through_the_api_record_one_decision(
    school_a, office_staff, admin_user
):
    student = StudentFactory(school=school_a)
    today = timezone.localdate()
    semester = SemesterFactory(starts_on=today - timedelta(days=5), ends_on=today + timedelta(days=120))
    form = submitted_form(student, semester)
    barrier, statuses = threading.Barrier(2), []

    def decide(reviewer, body):
        client = api_for(reviewer)
        try:
            barrier.wait(timeout=5)
            statuses.append(client.post(form_url(form.pk, "decision"), body).status_code)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=decide, args=(office_staff, {"item": "permit", "decision": "approve"})),
        threading.Thread(target=decide, args=(admin_user, {"item": "permit", "decision": "reject", "reason": "No"})),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert sorted(statuses) == [200, 409]
    assert RegistrationItem.objects.get(form=form, kind=ItemKind.PERMIT).decisions.count() == 1


def test_approve_all_with_a_version_older_than_the_form_is_a_409_and_approves_nothing(amina_form, office_staff):
    response = api_for(office_staff).post(form_url(amina_form.pk, "approve-all"), {"version": amina_form.version - 1})
    assert response.status_code == 409
    assert "changed since you opened it" in response.json()["message"]
    assert not amina_form.items.exclude(state=ItemState.PENDING).exists()


def test_deciding_on_a_form_that_is_not_waiting_for_review_is_a_409(amina_form, office_staff):
    client = api_for(office_staff)
    assert client.post(form_url(amina_form.pk, "approve-all"), {"version": amina_form.version}).status_code == 200
    response = client.post(form_url(amina_form.pk, "decision"), {"item": "permit", "decision": "reject", "reason": "x"})
    assert response.status_code == 409 and "not waiting for review" in response.json()["message"]


def test_an_item_the_form_does_not_have_is_a_404(student, semester, office_staff):
    form = services.registration_form_for(student=student, semester=semester)
    form = fill(form, student.user)
    form = services.registration_step_save(
        form=form, step="location", data={"location": "abroad"}, user=student.user, expected_version=form.version
    )
    form = services.registration_submit(form=form, user=student.user)
    response = api_for(office_staff).post(form_url(form.pk, "decision"), {"item": "permit", "decision": "approve"})
    assert response.status_code == 404


@pytest.mark.parametrize("persona", ["staff_a", "finance_staff", "dormitory_staff", "clearance_staff"])
def test_staff_who_do_not_review_registration_get_403_and_change_nothing(amina_form, persona, request):
    client = api_for(request.getfixturevalue(persona))
    assert client.get(QUEUE).status_code == 403
    assert client.get(form_url(amina_form.pk)).status_code == 403
    decision = client.post(form_url(amina_form.pk, "decision"), {"item": "permit", "decision": "approve"})
    assert decision.status_code == 403 and set(decision.json()) == {"message", "extra"}
    assert client.post(form_url(amina_form.pk, "approve-all"), {"version": amina_form.version}).status_code == 403
    assert not ItemDecision.objects.exists()


def test_a_student_gets_404_on_the_review_endpoints_even_for_their_own_form(amina_form, student):
    client = api_for(student.user)
    assert client.get(QUEUE).status_code == 404
    assert (
        client.post(form_url(amina_form.pk, "decision"), {"item": "permit", "decision": "approve"}).status_code == 404
    )
    assert client.post(form_url(amina_form.pk, "approve-all"), {"version": amina_form.version}).status_code == 404
    assert not ItemDecision.objects.exists()


def test_a_draft_is_not_open_to_reviewers(student, semester, office_staff):
    draft = services.registration_form_for(student=student, semester=semester)
    assert api_for(office_staff).get(form_url(draft.pk)).status_code == 404


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", CURRENT),
        ("post", step_url("contacts")),
        ("post", SUBMIT),
        ("post", VISA_LETTER),
        ("get", QUEUE),
        ("get", form_url(1)),
        ("post", form_url(1, "decision")),
        ("post", form_url(1, "approve-all")),
    ],
)
def test_anonymous_calls_are_refused_with_the_error_shape(db, method, url):
    response = getattr(APIClient(), method)(url)
    assert response.status_code in (401, 403)
    assert set(response.json()) == {"message", "extra"}


def test_the_routes_are_named_for_the_access_matrix(db):
    assert reverse("api_registration_step_contacts") == step_url("contacts")
    assert reverse("api_registration_form_detail", args=[7]) == form_url(7)


# The queue


@pytest.fixture
def chen_form(other_school_student, semester):
    return submitted_form(other_school_student, semester)


def queue_ids(client, **params):
    response = client.get(QUEUE, params)
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


def test_the_queue_lists_submitted_forms_with_item_counts_and_not_drafts(amina_form, classmate, semester, office_staff):
    services.registration_form_for(student=classmate, semester=semester)
    rows = api_for(office_staff).get(QUEUE).json()["results"]
    assert [row["id"] for row in rows] == [amina_form.pk]
    assert (rows[0]["pending_count"], rows[0]["rejected_count"]) == (len(ItemKind.values), 0)


def test_the_queue_filters_by_status_school_nationality_and_location(amina_form, chen_form, office_staff, school_b):
    client = api_for(office_staff)
    for item in chen_form.items.all():
        services.registration_item_decide(item=item, reviewer=office_staff, approve=True)
    assert queue_ids(client, status=FormStatus.APPROVED) == [chen_form.pk]
    assert queue_ids(client, school=school_b.code) == [chen_form.pk]
    assert queue_ids(client, nationality="malaysia") == [chen_form.pk]
    assert queue_ids(client, location="abroad") == []
    assert queue_ids(client, location="in_china") == [amina_form.pk, chen_form.pk]


def test_the_queue_filters_by_the_rejected_item_and_the_submitted_date(amina_form, chen_form, office_staff):
    services.registration_item_decide(
        item=chen_form.items.get(kind=ItemKind.HOUSING), reviewer=office_staff, approve=False, reason="Lease"
    )
    RegistrationForm.objects.filter(pk=amina_form.pk).update(submitted_at=timezone.now() - timedelta(days=3))
    client = api_for(office_staff)
    today = timezone.localdate()
    assert queue_ids(client, rejected="housing") == [chen_form.pk]
    assert queue_ids(client, submitted_to=(today - timedelta(days=2)).isoformat()) == [amina_form.pk]
    assert queue_ids(client, submitted_from=today.isoformat()) == [chen_form.pk]


def test_the_queue_finds_a_student_by_id_or_name(amina_form, chen_form, office_staff):
    client = api_for(office_staff)
    assert queue_ids(client, q="2026000003") == [chen_form.pk]
    assert queue_ids(client, q="amina") == [amina_form.pk]
    assert queue_ids(client, q="伟玲") == [chen_form.pk]


def test_the_queue_and_the_form_show_who_collected_the_visa_letter(amina_form, chen_form, student, office_staff):
    for form in (amina_form, chen_form):
        for item in form.items.all():
            services.registration_item_decide(item=item, reviewer=office_staff, approve=True)
    amina_form.refresh_from_db()
    letter = services.visa_letter_request(form=amina_form, user=student.user, language="en")
    GeneratedDocument.objects.filter(pk=letter.pk).update(first_downloaded_at=timezone.now())
    client = api_for(office_staff)
    assert queue_ids(client, letter="collected") == [amina_form.pk]
    assert queue_ids(client, letter="not_collected") == [chen_form.pk]
    letters = client.get(form_url(amina_form.pk)).json()["visa_letters"]
    assert [(entry["id"], entry["first_downloaded_at"] is not None) for entry in letters] == [(letter.pk, True)]


def test_a_filter_that_cannot_be_right_is_a_400_naming_it(amina_form, office_staff):
    response = api_for(office_staff).get(QUEUE, {"school": "no-such-school", "submitted_from": "yesterday"})
    assert response.status_code == 400
    assert {"school", "submitted_from"} <= set(response.json()["extra"]["fields"])


def make_forms(semester, count):
    students = StudentFactory.create_batch(count)
    now = timezone.now()
    forms = RegistrationForm.objects.bulk_create(
        RegistrationForm(
            student=s, semester=semester, status=FormStatus.SUBMITTED, submitted_at=now, location="in_china"
        )
        for s in students
    )
    RegistrationItem.objects.bulk_create(
        RegistrationItem(form=f, kind=kind, state=ItemState.PENDING) for f in forms for kind in ItemKind.values
    )


def test_the_queue_query_count_is_the_same_for_10_and_60_forms(office_staff, semester, django_assert_max_num_queries):
    client = api_for(office_staff)
    make_forms(semester, 10)
    client.get(QUEUE)  # Warm the token and the caches, so both counted requests start alike.
    with CaptureQueriesContext(connection) as ten:
        assert len(client.get(QUEUE).json()["results"]) == 10
    make_forms(semester, 50)
    with django_assert_max_num_queries(len(ten)):
        data = client.get(QUEUE).json()
    assert len(data["results"]) == 50 and data["count"] == 60
