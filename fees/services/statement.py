"""Import of the online payment platform's statement: one CSV row per payment received.

1. The file as a whole (size, encoding, header) is checked first; a bad file raises StatementFileError and nothing
   is recorded.
2. Each row is checked on its own (student known, amount, date, fee, academic year, semester) and recorded in its
   own transaction, so a bad row never costs the good ones. A transaction number already recorded is reported as
   such and skipped: importing the same statement twice records nothing twice.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from fees import rules
from fees.models import Channel, FeeKind, LedgerEntry
from fees.permissions import can_manage_fees
from fees.services.ledger import payment_record
from portal.models import Semester, Student, User
from portal.services import ConflictError

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_ROWS = 10_000
HEADER = ("transaction_id", "student_id", "amount", "paid_on", "fee", "academic_year", "semester")
OPTIONAL_COLUMNS = frozenset({"semester"})


class StatementFileError(Exception):
    """The file cannot be read as a statement at all."""


@dataclass
class RowResult:
    line: int
    transaction_id: str
    student_id: str
    status: str  # "recorded", "duplicate" or "error"
    message: str = ""


@dataclass
class StatementResult:
    rows: list[RowResult] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.status == status)

    @property
    def recorded(self) -> int:
        return self.count("recorded")

    @property
    def duplicates(self) -> int:
        return self.count("duplicate")

    @property
    def errors(self) -> list[RowResult]:
        return [row for row in self.rows if row.status == "error"]


def _read(upload) -> list[dict]:
    data = upload.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise StatementFileError(_("The file is larger than 2 MB; split the statement."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise StatementFileError(_("The file is not UTF-8 text; save the statement as CSV UTF-8.")) from None
    if "\x00" in text:
        raise StatementFileError(_("The file is not a CSV text file."))
    reader = csv.DictReader(io.StringIO(text))
    columns = [name.strip().lower() for name in (reader.fieldnames or [])]
    missing = [name for name in HEADER if name not in columns and name not in OPTIONAL_COLUMNS]
    if missing:
        raise StatementFileError(_("The header lacks the columns: %(columns)s.") % {"columns": ", ".join(missing)})
    reader.fieldnames = columns
    rows = []
    for row in reader:
        if len(rows) >= MAX_ROWS:
            raise StatementFileError(_("The file has more than %(n)s rows; split the statement.") % {"n": MAX_ROWS})
        rows.append({key: (value or "").strip() for key, value in row.items() if key})
    if not rows:
        raise StatementFileError(_("The file has no payment rows."))
    return rows


def statement_import(*, upload, actor: User, request=None) -> StatementResult:
    """Record the statement's payments as online-platform payments; the result says what happened to each row."""
    if not can_manage_fees(actor):
        raise ValidationError(_("Only the finance office imports payment statements."))
    rows = _read(upload)
    # The students, semesters and already-recorded transactions are read in three queries for the whole file.
    students = {s.student_id: s for s in Student.objects.filter(student_id__in={r["student_id"] for r in rows})}
    semesters = {s.code: s for s in Semester.objects.filter(code__in={r.get("semester", "") for r in rows} - {""})}
    recorded = set(
        LedgerEntry.objects.filter(
            channel=Channel.ONLINE, entry_type="payment", reference__in={r["transaction_id"] for r in rows}
        ).values_list("reference", flat=True)
    )
    result = StatementResult()
    for line, row in enumerate(rows, start=2):
        outcome = RowResult(line=line, transaction_id=row["transaction_id"], student_id=row["student_id"], status="")
        result.rows.append(outcome)
        problems = []
        student = students.get(row["student_id"])
        if not row["transaction_id"]:
            problems.append(_("the transaction ID is empty"))
        if student is None:
            problems.append(_("no student with ID %(id)s") % {"id": row["student_id"] or "-"})
        try:
            paid_on = date.fromisoformat(row["paid_on"])
        except ValueError:
            paid_on = None
            problems.append(_("the date %(value)s is not YYYY-MM-DD") % {"value": row["paid_on"] or "-"})
        fee = row["fee"].lower()
        if fee not in FeeKind.values:
            problems.append(
                _("the fee %(value)s is not one of %(choices)s")
                % {"value": row["fee"] or "-", "choices": ", ".join(FeeKind.values)}
            )
        semester = None
        if row.get("semester"):
            semester = semesters.get(row["semester"])
            if semester is None:
                problems.append(_("no semester %(code)s") % {"code": row["semester"]})
            elif rules.academic_year_of(semester.code) != row["academic_year"]:
                problems.append(_("the semester is not in the academic year %(year)s") % {"year": row["academic_year"]})
        if problems:
            outcome.status, outcome.message = "error", "; ".join(problems)
            continue
        if row["transaction_id"] in recorded:
            outcome.status, outcome.message = "duplicate", _("already recorded")
            continue
        try:
            payment_record(
                student=student,
                fee_kind=fee,
                academic_year=row["academic_year"],
                semester=semester,
                amount=row["amount"],
                channel=Channel.ONLINE,
                reference=row["transaction_id"],
                paid_on=paid_on,
                description=_("Online payment platform statement"),
                actor=actor,
                request=request,
            )
        except ValidationError as exc:
            outcome.status, outcome.message = "error", "; ".join(exc.messages)
            continue
        except ConflictError:
            outcome.status, outcome.message = "duplicate", _("already recorded")
            continue
        recorded.add(row["transaction_id"])
        outcome.status = "recorded"
    return result
