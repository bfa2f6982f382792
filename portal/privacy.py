"""What the portal holds about a student, for the student: the access list and a complete export."""

import io
import json
import zipfile

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from portal.models import AuditEntry, Student


def student_file_accesses(*, student: Student):
    """Who opened this student's uploaded files, newest first."""
    return AuditEntry.objects.filter(student=student, action="evidence.file_read").select_related("actor")


def student_data_export(*, student: Student) -> tuple[str, str, bytes]:
    """Everything the portal holds about the student as a zip: data.json plus every stored file."""
    user = student.user
    evidence = list(student.evidence.order_by("uploaded_at").prefetch_related("events"))
    data = {
        "exported_at": timezone.now(),
        "account": {
            "username": user.username,
            "email": user.email,
            "language": user.language,
            "last_login": user.last_login,
            "date_joined": user.date_joined,
        },
        "student": {
            field.name: getattr(student, field.attname)
            for field in Student._meta.concrete_fields
            if field.name not in ("user",)
        },
        "school": {"code": student.school.code, "name_en": student.school.name_en, "name_zh": student.school.name_zh},
        "evidence": [
            {
                "id": item.pk,
                "kind": item.kind,
                "original_name": item.original_name,
                "content_type": item.content_type,
                "size": item.size,
                "sha256": item.sha256,
                "uploaded_at": item.uploaded_at,
                "state": item.state,
                "reason": item.reason,
                "decided_at": item.decided_at,
                "previous_id": item.previous_id,
                "file_in_export": f"files/{item.pk}-{item.kind}{_extension(item)}" if item.file else None,
                "file_removed_at": item.purged_at,
                "history": [
                    {"at": event.at, "from": event.from_state, "to": event.to_state, "reason": event.reason}
                    for event in item.events.all()
                ],
            }
            for item in evidence
        ],
        "notifications": list(user.notifications.values("subject", "body", "created_at", "read_at")),
        "generated_documents": list(user.generated_documents.values("kind", "title", "status", "created_at")),
        "file_accesses": [
            {"at": entry.at, "by": entry.actor_label, "document": entry.object_id}
            for entry in student_file_accesses(student=student)
        ],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2))
        for item in evidence:
            if item.file:
                with item.file.open("rb") as handle:
                    archive.writestr(f"files/{item.pk}-{item.kind}{_extension(item)}", handle.read())
    return f"{student.student_id}-portal-data.zip", "application/zip", buffer.getvalue()


def _extension(item) -> str:
    name = item.file.name or ""
    return "." + name.rsplit(".", 1)[-1] if "." in name else ""
