"""The onsite check-in desk: what staff check when a student comes, and the stamp that registers them.

Handbook: NOTICE (onsite registration); Current Student Registration; Academic Rules 10; Fees 1.2.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fees.selectors import TuitionStatus, tuition_status_for
from portal import services as portal_services
from portal.audit import audit_record
from portal.models import Evidence, EvidenceKind, ReviewState, Semester, Student, StudentStatus, User
from portal.services import ConflictError
from registration import rules
from registration.models import (
    FormStatus,
    ItemKind,
    ItemState,
    LeaveState,
    ListingOutcome,
    RegistrationForm,
    RegistrationLeave,
    SemesterRegistration,
    TwoWeekListing,
)
from registration.permissions import can_register_at_desk

# How long after the two weeks the desk still serves a semester, for students on approved leave.
LEAVE_MARGIN_DAYS = 30


@dataclass(frozen=True)
class DeskCheck:
    """One line of what the desk checks: what the portal holds, and whether it is in order."""

    label: str
    value: str
    ok: bool
    note: str = ""


@dataclass
class DeskView:
    """Everything the desk shows for one student, and whether the stamp may be given today."""

    student: Student
    semester: Semester
    form: RegistrationForm | None
    tuition: TuitionStatus
    leave: RegistrationLeave | None
    registration: SemesterRegistration | None
    photo: Evidence | None
    decision: rules.DeskDecision
    checks: list[DeskCheck] = field(default_factory=list)
    refusal: str = ""

    @property
    def can_register(self) -> bool:
        return self.registration is None and not self.refusal


def desk_semester(*, today: date | None = None) -> Semester | None:
    """The semester whose registration the desk is taking: the one whose registration period (registration day
    to last day, with room for approved leave) is running, else the next to come (so the desk can say it is too
    early), else the last one."""
    today = today or timezone.localdate()
    semesters = Semester.objects.filter(registration_day__isnull=False)
    recent = semesters.filter(registration_day__lte=today).order_by("-registration_day").first()
    upcoming = semesters.filter(registration_day__gt=today).order_by("registration_day").first()
    if recent is not None:
        # Approved leave may run past the two weeks (force majeure): the desk stays on the semester a while longer.
        period_ends = recent.registration_day + timedelta(days=recent.deferral_limit_days + LEAVE_MARGIN_DAYS)
        if today <= period_ends or upcoming is None:
            return recent
    return upcoming


def _approved_leave(student: Student, semester: Semester) -> RegistrationLeave | None:
    return (
        RegistrationLeave.objects.filter(student=student, semester=semester, state=LeaveState.APPROVED)
        .order_by("-approved_until")
        .first()
    )


def _kept_on_the_list(student: Student, semester: Semester) -> bool:
    return TwoWeekListing.objects.filter(student=student, semester=semester, outcome=ListingOutcome.KEPT).exists()


def _refusal_text(decision: rules.DeskDecision, tuition: TuitionStatus) -> str:
    if decision.allowed:
        return ""
    if decision.refusal == rules.DeskRefusal.BEFORE_REGISTRATION_DAY:
        return _("Registration starts on %(date)s.") % {"date": decision.refusal_date}
    if decision.refusal == rules.DeskRefusal.PAST_LAST_DAY:
        return _("The last day to register was %(date)s. The student is on the two-week list; the office decides.") % {
            "date": decision.refusal_date
        }
    # Handbook: Fees 1.2 — registration only once the year's tuition is paid.
    return _("Tuition is not paid: %(why)s The student pays at the finance office first.") % {
        "why": tuition.explanation
    }


def desk_view(*, student: Student, semester: Semester, user: User, today: date | None = None) -> DeskView:
    """What the desk shows for a student: the approved data to check against the documents, and the decision."""
    if not can_register_at_desk(user):
        raise PermissionDenied(_("You do not work at the registration desk."))
    today = today or timezone.localdate()
    form = (
        RegistrationForm.objects.filter(student=student, semester=semester)
        .select_related("permit_scan", "passport_scan")
        .prefetch_related("items")
        .first()
    )
    tuition = tuition_status_for(students=[student], semester=semester)[student.pk]
    leave = _approved_leave(student, semester)
    registration = (
        SemesterRegistration.objects.filter(student=student, semester=semester).select_related("registered_by").first()
    )
    decision = rules.desk_registration_decision(
        day=today,
        registration_day=semester.registration_day,
        tuition_paid=tuition.paid,
        leave_until=leave.approved_until if leave else None,
        deferral_limit_days=semester.deferral_limit_days,
    )
    # Staff who kept a listed student let the desk register them after the last day (late, without leave).
    if decision.refusal == rules.DeskRefusal.PAST_LAST_DAY and _kept_on_the_list(student, semester):
        decision = rules.DeskDecision(
            allowed=tuition.paid,
            refusal=None if tuition.paid else rules.DeskRefusal.TUITION_UNPAID,
            late_without_leave=True,
        )
    photo = (
        # Only a photo page the office approved: a rejected upload may not even show the student.
        Evidence.objects.filter(
            student=student,
            kind=EvidenceKind.PASSPORT_PAGE,
            state=ReviewState.APPROVED,
            content_type__startswith="image/",
            purged_at__isnull=True,
        )
        .order_by("-uploaded_at")
        .first()
    )
    view = DeskView(
        student=student,
        semester=semester,
        form=form,
        tuition=tuition,
        leave=leave,
        registration=registration,
        photo=photo,
        decision=decision,
    )
    view.checks = _desk_checks(view, today=today)
    view.refusal = _refusal_text(decision, tuition)
    if not view.refusal and student.status == StudentStatus.LEFT:
        view.refusal = _("The student has left the university (%(date)s).") % {"date": student.left_on or "—"}
    elif not view.refusal and student.status == StudentStatus.SUSPENDED:
        # Handbook: Academic Rules 28-30 — a suspended student comes back through resumption, not the desk.
        view.refusal = _("The student's studies are suspended; they apply for resumption first.")
    return view


def _desk_checks(view: DeskView, *, today: date) -> list[DeskCheck]:
    """Passport, permit, pre-registration and tuition, each against the data staff approved."""
    student, form = view.student, view.form
    items = {item.kind: item for item in form.items.all()} if form else {}
    passport_item = items.get(ItemKind.PASSPORT)
    passport_approved = passport_item is not None and passport_item.state == ItemState.APPROVED
    # A new passport counts once staff approved it; until then the one on record is what the student must show.
    if passport_approved and form.passport_changed:
        passport_number, passport_expires = form.new_passport_number, form.new_passport_expires_on
    else:
        passport_number, passport_expires = student.passport_number, student.passport_expires_on
    checks = [
        DeskCheck(
            label=_("Passport"),
            value=_("%(number)s, valid until %(date)s") % {"number": passport_number, "date": passport_expires},
            ok=passport_expires is not None and passport_expires >= today,
            note="" if passport_expires and passport_expires >= today else _("The passport has expired."),
        )
    ]
    permit_item = items.get(ItemKind.PERMIT)
    if form is not None and form.in_china:
        permit_ok = permit_item is not None and permit_item.state == ItemState.APPROVED
        expired = form.permit_expires_on is not None and form.permit_expires_on < today
        note = ""
        if not permit_ok:
            note = _("The permit page has not been approved yet.")
        elif expired:
            note = _("The residence permit has expired.")
        elif form.permit_expires_on and form.permit_expires_on < view.semester.ends_on:
            note = _("Expires during the semester: the student applies for an extension with the visa letter.")
        checks.append(
            DeskCheck(
                label=_("Residence permit"),
                value=_("%(number)s, valid until %(date)s")
                % {"number": form.permit_number or "—", "date": form.permit_expires_on or "—"},
                ok=permit_ok and not expired,
                note=note,
            )
        )
    checks.append(
        DeskCheck(
            label=_("Online pre-registration"),
            value=form.get_status_display() if form else _("Not filled in"),
            ok=form is not None and form.status == FormStatus.APPROVED,
            note="" if form is not None and form.status == FormStatus.APPROVED else _("Not approved yet."),
        )
    )
    checks.append(DeskCheck(label=_("Tuition"), value=view.tuition.explanation, ok=view.tuition.paid))
    if view.leave is not None:
        checks.append(
            DeskCheck(
                label=_("Leave of registration"),
                value=_("Approved until %(date)s") % {"date": view.leave.approved_until},
                ok=True,
            )
        )
    return checks


def semester_register_at_desk(
    *, student: Student, semester: Semester, staff: User, documents_checked: bool, today: date | None = None
) -> SemesterRegistration:
    """Mark the student registered for the semester: the desk's stamp. Refused, with the reason, when the handbook
    says no (too early, too late, tuition unpaid); a second stamp says who gave the first."""
    if not documents_checked:
        raise ValidationError(
            {"documents_checked": _("Check the passport and residence permit against the details shown first.")}
        )
    today = today or timezone.localdate()
    with transaction.atomic():
        # One desk at a time per student: a second desk waits here and then finds the first stamp.
        student = Student.objects.select_for_update().select_related("user").get(pk=student.pk)
        view = desk_view(student=student, semester=semester, user=staff, today=today)
        if view.registration is not None:
            raise ConflictError(
                _("Already registered by %(who)s at %(when)s.")
                % {
                    "who": view.registration.registered_by.display_name(),
                    "when": timezone.localtime(view.registration.registered_at).strftime("%Y-%m-%d %H:%M"),
                }
            )
        if view.refusal:
            raise ValidationError(view.refusal)
        checked = {check.label: check.value for check in view.checks}
        try:
            with transaction.atomic():
                registration = SemesterRegistration.objects.create(
                    student=student,
                    semester=semester,
                    registered_by=staff,
                    late_without_leave=view.decision.late_without_leave,
                    leave=view.leave,
                    checked={str(k): str(v) for k, v in checked.items()},
                )
        except IntegrityError as exc:  # pragma: no cover - the row lock above makes this a last resort
            raise ConflictError(_("The student was registered at another desk just now.")) from exc
        audit_record(
            actor=staff,
            action="registration.registered_at_desk",
            target=registration,
            student=student,
            changes={"late_without_leave": [None, registration.late_without_leave]},
        )
        portal_services.notify(
            user=student.user,
            template="registration/email/registered",
            context={"student": student, "semester": semester, "registration": registration},
            url="/registration/",
        )
    return registration
