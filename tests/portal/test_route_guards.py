"""Guards that every route inherits: the forced password change, no CSRF exemptions, safe Celery settings."""

import pathlib

import pytest
from django.conf import settings
from django.urls import reverse

from portal import services
from portal.celery import app
from tests.factories import StudentFactory, UserFactory
from tests.portal.test_access_matrix import ROUTES, admin_url, url_for

pytestmark = pytest.mark.django_db

# The only places open to someone who still holds the initial password (besides static files).
EXEMPT = {"account_change_password", "account_logout", "set_language", "health"}
# Pages that answer before any login (an anonymous visitor sees them too); the forced change does not apply there
# because they show nothing of the account.
PUBLIC = {
    "account_login",
    "account_inactive",
    "account_reset_password",
    "account_reset_password_done",
    "account_reset_password_from_key",
    "account_reset_password_from_key_done",
    "account_reauthenticate",
    "mfa_authenticate",
}


@pytest.fixture
def newcomer(school_a):
    student = StudentFactory(school=school_a, passport_number="Z1234567")
    services.user_issue_initial_password(user=student.user, passport_number=student.passport_number)
    return student


@pytest.mark.parametrize("name", sorted({name for name, _ in ROUTES if name} - EXEMPT - PUBLIC))
def test_every_route_waits_for_the_initial_password_to_be_changed(name, newcomer, client):
    from tests.portal.test_access_matrix import MATRIX

    objects = {"student": newcomer, "pending": None, "rejected": None, "notification": None, "document": None}
    pattern = dict(ROUTES)[name]
    keys = set(pattern.pattern.regex.groupindex)
    if name.startswith("admin:"):
        url = admin_url(
            name,
            pattern,
            {
                "student": newcomer,
                "pending": newcomer,
                "notification": newcomer,
                "document": newcomer,
                "registration": newcomer,
            },
            {"a1": newcomer.user},
        )
        if url is None:
            pytest.skip("view_on_site has no page of its own")
    elif keys - {"student_id"}:
        url = reverse(name, kwargs={key: 1 if key == "pk" else "x" for key in keys})
    else:
        url = url_for(name, pattern, objects)
    assert name in MATRIX or name.startswith("admin:")
    client.force_login(newcomer.user)
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        if url.startswith("/api/"):
            assert response.status_code == 403, (method, url)
        else:
            assert response.status_code in (302, 405), (method, url, response.status_code)
            if response.status_code == 302:
                assert response["Location"] == reverse("account_change_password"), (method, url)


def test_no_view_is_exempt_from_csrf():
    sources = [p for folder in ("portal", *settings.INSTALLED_APPS[1:8]) for p in pathlib.Path(folder).rglob("*.py")]
    offenders = [str(p) for p in sources if "csrf_exempt" in p.read_text(encoding="utf-8")]
    assert offenders == []


def test_celery_is_configured_for_safe_redelivery():
    conf = app.conf
    assert conf.task_serializer == "json" and conf.accept_content == ["json"]
    assert conf.task_acks_late is True and conf.task_reject_on_worker_lost is True
    assert conf.task_time_limit and conf.task_soft_time_limit < conf.task_time_limit
    assert conf.worker_prefetch_multiplier == 1


def test_every_task_is_bounded_in_retries():
    tasks = {name: task for name, task in app.tasks.items() if name.startswith("portal.")}
    assert tasks
    for name, task in tasks.items():
        assert task.max_retries is not None and task.max_retries <= 5, name


def test_staff_who_must_change_their_password_are_held_too(client, db):
    user = UserFactory(username="freshstaff")
    user.must_change_password = True
    user.save(update_fields=["must_change_password"])
    client.force_login(user)
    assert client.get(reverse("staff_home"))["Location"] == reverse("account_change_password")


def test_a_body_far_beyond_the_upload_limit_is_refused_before_it_is_read(client_for, student, settings):
    client = client_for(student.user)
    too_big = str(settings.MAX_REQUEST_BYTES + 1)
    page = client.post(
        reverse("my_documents"), data=b"x", content_type="application/octet-stream", CONTENT_LENGTH=too_big
    )
    assert page.status_code == 413
    assert "at most 10 MB" in page.content.decode()
    api = client.post("/api/evidence/", data=b"x", content_type="application/octet-stream", CONTENT_LENGTH=too_big)
    assert api.status_code == 413
    assert api.json()["extra"]["code"] == "too_large"
