"""The finance account page's title is the student and the page, not its forms."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_account_page_title_names_the_student_only(client_for, finance_staff, student):
    page = client_for(finance_staff).get(reverse("fees_student_account", args=[student.student_id])).content.decode()
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    assert student.student_id in title and "<" not in title
