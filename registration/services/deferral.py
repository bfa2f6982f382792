"""Writes of deferred registration: leave of registration, the two-week list and the reminders to register.

Handbook: HANDBOOK Current Student Registration; New Student Registration 3; Academic Rules 7, 10; STATUS Art. 6, 10.
The dates themselves come from registration.rules (last_day_to_register, two_week_listing, registration_reminder_due).

Who the rules apply to, decided here once:
- A student is expected to register for a semester when their status is "enrolled" and their enrolment year is not
  after the semester's academic year. Students on leave of absence or suspended are not expected to register for
  that semester (Academic Rules 13-14), and students who left are gone: none of them is reminded or listed.
- A "new student" (whose list is "admission forfeited", New Student Registration 3) is one whose enrolment year is
  the semester's academic year and who was never registered for an earlier semester.
- The academic year of a semester is the one its code starts with (rules.academic_year_of: "2026-2027-2").
"""

from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import permissions
from portal import services as portal_services
from portal.audit import audit_record
from portal.models import EvidenceKind, Semester, Student, StudentStatus, User
from portal.services import ConflictError
from registration import rules
from registration.models import (
    LeaveDecision,
    LeaveState,
    ListingOutcome,
    RegistrationLeave,
    RegistrationReminder,
    SemesterRegistration,
    TwoWeekListing,
)
from registration.permissions import can_review_registration

# Rows written per INSERT by the set-based jobs: the queries grow by one per this many students, not per student.
BULK_BATCH_SIZE = 2000

LEAVE_REASON_MAX_LENGTH = 2000

OPEN_LEAVE_STATES = (LeaveState.PENDING, LeaveState.APPROVED)


def semester_academic_year(semester: Semester) -> int:
    """The first calendar year of the academic year the semester belongs to (2026 for "2026-2027-2")."""
    return int(rules.academic_year_of(semester.code).split("-")[0])


def _expected_students(semester: Semester):
    """Students expected to register for the semester: one definition with the office's counts."""
    from registration.selectors import registration_expected_students

    return registration_expected_students(semester=semester)


def _last_day(semester: Semester, leave_until: date | None = None) -> date:
    return rules.last_day_to_register(
        registration_day=semester.registration_day,
        deferral_limit_days=semester.deferral_limit_days,
        leave_until=leave_until,
    )


def _check_reviewer(user: User) -> None:
    if not can_review_registration(user):
        raise PermissionDenied(_("You may not decide on registration matters."))


def _check_scope(user: User, student_id: int) -> None:
    if not Student.objects.filter(permissions.student_scope(user), pk=student_id).exists():
        raise PermissionDenied(_("You may not decide on this student's registration."))


def _decided_by(obj) -> str:
    return obj.decided_by.display_name() if obj.decided_by else _("someone else")


# --- Leave of registration --------------------------------------------------------------------------------------


