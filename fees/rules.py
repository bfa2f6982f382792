"""The handbook's fee rules, as pure functions.

Source: HANDBOOK Regulations on the Payment and Refund of Tuition and Fees for Self-funded International Students
(digest in ../shared/handbook/RULES.md, fees/). Plain values in, values out or a ValueError; no ORM, no clock.
Every amount is RMB as a Decimal rounded half up to 0.01 (1.1.1).
"""

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

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
