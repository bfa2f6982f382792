"""The visa-extension letter: only for an approved registration of a student in China, and only to the student."""

import io
from datetime import timedelta

import pdfplumber
import pytest
from django.utils import timezone

from portal.models import GeneratedDocument
from registration import services
from registration.documents import builders, visa_extension_letter
from registration.models import FormStatus, Location, RegistrationForm
from tests.factories import SemesterFactory
from tests.registration.test_services import fill

pytestmark = pytest.mark.django_db


def no_progress(done, total):
    pass


def pdf_text(content: bytes) -> str:
    with pdfplumber.open(io.BytesIO(content)) as pdf:
        text = "\n".join(page.extract_text() or "" for page in pdf.pages)
    # Lines wrap wherever the layout puts them; the checks read the text as one line.
    return " ".join(text.split())


@pytest.fixture
def semester(db):
    today = timezone.localdate()
    return SemesterFactory(starts_on=today - timedelta(days=5), ends_on=today + timedelta(days=120))


def submitted_form(student, semester):
    form = services.registration_form_for(student=student, semester=semester)
    return services.registration_submit(form=fill(form, student.user), user=student.user)


def approved_form(student, semester, reviewer):
    form = submitted_form(student, semester)
    for item in form.items.all():
        services.registration_item_decide(item=item, reviewer=reviewer, approve=True)
    form.refresh_from_db()
    assert form.status == FormStatus.APPROVED
    return form


def letter_for(form, *, owner=None, language="en"):
    return GeneratedDocument.objects.create(
        owner=owner or form.student.user,
        kind="visa_extension_letter",
        title="Visa extension letter",
        parameters={"form_id": form.pk},
        language=language,
    )


def test_the_letter_names_the_student_the_documents_and_the_semester(other_school_student, semester, office_staff):
    form = approved_form(other_school_student, semester, office_staff)
    document = letter_for(form)

    filename, content_type, content = visa_extension_letter(document, no_progress)

    assert content_type == "application/pdf"
    assert filename.endswith(".pdf") and other_school_student.student_id in filename
    text = pdf_text(content)
    assert "Chen Wei Ling" in text
    assert "陈伟玲" in text
    assert other_school_student.nationality in text
    assert other_school_student.passport_number in text
    assert "E123456" in text
    assert semester.name_en in text
    assert other_school_student.programme in text
    assert f"VISA-{timezone.localdate().year}-{document.pk:06d}" in text
    assert "extension of the student's residence permit" in text


def test_a_changed_passport_prints_the_new_number(student, semester, office_staff):
    form = approved_form(student, semester, office_staff)
    RegistrationForm.objects.filter(pk=form.pk).update(passport_changed=True, new_passport_number="N99887766")

    text = pdf_text(visa_extension_letter(letter_for(form), no_progress)[2])

    assert "N99887766" in text
    assert student.passport_number not in text


def test_the_chinese_letter_uses_the_chinese_semester_name(student, semester, office_staff):
    form = approved_form(student, semester, office_staff)

    text = pdf_text(visa_extension_letter(letter_for(form, language="zh-hans"), no_progress)[2])

    assert semester.name_zh in text
    assert "阿米娜" in text


def test_a_form_not_yet_approved_gets_no_letter(student, semester):
    form = submitted_form(student, semester)
    with pytest.raises(ValueError, match="approved"):
        visa_extension_letter(letter_for(form), no_progress)


def test_a_student_abroad_gets_no_letter(student, semester, office_staff):
    form = approved_form(student, semester, office_staff)
    RegistrationForm.objects.filter(pk=form.pk).update(location=Location.ABROAD)
    with pytest.raises(ValueError, match="in China"):
        visa_extension_letter(letter_for(form), no_progress)


def test_a_classmate_cannot_have_someone_elses_letter(student, classmate, semester, office_staff):
    form = approved_form(student, semester, office_staff)
    with pytest.raises(ValueError, match="own registration"):
        visa_extension_letter(letter_for(form, owner=classmate.user), no_progress)


def test_a_missing_form_gets_no_letter(student):
    document = GeneratedDocument.objects.create(
        owner=student.user, kind="visa_extension_letter", title="x", parameters={}, language="en"
    )
    with pytest.raises(ValueError):
        visa_extension_letter(document, no_progress)


def test_the_builder_is_offered_for_wiring():
    assert builders() == {"visa_extension_letter": visa_extension_letter}


def test_the_student_gets_the_letter_from_the_overview_page_once_approved(
    client_for, student, office_staff, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.urls import reverse
    from django.utils import timezone

    from portal.models import DocumentStatus, GeneratedDocument
    from registration import services as registration_services
    from tests.factories import SemesterFactory
    from tests.registration.test_services import fill

    today = timezone.localdate()
    semester = SemesterFactory(starts_on=today - timedelta(days=5), ends_on=today + timedelta(days=120))
    form = registration_services.registration_submit(
        form=fill(registration_services.registration_form_for(student=student, semester=semester), student.user),
        user=student.user,
    )
    for item in form.items.all():
        registration_services.registration_item_decide(item=item, reviewer=office_staff, approve=True)
    client = client_for(student.user)
    assert "visa-extension letter" in client.get(reverse("registration_overview")).content.decode().lower()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("registration_visa_letter"))
    document = GeneratedDocument.objects.get(owner=student.user, kind="visa_extension_letter")
    assert response["Location"] == reverse("document_detail", args=[document.pk])
    document.refresh_from_db()
    assert document.status == DocumentStatus.DONE
    download = client.get(reverse("document_download", args=[document.pk]))
    assert download.status_code == 200
    # A second click gives the same letter.
    assert client.post(reverse("registration_visa_letter"))["Location"] == response["Location"]


def _rendered_letter(form):
    from django.core.files.base import ContentFile

    from portal.models import DocumentStatus

    letter = letter_for(form)
    letter.file.save("letter.pdf", ContentFile(b"%PDF-1.4 letter"), save=False)
    letter.status = DocumentStatus.DONE
    letter.save()
    return letter


def test_staff_see_when_the_student_collected_the_letter(student, semester, office_staff, client_for):
    from django.urls import reverse

    form = approved_form(student, semester, office_staff)
    letter = _rendered_letter(form)
    review = reverse("registration_review", args=[form.pk])
    assert "not downloaded yet" in client_for(office_staff).get(review).content.decode()

    client_for(student.user).get(reverse("document_download", args=[letter.pk]))

    letter.refresh_from_db()
    assert letter.first_downloaded_at is not None
    page = client_for(office_staff).get(review).content.decode()
    assert "Collected by the student on" in page


def test_the_queue_lists_approved_students_in_china_who_have_not_collected(
    student, classmate, semester, office_staff, client_for
):
    from django.urls import reverse

    from portal.services import generated_document_downloaded

    collected = approved_form(student, semester, office_staff)
    approved_form(classmate, semester, office_staff)
    generated_document_downloaded(document=_rendered_letter(collected), user=student.user)

    client = client_for(office_staff)
    waiting = client.get(reverse("registration_queue"), {"letter": "not_collected"}).content.decode()
    done = client.get(reverse("registration_queue"), {"letter": "collected"}).content.decode()

    assert classmate.student_id in waiting and student.student_id not in waiting
    assert student.student_id in done and classmate.student_id not in done


def test_only_the_owners_download_counts_as_collecting(student, semester, office_staff, admin_user):
    from portal.services import generated_document_downloaded

    letter = _rendered_letter(approved_form(student, semester, office_staff))
    generated_document_downloaded(document=letter, user=admin_user)

    letter.refresh_from_db()
    assert letter.first_downloaded_at is None
