"""The handbook's fee rules, as pure functions.

Source: HANDBOOK Regulations on the Payment and Refund of Tuition and Fees for Self-funded International Students
(digest in ../shared/handbook/RULES.md, fees/). Plain values in, values out or a ValueError; no ORM, no clock.
Every amount is RMB as a Decimal rounded half up to 0.01 (1.1.1).
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

DEGREE = "degree"
NON_DEGREE = "non_degree"
PROGRAMS = frozenset({DEGREE, NON_DEGREE})

# Handbook: fees/ 2.1 and Current Student Registration: Chinese Government and Confucius Institute scholarships
# fund the tuition; only self-funded students pay it.
SCHOLARSHIP_FUNDINGS = frozenset({"csc", "confucius"})

_SEMESTER_CODE = re.compile(r"^(?P<start>\d{4})-(?P<end>\d{4})-(?P<term>\d+)$")


def money(value) -> Decimal:
    """An amount as RMB Decimal rounded half up to the fen (Handbook: fees/ 1.1.1)."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def academic_year_of(semester_code: str) -> str:
    """The academic year ("2026-2027") of a semester code such as "2026-2027-1" (HANDBOOK Academic Rules 10)."""
    match = _SEMESTER_CODE.match(semester_code or "")
    if not match or int(match["end"]) != int(match["start"]) + 1:
        raise ValueError(f"Semester code {semester_code!r} is not of the form YYYY-YYYY-N with consecutive years.")
    return f"{match['start']}-{match['end']}"


def term_of(semester_code: str) -> int:
    """The term number of a semester code: 1 is the autumn (first long) semester, 2 the spring one."""
    academic_year_of(semester_code)
    return int(semester_code.rsplit("-", 1)[1])


def program_of(degree_level: str) -> str:
    """Handbook: fees/ 1.2.1-1.2.2: non-degree (language) students pay by semester, everyone else by academic year."""
    return NON_DEGREE if degree_level == NON_DEGREE else DEGREE


def tuition_is_by_year(program: str) -> bool:
    """Handbook: fees/ 1.2.1 (degree: once for the whole academic year), 1.2.2 (non-degree: once per semester)."""
    if program not in PROGRAMS:
        raise ValueError(f"Unknown programme type {program!r}; expected 'degree' or 'non_degree'.")
    return program == DEGREE


def tuition_covered_by_scholarship(funding: str) -> bool:
    """CSC and Confucius Institute scholarship students' tuition is paid by the scholarship, not by the student."""
    return funding in SCHOLARSHIP_FUNDINGS


@dataclass(frozen=True)
class Settlement:
    paid: bool
    balance: Decimal


def tuition_settlement(*, charged: Decimal, balance: Decimal) -> Settlement:
    """Handbook: fees/ 1.2: tuition is paid when it has been billed and nothing of it is left owing.

    `charged` is the sum of the period's tuition charges (net of reversals), `balance` what is still owed on them.
    With nothing billed there is nothing the student could have paid, so the tuition does not count as paid.
    """
    balance = money(balance)
    return Settlement(paid=money(charged) > ZERO and balance <= ZERO, balance=balance)


def _non_negative(value, name: str) -> Decimal:
    if isinstance(value, bool) or value is None:
        raise ValueError(f"{name} must be an amount in RMB, not {value!r}.")
    try:
        # A float goes through its shortest text form, so 0.1 is 0.1 and not 0.1000000000000000055...
        amount = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    except (ArithmeticError, TypeError, ValueError):
        raise ValueError(f"{name} must be an amount in RMB, not {value!r}.") from None
    if not amount.is_finite():
        raise ValueError(f"{name} must be a finite amount, not {value!r}.")
    if amount < 0:
        raise ValueError(f"{name} cannot be negative ({amount}).")
    return amount


# Handbook: fees/ 1.2 "Failure to pay tuition and other payable fees two weeks after the registration day will lead
# to the cancelation of student status." Read inclusively like registration/rules.py: paying on day 14 is in time.
UNPAID_GRACE_DAYS = 14


def unpaid_tuition_deadline(*, registration_day: date) -> date:
    """Handbook: fees/ 1.2: the last day to pay; a student still owing after it goes on the staff decision list."""
    return registration_day + timedelta(days=UNPAID_GRACE_DAYS)


# --- Internship fees ------------------------------------------------------------------------------------------

INTERNSHIP_WEEKS = 48


