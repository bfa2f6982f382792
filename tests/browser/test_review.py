"""Staff review in a real browser: a reviewer with an authenticator app rejects a scan; the student sees why."""

import time

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.urls import reverse
from playwright.sync_api import Page, expect

from portal import services
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD
from tests.factories import TOTP_SECRET, upload


@pytest.fixture
def pending_visa(student):
    return services.evidence_submit(
        student=student, kind="visa_page", upload=upload("visa.pdf"), uploaded_by=student.user
    )


def test_reviewer_rejects_a_scan_and_the_student_reads_the_reason(
    page: Page, new_context, live_server, office_staff, student, pending_visa
):
    log_in(page, office_staff.username, PASSWORD)
    # Staff have a second factor: allauth asks for the authenticator code.
    expect(page).to_have_url(f"{live_server.url}{reverse('mfa_authenticate')}")
    page.locator("main input[name=code]").fill(format_hotp_value(hotp_value(TOTP_SECRET, int(time.time()) // 30)))
    page.locator("main button[type=submit]").first.click()
    expect(page).to_have_url(f"{live_server.url}{reverse('staff_home')}")

    page.goto(reverse("review_queue"))
    page.get_by_role("link", name="Visa / residence permit page").click()
    page.get_by_role("radio", name="Reject").check()
    page.get_by_label("Reason (required to reject; the student sees it)").fill("The expiry date is hidden by glare.")
    page.get_by_role("button", name="Record the decision").click()
    expect(page).to_have_url(f"{live_server.url}{reverse('review_queue')}")
    expect(page.locator("main")).to_contain_text("Nothing is waiting")

    student_page = new_context().new_page()
    log_in(student_page, student.student_id, PASSWORD)
    student_page.goto(reverse("my_documents"))
    expect(student_page.locator("main table")).to_contain_text("The expiry date is hidden by glare.")
    expect(student_page.get_by_role("link", name="Upload a new one")).to_be_visible()
