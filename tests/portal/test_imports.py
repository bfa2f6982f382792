"""The admissions-list import: the service, the staff page, the admin page and the command."""

from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.contrib import admin
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from portal import imports
from portal.admin_imports import StudentImportAdminMixin
from portal.imports import HEADER, AdmissionsFileError, admissions_csv, admissions_import
from portal.models import DegreeLevel, Funding, Role, Student, User
from tests.factories import SchoolFactory

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "admissions_sample.csv"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def schools(school_a, school_b):
    """The sample file uses the medicine and economics schools."""
    return school_a, school_b


def row(**changes) -> dict:
    """A good admissions-list row: Fatima Khan of the School of Medicine; keyword arguments change it."""
    values = {
        "student_id": "2026200001",
        "name_latin": "Fatima Khan",
        "name_zh": "",
        "nationality": "Pakistan",
        "gender": "female",
        "date_of_birth": "2004-02-29",
        "passport_number": "AB1234567",
        "passport_expires_on": "2032-01-31",
        "school": "medicine",
        "programme": "Clinical Medicine (MBBS)",
        "degree_level": "bachelor",
        "funding": "self_funded",
        "enrolment_year": "2026",
        "email": "fatima.khan@example.com",
        "phone": "+86 138 0000 1111",
    }
    values.update(changes)
    return values


def other_row(**changes) -> dict:
    """Another good row: Kofi Asante of the School of Economics."""
    values = row(
        student_id="2026200002",
        name_latin="Kofi Asante",
        nationality="Ghana",
        gender="male",
        passport_number="G7654321",
        school="economics",
        programme="Finance",
        degree_level="master",
        email="kofi.asante@example.com",
    )
    values.update(changes)
    return values


def run(*rows, **kwargs):
    return admissions_import(source=admissions_csv(rows), **kwargs)


# --- Creating accounts ---------------------------------------------------------------------------------------------


def test_import_creates_a_student_and_account_for_each_row_of_the_sample_file():
    result = admissions_import(source=SAMPLE.read_bytes())

    assert (result.created, result.updated, result.unchanged, result.errors) == (6, 0, 0, [])
    tan = Student.objects.select_related("user", "school").get(student_id="2026100002")
    assert (tan.name_latin, tan.name_zh, tan.nationality) == ("Tan Wei Ming", "陈伟明", "Malaysia")
    assert tan.school.code == "economics"
    assert (tan.degree_level, tan.funding, tan.enrolment_year) == (DegreeLevel.BACHELOR, Funding.CSC, 2026)
    assert (tan.user.username, tan.user.email, tan.user.role) == ("2026100002", "weiming.tan@example.com", Role.STUDENT)


def test_new_account_holds_the_last_six_characters_of_the_passport_as_initial_password():
    run(row(passport_number="AB1234567"))

    user = User.objects.get(username="2026200001")
    assert user.check_password("234567")
    assert user.must_change_password
    assert user.initial_password_expires_at > timezone.now() + timedelta(days=1)


def test_imported_student_logs_in_with_student_id_and_initial_password_and_is_sent_to_change_it(client):
    run(row(student_id="2026200001", passport_number="AB1234567"))

    response = client.post(reverse("account_login"), {"login": "2026200001", "password": "234567"})

    assert response.status_code == 302
    assert response.url == reverse("account_change_password")
    assert client.session["_auth_user_id"] == str(User.objects.get(username="2026200001").pk)


def test_passport_number_is_stored_without_spaces_and_in_upper_case():
    run(row(passport_number=" ab 123 4567 "))

    student = Student.objects.get(student_id="2026200001")
    assert student.passport_number == "AB1234567"
    assert student.user.check_password("234567")


@pytest.mark.parametrize(
    ("column", "value", "stored"),
    [
        ("funding", "chinese government scholarship", Funding.CSC),
        ("funding", "Confucius Institute Scholarship", Funding.CONFUCIUS),
        ("funding", "SELF-FUNDED", Funding.SELF_FUNDED),
        ("degree_level", "Non-degree", DegreeLevel.NON_DEGREE),
        ("gender", "F", "female"),
    ],
)
def test_choices_are_accepted_as_value_or_english_label_in_any_case(column, value, stored):
    run(row(**{column: value}))

    assert getattr(Student.objects.get(), column) == stored