def registration_leave_apply(
    *,
    student: Student,
    semester: Semester,
    user: User,
    reason: str,
    expected_on: date,
    proof=None,
    today: date | None = None,
) -> RegistrationLeave:
    """The student asks for leave of registration (Academic Rules 7, 10): a reason, the day they expect to register,
    optional proof. One open (waiting or approved) leave per semester."""
    today = today or timezone.localdate()
    reason = (reason or "").strip()
    if student.user_id != user.pk:
        raise PermissionDenied(_("Only the student applies for their own leave of registration."))
    if semester.registration_day is None:
        raise ValidationError(_("The registration day of this semester has not been set yet."))
    errors = {}
    if not reason:
        errors["reason"] = _("Say why you cannot come on the registration day.")
    elif len(reason) > LEAVE_REASON_MAX_LENGTH:
        errors["reason"] = _("Keep the reason under %(n)d characters.") % {"n": LEAVE_REASON_MAX_LENGTH}
    if expected_on is None:
        errors["expected_on"] = _("Enter the day you expect to register.")
    elif expected_on <= semester.registration_day:
        errors["expected_on"] = _("The expected date must be after the registration day (%(date)s).") % {
            "date": semester.registration_day
        }
    elif expected_on < today:
        errors["expected_on"] = _("The expected date %(date)s is in the past.") % {"date": expected_on}
    elif expected_on > semester.ends_on:
        # Handbook: Academic Rules 13-14 - missing the whole semester is a suspension, not a deferred registration.
        errors["expected_on"] = _(
            "The expected date must be within the semester (until %(date)s); to miss the whole semester, "
            "apply for a suspension of studies instead."
        ) % {"date": semester.ends_on}
    # Handbook: Academic Rules 7 - leave is asked for in advance (or, in an emergency, within the deferral limit);
    # past the last day to register the student is on the two-week list and staff decide.
    if today > _last_day(semester):
        errors[None] = _(
            "The last day to register (%(date)s) has passed; leave of registration can no longer be applied for. "
            "Contact the International College."
        ) % {"date": _last_day(semester)}
    if errors:
        raise ValidationError({k or "__all__": v for k, v in errors.items()})

    with transaction.atomic():
        # The student's row serialises two applications sent at once (a double click, two tabs).
        Student.objects.select_for_update().filter(pk=student.pk).first()
        if SemesterRegistration.objects.filter(student=student, semester=semester).exists():
            raise ValidationError(_("You are already registered for this semester."))
        open_leave = RegistrationLeave.objects.filter(
            student=student, semester=semester, state__in=OPEN_LEAVE_STATES
        ).first()
        if open_leave is not None:
            raise ConflictError(
                _("You already have a leave application for this semester (%(state)s).")
                % {"state": open_leave.get_state_display().lower()}
            )
        evidence = None
        if proof is not None:
            evidence = portal_services.evidence_submit(
                student=student,
                kind=EvidenceKind.LEAVE_PROOF,
                upload=proof,
                uploaded_by=user,
                reviewed_in="registration",
            )
        try:
            with transaction.atomic():
                leave = RegistrationLeave.objects.create(
                    student=student, semester=semester, reason=reason, expected_on=expected_on, proof=evidence
                )
        except IntegrityError as exc:
            raise ConflictError(_("You already have a leave application for this semester.")) from exc
        LeaveDecision.objects.create(leave=leave, state=LeaveState.PENDING, decided_by=user)
        audit_record(
            actor=user,
            action="registration.leave_applied",
            target=leave,
            student=student,
            changes={"expected_on": ["", str(expected_on)]},
            reason=reason,
        )
    return leave


def _locked_leave(leave: RegistrationLeave, expected_version: int | None) -> RegistrationLeave:
    locked = (
        RegistrationLeave.objects.select_for_update(of=("self",))
        .select_related("student__user", "semester", "decided_by")
        .get(pk=leave.pk)
    )
    if locked.state != LeaveState.PENDING:
        if locked.state == LeaveState.CANCELLED:
            raise ConflictError(_("The student cancelled this application."))
        raise ConflictError(
            _("This application was already %(state)s by %(who)s.")
            % {"state": locked.get_state_display().lower(), "who": _decided_by(locked)}
        )
    if expected_version is not None and locked.version != expected_version:
        raise ConflictError(_("The application changed since you opened it; look at it again."))
    return locked


def _record_leave_change(leave: RegistrationLeave, *, actor: User, reason: str = "") -> None:
    LeaveDecision.objects.create(
        leave=leave, state=leave.state, approved_until=leave.approved_until, reason=reason, decided_by=actor
    )
    audit_record(
        actor=actor,
        action=f"registration.leave_{leave.state}",
        target=leave,
        student=leave.student,
        changes={"state": [LeaveState.PENDING.value, leave.state]}
        | ({"approved_until": ["", str(leave.approved_until)]} if leave.approved_until else {}),
        reason=reason,
    )


def _decide_proof(leave: RegistrationLeave, *, reviewer: User) -> None:
    """The proof takes the leave's decision (it waits in the leave queue, not the documents queue); the student
    hears once, about the leave."""
    proof = leave.proof
    if proof is None or not proof.is_pending:
        return
    if leave.state == LeaveState.APPROVED:
        portal_services.evidence_approve(evidence=proof, reviewer=reviewer, notify_student=False, within="registration")
    else:
        portal_services.evidence_reject(
            evidence=proof,
            reviewer=reviewer,
            reason=leave.decision_reason,
            notify_student=False,
            within="registration",
        )


def _notify_leave_decided(leave: RegistrationLeave) -> None:
    portal_services.notify(
        user=leave.student.user,
        template="registration/email/leave_decided",
        context={
            "leave": leave,
            "approved": leave.state == LeaveState.APPROVED,
            "last_day": _last_day(leave.semester, leave.approved_until),
        },
        url=reverse("registration_leave"),
    )


