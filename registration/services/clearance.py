"""Writes of the leaving-school clearance: opening a leaver's checklist, sign-offs by each office, the items the
portal completes itself, the library item the student completes online, the leaving-school windows, overdue
reminders and the Leaving School Form (one or in batch).

Handbook: Leaving the University 1-5; LEAVING (the digital leaving-school notice) 2-4.
Every sign-off is a ClearanceSignOff row (append-only) and an audit entry: who, when, how.
"""

import secrets
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import services as portal_services
from portal.audit import audit_record
from portal.models import GeneratedDocument, Student, User
from portal.services import ConflictError
from registration import rules
from registration.models import (
    Clearance,
    ClearanceHow,
    ClearanceItem,
    ClearanceKind,
    ClearanceSignOff,
    ClearanceWindow,
    Housing,
    RegistrationForm,
)
from registration.permissions import (
    can_manage_clearance_windows,
    can_open_clearance,
    can_print_leaving_batches,
    can_sign_clearance_item,
)

LEAVING_FORM_KIND = "leaving_school_form"
LEAVING_FORM_BATCH_KIND = "leaving_school_form_batch"
# One batch is one background task (as the certificates of enrolment).
LEAVING_BATCH_MAX = 5000
# Letters and digits that cannot be misread on paper (no 0/O, 1/I/L).
VERIFICATION_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def verification_number_new() -> str:
    """A random, unguessable number printed on the form and checked by the public verification page."""
    return "LS-" + "".join(secrets.choice(VERIFICATION_ALPHABET) for _ in range(12))


def lives_on_campus(student: Student) -> bool:
    """On campus by the student's latest registration form (the dormitory app keeps no rooms yet)."""
    latest = RegistrationForm.objects.filter(student=student).exclude(housing="").order_by("-created_at").first()
    return bool(latest and latest.housing == Housing.ON_CAMPUS)


def fees_balances(student_ids: list[int]) -> dict[int, Decimal]:
    """What each student owes on the fees ledger (one query); a student with no entries owes nothing."""
    # Read from fees' ledger directly: the balance is one SUM of signed amounts (fees.models.LedgerEntry).
    from fees.models import LedgerEntry

    rows = (
        LedgerEntry.objects.filter(student_id__in=student_ids)
        .values("student_id")
        .order_by()
        .annotate(balance=Sum("amount"))
    )
    balances = {row["student_id"]: row["balance"] or Decimal("0") for row in rows}
    return {student_id: balances.get(student_id, Decimal("0")) for student_id in student_ids}


def _mark_done(*, item: ClearanceItem, how: str, by: User | None, note: str = "", request=None) -> ClearanceItem:
    """Complete one item inside the caller's transaction; a second, concurrent completion gets a ConflictError."""
    now = timezone.now()
    # A conditional update: two offices (or a task and an office) completing at the same moment make one sign-off.
    updated = ClearanceItem.objects.filter(pk=item.pk, done_at__isnull=True).update(
        done_at=now, done_by=by, done_how=how, version=item.version + 1
    )
    if not updated:
        raise ConflictError(_("This item was already completed."))
    item.done_at, item.done_by, item.done_how, item.version = now, by, how, item.version + 1
    ClearanceSignOff.objects.create(item=item, how=how, note=note, by=by, at=now)
    audit_record(
        actor=by,
        action="clearance.item_done",
        target=item.clearance,
        student=item.clearance.student,
        changes={"item": item.kind, "how": how},
        reason=note,
        request=request,
    )
    _complete_if_all_done(clearance=item.clearance)
    return item


def _complete_if_all_done(*, clearance: Clearance) -> bool:
    done = dict(ClearanceItem.objects.filter(clearance=clearance).values_list("kind", "done_at"))
    if not rules.leaving_form_printable({kind: at is not None for kind, at in done.items()}):
        return False
    updated = Clearance.objects.filter(pk=clearance.pk, completed_at__isnull=True).update(completed_at=timezone.now())
    if updated:
        clearance.refresh_from_db(fields=["completed_at"])
        audit_record(actor=None, action="clearance.completed", target=clearance, student=clearance.student)
        student = clearance.student
        transaction.on_commit(
            lambda: portal_services.notify(
                user=student.user,
                template="registration/email/clearance_completed",
                context={"student": student, "clearance": clearance},
                url=reverse("clearance_mine"),
            )
        )
    return bool(updated)


