"""Attendance in a real browser (issue 8): the school records an absence of more than 4 weeks, sees the flags, the
office finds the student on its decision list, and the student, in Chinese on a phone, reads that they must apply for
suspension and applies."""

import datetime

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from registration.models import StatusChange
from tests.browser.conftest import log_in
from tests.browser.test_registration_journey import staff_log_in, zh
from tests.conftest import PASSWORD
from tests.factories import SemesterFactory


def test_an_absence_over_four_weeks_reaches_the_office_and_the_student_applies_for_suspension(
    page: Page, new_context, live_server, student, staff_a, office_staff
):
    today = timezone.localdate()
    SemesterFactory(starts_on=today - datetime.timedelta(days=70), ends_on=today + datetime.timedelta(days=60))
    first_day, last_day = today - datetime.timedelta(days=45), today - datetime.timedelta(days=1)

    school = new_context().new_page()
    staff_log_in(school, live_server, staff_a)
    school.goto(reverse("attendance_list"))
    school.locator("main form #id_student_id").fill(student.student_id)
    school.get_by_label("Absent from").fill(first_day.isoformat())
    school.get_by_label("Absent until").fill(last_day.isoformat())
    school.get_by_label("Note (optional)").fill("Not seen in class or in the dormitory")
    school.get_by_role("button", name="Record").click()
    main = school.locator("main")
    expect(main).to_contain_text("The absence is recorded.")
    expect(main).to_contain_text(student.name_latin)
    expect(main).to_contain_text("2 weeks without leave")
    expect(main).to_contain_text("Over 4 weeks: must apply for suspension")

    office = new_context().new_page()
    staff_log_in(office, live_server, office_staff)
    office.goto(reverse("status_withdrawal"))
    expect(office.locator("main")).to_contain_text("Absent over 4 weeks this term and no suspension applied for")

    student.user.language = "zh-hans"
    student.user.save(update_fields=["language"])
    page.set_viewport_size({"width": 375, "height": 740})
    log_in(page, student.student_id, PASSWORD)
    page.goto(reverse("status_mine"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    warning = zh(
        "You have been absent for more than 4 weeks this term: you must apply for suspension (below). If a record is "
        "wrong, talk to your school."
    )
    expect(page.locator("main")).to_contain_text(warning)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.get_by_label(zh("Application")).select_option("suspension")
    page.get_by_label(zh("Category")).select_option("other")
    page.get_by_label(zh("From")).fill(today.isoformat())
    page.get_by_label(zh("Until")).fill((today + datetime.timedelta(days=120)).isoformat())
    page.get_by_label(zh("Reason")).fill("Family matters at home")
    page.locator("main form button[type=submit]").last.click()
    expect(page.locator("main")).not_to_contain_text(warning)
    assert StatusChange.objects.filter(student=student, kind="suspension", state="pending").exists()

    office.reload()
    expect(office.locator("main")).not_to_contain_text("Absent over 4 weeks this term and no suspension applied for")