def test_a_file_with_the_byte_order_mark_excel_writes_imports():
    result = admissions_import(source=admissions_csv([row(name_zh="法蒂玛")], bom=True))

    assert result.created == 1
    assert Student.objects.get().name_zh == "法蒂玛"


def test_a_semicolon_separated_file_from_excel_imports():
    content = admissions_csv([row()]).decode().replace(",", ";").encode()

    assert admissions_import(source=content).created == 1


# --- Bad rows ----------------------------------------------------------------------------------------------------


def test_bad_rows_are_reported_with_their_line_numbers_and_the_good_rows_are_imported():
    result = run(
        row(),  # line 2
        other_row(date_of_birth="2004/02/29"),  # line 3
        row(student_id="2026200003", email="third@example.com", passport_number="CD7654321"),  # line 4
    )

    assert result.created == 2
    assert [line for line, _reason in result.errors] == [3]
    assert set(Student.objects.values_list("student_id", flat=True)) == {"2026200001", "2026200003"}
    assert not User.objects.filter(username="2026200002").exists()


def test_line_numbers_count_physical_lines_when_a_value_spans_two_lines():
    result = run(row(programme="Clinical Medicine\n(MBBS)"), other_row(school="astrology"))

    assert [line for line, _reason in result.errors] == [4]


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"name_latin": ""}, "name_latin is missing"),
        ({"date_of_birth": "29.02.2004"}, "date_of_birth “29.02.2004” is not a date as YYYY-MM-DD"),
        ({"passport_expires_on": "2032-02-30"}, "passport_expires_on “2032-02-30” is not a date"),
        ({"school": "astrology"}, "unknown school “astrology”"),
        ({"email": "fatima.khan@"}, "email “fatima.khan@” is not an e-mail address"),
        ({"passport_expires_on": "2001-01-01"}, "passport_expires_on is before date_of_birth"),
        ({"funding": "parents"}, "funding “parents” is not one of"),
        ({"enrolment_year": "next year"}, "enrolment_year “next year” is not a year"),
        ({"passport_number": "12345"}, "passport_number must be 6 to 30 letters and digits"),
        ({"student_id": "2026 200001"}, "student_id “2026 200001” must be"),
    ],
    ids=[
        "missing name",
        "date not as YYYY-MM-DD",
        "impossible date",
        "unknown school",
        "bad email",
        "passport expires before birth",
        "unknown funding",
        "year not a number",
        "passport shorter than the initial password",
        "student ID with a space",
    ],
)
def test_a_bad_row_is_rejected_with_a_plain_reason_and_nothing_of_it_is_stored(changes, reason):
    result = run(row(**changes))

    assert result.created == 0
    assert len(result.errors) == 1
    line, message = result.errors[0]
    assert line == 2
    assert reason in message
    assert not Student.objects.exists()
    assert not User.objects.filter(role=Role.STUDENT).exists()


def test_a_student_id_on_two_lines_rejects_both_lines():
    result = run(row(), other_row(), row(email="someone.else@example.com"))

    assert [line for line, _reason in result.errors] == [2, 4]
    assert "student_id 2026200001 is on more than one line (2, 4)" in result.errors[0][1]
    assert list(Student.objects.values_list("student_id", flat=True)) == ["2026200002"]


def test_an_email_on_two_lines_rejects_both_lines():
    result = run(row(), other_row(email="FATIMA.KHAN@example.com"))

    assert [line for line, _reason in result.errors] == [2, 3]
    assert not Student.objects.exists()


def test_an_email_used_by_another_account_is_rejected(office_staff):
    result = run(row(email=office_staff.email))

    assert result.errors == [(2, f"email {office_staff.email} is used by another account")]


def test_a_student_id_that_is_a_staff_user_name_is_rejected(office_staff):
    result = run(row(student_id=office_staff.username))

    assert "already the user name of another account" in result.errors[0][1]
    assert not Student.objects.exists()


def test_all_problems_of_a_row_are_reported_together():
    result = run(row(name_latin="", school="astrology"))

    assert "name_latin is missing" in result.errors[0][1]
    assert "unknown school" in result.errors[0][1]


# --- Re-importing --------------------------------------------------------------------------------------------------


def test_reimport_updates_the_phone_and_programme_without_adding_a_student():
    run(row())

    result = run(row(phone="+86 139 2222 3333", programme="Pharmacy"))

    assert (result.created, result.updated, result.unchanged) == (0, 1, 0)
    student = Student.objects.get()
    assert (student.phone, student.programme) == ("+86 139 2222 3333", "Pharmacy")
    assert User.objects.filter(role=Role.STUDENT).count() == 1