def clearance_open(
    *,
    student: Student,
    reason: str,
    effective_on: date,
    actor: User,
    on_campus: bool | None = None,
    graduation_year: int | None = None,
    request=None,
) -> Clearance:
    """Start a leaver's clearance with the handbook's checklist, and complete what the portal's records settle.

    Handbook: Leaving the University 1-3 (the items; the move-out deadline by the reason for leaving).
    """
    if not can_open_clearance(actor):
        raise PermissionDenied
    if reason not in {member.value for member in rules.LeavingReason}:
        raise ValidationError({"reason": _("Choose why the student leaves.")})
    if on_campus is None:
        on_campus = lives_on_campus(student)
    if graduation_year is None and reason in (rules.LeavingReason.GRADUATION, rules.LeavingReason.COMPLETION):
        graduation_year = effective_on.year
    try:
        with transaction.atomic():
            clearance = Clearance.objects.create(
                student=student,
                reason=reason,
                effective_on=effective_on,
                move_out_by=rules.move_out_deadline(reason=reason, effective_on=effective_on),
                graduation_year=graduation_year,
                on_campus=on_campus,
                verification_number=verification_number_new(),
                created_by=actor,
            )
            ClearanceItem.objects.bulk_create(
                ClearanceItem(clearance=clearance, kind=kind) for kind in rules.clearance_kinds(on_campus=on_campus)
            )
            audit_record(
                actor=actor,
                action="clearance.opened",
                target=clearance,
                student=student,
                changes={"reason": reason, "effective_on": str(effective_on), "on_campus": on_campus},
                request=request,
            )
            clearance_refresh_automatic(clearances=Clearance.objects.filter(pk=clearance.pk))
            transaction.on_commit(
                lambda: portal_services.notify(
                    user=student.user,
                    template="registration/email/clearance_opened",
                    context={"student": student, "clearance": clearance},
                    url=reverse("clearance_mine"),
                )
            )
    except IntegrityError:
        raise ConflictError(_("This student already has a leaving-school clearance in progress.")) from None
    return clearance


def clearance_refresh_automatic(*, clearances=None) -> int:
    """Complete the fees items of students who owe nothing on the ledger; set-based, safe to run twice.

    Handbook: Leaving the University 1 ("or automatically when the data says so: no fees owed").
    """
    items = ClearanceItem.objects.filter(kind=ClearanceKind.FEES, done_at__isnull=True)
    if clearances is not None:
        items = items.filter(clearance__in=clearances)
    items = list(items.select_related("clearance__student"))
    if not items:
        return 0
    balances = fees_balances([item.clearance.student_id for item in items])
    completed = 0
    for item in items:
        if not rules.fees_settled(balances[item.clearance.student_id]):
            continue
        try:
            with transaction.atomic():
                _mark_done(item=item, how=ClearanceHow.AUTOMATIC, by=None, note=_("No balance on the fees ledger."))
        except ConflictError:
            continue  # completed by finance meanwhile
        completed += 1
    return completed


def clearance_item_sign(*, item: ClearanceItem, user: User, note: str = "", version: int | None = None, request=None):
    """An office signs off its own item (HANDBOOK Leaving 1); the fees item only once nothing is owed."""
    if not can_sign_clearance_item(user, item):
        raise PermissionDenied(_("Only the office responsible for this item can sign it off."))
    if version is not None and version != item.version:
        raise ConflictError(_("Someone else changed this item meanwhile; reload the page."))
    if item.kind == ClearanceKind.FEES:
        balance = fees_balances([item.clearance.student_id])[item.clearance.student_id]
        if not rules.fees_settled(balance):
            raise ValidationError(
                _("The student still owes %(amount)s RMB on the fees ledger.") % {"amount": f"{balance:.2f}"}
            )
    with transaction.atomic():
        return _mark_done(item=item, how=ClearanceHow.OFFICE, by=user, note=note.strip()[:2000], request=request)


def clearance_item_needs(
    *, item: ClearanceItem, user: User, needs: str, owed: Decimal = Decimal("0"), books_out: int = 0, request=None
) -> ClearanceItem:
    """The office says what the student still has to bring (and, for the library, what is owed)."""
    if not can_sign_clearance_item(user, item):
        raise PermissionDenied(_("Only the office responsible for this item can change it."))
    if item.is_done:
        raise ConflictError(_("This item is already completed."))
    if owed < 0 or books_out < 0:
        raise ValidationError(_("Amounts and numbers of books cannot be negative."))
    with transaction.atomic():
        before = {"needs": item.needs, "owed": str(item.owed), "books_out": item.books_out}
        item.needs, item.owed, item.books_out = needs.strip()[:300], owed, books_out
        item.version += 1
        item.save(update_fields=["needs", "owed", "books_out", "version"])
        ClearanceSignOff.objects.create(item=item, how="", note=item.needs, by=user)
        audit_record(
            actor=user,
            action="clearance.item_needs",
            target=item.clearance,
            student=item.clearance.student,
            changes={
                "item": item.kind,
                "before": before,
                "needs": item.needs,
                "owed": str(owed),
                "books_out": books_out,
            },
            request=request,
        )
    return item


def clearance_window_today(*, today: date) -> ClearanceWindow | None:
    """The window open today, else the next one to open, else the last one that closed."""
    windows = ClearanceWindow.objects.all()
    return (
        windows.filter(opens_on__lte=today, closes_on__gte=today).order_by("opens_on").first()
        or windows.filter(opens_on__gt=today).order_by("opens_on").first()
        or windows.filter(closes_on__lt=today).order_by("-closes_on").first()
    )


def clearance_system_open(*, today: date) -> bool:
    window = clearance_window_today(today=today)
    state = rules.clearance_window_state(
        opens_on=window.opens_on if window else None, closes_on=window.closes_on if window else None, today=today
    )
    return state == rules.WindowState.OPEN


