"""The handbook's rules for semester registration, as pure functions.

Plain values in (dates, datetimes, small frozen dataclasses), values out or a ValueError; no ORM and no clock:
the caller passes `today` / `now`. Clause names are those of ../shared/handbook/RULES.md (registration/, residence/,
fees/): NOTICE, GUIDE, HANDBOOK.

Day arithmetic: "day N" is registration_day + N days. The handbook's "within two weeks after the specified deadline"
(zh: 逾期两周; Fees 2.2.1e: 超过…2周, "exceeding 2 weeks") is read inclusively: registering on day 14 is in time,
and a student still unregistered is listed from day 15.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

DEFAULT_DEFERRAL_LIMIT_DAYS = 14
DEFAULT_REMINDER_LEAD_DAYS = (3, 0)
PERMIT_EXTENSION_LEAD_DAYS = 30


# Handbook: Current Student Registration (Chinese Government and Confucius Institute scholarships).
SCHOLARSHIP_FUNDINGS_SIGNING_STATEMENT = frozenset({"csc", "confucius"})


class WindowState(StrEnum):
    NOT_SCHEDULED = "not_scheduled"
    NOT_YET_OPEN = "not_yet_open"
    OPEN = "open"
    CLOSED = "closed"


class ListKind(StrEnum):
    TO_BE_WITHDRAWN = "to_be_withdrawn"
    ADMISSION_FORFEITED = "admission_forfeited"


class DeskRefusal(StrEnum):
    BEFORE_REGISTRATION_DAY = "before_registration_day"
    PAST_LAST_DAY = "past_last_day"
    TUITION_UNPAID = "tuition_unpaid"


@dataclass(frozen=True)
class Listing:
    """A student on the two-week list, with the dates that put them there."""

    kind: ListKind
    registration_day: date
    last_day_to_register: date
    listed_from: date


@dataclass(frozen=True)
class DeskDecision:
    """Whether the desk may mark the student registered on a day, and why not."""

    allowed: bool
    refusal: DeskRefusal | None = None
    # The date the refusal refers to: the registration day (too early) or the last day to register (too late).
    refusal_date: date | None = None
    # Registering late without (or beyond) approved leave is allowed but counted as absence (truancy).
    late_without_leave: bool = False


@dataclass(frozen=True)
class PermitExpiryWarning:
    """A residence permit that ends before the semester does: a warning, not a refusal."""

    expires_on: date
    semester_ends_on: date
    apply_for_extension_by: date


def _check_limit(days: int, name: str) -> None:
    if days < 0:
        raise ValueError(f"{name} must not be negative (got {days}).")


def preregistration_window_state(
    *, opens_at: datetime | None, closes_at: datetime | None, now: datetime
) -> WindowState:
    """NOTICE: online pre-registration is open from opens_at (inclusive) until closes_at (exclusive)."""
    if opens_at is None or closes_at is None:
        return WindowState.NOT_SCHEDULED
    if closes_at <= opens_at:
        raise ValueError(f"The pre-registration window closes ({closes_at}) before it opens ({opens_at}).")
    if now < opens_at:
        return WindowState.NOT_YET_OPEN
    if now < closes_at:
        return WindowState.OPEN
    return WindowState.CLOSED


def last_day_to_register(
    *, registration_day: date, deferral_limit_days: int = DEFAULT_DEFERRAL_LIMIT_DAYS, leave_until: date | None = None
) -> date:
    """HANDBOOK Current Student Registration; Academic Rules 10: registration day + the limit, or the approved leave."""
    _check_limit(deferral_limit_days, "The deferral limit")
    last_day = registration_day + timedelta(days=deferral_limit_days)
    # Approved leave may run past the limit (force majeure, Academic Rules 7); it never shortens it.
    if leave_until is not None and leave_until > last_day:
        return leave_until
    return last_day


def two_week_listing(
    *,
    registration_day: date,
    today: date,
    registered_on: date | None,
    leave_until: date | None = None,
    is_new_student: bool = False,
    deferral_limit_days: int = DEFAULT_DEFERRAL_LIMIT_DAYS,
) -> Listing | None:
    """HANDBOOK Current Student Registration; New Student Registration 3: not registered in two weeks -> listed."""
    if registered_on is not None and registered_on > today:
        raise ValueError(f"The registration date {registered_on} is after today ({today}).")
    last_day = last_day_to_register(
        registration_day=registration_day, deferral_limit_days=deferral_limit_days, leave_until=leave_until
    )
    if registered_on is not None and registered_on <= last_day:
        return None
    listed_from = last_day + timedelta(days=1)
    # A registration after the last day (a staff override) does not take the student off the list: staff decide.
    if today < listed_from:
        return None
    return Listing(
        kind=ListKind.ADMISSION_FORFEITED if is_new_student else ListKind.TO_BE_WITHDRAWN,
        registration_day=registration_day,
        last_day_to_register=last_day,
        listed_from=listed_from,
    )


def desk_registration_decision(
    *,
    day: date,
    registration_day: date,
    tuition_paid: bool,
    leave_until: date | None = None,
    deferral_limit_days: int = DEFAULT_DEFERRAL_LIMIT_DAYS,
) -> DeskDecision:
    """HANDBOOK Current Student Registration, Academic Rules 10; Fees 1.2: only paid students, only in time."""
    if day < registration_day:
        return DeskDecision(allowed=False, refusal=DeskRefusal.BEFORE_REGISTRATION_DAY, refusal_date=registration_day)
    last_day = last_day_to_register(
        registration_day=registration_day, deferral_limit_days=deferral_limit_days, leave_until=leave_until
    )
    if day > last_day:
        return DeskDecision(allowed=False, refusal=DeskRefusal.PAST_LAST_DAY, refusal_date=last_day)
    if not tuition_paid:
        return DeskDecision(allowed=False, refusal=DeskRefusal.TUITION_UNPAID)
    late_without_leave = day > registration_day and (leave_until is None or day > leave_until)
    return DeskDecision(allowed=True, late_without_leave=late_without_leave)


def check_document_not_expired(*, expires_on: date, today: date) -> None:
    """GUIDE steps 2 and 6: an expiry date in the past is refused; a document is valid through its expiry day."""
    if expires_on < today:
        raise ValueError(f"The expiry date {expires_on} is in the past.")


def check_insurance_covers_semester(
    *, starts_on: date, ends_on: date, semester_starts_on: date, semester_ends_on: date
) -> None:
    """GUIDE step 4; residence/ Insurance: the insurance must be valid for the whole semester."""
    if ends_on < starts_on:
        raise ValueError(f"The insurance period ends ({ends_on}) before it starts ({starts_on}).")
    if starts_on > semester_starts_on:
        raise ValueError(
            f"The insurance starts on {starts_on}, after the semester starts ({semester_starts_on}); "
            "it must cover the whole semester."
        )
    if ends_on < semester_ends_on:
        raise ValueError(
            f"The insurance ends on {ends_on}, before the semester ends ({semester_ends_on}); "
            "it must cover the whole semester."
        )


def check_residence_permit(
    *,
    expires_on: date,
    today: date,
    semester_ends_on: date,
    extension_lead_days: int = PERMIT_EXTENSION_LEAD_DAYS,
) -> PermitExpiryWarning | None:
    """GUIDE step 6; residence/ Residence permit: expired is refused, ending before the semester ends is a warning."""
    _check_limit(extension_lead_days, "The extension lead time")
    check_document_not_expired(expires_on=expires_on, today=today)
    # Ending inside the semester is the normal case the visa-extension letter (GUIDE) exists for, so it is not refused.
    if expires_on < semester_ends_on:
        return PermitExpiryWarning(
            expires_on=expires_on,
            semester_ends_on=semester_ends_on,
            apply_for_extension_by=expires_on - timedelta(days=extension_lead_days),
        )
    return None


def registration_reminder_due(
    *, deadline: date, today: date, lead_days: tuple[int, ...] = DEFAULT_REMINDER_LEAD_DAYS
) -> int | None:
    """HANDBOOK Current Student Registration (issue 4 reminders): the latest lead time reached before the day is due."""
    for lead in lead_days:
        _check_limit(lead, "A reminder lead time")
    if today > deadline:
        return None
    # The smallest lead whose day has come: a beat run that missed a day still sends that reminder, and one
    # reminder per lead time (a model constraint) keeps a second run from sending it twice.
    reached = [lead for lead in lead_days if deadline - timedelta(days=lead) <= today]
    return min(reached) if reached else None


def academic_year_of(semester_code: str) -> str:
    """HANDBOOK Academic Rules 10: a semester code "2026-2027-2" belongs to the academic year "2026-2027"."""
    parts = semester_code.split("-")
    if len(parts) < 2 or not (parts[0].isdigit() and parts[1].isdigit()) or int(parts[1]) != int(parts[0]) + 1:
        raise ValueError(f"{semester_code!r} does not start with an academic year such as 2026-2027.")
    return f"{parts[0]}-{parts[1]}"


def scholarship_statement_required(*, funding: str, signed_years: set[str], academic_year: str) -> bool:
    """HANDBOOK Current Student Registration: CSC and Confucius Institute scholarship students sign the scholarship
    registration statement once per academic year."""
    return funding in SCHOLARSHIP_FUNDINGS_SIGNING_STATEMENT and academic_year not in signed_years


MAX_DEFERRAL_LIMIT_DAYS = 28


def check_semester_calendar(
    *,
    starts_on: date,
    ends_on: date,
    opens_at: datetime | None,
    closes_at: datetime | None,
    registration_day: date | None,
    deferral_limit_days: int,
) -> dict[str, str]:
    """NOTICE; HANDBOOK Academic Rules 10: a semester's registration calendar that can be right, as {field: why}.

    The window comes before or around the registration day, which falls in the semester's first weeks; the deferral
    limit is the handbook's two weeks by default, never negative and not beyond four weeks.
    """
    problems: dict[str, str] = {}
    if ends_on <= starts_on:
        problems["ends_on"] = f"The semester ends ({ends_on}) before it starts ({starts_on})."
    if (opens_at is None) != (closes_at is None):
        problems["preregistration_closes_at"] = "Give both the opening and the closing of pre-registration, or neither."
    elif opens_at is not None and closes_at <= opens_at:
        problems["preregistration_closes_at"] = f"Pre-registration closes ({closes_at}) before it opens ({opens_at})."
    if registration_day is not None:
        if opens_at is not None and registration_day < opens_at.date():
            problems["registration_day"] = (
                f"The registration day ({registration_day}) is before pre-registration opens ({opens_at.date()})."
            )
        elif registration_day > ends_on:
            problems["registration_day"] = f"The registration day ({registration_day}) is after the semester ends."
    if not 0 <= deferral_limit_days <= MAX_DEFERRAL_LIMIT_DAYS:
        problems["deferral_limit_days"] = (
            f"The deferral limit must be between 0 and {MAX_DEFERRAL_LIMIT_DAYS} days (the handbook's is 14)."
        )
    return problems


# --- Leaving the university: the clearance and the Leaving School Form ------------------------------------------


class LeavingReason(StrEnum):
    """Why a student leaves (HANDBOOK Leaving the University 2-3)."""

    GRADUATION = "graduation"
    COMPLETION = "completion"
    SUSPENSION = "suspension"
    WITHDRAWAL = "withdrawal"
    DISMISSAL = "dismissal"
    EXPULSION = "expulsion"


# Handbook: Leaving the University 2-3 - two weeks to move out after suspension, graduation or completion; one week
# after the notice for withdrawal, dismissal or expulsion.
MOVE_OUT_DAYS = {
    LeavingReason.GRADUATION: 14,
    LeavingReason.COMPLETION: 14,
    LeavingReason.SUSPENSION: 14,
    LeavingReason.WITHDRAWAL: 7,
    LeavingReason.DISMISSAL: 7,
    LeavingReason.EXPULSION: 7,
}


class ClearanceKind(StrEnum):
    """The items of the leaving-school checklist, in the order the form prints them (HANDBOOK Leaving; LEAVING)."""

    FEES = "fees"
    LIBRARY = "library"
    PROPERTY = "property"
    DORMITORY_KEYS = "dormitory_keys"
    SCHOOL = "school"
    RESIDENCE_PERMIT = "residence_permit"


# Which office signs which item. The portal has no library role: the clearance office signs for the library and
# for university property (RULES.md, People and roles: "Library / other clearance offices").
CLEARANCE_SIGNERS = {
    ClearanceKind.FEES: "finance",
    ClearanceKind.LIBRARY: "clearance",
    ClearanceKind.PROPERTY: "clearance",
    ClearanceKind.DORMITORY_KEYS: "dormitory",
    ClearanceKind.SCHOOL: "school_staff",
    ClearanceKind.RESIDENCE_PERMIT: "international_office",
}


def move_out_deadline(*, reason: str, effective_on: date) -> date:
    """The last day to move out of the university's housing.

    Handbook: Leaving the University 2-3 (2 weeks: suspension, graduation, completion; 1 week after the notice:
    withdrawal, dismissal, expulsion).
    """
    try:
        days = MOVE_OUT_DAYS[LeavingReason(reason)]
    except ValueError:
        raise ValueError(f"Unknown reason for leaving: {reason!r}") from None
    return effective_on + timedelta(days=days)


def clearance_kinds(*, on_campus: bool) -> tuple[ClearanceKind, ...]:
    """The checklist of a leaver: dormitory keys only for those who live on campus.

    Handbook: Leaving the University 1 (settle payments, library, university property, dormitory keys (on-campus),
    the school's procedure, residence permit / visa change at the exit-entry bureau).
    """
    return tuple(kind for kind in ClearanceKind if on_campus or kind != ClearanceKind.DORMITORY_KEYS)


def clearance_signer_role(kind: str) -> str:
    """The role of the office that signs this item off (HANDBOOK Leaving the University 1)."""
    return CLEARANCE_SIGNERS[ClearanceKind(kind)]


def fees_settled(balance: Decimal) -> bool:
    """Nothing owed on the ledger: the fees item completes itself (HANDBOOK Leaving 1; fees/ ledger)."""
    # Handbook: Leaving the University 1 - "settle all payments"; a credit (negative balance) owes nothing.
    return balance <= Decimal("0")


def library_online_allowed(*, owed: Decimal, books_out: int) -> bool:
    """The student may cancel the library card online only when no book fees are owed and no book is out.

    Handbook: LEAVING 2 ("If you don't owe any book fees, you can directly click on the button").
    """
    return owed <= Decimal("0") and books_out <= 0


def clearance_window_state(*, opens_on: date | None, closes_on: date | None, today: date) -> WindowState:
    """Whether the digital leaving-school system is open today; both days count (LEAVING 4: June 20 - July 3)."""
    if opens_on is None or closes_on is None:
        return WindowState.NOT_SCHEDULED
    if today < opens_on:
        return WindowState.NOT_YET_OPEN
    if today > closes_on:
        return WindowState.CLOSED
    return WindowState.OPEN


def leaving_form_printable(item_done: dict[str, bool]) -> bool:
    """The Leaving School Form prints only when every item is done (LEAVING 3: "only ... after all the procedures")."""
    return bool(item_done) and all(item_done.values())


# --- Student status: leave of absence, suspension, resumption, withdrawal -----------------------------------------


class LeaveStep(StrEnum):
    """Who approves a step of a leave of absence (HANDBOOK Academic Rules 13)."""

    ADVISER = "adviser"
    SCHOOL = "school"
    INTERNATIONAL_COLLEGE = "international_college"
    ACADEMIC_AFFAIRS = "academic_affairs"


# The portal's role that acts for each approver. Class advisers and tutors are their school's staff; the Office of
# Academic Affairs has no role of its own, so an administrator records its decision.
LEAVE_STEP_ROLES = {
    LeaveStep.ADVISER: "school_staff",
    LeaveStep.SCHOOL: "school_staff",
    LeaveStep.INTERNATIONAL_COLLEGE: "international_office",
    LeaveStep.ACADEMIC_AFFAIRS: "admin",
}


@dataclass(frozen=True)
class LeaveTierSpec:
    """One approval tier as staff set it: a leave fits when it is at most `max_days` days long, or ends before the
    same day `max_months` months after it starts; a tier with neither takes every length."""

    max_days: int | None
    max_months: int | None
    route: tuple[str, ...]


# Handbook: Academic Rules 13 - up to 1 week: class adviser and tutor; 1 week to 1 month: school and International
# College; over 1 month: Office of Academic Affairs. The defaults of the LeaveTier table.
DEFAULT_LEAVE_TIERS = (
    LeaveTierSpec(max_days=7, max_months=None, route=(LeaveStep.ADVISER,)),
    LeaveTierSpec(max_days=None, max_months=1, route=(LeaveStep.SCHOOL, LeaveStep.INTERNATIONAL_COLLEGE)),
    LeaveTierSpec(max_days=None, max_months=None, route=(LeaveStep.ACADEMIC_AFFAIRS,)),
)


def add_months(day: date, months: int) -> date:
    """The same day `months` later; a day the month lacks becomes its last day (Jan 31 + 1 month = Feb 28/29)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    first_of_next = date(year + month // 12, month % 12 + 1, 1)
    return date(year, month, min(day.day, (first_of_next - timedelta(days=1)).day))


def leave_length_days(first_day: date, last_day: date) -> int:
    """Days of leave, both ends counted (Monday to Sunday is 7 days)."""
    if last_day < first_day:
        raise ValueError("The leave cannot end before it starts.")
    return (last_day - first_day).days + 1


def leave_route(*, tiers, first_day: date, last_day: date) -> tuple[str, ...]:
    """The approval route of a leave by its length: the first tier it fits (HANDBOOK Academic Rules 13).

    Exactly 7 days is "up to 1 week"; exactly a month (the 1st to the last day of a month, or the 15th to the 14th
    of the next) is "1 week to 1 month"; one day more is "over 1 month".
    """
    days = leave_length_days(first_day, last_day)
    for tier in tiers:
        if tier.max_days is not None and days <= tier.max_days:
            return tuple(tier.route)
        if tier.max_months is not None and last_day < add_months(first_day, tier.max_months):
            return tuple(tier.route)
        if tier.max_days is None and tier.max_months is None:
            return tuple(tier.route)
    raise ValueError("No approval tier takes a leave this long.")


# Handbook: Academic Rules 29 - up to 1 year per approval, at most 2 years in all (settings may change them).
SUSPENSION_MAX_MONTHS_PER_APPROVAL = 12
SUSPENSION_MAX_MONTHS_TOTAL = 24
# Handbook: Supplementary 32.V - not applying to resume within 2 weeks after the suspension ends.
RESUMPTION_GRACE_DAYS = 14


def suspension_refusal(
    *,
    first_day: date,
    last_day: date,
    earlier_days: int,
    max_months_per_approval: int = SUSPENSION_MAX_MONTHS_PER_APPROVAL,
    max_months_total: int = SUSPENSION_MAX_MONTHS_TOTAL,
) -> str:
    """Why a suspension of these dates cannot be granted, or "" (HANDBOOK Academic Rules 29; STATUS Art. 18-19).

    The total is counted in days against the months limit as 365 days per 12 months.
    """
    if last_day < first_day:
        return "order"
    if last_day >= add_months(first_day, max_months_per_approval):
        return "per_approval"
    total = earlier_days + leave_length_days(first_day, last_day)
    if total > max_months_total * 365 // 12:
        return "total"
    return ""


def resumption_deadline(suspension_last_day: date) -> date:
    """The last day to apply for resumption (Supplementary 32.V: within 2 weeks after the suspension ends)."""
    return suspension_last_day + timedelta(days=RESUMPTION_GRACE_DAYS)


def resumption_needs_recovery_certificate(suspension_reason: str) -> bool:
    """Resuming after a suspension for illness needs a hospital's recovery certificate (Academic Rules 31)."""
    return suspension_reason in ("illness", "infectious_disease")


def sick_leave_needs_certificate(category: str) -> bool:
    """A sick leave needs a hospital certificate, Class A Grade 2 or above (Academic Rules 13)."""
    return category == "sick"


def phone_number_plausible(phone: str) -> bool:
    """GUIDE step 1 (notices go to this number): digits with the usual separators, 6 to 15 digits (E.164's most)."""
    allowed = set("0123456789+-() .")
    digits = sum(character.isdigit() for character in phone)
    return bool(phone) and set(phone) <= allowed and 6 <= digits <= 15 and "+" not in phone[1:]


class ResumptionTiming(StrEnum):
    IN_TIME = "in_time"
    LATE = "late"
    TOO_LATE = "too_late"


def resumption_timing(
    *, applied_on: date, term_starts_on: date, suspension_last_day: date, days_before_term: int = 0
) -> ResumptionTiming:
    """Whether a resumption application is in time for the term it resumes in.

    Handbook: Academic Rules 31 - resumption is applied for before the new term begins (STATUS Art. 20 asks for 4
    weeks before it: `days_before_term`, a setting, 0 by the handbook). Handbook: Supplementary 32.V - a student who
    has not applied within 2 weeks after the suspension ended is ordered to quit, whatever term is asked for: too
    late after that day. Before it, an application after the term began is taken as late (shown to the approvers).
    """
    if applied_on > resumption_deadline(suspension_last_day):
        return ResumptionTiming.TOO_LATE
    if applied_on < term_starts_on - timedelta(days=days_before_term):
        return ResumptionTiming.IN_TIME
    return ResumptionTiming.LATE


# --- Attendance -----------------------------------------------------------------------------------------------------
# Weeks of class are counted in class days, Monday to Friday: a weekend neither breaks nor lengthens an absence, so
# the count does not depend on whether the school typed Monday-Friday or Monday-Sunday. (No public-holiday calendar
# yet: a holiday inside an absence counts as a class day missed.)
CLASS_DAYS_PER_WEEK = 5
# Handbook: Supplementary 32.VII; STATUS Art. 21.VI - absent from classes 2 weeks in succession without leave.
ABSENCE_WITHOUT_LEAVE_CLASS_DAYS = 2 * CLASS_DAYS_PER_WEEK
# STATUS Art. 12 - absent from class for more than 4 weeks in one semester: must apply for suspension (and Art. 18.I:
# leave of more than 4 weeks is a case for suspension, so approved leave counts too).
ABSENCE_SUSPENSION_CLASS_DAYS = 4 * CLASS_DAYS_PER_WEEK


class AttendanceFlag(StrEnum):
    ABSENT_WITHOUT_LEAVE = "absent_without_leave"
    MUST_APPLY_FOR_SUSPENSION = "must_apply_for_suspension"


@dataclass(frozen=True)
class Period:
    """Days from first to last, both included."""

    first: date
    last: date

    def __post_init__(self):
        if self.last < self.first:
            raise ValueError("A period cannot end before it starts.")


@dataclass(frozen=True)
class AttendanceStanding:
    days_absent: int  # class days, recorded absences and approved leave together
    longest_without_leave: int  # class days in succession
    # The class day each flag was reached (None: not reached); for the 2 weeks, by the latest run that reached them.
    without_leave_since: date | None
    over_four_weeks_since: date | None

    @property
    def flags(self) -> tuple[AttendanceFlag, ...]:
        found = []
        if self.without_leave_since is not None:
            found.append(AttendanceFlag.ABSENT_WITHOUT_LEAVE)
        if self.over_four_weeks_since is not None:
            found.append(AttendanceFlag.MUST_APPLY_FOR_SUSPENSION)
        return tuple(found)


def is_class_day(day: date) -> bool:
    return day.weekday() < CLASS_DAYS_PER_WEEK


def next_class_day(day: date) -> date:
    day += timedelta(days=1)
    while not is_class_day(day):
        day += timedelta(days=1)
    return day


def _class_days_of(periods, *, first: date, last: date) -> set[date]:
    days: set[date] = set()
    for period in periods:
        start, end = max(period.first, first), min(period.last, last)
        days.update(
            day for day in (start + timedelta(days=n) for n in range((end - start).days + 1)) if is_class_day(day)
        )
    return days


def attendance_standing(
    absences, excused=(), *, on_leave=(), term_starts_on: date, term_ends_on: date
) -> AttendanceStanding:
    """A student's attendance in one term.

    `absences`: the days the school recorded as absent; `excused`: periods in which an absence is not "without
    leave" (leave approved or asked for, an approved suspension or deferred registration); `on_leave`: approved
    leave of absence, which counts towards the 4 weeks with the recorded absences. Only class days inside the term
    count; overlapping records count once. The 2 weeks are reached on the 10th class day in succession absent
    without leave (a day excused, or a class day attended, breaks the run); the 4 weeks are passed on the 21st class
    day absent.
    """
    bounds = {"first": term_starts_on, "last": term_ends_on}
    recorded = _class_days_of(absences, **bounds)
    excused_days = _class_days_of(excused, **bounds)
    longest = run = 0
    without_leave_since = None
    previous = None
    for day in sorted(recorded):
        if day in excused_days:
            run = 0
        else:
            run = run + 1 if run and previous is not None and day == next_class_day(previous) else 1
            if run == ABSENCE_WITHOUT_LEAVE_CLASS_DAYS:
                # The latest run that reached 2 weeks: a second one is a new case for the office.
                without_leave_since = day
            longest = max(longest, run)
        previous = day
    absent = sorted(recorded | _class_days_of(on_leave, **bounds))
    over = absent[ABSENCE_SUSPENSION_CLASS_DAYS] if len(absent) > ABSENCE_SUSPENSION_CLASS_DAYS else None
    return AttendanceStanding(len(absent), longest, without_leave_since, over)
