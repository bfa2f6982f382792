"""A new student's first visit, in a real browser: initial password, own password, Chinese, and a phone screen."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from portal import services
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD
from tests.factories import StudentFactory

# The first-login key is the last 6 characters of the passport number (handbook: People and roles).
PASSPORT_NUMBER = "FA7654321"
FIRST_LOGIN_KEY = "654321"
NEW_PASSWORD = "Jasmine river lantern 2027"
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def new_student(school_a):
    """Dilnoza, whose account the International Office has just created; she has never logged in."""
    student = StudentFactory(
        student_id="2026000101", name_latin="Dilnoza Karimova", school=school_a, passport_number=PASSPORT_NUMBER
    )
    services.user_issue_initial_password(user=student.user, passport_number=student.passport_number)
    return student


def test_new_student_logs_in_with_passport_key_sets_own_password_and_reads_home_in_chinese(
    page: Page, live_server, new_student
):
    log_in(page, new_student.student_id, FIRST_LOGIN_KEY)

    # The initial password opens only the password change page.
    expect(page).to_have_url(f"{live_server.url}{reverse('account_change_password')}")
    form = page.locator(f"main form[action='{reverse('account_change_password')}']")
    form.locator("input[name=oldpassword]").fill(FIRST_LOGIN_KEY)
    form.locator("input[name=password1]").fill(NEW_PASSWORD)
    form.locator("input[name=password2]").fill(NEW_PASSWORD)
    form.locator("button[type=submit]").click()

    expect(page).to_have_url(f"{live_server.url}{reverse('student_home')}")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    new_student.user.refresh_from_db()
    assert not new_student.user.must_change_password
    assert new_student.user.check_password(NEW_PASSWORD)

    page.locator(f"header form[action='{reverse('set_language')}'] button[value='zh-hans']").click()

    expect(page).to_have_url(f"{live_server.url}{reverse('student_home')}")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("main h1").first).to_have_text(CJK)
    new_student.user.refresh_from_db()
    assert new_student.user.language == "zh-hans"


def test_student_home_fits_a_phone_screen_without_sideways_scrolling(new_context, live_server, student):
    context = new_context(viewport={"width": 390, "height": 844}, device_scale_factor=3, is_mobile=True, has_touch=True)
    page = context.new_page()
    log_in(page, student.student_id, PASSWORD)
    expect(page).to_have_url(f"{live_server.url}{reverse('student_home')}")

    scroll_width, inner_width = page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")

    assert inner_width == 390
    assert scroll_width <= inner_width, f"the page is {scroll_width}px wide on a {inner_width}px screen"
