"""Evidence uploads: content checks, private storage, the shared review state machine and its audit trail."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from portal import services
from portal.models import Evidence, EvidenceKind, ReviewEvent, ReviewState
from tests.factories import jpeg_bytes, pdf_bytes, png_bytes, upload

pytestmark = pytest.mark.django_db


def submit(student, kind=EvidenceKind.VISA_PAGE, **kwargs):
    return services.evidence_submit(
        student=student,
        kind=kind,
        upload=kwargs.pop("file", upload()),
        uploaded_by=kwargs.pop("by", student.user),
        **kwargs,
    )


def test_student_uploads_a_pdf_through_the_page_and_it_waits_for_review(client_for, student):
    client = client_for(student.user)
    response = client.post(reverse("my_documents"), {"kind": "visa_page", "file": upload("my visa.pdf")})
    assert response.status_code == 302
    evidence = Evidence.objects.get(student=student)
    assert evidence.state == ReviewState.SUBMITTED
    assert evidence.original_name == "my visa.pdf"
    assert evidence.content_type == "application/pdf"


def test_stored_file_has_a_generated_name_in_private_storage(student, private_storage_root, settings):
    evidence = submit(student, file=upload("passport.pdf"))
    path = evidence.file.path
    assert path.startswith(str(private_storage_root))
    assert "passport" not in evidence.file.name
    assert not path.startswith(str(settings.STATIC_ROOT))


def test_renamed_executable_with_a_pdf_name_is_refused_on_the_form(client_for, student):
    client = client_for(student.user)
    fake = upload("visa.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200, "application/pdf")
    response = client.post(reverse("my_documents"), {"kind": "insurance_proof", "file": fake})
    assert response.status_code == 400
    assert "Only PDF, JPEG and PNG files are accepted" in response.content.decode()
    # The rest of the form is kept: the chosen document kind is still selected.
    assert 'value="insurance_proof" selected' in response.content.decode()
    assert not Evidence.objects.exists()


def test_eleven_megabyte_file_is_refused(client_for, student):
    client = client_for(student.user)
    big = pdf_bytes() + b"%" + b"0" * (11 * 1024 * 1024)
    response = client.post(reverse("my_documents"), {"kind": "visa_page", "file": upload("big.pdf", big)})
    assert response.status_code == 400
    assert "the limit is 10.0" in response.content.decode()
    assert not Evidence.objects.exists()


def test_html_renamed_as_pdf_is_refused(student):
    with pytest.raises(ValidationError):
        submit(student, file=upload("x.pdf", b"<html><script>alert(1)</script></html>"))


def test_png_header_followed_by_html_is_refused(student):
    with pytest.raises(ValidationError):
        submit(student, file=upload("x.png", b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script>", "image/png"))


def test_pdf_with_javascript_is_refused(student):
    evil = pdf_bytes().replace(b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >>")
    with pytest.raises(ValidationError):
        submit(student, file=upload("x.pdf", evil))


def test_truncated_pdf_is_refused(student):
    with pytest.raises(ValidationError):
        submit(student, file=upload("x.pdf", b"%PDF-1.7\n1 0 obj <<"))


def test_jpeg_is_reencoded_without_what_was_appended(student):
    evidence = submit(student, file=upload("photo.jpg", jpeg_bytes() + b"<script>tail</script>", "image/jpeg"))
    stored = evidence.file.read()
    assert stored.startswith(b"\xff\xd8\xff")
    assert b"<script>" not in stored


def test_png_is_accepted(student):
    evidence = submit(student, file=upload("page.png", png_bytes(), "image/png"))
    assert evidence.content_type == "image/png"


def test_student_downloads_own_file_as_a_nosniff_attachment(client_for, student):
    evidence = submit(student)
    response = client_for(student.user).get(reverse("evidence_file", args=[evidence.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_student_cannot_download_a_classmates_file(client_for, student, classmate):
    evidence = submit(classmate)
    assert client_for(student.user).get(reverse("evidence_file", args=[evidence.pk])).status_code == 404


def test_office_staff_download_any_students_visa_page(client_for, student, office_staff):
    evidence = submit(student)
    assert client_for(office_staff).get(reverse("evidence_file", args=[evidence.pk])).status_code == 200


def test_school_staff_cannot_download_another_schools_file(client_for, other_school_student, staff_a):
    evidence = submit(other_school_student, kind=EvidenceKind.LEAVE_PROOF)
    assert client_for(staff_a).get(reverse("evidence_file", args=[evidence.pk])).status_code == 404


def test_finance_cannot_see_a_passport_scan(client_for, student, finance_staff):
    evidence = submit(student, kind=EvidenceKind.PASSPORT_PAGE)
    assert client_for(finance_staff).get(reverse("evidence_file", args=[evidence.pk])).status_code == 404


def test_anonymous_download_goes_to_login(client, student):
    evidence = submit(student)
    response = client.get(reverse("evidence_file", args=[evidence.pk]))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_reviewer_approves_and_the_transition_is_recorded(student, office_staff):
    evidence = services.evidence_approve(evidence=submit(student), reviewer=office_staff)
    assert evidence.state == ReviewState.APPROVED
    events = list(evidence.events.values_list("from_state", "to_state", "actor__username"))
    assert events == [("", "submitted", student.user.username), ("submitted", "approved", "olga")]


def test_rejection_needs_a_reason(student, office_staff):
    with pytest.raises(ValidationError):
        services.evidence_reject(evidence=submit(student), reviewer=office_staff, reason="  ")


def test_rejected_document_is_resubmitted_and_approved_with_full_history(student, office_staff):
    first = services.evidence_reject(evidence=submit(student), reviewer=office_staff, reason="The page is cut off.")
    second = submit(student, previous=first)
    assert second.state == ReviewState.RESUBMITTED
    services.evidence_approve(evidence=second, reviewer=office_staff)
    history = ReviewEvent.objects.order_by("id").values_list("evidence_id", "to_state", "reason")
    assert list(history) == [
        (first.pk, "submitted", ""),
        (first.pk, "rejected", "The page is cut off."),
        (second.pk, "resubmitted", ""),
        (second.pk, "approved", ""),
    ]


def test_an_approved_document_cannot_be_replaced(student, office_staff):
    approved = services.evidence_approve(evidence=submit(student), reviewer=office_staff)
    with pytest.raises(services.ConflictError):
        submit(student, previous=approved)


def test_second_decision_on_the_same_document_is_refused_with_who_decided(student, office_staff, admin_user):
    evidence = submit(student)
    services.evidence_approve(evidence=evidence, reviewer=office_staff)
    with pytest.raises(services.ConflictError, match="Olga"):
        services.evidence_reject(evidence=evidence, reviewer=admin_user, reason="Blurry")


def test_student_cannot_approve_own_document(student):
    with pytest.raises(PermissionDenied):
        services.evidence_approve(evidence=submit(student), reviewer=student.user)


def test_school_staff_cannot_decide_on_a_visa_page(student, staff_a):
    with pytest.raises(PermissionDenied):
        services.evidence_approve(evidence=submit(student), reviewer=staff_a)


def test_review_events_cannot_be_edited_or_deleted(student):
    event = submit(student).events.get()
    event.reason = "changed"
    with pytest.raises(RuntimeError):
        event.save()
    with pytest.raises(RuntimeError):
        event.delete()


def test_student_gets_an_inbox_message_and_an_email_on_rejection(
    student, office_staff, django_capture_on_commit_callbacks
):
    evidence = submit(student)
    with django_capture_on_commit_callbacks(execute=True):
        services.evidence_reject(evidence=evidence, reviewer=office_staff, reason="Expired permit")
    notification = student.user.notifications.get()
    assert "Expired permit" in notification.body
    assert len(mail.outbox) == 1
    assert "Expired permit" in mail.outbox[0].body
    assert mail.outbox[0].to == [student.user.email]


def test_decision_message_is_in_the_students_language(student, office_staff, django_capture_on_commit_callbacks):
    student.user.language = "zh-hans"
    student.user.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        services.evidence_approve(evidence=submit(student), reviewer=office_staff)
    assert "已批准" in student.user.notifications.get().subject


def test_email_for_a_notification_is_sent_once_even_if_the_task_runs_twice(student, office_staff):
    services.evidence_approve(evidence=submit(student), reviewer=office_staff)
    notification = student.user.notifications.get()
    assert services.notification_send_email(notification_id=notification.pk) is True
    assert services.notification_send_email(notification_id=notification.pk) is False
    assert len(mail.outbox) == 1


def test_reviewer_rejects_through_the_page_and_the_student_sees_the_reason(client_for, student, office_staff):
    evidence = submit(student)
    response = client_for(office_staff).post(
        reverse("review_evidence", args=[evidence.pk]), {"decision": "reject", "reason": "Photo page is blurry"}
    )
    assert response.status_code == 302
    client = client_for(student.user)
    page = client.get(reverse("my_documents")).content.decode()
    assert "Photo page is blurry" in page


def test_reject_without_reason_on_the_page_keeps_the_form(client_for, student, office_staff):
    evidence = submit(student)
    response = client_for(office_staff).post(reverse("review_evidence", args=[evidence.pk]), {"decision": "reject"})
    assert response.status_code == 400
    assert "Say why" in response.content.decode()
    evidence.refresh_from_db()
    assert evidence.state == ReviewState.SUBMITTED


def test_student_replaces_a_rejected_document_through_the_page(client_for, student, office_staff):
    rejected = services.evidence_reject(evidence=submit(student), reviewer=office_staff, reason="Wrong page")
    response = client_for(student.user).post(reverse("evidence_replace", args=[rejected.pk]), {"file": upload()})
    assert response.status_code == 302
    assert rejected.resubmission.state == ReviewState.RESUBMITTED


def test_review_queue_page_query_count_does_not_grow_with_rows(
    client_for, student, classmate, office_staff, django_assert_max_num_queries
):
    client = client_for(office_staff)
    for _ in range(3):
        submit(student)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("review_queue")).status_code == 200
    for _ in range(20):
        submit(classmate)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("review_queue")).status_code == 200


def test_review_page_query_count_does_not_grow_with_earlier_versions(
    client_for, student, office_staff, django_assert_max_num_queries
):
    current = submit(student)
    for n in range(6):
        rejected = services.evidence_reject(evidence=current, reviewer=office_staff, reason=f"Try {n}")
        current = submit(student, previous=rejected)
    client = client_for(office_staff)
    with django_assert_max_num_queries(20):
        page = client.get(reverse("review_evidence", args=[current.pk]))
    assert page.status_code == 200
    assert page.context["history"][0].reason == "Try 5"
    assert len(page.context["history"]) == 6
