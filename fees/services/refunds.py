"""The refund request workflow (Handbook: fees/ 2.1-2.4).

1. The student applies with the reason, the day withdrawal and permit cancellation were completed and the bank
   details; the portal computes its proposal (fees.selectors.refund_proposal) and keeps it with its inputs.
2. Finance checks the formalities of 2.4 (permit or visa changed within three days, original receipts handed back)
   and any cause of 2.2.1, then approves the amount the rules give for what it checked, or another amount with a
   reason, or rejects with a reason.
3. Finance marks an approved refund paid: the refunded tuition is written off (a credit) and the money paid out is
   a refund entry, both on the append-only ledger.
Every state change is a RefundDecision row and an audit entry; the student is told of each decision. Two finance
staff acting on one request at once: the row lock and the version make the second one get a ConflictError.
"""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fees import rules, selectors
from fees.models import (
    EntryType,
    FeeKind,
    LedgerEntry,
    NoRefundReason,
    RefundDecision,
    RefundRequest,
    RefundState,
)
from fees.permissions import can_manage_fees, can_request_refund
from fees.services.ledger import _entry_audit
from portal import services as portal_services
from portal.audit import audit_record
from portal.models import Semester, Student, User
from portal.services import ConflictError

REASON_MAX_LENGTH = 2000
ADJUSTED = "adjusted"


def _decided_by(request: RefundRequest) -> str:
    who = request.paid_by if request.state == RefundState.PAID else request.decided_by
    return who.display_name() if who else _("someone else")


def _record(
    request: RefundRequest,
    *,
    actor: User,
    from_state: str,
    reason: str = "",
    amount=None,
    clause="",
    http_request=None,
) -> None:
    RefundDecision.objects.create(
        request=request,
        state=request.state,
        amount=amount,
        clause=clause,
        permit_changed_in_time=request.permit_changed_in_time,
        receipts_returned=request.receipts_returned,
        reason=reason,
        decided_by=actor,
    )
    changes = {"state": [from_state, request.state]}
    if amount is not None:
        changes["amount"] = ["", str(amount)]
    audit_record(
        actor=actor,
        action=f"fees.refund_{request.state}",
        target=request,
        student=request.student,
        changes=changes,
        reason=reason,
        request=http_request,
    )


def _notify(request: RefundRequest) -> None:
    portal_services.notify(
        user=request.student.user,
        template="fees/email/refund_decided",
        context={"refund": request},
        url=reverse("fees_refund_detail", kwargs={"pk": request.pk}),
    )


def refund_request_apply(
    *,
    student: Student,
    user: User,
    semester: Semester,
    completed_on: date,
    reason: str,
    bank_account_name: str,
    bank_name: str,
    bank_account: str,
    bank_swift: str = "",
    today: date | None = None,
    http_request=None,
) -> RefundRequest:
    """The student asks for a refund; the portal's proposal (amount, clause, explanation) is computed and kept."""
    if not can_request_refund(user, student):
        raise PermissionDenied(_("Only the student applies for their own refund."))
    today = today or timezone.localdate()
    reason = (reason or "").strip()
    errors = {}
    if not reason:
        errors["reason"] = _("Say why you are leaving.")
    elif len(reason) > REASON_MAX_LENGTH:
        errors["reason"] = _("Keep the reason under %(n)d characters.") % {"n": REASON_MAX_LENGTH}
    if completed_on is None:
        errors["completed_on"] = _("Enter the day your withdrawal and permit cancellation were completed.")
    elif completed_on > today:
        errors["completed_on"] = _("Apply once the withdrawal and the permit cancellation are completed.")
    bank = {
        "bank_account_name": (bank_account_name or "").strip()[:200],
        "bank_name": (bank_name or "").strip()[:200],
        "bank_account": "".join((bank_account or "").split())[:60],
        "bank_swift": "".join((bank_swift or "").split()).upper()[:20],
    }
    for field, message in (
        ("bank_account_name", _("Enter the name of the account holder.")),
        ("bank_name", _("Enter the name of the bank.")),
        ("bank_account", _("Enter the account number or IBAN.")),
    ):
        if not bank[field]:
            errors[field] = message
    if errors:
        raise ValidationError(errors)
    proposal = selectors.refund_proposal(student=student, semester=semester, completed_on=completed_on)
    inputs = proposal.inputs
    with transaction.atomic():
        # The student's row serialises two applications sent at once; the unique constraint is the last guard.
        Student.objects.select_for_update().filter(pk=student.pk).first()
        academic_year = rules.academic_year_of(proposal.semester.code)
        open_request = RefundRequest.objects.filter(
            student=student, academic_year=academic_year, state__in=(RefundState.REQUESTED, RefundState.APPROVED)
        ).first()
        if open_request is not None:
            raise ConflictError(
                _("You already have a refund request for %(year)s (%(state)s).")
                % {"year": academic_year, "state": open_request.get_state_display().lower()}
            )
        if RefundRequest.objects.filter(student=student, academic_year=academic_year, state=RefundState.PAID).exists():
            raise ConflictError(_("Your tuition for %(year)s has already been refunded.") % {"year": academic_year})
        try:
            with transaction.atomic():
                request = RefundRequest.objects.create(
                    student=student,
                    academic_year=academic_year,
                    semester=proposal.semester,
                    reason=reason,
                    completed_on=completed_on,
                    program=inputs["program"],
                    registration_day=inputs["registration_day"],
                    second_registration_day=inputs["second_registration_day"],
                    tuition_this_semester=inputs["tuition_this_semester"],
                    tuition_next_semester=inputs["tuition_next_semester"],
                    continuing_paid_next=inputs["continuing_paid_next"],
                    proposed_amount=proposal.refund.amount,
                    proposed_clause=proposal.refund.clause,
                    proposed_explanation=proposal.refund.explanation,
                    **bank,
                )
        except IntegrityError as exc:
            raise ConflictError(_("You already have a refund request for %(year)s.") % {"year": academic_year}) from exc
        _record(
            request,
            actor=user,
            from_state="",
            reason=reason,
            amount=proposal.refund.amount,
            clause=proposal.refund.clause,
            http_request=http_request,
        )
    return request


