"""Writes of semester registration: the student's draft, step by step, submission, and item decisions."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import services as portal_services
from portal.audit import audit_record, field_changes
from portal.models import ReviewState, Semester, Student, User
from portal.services import ConflictError
from registration import rules
from registration.models import (
    ITEM_EVIDENCE,
    ITEM_FIELDS,
    FormStatus,
    FormSubmission,
    Housing,
    ItemDecision,
    ItemKind,
    ItemState,
    Location,
    RegistrationForm,
    RegistrationItem,
    ScholarshipStatement,
    TuitionPaymentType,
)
from registration.permissions import can_review_registration


@dataclass(frozen=True)
class StepUpload:
    """A file the student attached to a step, with the form field it belongs to."""

    field: str
    kind: str
    upload: object


def registration_form_for(*, student: Student, semester: Semester) -> RegistrationForm:
    """The student's form for the semester, created as a draft prefilled with the contacts on record."""
    form, _created = RegistrationForm.objects.get_or_create(
        student=student, semester=semester, defaults={"email": student.user.email, "phone": student.phone}
    )
    return form


def _check_editable(form: RegistrationForm, *, now, expected_version: int | None) -> None:
    state = rules.preregistration_window_state(
        opens_at=form.semester.preregistration_opens_at, closes_at=form.semester.preregistration_closes_at, now=now
    )
    semester = form.semester
    # GUIDE: a rejected form is corrected and resubmitted; that stays possible after the window closes, up to the
    # last day to register (registration day + the deferral limit), so a late rejection never strands a student.
    correcting = (
        form.status == FormStatus.RETURNED
        and semester.registration_day is not None
        and timezone.localdate(now)
        <= rules.last_day_to_register(
            registration_day=semester.registration_day, deferral_limit_days=semester.deferral_limit_days
        )
    )
    if state != rules.WindowState.OPEN and not correcting:
        raise ValidationError(_("Online pre-registration is not open; the form can only be read."))
    if form.status in (FormStatus.SUBMITTED, FormStatus.APPROVED):
        raise ConflictError(_("The form has been submitted and is being reviewed; it cannot be changed now."))
    if expected_version is not None and form.version != expected_version:
        raise ConflictError(_("The form was changed in another window; reload it to see the latest version."))


def registration_open_for_changes(*, form: RegistrationForm, now=None) -> bool:
    """Whether the student may change (and submit) the form now: the same rule the writes enforce."""
    try:
        _check_editable(form, now=now or timezone.now(), expected_version=None)
    except (ValidationError, ConflictError):
        return False
    return True


def _locked_item_kinds(form: RegistrationForm) -> set[str]:
    # Approved items stay as they are when a returned form is corrected.
    return set(form.items.filter(state=ItemState.APPROVED).values_list("kind", flat=True))


STEP_ITEM = {
    "contacts": ItemKind.CONTACTS,
    "passport": ItemKind.PASSPORT,
    "tuition": ItemKind.TUITION,
    "location": ItemKind.INSURANCE,
    "housing": ItemKind.HOUSING,
    "permit": ItemKind.PERMIT,
}


def registration_step_save(
    *,
    form: RegistrationForm,
    step: str,
    data: dict,
    uploads: list[StepUpload] = (),
    user: User,
    now=None,
    expected_version: int | None = None,
) -> RegistrationForm:
    """Save one step of the draft. Invalid input raises ValidationError by field and saves nothing of this step;
    the other steps stay as they were (a draft is never lost)."""
    now = now or timezone.now()
    if form.student.user_id != user.pk:
        raise PermissionDenied(_("Only the student fills in their registration form."))
    if step not in STEP_ITEM and step != "agree":
        raise ValidationError(_("Unknown step."))
    with transaction.atomic():
        form = RegistrationForm.objects.select_for_update().select_related("semester", "student__user").get(pk=form.pk)
        _check_editable(form, now=now, expected_version=expected_version)
        if step != "agree" and STEP_ITEM[step] in _locked_item_kinds(form):
            raise ConflictError(_("This part of the form was approved and cannot be changed."))
        changes = _validated_step(form, step, data, today=timezone.localdate(now))
        if step == "agree" and scholarship_statement_due(form):
            if not data.get("sign_statement"):
                raise ValidationError(
                    {"sign_statement": _("Read the scholarship registration statement and tick to sign it.")}
                )
            # Handbook: Current Student Registration — signed once per academic year, kept with the form it came in.
            ScholarshipStatement.objects.get_or_create(
                student=form.student,
                academic_year=rules.academic_year_of(form.semester.code),
                defaults={"form": form, "signed_at": now},
            )
            audit_record(
                actor=user, action="registration.scholarship_statement_signed", target=form, student=form.student
            )
        for field, value in changes.items():
            setattr(form, field, value)
        for attached in uploads:
            evidence = portal_services.evidence_submit(
                student=form.student,
                kind=attached.kind,
                upload=attached.upload,
                uploaded_by=user,
                reviewed_in="registration",
            )
            setattr(form, attached.field, evidence)
        form.version += 1
        form.save()
    return form


