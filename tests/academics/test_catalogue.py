"""The catalogue pages: a school adds and changes its own courses and offerings (errors shown on the form with what
was typed kept), the International College and admins every school's; nobody else any; query counts stay flat."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from academics import services
from academics.models import Course, ExamApplication, Offering
from portal.models import AuditEntry
from tests.academics.helpers import calendar, course, enrol, enter, offering

pytestmark = pytest.mark.django_db

COURSE = {
    "code": "med230",
    "name_en": "Physiology",
    "name_zh": "生理学",
    "credits": "3.5",
    "hours": "56",
    "scale": "hundred",
    "course_type": "compulsory",
    "exam_extra_minutes": "",
    "paper_dictionary_allowed": "on",
}


@pytest.fixture
def terms(db):
    return calendar()


def test_school_staff_add_a_course_of_their_own_school(client_for, staff_a, school_a):
    response = client_for(staff_a).post(reverse("academics_course_new"), COURSE)
    assert response.status_code == 302
    added = Course.objects.get()
    assert (added.code, added.school, added.name_zh, str(added.credits)) == ("MED230", school_a, "生理学", "3.5")
    assert AuditEntry.objects.filter(action="academics.course_added").exists()


def test_a_bad_course_keeps_what_was_typed_and_says_why(client_for, staff_a, school_a):
    course(school_a, "MED230")
    response = client_for(staff_a).post(
        reverse("academics_course_new"), COURSE | {"credits": "-1", "name_en": "Physiology II"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'value="Physiology II"' in body
    assert "greater than or equal to 0" in body
    response = client_for(staff_a).post(reverse("academics_course_new"), COURSE)
    assert response.status_code == 400 and "already exists" in response.content.decode()


def test_school_staff_cannot_choose_another_school_and_the_office_can(client_for, staff_a, office_staff, school_b):
    client_for(staff_a).post(reverse("academics_course_new"), COURSE | {"school": school_b.pk})
    assert Course.objects.get().school == staff_a.school
    client_for(office_staff).post(reverse("academics_course_new"), COURSE | {"code": "ECO300", "school": school_b.pk})
    assert Course.objects.get(code="ECO300").school == school_b


def test_staff_of_another_school_get_404_for_a_course_and_cannot_save_it(client_for, staff_b, school_a):
    physiology = course(school_a, "MED230")
    url = reverse("academics_course_edit", args=[physiology.pk])
    assert client_for(staff_b).get(url).status_code == 404
    assert client_for(staff_b).post(url, COURSE | {"name_en": "Hijacked"}).status_code == 404
    with pytest.raises(PermissionDenied):
        services.course_save(actor=staff_b, values={"name_en": "Hijacked"}, course=physiology)
    physiology.refresh_from_db()
    assert physiology.name_en == "Course MED230"


def test_other_offices_and_students_do_not_reach_the_catalogue(client_for, finance_staff, student):
    assert client_for(finance_staff).get(reverse("academics_course_list")).status_code == 403
    assert client_for(student.user).get(reverse("academics_course_list")).status_code == 404


def test_the_scale_stays_once_results_are_recorded(staff_a, student, school_a, terms):
    autumn, _ = terms
    anatomy = offering(school_a, autumn, "MED101", assessed_on=datetime.date(2026, 1, 10))
    enter(anatomy, student, "80", by=staff_a)
    with pytest.raises(ValidationError) as refused:
        services.course_save(actor=staff_a, values={"scale": "letter"}, course=anatomy.course)
    assert "scale" in refused.value.message_dict
    changed = services.course_save(
        actor=staff_a, values={"name_en": "Anatomy I", "exam_extra_minutes": 45}, course=anatomy.course
    )
    assert changed.exam_extra_minutes == 45


@pytest.mark.parametrize(
    "field, value",
    [("credits", Decimal("5")), ("code", "MED102"), ("course_type", "elective"), ("scale", "letter")],
)
def test_credits_code_type_and_scale_stay_once_results_are_recorded(staff_a, student, school_a, terms, field, value):
    # Assessment 12, 31-34: a recorded (even stable) result would change its grade points without a correction.
    autumn, _ = terms
    anatomy = offering(school_a, autumn, "MED101", assessed_on=datetime.date(2026, 1, 10))
    result = enter(anatomy, student, "80", by=staff_a)
    with pytest.raises(ValidationError) as refused:
        services.course_save(actor=staff_a, values={field: value}, course=anatomy.course)
    assert list(refused.value.message_dict) == [field]
    anatomy.course.refresh_from_db()
    assert (anatomy.course.code, anatomy.course.credits) == ("MED101", Decimal("4"))
    result.refresh_from_db()
    assert result.grade_value == Decimal("3.6")


def test_credits_still_change_before_any_result(staff_a, school_a, terms):
    autumn, _ = terms
    anatomy = offering(school_a, autumn, "MED101", assessed_on=datetime.date(2026, 1, 10))
    changed = services.course_save(actor=staff_a, values={"credits": Decimal("5")}, course=anatomy.course)
    assert changed.credits == Decimal("5")


def test_the_course_page_says_the_credits_are_fixed_and_keeps_what_was_typed(
    client_for, staff_a, student, school_a, terms
):
    autumn, _ = terms
    anatomy = offering(school_a, autumn, "MED101", assessed_on=datetime.date(2026, 1, 10))
    enter(anatomy, student, "80", by=staff_a)
    course_ = anatomy.course
    response = client_for(staff_a).post(
        reverse("academics_course_edit", args=[course_.pk]),
        {
            "code": course_.code,
            "name_en": course_.name_en,
            "name_zh": course_.name_zh,
            "credits": "6",
            "hours": course_.hours,
            "scale": course_.scale,
            "course_type": course_.course_type,
            "paper_dictionary_allowed": "on",
        },
    )
    assert response.status_code == 400
    assert "the credits can no longer change" in response.content.decode()
    assert response.context["form"]["credits"].value() == "6"
    course_.refresh_from_db()
    assert course_.credits == Decimal("4")


def test_the_admin_shows_credits_code_type_and_scale_read_only_once_results_exist(
    client_for, admin_user, staff_a, student, school_a, terms
):
    autumn, _ = terms
    anatomy = offering(school_a, autumn, "MED101", assessed_on=datetime.date(2026, 1, 10))
    url = reverse("admin:academics_course_change", args=[anatomy.course.pk])
    client = client_for(admin_user)
    assert "credits" in client.get(url).context["adminform"].form.fields
    enter(anatomy, student, "80", by=staff_a)
    fields = client.get(url).context["adminform"].form.fields
    assert not {"credits", "code", "course_type", "scale"} & set(fields)
    assert "name_en" in fields


def test_an_admin_change_of_a_course_goes_through_the_service_and_is_audited(client_for, admin_user, school_a):
    anatomy = course(school_a, "MED101")
    response = client_for(admin_user).post(
        reverse("admin:academics_course_change", args=[anatomy.pk]),
        {
            "school": school_a.pk,
            "code": "MED101",
            "name_en": "Anatomy I",
            "name_zh": anatomy.name_zh,
            "credits": "4",
            "hours": anatomy.hours,
            "scale": anatomy.scale,
            "course_type": anatomy.course_type,
            "paper_dictionary_allowed": "on",
        },
    )
    assert response.status_code == 302
    anatomy.refresh_from_db()
    assert anatomy.name_en == "Anatomy I"
    assert AuditEntry.objects.filter(action="academics.course_changed").exists()


def test_the_assessment_date_stays_once_results_are_entered(staff_a, student, school_a, terms):
    autumn, _ = terms
    anatomy = offering(school_a, autumn, "MED101", assessed_on=datetime.date(2026, 1, 10))
    enter(anatomy, student, "80", by=staff_a)
    with pytest.raises(ValidationError) as refused:
        services.offering_save(actor=staff_a, values={"assessed_on": datetime.date(2026, 1, 12)}, offering=anatomy)
    assert "assessed_on" in refused.value.message_dict
    anatomy.refresh_from_db()
    assert anatomy.assessed_on == datetime.date(2026, 1, 10)
    # The length of the examination is not a phase date: it still changes.
    assert services.offering_save(actor=staff_a, values={"exam_minutes": 150}, offering=anatomy).exam_minutes == 150


def test_the_assessment_date_stays_once_an_examination_application_is_decided(
    client_for, staff_a, student, school_a, terms
):
    autumn, _ = terms
    anatomy = offering(school_a, autumn, "MED101", assessed_on=datetime.date(2026, 1, 10))
    enrolment = enrol(anatomy, student)
    application = ExamApplication.objects.create(enrolment=enrolment, kind="drop")
    # A pending application does not freeze it (the school may still fix a wrong date before deciding).
    services.offering_save(actor=staff_a, values={"assessed_on": datetime.date(2026, 1, 11)}, offering=anatomy)
    ExamApplication.objects.filter(pk=application.pk).update(
        state="rejected", decision_reason="Too late", decided_by=staff_a
    )
    response = client_for(staff_a).post(
        reverse("academics_offering_edit", args=[anatomy.pk]),
        {"course": anatomy.course_id, "semester": autumn.pk, "assessed_on": "2026-01-14", "exam_minutes": "120"},
    )
    assert response.status_code == 400
    assert "the assessment date can no longer change" in response.content.decode()
    assert response.context["form"]["assessed_on"].value() == "2026-01-14"
    anatomy.refresh_from_db()
    assert anatomy.assessed_on == datetime.date(2026, 1, 11)


def test_school_staff_offer_their_course_in_a_semester(client_for, staff_a, school_a, terms):
    autumn, _ = terms
    physiology = course(school_a, "MED230")
    response = client_for(staff_a).post(
        reverse("academics_offering_new"),
        {"course": physiology.pk, "semester": autumn.pk, "assessed_on": "2026-01-12", "exam_minutes": "120"},
    )
    offered = Offering.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("academics_offering_grid", args=[offered.pk])
    assert offered.school == school_a and offered.assessed_on == datetime.date(2026, 1, 12)


def test_an_assessment_outside_the_semester_is_refused_on_the_form(client_for, staff_a, school_a, terms):
    autumn, _ = terms
    physiology = course(school_a, "MED230")
    response = client_for(staff_a).post(
        reverse("academics_offering_new"),
        {"course": physiology.pk, "semester": autumn.pk, "assessed_on": "2026-05-01", "exam_minutes": "90"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "within the semester" in body and 'value="2026-05-01"' in body and 'value="90"' in body
    assert not Offering.objects.exists()


def test_the_same_course_is_offered_once_per_semester(client_for, staff_a, school_a, terms):
    autumn, _ = terms
    existing = offering(school_a, autumn, "MED230")
    response = client_for(staff_a).post(
        reverse("academics_offering_new"),
        {"course": existing.course.pk, "semester": autumn.pk, "assessed_on": "", "exam_minutes": "120"},
    )
    assert response.status_code == 400 and Offering.objects.count() == 1


def test_school_staff_cannot_offer_another_schools_course(client_for, staff_a, school_b, terms):
    autumn, _ = terms
    economics = course(school_b, "ECO101")
    response = client_for(staff_a).post(
        reverse("academics_offering_new"), {"course": economics.pk, "semester": autumn.pk, "exam_minutes": "120"}
    )
    assert response.status_code == 400 and not Offering.objects.exists()


def test_an_offering_with_students_keeps_its_course_and_semester(staff_a, student, school_a, terms):
    autumn, spring = terms
    anatomy = offering(school_a, autumn, "MED101")
    enrol(anatomy, student)
    with pytest.raises(ValidationError, match="Students are enrolled"):
        services.offering_save(actor=staff_a, values={"semester": spring}, offering=anatomy)
    moved = services.offering_save(actor=staff_a, values={"assessed_on": datetime.date(2026, 1, 14)}, offering=anatomy)
    assert moved.assessed_on == datetime.date(2026, 1, 14)
    assert AuditEntry.objects.filter(action="academics.offering_changed").exists()


def test_staff_of_another_school_get_404_for_an_offering(client_for, staff_b, school_a, terms):
    autumn, _ = terms
    anatomy = offering(school_a, autumn, "MED101")
    assert client_for(staff_b).get(reverse("academics_offering_edit", args=[anatomy.pk])).status_code == 404


def test_the_offering_list_links_to_the_catalogue(client_for, staff_a):
    body = client_for(staff_a).get(reverse("academics_offering_list")).content.decode()
    assert reverse("academics_course_list") in body and reverse("academics_offering_new") in body


def test_the_course_list_costs_the_same_queries_for_3_or_30_courses(client_for, staff_a, school_a, terms,
                                                                     django_assert_max_num_queries):  # fmt: skip
    autumn, _ = terms
    client = client_for(staff_a)
    url = reverse("academics_course_list")

    def add(start, count):
        for index in range(start, start + count):
            offering(school_a, autumn, f"MED{index:03d}")

    add(100, 3)
    client.get(url)
    with django_assert_max_num_queries(10) as few:
        assert client.get(url).status_code == 200
    add(200, 27)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


def test_the_offering_form_costs_the_same_queries_for_3_or_30_courses(client_for, staff_a, school_a, terms,
                                                                       django_assert_max_num_queries):  # fmt: skip
    client = client_for(staff_a)
    url = reverse("academics_offering_new")
    for index in range(3):
        course(school_a, f"MED{index:03d}")
    client.get(url)
    with django_assert_max_num_queries(10) as few:
        assert client.get(url).status_code == 200
    for index in range(100, 127):
        course(school_a, f"MED{index:03d}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200
