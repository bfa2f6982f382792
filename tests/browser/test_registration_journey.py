"""The whole semester registration in a real browser (issue 4): a student fills every step with uploads and submits;
the office rejects the insurance with a reason; the student reads it, replaces the file and resubmits; the office
approves; the student downloads the visa-extension letter; the desk marks the student registered."""

import io
import time
from datetime import timedelta

import pdfplumber
import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from registration.models import SemesterRegistration
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD
from tests.factories import TOTP_SECRET, SemesterFactory, pdf_bytes
from tests.fees.helpers import bill, pay


@pytest.fixture
def semester(db):
    today = timezone.localdate()
    # Pre-registration is open, and today is the registration day: the desk can stamp once the form is approved.
    return SemesterFactory(
        code="2026-2027-2",
        name_en="Spring 2027",
        starts_on=today - timedelta(days=2),
        ends_on=today + timedelta(days=120),
        registration_day=today,
    )


@pytest.fixture
def scans(tmp_path):
    files = {}
    for name in ("insurance-blurred.pdf", "insurance-clear.pdf", "accommodation.pdf", "permit.pdf"):
        path = tmp_path / name
        path.write_bytes(pdf_bytes())
        files[name] = str(path)
    return files


def staff_log_in(page: Page, live_server, user) -> None:
    log_in(page, user.username, PASSWORD)
    expect(page).to_have_url(f"{live_server.url}{reverse('mfa_authenticate')}")
    page.locator("main input[name=code]").fill(format_hotp_value(hotp_value(TOTP_SECRET, int(time.time()) // 30)))
    page.locator("main button[type=submit]").first.click()
    expect(page).to_have_url(f"{live_server.url}{reverse('staff_home')}")


def save_step(page: Page) -> None:
    page.get_by_role("button", name="Save and continue").click()


def fill_the_form(page: Page, semester, scans) -> None:
    page.goto(reverse("registration_overview"))
    page.get_by_role("link", name="1. Contacts").click()
    page.get_by_label("Phone number").fill("+86 138 0000 0001")
    save_step(page)
    # Passport, the next step
    page.get_by_role("radio", name="No, it is the same passport").check()
    save_step(page)
    page.get_by_role("radio", name="Online payment platform").check()
    save_step(page)
    page.get_by_role("radio", name="In China").check()
    page.get_by_label("Insurance certificate number (in China)").fill("PICC-2027-001")
    page.get_by_label("Insurance from").fill(semester.starts_on.isoformat())
    page.get_by_label("Insurance until").fill(semester.ends_on.isoformat())
    page.get_by_label("Insurance proof (in China)").set_input_files(scans["insurance-blurred.pdf"])
    save_step(page)
    page.get_by_role("radio", name="On campus").check()
    page.get_by_label("Accommodation fee e-receipt (on campus)").set_input_files(scans["accommodation.pdf"])
    save_step(page)
    page.get_by_label("Residence permit number").fill("E12345678")
    page.get_by_label("Residence permit expiry date").fill((semester.ends_on + timedelta(days=200)).isoformat())
    page.get_by_label("Latest page of the visa or residence permit").set_input_files(scans["permit.pdf"])
    save_step(page)
    page.get_by_label("I have read the registration regulations").check()
    save_step(page)


def test_a_student_registers_from_the_form_to_the_desk(
    page: Page, new_context, live_server, semester, scans, student, office_staff, finance_staff
):
    bill(student, "26000.00", by=finance_staff, year="2026-2027")
    pay(student, "26000.00", by=finance_staff, year="2026-2027")

    # The student fills every step and submits.
    log_in(page, student.student_id, PASSWORD)
    fill_the_form(page, semester, scans)
    expect(page).to_have_url(f"{live_server.url}{reverse('registration_overview')}")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator("main")).to_contain_text("Submitted for review")

    # The office rejects the insurance proof with a reason and approves the rest.
    staff = new_context().new_page()
    staff_log_in(staff, live_server, office_staff)
    staff.goto(reverse("registration_queue"))
    staff.get_by_role("link", name=f"{student.student_id} {student.name_latin}").click()
    insurance = staff.locator("#item-insurance")
    insurance.get_by_role("radio", name="Reject").check()
    insurance.get_by_label("Reason (required to reject; the student sees it)").fill(
        "The certificate number cannot be read."
    )
    insurance.get_by_role("button", name="Record the decision").click()
    expect(staff.locator("#item-insurance")).to_contain_text("The certificate number cannot be read.")
    staff.get_by_role("button", name="Approve all 5 waiting items").click()
    expect(staff.locator("main")).to_contain_text("Returned for corrections")

    # The student reads the reason, replaces the file and resubmits.
    page.goto(reverse("registration_overview"))
    expect(page.locator("main")).to_contain_text("The certificate number cannot be read.")
    page.get_by_role("link", name="4. Location and insurance").click()
    page.get_by_label("Insurance proof (in China)").set_input_files(scans["insurance-clear.pdf"])
    save_step(page)
    page.goto(reverse("registration_overview"))
    page.get_by_role("button", name="Submit for review").click()

    # The office sees what changed and approves.
    staff.reload()
    expect(staff.locator("#item-insurance")).to_contain_text("Changed since the last submission")
    expect(staff.locator("#item-insurance")).to_contain_text("insurance-clear.pdf")
    staff.get_by_role("button", name="Approve the 1 waiting item").click()
    expect(staff.locator("main")).to_contain_text("Approved")

    # The student downloads the visa-extension letter; its text names the student and the semester.
    page.goto(reverse("registration_overview"))
    page.get_by_role("button", name="Get the visa-extension letter").click()
    with page.expect_download(timeout=150_000) as download_info:
        # The PDF is made in-process on the first request: the first WeasyPrint render (fonts, CJK) is slow on a
        # busy 2-core machine, so the link may take longer than Playwright's default 30 s to appear.
        page.get_by_role("link", name="Download the PDF").click(timeout=120_000)
    with pdfplumber.open(io.BytesIO(open(download_info.value.path(), "rb").read())) as pdf:
        text = " ".join(" ".join(p.extract_text() or "" for p in pdf.pages).split())
    assert student.name_latin in text
    assert student.passport_number in text
    assert "E12345678" in text
    assert "Spring 2027" in text

    # The office sees the letter was collected, and the desk stamps the student.
    staff.reload()
    expect(staff.locator("main")).to_contain_text("Collected by the student on")
    staff.goto(reverse("registration_desk"))
    staff.get_by_label("Student ID").fill(student.student_id)
    staff.get_by_role("button", name="Look up").click()
    expect(staff.locator("main")).to_contain_text("Tuition for the 2026-2027 academic year is paid.")
    staff.get_by_label("I checked the passport and the residence permit").check()
    staff.get_by_role("button", name="Mark registered").click()
    expect(staff.locator("main")).to_contain_text(f"{student.student_id} {student.name_latin} is registered")
    assert SemesterRegistration.objects.filter(student=student, semester=semester).exists()


def zh(text: str) -> str:
    """The page's words in Chinese, from the catalogue, so a missing translation fails here too."""
    from django.utils import translation

    with translation.override("zh-hans"):
        translated = translation.gettext(text)
    assert translated != text, f"not translated: {text!r}"
    return translated


def test_in_chinese_a_student_reads_the_reason_and_the_desk_says_why_not(
    page: Page, new_context, live_server, semester, scans, student, office_staff
):
    from registration import services
    from registration.models import ItemKind
    from registration.views.staff import COMMON_REASONS
    from tests.registration.test_services import fill

    student.user.language = "zh-hans"
    student.user.save(update_fields=["language"])
    office_staff.language = "zh-hans"
    office_staff.save(update_fields=["language"])
    form = services.registration_submit(
        form=fill(services.registration_form_for(student=student, semester=semester), student.user), user=student.user
    )
    unreadable = str(COMMON_REASONS["unreadable"])
    for item in form.items.all():
        rejected = item.kind == ItemKind.INSURANCE
        services.registration_item_decide(
            item=item, reviewer=office_staff, approve=not rejected, reason=unreadable if rejected else ""
        )

    log_in(page, student.student_id, PASSWORD)
    page.goto(reverse("registration_overview"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("h1")).to_have_text(zh("Semester registration"))
    expect(page.locator("main")).to_contain_text(zh(unreadable))
    # On a phone the steps table scrolls inside its box instead of widening the page.
    page.set_viewport_size({"width": 375, "height": 740})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    staff = new_context().new_page()
    staff_log_in(staff, live_server, office_staff)
    staff.goto(reverse("registration_desk"))
    staff.get_by_label(zh("Student ID")).fill(student.student_id)
    staff.get_by_role("button", name=zh("Look up")).click()
    expect(staff.locator("main")).to_contain_text(zh("Cannot be registered:"))
    expect(staff.get_by_role("button", name=zh("Mark registered"))).to_have_count(0)
