"""The International College sets each semester's registration calendar (NOTICE; HANDBOOK Academic Rules 10)."""

from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from portal.models import AuditEntry, Semester
from registration import rules
from registration.services.semesters import semester_save
from tests.factories import SemesterFactory

pytestmark = pytest.mark.django_db


def at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour))


SPRING = {
    "code": "2026-2027-2",
    "name_en": "Spring 2027",
    "name_zh": "2027年春季学期",
    "starts_on": date(2027, 2, 20),
    "ends_on": date(2027, 7, 10),
    "preregistration_opens_at": at(date(2027, 2, 20), 8),
    "preregistration_closes_at": at(date(2027, 2, 22), 17),
    "registration_day": date(2027, 2, 23),
    "registration_place": "International College, Room 101",
    "deferral_limit_days": 14,
}


def calendar(**changes):
    values = {**SPRING, **changes}
    return rules.check_semester_calendar(
        starts_on=values["starts_on"],
        ends_on=values["ends_on"],
        opens_at=values["preregistration_opens_at"],
        closes_at=values["preregistration_closes_at"],
        registration_day=values["registration_day"],
        deferral_limit_days=values["deferral_limit_days"],
    )


def test_the_notices_calendar_is_accepted():
    # NOTICE: pre-registration Feb 20-22, onsite registration Feb 23.
    assert calendar() == {}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ends_on": date(2027, 2, 1)}, "ends_on"),
        ({"preregistration_closes_at": at(date(2027, 2, 19), 8)}, "preregistration_closes_at"),
        ({"preregistration_closes_at": None}, "preregistration_closes_at"),
        ({"registration_day": date(2027, 2, 19)}, "registration_day"),
        ({"registration_day": date(2027, 8, 1)}, "registration_day"),
        ({"deferral_limit_days": -1}, "deferral_limit_days"),
        ({"deferral_limit_days": 29}, "deferral_limit_days"),
    ],
)
def test_a_calendar_that_cannot_be_right_is_refused_on_its_field(changes, field):
    assert field in calendar(**changes)


def test_a_window_can_be_left_unscheduled():
    assert calendar(preregistration_opens_at=None, preregistration_closes_at=None) == {}


def test_the_office_creates_a_semester_and_the_change_is_audited(office_staff):
    semester = semester_save(data=SPRING, user=office_staff)

    assert Semester.objects.get(code="2026-2027-2").registration_place == "International College, Room 101"
    entry = AuditEntry.objects.get(action="semester.created")
    assert entry.changes["registration_day"] == ["", "2027-02-23"] and entry.actor == office_staff
    assert semester.deferral_limit_days == 14


def test_moving_the_registration_day_records_old_and_new(office_staff):
    semester = SemesterFactory(**SPRING)
    semester_save(data={"registration_day": date(2027, 2, 24)}, user=office_staff, semester=semester)

    entry = AuditEntry.objects.get(action="semester.calendar_changed")
    assert entry.changes == {"registration_day": ["2027-02-23", "2027-02-24"]}


def test_a_refused_calendar_changes_nothing(office_staff):
    semester = SemesterFactory(**SPRING)
    with pytest.raises(ValidationError) as error:
        semester_save(data={"registration_day": date(2027, 1, 1)}, user=office_staff, semester=semester)
    assert "registration_day" in error.value.message_dict
    semester.refresh_from_db()
    assert semester.registration_day == date(2027, 2, 23)


def test_school_staff_cannot_set_up_semesters(staff_a):
    with pytest.raises(PermissionDenied):
        semester_save(data=SPRING, user=staff_a)


def test_the_page_keeps_what_was_typed_and_says_what_is_wrong(office_staff, client_for):
    posted = {
        **{k: v for k, v in SPRING.items() if not isinstance(v, (date, datetime))},
        "starts_on": "2027-02-20",
        "ends_on": "2027-07-10",
        "preregistration_opens_at": "2027-02-20T08:00",
        "preregistration_closes_at": "2027-02-19T17:00",
        "registration_day": "2027-02-23",
    }
    response = client_for(office_staff).post(reverse("registration_semester_new"), posted)

    page = response.content.decode()
    assert response.status_code == 400
    assert "Pre-registration must close after it opens" in page
    assert "International College, Room 101" in page
    assert not Semester.objects.filter(code="2026-2027-2").exists()


def test_the_page_saves_a_good_calendar(office_staff, client_for):
    posted = {
        **{k: v for k, v in SPRING.items() if not isinstance(v, (date, datetime))},
        "starts_on": "2027-02-20",
        "ends_on": "2027-07-10",
        "preregistration_opens_at": "2027-02-20T08:00",
        "preregistration_closes_at": "2027-02-22T17:00",
        "registration_day": "2027-02-23",
    }
    response = client_for(office_staff).post(reverse("registration_semester_new"), posted)

    assert response.status_code == 302
    saved = Semester.objects.get(code="2026-2027-2")
    assert timezone.localtime(saved.preregistration_closes_at).hour == 17
    assert saved.preregistration_closes_at - saved.preregistration_opens_at == timedelta(days=2, hours=9)


def test_a_code_whose_years_do_not_follow_is_refused(office_staff):
    with pytest.raises(ValidationError) as error:
        semester_save(data={**SPRING, "code": "2026-2028-2"}, user=office_staff)
    assert "code" in error.value.message_dict


def test_the_registration_day_cannot_vanish_under_leaves_counted_from_it(office_staff, student):
    from registration.models import RegistrationLeave

    semester = SemesterFactory(**SPRING)
    RegistrationLeave.objects.create(student=student, semester=semester, reason="Flight", expected_on=date(2027, 3, 1))
    with pytest.raises(ValidationError) as error:
        semester_save(data={"registration_day": None}, user=office_staff, semester=semester)
    assert "registration_day" in error.value.message_dict