def _require_window(today: date) -> None:
    if not clearance_system_open(today=today):
        raise ValidationError(_("The leaving-school system is closed now; see the dates on your checklist page."))


def clearance_library_online(*, item: ClearanceItem, user: User, today: date, request=None) -> ClearanceItem:
    """The student cancels the library card online when nothing is owed (LEAVING 2)."""
    if item.clearance.student.user_id != user.pk or item.kind != ClearanceKind.LIBRARY:
        raise PermissionDenied
    if item.is_done:
        raise ConflictError(_("Your library card is already cancelled."))
    _require_window(today)
    if not rules.library_online_allowed(owed=item.owed, books_out=item.books_out):
        raise ValidationError(_("You still owe the library (books or fees): go to the library to finish this item."))
    with transaction.atomic():
        return _mark_done(
            item=item, how=ClearanceHow.ONLINE, by=user, note=_("Library card cancelled online."), request=request
        )


def clearance_window_save(*, user: User, name: str, opens_on: date, closes_on: date, request=None) -> ClearanceWindow:
    if not can_manage_clearance_windows(user):
        raise PermissionDenied
    if closes_on < opens_on:
        raise ValidationError({"closes_on": _("The window cannot close before it opens.")})
    with transaction.atomic():
        window = ClearanceWindow.objects.create(
            name=name.strip(), opens_on=opens_on, closes_on=closes_on, created_by=user
        )
        audit_record(
            actor=user,
            action="clearance.window_set",
            target=window,
            changes={"opens_on": str(opens_on), "closes_on": str(closes_on)},
            request=request,
        )
    return window


def clearance_overdue_remind(*, today: date) -> int:
    """Remind leavers past their move-out day with items still open, once a day each (set-based, idempotent).

    Handbook: Leaving the University 5 (lingering students are reported; the office sees them on its overdue list).
    """
    due = Clearance.objects.filter(completed_at__isnull=True, move_out_by__lt=today).filter(
        Q(overdue_reminded_on__isnull=True) | Q(overdue_reminded_on__lt=today)
    )
    ids = list(due.values_list("pk", flat=True))
    if not ids:
        return 0
    with transaction.atomic():
        # Claim first: a second run on the same day finds nothing left to claim.
        claimed = list(
            Clearance.objects.filter(pk__in=ids)
            .filter(Q(overdue_reminded_on__isnull=True) | Q(overdue_reminded_on__lt=today))
            .select_for_update(skip_locked=True)
            .select_related("student__user")
        )
        Clearance.objects.filter(pk__in=[c.pk for c in claimed]).update(overdue_reminded_on=today)
        messages = [
            portal_services.Message(
                user=clearance.student.user,
                template="registration/email/clearance_overdue",
                context={"student": clearance.student, "clearance": clearance},
                url=reverse("clearance_mine"),
            )
            for clearance in claimed
        ]
        portal_services.notify_many(messages=messages)
    return len(claimed)


def leaving_form_refusal(clearance: Clearance | None) -> str:
    """Why the Leaving School Form cannot be printed, or "" when it can (LEAVING 3)."""
    if clearance is None:
        return _("You have no leaving-school procedure.")
    if not clearance.is_complete:
        open_items = [item.get_kind_display() for item in clearance.items.all() if not item.is_done]
        return _("The Leaving School Form can be printed only after every item is done. Still open: %(items)s.") % {
            "items": "; ".join(str(label) for label in open_items)
        }
    return ""


def leaving_form_request(*, clearance: Clearance, user: User, verify_base: str, language: str) -> GeneratedDocument:
    """Queue the student's Leaving School Form; refused with the reason until every item is done."""
    if clearance.student.user_id != user.pk and not can_print_leaving_batches(user):
        raise PermissionDenied
    refusal = leaving_form_refusal(clearance)
    if refusal:
        raise ValidationError(refusal)
    if clearance.student.user_id == user.pk:
        _require_window(timezone.localdate())
    return portal_services.generated_document_request(
        owner=user,
        kind=LEAVING_FORM_KIND,
        title=_("Leaving School Form (%(student_id)s)") % {"student_id": clearance.student.student_id},
        parameters={"clearance_id": clearance.pk, "verify_base": verify_base},
        language=language,
    )


def leaving_form_batch_request(
    *, user: User, clearance_ids: list[int], verify_base: str, language: str, title: str
) -> GeneratedDocument:
    """Queue one PDF of many completed forms for an admin (the batch pipeline of portal.documents)."""
    if not can_print_leaving_batches(user):
        raise PermissionDenied
    if not clearance_ids:
        raise ValidationError(_("No completed leaving-school clearance matches."))
    if len(clearance_ids) > LEAVING_BATCH_MAX:
        raise ValidationError(_("At most %(max)d forms can be printed at once.") % {"max": LEAVING_BATCH_MAX})
    return portal_services.generated_document_request(
        owner=user,
        kind=LEAVING_FORM_BATCH_KIND,
        title=title[:200],
        parameters={"clearance_ids": clearance_ids, "verify_base": verify_base},
        total_items=len(clearance_ids),
        language=language,
    )
