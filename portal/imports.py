"""Import of the admissions list: one CSV row per admitted student creates or updates the student's account.

Handbook: People and roles. Students log in with their student ID; the initial password is the last 6 characters
of the passport number and must be changed at the first login.

The procedure:
1. Read the file (at most MAX_FILE_BYTES, UTF-8 with or without the BOM Excel writes) and check the header.
   A problem with the file as a whole raises AdmissionsFileError and nothing is imported.
2. Check every row on its own (required fields, dates, choices, e-mail), then across rows (a student ID or e-mail
   on two lines), then against the database, which is read in a few bulk queries before any row is written.
3. Hash the initial passwords of the new accounts in a thread pool: PBKDF2 is the slow part of an import, and
   hashlib releases the GIL while it works.
4. Write each good row in its own transaction, so one bad row never costs the good ones. A student ID that already
   exists updates that student; a password the student has already changed is never touched.
"""

import csv
import io
import logging
import os
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import IO

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import DatabaseError, transaction
from django.db.models.functions import Lower
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.audit import audit_record, field_changes
from portal.models import DegreeLevel, Funding, Gender, Role, School, Student, User
from portal.models.people import STUDENT_RECORD_FIELDS
from portal.services import initial_password_for

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000

# The columns of the admissions list, in the order of the template file.
HEADER = STUDENT_RECORD_FIELDS
OPTIONAL_COLUMNS = frozenset({"name_zh", "phone"})

# What each column holds, shown on the import page next to the upload form.
COLUMN_HELP = {
    "student_id": gettext_lazy("Student ID number; the student logs in with it. Letters, digits and hyphens."),
    "name_latin": gettext_lazy("Full name in Latin letters, as in the passport."),
    "name_zh": gettext_lazy("Chinese name, if the student has one."),
    "nationality": gettext_lazy("Nationality, in English."),
    "gender": gettext_lazy("female or male (F and M are accepted)."),
    "date_of_birth": gettext_lazy("Date as YYYY-MM-DD."),
    "passport_number": gettext_lazy(
        "Passport number; spaces are removed and letters upper-cased. Its last 6 characters are the initial password."
    ),
    "passport_expires_on": gettext_lazy("Passport expiry date as YYYY-MM-DD."),
    "school": gettext_lazy("The school's code."),
    "programme": gettext_lazy("Programme (major) name."),
    "degree_level": gettext_lazy("bachelor, master, doctoral or non_degree (or the English label)."),
    "funding": gettext_lazy(
        "self_funded, csc or confucius, or the English label: Self-funded, Chinese Government Scholarship, "
        "Confucius Institute Scholarship."
    ),
    "enrolment_year": gettext_lazy("Year of enrolment, for example 2025."),
    "email": gettext_lazy("E-mail address; no other account may use it."),
    "phone": gettext_lazy("Phone number."),
}

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{2,19}$")
_PASSPORT = re.compile(r"^[A-Z0-9]{6,30}$")
_PHONE = re.compile(r"^[0-9+()\- ]{3,30}$")
# Database column limits, checked here so a long value is a row error and not a failed transaction.
_MAX_LENGTH = {"name_latin": 200, "name_zh": 100, "nationality": 100, "programme": 200, "email": 254}
# Large `IN (...)` lists are split so that SQLite's limit on query parameters is never reached.
_QUERY_CHUNK = 900


class AdmissionsFileError(ValueError):
    """The file as a whole cannot be imported (size, encoding, header, number of rows); nothing was imported."""


