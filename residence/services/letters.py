"""Writes of the certification letter (HANDBOOK Residence 4 and 8 (1)): requested by the student, decided by the office.

1. The student asks for a letter for a purpose (the extension of the residence permit, or a new permit); the pure
   rule rules.letter_refusal says whether it can be issued at all, and one request per purpose waits at a time.
2. The International College approves it (the letter gets the next number of the year and the student's data is
   fixed as certified) or rejects it with a reason. Each change of state is a LetterEvent and an audit entry, and
   the student is told in their language.
3. On approval the PDF is queued in the student's language; the student may also have it in the other language
   (letter_document), always with the same number and data.
"""

from datetime import date

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal import services as portal_services
from portal.audit import audit_record
from portal.models import DocumentStatus, GeneratedDocument, Student, StudentStatus, User
from portal.services import ConflictError
from residence import rules
from residence.models import (
    LetterEvent,
    LetterPurpose,
    LetterRequest,
    LetterState,
    ResidencePermitRecord,
    VisaRecord,
)
from residence.permissions import can_review_records, can_update_records_for

DOCUMENT_KIND = "residence_certification_letter"
# Any lock number unique to letter numbering: two approvals at once take consecutive numbers, never the same one.
NUMBER_LOCK_KEY = 0x5E5117
STUDENT_URL = "/residence/letters/"


def refusal_message(refusal: rules.LetterRefusal) -> str:
    return {
        rules.LetterRefusal.NOT_ENROLLED: _("Certification letters are issued only to enrolled students."),
        rules.LetterRefusal.LEAVING: _(
            "No extension is possible for a student who is leaving the university (Student Handbook, Residence 4)."
        ),
        rules.LetterRefusal.NO_PERMIT: _(
            "There is no approved residence permit on record to extend. Upload your permit first, or ask for the "
            "letter for a new permit."
        ),
        rules.LetterRefusal.PERMIT_EXPIRED: _(
            "Your residence permit on record has expired, so it cannot be extended: come to the International "
            "College at once."
        ),
    }[refusal]


def _current_permit(student: Student) -> ResidencePermitRecord | None:
    return ResidencePermitRecord.objects.filter(student=student, is_current=True).first()


def is_leaving(student: Student) -> bool:
    """The student is to leave the university: a leaving-school procedure for graduation or completion (HANDBOOK
    Residence 4's words), or any leaving-school procedure still open."""
    # Imported here: registration is the other app's, and only this check reads it.
    from django.db.models import Q

    from registration.models import Clearance, LeavingReason

    return (
        student.status == StudentStatus.LEFT
        or Clearance.objects.filter(student=student)
        .filter(Q(reason__in=[LeavingReason.GRADUATION, LeavingReason.COMPLETION]) | Q(completed_at__isnull=True))
        .exists()
    )


def _refusal(*, student: Student, purpose: str, today: date) -> rules.LetterRefusal | None:
    permit = _current_permit(student) if purpose == LetterPurpose.PERMIT_EXTENSION else None
    return rules.letter_refusal(
        purpose=purpose,
        enrolled=student.status == StudentStatus.ENROLLED,
        leaving=purpose == LetterPurpose.PERMIT_EXTENSION and is_leaving(student),
        permit_expires=permit.expires_on if permit else None,
        today=today,
    )


def _event(letter: LetterRequest, *, from_state: str, actor: User, reason: str = "") -> LetterEvent:
    return LetterEvent.objects.create(
        letter=letter, from_state=from_state, to_state=letter.state, actor=actor, at=timezone.now(), reason=reason
    )


def letter_request(
    *, student: Student, purpose: str, requested_by: User, note: str = "", today: date | None = None
) -> LetterRequest:
    """The student asks the International College for a certification letter for one purpose."""
    if not can_update_records_for(requested_by, student):
        raise PermissionDenied(_("You may not ask for a letter for this student."))
    if purpose not in LetterPurpose.values:
        raise ValidationError({"purpose": _("Choose what the letter is for.")})
    today = today or timezone.localdate()
    refusal = _refusal(student=student, purpose=purpose, today=today)
    if refusal is not None:
        raise ValidationError({"purpose": refusal_message(refusal)})
    try:
        with transaction.atomic():
            letter = LetterRequest.objects.create(
                student=student, purpose=purpose, note=(note or "").strip(), requested_by=requested_by
            )
            _event(letter, from_state="", actor=requested_by)
            audit_record(
                actor=requested_by,
                action="residence.letter.requested",
                target=letter,
                student=student,
                changes={"purpose": ["", purpose]},
            )
    except IntegrityError:
        # The partial unique constraint: one request per purpose waits at a time (a double click makes one).
        raise ConflictError(
            _("You have already asked for this letter; the International College will decide on it.")
        ) from None
    return letter


