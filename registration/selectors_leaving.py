"""Reads of the leaving-school clearance, restricted to what the user may see (portal.permissions.student_scope)."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from portal.models import Student
from registration.models import (
    Clearance,
    ClearanceItem,
    ClearanceSignOff,
    StatusChange,
    StatusChangeKind,
    StatusChangeState,
    StatusDecision,
)
from registration.permissions import clearance_signing_kinds


def _with_items(clearances: QuerySet[Clearance]) -> QuerySet[Clearance]:
    sign_offs = ClearanceSignOff.objects.select_related("by").order_by("at", "pk")
    items = ClearanceItem.objects.select_related("done_by").prefetch_related(Prefetch("sign_offs", queryset=sign_offs))
    return clearances.select_related("student__school", "student__user", "created_by").prefetch_related(
        Prefetch("items", queryset=items.order_by("pk"))
    )


def clearance_of_student(*, user) -> Clearance | None:
    """The student's own latest clearance with its items and their sign-offs."""
    return _with_items(Clearance.objects.filter(student__user=user)).order_by("-created_at", "-pk").first()


def clearance_get(*, user, pk: int) -> Clearance | None:
    return _with_items(Clearance.objects.visible_to(user)).filter(pk=pk).first()


def clearance_item_get(*, user, pk: int) -> ClearanceItem | None:
    return (
        ClearanceItem.objects.filter(clearance__in=Clearance.objects.visible_to(user))
        .select_related("clearance__student__school", "clearance__student__user")
        .filter(pk=pk)
        .first()
    )


def clearance_list(*, user, q: str = "", reason: str = "", complete: str = "") -> QuerySet[Clearance]:
    """Clearances the user may see, with how many items are still open (one query for the page)."""
    clearances = (
        Clearance.objects.visible_to(user)
        .select_related("student__school")
        .annotate(open_items=Count("items", filter=Q(items__done_at__isnull=True)))
        .order_by("move_out_by", "student__student_id")
    )
    if q:
        clearances = clearances.filter(Q(student__student_id__startswith=q) | Q(student__name_latin__icontains=q))
    if reason:
        clearances = clearances.filter(reason=reason)
    if complete == "yes":
        clearances = clearances.filter(completed_at__isnull=False)
    elif complete == "no":
        clearances = clearances.filter(completed_at__isnull=True)
    return clearances


def clearance_queue(*, user, kind: str = "", done: bool = False, q: str = "") -> QuerySet[ClearanceItem]:
    """The items this user's office signs, open ones first by move-out day (the office's own queue)."""
    kinds = clearance_signing_kinds(user)
    if kind:
        kinds = kinds & {kind}
    items = (
        ClearanceItem.objects.filter(kind__in=kinds, clearance__in=Clearance.objects.visible_to(user))
        .filter(done_at__isnull=not done)
        .select_related("clearance__student__school", "done_by")
        .order_by("clearance__move_out_by", "clearance__student__student_id", "pk")
    )
    if q:
        items = items.filter(
            Q(clearance__student__student_id__startswith=q) | Q(clearance__student__name_latin__icontains=q)
        )
    return items


def clearance_overdue(*, user, today: date) -> QuerySet[Clearance]:
    """Leavers past their move-out day with items still open (HANDBOOK Leaving the University 5)."""
    return clearance_list(user=user, complete="no").filter(move_out_by__lt=today)


def clearances_for_batch(
    *, user, school_id: int | None = None, graduation_year: int | None = None, student_ids: list[str] | None = None
) -> QuerySet[Clearance]:
    """Completed clearances an admin may print, by school, graduation year or a list of student IDs."""
    clearances = Clearance.objects.visible_to(user).filter(completed_at__isnull=False)
    if school_id:
        clearances = clearances.filter(student__school_id=school_id)
    if graduation_year:
        clearances = clearances.filter(graduation_year=graduation_year)
    if student_ids:
        clearances = clearances.filter(student__student_id__in=student_ids)
    return clearances.order_by("student__school__code", "student__student_id")


# --- Student status -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEvent:
    at: datetime
    title: str
    detail: str
    state: str = ""


def status_changes_of(*, student) -> QuerySet[StatusChange]:
    decisions = StatusDecision.objects.select_related("by").order_by("at", "pk")
    return (
        StatusChange.objects.filter(student=student)
        .select_related("proof", "notice")
        .prefetch_related(Prefetch("decisions", queryset=decisions))
        .order_by("-created_at", "-pk")
    )


def status_change_get(*, user, pk: int) -> StatusChange | None:
    return (
        StatusChange.objects.filter(student__in=Student.objects.visible_to(user))
        .select_related("student__school", "student__user", "proof", "notice")
        .prefetch_related(Prefetch("decisions", queryset=StatusDecision.objects.select_related("by")))
        .filter(pk=pk)
        .first()
    )


def status_queue(*, user) -> list[StatusChange]:
    """Pending changes whose current step this user decides, oldest first."""
    from registration.permissions import can_decide_status_step

    pending = (
        StatusChange.objects.filter(state=StatusChangeState.PENDING, student__in=Student.objects.visible_to(user))
        .select_related("student__school", "proof")
        .order_by("created_at", "pk")
    )
    return [change for change in pending[:500] if can_decide_status_step(user, change)]


@dataclass(frozen=True)
class DecisionFlag:
    student: Student
    flag: str
    since: date
    # Flags the office may close by keeping the student (DecisionKept); the others close through their own workflow
    # (the two-week list's own decision, the academics referral, a withdrawal or dismissal).
    code: str = ""


KEEPABLE_FLAGS = ("not_resuming", "absent_without_leave", "must_apply_for_suspension")


