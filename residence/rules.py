"""The handbook's residence, visa, passport and insurance rules, as pure functions.

Plain values in (dates, datetimes, small frozen dataclasses), values out or a ValueError; no ORM and no clock:
the caller passes `today`. Clause names are those of ../shared/handbook/RULES.md (residence/) and of the
handbook's chapter "Physical Check-up, Residence Permit & Visa" (HANDBOOK Residence N), "Insurance and Medical
Treatment" (HANDBOOK Insurance N) and "Off-campus Dwelling" (HANDBOOK Dwelling III).

Day arithmetic: "within N days of X" is read as "no later than X + N days" (entry on 1 March, permit applied for on
31 March is in time); "N days prior to Y" is "no later than Y - N days". A due date is the last day on which the
student is still in time; the day after it the obligation is overdue.
"""

import itertools
from calendar import monthrange
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

# Handbook: Residence 1 (X1: within 30 days of entry).
PERMIT_APPLICATION_DAYS = 30
# Handbook: Residence 1 (X2: a visa extension 7 days prior to the end of the permitted stay).
STAY_EXTENSION_DAYS = 7
# Handbook: Residence 4 (extension applied for within 30 days prior to the permit's expiry).
PERMIT_EXTENSION_DAYS = 30
# Handbook: Residence 3 (a change of permit data reported within 10 days after it takes place).
CHANGE_REPORT_DAYS = 10
# Handbook: Residence 2 (a transfer from another city: move-in formalities within 10 days of arrival).
TRANSFER_REPORT_DAYS = 10
# Handbook: Security pledge 3; Dwelling III.2 (police registration within 24 hours after move-in).
POLICE_REGISTRATION_HOURS = 24
# Handbook: Physical Check-up (students staying more than 6 months); Residence 8 (6).
PHYSICAL_EXAM_MIN_STAY_MONTHS = 6
# Residence permits are issued only within the passport's validity, so the office asks for a new passport once fewer
# than 6 months are left (issue 5, "passport expiring within 6 months").
PASSPORT_VALIDITY_MARGIN_MONTHS = 6
# Handbook: Residence 4 (a residence permit may be extended up to one year at a time).
MAX_EXTENSION_MONTHS = 12

# Reminders go out 60, 30, 14, 7 and 1 days before a due date, and once when it has passed (issue 5).
DEFAULT_LEAD_DAYS: tuple[int, ...] = (60, 30, 14, 7, 1)
# The lead of the reminder sent once a due date has passed (stored in the same column as the day counts).
OVERDUE = -1


class VisaType(StrEnum):
    X1 = "x1"
    X2 = "x2"
    OTHER = "other"


class Obligation(StrEnum):
    """What a student must do by a date; each kind is computed by one rule below."""

    PERMIT_APPLICATION = "permit_application"
    PHYSICAL_EXAM = "physical_exam"
    STAY_EXTENSION = "stay_extension"
    PERMIT_EXTENSION = "permit_extension"
    CHANGE_REPORT = "change_report"
    INSURANCE_RENEWAL = "insurance_renewal"
    PASSPORT_RENEWAL = "passport_renewal"


# The obligations that are extensions handled by the Exit-Entry office, which does not handle them in vacations.
EXTENSIONS = frozenset({Obligation.STAY_EXTENSION, Obligation.PERMIT_EXTENSION})


def _months_back(day: date, months: int) -> date:
    """The same day `months` earlier, or that month's last day when it is shorter (31 August - 6 months = 28/29 Feb)."""
    total = day.year * 12 + (day.month - 1) - months
    year, month = divmod(total, 12)
    month += 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def _months_forward(day: date, months: int) -> date:
    return _months_back(day, -months)


# --- The five deadline rules the office's own checks call ---------------------------------------------------------


def residence_permit_due(entry_date: date) -> date:
    """HANDBOOK Residence 1: an X1 holder applies for the residence permit within 30 days from the date of entry."""
    # Handbook: Residence 1
    return entry_date + timedelta(days=PERMIT_APPLICATION_DAYS)


def stay_extension_due(stay_ends: date) -> date:
    """HANDBOOK Residence 1: an X2 holder secures a visa extension 7 days prior to the end of the permitted stay."""
    # Handbook: Residence 1
    return stay_ends - timedelta(days=STAY_EXTENSION_DAYS)


def permit_extension_due(permit_expires: date) -> date:
    """HANDBOOK Residence 4: an extension is applied for at least 30 days before the residence permit expires."""
    # Handbook: Residence 4
    return permit_expires - timedelta(days=PERMIT_EXTENSION_DAYS)


def change_report_due(changed_on: date) -> date:
    """HANDBOOK Residence 3: a change of any item on the residence permit is reported within 10 days."""
    # Handbook: Residence 3
    return changed_on + timedelta(days=CHANGE_REPORT_DAYS)


