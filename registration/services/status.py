"""Writes of student status: leave of absence, suspension, resumption and withdrawal applications with their
approval routes, and the office's withdrawal and dismissal decisions with a notice PDF.

Handbook: Academic Rules 13-14, 28-34; Supplementary 32; STATUS Art. 12, 18-24.
Every step's decision is a StatusDecision row (append-only) and an audit entry; the student's status changes only
when the last step approves.
"""

from datetime import date

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import services as portal_services
from portal.audit import audit_record
from portal.models import EvidenceKind, Semester, Student, StudentStatus, User
from portal.services import ConflictError
from registration import rules
from registration.models import (
    LeaveTier,
    StatusChange,
    StatusChangeKind,
    StatusChangeState,
    StatusDecision,
)
from registration.permissions import can_decide_status_step, can_decide_withdrawal, can_enter_status_for

NOTICE_KIND = "status_notice"
REASON_MAX_LENGTH = 2000

# Suspension, resumption and voluntary withdrawal go through the school, then the International College
# (STATUS Art. 18-24: the school reviews, the university approves).
SCHOOL_AND_COLLEGE = [rules.LeaveStep.SCHOOL.value, rules.LeaveStep.INTERNATIONAL_COLLEGE.value]

# The status a student has once a change of this kind is approved.
STATUS_AFTER = {
    StatusChangeKind.LEAVE: StudentStatus.ON_LEAVE,
    StatusChangeKind.SUSPENSION: StudentStatus.SUSPENDED,
    StatusChangeKind.RESUMPTION: StudentStatus.ENROLLED,
    StatusChangeKind.WITHDRAWAL: StudentStatus.LEFT,
    StatusChangeKind.DISMISSAL: StudentStatus.LEFT,
}


def leave_tiers() -> tuple[rules.LeaveTierSpec, ...]:
    """The tiers as staff set them (LeaveTier), or the handbook's when the table is empty."""
    tiers = tuple(
        rules.LeaveTierSpec(max_days=tier.max_days, max_months=tier.max_months, route=tuple(tier.route))
        for tier in LeaveTier.objects.order_by("position")
    )
    return tiers or rules.DEFAULT_LEAVE_TIERS


def suspended_days(student: Student, *, exclude_pk: int | None = None) -> int:
    """Days of approved suspension the student has had so far (for the total limit)."""
    days = 0
    for change in StatusChange.objects.filter(
        student=student, kind=StatusChangeKind.SUSPENSION, state=StatusChangeState.APPROVED
    ).exclude(pk=exclude_pk):
        days += rules.leave_length_days(change.first_day, change.last_day or change.first_day)
    return days


def latest_suspension(student: Student) -> StatusChange | None:
    return (
        StatusChange.objects.filter(student=student, kind=StatusChangeKind.SUSPENSION, state=StatusChangeState.APPROVED)
        .order_by("-first_day")
        .first()
    )


def _suspension_last_day(suspension: StatusChange) -> date:
    return suspension.last_day or suspension.first_day


def _resumption_timing(*, suspension: StatusChange, first_day: date, today: date) -> rules.ResumptionTiming:
    """In time, late or too late for the term the student resumes in (the term that holds the first day, or the next
    to start); with no such term in the calendar yet, only the 2 weeks after the suspension are checked."""
    term = Semester.objects.filter(ends_on__gte=first_day).order_by("starts_on").first()
    return rules.resumption_timing(
        applied_on=today,
        term_starts_on=term.starts_on if term else date.max,
        suspension_last_day=_suspension_last_day(suspension),
        # A setting where the documents differ (RULES.md): 0 by the handbook, 28 by STATUS Art. 20.
        days_before_term=getattr(settings, "RESUMPTION_APPLY_DAYS_BEFORE_TERM", 0),
    )