def _locked(request: RefundRequest, *, state: str, expected_version: int | None) -> RefundRequest:
    locked = (
        RefundRequest.objects.select_for_update(of=("self",))
        .select_related("student__user", "semester", "decided_by", "paid_by")
        .get(pk=request.pk)
    )
    if locked.state != state:
        raise ConflictError(
            _("This refund request was already %(state)s by %(who)s.")
            % {"state": locked.get_state_display().lower(), "who": _decided_by(locked)}
        )
    if expected_version is not None and locked.version != expected_version:
        raise ConflictError(_("The refund request changed since you opened it; look at it again."))
    return locked


def refund_recompute(
    *, request: RefundRequest, permit_changed_in_time: bool, receipts_returned: bool, no_refund_reason: str = ""
) -> rules.Refund:
    """The refund the rules give for the request's inputs and the formalities finance checked (2.2.1, 2.4)."""
    if no_refund_reason and no_refund_reason not in NoRefundReason.values:
        raise ValidationError({"no_refund_reason": _("Choose one of the listed causes.")})
    return rules.refund(
        program=request.program,
        completed_on=request.completed_on,
        registration_day=request.registration_day,
        tuition_this_semester=request.tuition_this_semester,
        tuition_next_semester=request.tuition_next_semester,
        second_registration_day=request.second_registration_day,
        continuing_paid_next=request.continuing_paid_next,
        no_refund_reason=no_refund_reason or None,
        permit_changed_in_time=permit_changed_in_time,
        receipts_returned=receipts_returned,
    )


