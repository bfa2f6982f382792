"""Who may see and change what in fees: the one place that answers it for ledgers, receipts and remittances.

Handbook: People and roles. Finance staff handle payments, remittance confirmation and refunds; a student sees only
their own account; admins see everything. Other offices have no business with a student's money.
"""

from django.db.models import Q

from portal.models import Role
from portal.permissions import NOTHING, _active, is_admin

FINANCE_ROLES = frozenset({Role.FINANCE, Role.ADMIN})


def is_finance(user) -> bool:
    """Finance staff and admins: they see every student's account and record payments."""
    return is_admin(user) or (_active(user) and user.role == Role.FINANCE)


def ledger_scope(user, prefix: str = "") -> Q:
    """A filter on a model with a `student` (reached through `prefix`) for the fee records `user` may see."""
    if not _active(user):
        return NOTHING
    if is_finance(user):
        return Q()
    if user.role == Role.STUDENT:
        return Q(**{f"{prefix}student__user_id": user.pk})
    return NOTHING


def can_see_fees_of(user, student) -> bool:
    if is_finance(user):
        return True
    return _active(user) and user.role == Role.STUDENT and student.user_id == user.pk


def can_manage_fees(user) -> bool:
    """Record payments and charges, confirm remittances, review e-receipts, decide refunds, see the lists."""
    return is_finance(user)


def can_file_remittance(user, student) -> bool:
    """Only the student files their own remittance confirmation."""
    return _active(user) and user.role == Role.STUDENT and student.user_id == user.pk


def can_request_refund(user, student) -> bool:
    """Only the student applies for their own refund (Handbook: fees/ 2.4: the student hands back the receipts)."""
    return _active(user) and user.role == Role.STUDENT and student.user_id == user.pk
