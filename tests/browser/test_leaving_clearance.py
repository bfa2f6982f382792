"""The leaving-school clearance in a real browser (issue 8): a graduating student sees the open items and cancels
the library card online; the clearance office and the school sign off in their own queues; the print button
appears only at the end, the direct URL refuses before; the printed form lists every item."""

import io

import pdfplumber
import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from registration import services
from tests.browser.conftest import log_in
from tests.browser.test_registration_journey import staff_log_in
from tests.conftest import PASSWORD
from tests.fees.helpers import bill, pay
from tests.registration.clearance_helpers import graduate, item, open_window


@pytest.fixture
def clearance(student, office_staff, finance_staff, dormitory_staff):
    bill(student, "26000.00", by=finance_staff)
    pay(student, "26000.00", by=finance_staff)
    open_window(office_staff)
    clearance = graduate(student, by=office_staff)
    # Two offices have already signed; the rest is done in the browser.
    services.clearance_item_sign(item=item(clearance, "dormitory_keys"), user=dormitory_staff)
    services.clearance_item_sign(item=item(clearance, "residence_permit"), user=office_staff)
    return clearance


def sign_in_queue(page: Page, student_id: str, kind: str) -> None:
    page.goto(reverse("clearance_queue"))
    row = page.locator(f"tr[data-student='{student_id}'][data-item='{kind}']")
    row.get_by_role("button", name="Sign off").click()
    expect(page.locator("main")).to_contain_text("signed off")


def test_a_graduate_clears_every_item_and_prints_the_leaving_school_form(
    page: Page, new_context, live_server, student, clearance, clearance_staff, staff_a
):
    log_in(page, student.student_id, PASSWORD)
    page.goto(reverse("clearance_mine"))
    main = page.locator("main")
    for kind in ("library", "property", "school"):
        expect(main.locator(f"tr[data-item='{kind}']")).to_contain_text("Still open")
    expect(main.locator("tr[data-item='fees']")).to_contain_text("Done")
    expect(main.get_by_role("button", name="Print the Leaving School Form")).to_have_count(0)

    # The library item, online.
    main.get_by_role("button", name="Cancel my library card online").click()
    expect(main.locator("tr[data-item='library']")).to_contain_text("Done")

    # The clearance office signs university property in its queue; the form still cannot print.
    office = new_context().new_page()
    staff_log_in(office, live_server, clearance_staff)
    sign_in_queue(office, student.student_id, "property")
    page.reload()
    expect(main.get_by_role("button", name="Print the Leaving School Form")).to_have_count(0)
    response = page.goto(reverse("leaving_form_print"))
    assert response.status == 403
    expect(page.locator("main")).to_contain_text("Still open")
    expect(page.locator("main")).to_contain_text("The school's own leaving procedure")

    # The school signs its own procedure: every item is done and the button appears.
    school = new_context().new_page()
    staff_log_in(school, live_server, staff_a)
    sign_in_queue(school, student.student_id, "school")
    page.goto(reverse("clearance_mine"))
    page.get_by_role("button", name="Print the Leaving School Form").click()
    with page.expect_download(timeout=150_000) as download_info:
        # The PDF is made in-process on the first request: the first WeasyPrint render (fonts, CJK) is slow on a
        # busy 2-core machine, so the link may take longer than Playwright's default 30 s to appear.
        page.get_by_role("link", name="Download the PDF").click(timeout=120_000)
    with pdfplumber.open(io.BytesIO(open(download_info.value.path(), "rb").read())) as pdf:
        text = " ".join(" ".join(p.extract_text() or "" for p in pdf.pages).split())
    clearance.refresh_from_db()
    for label in (
        "Fees settled",
        "Library books returned, library card cancelled",
        "University property returned",
        "Dormitory keys returned",
        "The school's own leaving procedure",
        "Residence permit / visa changed",
    ):
        assert label in text
    assert student.name_latin in text and clearance.verification_number in text

    # The verification page the QR code points to confirms the form.
    page.goto(reverse("clearance_verify", args=[clearance.verification_number]))
    expect(page.locator("main")).to_contain_text("Valid")