def internship_fee(weeks, yearly_tuition) -> Decimal:
    """Handbook: fees/ 1.2.4: fee = (actual internship weeks, a part week counted as a whole one) / 48 x tuition.

    >>> internship_fee(Decimal("10.2"), Decimal("48000"))
    Decimal('11000.00')
    """
    weeks = _non_negative(weeks, "weeks")
    yearly_tuition = _non_negative(yearly_tuition, "yearly_tuition")
    # Handbook: fees/ 1.2.4 "Internship of less than a week will be counted as a week."
    whole_weeks = weeks.to_integral_value(rounding=ROUND_CEILING)
    return money(whole_weeks * yearly_tuition / INTERNSHIP_WEEKS)


# --- Refunds --------------------------------------------------------------------------------------------------

# Handbook: fees/ 2.2.1 a-e: leaving for one of these causes means no tuition is refunded at all.
NO_REFUND_REASONS = {
    "law_violation": "2.2.1 a",
    "disruption": "2.2.1 b",
    "absent_two_weeks": "2.2.1 c",
    "attendance_below_70": "2.2.1 d",
    "late_registration": "2.2.1 e",
}

REFUND_WINDOW_DAYS = 30


@dataclass(frozen=True)
class Refund:
    """What the handbook refunds, the clause that decided it, and a sentence that tells the student why."""

    amount: Decimal
    clause: str
    explanation: str


def _no_refund_explanation(reason: str) -> str:
    texts = {
        "law_violation": _("violating Chinese laws or regulations with severe consequences"),
        "disruption": _("severely disrupting public order or the educational order of the university"),
        "absent_two_weeks": _("absence from class without approval for two or more consecutive weeks"),
        # xgettext:no-python-format
        "attendance_below_70": _("attendance below 70% in a semester without a valid reason"),
        "late_registration": _("registration delayed more than two weeks without a valid reason"),
    }
    return _(
        "No tuition is refunded to a student who leaves for %(cause)s (Regulations on the Payment and Refund of "
        "Tuition and Fees 2.2.1)."
    ) % {"cause": texts[reason]}