def _amount_or_none(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = rules.money(value)
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({"amount": _("Enter an amount in RMB, for example 12500.00.")}) from None
    if amount <= 0:
        raise ValidationError({"amount": _("An approved refund must be more than zero; reject the request instead.")})
    return amount


def refund_request_approve(
    *,
    request: RefundRequest,
    actor: User,
    permit_changed_in_time: bool,
    receipts_returned: bool,
    no_refund_reason: str = "",
    amount=None,
    reason: str = "",
    expected_version: int | None = None,
    http_request=None,
) -> RefundRequest:
    """Finance approves the refund: the rules' amount for what finance checked, or another amount with a reason."""
    if not can_manage_fees(actor):
        raise PermissionDenied(_("Only the finance office decides refunds."))
    reason = (reason or "").strip()
    amount = _amount_or_none(amount)
    result = refund_recompute(
        request=request,
        permit_changed_in_time=permit_changed_in_time,
        receipts_returned=receipts_returned,
        no_refund_reason=no_refund_reason,
    )
    approved = amount if amount is not None else result.amount
    adjusted = approved != result.amount
    if adjusted and not reason:
        raise ValidationError(
            {
                "reason": _(
                    "The rules give %(rule)s RMB (%(clause)s) for what you checked; say why you approve %(amount)s RMB."
                )
                % {"rule": result.amount, "clause": result.clause, "amount": approved}
            }
        )
    if approved <= 0:
        raise ValidationError(
            {
                "amount": _("The rules give no refund here (%(clause)s): reject the request, saying why.")
                % {"clause": result.clause}
            }
        )
    if approved > request.tuition_this_semester + request.tuition_next_semester:
        raise ValidationError({"amount": _("A refund cannot be more than the tuition paid.")})
    with transaction.atomic():
        locked = _locked(request, state=RefundState.REQUESTED, expected_version=expected_version)
        locked.state = RefundState.APPROVED
        locked.approved_amount = approved
        locked.decided_clause = ADJUSTED if adjusted else result.clause
        locked.decision_reason = reason
        locked.permit_changed_in_time = permit_changed_in_time
        locked.receipts_returned = receipts_returned
        locked.no_refund_reason = no_refund_reason or ""
        locked.decided_at, locked.decided_by = timezone.now(), actor
        locked.version += 1
        locked.save(
            update_fields=[
                "state",
                "approved_amount",
                "decided_clause",
                "decision_reason",
                "permit_changed_in_time",
                "receipts_returned",
                "no_refund_reason",
                "decided_at",
                "decided_by",
                "version",
            ]
        )
        _record(
            locked,
            actor=actor,
            from_state=RefundState.REQUESTED,
            reason=reason or result.explanation,
            amount=approved,
            clause=locked.decided_clause,
            http_request=http_request,
        )
        _notify(locked)
    return locked


def refund_request_reject(
    *,
    request: RefundRequest,
    actor: User,
    reason: str,
    permit_changed_in_time: bool | None = None,
    receipts_returned: bool | None = None,
    no_refund_reason: str = "",
    expected_version: int | None = None,
    http_request=None,
) -> RefundRequest:
    """Finance refuses the refund, saying why (the student reads it)."""
    if not can_manage_fees(actor):
        raise PermissionDenied(_("Only the finance office decides refunds."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the refund is refused; the student reads it.")})
    if no_refund_reason and no_refund_reason not in NoRefundReason.values:
        raise ValidationError({"no_refund_reason": _("Choose one of the listed causes.")})
    with transaction.atomic():
        locked = _locked(request, state=RefundState.REQUESTED, expected_version=expected_version)
        locked.state = RefundState.REJECTED
        locked.decision_reason = reason
        locked.permit_changed_in_time = permit_changed_in_time
        locked.receipts_returned = receipts_returned
        locked.no_refund_reason = no_refund_reason or ""
        locked.decided_at, locked.decided_by = timezone.now(), actor
        locked.version += 1
        locked.save(
            update_fields=[
                "state",
                "decision_reason",
                "permit_changed_in_time",
                "receipts_returned",
                "no_refund_reason",
                "decided_at",
                "decided_by",
                "version",
            ]
        )
        _record(locked, actor=actor, from_state=RefundState.REQUESTED, reason=reason, http_request=http_request)
        _notify(locked)
    return locked


def refund_request_mark_paid(
    *,
    request: RefundRequest,
    actor: User,
    paid_on: date,
    reference: str,
    expected_version: int | None = None,
    http_request=None,
) -> RefundRequest:
    """Finance paid the approved refund out: the refunded tuition is written off (a credit) and the money paid out
    is a refund entry, so the ledger shows both and the balance does not move (Handbook: fees/ 2.1)."""
    if not can_manage_fees(actor):
        raise PermissionDenied(_("Only the finance office pays refunds."))
    reference = (reference or "").strip()[:100]
    errors = {}
    if not reference:
        errors["reference"] = _("Enter the bank transfer reference.")
    if paid_on is None:
        errors["paid_on"] = _("Enter the day the refund was paid.")
    elif paid_on > timezone.localdate():
        errors["paid_on"] = _("The payment date cannot be in the future.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = _locked(request, state=RefundState.APPROVED, expected_version=expected_version)
        if paid_on < timezone.localdate(locked.decided_at):
            raise ValidationError({"paid_on": _("The refund cannot be paid before it was approved.")})
        by_year = rules.tuition_is_by_year(locked.program)
        period = {
            "student": locked.student,
            "fee_kind": FeeKind.TUITION,
            "academic_year": locked.academic_year,
            "semester": None if by_year else locked.semester,
            "created_by": actor,
        }
        description = _("Tuition refund %(year)s, clause %(clause)s") % {
            "year": locked.academic_year,
            "clause": locked.decided_clause,
        }
        credit = LedgerEntry.objects.create(
            entry_type=EntryType.CREDIT, amount=-locked.approved_amount, description=description, **period
        )
        payout = LedgerEntry.objects.create(
            entry_type=EntryType.REFUND,
            amount=locked.approved_amount,
            reference=reference,
            paid_on=paid_on,
            description=description,
            **period,
        )
        for entry, action in ((credit, "fees.credit"), (payout, "fees.refund_paid_out")):
            _entry_audit(entry, actor=actor, action=action, reason=description, request=http_request)
        locked.state = RefundState.PAID
        locked.paid_at, locked.paid_by = timezone.now(), actor
        locked.payout_reference = reference
        locked.credit_entry, locked.refund_entry = credit, payout
        locked.version += 1
        locked.save(
            update_fields=["state", "paid_at", "paid_by", "payout_reference", "credit_entry", "refund_entry", "version"]
        )
        _record(
            locked,
            actor=actor,
            from_state=RefundState.APPROVED,
            reason=_("Paid on %(date)s, reference %(reference)s") % {"date": paid_on, "reference": reference},
            amount=locked.approved_amount,
            clause=locked.decided_clause,
            http_request=http_request,
        )
        _notify(locked)
    return locked