@dataclass
class ImportResult:
    """What an import did: counts of accounts, and the rejected rows as (CSV line number, reason)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    dry_run: bool = False

    @property
    def rejected(self) -> int:
        return len(self.errors)

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged + self.rejected


@dataclass
class _Row:
    line: int
    values: dict
    problems: list[str] = field(default_factory=list)


# --- Public entry points ---------------------------------------------------------------------------------------


def admissions_import(
    *, source: bytes | IO[bytes], actor: User | None = None, dry_run: bool = False, now=None
) -> ImportResult:
    """Create or update student accounts from an admissions-list CSV; see the module docstring for the steps."""
    now = now or timezone.now()
    rows = _parse(_read_text(source))
    result = ImportResult(dry_run=dry_run)
    _check_across_rows(rows)
    existing = _check_against_database(rows)

    good = [row for row in rows if not row.problems]
    hashes = {} if dry_run else _initial_password_hashes(_passwords_to_issue(good, existing))
    for row in rows:
        if row.problems:
            result.errors.append((row.line, "; ".join(row.problems)))
            continue
        try:
            outcome = _write_row(
                row, existing.get(row.values["student_id"]), hashes, now=now, dry_run=dry_run, actor=actor
            )
        except DatabaseError as exc:
            # Another import or an edit in the admin got there between our read and this write.
            logger.warning("admissions import: line %s not saved: %s", row.line, exc)
            result.errors.append((row.line, _("The row could not be saved; import the file again.")))
            continue
        setattr(result, outcome, getattr(result, outcome) + 1)

    logger.info(
        "admissions import by %s%s: %s created, %s updated, %s unchanged, %s rejected",
        actor.username if actor else "command line",
        " (dry run)" if dry_run else "",
        result.created,
        result.updated,
        result.unchanged,
        result.rejected,
    )
    return result


def admissions_csv(rows: Iterable[dict], *, bom: bool = False) -> bytes:
    """An admissions-list CSV with our header; `bom` adds the byte-order mark Excel needs to read UTF-8."""
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=HEADER, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({column: row.get(column, "") for column in HEADER})
    return ("\ufeff" if bom else "").encode() + buffer.getvalue().encode("utf-8")


def column_help() -> list[tuple[str, bool, str]]:
    """The columns for the import page: (name, required, what it holds)."""
    return [(column, column not in OPTIONAL_COLUMNS, COLUMN_HELP[column]) for column in HEADER]


# --- Reading and parsing ---------------------------------------------------------------------------------------


def _read_text(source: bytes | IO[bytes]) -> str:
    data = source if isinstance(source, bytes) else source.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise AdmissionsFileError(
            _("The file is larger than %(size)s MB; split it into smaller files.") % {"size": MAX_FILE_BYTES // 2**20}
        )
    try:
        # utf-8-sig drops the byte-order mark that Excel puts in front of a "CSV UTF-8" file.
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise AdmissionsFileError(
            _("The file is not UTF-8 text. In Excel, save it as “CSV UTF-8 (Comma delimited)”.")
        ) from None
    if not text.strip():
        raise AdmissionsFileError(_("The file is empty."))
    return text


def _normalise_header(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def _parse(text: str) -> list[_Row]:
    first_line = text.split("\n", 1)[0]
    # Excel in some locales separates with semicolons; a header without commas tells us which one it used.
    delimiter = "," if "," in first_line else ";" if ";" in first_line else "\t" if "\t" in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [_normalise_header(name) for name in next(reader)]
    except csv.Error as exc:
        raise AdmissionsFileError(_("Line 1 (the header) cannot be read: %(error)s") % {"error": exc}) from None
    _check_header(header)

    rows: list[_Row] = []
    line = reader.line_num + 1
    for cells in _records(reader):
        if isinstance(cells, csv.Error):
            raise AdmissionsFileError(
                _("Line %(line)s cannot be read as CSV: %(error)s") % {"line": line, "error": cells}
            )
        # A record may span several physical lines (a quoted value with a line break); report its first line.
        start, line = line, reader.line_num + 1
        if not any(cell.strip() for cell in cells):
            continue
        if len(rows) >= MAX_ROWS:
            raise AdmissionsFileError(
                _("The file has more than %(max)s students; split it into smaller files.") % {"max": f"{MAX_ROWS:,}"}
            )
        rows.append(_clean_row(start, header, cells))
    if not rows:
        raise AdmissionsFileError(_("The file has a header but no students."))
    return rows


def _records(reader) -> Iterator[list[str] | csv.Error]:
    while True:
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield exc
            return


def _check_header(header: list[str]) -> None:
    missing = [column for column in HEADER if column not in header]
    unknown = [column for column in header if column not in HEADER]
    repeated = sorted({column for column in header if header.count(column) > 1})
    problems = []
    if missing:
        problems.append(_("missing columns: %(columns)s") % {"columns": ", ".join(missing)})
    if unknown:
        problems.append(_("unknown columns: %(columns)s") % {"columns": ", ".join(c or "(empty)" for c in unknown)})
    if repeated:
        problems.append(_("repeated columns: %(columns)s") % {"columns": ", ".join(repeated)})
    if problems:
        raise AdmissionsFileError(
            _("The header (line 1) does not match the admissions list: %(problems)s. The header must be: %(header)s")
            % {"problems": "; ".join(problems), "header": ",".join(HEADER)}
        )


# --- Checks of one row -----------------------------------------------------------------------------------------


def _clean_row(line: int, header: list[str], cells: list[str]) -> _Row:
    row = _Row(line=line, values={})
    if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header) :]):
        row.problems.append(
            _("the row has %(n)s values but the header has %(m)s columns") % {"n": len(cells), "m": len(header)}
        )
    raw = {column: (cells[i].strip() if i < len(cells) else "") for i, column in enumerate(header)}
    values = row.values
    problems = row.problems

    for column in HEADER:
        if column not in OPTIONAL_COLUMNS and not raw[column]:
            problems.append(_("%(column)s is missing") % {"column": column})
    for column, limit in _MAX_LENGTH.items():
        if len(raw[column]) > limit:
            problems.append(_("%(column)s is longer than %(n)s characters") % {"column": column, "n": limit})

    student_id = raw["student_id"]
    if student_id and not _STUDENT_ID.match(student_id):
        problems.append(_("student_id “%(value)s” must be 3 to 20 letters, digits or hyphens") % {"value": student_id})
    values["student_id"] = student_id
    for column in ("name_latin", "name_zh", "nationality", "programme"):
        values[column] = " ".join(raw[column].split())

    values["gender"] = _choice(raw, "gender", Gender, problems, aliases={"f": Gender.FEMALE, "m": Gender.MALE})
    values["degree_level"] = _choice(raw, "degree_level", DegreeLevel, problems)
    values["funding"] = _choice(raw, "funding", Funding, problems)

    values["date_of_birth"] = _date(raw, "date_of_birth", problems)
    values["passport_expires_on"] = _date(raw, "passport_expires_on", problems)
    born, expires = values["date_of_birth"], values["passport_expires_on"]
    if born and born > timezone.localdate():
        problems.append(_("date_of_birth is in the future"))
    if born and expires and expires <= born:
        problems.append(_("passport_expires_on is before date_of_birth"))

    passport = re.sub(r"\s+", "", raw["passport_number"]).upper()
    if passport and not _PASSPORT.match(passport):
        problems.append(_("passport_number must be 6 to 30 letters and digits"))
    values["passport_number"] = passport

    values["school"] = raw["school"].lower()
    values["enrolment_year"] = None
    if raw["enrolment_year"]:
        year = int(raw["enrolment_year"]) if raw["enrolment_year"].isdigit() else 0
        if not 1950 <= year <= timezone.localdate().year + 1:
            problems.append(_("enrolment_year “%(value)s” is not a year") % {"value": raw["enrolment_year"]})
        values["enrolment_year"] = year

    email = raw["email"].lower()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            problems.append(_("email “%(value)s” is not an e-mail address") % {"value": raw["email"]})
    values["email"] = email

    phone = " ".join(raw["phone"].split())
    if phone and not _PHONE.match(phone):
        problems.append(_("phone “%(value)s” is not a phone number") % {"value": raw["phone"]})
    values["phone"] = phone
    return row


def _choice(raw: dict, column: str, choices, problems: list[str], aliases: dict | None = None) -> str:
    value = raw[column]
    if not value:
        return ""
    key = value.lower()
    accepted = {**(aliases or {})}
    for choice in choices:
        accepted[choice.value] = choice.value
        # The English label always works; the label in the page's language too, once it is translated.
        with translation.override("en"):
            accepted[str(choice.label).lower()] = choice.value
        accepted.setdefault(str(choice.label).lower(), choice.value)
    found = accepted.get(key) or accepted.get(re.sub(r"[\s\-]+", "_", key))
    if not found:
        problems.append(
            _("%(column)s “%(value)s” is not one of: %(choices)s")
            % {"column": column, "value": value, "choices": ", ".join(choices.values)}
        )
        return ""
    return found


def _date(raw: dict, column: str, problems: list[str]) -> date | None:
    value = raw[column]
    if not value:
        return None
    try:
        if not _DATE.match(value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        problems.append(_("%(column)s “%(value)s” is not a date as YYYY-MM-DD") % {"column": column, "value": value})
        return None


# --- Checks across rows and against the database ---------------------------------------------------------------


def _check_across_rows(rows: list[_Row]) -> None:
    # A student ID or e-mail on two lines is ambiguous: which line is right? Neither is imported.
    for column, message in (
        ("student_id", _("student_id %(value)s is on more than one line (%(lines)s)")),
        ("email", _("email %(value)s is on more than one line (%(lines)s)")),
    ):
        lines_by_value = defaultdict(list)
        for row in rows:
            if row.values[column]:
                lines_by_value[row.values[column].lower()].append(row)
        for value, same in lines_by_value.items():
            if len(same) > 1:
                lines = ", ".join(str(row.line) for row in same)
                for row in same:
                    row.problems.append(message % {"value": value, "lines": lines})


def _chunks(values: list) -> Iterator[list]:
    for start in range(0, len(values), _QUERY_CHUNK):
        yield values[start : start + _QUERY_CHUNK]


def _check_against_database(rows: list[_Row]) -> dict[str, Student]:
    """Check schools, user names and e-mails in a few bulk queries; return the existing students by student ID."""
    schools = {school.code: school for school in School.objects.all()}
    ids = sorted({row.values["student_id"] for row in rows if row.values["student_id"]})
    emails = sorted({row.values["email"] for row in rows if row.values["email"]})

    existing: dict[str, Student] = {}
    username_owner: dict[str, int] = {}
    for chunk in _chunks(ids):
        for student in Student.objects.filter(student_id__in=chunk).select_related("user", "school"):
            existing[student.student_id] = student
        lowered = [value.lower() for value in chunk]
        users = User.objects.annotate(username_lower=Lower("username")).filter(username_lower__in=lowered)
        username_owner.update(users.values_list("username_lower", "pk"))
    email_owners: dict[str, set[int]] = defaultdict(set)
    for chunk in _chunks(emails):
        users = User.objects.annotate(email_lower=Lower("email")).filter(email_lower__in=chunk)
        addresses = EmailAddress.objects.annotate(email_lower=Lower("email")).filter(email_lower__in=chunk)
        for email, user_id in [*users.values_list("email_lower", "pk"), *addresses.values_list("email_lower", "user")]:
            email_owners[email].add(user_id)

    known = ", ".join(sorted(schools)) or _("none yet")
    for row in rows:
        values = row.values
        if values["school"]:
            if values["school"] in schools:
                values["school"] = schools[values["school"]]
            else:
                row.problems.append(
                    _("unknown school “%(value)s” (known codes: %(known)s)")
                    % {"value": values["school"], "known": known}
                )
        student = existing.get(values["student_id"])
        own_user_id = student.user_id if student else None
        owner = username_owner.get(values["student_id"].lower())
        if owner is not None and owner != own_user_id:
            row.problems.append(
                _("student_id %(value)s is already the user name of another account") % {"value": values["student_id"]}
            )
        if email_owners.get(values["email"], set()) - {own_user_id}:
            row.problems.append(_("email %(value)s is used by another account") % {"value": values["email"]})
    return existing


# --- Writing -----------------------------------------------------------------------------------------------------


def _passwords_to_issue(rows: list[_Row], existing: dict[str, Student]) -> set[str]:
    wanted = set()
    for row in rows:
        student = existing.get(row.values["student_id"])
        if student is None or _reissue_initial_password(student, row.values):
            wanted.add(initial_password_for(row.values["passport_number"]))
    return wanted


def _reissue_initial_password(student: Student, values: dict) -> bool:
    # A corrected passport number changes the initial password, but only while the student has not yet chosen
    # their own: a password the student set is never reset by an import.
    return student.user.must_change_password and student.passport_number != values["passport_number"]


def _initial_password_hashes(passwords: set[str]) -> dict[str, str]:
    """Hash each distinct initial password once, in parallel: hashlib's PBKDF2 runs without holding the GIL."""
    passwords = sorted(passwords)
    if len(passwords) < 4:
        return {password: make_password(password) for password in passwords}
    with ThreadPoolExecutor(max_workers=min(16, os.cpu_count() or 1)) as pool:
        return dict(zip(passwords, pool.map(make_password, passwords), strict=True))