def refund(
    *,
    program: str,
    completed_on: date,
    registration_day: date,
    tuition_this_semester,
    tuition_next_semester=0,
    second_registration_day: date | None = None,
    continuing_paid_next: bool = False,
    no_refund_reason: str | None = None,
    permit_changed_in_time: bool = True,
    receipts_returned: bool = True,
) -> Refund:
    """Handbook: fees/ 2.1-2.4: the tuition refunded to a self-funded student who withdraws.

    1. Input is checked: a known programme type and no-refund reason, amounts not negative, real dates, and a
       second registration day after the first (ValueError otherwise).
    2. A no-refund cause (2.2.1) or a missed formality (2.4.1 permit changed within three days, 2.4.2 original
       receipts returned) gives nothing.
    3. Non-degree: 80% of the coming semester's tuition for a continuing student who paid it and does not continue
       (2.1.1.2); a new student 50% within 30 days (inclusive) of the registration day, else nothing (2.1.1.1).
    4. Degree: on or after the second semester's registration day nothing (2.1.2.2); within 30 days (inclusive) of
       the first semester's registration day 50% of the first semester and all of the second (2.1.2.1); later,
       the second semester's tuition only (2.1.2.1, 2.1.2.2).
    "Within 30 days" counts the registration day as day 0: registration day + 30 is the last day of the window.
    """
    if program not in PROGRAMS:
        raise ValueError(f"Unknown program {program!r}; expected 'degree' or 'non_degree'.")
    if no_refund_reason is not None and no_refund_reason not in NO_REFUND_REASONS:
        raise ValueError(
            f"Unknown no_refund_reason {no_refund_reason!r}; expected one of {', '.join(NO_REFUND_REASONS)}."
        )
    for name, value in (("completed_on", completed_on), ("registration_day", registration_day)):
        if not isinstance(value, date) or isinstance(value, datetime):
            raise ValueError(f"{name} must be a date, not {value!r}.")
    if second_registration_day is not None:
        if not isinstance(second_registration_day, date) or isinstance(second_registration_day, datetime):
            raise ValueError(f"second_registration_day must be a date, not {second_registration_day!r}.")
        if second_registration_day <= registration_day:
            raise ValueError(
                f"The second semester's registration day ({second_registration_day}) must come after the first "
                f"semester's ({registration_day})."
            )
    this_semester = _non_negative(tuition_this_semester, "tuition_this_semester")
    next_semester = _non_negative(tuition_next_semester, "tuition_next_semester")
    if program == NON_DEGREE and next_semester:
        raise ValueError(
            "Non-degree students pay by semester (1.2.2): pass the tuition of the semester paid for as "
            "tuition_this_semester and leave tuition_next_semester at 0."
        )
    if program == DEGREE and continuing_paid_next:
        raise ValueError("continuing_paid_next applies to non-degree students only (2.1.1.2).")

    # Handbook: fees/ 2.2.1
    if no_refund_reason is not None:
        return Refund(amount=ZERO, clause="2.2.1", explanation=_no_refund_explanation(no_refund_reason))
    # Handbook: fees/ 2.4.1
    if not permit_changed_in_time:
        return Refund(
            amount=ZERO,
            clause="2.4",
            explanation=_(
                "No tuition is refunded because the visa or residence permit was not changed at the Exit-Entry "
                "Administration within three days after the drop-out request (2.4.1)."
            ),
        )
    # Handbook: fees/ 2.4.2
    if not receipts_returned:
        return Refund(
            amount=ZERO,
            clause="2.4",
            explanation=_("The refund cannot be made until the original payment receipts are handed back (2.4.2)."),
        )

    days = (completed_on - registration_day).days
    within_window = days <= REFUND_WINDOW_DAYS
    last_day = registration_day + timedelta(days=REFUND_WINDOW_DAYS)

    if program == NON_DEGREE:
        if continuing_paid_next:
            # Handbook: fees/ 2.1.1.2
            amount = money(this_semester * Decimal("0.8"))
            return Refund(
                amount=amount,
                clause="2.1.1.2",
                explanation=_(
                    "You paid the coming semester's tuition and do not continue: 80%% of it, %(amount)s RMB, is "
                    "refunded once your residence permit is cancelled (2.1.1.2)."
                )
                % {"amount": amount},
            )
        # Handbook: fees/ 2.1.1.1
        if within_window:
            amount = money(this_semester * Decimal("0.5"))
            return Refund(
                amount=amount,
                clause="2.1.1.1",
                explanation=_(
                    "Withdrawal and permit cancellation were completed on %(completed)s, within 30 days of the "
                    "registration day (by %(last_day)s): 50%% of the tuition, %(amount)s RMB, is refunded (2.1.1.1)."
                )
                % {"completed": completed_on, "last_day": last_day, "amount": amount},
            )
        return Refund(
            amount=ZERO,
            clause="2.1.1.1",
            explanation=_(
                "Withdrawal and permit cancellation were completed on %(completed)s, more than 30 days after the "
                "registration day (the last day was %(last_day)s): no tuition is refunded (2.1.1.1)."
            )
            % {"completed": completed_on, "last_day": last_day},
        )

    # Degree students. Handbook: fees/ 2.1.2.2 (nothing once the second semester's registration day has come).
    if second_registration_day is not None and completed_on >= second_registration_day:
        return Refund(
            amount=ZERO,
            clause="2.1.2.2",
            explanation=_(
                "Withdrawal was completed on %(completed)s, on or after the second semester's registration day "
                "(%(second)s): no tuition is refunded (2.1.2.2)."
            )
            % {"completed": completed_on, "second": second_registration_day},
        )
    # Handbook: fees/ 2.1.2.1
    if within_window:
        amount = money(this_semester * Decimal("0.5") + next_semester)
        return Refund(
            amount=amount,
            clause="2.1.2.1",
            explanation=_(
                "Withdrawal and permit cancellation were completed on %(completed)s, within 30 days of the first "
                "semester's registration day (by %(last_day)s): 50%% of the first semester's tuition and all of the "
                "second semester's, %(amount)s RMB, are refunded (2.1.2.1)."
            )
            % {"completed": completed_on, "last_day": last_day, "amount": amount},
        )
    if second_registration_day is None:
        raise ValueError(
            "second_registration_day is needed for a degree student who withdrew more than 30 days after the "
            "first registration day (2.1.2.2)."
        )
    # Handbook: fees/ 2.1.2.1 (after 30 days only the second semester) and 2.1.2.2 (before its registration day).
    amount = money(next_semester)
    return Refund(
        amount=amount,
        clause="2.1.2.2",
        explanation=_(
            "Withdrawal was completed on %(completed)s, more than 30 days after the first semester's registration "
            "day but before the second semester's (%(second)s): the second semester's tuition, %(amount)s RMB, is "
            "refunded (2.1.2.1, 2.1.2.2)."
        )
        % {"completed": completed_on, "second": second_registration_day, "amount": amount},
    )


def suspension_credit(*, tuition_next_semester) -> Decimal:
    """Handbook: fees/ 2.3: a suspended student's current semester is not refunded; the tuition paid for the unused
    (second) semester is kept as a credit for the resumption."""
    return money(_non_negative(tuition_next_semester, "tuition_next_semester"))