def police_registration_due(moved_in_at: datetime) -> datetime:
    """HANDBOOK Security pledge 3; Dwelling III.2: off-campus police registration within 24 hours after move-in."""
    # Handbook: Dwelling III.2
    return moved_in_at + timedelta(hours=POLICE_REGISTRATION_HOURS)


# --- The other rules the reminder engine needs --------------------------------------------------------------------


def transfer_report_due(arrived_on: date) -> date:
    """HANDBOOK Residence 2: a student transferring from another city moves in within 10 days of arrival."""
    # Handbook: Residence 2
    return arrived_on + timedelta(days=TRANSFER_REPORT_DAYS)


def visa_stay_ends(entry_date: date, permitted_stay_days: int) -> date:
    """HANDBOOK Residence 1: the last day of the duration of stay a visa permits.

    The duration of stay is counted from the day after entry (the Exit-Entry Administration's practice), so an X2
    visa of 30 days entered on 1 March allows a stay through 31 March.
    """
    if permitted_stay_days <= 0:
        raise ValueError(f"A visa's permitted stay must be at least one day (got {permitted_stay_days}).")
    return entry_date + timedelta(days=permitted_stay_days)


def needs_physical_exam(*, visa_type: str, planned_stay_months: int | None = None) -> bool:
    """HANDBOOK Physical Check-up; Residence 8 (6): students who study for more than 6 months need a verification.

    An X1 visa is the visa for study longer than 180 days, so its holders always need one; for others the planned
    stay decides when it is known.
    """
    # Handbook: Physical Check-up
    if visa_type == VisaType.X1:
        return True
    return planned_stay_months is not None and planned_stay_months > PHYSICAL_EXAM_MIN_STAY_MONTHS


def passport_renewal_due(passport_expires: date) -> date:
    """Issue 5; HANDBOOK Residence 6: the day from which the passport has fewer than 6 months left (new one needed)."""
    return _months_back(passport_expires, PASSPORT_VALIDITY_MARGIN_MONTHS)


def insurance_renewal_due(*, insurance_ends: date | None, semester_starts: date, semester_ends: date) -> date | None:
    """HANDBOOK Insurance 6; RULES residence/ Insurance: insurance valid for the whole semester, or renewed in time.

    None when the insurance covers the semester; the insurance's last day when it ends inside the semester (the
    renewal must start the next day); the semester's first day when there is no insurance at all.
    """
    if semester_ends < semester_starts:
        raise ValueError(f"The semester ends ({semester_ends}) before it starts ({semester_starts}).")
    if insurance_ends is None:
        return semester_starts
    if insurance_ends >= semester_ends:
        return None
    return insurance_ends


def extension_end_limit(permit_expires: date) -> date:
    """HANDBOOK Residence 4: a residence permit may be extended up to one year at a time."""
    return _months_forward(permit_expires, MAX_EXTENSION_MONTHS)


@dataclass(frozen=True)
class Term:
    """A semester's teaching period (first and last day, inclusive); the gaps between terms are vacations."""

    starts_on: date
    ends_on: date


def vacation_containing(day: date, terms: Iterable[Term]) -> tuple[date, date] | None:
    """The vacation (first and last day) `day` falls in: a gap between two terms of the calendar, or None.

    Days before the first known term or after the last are not called vacations: the calendar says nothing there.
    """
    ordered = sorted(terms, key=lambda term: term.starts_on)
    for term in ordered:
        if term.ends_on < term.starts_on:
            raise ValueError(f"A term ends ({term.ends_on}) before it starts ({term.starts_on}).")
    for before, after in itertools.pairwise(ordered):
        if before.ends_on < day < after.starts_on:
            return before.ends_on + timedelta(days=1), after.starts_on - timedelta(days=1)
    return None


def apply_before_vacation(due: date, terms: Iterable[Term]) -> date:
    """HANDBOOK Residence 4: visa matters are not handled in vacations, so a due date in a vacation moves to the
    last day of term before it (the student applies before the vacation starts)."""
    # Handbook: Residence 4 ("not handled during vacations")
    vacation = vacation_containing(due, terms)
    if vacation is None:
        return due
    return vacation[0] - timedelta(days=1)


@dataclass(frozen=True)
class Deadline:
    """One obligation's dates: the handbook's due date and the day to act by (earlier when it falls in a vacation)."""

    obligation: Obligation
    legal_due: date
    due: date

    @property
    def moved_for_vacation(self) -> bool:
        return self.due != self.legal_due


def deadline(obligation: Obligation, legal_due: date, terms: Sequence[Term] = ()) -> Deadline:
    """The Deadline of an obligation: extensions due in a vacation move before it (HANDBOOK Residence 4)."""
    due = apply_before_vacation(legal_due, terms) if obligation in EXTENSIONS else legal_due
    return Deadline(obligation=Obligation(obligation), legal_due=legal_due, due=due)


