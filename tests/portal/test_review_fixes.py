"""Behaviours found missing in review: each one a sentence, each one able to fail."""

from datetime import date, datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from portal import selectors, services
from portal.models import AuditEntry, DocumentStatus, GeneratedDocument, Notification, StudentStatus, UserSession
from portal.retention import evidence_purge_expired
from tests.conftest import PASSWORD
from tests.factories import SemesterFactory, upload

pytestmark = pytest.mark.django_db


def logged_in_client(user, password=PASSWORD):
    client = Client()
    assert client.post(reverse("account_login"), {"login": user.username, "password": password}).status_code == 302
    return client


def test_the_session_that_changed_the_password_is_ended_by_a_later_logout_elsewhere(student):
    laptop = logged_in_client(student.user)
    laptop.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": "violet paper tiger 7", "password2": "violet paper tiger 7"},
    )
    assert UserSession.objects.filter(user=student.user, session_key=laptop.session.session_key).exists()
    phone = logged_in_client(student.user, "violet paper tiger 7")
    phone.post(reverse("account_logout"))
    assert laptop.get(reverse("inbox")).status_code == 302


def test_logout_deletes_every_recorded_session_of_the_user(student):
    logged_in_client(student.user)
    other = logged_in_client(student.user)
    assert UserSession.objects.filter(user=student.user).count() == 2
    other.post(reverse("account_logout"))
    assert UserSession.objects.filter(user=student.user).count() == 0


def test_api_tokens_stop_working_after_a_password_change(student):
    token = Token.objects.create(user=student.user)
    client = logged_in_client(student.user)
    client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": "violet paper tiger 7", "password2": "violet paper tiger 7"},
    )
    assert Client().get("/api/me/", HTTP_AUTHORIZATION=f"Token {token.key}").status_code in (401, 403)


def test_the_activation_link_is_emailed_but_never_stored(
    client_for, student, office_staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client_for(office_staff).post(
            reverse("staff_student_reissue", args=[student.student_id]), {"mode": "activation_link"}
        )
    assert "/accounts/password/reset/key/" in mail.outbox[-1].body
    stored = Notification.objects.filter(user=student.user).values_list("url", "body")
    assert not any("/reset/key/" in url + body for url, body in stored)


def test_a_file_removed_by_retention_answers_404_on_the_page_and_the_api(
    client_for, student, django_capture_on_commit_callbacks
):
    evidence = services.evidence_submit(
        student=student, kind="insurance_proof", upload=upload(), uploaded_by=student.user
    )
    student.status, student.left_on = StudentStatus.LEFT, date(2020, 1, 1)
    student.save(update_fields=["status", "left_on"])
    with django_capture_on_commit_callbacks(execute=True):
        evidence_purge_expired(today=date(2030, 1, 1))
    client = client_for(student.user)
    assert client.get(reverse("evidence_file", args=[evidence.pk])).status_code == 404
    assert client.get(f"/api/evidence/{evidence.pk}/file/").status_code == 404
    assert "file removed" in client.get(reverse("my_documents")).content.decode()


def test_the_preregistration_deadline_is_the_local_closing_day(student):
    shanghai = ZoneInfo("Asia/Shanghai")
    closes = datetime(2026, 12, 3, 6, 0, tzinfo=shanghai)  # 22:00 UTC on 2 December
    SemesterFactory(
        starts_on=date(2026, 11, 1),
        ends_on=date(2027, 1, 20),
        preregistration_opens_at=closes - timedelta(days=14),
        preregistration_closes_at=closes,
        registration_day=date(2026, 12, 5),
    )
    context = selectors.student_home_context(student=student, today=date(2026, 12, 3))
    assert ("preregistration", date(2026, 12, 3)) in context["deadlines"]


def test_a_document_that_fails_for_a_passing_reason_goes_back_to_the_queue(student):
    document = GeneratedDocument.objects.create(
        owner=student.user,
        kind="enrolment_certificate",
        title="Certificate",
        parameters={"student_id": student.student_id},
    )
    with mock.patch.dict(
        "portal.documents.DOCUMENT_BUILDERS", {"enrolment_certificate": mock.Mock(side_effect=ConnectionError("db"))}
    ):
        with pytest.raises(ConnectionError):
            services.generated_document_render(document_id=document.pk)
    document.refresh_from_db()
    assert document.status == DocumentStatus.QUEUED
    assert services.generated_document_render(document_id=document.pk) is True


def test_an_email_the_server_keeps_refusing_is_given_up_after_a_few_attempts(student, settings):
    notification = Notification.objects.create(
        user=student.user,
        subject="Hello",
        body="Body",
        send_email=True,
        created_at=timezone.now() - timedelta(hours=1),
    )
    with mock.patch("django.core.mail.send_mail", side_effect=OSError("550 mailbox unavailable")):
        for _ in range(services.EMAIL_MAX_ATTEMPTS):
            with pytest.raises(OSError):
                services.notification_send_email(notification_id=notification.pk)
    notification.refresh_from_db()
    assert notification.email_attempts == services.EMAIL_MAX_ATTEMPTS
    assert "550" in notification.email_error
    assert services.requeue_stalled_work(older_than=timedelta(0))["emails"] == 0


def test_an_admin_edit_of_a_passport_number_is_audited(client_for, student, admin_user):
    client = client_for(admin_user)
    url = reverse("admin:portal_student_change", args=[student.pk])
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {key: ("" if value is None else value) for key, value in data.items()}
    data["passport_number"] = "N00000001"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    entry = AuditEntry.objects.get(action="student.updated", actor=admin_user)
    assert entry.changes["passport_number"] == ["P12345678", "N00000001"]


def test_a_role_change_in_the_admin_is_audited(client_for, staff_a, admin_user):
    client = client_for(admin_user)
    url = reverse("admin:portal_user_change", args=[staff_a.pk])
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields if name != "password"}
    data = {key: ("" if value is None else value) for key, value in data.items()}
    for key in ("groups", "user_permissions"):
        data[key] = []
    for key in ("is_active", "is_staff", "is_superuser", "must_change_password"):
        if not data.get(key):
            data.pop(key, None)
    for key in ("date_joined", "last_login"):  # split date and time widgets
        value = form[key].value()
        data.pop(key, None)
        if value:
            data[f"{key}_0"], data[f"{key}_1"] = value.strftime("%Y-%m-%d"), value.strftime("%H:%M:%S")
    data["role"] = "international_office"
    data["school"] = ""
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    entry = AuditEntry.objects.get(action="user.updated")
    assert entry.changes["role"] == ["school_staff", "international_office"]


def test_staff_with_is_staff_but_no_admin_role_do_not_reach_the_django_admin(client_for, office_staff):
    office_staff.is_staff = True
    office_staff.save(update_fields=["is_staff"])
    assert client_for(office_staff).get("/admin/").status_code == 302