def test_reimport_does_not_reset_a_password_the_student_has_changed():
    run(row())
    user = User.objects.get(username="2026200001")
    user.set_password("my own secret phrase")
    user.must_change_password = False
    user.initial_password_expires_at = None
    user.save()

    run(row(phone="+86 139 2222 3333", passport_number="XY9999999"))

    user.refresh_from_db()
    assert user.check_password("my own secret phrase")
    assert not user.must_change_password
    assert Student.objects.get().passport_number == "XY9999999"


def test_reimport_with_a_corrected_passport_reissues_the_initial_password_not_yet_changed():
    run(row(passport_number="AB1234567"))

    run(row(passport_number="AB7654321"))

    user = User.objects.get(username="2026200001")
    assert user.check_password("654321")
    assert user.must_change_password


def test_reimport_of_the_same_file_leaves_every_student_unchanged():
    admissions_import(source=SAMPLE.read_bytes())
    before = dict(Student.objects.values_list("student_id", "updated_at"))

    result = admissions_import(source=SAMPLE.read_bytes())

    assert (result.created, result.updated, result.unchanged) == (0, 0, 6)
    assert dict(Student.objects.values_list("student_id", "updated_at")) == before


def test_reimport_may_change_the_email_to_one_no_other_account_uses():
    run(row())

    run(row(email="fatima.k@example.org"))

    assert User.objects.get(username="2026200001").email == "fatima.k@example.org"


def test_the_database_is_read_with_the_same_number_of_queries_for_few_or_many_rows():
    def selects(count):
        rows = [
            row(student_id=f"20263{n:05d}", email=f"s{n}@example.com", school="medicine" if n % 2 else "economics")
            for n in range(count)
        ]
        with CaptureQueriesContext(connection) as queries:
            admissions_import(source=admissions_csv(rows), dry_run=True)
        return sum(query["sql"].lstrip().upper().startswith("SELECT") for query in queries)

    assert selects(2) == selects(30)


def test_dry_run_reports_what_would_happen_and_stores_nothing():
    result = run(row(), other_row(school="astrology"), dry_run=True)

    assert (result.created, result.rejected, result.dry_run) == (1, 1, True)
    assert not Student.objects.exists()


# --- The file as a whole -------------------------------------------------------------------------------------------


def test_a_file_with_wrong_headers_is_rejected_and_nothing_is_imported():
    content = admissions_csv([row()]).replace(b"passport_number", b"passport").replace(b"phone", b"mobile")

    with pytest.raises(AdmissionsFileError) as error:
        admissions_import(source=content)

    message = str(error.value)
    assert "missing columns: passport_number, phone" in message
    assert "unknown columns: passport, mobile" in message
    assert not Student.objects.exists()


def test_header_names_are_matched_ignoring_case_and_spaces():
    content = admissions_csv([row()]).replace(b"student_id", b"Student ID", 1)

    assert admissions_import(source=content).created == 1


def test_a_file_larger_than_the_limit_is_rejected(monkeypatch):
    monkeypatch.setattr(imports, "MAX_FILE_BYTES", 100)

    with pytest.raises(AdmissionsFileError, match="larger than"):
        run(row())


def test_a_file_with_more_rows_than_the_limit_is_rejected_and_nothing_is_imported(monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 1)

    with pytest.raises(AdmissionsFileError, match="more than 1 students"):
        run(row(), other_row())
    assert not Student.objects.exists()


def test_a_file_that_is_not_utf8_is_rejected_with_advice_for_excel():
    content = admissions_csv([row(name_zh="法蒂玛")]).decode().encode("gb18030")

    with pytest.raises(AdmissionsFileError, match="CSV UTF-8"):
        admissions_import(source=content)


def test_a_file_with_only_a_header_is_rejected():
    with pytest.raises(AdmissionsFileError, match="no students"):
        admissions_import(source=admissions_csv([]))


# --- The staff page ------------------------------------------------------------------------------------------------


