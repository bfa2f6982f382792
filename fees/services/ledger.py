"""Writes of the ledger: every movement of money is a new entry, audited; nothing is edited or deleted."""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from fees import rules
from fees.models import Channel, EntryType, FeeKind, FeeSchedule, LedgerEntry
from fees.permissions import can_manage_fees
from portal.audit import audit_record
from portal.models import Evidence, Semester, Student, User
from portal.services import ConflictError


def _amount(value, *, field: str = "amount") -> Decimal:
    try:
        amount = rules.money(value)
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({field: _("Enter an amount in RMB, for example 12500.00.")}) from None
    if amount <= 0:
        raise ValidationError({field: _("The amount must be more than zero.")})
    return amount


def _check_academic_year(academic_year: str) -> None:
    try:
        rules.academic_year_of(f"{academic_year}-1")
    except ValueError:
        raise ValidationError({"academic_year": _("Enter the academic year as 2026-2027.")}) from None


def _check_actor(actor: User | None) -> None:
    # `None` is the system (a statement import run by a task still names who started it).
    if actor is not None and not can_manage_fees(actor):
        raise PermissionDenied(_("Only the finance office records money."))


def _entry_audit(entry: LedgerEntry, *, actor, action: str, reason: str = "", request=None) -> None:
    audit_record(
        actor=actor,
        action=action,
        target=entry,
        student=entry.student,
        changes={
            "entry_type": entry.entry_type,
            "fee_kind": entry.fee_kind,
            "academic_year": entry.academic_year,
            "semester": entry.semester.code if entry.semester_id else "",
            "amount": str(entry.amount),
            "channel": entry.channel,
            "reference": entry.reference,
        },
        reason=reason,
        request=request,
    )


def charge_add(
    *,
    student: Student,
    fee_kind: str,
    academic_year: str,
    amount,
    actor: User | None,
    semester: Semester | None = None,
    schedule: FeeSchedule | None = None,
    description: str = "",
    request=None,
) -> LedgerEntry:
    """Bill the student: a charge on the ledger (Handbook: fees/ 1.2)."""
    _check_actor(actor)
    _check_academic_year(academic_year)
    if fee_kind not in FeeKind.values:
        raise ValidationError({"fee_kind": _("Choose one of the listed fees.")})
    if semester is not None and rules.academic_year_of(semester.code) != academic_year:
        raise ValidationError({"semester": _("The semester is not in that academic year.")})
    with transaction.atomic():
        entry = LedgerEntry.objects.create(
            student=student,
            entry_type=EntryType.CHARGE,
            fee_kind=fee_kind,
            academic_year=academic_year,
            semester=semester,
            amount=_amount(amount),
            schedule=schedule,
            description=description[:300],
            created_by=actor,
        )
        _entry_audit(entry, actor=actor, action="fees.charge", request=request)
    return entry


def payment_record(
    *,
    student: Student,
    fee_kind: str,
    academic_year: str,
    amount,
    channel: str,
    actor: User | None,
    paid_on: date,
    semester: Semester | None = None,
    reference: str = "",
    description: str = "",
    evidence: Evidence | None = None,
    request=None,
) -> LedgerEntry:
    """Record money received for a fee; a reference already recorded on the channel is refused (no double entry)."""
    _check_actor(actor)
    _check_academic_year(academic_year)
    if fee_kind not in FeeKind.values:
        raise ValidationError({"fee_kind": _("Choose one of the listed fees.")})
    if channel not in Channel.values:
        raise ValidationError({"channel": _("Choose one of the listed payment channels.")})
    if semester is not None and rules.academic_year_of(semester.code) != academic_year:
        raise ValidationError({"semester": _("The semester is not in that academic year.")})
    amount = _amount(amount)
    reference = (reference or "").strip()[:100]
    try:
        with transaction.atomic():
            entry = LedgerEntry.objects.create(
                student=student,
                entry_type=EntryType.PAYMENT,
                fee_kind=fee_kind,
                academic_year=academic_year,
                semester=semester,
                amount=-amount,
                channel=channel,
                reference=reference,
                paid_on=paid_on,
                description=description[:300],
                evidence=evidence,
                created_by=actor,
            )
            _entry_audit(entry, actor=actor, action="fees.payment", request=request)
            from fees.services.receipts import receipt_issue

            receipt_issue(payment=entry, actor=actor)
    except IntegrityError as exc:
        if "one_payment_per_channel_reference" in str(exc):
            raise ConflictError(
                _("A payment with reference %(reference)s is already recorded.") % {"reference": reference}
            ) from None
        raise
    return entry


def credit_add(
    *,
    student: Student,
    fee_kind: str,
    academic_year: str,
    amount,
    actor: User | None,
    description: str,
    semester: Semester | None = None,
    request=None,
) -> LedgerEntry:
    """Lower what the student owes without money moving: scholarship cover, a refund's write-off, a suspension
    credit (Handbook: fees/ 2.3). The description says why and is required."""
    _check_actor(actor)
    _check_academic_year(academic_year)
    if not (description or "").strip():
        raise ValidationError({"description": _("Say why the student is credited.")})
    with transaction.atomic():
        entry = LedgerEntry.objects.create(
            student=student,
            entry_type=EntryType.CREDIT,
            fee_kind=fee_kind,
            academic_year=academic_year,
            semester=semester,
            amount=-_amount(amount),
            description=description.strip()[:300],
            created_by=actor,
        )
        _entry_audit(entry, actor=actor, action="fees.credit", reason=description, request=request)
    return entry


def entry_reverse(*, entry: LedgerEntry, actor: User, reason: str, request=None) -> LedgerEntry:
    """Undo a mistaken entry by appending its exact opposite; the original stays on the ledger."""
    _check_actor(actor)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the entry is reversed.")})
    if entry.entry_type == EntryType.REVERSAL:
        raise ValidationError(_("A reversal cannot itself be reversed; record a new entry instead."))
    try:
        with transaction.atomic():
            # The one-to-one on `reverses` makes a second reversal of the same entry fail, even from two clicks.
            reversal = LedgerEntry.objects.create(
                student_id=entry.student_id,
                entry_type=EntryType.REVERSAL,
                fee_kind=entry.fee_kind,
                academic_year=entry.academic_year,
                semester_id=entry.semester_id,
                amount=-entry.amount,
                channel=entry.channel,
                reverses=entry,
                description=reason.strip()[:300],
                created_by=actor,
            )
            _entry_audit(reversal, actor=actor, action="fees.reversal", reason=reason, request=request)
    except IntegrityError:
        raise ConflictError(_("This entry has already been reversed.")) from None
    return reversal
