"""The demo data command: realistic, re-runnable, and it tells you how to log in."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from portal.management.commands.seed_demo import STAFF_PASSWORD, STUDENT_PASSWORD
from portal.models import DegreeLevel, Funding, Role, School, Semester, Student, User
from portal.services import initial_password_for

pytestmark = pytest.mark.django_db


def seed(students=20) -> str:
    out = StringIO()
    call_command("seed_demo", students=students, stdout=out)
    return out.getvalue()


def test_seed_demo_run_twice_adds_nothing_the_second_time():
    seed()
    counts = (School.objects.count(), Semester.objects.count(), Student.objects.count(), User.objects.count())

    seed()

    assert (School.objects.count(), Semester.objects.count(), Student.objects.count(), User.objects.count()) == counts
    assert counts[:3] == (6, 2, 20)


def test_seed_demo_creates_staff_of_every_role_and_one_school_staff_per_school():
    seed()

    staff_roles = set(User.objects.exclude(role=Role.STUDENT).values_list("role", flat=True))
    assert staff_roles == set(Role) - {Role.STUDENT}
    assert User.objects.filter(role=Role.SCHOOL_STAFF).count() == School.objects.count()
    admin = User.objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser


def test_seed_demo_prints_the_staff_logins_with_their_password():
    output = seed()

    assert "Staff logins" in output
    for username in ("admin", "office", "finance", "dormitory", "library", "staff_medicine"):
        assert username in output
    assert STAFF_PASSWORD in output
    assert User.objects.get(username="office").check_password(STAFF_PASSWORD)


def test_printed_initial_password_of_a_demo_student_logs_in_and_asks_for_a_new_password(client):
    output = seed()
    printed = [line.split() for line in output.splitlines() if "initial password" in line]
    student_id, password = printed[0][:2]
    assert password == initial_password_for(Student.objects.get(student_id=student_id).passport_number)

    response = client.post(reverse("account_login"), {"login": student_id, "password": password})

    assert response.url == reverse("account_change_password")


def test_demo_student_who_already_changed_the_password_logs_straight_in(client):
    output = seed()
    ready = Student.objects.filter(user__must_change_password=False).first()
    assert f"{ready.student_id:<12} {STUDENT_PASSWORD}" in output

    response = client.post(reverse("account_login"), {"login": ready.student_id, "password": STUDENT_PASSWORD})

    assert response.status_code == 302
    assert response.url != reverse("account_change_password")
    assert client.session["_auth_user_id"] == str(ready.user_id)


def test_seed_demo_rerun_keeps_the_printed_student_logins_working():
    seed()
    seed()

    assert Student.objects.filter(user__must_change_password=False).count() == 2
    for student in Student.objects.filter(user__must_change_password=False).select_related("user"):
        assert student.user.check_password(STUDENT_PASSWORD)


def test_the_current_demo_semester_contains_today_and_its_preregistration_is_open():
    seed()

    current = Semester.objects.current()
    assert current is not None
    assert current.preregistration_is_open()
    previous = Semester.objects.exclude(pk=current.pk).get()
    assert previous.ends_on < current.starts_on <= timezone.localdate()


def test_demo_students_cover_every_degree_level_and_funding_and_many_nationalities():
    seed()

    assert set(Student.objects.values_list("degree_level", flat=True)) == set(DegreeLevel)
    assert set(Student.objects.values_list("funding", flat=True)) == set(Funding)
    assert Student.objects.values("nationality").distinct().count() >= 8


def test_some_demo_students_have_a_chinese_name():
    seed(students=120)

    with_chinese_name = Student.objects.exclude(name_zh="")
    assert with_chinese_name.exists()
    heritage_countries = {"Malaysia", "Indonesia", "Thailand", "Singapore"}
    assert set(with_chinese_name.values_list("nationality", flat=True)) <= heritage_countries


def test_seed_demo_refuses_to_run_in_production(settings):
    settings.PRODUCTION = True

    with pytest.raises(CommandError, match="production"):
        seed()
    assert not User.objects.exists()


def test_seed_demo_fills_the_registration_queue_in_every_state_and_the_desk_can_work():
    from fees.selectors import tuition_status_for
    from registration.models import FormStatus, RegistrationForm

    seed(students=30)
    seed(students=30)

    states = set(RegistrationForm.objects.values_list("status", flat=True))
    assert states == {FormStatus.DRAFT, FormStatus.SUBMITTED, FormStatus.RETURNED, FormStatus.APPROVED}
    approved = RegistrationForm.objects.filter(status=FormStatus.APPROVED).select_related("semester", "student")
    paid = tuition_status_for(students=[form.student for form in approved], semester=approved[0].semester)
    assert any(status.paid for status in paid.values()) and not all(status.paid for status in paid.values())
