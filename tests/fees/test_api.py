"""The fees API: a student reads only their own ledger and receipts; finance reads everybody's."""

import pytest
from django.urls import reverse

from tests.fees.helpers import bill, pay

pytestmark = pytest.mark.django_db


@pytest.fixture
def accounts(student, classmate, finance_staff):
    bill(student, "24000.00", by=finance_staff)
    mine = pay(student, "24000.00", by=finance_staff, reference="A-1")
    bill(classmate, "24000.00", by=finance_staff)
    theirs = pay(classmate, "1000.00", by=finance_staff, reference="B-1")
    return mine, theirs


def test_student_reads_only_their_own_ledger(client, student, accounts):
    client.force_login(student.user)
    rows = client.get(reverse("api_fees_ledger"), {"student_id": "2026000002"}).json()["results"]
    assert {row["student_id"] for row in rows} == {student.student_id}
    assert [row["amount"] for row in rows] == ["24000.00", "-24000.00"]
    assert rows[1]["receipt_number"] == accounts[0].receipt.number


def test_finance_reads_everybodys_ledger_and_filters_by_student(client, finance_staff, classmate, accounts):
    client.force_login(finance_staff)
    assert client.get(reverse("api_fees_ledger")).json()["count"] == 4
    rows = client.get(reverse("api_fees_ledger"), {"student_id": classmate.student_id}).json()["results"]
    assert {row["student_id"] for row in rows} == {classmate.student_id}


def test_other_offices_read_no_ledger(client, office_staff, accounts):
    client.force_login(office_staff)
    assert client.get(reverse("api_fees_ledger")).json()["count"] == 0
    assert client.get(reverse("api_fees_receipts")).json()["count"] == 0


def test_student_lists_own_receipts_and_asks_for_a_pdf(client, student, accounts):
    client.force_login(student.user)
    receipts = client.get(reverse("api_fees_receipts")).json()["results"]
    assert [r["number"] for r in receipts] == [accounts[0].receipt.number]
    assert receipts[0]["amount"] == "24000.00"
    response = client.post(reverse("api_fees_receipt_pdf", kwargs={"pk": accounts[0].receipt.pk}))
    assert response.status_code == 202 and response.json()["document_id"]


def test_student_cannot_ask_for_a_classmates_receipt(client, student, accounts):
    client.force_login(student.user)
    response = client.post(reverse("api_fees_receipt_pdf", kwargs={"pk": accounts[1].receipt.pk}))
    assert response.status_code == 404
    assert set(response.json()) == {"message", "extra"}


def test_fees_endpoints_are_in_the_schema(client, finance_staff):
    client.force_login(finance_staff)
    schema = client.get(reverse("api_schema"), HTTP_ACCEPT="application/json").content.decode()
    for path in ("/api/fees/ledger/", "/api/fees/receipts/", "/api/fees/receipts/{id}/pdf/"):
        assert path in schema
