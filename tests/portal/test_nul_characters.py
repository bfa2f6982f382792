"""A NUL character in an address is refused with a 400: PostgreSQL cannot compare text holding one (it was a 500)."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    ["/staff/students/?q=a%00b", "/staff/students/a%00b/", "/staff/audit/?student=a%00b", "/staff/audit/?action=%00"],
)
def test_a_nul_character_in_a_staff_page_address_is_a_400(client_for, admin_user, url):
    assert client_for(admin_user).get(url).status_code == 400


@pytest.mark.parametrize("url", ["/api/students/?q=a%00b", "/api/evidence/?state=%00", "/api/students/a%00b/"])
def test_a_nul_character_in_an_api_address_is_a_400_in_the_error_shape(office_staff, url):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=office_staff).key}")
    response = client.get(url)
    assert response.status_code == 400
    assert response.json()["extra"] == {"code": "nul_character"}
