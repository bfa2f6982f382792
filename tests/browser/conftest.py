"""Browser tests: Playwright drives Debian's Chromium (/usr/bin/chromium) against pytest-django's live server.

Never `playwright install`: the browser comes from Debian (scripts/test.sh installs the chromium package).
"""

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")

# Without the background-networking flags Chromium keeps trying to reach Google's hosts, which this closed
# network refuses; --no-sandbox because the tests run as root in a container.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Every test in this folder is a browser test, so `-m "not browser"` leaves them all out.

    tryfirst: the mark must be on the items before pytest's own hook deselects by `-m`.
    """
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session", autouse=True)
def _media_url_for_live_server():
    """Give the live server a MEDIA_URL it can parse.

    settings.MEDIA_URL is None on purpose (private files never get a URL), but Django's LiveServerThread wraps the
    site in a media file handler that needs a string; with None every request fails with a TypeError. No view is
    mounted at this path, so nothing becomes reachable that is not reachable in production.
    """
    from django.test import override_settings

    with override_settings(MEDIA_URL="/__no_media__/"):
        yield


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: apt-get install chromium (scripts/test.sh does it)"
        # A developer without Chromium may skip these; CI must not pass without running them.
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def base_url(live_server):
    """Relative addresses (page.goto("/student/")) go to the live server."""
    return live_server.url


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # The portal picks its language from Accept-Language until the user chooses one: start every test in English.
    return {**browser_context_args, "locale": "en-GB"}


def log_in(page, login: str, password: str) -> None:
    """Fill the portal's login form (not the language switch, which is also a form with a submit button)."""
    from django.urls import reverse

    page.goto(reverse("account_login"))
    form = page.locator(f"main form[action='{reverse('account_login')}']")
    form.locator("input[name=login]").fill(login)
    form.locator("input[name=password]").fill(password)
    form.locator("button[type=submit]").click()
