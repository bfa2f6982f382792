"""Sessions: logout, a password change and deactivation end the user's other sessions; time limits hold."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal import services
from tests.conftest import PASSWORD
from tests.factories import StudentFactory

pytestmark = pytest.mark.django_db


def logged_in_client(user, password=PASSWORD):
    client = Client()
    response = client.post(reverse("account_login"), {"login": user.username, "password": password})
    assert response.status_code == 302
    return client


def is_signed_in(client) -> bool:
    return client.get(reverse("inbox")).status_code == 200


def test_each_login_gets_a_new_session_key(student):
    client = Client()
    client.get(reverse("account_login"))
    before = client.cookies.get("sessionid")
    client.post(reverse("account_login"), {"login": student.user.username, "password": PASSWORD})
    assert client.cookies["sessionid"].value != (before.value if before else None)


def test_logout_ends_the_users_sessions_in_other_browsers(student):
    phone, laptop = logged_in_client(student.user), logged_in_client(student.user)
    assert is_signed_in(phone) and is_signed_in(laptop)
    laptop.post(reverse("account_logout"))
    assert not is_signed_in(phone)


def test_password_change_ends_the_other_sessions_but_keeps_this_one(student):
    phone, laptop = logged_in_client(student.user), logged_in_client(student.user)
    response = laptop.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": "violet paper tiger 7", "password2": "violet paper tiger 7"},
    )
    assert response.status_code == 302
    assert is_signed_in(laptop)
    assert not is_signed_in(phone)


def test_deactivating_a_user_ends_their_sessions(student):
    phone = logged_in_client(student.user)
    student.user.is_active = False
    student.user.save(update_fields=["is_active"])
    assert not is_signed_in(phone)


def test_a_session_ends_after_the_absolute_limit_however_active(student, settings):
    client = logged_in_client(student.user)
    session = client.session
    session["portal_login_at"] = (timezone.now() - settings.SESSION_ABSOLUTE_TIMEOUT - timedelta(minutes=1)).isoformat()
    session.save()
    response = client.get(reverse("inbox"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_session_cookie_expires_when_idle(settings):
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert 0 < settings.SESSION_COOKIE_AGE <= 8 * 60 * 60


def test_student_is_emailed_at_the_first_login(school_a, django_capture_on_commit_callbacks):
    student = StudentFactory(school=school_a, passport_number="K7654321")
    services.user_issue_initial_password(user=student.user, passport_number=student.passport_number)
    with django_capture_on_commit_callbacks(execute=True):
        logged_in_client(student.user, password="654321")
    assert any("first time" in message.subject for message in mail.outbox)


def test_reissued_initial_password_replaces_the_students_own_and_ends_sessions(client_for, student, office_staff):
    phone = logged_in_client(student.user)
    response = client_for(office_staff).post(
        reverse("staff_student_reissue", args=[student.student_id]), {"mode": "initial_password"}
    )
    assert response.status_code == 302
    assert not is_signed_in(phone)
    student.user.refresh_from_db()
    assert student.user.must_change_password
    assert student.user.check_password("345678")
    assert not student.user.check_password(PASSWORD)


def test_activation_link_is_emailed_and_lets_the_student_set_a_password(
    client_for, student, office_staff, django_capture_on_commit_callbacks
):
    import re

    with django_capture_on_commit_callbacks(execute=True):
        client_for(office_staff).post(
            reverse("staff_student_reissue", args=[student.student_id]), {"mode": "activation_link"}
        )
    student.user.refresh_from_db()
    assert not student.user.has_usable_password()
    body = mail.outbox[-1].body
    path = re.search(r"(/accounts/password/reset/key/\S+)", body).group(1)
    client = Client()
    response = client.get(path, follow=True)
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else path
    response = client.post(form_url, {"password1": "sunrise over the dunes", "password2": "sunrise over the dunes"})
    assert response.status_code == 302
    assert logged_in_client(student.user, "sunrise over the dunes")


def test_school_staff_cannot_reissue_a_first_login(client_for, student, staff_a):
    response = client_for(staff_a).post(reverse("staff_student_reissue", args=[student.student_id]))
    assert response.status_code == 403