def status_decision_list(*, user, today: date) -> list[DecisionFlag]:
    """Students the office must decide on: not resuming within 2 weeks after a suspension (Supplementary 32.V), the
    registration's two-week list still open (HANDBOOK Current Student Registration), the academics credit rule
    for being ordered to quit met (Supplementary 32.I-III) or a school's referral, and attendance (Supplementary
    32.VII; STATUS Art. 12)."""
    from django.utils.translation import gettext as _

    from registration import rules
    from registration.models import ListingOutcome, TwoWeekListing

    visible = Student.objects.visible_to(user)
    flags = []
    suspensions = (
        StatusChange.objects.filter(
            student__in=visible.filter(status="suspended"),
            kind=StatusChangeKind.SUSPENSION,
            state=StatusChangeState.APPROVED,
            last_day__lt=today - timedelta(days=rules.RESUMPTION_GRACE_DAYS),
        )
        .exclude(
            Exists(
                StatusChange.objects.filter(
                    student_id=OuterRef("student_id"),
                    kind=StatusChangeKind.RESUMPTION,
                    state=StatusChangeState.PENDING,
                )
            )
        )
        .select_related("student__school")
        .order_by("last_day")
    )
    for change in suspensions:
        flags.append(
            DecisionFlag(
                change.student,
                _("Did not apply to resume studies"),
                rules.resumption_deadline(change.last_day),
                "not_resuming",
            )
        )
    listings = TwoWeekListing.objects.filter(student__in=visible, outcome=ListingOutcome.OPEN).select_related(
        "student__school"
    )
    for listing in listings:
        flags.append(DecisionFlag(listing.student, str(listing.get_kind_display()), listing.listed_on))
    # Academics: the credit rule for being ordered to quit (Supplementary 32.I-III) is met; a person decides.
    from academics.selectors import credit_warnings

    for warning in credit_warnings(user=user, today=today):
        if warning.standing.must_quit:
            flags.append(
                DecisionFlag(warning.student, _("Too few credits: the rule for being ordered to quit is met"), today)
            )
    # Academics: a school referred the student for an ordered-to-quit decision; it stays until the office decides.
    from django.utils import timezone

    from academics.selectors import referrals_for_office

    decided = StatusChange.objects.filter(
        student_id=OuterRef("student_id"),
        kind__in=(StatusChangeKind.WITHDRAWAL, StatusChangeKind.DISMISSAL),
        created_at__gte=OuterRef("decided_at"),
    )
    for referral in referrals_for_office(students=visible).exclude(Exists(decided)):
        flags.append(
            DecisionFlag(
                referral.student,
                _("Referred by the school for an ordered-to-quit decision: %(flag)s")
                % {"flag": referral.get_kind_display()},
                timezone.localtime(referral.decided_at).date(),
            )
        )
    # Attendance: 2 weeks in succession without leave (Supplementary 32.VII), and over 4 weeks in the term without a
    # suspension applied for (STATUS Art. 12).
    from registration.services.attendance import attendance_of, attendance_term

    term = attendance_term(today)
    if term is not None:
        enrolled = visible.filter(status__in=("enrolled", "on_leave"))
        for attendance in attendance_of(students=enrolled, term=term).values():
            standing = attendance.standing
            if standing.without_leave_since is not None:
                flags.append(
                    DecisionFlag(
                        attendance.student,
                        _("Absent from classes 2 weeks in succession without leave"),
                        standing.without_leave_since,
                        "absent_without_leave",
                    )
                )
            if standing.over_four_weeks_since is not None and not attendance.applied_for_suspension:
                flags.append(
                    DecisionFlag(
                        attendance.student,
                        _("Absent over 4 weeks this term and no suspension applied for"),
                        standing.over_four_weeks_since,
                        "must_apply_for_suspension",
                    )
                )
    # The office decided to keep the student on this flag (the same flag from the same day): it is closed.
    from registration.models import DecisionKept

    kept = set(
        DecisionKept.objects.filter(student__in={flag.student.pk for flag in flags if flag.code}).values_list(
            "student_id", "flag", "since"
        )
    )
    flags = [flag for flag in flags if (flag.student.pk, flag.code, flag.since) not in kept]
    return sorted(flags, key=lambda flag: (flag.since, flag.student.student_id))


def status_timeline(*, student) -> list[TimelineEvent]:
    """The student's status history on one page: applications and every step, decisions, registrations, leaving."""
    from django.utils.translation import gettext as _

    from registration.models import SemesterRegistration

    events = []
    for change in status_changes_of(student=student):
        period = f"{change.first_day:%Y-%m-%d}" + (f" – {change.last_day:%Y-%m-%d}" if change.last_day else "")
        events.append(TimelineEvent(change.created_at, str(change.get_kind_display()), period, change.state))
        for decision in change.decisions.all():
            verdict = _("approved") if decision.approved else _("rejected")
            events.append(
                TimelineEvent(
                    decision.at,
                    f"{change.get_kind_display()}: {decision.step} {verdict}",
                    decision.reason,
                    "approved" if decision.approved else "rejected",
                )
            )
    for registration in SemesterRegistration.objects.filter(student=student).select_related("semester"):
        events.append(
            TimelineEvent(registration.registered_at, _("Registered"), registration.semester.localized_name())
        )
    for clearance in Clearance.objects.filter(student=student):
        events.append(
            TimelineEvent(clearance.created_at, _("Leaving-school procedure opened"), clearance.get_reason_display())
        )
        if clearance.completed_at:
            events.append(
                TimelineEvent(clearance.completed_at, _("Leaving-school procedure completed"), "", "approved")
            )
    return sorted(events, key=lambda event: event.at, reverse=True)