def _validated_step(form: RegistrationForm, step: str, data: dict, *, today) -> dict:
    """The model fields a step sets, or ValidationError with a plain reason per field."""
    errors: dict[str, str] = {}
    values: dict = {}
    semester = form.semester

    def need(field: str, message: str):
        value = data.get(field)
        if value in (None, ""):
            errors[field] = message
        return value

    if step == "contacts":
        values["email"] = need("email", _("Enter the email address the office should write to."))
        values["phone"] = need("phone", _("Enter a phone number the office can reach you on."))
        if values["phone"] and not rules.phone_number_plausible(values["phone"]):
            errors["phone"] = _("Enter the phone number with its country code, for example +86 138 0000 0000.")
    elif step == "passport":
        changed = data.get("passport_changed")
        if changed is None:
            errors["passport_changed"] = _("Say whether your passport has changed.")
        values["passport_changed"] = changed
        if changed:
            values["new_passport_number"] = need("new_passport_number", _("Enter the new passport number."))
            values["new_passport_country"] = need("new_passport_country", _("Enter the country that issued it."))
            issued = need("new_passport_issued_on", _("Enter the new passport's issue date."))
            if issued and issued > today:
                errors["new_passport_issued_on"] = _("This issue date (%(date)s) is in the future.") % {"date": issued}
            values["new_passport_issued_on"] = issued
            expires = need("new_passport_expires_on", _("Enter the new passport's expiry date."))
            if issued and expires and expires <= issued:
                errors["new_passport_expires_on"] = _("The passport must expire after it was issued.")
            if expires:
                try:
                    rules.check_document_not_expired(expires_on=expires, today=today)
                except ValueError:
                    errors["new_passport_expires_on"] = _("This expiry date (%(date)s) is in the past.") % {
                        "date": expires
                    }
            values["new_passport_expires_on"] = expires
        else:
            values.update(
                new_passport_number="",
                new_passport_country="",
                new_passport_issued_on=None,
                new_passport_expires_on=None,
            )
    elif step == "tuition":
        payment = need("tuition_payment", _("Choose how the tuition was paid."))
        if payment and payment not in TuitionPaymentType.values:
            errors["tuition_payment"] = _("Choose one of the listed ways of payment.")
        values["tuition_payment"] = payment
    elif step == "location":
        location = need("location", _("Say whether you are in China or abroad."))
        values["location"] = location
        if location == Location.IN_CHINA:
            values["insurance_number"] = need("insurance_number", _("Enter the insurance certificate number."))
            starts = need("insurance_starts_on", _("Enter the first day of the insurance."))
            ends = need("insurance_ends_on", _("Enter the last day of the insurance."))
            if starts and ends:
                try:
                    rules.check_insurance_covers_semester(
                        starts_on=starts,
                        ends_on=ends,
                        semester_starts_on=semester.starts_on,
                        semester_ends_on=semester.ends_on,
                    )
                except ValueError:
                    errors["insurance_ends_on"] = _(
                        "The insurance must cover the whole semester, from %(start)s to %(end)s."
                    ) % {"start": semester.starts_on, "end": semester.ends_on}
            values.update(insurance_starts_on=starts, insurance_ends_on=ends)
        else:
            # Abroad: no insurance step; answers from an earlier choice must not be reviewed as if they applied.
            values.update(insurance_number="", insurance_starts_on=None, insurance_ends_on=None, insurance_proof=None)
    elif step == "housing":
        housing = need("housing", _("Say whether you live on or off campus."))
        values["housing"] = housing
        if housing == Housing.OFF_CAMPUS:
            values["address"] = need("address", _("Enter the address you live at."))
        else:
            values["address"] = ""
    elif step == "permit":
        values["permit_number"] = need("permit_number", _("Enter the residence permit number."))
        expires = need("permit_expires_on", _("Enter the residence permit's expiry date."))
        if expires:
            try:
                rules.check_residence_permit(expires_on=expires, today=today, semester_ends_on=semester.ends_on)
            except ValueError:
                errors["permit_expires_on"] = _("This expiry date (%(date)s) is in the past.") % {"date": expires}
        values["permit_expires_on"] = expires
    elif step == "agree":
        if not data.get("agree"):
            errors["agree"] = _("Read the regulations and tick “I agree” to continue.")
        values["agreed_at"] = timezone.now()
    if errors:
        raise ValidationError(errors)
    return values


