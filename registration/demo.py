"""Demo data for semester registration (called by `manage.py seed_demo`): the year's tuition billed and mostly paid,
and registration forms in every state, so the queue, the counts, the desk and the letter have something to show.

Everything goes through the services, as a student, a reviewer and the finance office would do it; students who
already have a form for the semester are left as they are, so running the seed twice changes nothing.
"""

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from fees import services as fees_services
from fees.models import Channel, FeeKind, LedgerEntry
from portal.models import Semester, Student, User
from registration import rules, services
from registration.models import ItemKind, RegistrationForm

TUITION = "26000.00"


def seed_registration_demo(
    *, semester: Semester, students: list[Student], office: User, finance: User, scan: bytes, pdf: bytes
) -> dict[str, int]:
    """Bill and pay tuition, then fill forms: one draft, waiting, returned, approved and leave, by position."""
    counts = {"billed": 0, "forms": 0}
    year = rules.academic_year_of(semester.code)
    today = timezone.localdate()
    billed = set(LedgerEntry.objects.filter(student__in=students).values_list("student_id", flat=True))
    for index, student in enumerate(students):
        if student.pk in billed or student.funding != "self_funded":
            continue
        fees_services.charge_add(
            student=student, fee_kind=FeeKind.TUITION, academic_year=year, amount=TUITION, actor=finance
        )
        # One in six has not paid yet: the desk refuses them and finance sees them in arrears.
        if index % 6 != 5:
            fees_services.payment_record(
                student=student,
                fee_kind=FeeKind.TUITION,
                academic_year=year,
                amount=TUITION,
                channel=Channel.ONLINE,
                actor=finance,
                paid_on=today - timedelta(days=index % 20 + 1),
                reference=f"DEMO-{year}-{student.student_id}",
            )
        counts["billed"] += 1
    has_form = set(RegistrationForm.objects.filter(semester=semester).values_list("student_id", flat=True))
    for index, student in enumerate(students):
        if student.pk in has_form:
            continue
        form = services.registration_form_for(student=student, semester=semester)
        if index == 0:
            continue  # a draft for the first demo login to fill in
        form = _fill(form, student, semester, scan=scan, pdf=pdf, in_china=index % 7 != 3)
        form = services.registration_submit(form=form, user=student.user)
        counts["forms"] += 1
        if index % 4 == 0:
            continue  # waiting for review
        for item in form.items.all():
            reject = index % 4 == 2 and item.kind == ItemKind.INSURANCE
            services.registration_item_decide(
                item=item,
                reviewer=office,
                approve=not reject,
                reason="The insurance does not cover the whole semester." if reject else "",
            )
    return counts


def _fill(form, student: Student, semester: Semester, *, scan: bytes, pdf: bytes, in_china: bool):
    user, save = student.user, services.registration_step_save

    def upload(name, content, content_type="application/pdf"):
        return SimpleUploadedFile(name, content, content_type)

    form = save(
        form=form,
        step="contacts",
        user=user,
        data={
            "email": user.email or f"{student.student_id}@example.org",
            "phone": student.phone or "+86 138 0000 0000",
        },
    )
    form = save(form=form, step="passport", user=user, data={"passport_changed": False})
    form = save(form=form, step="tuition", user=user, data={"tuition_payment": "online"})
    location = {"location": "in_china" if in_china else "abroad"}
    uploads = []
    if in_china:
        location.update(
            insurance_number=f"PICC-{student.student_id}",
            insurance_starts_on=semester.starts_on,
            insurance_ends_on=semester.ends_on,
        )
        uploads = [services.StepUpload("insurance_proof", "insurance_proof", upload("insurance.pdf", pdf))]
    form = save(form=form, step="location", user=user, data=location, uploads=uploads)
    form = save(
        form=form,
        step="housing",
        user=user,
        data={"housing": "on_campus"},
        uploads=[services.StepUpload("housing_proof", "accommodation_receipt", upload("accommodation.pdf", pdf))],
    )
    if in_china:
        form = save(
            form=form,
            step="permit",
            user=user,
            data={
                "permit_number": f"E{student.student_id[-8:]}",
                "permit_expires_on": max(semester.ends_on, timezone.localdate()) + timedelta(days=200),
            },
            uploads=[services.StepUpload("permit_scan", "visa_page", upload("permit.png", scan, "image/png"))],
        )
    data = {"agree": True}
    if services.scholarship_statement_due(form):
        data["sign_statement"] = True
    return save(form=form, step="agree", user=user, data=data)


def seed_attendance_demo(*, students: list[Student], office: User) -> int:
    """Absences in the current term: a short one, 2 weeks in succession without leave, and over 4 weeks (the
    student is told to apply for suspension). Students who already have absences are left as they are."""
    from registration.models import Absence

    today = timezone.localdate()
    term = services.attendance_term(today)
    if term is None or term.ends_on < today:
        return 0
    lengths = (3, 15, 30, 1)
    recorded = 0
    for student, length in zip(students, lengths, strict=False):
        last_day = today - timedelta(days=1)
        first_day = last_day - timedelta(days=length - 1)
        if first_day < term.starts_on or Absence.objects.filter(student=student).exists():
            continue
        services.absence_record(
            student=student, user=office, first_day=first_day, last_day=last_day, note="Demo: not seen in class"
        )
        recorded += 1
    return recorded