def registration_leave_cancel(
    *, leave: RegistrationLeave, user: User, expected_version: int | None = None
) -> RegistrationLeave:
    """The student withdraws an application that is still waiting for a decision."""
    if leave.student.user_id != user.pk:
        raise PermissionDenied(_("Only the student cancels their own application."))
    with transaction.atomic():
        locked = _locked_leave(leave, expected_version)
        locked.state = LeaveState.CANCELLED
        locked.version += 1
        locked.save(update_fields=["state", "version"])
        _record_leave_change(locked, actor=user)
    return locked


def registration_leave_approve(
    *,
    leave: RegistrationLeave,
    reviewer: User,
    approved_until: date | None = None,
    reason: str = "",
    expected_version: int | None = None,
) -> RegistrationLeave:
    """Staff approve the leave until the expected date, or a shorter one; the approved date extends the last day
    to register when it is later (rules.last_day_to_register)."""
    _check_reviewer(reviewer)
    reason = (reason or "").strip()
    with transaction.atomic():
        locked = _locked_leave(leave, expected_version)
        _check_scope(reviewer, locked.student_id)
        until = approved_until or locked.expected_on
        if until <= locked.semester.registration_day:
            raise ValidationError(
                {
                    "approved_until": _("Leave must end after the registration day (%(date)s).")
                    % {"date": locked.semester.registration_day}
                }
            )
        if until > locked.expected_on:
            raise ValidationError(
                {
                    "approved_until": _("Leave cannot be longer than the student asked for (until %(date)s).")
                    % {"date": locked.expected_on}
                }
            )
        locked.state = LeaveState.APPROVED
        locked.approved_until = until
        locked.decision_reason = reason
        locked.decided_at, locked.decided_by = timezone.now(), reviewer
        locked.version += 1
        locked.save(update_fields=["state", "approved_until", "decision_reason", "decided_at", "decided_by", "version"])
        _record_leave_change(locked, actor=reviewer, reason=reason)
        _decide_proof(locked, reviewer=reviewer)
        _keep_listing_for_leave(locked, reviewer=reviewer)
        _notify_leave_decided(locked)
    return locked


def _keep_listing_for_leave(leave: RegistrationLeave, *, reviewer: User) -> None:
    """An approved leave answers an open two-week listing of the same semester: the student is kept."""
    reason = _("Leave of registration approved until %(date)s.") % {"date": leave.approved_until}
    for listing in TwoWeekListing.objects.select_for_update().filter(
        student_id=leave.student_id, semester_id=leave.semester_id, outcome=ListingOutcome.OPEN
    ):
        listing.outcome, listing.decision_reason = ListingOutcome.KEPT, reason
        listing.decided_at, listing.decided_by = timezone.now(), reviewer
        listing.save(update_fields=["outcome", "decision_reason", "decided_at", "decided_by"])
        audit_record(
            actor=reviewer,
            action="registration.listing_kept",
            target=listing,
            student=listing.student,
            changes={"outcome": [ListingOutcome.OPEN.value, ListingOutcome.KEPT.value]},
            reason=reason,
        )


def registration_leave_reject(
    *, leave: RegistrationLeave, reviewer: User, reason: str, expected_version: int | None = None
) -> RegistrationLeave:
    """Staff refuse the leave, saying why; the student registers by the ordinary last day."""
    _check_reviewer(reviewer)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the leave is refused; the student sees it.")})
    with transaction.atomic():
        locked = _locked_leave(leave, expected_version)
        _check_scope(reviewer, locked.student_id)
        locked.state = LeaveState.REJECTED
        locked.decision_reason = reason
        locked.decided_at, locked.decided_by = timezone.now(), reviewer
        locked.version += 1
        locked.save(update_fields=["state", "decision_reason", "decided_at", "decided_by", "version"])
        _record_leave_change(locked, actor=reviewer, reason=reason)
        _decide_proof(locked, reviewer=reviewer)
        _notify_leave_decided(locked)
    return locked


# --- The two-week list ------------------------------------------------------------------------------------------


