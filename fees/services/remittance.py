"""The remittance channel: the student files the bank slip, amount and currency; finance confirms the RMB credited.

Handbook: fees/ 1.1.1 (a foreign remittance is settled in RMB at the bank's rate of that day); GUIDE tuition step
(remittance needs a confirmed remittance application first).
"""

import re
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fees import rules
from fees.models import Channel, FeeKind, RemittanceConfirmation, RemittanceState
from fees.permissions import can_file_remittance, can_manage_fees
from fees.services.ledger import _amount, payment_record
from portal import services as portal_services
from portal.audit import audit_record
from portal.models import EvidenceKind, Semester, Student, User
from portal.services import ConflictError

_CURRENCY = re.compile(r"^[A-Z]{3}$")


def remittance_file(
    *,
    student: Student,
    semester: Semester,
    amount,
    currency: str,
    remitted_on: date,
    slip_upload,
    user: User,
    payer_name: str = "",
    today: date | None = None,
    request=None,
) -> RemittanceConfirmation:
    """The student states a remittance for the semester's tuition and uploads the bank slip (kept as Evidence)."""
    if not can_file_remittance(user, student):
        raise PermissionDenied(_("Only the student files their own remittance confirmation."))
    currency = (currency or "").strip().upper()
    if not _CURRENCY.match(currency):
        raise ValidationError({"currency": _("Enter the three-letter currency code, for example USD.")})
    amount = _amount(amount)
    today = today or timezone.localdate()
    if remitted_on > today:
        raise ValidationError({"remitted_on": _("The remittance date cannot be in the future.")})
    with transaction.atomic():
        slip = portal_services.evidence_submit(
            student=student, kind=EvidenceKind.REMITTANCE_SLIP, upload=slip_upload, uploaded_by=user
        )
        remittance = RemittanceConfirmation.objects.create(
            student=student,
            semester=semester,
            academic_year=rules.academic_year_of(semester.code),
            slip=slip,
            amount=amount,
            currency=currency,
            remitted_on=remitted_on,
            payer_name=(payer_name or "").strip()[:200],
        )
        audit_record(
            actor=user,
            action="fees.remittance_filed",
            target=remittance,
            student=student,
            changes={"amount": str(amount), "currency": currency, "semester": semester.code},
            request=request,
        )
    return remittance


def _locked_pending(remittance: RemittanceConfirmation, actor: User) -> RemittanceConfirmation:
    if not can_manage_fees(actor):
        raise PermissionDenied(_("Only the finance office confirms remittances."))
    locked = (
        RemittanceConfirmation.objects.select_for_update(of=("self",))
        .select_related("student", "semester", "slip")
        .get(pk=remittance.pk)
    )
    if locked.state != RemittanceState.PENDING:
        raise ConflictError(_("This remittance was already %(state)s.") % {"state": locked.get_state_display().lower()})
    return locked


def remittance_confirm(
    *, remittance: RemittanceConfirmation, credited_rmb, actor: User, request=None
) -> RemittanceConfirmation:
    """Finance confirms the RMB amount the bank credited (that day's rate): a remittance payment on the ledger."""
    credited = _amount(credited_rmb, field="credited_rmb")
    with transaction.atomic():
        locked = _locked_pending(remittance, actor)
        by_year = rules.tuition_is_by_year(rules.program_of(locked.student.degree_level))
        payment = payment_record(
            student=locked.student,
            fee_kind=FeeKind.TUITION,
            academic_year=locked.academic_year,
            semester=None if by_year else locked.semester,
            amount=credited,
            channel=Channel.REMITTANCE,
            reference=f"remittance-{locked.pk}",
            paid_on=locked.remitted_on,
            description=_("Remittance of %(amount)s %(currency)s")
            % {"amount": locked.amount, "currency": locked.currency},
            evidence=locked.slip,
            actor=actor,
            request=request,
        )
        locked.state = RemittanceState.CONFIRMED
        locked.credited_rmb = credited
        locked.payment = payment
        locked.decided_at = timezone.now()
        locked.decided_by = actor
        locked.save(update_fields=["state", "credited_rmb", "payment", "decided_at", "decided_by"])
        if locked.slip.is_pending and locked.slip.uploaded_by_id != actor.pk:
            locked.slip = portal_services.evidence_approve(evidence=locked.slip, reviewer=actor)
        audit_record(
            actor=actor,
            action="fees.remittance_confirmed",
            target=locked,
            student=locked.student,
            changes={"credited_rmb": str(credited)},
            request=request,
        )
    return locked


def remittance_reject(*, remittance: RemittanceConfirmation, reason: str, actor: User, request=None):
    """Finance finds no such credit (or the slip does not show it): the student sees why and may file again."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the remittance is rejected.")})
    with transaction.atomic():
        locked = _locked_pending(remittance, actor)
        locked.state = RemittanceState.REJECTED
        locked.reason = reason
        locked.decided_at = timezone.now()
        locked.decided_by = actor
        locked.save(update_fields=["state", "reason", "decided_at", "decided_by"])
        if locked.slip.is_pending and locked.slip.uploaded_by_id != actor.pk:
            locked.slip = portal_services.evidence_reject(evidence=locked.slip, reviewer=actor, reason=reason)
        audit_record(
            actor=actor,
            action="fees.remittance_rejected",
            target=locked,
            student=locked.student,
            reason=reason,
            request=request,
        )
    return locked
