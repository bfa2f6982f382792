"""Login by student ID, the first-login password change, lockout, password reset and language."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from portal import services
from tests.factories import TOTP_SECRET, StudentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def new_student(school_a):
    """Diego, whose account was just created from the admissions list: his password is still the initial one."""
    student = StudentFactory(
        student_id="2026100001", name_latin="Diego Alvarez", school=school_a, passport_number="PA9081726"
    )
    services.user_issue_initial_password(user=student.user, passport_number=student.passport_number)
    return student


def login(client, login, password):
    return client.post(reverse("account_login"), {"login": login, "password": password})


def test_student_logs_in_with_student_id_and_last_six_of_passport(client, new_student):
    response = login(client, "2026100001", "081726")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_change_password")


def test_student_cannot_log_in_with_the_whole_passport_number(client, new_student):
    response = login(client, "2026100001", "PA9081726")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_student_with_initial_password_is_sent_to_change_it_from_every_page(client, new_student):
    login(client, "2026100001", "081726")
    for url in [reverse("student_home"), reverse("my_documents"), reverse("inbox"), "/admin/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == reverse("account_change_password"), url


def test_api_refuses_a_student_who_has_not_changed_the_initial_password(client, new_student):
    login(client, "2026100001", "081726")
    response = client.get("/api/me/")
    assert response.status_code == 403
    assert response.json()["extra"]["code"] == "password_change_required"


def test_token_api_refuses_a_student_who_has_not_changed_the_initial_password(client, new_student):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=new_student.user)
    response = client.get("/api/me/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 403


def test_changing_the_initial_password_opens_the_portal(client, new_student):
    login(client, "2026100001", "081726")
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": "081726", "password1": "mango river lantern 42", "password2": "mango river lantern 42"},
    )
    assert response.status_code == 302
    new_student.user.refresh_from_db()
    assert not new_student.user.must_change_password
    assert client.get(reverse("student_home")).status_code == 200


def test_initial_password_stops_working_after_it_is_changed(client, new_student):
    login(client, "2026100001", "081726")
    client.post(
        reverse("account_change_password"),
        {"oldpassword": "081726", "password1": "mango river lantern 42", "password2": "mango river lantern 42"},
    )
    client.logout()
    assert login(client, "2026100001", "081726").status_code == 200
    assert "_auth_user_id" not in client.session


def test_new_password_may_not_contain_the_student_id_or_passport(client, new_student):
    login(client, "2026100001", "081726")
    for bad in ["x2026100001x", "PA9081726abc", "diego-alvarez-99"]:
        response = client.post(
            reverse("account_change_password"), {"oldpassword": "081726", "password1": bad, "password2": bad}
        )
        assert response.status_code == 200, bad
        assert "must not contain" in response.content.decode()


def test_common_and_short_passwords_are_refused(client, new_student):
    login(client, "2026100001", "081726")
    for bad in ["password123", "short"]:
        response = client.post(
            reverse("account_change_password"), {"oldpassword": "081726", "password1": bad, "password2": bad}
        )
        assert response.status_code == 200, bad
    new_student.user.refresh_from_db()
    assert new_student.user.must_change_password


def test_initial_password_expires_after_its_validity_period(client, new_student, settings):
    user = new_student.user
    user.initial_password_expires_at = timezone.now() - timedelta(minutes=1)
    user.save(update_fields=["initial_password_expires_at"])
    assert login(client, "2026100001", "081726").status_code == 200
    assert "_auth_user_id" not in client.session


def test_repeated_failed_logins_lock_the_account_for_a_while(client, new_student):
    for _ in range(5):
        login(client, "2026100001", "wrong-password")
    response = login(client, "2026100001", "081726")
    assert response.status_code in (200, 429)
    assert "_auth_user_id" not in client.session
    assert "Too many failed login attempts" in response.content.decode()


def totp_code(secret=TOTP_SECRET) -> str:
    import time

    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def test_staff_log_in_with_email_and_the_authenticator_code(client, office_staff):
    response = login(client, office_staff.email, "correct horse battery staple")
    assert response["Location"] == reverse("mfa_authenticate")
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert response.status_code == 302
    assert client.get(reverse("home"))["Location"] == reverse("staff_home")
    assert client.get(reverse("staff_home")).status_code == 200


def test_staff_log_in_with_username(client, office_staff):
    assert login(client, "olga", "correct horse battery staple")["Location"] == reverse("mfa_authenticate")


def test_staff_password_without_the_authenticator_code_opens_nothing(client, office_staff):
    login(client, "olga", "correct horse battery staple")
    client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("staff_home")).status_code == 302


def test_staff_without_a_second_factor_are_sent_to_set_one_up(client, db):
    from tests.factories import UserFactory

    user = UserFactory(username="newbie", second_factor=False)
    login(client, "newbie", "correct horse battery staple")
    response = client.get(reverse("staff_home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")
    # allauth asks for the password once more before a second factor is set up.
    response = client.get(reverse("mfa_activate_totp"))
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    client.post(response["Location"], {"password": "correct horse battery staple"})
    assert client.get(reverse("mfa_activate_totp")).status_code == 200
    assert client.get("/api/students/").status_code == 403
    assert client.get("/admin/").status_code == 302
    assert user.is_authenticated


def test_token_api_refuses_staff_without_a_second_factor(db):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    from tests.factories import UserFactory

    user = UserFactory(username="newbie", second_factor=False)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    assert api.get("/api/students/").status_code == 403


def test_admin_login_is_throttled_like_the_portal_login(client, admin_user):
    for _ in range(5):
        client.post(reverse("account_login"), {"login": "ada", "password": "wrong"})
    response = login(client, "ada", "correct horse battery staple")
    assert "_auth_user_id" not in client.session
    assert "Too many failed login attempts" in response.content.decode()
    assert client.get("/admin/")["Location"].startswith("/admin/login/")


def test_password_reset_sends_an_email_with_a_link(client, student):
    response = client.post(reverse("account_reset_password"), {"email": student.user.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert student.user.email in mail.outbox[0].to
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


def test_password_reset_answers_the_same_for_an_unknown_address(client, student):
    known = client.post(reverse("account_reset_password"), {"email": student.user.email})
    unknown = client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]


def test_there_is_no_sign_up_page(client, db):
    assert client.get("/accounts/signup/").status_code == 404


def test_language_switch_sticks_to_the_account(client_for, student):
    client = client_for(student.user)
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/student/"})
    student.user.refresh_from_db()
    assert student.user.language == "zh-hans"
    client.cookies.clear()
    client.force_login(student.user)
    response = client.get(reverse("student_home"))
    assert response["Content-Language"] == "zh-hans"


def test_admin_login_goes_through_the_portal_login(client, db):
    response = client.get("/admin/login/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_password_reset_link_lets_the_student_choose_a_new_password(client, student):
    import re

    client.post(reverse("account_reset_password"), {"email": student.user.email})
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+)", mail.outbox[0].body).group(1)
    response = client.get(link, follow=True)
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else link
    response = client.post(form_url, {"password1": "blue kite over harbour", "password2": "blue kite over harbour"})
    assert response.status_code == 302
    assert login(client, student.student_id, "blue kite over harbour").status_code == 302


def test_staff_member_sets_up_an_authenticator_and_then_reaches_staff_pages(client, db):
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    from tests.factories import UserFactory

    UserFactory(username="newbie", second_factor=False)
    login(client, "newbie", "correct horse battery staple")
    client.post(reverse("account_reauthenticate"), {"password": "correct horse battery staple"})
    page = client.get(reverse("mfa_activate_totp"))
    secret = page.context["form"].secret
    import time

    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    response = client.post(reverse("mfa_activate_totp"), {"code": code})
    assert response.status_code == 302
    assert client.get(reverse("staff_home")).status_code == 200


def test_createsuperuser_makes_a_portal_administrator(db):
    from portal.models import Role, User

    user = User.objects.create_superuser("root", "root@example.edu.cn", "a long admin passphrase")
    assert user.role == Role.ADMIN