def two_week_list_refresh(*, semester: Semester, today: date) -> dict[str, int]:
    """Put on the list every expected student not registered in time without approved leave (HANDBOOK Current
    Student Registration; New Student Registration 3). Set-based: one read and one insert per BULK_BATCH_SIZE
    students. Rows are only added, never changed or deleted: a listing stays until staff decide on it."""
    counts = {"evaluated": 0, "listed": 0}
    if semester.registration_day is None:
        return counts
    ordinary_last_day = _last_day(semester)
    # Leave only ever moves the last day later, so nobody can be listed before the day after the ordinary last day.
    if today <= ordinary_last_day:
        return counts
    academic_year = semester_academic_year(semester)
    registration = SemesterRegistration.objects.filter(student=OuterRef("pk"), semester=semester)
    approved_leave = RegistrationLeave.objects.filter(
        student=OuterRef("pk"), semester=semester, state=LeaveState.APPROVED
    )
    earlier = SemesterRegistration.objects.filter(student=OuterRef("pk"), semester__starts_on__lt=semester.starts_on)
    candidates = (
        _expected_students(semester)
        .exclude(Exists(TwoWeekListing.objects.filter(student=OuterRef("pk"), semester=semester)))
        # Registered by the ordinary last day is in time whatever the leave; the rest is for the rule to decide.
        .exclude(Exists(registration.filter(registered_at__date__lte=ordinary_last_day)))
        .annotate(
            leave_until=Subquery(approved_leave.values("approved_until")[:1]),
            registered_at=Subquery(registration.values("registered_at")[:1]),
            registered_before=Exists(earlier),
        )
        .values_list("pk", "enrolment_year", "leave_until", "registered_at", "registered_before")
        .order_by()
    )
    rows = []
    for student_id, enrolment_year, leave_until, registered_at, registered_before in candidates.iterator(
        chunk_size=BULK_BATCH_SIZE
    ):
        counts["evaluated"] += 1
        registered_on = timezone.localdate(registered_at) if registered_at else None
        listing = rules.two_week_listing(
            registration_day=semester.registration_day,
            today=today,
            # A run for an earlier day (a missed beat) sees a later registration as made by that day; the rule
            # gives the same answer, since a registration after the last day does not take anyone off the list.
            registered_on=min(registered_on, today) if registered_on else None,
            leave_until=leave_until,
            is_new_student=enrolment_year == academic_year and not registered_before,
            deferral_limit_days=semester.deferral_limit_days,
        )
        if listing is None:
            continue
        rows.append(
            TwoWeekListing(
                student_id=student_id,
                semester=semester,
                kind=listing.kind.value,
                registration_day=listing.registration_day,
                last_day_to_register=listing.last_day_to_register,
                listed_on=listing.listed_from,
            )
        )
    if not rows:
        return counts
    with transaction.atomic():
        # A concurrent run may have listed some of them since the read: the unique constraint keeps one row each.
        TwoWeekListing.objects.bulk_create(rows, ignore_conflicts=True, batch_size=BULK_BATCH_SIZE)
        counts["listed"] = len(rows)
        audit_record(
            actor=None,
            action="registration.two_week_list_refreshed",
            target=semester,
            changes={"listed": [0, len(rows)]},
        )
    return counts


def two_week_listing_decide(
    *,
    listing: TwoWeekListing,
    reviewer: User,
    confirm: bool,
    reason: str = "",
    today: date | None = None,
) -> TwoWeekListing:
    """Staff decide on a listed student: confirm (the student's status becomes "left" from today) or keep them
    (a reason is required). Decided once; a second decision is refused with who made the first."""
    _check_reviewer(reviewer)
    today = today or timezone.localdate()
    reason = (reason or "").strip()
    if not confirm and not reason:
        raise ValidationError({"reason": _("Say why the student is kept; it stays on the record.")})
    with transaction.atomic():
        locked = (
            TwoWeekListing.objects.select_for_update(of=("self",))
            .select_related("student__user", "semester", "decided_by")
            .get(pk=listing.pk)
        )
        _check_scope(reviewer, locked.student_id)
        if locked.outcome != ListingOutcome.OPEN:
            raise ConflictError(
                _("This listing was already decided (%(outcome)s) by %(who)s.")
                % {"outcome": locked.get_outcome_display().lower(), "who": _decided_by(locked)}
            )
        if (
            confirm
            and SemesterRegistration.objects.filter(
                student_id=locked.student_id, semester_id=locked.semester_id
            ).exists()
        ):
            raise ConflictError(_("The student has registered since; keep them instead, saying why."))
        locked.outcome = ListingOutcome.CONFIRMED if confirm else ListingOutcome.KEPT
        locked.decision_reason = reason
        locked.decided_at, locked.decided_by = timezone.now(), reviewer
        locked.save(update_fields=["outcome", "decision_reason", "decided_at", "decided_by"])
        changes = {"outcome": [ListingOutcome.OPEN.value, locked.outcome]}
        if confirm:
            student = Student.objects.select_for_update().get(pk=locked.student_id)
            changes |= {"status": [student.status, StudentStatus.LEFT.value], "left_on": ["", str(today)]}
            student.status, student.left_on = StudentStatus.LEFT, today
            student.save(update_fields=["status", "left_on", "updated_at"])
        audit_record(
            actor=reviewer,
            action=f"registration.listing_{locked.outcome}",
            target=locked,
            student=locked.student,
            changes=changes,
            reason=reason,
        )
        portal_services.notify(
            user=locked.student.user,
            template="registration/email/listing_decided",
            context={"listing": locked, "confirmed": confirm, "left_on": today},
            url="/",
        )
    return locked