def registration_missing(form: RegistrationForm) -> dict[str, str]:
    """What still stops the form from being submitted, in plain words, by step."""
    missing = {}
    if not form.email or not form.phone:
        missing["contacts"] = _("Confirm your email address and phone number.")
    if form.passport_changed is None:
        missing["passport"] = _("Say whether your passport has changed.")
    elif form.passport_changed and not form.passport_scan_id:
        missing["passport"] = _("Upload the photo page of the new passport.")
    if not form.tuition_payment:
        missing["tuition"] = _("Choose how the tuition was paid.")
    elif form.tuition_payment == TuitionPaymentType.OTHER and not form.tuition_receipt_id:
        missing["tuition"] = _("Upload the tuition e-receipt.")
    if not form.location:
        missing["location"] = _("Say whether you are in China or abroad.")
    elif form.in_china and not form.insurance_proof_id:
        missing["location"] = _("Upload the insurance proof.")
    if not form.housing:
        missing["housing"] = _("Say whether you live on or off campus.")
    elif not form.housing_proof_id:
        missing["housing"] = _("Upload the accommodation fee e-receipt or your lease.")
    if not form.location:
        missing["permit"] = _("Answer step 4 first: whether you are in China or abroad.")
    elif form.in_china and not (form.permit_number and form.permit_scan_id):
        missing["permit"] = _("Enter the residence permit and upload its latest page.")
    # A file the office rejected is replaced before the form goes back (the item is decided with its file).
    for kind, field in ITEM_EVIDENCE.items():
        step = next(slug for slug, item_kind in STEP_ITEM.items() if item_kind == kind)
        evidence = getattr(form, field)
        if step not in missing and evidence is not None and evidence.state == ReviewState.REJECTED:
            missing[step] = _("Upload a new file: the office rejected the one on the form.")
    if not form.agreed_at:
        missing["agree"] = _("Read the regulations and tick “I agree”.")
    elif scholarship_statement_due(form):
        missing["agree"] = _("Sign the scholarship registration statement for this academic year.")
    return missing


def scholarship_statement_due(form: RegistrationForm) -> bool:
    """Whether this student still has to sign this academic year's scholarship registration statement."""
    academic_year = rules.academic_year_of(form.semester.code)
    signed = (
        set(
            ScholarshipStatement.objects.filter(student=form.student, academic_year=academic_year).values_list(
                "academic_year", flat=True
            )
        )
        if form.student.funding in rules.SCHOLARSHIP_FUNDINGS_SIGNING_STATEMENT
        else set()
    )
    return rules.scholarship_statement_required(
        funding=form.student.funding, signed_years=signed, academic_year=academic_year
    )


def _snapshot(form: RegistrationForm) -> dict:
    """The reviewed fields as submitted; files as their id and original name, dates as ISO text."""
    snapshot = {}
    for fields in ITEM_FIELDS.values():
        for field in fields:
            value = getattr(form, field)
            if hasattr(value, "original_name"):
                value = {"evidence": value.pk, "name": value.original_name}
            elif hasattr(value, "isoformat"):
                value = value.isoformat()
            snapshot[field] = value
    return snapshot