def _route_for(*, student: Student, kind: str, category: str, first_day: date, last_day: date | None) -> list[str]:
    if kind == StatusChangeKind.LEAVE:
        if last_day is None:
            raise ValidationError({"last_day": _("Say until when you need leave.")})
        return [str(step) for step in rules.leave_route(tiers=leave_tiers(), first_day=first_day, last_day=last_day)]
    if kind == StatusChangeKind.SUSPENSION:
        if last_day is None:
            raise ValidationError({"last_day": _("Say until when you ask to suspend your studies.")})
        # The limits are settings (SUSPENSION_MAX_MONTHS_PER_APPROVAL, SUSPENSION_MAX_MONTHS_TOTAL) with the
        # handbook's values by default: the STATUS rules for some programmes allow up to 3 years in all.
        refusal = rules.suspension_refusal(
            first_day=first_day,
            last_day=last_day,
            earlier_days=suspended_days(student),
            max_months_per_approval=getattr(
                settings, "SUSPENSION_MAX_MONTHS_PER_APPROVAL", rules.SUSPENSION_MAX_MONTHS_PER_APPROVAL
            ),
            max_months_total=getattr(settings, "SUSPENSION_MAX_MONTHS_TOTAL", rules.SUSPENSION_MAX_MONTHS_TOTAL),
        )
        if refusal == "per_approval":
            raise ValidationError({"last_day": _("A suspension is approved for at most one year at a time.")})
        if refusal == "total":
            raise ValidationError({"last_day": _("Suspensions together would pass the limit allowed in all.")})
        return list(SCHOOL_AND_COLLEGE)
    if kind in (StatusChangeKind.RESUMPTION, StatusChangeKind.WITHDRAWAL):
        return list(SCHOOL_AND_COLLEGE)
    raise ValidationError({"kind": _("Students apply for leave, suspension, resumption or withdrawal.")})


def status_apply(
    *,
    student: Student,
    user: User,
    kind: str,
    first_day: date,
    reason: str,
    last_day: date | None = None,
    category: str = "",
    proof=None,
    emergency: bool = False,
    today: date | None = None,
) -> StatusChange:
    """A student applies (or staff enter an emergency leave first), with the approval route the length decides."""
    own = user.pk == student.user_id
    if not own and not (emergency and kind == StatusChangeKind.LEAVE and can_enter_status_for(user, student)):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason.")})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError({"reason": _("Keep the reason under 2000 characters.")})
    if last_day is not None and last_day < first_day:
        raise ValidationError({"last_day": _("The end cannot be before the start.")})
    suspension = None
    timing = None
    if kind == StatusChangeKind.LEAVE and rules.sick_leave_needs_certificate(category) and proof is None and own:
        raise ValidationError({"proof": _("A sick leave needs a hospital certificate (Class A Grade 2 or above).")})
    if kind == StatusChangeKind.RESUMPTION:
        suspension = latest_suspension(student)
        if suspension is None or student.status != StudentStatus.SUSPENDED:
            raise ValidationError({"kind": _("Only a suspended student applies to resume studies.")})
        if rules.resumption_needs_recovery_certificate(suspension.category) and proof is None:
            raise ValidationError({"proof": _("Resuming after an illness needs a hospital's recovery certificate.")})
        timing = _resumption_timing(suspension=suspension, first_day=first_day, today=today or timezone.localdate())
        if timing == rules.ResumptionTiming.TOO_LATE:
            raise ValidationError(
                {
                    "first_day": _(
                        "Resumption is applied for at the latest 2 weeks after the suspension ended (%(deadline)s), "
                        "and that day has passed: talk to the International College, which now decides your status."
                    )
                    % {"deadline": rules.resumption_deadline(_suspension_last_day(suspension)).isoformat()}
                }
            )
    if kind == StatusChangeKind.SUSPENSION and student.status == StudentStatus.SUSPENDED:
        raise ValidationError({"kind": _("You are already suspended.")})
    if StatusChange.objects.filter(student=student, kind=kind, state=StatusChangeState.PENDING).exists():
        raise ConflictError(_("You already have an application of this kind waiting for approval."))
    route = _route_for(student=student, kind=kind, category=category, first_day=first_day, last_day=last_day)
    with transaction.atomic():
        evidence = None
        if proof is not None:
            evidence = portal_services.evidence_submit(
                student=student, kind=EvidenceKind.LEAVE_PROOF, upload=proof, uploaded_by=user, reviewed_in="status"
            )
        change = StatusChange.objects.create(
            student=student,
            kind=kind,
            category=category,
            first_day=first_day,
            last_day=last_day,
            reason=reason,
            proof=evidence,
            emergency=emergency and not own,
            applied_late=kind == StatusChangeKind.RESUMPTION and timing == rules.ResumptionTiming.LATE,
            route=route,
            suspension=suspension,
            created_by=user,
        )
        audit_record(
            actor=user,
            action="status.applied",
            target=change,
            student=student,
            changes={"kind": kind, "first_day": str(first_day), "last_day": str(last_day or ""), "route": route},
        )
    return change