def _issue_initial_password(user: User, values: dict, hashes: dict[str, str], now) -> None:
    # The same three fields as services.user_issue_initial_password, with the hash computed in bulk beforehand.
    user.password = hashes[initial_password_for(values["passport_number"])]
    user.must_change_password = True
    user.initial_password_expires_at = now + timedelta(days=settings.INITIAL_PASSWORD_VALID_DAYS)


STUDENT_FIELDS = tuple(column for column in HEADER if column != "email")


def _write_row(
    row: _Row, student: Student | None, hashes: dict[str, str], *, now, dry_run: bool, actor: User | None = None
) -> str:
    """Create or update one student and account; returns "created", "updated" or "unchanged"."""
    values = row.values
    if student is None:
        if not dry_run:
            with transaction.atomic():
                user = User(username=values["student_id"], email=values["email"], role=Role.STUDENT)
                _issue_initial_password(user, values, hashes, now)
                user.save()
                student = Student.objects.create(user=user, **{name: values[name] for name in STUDENT_FIELDS})
                audit_record(actor=actor, action="student.imported", target=student, reason=f"line {row.line}")
        return "created"

    user = student.user
    reissue = _reissue_initial_password(student, values)
    student_changes = [name for name in STUDENT_FIELDS if getattr(student, name) != values[name]]
    user_changes = ["email"] if user.email.lower() != values["email"] else []
    if reissue:
        user_changes += ["password", "must_change_password", "initial_password_expires_at"]
    if not student_changes and not user_changes:
        return "unchanged"
    if not dry_run:
        with transaction.atomic():
            changes = field_changes(
                {name: getattr(student, name) for name in student_changes} | {"email": user.email},
                {name: values[name] for name in student_changes} | {"email": values["email"]},
            )
            if reissue:
                changes["initial_password"] = ["", "reissued"]
            audit_record(
                actor=actor, action="student.updated", target=student, changes=changes, reason=f"line {row.line}"
            )
            for name in student_changes:
                setattr(student, name, values[name])
            if student_changes:
                student.save(update_fields=[*student_changes, "updated_at"])
            if user_changes:
                user.email = values["email"]
                if reissue:
                    _issue_initial_password(user, values, hashes, now)
                user.save(update_fields=user_changes)
    return "updated"