def upload(content: bytes, name="admissions.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_office_staff_sees_the_import_page_with_the_columns_and_school_codes_documented(client_for, office_staff):
    response = client_for(office_staff).get(reverse("student_import"))

    assert response.status_code == 200
    page = response.content.decode()
    assert ",<wbr>".join(HEADER) in page
    assert "<code>medicine</code>" in page


def test_admin_sees_the_import_page(client_for, admin_user):
    assert client_for(admin_user).get(reverse("student_import")).status_code == 200


def test_school_staff_may_not_import(client_for, staff_a):
    assert client_for(staff_a).get(reverse("student_import")).status_code == 403


def test_student_does_not_find_the_import_page(client_for, student):
    assert client_for(student.user).get(reverse("student_import")).status_code == 404


def test_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get(reverse("student_import"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_school_staff_cannot_import_by_posting_a_file(client_for, staff_a):
    response = client_for(staff_a).post(reverse("student_import"), {"file": upload(admissions_csv([row()]))})

    assert response.status_code == 403
    assert not Student.objects.exists()


def test_uploading_on_the_page_shows_counts_and_rejected_lines(client_for, office_staff):
    content = admissions_csv([row(), other_row(school="astrology")])

    response = client_for(office_staff).post(reverse("student_import"), {"file": upload(content)})

    assert response.status_code == 200
    assert response.context["result"].created == 1
    page = response.content.decode()
    assert "<td>3</td>" in page
    assert "unknown school “astrology”" in page
    assert Student.objects.filter(student_id="2026200001").exists()


def test_uploading_a_file_with_wrong_headers_shows_one_error_on_the_page(client_for, office_staff):
    content = b"id,name\n1,Fatima\n"

    response = client_for(office_staff).post(reverse("student_import"), {"file": upload(content)})

    assert response.status_code == 200
    assert response.context["result"] is None
    assert "missing columns" in response.context["form"].errors["file"][0]
    assert not Student.objects.exists()


def test_check_only_on_the_page_imports_nothing(client_for, office_staff):
    response = client_for(office_staff).post(
        reverse("student_import"), {"file": upload(admissions_csv([row()])), "dry_run": "on"}
    )

    assert response.context["result"].created == 1
    assert not Student.objects.exists()


def test_the_empty_template_downloads_with_the_header_and_a_byte_order_mark(client_for, office_staff):
    response = client_for(office_staff).get(reverse("student_import"), {"download": "template"})

    assert response["Content-Type"].startswith("text/csv")
    assert response.content.decode("utf-8") == "\ufeff" + ",".join(HEADER) + "\r\n"


# --- The admin page and the command -----------------------------------------------------------------------------


class StudentImportTestAdmin(StudentImportAdminMixin, admin.ModelAdmin):
    pass


def admin_request(rf, user, data=None):
    request = rf.post("/admin/portal/student/import/", data) if data else rf.get("/admin/portal/student/import/")
    request.user = user
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def test_admin_import_page_imports_an_uploaded_file(rf, admin_user):
    model_admin = StudentImportTestAdmin(Student, admin.site)

    response = model_admin.import_view(admin_request(rf, admin_user, {"file": upload(admissions_csv([row()]))}))
    response.render()

    assert response.status_code == 200
    assert response.context_data["result"].created == 1
    assert Student.objects.filter(student_id="2026200001").exists()


def test_admin_import_page_is_forbidden_to_staff_without_the_import_right(rf, finance_staff):
    model_admin = StudentImportTestAdmin(Student, admin.site)

    with pytest.raises(PermissionDenied):
        model_admin.import_view(admin_request(rf, finance_staff))


def test_admin_import_url_comes_before_the_object_urls():
    patterns = StudentImportTestAdmin(Student, admin.site).get_urls()

    assert str(patterns[0].pattern) == "import/"
    assert patterns[0].name == "portal_student_import"


def test_import_command_imports_a_file_and_prints_the_counts():
    out = StringIO()

    call_command("import_students", str(SAMPLE), stdout=out)

    assert "6 created, 0 updated, 0 unchanged, 0 rejected" in out.getvalue()
    assert Student.objects.count() == 6


def test_import_command_lists_rejected_rows_and_fails(tmp_path):
    path = tmp_path / "list.csv"
    path.write_bytes(admissions_csv([row(), other_row(school="astrology")]))
    err = StringIO()

    with pytest.raises(CommandError, match="1 rows rejected"):
        call_command("import_students", str(path), stdout=StringIO(), stderr=err)

    assert "line 3: unknown school" in err.getvalue()
    assert Student.objects.count() == 1


def test_a_new_school_is_usable_in_the_next_import():
    SchoolFactory(code="law", name_en="Law School", name_zh="法学院")

    assert run(row(school="LAW")).created == 1