def reminder_lead(*, due: date, today: date, lead_days: Sequence[int] = DEFAULT_LEAD_DAYS) -> int | None:
    """Issue 5 reminders: which reminder is due today for a due date: a lead in days, OVERDUE, or None.

    The smallest lead whose day has come is the one to send, so a job that ran late (or not at all for a week)
    sends the reminder that is true now and not a stale "60 days left". Once the due date has passed it is OVERDUE.
    """
    for lead in lead_days:
        if lead < 1:
            raise ValueError(f"A reminder lead time must be at least one day (got {lead}).")
    if today > due:
        return OVERDUE
    reached = [lead for lead in lead_days if due - timedelta(days=lead) <= today]
    return min(reached) if reached else None


def days_left(*, due: date, today: date) -> int:
    """Days from today to the due date (negative when overdue)."""
    return (due - today).days


class Bucket(StrEnum):
    """The compliance board's columns."""

    OVERDUE = "overdue"
    DUE_7 = "due_7"
    DUE_30 = "due_30"
    DUE_60 = "due_60"
    LATER = "later"


def board_bucket(*, due: date, today: date) -> Bucket:
    """The board's column for a due date: overdue, within 7, 30 or 60 days, or later."""
    left = days_left(due=due, today=today)
    if left < 0:
        return Bucket.OVERDUE
    if left <= 7:
        return Bucket.DUE_7
    if left <= 30:
        return Bucket.DUE_30
    if left <= 60:
        return Bucket.DUE_60
    return Bucket.LATER


def check_record_dates(*, issued_on: date | None, expires_on: date | None, today: date) -> None:
    """A passport or permit: issued no later than today and expiring after it was issued."""
    if issued_on is not None and issued_on > today:
        raise ValueError(f"The issue date {issued_on} is in the future.")
    if issued_on is not None and expires_on is not None and expires_on <= issued_on:
        raise ValueError(f"The expiry date {expires_on} is not after the issue date {issued_on}.")


def check_entry(*, entry_date: date, today: date, visa_type: str, permitted_stay_days: int | None) -> None:
    """A visa record: the entry is not in the future and an X2 visa states its permitted stay (HANDBOOK Residence 1)."""
    if entry_date > today:
        raise ValueError(f"The entry date {entry_date} is in the future.")
    if visa_type == VisaType.X2 and not permitted_stay_days:
        raise ValueError("An X2 visa states the permitted duration of stay.")
    if permitted_stay_days is not None and permitted_stay_days < 0:
        raise ValueError("The permitted duration of stay cannot be negative.")


def check_insurance_period(*, starts_on: date, ends_on: date) -> None:
    """An insurance period ends after it starts."""
    if ends_on < starts_on:
        raise ValueError(f"The insurance ends ({ends_on}) before it starts ({starts_on}).")


# --- Certification letters (HANDBOOK Residence 4 and 8) -------------------------------------------------------------


class LetterPurpose(StrEnum):
    """What the International College's certification letter is for."""

    PERMIT_EXTENSION = "permit_extension"
    NEW_PERMIT = "new_permit"


class LetterRefusal(StrEnum):
    """Why a certification letter cannot be issued (the services word each one for the student)."""

    NOT_ENROLLED = "not_enrolled"
    LEAVING = "leaving"
    NO_PERMIT = "no_permit"
    PERMIT_EXPIRED = "permit_expired"


def letter_refusal(
    *, purpose: str, enrolled: bool, leaving: bool, permit_expires: date | None, today: date
) -> LetterRefusal | None:
    """HANDBOOK Residence 4 and 8: whether the International College may certify a student for this purpose.

    1. Only an enrolled student is certified: the letter states that the student studies here.
    2. An extension letter needs a residence permit on record that has not yet expired (an expired permit is illegal
       residence, handled in person, not by an extension), and is refused to a student who is to leave the
       university: "No extension will be possible for students who are to leave the university for graduation or
       completion of their course of study."
    3. A letter for a new permit (HANDBOOK Residence 8 (1), the first document on the checklist) needs nothing more.
    """
    if purpose not in {member.value for member in LetterPurpose}:
        raise ValueError(f"Unknown letter purpose {purpose!r}.")
    if not enrolled:
        return LetterRefusal.NOT_ENROLLED
    if purpose == LetterPurpose.PERMIT_EXTENSION:
        # Handbook: Residence 4 ("No extension will be possible for students who are to leave the university")
        if leaving:
            return LetterRefusal.LEAVING
        if permit_expires is None:
            return LetterRefusal.NO_PERMIT
        if permit_expires < today:
            return LetterRefusal.PERMIT_EXPIRED
    return None


def letter_number(*, year: int, serial: int) -> str:
    """A certification letter's number: the year of issue and the letter's place in that year's series."""
    if serial < 1:
        raise ValueError(f"A letter's serial number starts at 1 (got {serial}).")
    return f"IC-RES-{year}-{serial:05d}"