def status_proof_add(*, change: StatusChange, user: User, proof) -> StatusChange:
    """The student completes an emergency leave entered by staff with the written part: the proof."""
    if change.student.user_id != user.pk:
        raise PermissionDenied
    if change.proof_id:
        raise ConflictError(_("The proof is already there."))
    with transaction.atomic():
        change.proof = portal_services.evidence_submit(
            student=change.student, kind=EvidenceKind.LEAVE_PROOF, upload=proof, uploaded_by=user, reviewed_in="status"
        )
        change.version += 1
        change.save(update_fields=["proof", "version"])
        audit_record(actor=user, action="status.proof_added", target=change, student=change.student)
    return change


def _apply(change: StatusChange, *, user: User) -> None:
    student = change.student
    before = student.status
    student.status = STATUS_AFTER[change.kind]
    fields = ["status", "updated_at"]
    if student.status == StudentStatus.LEFT:
        student.left_on = change.first_day
        fields.append("left_on")
    student.save(update_fields=fields)
    audit_record(
        actor=user,
        action="status.changed",
        target=student,
        changes={"status": [before, student.status]},
        reason=change.get_kind_display(),
    )
    # Handbook: Leaving the University; STATUS Art. 19 - a suspended student goes through the leaving procedure too
    # (two weeks to move out); withdrawals and dismissals one week. The last step of these routes is the
    # International College (or an admin), who may open clearances.
    if (
        change.kind in (StatusChangeKind.SUSPENSION, StatusChangeKind.WITHDRAWAL, StatusChangeKind.DISMISSAL)
        and not student.clearances.filter(completed_at__isnull=True).exists()
    ):
        from registration.services.clearance import clearance_open

        clearance_open(student=student, reason=change.kind, effective_on=change.first_day, actor=user)


def leaves_ended_refresh(*, today: date) -> int:
    """Students whose approved leave of absence has ended are enrolled again (set-based; safe to run twice)."""
    ended = StatusChange.objects.filter(
        kind=StatusChangeKind.LEAVE, state=StatusChangeState.APPROVED, last_day__lt=today
    ).values("student_id")
    ongoing = StatusChange.objects.filter(
        kind=StatusChangeKind.LEAVE, state=StatusChangeState.APPROVED, first_day__lte=today, last_day__gte=today
    ).values("student_id")
    students = list(Student.objects.filter(pk__in=ended, status=StudentStatus.ON_LEAVE).exclude(pk__in=ongoing))
    with transaction.atomic():
        for student in students:
            Student.objects.filter(pk=student.pk, status=StudentStatus.ON_LEAVE).update(
                status=StudentStatus.ENROLLED, updated_at=timezone.now()
            )
            audit_record(
                actor=None,
                action="status.changed",
                target=student,
                changes={"status": [StudentStatus.ON_LEAVE, StudentStatus.ENROLLED]},
                reason="leave ended",
            )
    return len(students)


def scholarship_suspended(*, student: Student, today: date) -> bool:
    """Scholarship payments stop while a suspension runs (STATUS Art. 19)."""
    return StatusChange.objects.filter(
        student=student,
        kind=StatusChangeKind.SUSPENSION,
        state=StatusChangeState.APPROVED,
        first_day__lte=today,
        last_day__gte=today,
    ).exists()


