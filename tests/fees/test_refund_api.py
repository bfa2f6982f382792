"""The refund API: a student applies for and reads their own requests; finance reads all, decides and pays."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from fees import services
from fees.models import RefundRequest, RefundState
from tests.factories import StudentFactory
from tests.fees.helpers import autumn, bill, pay, spring

pytestmark = pytest.mark.django_db

DAY_31 = datetime.date(2026, 10, 6)


@pytest.fixture
def year(db):
    return autumn(), spring()


def paid_student(student, finance_staff):
    bill(student, "24000.00", by=finance_staff)
    pay(student, "24000.00", by=finance_staff)
    return student


def make_request(student, semester):
    return services.refund_request_apply(
        student=student,
        user=student.user,
        semester=semester,
        completed_on=DAY_31,
        reason="Going home",
        bank_account_name=student.name_latin,
        bank_name="Bank",
        bank_account="123",
    )


@pytest.fixture
def two_requests(student, classmate, finance_staff, year):
    mine = make_request(paid_student(student, finance_staff), year[0])
    theirs = make_request(paid_student(classmate, finance_staff), year[0])
    return mine, theirs


def test_student_applies_through_the_api_and_gets_the_proposal(client, student, finance_staff, year):
    paid_student(student, finance_staff)
    client.force_login(student.user)
    response = client.post(
        reverse("api_fees_refunds"),
        {
            "semester": year[0].code,
            "completed_on": DAY_31.isoformat(),
            "reason": "Transfer abroad",
            "bank_account_name": "Amina Yusuf",
            "bank_name": "Bank",
            "bank_account": "DE89 3704 0044 0532 0130 00",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["proposed_amount"], body["proposed_clause"], body["state"]) == ("12000.00", "2.1.2.2", "requested")
    assert body["bank_account"] == "DE89370400440532013000"
    assert [row["state"] for row in body["history"]] == ["requested"]


def test_an_unknown_semester_is_a_field_error(client, student, finance_staff, year):
    paid_student(student, finance_staff)
    client.force_login(student.user)
    response = client.post(
        reverse("api_fees_refunds"),
        {
            "semester": "1999-2000-1",
            "completed_on": "2026-10-06",
            "reason": "x",
            "bank_account_name": "A",
            "bank_name": "B",
            "bank_account": "1",
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "semester" in response.json()["extra"]["fields"]


def test_staff_cannot_apply_for_a_refund(client, finance_staff):
    client.force_login(finance_staff)
    response = client.post(reverse("api_fees_refunds"), {}, content_type="application/json")
    assert response.status_code == 403 and set(response.json()) == {"message", "extra"}


def test_student_lists_only_their_own_requests(client, student, two_requests):
    client.force_login(student.user)
    rows = client.get(reverse("api_fees_refunds"), {"student_id": "2026000002"}).json()["results"]
    assert [row["id"] for row in rows] == [two_requests[0].pk]


def test_student_gets_404_for_a_classmates_request(client, student, two_requests):
    client.force_login(student.user)
    response = client.get(reverse("api_fees_refund_detail", args=[two_requests[1].pk]))
    assert response.status_code == 404 and set(response.json()) == {"message", "extra"}


@pytest.mark.parametrize("persona", ["office_staff", "staff_a", "dormitory_staff"])
def test_other_offices_see_no_refund_request(client, request, two_requests, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("api_fees_refunds")).json()["count"] == 0
    assert client.get(reverse("api_fees_refund_detail", args=[two_requests[0].pk])).status_code == 404
    decision = {
        "decision": "reject",
        "permit_changed_in_time": False,
        "receipts_returned": False,
        "reason": "x",
        "version": 1,
    }
    url = reverse("api_fees_refund_decision", args=[two_requests[0].pk])
    assert client.post(url, decision, content_type="application/json").status_code == 404


def test_the_student_may_not_decide_their_own_request(client, student, two_requests):
    client.force_login(student.user)
    response = client.post(
        reverse("api_fees_refund_decision", args=[two_requests[0].pk]),
        {"decision": "approve", "permit_changed_in_time": True, "receipts_returned": True, "version": 1},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert RefundRequest.objects.get(pk=two_requests[0].pk).state == RefundState.REQUESTED


def test_finance_filters_by_student_and_state(client, finance_staff, classmate, two_requests):
    client.force_login(finance_staff)
    assert client.get(reverse("api_fees_refunds")).json()["count"] == 2
    rows = client.get(reverse("api_fees_refunds"), {"student_id": classmate.student_id}).json()["results"]
    assert [row["student_id"] for row in rows] == [classmate.student_id]
    assert client.get(reverse("api_fees_refunds"), {"state": "paid"}).json()["count"] == 0


def test_finance_approves_an_adjusted_amount_then_pays_it(client, finance_staff, two_requests):
    refund = two_requests[0]
    client.force_login(finance_staff)
    decision = client.post(
        reverse("api_fees_refund_decision", args=[refund.pk]),
        {
            "decision": "approve",
            "permit_changed_in_time": True,
            "receipts_returned": True,
            "amount": "11000.00",
            "reason": "Bank charges deducted",
            "version": refund.version,
        },
        content_type="application/json",
    )
    assert decision.status_code == 200, decision.json()
    body = decision.json()
    assert (body["state"], body["approved_amount"], body["decided_clause"]) == ("approved", "11000.00", "adjusted")
    paid = client.post(
        reverse("api_fees_refund_paid", args=[refund.pk]),
        {"paid_on": timezone.localdate().isoformat(), "reference": "TT-9", "version": body["version"]},
        content_type="application/json",
    )
    assert paid.status_code == 200, paid.json()
    assert paid.json()["state"] == "paid" and paid.json()["payout_reference"] == "TT-9"
    assert [row["state"] for row in paid.json()["history"]] == ["requested", "approved", "paid"]


def test_a_second_decision_answers_409_with_who_decided(client, finance_staff, admin_user, two_requests):
    refund = two_requests[0]
    services.refund_request_approve(
        request=refund, actor=admin_user, permit_changed_in_time=True, receipts_returned=True
    )
    client.force_login(finance_staff)
    response = client.post(
        reverse("api_fees_refund_decision", args=[refund.pk]),
        {
            "decision": "reject",
            "permit_changed_in_time": True,
            "receipts_returned": False,
            "reason": "No receipts",
            "version": refund.version,
        },
        content_type="application/json",
    )
    assert response.status_code == 409
    assert response.json()["extra"] == {"code": "conflict"}
    assert "already approved by" in response.json()["message"]


def test_the_finance_refund_list_takes_the_same_queries_for_2_and_20_requests(client, finance_staff, year, school_a):
    def add(count):
        for _ in range(count):
            make_request(paid_student(StudentFactory(school=school_a), finance_staff), year[0])

    client.force_login(finance_staff)
    add(2)
    client.get(reverse("api_fees_refunds"))
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("api_fees_refunds")).json()["count"] == 2
    add(18)
    with CaptureQueriesContext(connection) as many:
        assert client.get(reverse("api_fees_refunds")).json()["count"] == 20
    assert len(many) == len(few)


def test_refund_endpoints_are_in_the_schema(client, finance_staff):
    client.force_login(finance_staff)
    schema = client.get(reverse("api_schema"), HTTP_ACCEPT="application/json").content.decode()
    for path in (
        "/api/fees/refunds/",
        "/api/fees/refunds/{id}/",
        "/api/fees/refunds/{id}/decision/",
        "/api/fees/refunds/{id}/paid/",
    ):
        assert path in schema
