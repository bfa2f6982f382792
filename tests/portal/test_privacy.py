"""Privacy: masked identity numbers, the access list, the data export, retention and the audit trail."""

import io
import json
import zipfile
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from portal import services
from portal.imports import admissions_import
from portal.models import AuditEntry, EvidenceKind, StudentStatus
from portal.retention import evidence_purge_expired
from tests.factories import pdf_bytes, upload

pytestmark = pytest.mark.django_db


def submit(student, kind=EvidenceKind.PASSPORT_PAGE):
    return services.evidence_submit(student=student, kind=kind, upload=upload(), uploaded_by=student.user)


def test_reading_a_passport_scan_is_recorded_with_who_and_which(client_for, student, office_staff):
    evidence = submit(student)
    client_for(office_staff).get(reverse("evidence_file", args=[evidence.pk]))
    entry = AuditEntry.objects.get(action="evidence.file_read")
    assert (entry.actor, entry.student, entry.object_id) == (office_staff, student, str(evidence.pk))


def test_student_sees_who_opened_their_scans(client_for, student, office_staff):
    evidence = submit(student)
    client_for(office_staff).get(reverse("evidence_file", args=[evidence.pk]))
    page = client_for(student.user).get(reverse("my_privacy")).content.decode()
    assert "olga" in page


def test_students_own_reads_are_not_listed_as_accesses(client_for, student):
    evidence = submit(student)
    client_for(student.user).get(reverse("evidence_file", args=[evidence.pk]))
    assert not AuditEntry.objects.filter(action="evidence.file_read").exists()


def test_passport_numbers_are_masked_in_the_school_staff_list(client_for, student, staff_a):
    page = client_for(staff_a).get(reverse("staff_student_list")).content.decode()
    assert "P12345678" not in page
    assert "••••••678" in page


def test_data_export_holds_the_record_and_the_files(client_for, student, office_staff):
    evidence = submit(student)
    services.evidence_reject(evidence=evidence, reviewer=office_staff, reason="Glare on the photo")
    response = client_for(student.user).post(reverse("my_data_export"))
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    data = json.loads(archive.read("data.json"))
    assert data["student"]["student_id"] == student.student_id
    assert data["evidence"][0]["history"][-1]["reason"] == "Glare on the photo"
    assert archive.read(data["evidence"][0]["file_in_export"]).startswith(b"%PDF")


def test_data_export_has_only_the_students_own_data(client_for, student, classmate):
    submit(classmate)
    response = client_for(student.user).post(reverse("my_data_export"))
    data = json.loads(zipfile.ZipFile(io.BytesIO(response.content)).read("data.json"))
    assert data["evidence"] == []


def test_review_decisions_are_in_the_audit_trail(student, office_staff):
    services.evidence_reject(evidence=submit(student), reviewer=office_staff, reason="Cut off")
    entry = AuditEntry.objects.get(action="evidence.rejected")
    assert entry.changes == {"state": ["submitted", "rejected"]}
    assert entry.reason == "Cut off"


def test_a_passport_number_change_by_import_is_audited_with_old_and_new(student, office_staff):
    header = (
        "student_id,name_latin,name_zh,nationality,gender,date_of_birth,passport_number,passport_expires_on,"
        "school,programme,degree_level,funding,enrolment_year,email,phone\n"
    )
    row = (
        f"{student.student_id},{student.name_latin},,Pakistan,male,2002-03-04,P99999999,2031-01-01,medicine,"
        f"Clinical Medicine (MBBS),bachelor,self_funded,2024,{student.user.email},\n"
    )
    admissions_import(source=(header + row).encode(), actor=office_staff)
    entry = AuditEntry.objects.get(action="student.updated")
    assert entry.changes["passport_number"] == ["P12345678", "P99999999"]
    assert entry.actor == office_staff


def test_admin_searches_the_audit_trail_by_student(client_for, student, classmate, office_staff, admin_user):
    services.evidence_approve(evidence=submit(student), reviewer=office_staff)
    services.evidence_approve(evidence=submit(classmate), reviewer=office_staff)
    page = client_for(admin_user).get(reverse("audit_trail"), {"student": student.student_id, "action": "evidence.a"})
    rows = page.content.decode().count("evidence.approved")
    assert rows == 1


def test_audit_entries_cannot_be_changed(student, office_staff):
    services.evidence_approve(evidence=submit(student), reviewer=office_staff)
    entry = AuditEntry.objects.first()
    with pytest.raises(RuntimeError):
        entry.delete()


def test_files_of_students_who_left_are_removed_after_retention_and_the_record_stays(
    student, django_capture_on_commit_callbacks
):
    evidence = submit(student, kind=EvidenceKind.INSURANCE_PROOF)
    path = evidence.file.path
    student.status, student.left_on = StudentStatus.LEFT, date(2020, 1, 1)
    student.save(update_fields=["status", "left_on"])
    assert evidence_purge_expired(today=date(2020, 1, 1) + timedelta(days=730)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert evidence_purge_expired(today=date(2020, 1, 1) + timedelta(days=731)) == 1
    evidence.refresh_from_db()
    assert evidence.purged_at is not None and not evidence.file
    import os

    assert not os.path.exists(path)
    assert AuditEntry.objects.filter(action="evidence.file_purged", object_id=str(evidence.pk)).exists()
    assert evidence_purge_expired(today=date(2030, 1, 1)) == 0


def test_files_of_enrolled_students_are_kept(student):
    submit(student)
    assert evidence_purge_expired(today=date(2099, 1, 1)) == 0


def test_upload_quota_per_student(student, settings):
    settings.EVIDENCE_QUOTA_BYTES = len(pdf_bytes()) * 2
    submit(student)
    submit(student)
    with pytest.raises(ValidationError):
        submit(student)