def _report_new_passport(form: RegistrationForm, user: User) -> None:
    """A changed passport becomes a pending version of the student's passport record in residence/, proven by the
    photo page; it replaces the passport on record only when the office approves it."""
    from residence.services.records import passport_record_from_registration

    scan = form.passport_scan
    if not form.passport_changed or scan is None or not scan.is_pending:
        return
    passport_record_from_registration(
        student=form.student,
        evidence=scan,
        number=form.new_passport_number,
        country=form.new_passport_country,
        issued_on=form.new_passport_issued_on,
        expires_on=form.new_passport_expires_on,
        submitted_by=user,
    )


def registration_item_kinds(form: RegistrationForm) -> list[str]:
    """The items the form is reviewed by, given the student's answers (the permit only for students in China)."""
    return _item_kinds(form)


def _item_kinds(form: RegistrationForm) -> list[str]:
    kinds = [ItemKind.CONTACTS, ItemKind.PASSPORT, ItemKind.TUITION, ItemKind.INSURANCE, ItemKind.HOUSING]
    if form.in_china:
        kinds.append(ItemKind.PERMIT)
    return kinds


def registration_submit(*, form: RegistrationForm, user: User, now=None) -> RegistrationForm:
    """Submit for review: every item waits for a decision, except items already approved in an earlier round."""
    now = now or timezone.now()
    with transaction.atomic():
        form = RegistrationForm.objects.select_for_update().select_related("semester", "student__user").get(pk=form.pk)
        if form.student.user_id != user.pk:
            raise PermissionDenied(_("Only the student submits their registration form."))
        _check_editable(form, now=now, expected_version=None)
        missing = registration_missing(form)
        if missing:
            raise ValidationError(missing)
        for kind in _item_kinds(form):
            item, created = RegistrationItem.objects.get_or_create(form=form, kind=kind)
            if not created and item.state == ItemState.REJECTED:
                item.state, item.reason = ItemState.PENDING, ""
                item.save(update_fields=["state", "reason"])
        # An item that no longer applies (the permit, once the student is abroad) goes if it was never decided; a
        # decided one keeps its history and is simply no longer part of the form (registration_item_kinds).
        form.items.exclude(kind__in=_item_kinds(form)).filter(decisions__isnull=True).delete()
        _report_new_passport(form, user)
        form.status, form.submitted_at = FormStatus.SUBMITTED, now
        FormSubmission.objects.create(
            form=form, number=form.submissions.count() + 1, submitted_at=now, snapshot=_snapshot(form)
        )
        form.version += 1
        form.save(update_fields=["status", "submitted_at", "version", "updated_at"])
        audit_record(actor=user, action="registration.submitted", target=form, student=form.student)
    return form


def registration_item_decide(
    *, item: RegistrationItem, reviewer: User, approve: bool, reason: str = "", expected_state: str = ItemState.PENDING
) -> RegistrationItem:
    """Approve or reject one item. The row lock and the expected state make a second reviewer's decision fail
    with who decided, instead of overwriting it."""
    reason = (reason or "").strip()
    if not approve and not reason:
        raise ValidationError({"reason": _("Say why this part is rejected, so the student can fix it.")})
    if not can_review_registration(reviewer):
        raise PermissionDenied(_("You may not decide on registration forms."))
    with transaction.atomic():
        # Without `of=`, FOR UPDATE locks the joined form row too: two reviewers finishing a form's last two items
        # settle it one after the other, so it is approved or returned exactly once. Keep it that way.
        locked = RegistrationItem.objects.select_for_update().select_related("form__student__user").get(pk=item.pk)
        # Only a waiting item is decided: a decided one stays as it is (its file and any record it proves were
        # decided with it), and a second reviewer learns who decided first.
        if locked.state != expected_state or locked.state != ItemState.PENDING:
            who = locked.decided_by.display_name() if locked.decided_by else _("someone else")
            raise ConflictError(
                _("This part was already %(state)s by %(who)s.")
                % {"state": locked.get_state_display().lower(), "who": who}
            )
        locked.state = ItemState.APPROVED if approve else ItemState.REJECTED
        locked.reason = "" if approve else reason
        locked.decided_at, locked.decided_by = timezone.now(), reviewer
        locked.save(update_fields=["state", "reason", "decided_at", "decided_by"])
        ItemDecision.objects.create(item=locked, state=locked.state, reason=locked.reason, decided_by=reviewer)
        _decide_item_evidence(locked, reviewer=reviewer, approve=approve)
        if approve and locked.kind == ItemKind.CONTACTS:
            _apply_contacts(locked.form, reviewer=reviewer)
        audit_record(
            actor=reviewer,
            action=f"registration.item_{locked.state}",
            target=locked.form,
            student=locked.form.student,
            changes={locked.kind: [expected_state, locked.state]},
            reason=locked.reason,
        )
        _settle_form(locked.form)
    return locked