def status_decide(
    *, change: StatusChange, user: User, approve: bool, reason: str = "", version: int | None = None
) -> StatusChange:
    """The approver of the current step decides; the last approval changes the student's status.

    The change is locked and read again first, so the step decided is the one waiting now; a `version` from a page
    that is no longer current is a ConflictError (two approvers at once: the second gets a clear message).
    """
    reason = (reason or "").strip()
    if not approve and not reason:
        raise ValidationError({"reason": _("Say why the application is rejected.")})
    with transaction.atomic():
        locked = StatusChange.objects.select_for_update().select_related("student").get(pk=change.pk)
        if (version is not None and version != locked.version) or locked.state != StatusChangeState.PENDING:
            raise ConflictError(_("Someone else decided meanwhile; reload the page."))
        if not can_decide_status_step(user, locked):
            raise PermissionDenied(_("This step is decided by another office."))
        step = locked.current_step
        StatusDecision.objects.create(change=locked, step=step, approved=approve, reason=reason[:2000], by=user)
        locked.version += 1
        if not approve:
            locked.state = StatusChangeState.REJECTED
        elif locked.step + 1 >= len(locked.route):
            locked.state = StatusChangeState.APPROVED
        else:
            locked.step += 1
        if locked.state != StatusChangeState.PENDING:
            locked.decided_at = timezone.now()
        locked.save(update_fields=["state", "step", "version", "decided_at"])
        audit_record(
            actor=user,
            action="status.step_decided",
            target=locked,
            student=locked.student,
            changes={"step": step, "approved": approve, "state": locked.state},
            reason=reason,
        )
        if locked.state == StatusChangeState.APPROVED:
            _apply(locked, user=user)
        if locked.state != StatusChangeState.PENDING:
            student = locked.student
            transaction.on_commit(
                lambda: portal_services.notify(
                    user=student.user,
                    template="registration/email/status_decided",
                    context={"change": locked},
                    url=reverse("status_mine"),
                )
            )
    return locked


def withdrawal_decide(
    *, student: Student, user: User, kind: str, effective_on: date, reason: str, language: str = "en"
) -> StatusChange:
    """The office records a withdrawal or dismissal decision with its reason and date, issues the notice PDF to the
    student and to itself, and opens the leaving-school clearance (HANDBOOK Leaving: one week to move out)."""
    if not can_decide_withdrawal(user):
        raise PermissionDenied
    if kind not in (StatusChangeKind.WITHDRAWAL, StatusChangeKind.DISMISSAL):
        raise ValidationError({"kind": _("Choose withdrawal or dismissal.")})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the decision.")})
    if student.status == StudentStatus.LEFT:
        raise ConflictError(_("This student has already left the university."))
    with transaction.atomic():
        change = StatusChange.objects.create(
            student=student,
            kind=kind,
            first_day=effective_on,
            reason=reason[:REASON_MAX_LENGTH],
            route=[rules.LeaveStep.INTERNATIONAL_COLLEGE.value],
            state=StatusChangeState.APPROVED,
            decided_at=timezone.now(),
            created_by=user,
        )
        StatusDecision.objects.create(
            change=change, step=rules.LeaveStep.INTERNATIONAL_COLLEGE.value, approved=True, reason=reason, by=user
        )
        audit_record(actor=user, action="status.decision", target=change, student=student, reason=reason)
        _apply(change, user=user)
        for owner in (student.user, user):
            document = portal_services.generated_document_request(
                owner=owner,
                kind=NOTICE_KIND,
                title=_("Notice of %(kind)s (%(student_id)s)")
                % {"kind": change.get_kind_display().lower(), "student_id": student.student_id},
                parameters={"change_id": change.pk},
                language=owner.language or language,
            )
            if owner == user:
                change.notice = document
                change.save(update_fields=["notice"])
    return change


def decision_flag_keep(*, user: User, student: Student, code: str, since: date, reason: str, today: date):
    """The office decides to keep a student on a flag of its decision list (a person decides: Supplementary 32),
    with the reason; the flag leaves the list, the decision stays (append-only) and is audited."""
    from django.db import IntegrityError

    from registration.models import DecisionKept
    from registration.selectors_leaving import KEEPABLE_FLAGS, status_decision_list

    if not can_decide_withdrawal(user):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the student is kept.")})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError({"reason": _("Keep the reason under 2000 characters.")})
    listed = any(
        flag.student.pk == student.pk and flag.code == code and flag.since == since
        for flag in status_decision_list(user=user, today=today)
    )
    if code not in KEEPABLE_FLAGS or not listed:
        raise ConflictError(_("This flag is no longer on the decision list; it may have been decided already."))
    try:
        with transaction.atomic():
            kept = DecisionKept.objects.create(student=student, flag=code, since=since, reason=reason, by=user)
            audit_record(
                actor=user,
                action="status.decision_kept",
                target=kept,
                student=student,
                changes={"flag": code, "since": str(since)},
                reason=reason,
            )
    except IntegrityError:
        raise ConflictError(_("Someone decided on this flag a moment ago.")) from None
    return kept