# --- Reminders to register --------------------------------------------------------------------------------------


def registration_reminders_send(
    *, semester: Semester, today: date, now: datetime | None = None, lead_days: tuple[int, ...] | None = None
) -> dict[str, int]:
    """Remind expected students who are not registered, before it is too late (issue 4; HANDBOOK Current Student
    Registration): before the registration day (not those on approved leave), and before their own last day to
    register (the approved leave's end when it is later). Lead times are rules.DEFAULT_REMINDER_LEAD_DAYS.

    Each reminder is claimed first as a RegistrationReminder row (unique per student, semester, deadline and lead
    time) and only the rows this run inserted are notified, so a second or concurrent run sends nothing twice.
    """
    lead_days = tuple(lead_days or rules.DEFAULT_REMINDER_LEAD_DAYS)
    counts = {"evaluated": 0, "sent": 0}
    if semester.registration_day is None or not lead_days:
        return counts
    registration_day = semester.registration_day
    ordinary_last_day = _last_day(semester)
    if today < registration_day - timedelta(days=max(lead_days)):
        return counts
    approved_leave = RegistrationLeave.objects.filter(
        student=OuterRef("pk"), semester=semester, state=LeaveState.APPROVED
    )
    candidates = (
        _expected_students(semester)
        .exclude(Exists(SemesterRegistration.objects.filter(student=OuterRef("pk"), semester=semester)))
        .annotate(leave_until=Subquery(approved_leave.values("approved_until")[:1]))
    )
    if today > ordinary_last_day:
        # Past the ordinary last day only students whose approved leave runs longer can still be reminded.
        candidates = candidates.filter(leave_until__gte=today)
    rows: dict[tuple[int, date, int], RegistrationReminder] = {}
    last_days: dict[int, date] = {}
    now = now or timezone.now()
    for student_id, leave_until in (
        candidates.values_list("pk", "leave_until").order_by().iterator(chunk_size=BULK_BATCH_SIZE)
    ):
        counts["evaluated"] += 1
        last_day = _last_day(semester, leave_until)
        last_days[student_id] = last_day
        deadlines = [last_day]
        if leave_until is None:
            deadlines.insert(0, registration_day)
        for deadline in deadlines:
            lead = rules.registration_reminder_due(deadline=deadline, today=today, lead_days=lead_days)
            if lead is not None:
                rows[(student_id, deadline, lead)] = RegistrationReminder(
                    student_id=student_id, semester=semester, lead_days=lead, deadline=deadline, sent_at=now
                )
    if not rows:
        return counts
    with transaction.atomic():
        RegistrationReminder.objects.bulk_create(rows.values(), ignore_conflicts=True, batch_size=BULK_BATCH_SIZE)
        # Only the rows this run inserted carry its own timestamp: a row another run inserted first keeps that
        # run's time, so its reminder is not sent again from here.
        claimed = RegistrationReminder.objects.filter(semester=semester, sent_at=now).select_related("student__user")
        overview = reverse("registration_overview")
        counts["sent"] = portal_services.notify_many(
            messages=(
                portal_services.Message(
                    user=reminder.student.user,
                    template="registration/email/registration_reminder",
                    context={
                        "student": reminder.student,
                        "semester": semester,
                        "deadline": reminder.deadline,
                        "days_left": reminder.lead_days,
                        "registration_day": registration_day,
                        "last_day": last_days[reminder.student_id],
                        "is_registration_day": reminder.deadline == registration_day
                        and last_days[reminder.student_id] != registration_day,
                    },
                    url=overview,
                )
                for reminder in claimed.iterator(chunk_size=BULK_BATCH_SIZE)
            )
        )
        if counts["sent"]:
            audit_record(
                actor=None,
                action="registration.reminders_sent",
                target=semester,
                changes={"sent": [0, counts["sent"]]},
            )
    return counts
