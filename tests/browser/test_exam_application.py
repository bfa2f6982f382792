"""An examination application in a real browser (issue 7): the student asks to give up an examination three weeks
ahead from their exam list, their school approves it in its queue, and the student reads the decision."""

import datetime

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from academics.models import Enrolment
from tests.academics.helpers import enrol, offering
from tests.browser.conftest import log_in
from tests.browser.test_registration_journey import staff_log_in
from tests.conftest import PASSWORD
from tests.factories import SemesterFactory


def test_a_student_gives_up_an_examination_with_the_school_s_approval(
    page: Page, new_context, live_server, student, staff_a, school_a
):
    today = timezone.localdate()
    semester = SemesterFactory(
        starts_on=today - datetime.timedelta(days=30), ends_on=today + datetime.timedelta(days=90)
    )
    exam_day = today + datetime.timedelta(days=21)
    enrolment = enrol(offering(school_a, semester, "MED230", assessed_on=exam_day), student)

    log_in(page, student.student_id, PASSWORD)
    page.goto(reverse("academics_my_results"))
    page.get_by_role("link", name="Defer or give up", exact=True).click()
    expect(page.locator("main")).to_contain_text(exam_day.isoformat())
    page.get_by_label("Give up the examination").check()
    page.get_by_label("Explanation").fill("I will repeat the course next year")
    page.get_by_role("button", name="Send the application").click()
    expect(page.locator("main")).to_contain_text("Waiting")

    school = new_context().new_page()
    staff_log_in(school, live_server, staff_a)
    school.goto(reverse("academics_exam_application_queue"))
    row = school.locator("main tr", has_text=student.student_id)
    expect(row).to_contain_text("Give up the examination")
    row.get_by_role("link").first.click()
    school.get_by_label("Approve").check()
    school.get_by_role("button", name="Record the decision").click()
    expect(school.locator("main")).to_contain_text("Approved")

    page.reload()
    expect(page.locator("main")).to_contain_text("Approved")
    enrolment = Enrolment.objects.get(pk=enrolment.pk)
    assert enrolment.drop_approved_on == today