def _decide_item_evidence(item: RegistrationItem, *, reviewer: User, approve: bool) -> None:
    """The item's upload takes the item's decision, so the file's own history (and the residence record it may
    prove) agrees with the form; the student hears once, from the form's summary."""
    field = ITEM_EVIDENCE.get(item.kind)
    evidence = getattr(item.form, field) if field else None
    if evidence is None or not evidence.is_pending:
        return
    if approve:
        portal_services.evidence_approve(
            evidence=evidence, reviewer=reviewer, notify_student=False, within="registration"
        )
    else:
        portal_services.evidence_reject(
            evidence=evidence, reviewer=reviewer, reason=item.reason, notify_student=False, within="registration"
        )


def _apply_contacts(form: RegistrationForm, *, reviewer: User) -> None:
    """GUIDE step 1: the confirmed email and phone become the ones on record, where the notices go."""
    student, user = form.student, form.student.user
    before = {"email": user.email, "phone": student.phone}
    if user.email != form.email:
        user.email = form.email
        user.save(update_fields=["email"])
    if student.phone != form.phone:
        student.phone = form.phone
        student.save(update_fields=["phone", "updated_at"])
    changes = field_changes(before, {"email": form.email, "phone": form.phone})
    if changes:
        audit_record(actor=reviewer, action="registration.contacts_applied", target=student, changes=changes)


def _settle_form(form: RegistrationForm) -> None:
    """Once no item waits: approved if all are, otherwise returned to the student with the reasons."""
    states = set(form.items.filter(kind__in=_item_kinds(form)).values_list("state", flat=True))
    if ItemState.PENDING in states:
        return
    form.status = FormStatus.APPROVED if states == {ItemState.APPROVED} else FormStatus.RETURNED
    form.version += 1
    form.save(update_fields=["status", "version", "updated_at"])
    portal_services.notify(
        user=form.student.user,
        template="registration/email/form_decided",
        context={
            "form": form,
            "approved": form.status == FormStatus.APPROVED,
            "rejected": list(form.items.filter(state=ItemState.REJECTED, kind__in=_item_kinds(form))),
        },
        url="/",
    )


def visa_letter_available(form: RegistrationForm) -> bool:
    """GUIDE: once everything is approved and the student is in China, the visa-extension letter can be had."""
    return form.status == FormStatus.APPROVED and form.in_china


def visa_letter_request(*, form: RegistrationForm, user: User, language: str):
    """The student's visa-extension letter for this form: the one already made, or a new one queued."""
    from portal.models import DocumentStatus, GeneratedDocument

    if form.student.user_id != user.pk:
        raise PermissionDenied(_("Only the student can ask for their own letter."))
    if not visa_letter_available(form):
        raise ValidationError(
            _("The letter is available once every part of the form is approved and you are in China.")
        )
    existing = (
        GeneratedDocument.objects.filter(
            owner=user, kind="visa_extension_letter", parameters__form_id=form.pk, language=language
        )
        .exclude(status=DocumentStatus.FAILED)
        .order_by("-created_at")
        .first()
    )
    if existing is not None:
        return existing
    document = portal_services.generated_document_request(
        owner=user,
        kind="visa_extension_letter",
        title=_("Visa-extension letter (%(semester)s)") % {"semester": form.semester.localized_name(language)},
        parameters={"form_id": form.pk},
        language=language,
    )
    audit_record(actor=user, action="registration.visa_letter_requested", target=form, student=form.student)
    return document
