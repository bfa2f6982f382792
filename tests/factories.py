"""factory_boy factories for the shared kernel."""

import datetime
import io

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from portal.models import DegreeLevel, Funding, Gender, Role, School, Semester, Student, User


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"school{n}")
    name_en = factory.LazyAttribute(lambda o: f"School of {o.code.title()}")
    name_zh = factory.LazyAttribute(lambda o: f"{o.code}学院")


class SemesterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Semester

    code = factory.Sequence(lambda n: f"2026-2027-{n}")
    name_en = "Spring 2027"
    name_zh = "2027年春季学期"
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=10))
    ends_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=120))
    preregistration_opens_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=20))
    preregistration_closes_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=5))
    registration_day = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=7))
    registration_place = "International College, Room 101"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.edu.cn")
    role = Role.INTERNATIONAL_OFFICE
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery staple")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()

    @factory.post_generation
    def second_factor(obj, create, extracted, **kwargs):
        """Staff have an authenticator app unless a test says otherwise (second_factor=False)."""
        if create and obj.role != Role.STUDENT and extracted is not False:
            add_totp(obj)


TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def add_totp(user):
    from allauth.mfa.totp.internal.auth import TOTP

    return TOTP.activate(user, TOTP_SECRET)


class StudentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Student

    student_id = factory.Sequence(lambda n: f"2026{n:06d}")
    user = factory.SubFactory(
        UserFactory,
        username=factory.SelfAttribute("..student_id"),
        email=factory.LazyAttribute(lambda o: f"{o.username}@student.example.edu.cn"),
        role=Role.STUDENT,
    )
    name_latin = factory.Faker("name")
    name_zh = ""
    nationality = "Pakistan"
    gender = Gender.MALE
    date_of_birth = datetime.date(2002, 3, 4)
    passport_number = factory.Sequence(lambda n: f"AB{n:07d}")
    passport_expires_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=3 * 365))
    school = factory.SubFactory(SchoolFactory, code="medicine")
    programme = "Clinical Medicine (MBBS)"
    degree_level = DegreeLevel.BACHELOR
    funding = Funding.SELF_FUNDED
    enrolment_year = 2024


def png_bytes(size=(20, 20), color=(200, 30, 30)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg_bytes(size=(20, 20)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(buffer, format="JPEG")
    return buffer.getvalue()


def pdf_bytes(pages: int = 1) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def upload(name="scan.pdf", content=None, content_type="application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes() if content is None else content, content_type=content_type)
