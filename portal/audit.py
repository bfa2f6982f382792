"""The audit trail: one call records who did what to which record, and why (append-only)."""

from django.db.models import Model

from portal.models import AuditEntry, Student


def client_ip(request) -> str | None:
    """The client's address, behind TRUSTED_PROXY_COUNT reverse proxies (allauth's rule, as used for throttling)."""
    if request is None:
        return None
    from allauth.account.adapter import get_adapter

    try:
        return get_adapter(request).get_client_ip(request) or None
    except Exception:  # a malformed forwarding header must not stop the action being recorded
        return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    actor,
    action: str,
    target: Model | None = None,
    student: Student | None = None,
    changes: dict | None = None,
    reason: str = "",
    request=None,
) -> AuditEntry:
    """Append one entry to the audit trail. `actor` None means the system (a task or a command)."""
    if student is None and isinstance(target, Student):
        student = target
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        actor_label=(actor.get_username() if actor is not None else "system")[:150],
        action=action,
        object_type=target._meta.label_lower if target is not None else "",
        object_id=str(target.pk) if target is not None else "",
        student=student,
        changes=changes or {},
        reason=reason,
        ip_address=client_ip(request),
    )


def field_changes(before: dict, after: dict) -> dict:
    """{field: [old, new]} for the fields whose value differs, as JSON-safe strings."""

    def show(value):
        return "" if value is None else str(value)

    return {
        field: [show(before.get(field)), show(after.get(field))]
        for field in after
        if before.get(field) != after.get(field)
    }