def _details(student: Student, *, purpose: str) -> dict:
    """What the letter certifies, as it is on record now (kept on the request so every copy says the same)."""
    permit = _current_permit(student)
    visa = VisaRecord.objects.filter(student=student, is_current=True).first()
    return {
        "student_id": student.student_id,
        "name_latin": student.name_latin,
        "name_zh": student.name_zh,
        "nationality": student.nationality,
        "gender": student.gender,
        "date_of_birth": student.date_of_birth.isoformat(),
        "passport_number": student.passport_number,
        "passport_expires_on": student.passport_expires_on.isoformat(),
        "school_en": student.school.name_en,
        "school_zh": student.school.name_zh,
        "programme": student.programme,
        "degree_level": student.degree_level,
        "enrolment_year": student.enrolment_year,
        "permit_number": permit.number if permit else "",
        "permit_expires_on": permit.expires_on.isoformat() if permit else "",
        "extension_until": (
            rules.extension_end_limit(permit.expires_on).isoformat()
            if permit and purpose == LetterPurpose.PERMIT_EXTENSION
            else ""
        ),
        "visa_type": visa.visa_type if visa else "",
        "entry_date": visa.entry_date.isoformat() if visa else "",
    }


def _next_serial(year: int) -> int:
    with connection.cursor() as cursor:
        # Held to the end of the approving transaction; the unique (year, serial) constraint backs it.
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [NUMBER_LOCK_KEY])
    last = LetterRequest.objects.filter(year=year).aggregate(last=Max("serial"))["last"]
    return (last or 0) + 1


def letter_decide(
    *, letter: LetterRequest, reviewer: User, approve: bool, reason: str = "", today: date | None = None
) -> LetterRequest:
    """The International College approves (numbers) or rejects (with a reason) a waiting letter request."""
    if not can_review_records(reviewer):
        raise PermissionDenied(_("You may not decide on certification letters."))
    reason = (reason or "").strip()
    if not approve and not reason:
        raise ValidationError({"reason": _("Say why the letter is refused, so the student knows what to do.")})
    today = today or timezone.localdate()
    with transaction.atomic():
        # Locked: of two staff deciding at once, the second finds it decided and is told so; nothing is lost.
        locked = LetterRequest.objects.select_for_update().select_related("student__school", "student__user")
        letter = locked.get(pk=letter.pk)
        if letter.state != LetterState.REQUESTED:
            raise ConflictError(
                _("This request was already decided (%(state)s); reload the page.")
                % {"state": letter.get_state_display()}
            )
        student = letter.student
        before = letter.state
        if approve:
            refusal = _refusal(student=student, purpose=letter.purpose, today=today)
            if refusal is not None:
                raise ValidationError({"decision": refusal_message(refusal)})
            letter.year = today.year
            letter.serial = _next_serial(today.year)
            letter.number = rules.letter_number(year=letter.year, serial=letter.serial)
            letter.issued_on = today
            letter.details = _details(student, purpose=letter.purpose)
            letter.state = LetterState.APPROVED
            letter.reason = ""
        else:
            letter.state = LetterState.REJECTED
            letter.reason = reason
        letter.decided_by = reviewer
        letter.decided_at = timezone.now()
        letter.save(
            update_fields=[
                "state", "reason", "decided_by", "decided_at", "year", "serial", "number", "issued_on", "details",
            ]
        )  # fmt: skip
        _event(letter, from_state=before, actor=reviewer, reason=letter.reason)
        audit_record(
            actor=reviewer,
            action=f"residence.letter.{letter.state}",
            target=letter,
            student=student,
            changes={"state": [before, letter.state], **({"number": ["", letter.number]} if approve else {})},
            reason=letter.reason,
        )
        portal_services.notify(
            user=student.user,
            template="residence/email/letter_decided",
            context={"student": student, "letter": letter, "approved": approve},
            url=STUDENT_URL,
        )
        if approve:
            _document_queue(letter, language=student.user.language or settings.LANGUAGE_CODE)
    return letter


def _document_queue(letter: LetterRequest, *, language: str) -> GeneratedDocument:
    # The title is the student's to read in their list of documents, in the letter's language.
    with translation.override(language):
        title = _("Certification letter %(number)s") % {"number": letter.number}
    return portal_services.generated_document_request(
        owner=letter.student.user,
        kind=DOCUMENT_KIND,
        title=title,
        parameters={"letter_id": letter.pk},
        language=language,
    )


def letter_documents(letter: LetterRequest) -> list[GeneratedDocument]:
    return list(
        GeneratedDocument.objects.filter(
            owner_id=letter.student.user_id, kind=DOCUMENT_KIND, parameters__letter_id=letter.pk
        ).order_by("-created_at")
    )


def letter_document(*, letter: LetterRequest, user: User, language: str) -> GeneratedDocument:
    """The student's PDF of an approved letter in a language: the one already made (or being made), or a new one."""
    if letter.student.user_id != user.pk:
        raise PermissionDenied(_("Only the student can download their own letter."))
    if letter.state != LetterState.APPROVED:
        raise ValidationError(_("The letter can be downloaded once the International College has approved it."))
    if language not in dict(settings.LANGUAGES):
        raise ValidationError(_("Unknown language."))
    existing = (
        GeneratedDocument.objects.filter(
            owner=user, kind=DOCUMENT_KIND, parameters__letter_id=letter.pk, language=language
        )
        .exclude(status=DocumentStatus.FAILED)
        .order_by("-created_at")
        .first()
    )
    if existing is not None:
        return existing
    with transaction.atomic():
        document = _document_queue(letter, language=language)
        audit_record(actor=user, action="residence.letter.copy_requested", target=letter, student=letter.student)
    return document


__all__ = [
    "DOCUMENT_KIND",
    "letter_decide",
    "letter_document",
    "letter_documents",
    "letter_request",
    "refusal_message",
]
