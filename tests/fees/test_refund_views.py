"""The refund pages: the student applies and follows their request; finance works the queue, decides and pays."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from fees import services
from fees.models import EntryType, RefundRequest, RefundState
from tests.factories import StudentFactory
from tests.fees.helpers import autumn, bill, pay, spring

pytestmark = pytest.mark.django_db

DAY_30 = datetime.date(2026, 10, 5)


@pytest.fixture
def year(db):
    return autumn(), spring()


@pytest.fixture
def paid(student, finance_staff, year):
    bill(student, "24000.00", by=finance_staff)
    pay(student, "24000.00", by=finance_staff, reference="Y-1")
    return year


def application(semester, **overrides):
    return {
        "semester": semester.pk,
        "completed_on": DAY_30.isoformat(),
        "reason": "Family reasons",
        "bank_account_name": "Amina Yusuf",
        "bank_name": "Equity Bank",
        "bank_account": "KE001122",
        "bank_swift": "EQBLKENA",
        **overrides,
    }


def make_request(student, semester, completed_on=DAY_30):
    return services.refund_request_apply(
        student=student,
        user=student.user,
        semester=semester,
        completed_on=completed_on,
        reason="Going home",
        bank_account_name=student.name_latin,
        bank_name="Bank",
        bank_account="123",
    )


def test_student_sees_the_computed_refund_before_applying(client, student, paid):
    client.force_login(student.user)
    response = client.post(reverse("fees_refund_new"), application(paid[0], preview="1"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "18000.00 RMB" in page and "2.1.2.1" in page
    assert not RefundRequest.objects.exists()


def test_student_applies_and_reads_the_proposal_and_history(client, student, paid):
    client.force_login(student.user)
    response = client.post(reverse("fees_refund_new"), application(paid[0], apply="1"))
    refund = RefundRequest.objects.get(student=student)
    assert response.status_code == 302 and response["Location"] == reverse("fees_refund_detail", args=[refund.pk])
    page = client.get(response["Location"]).content.decode()
    assert "18000.00 RMB" in page and "Equity Bank" in page and "Waiting for finance" in page
    assert "Amina Yusuf (阿米娜)" in page  # the history names who applied


def test_an_application_without_bank_details_is_refused_field_by_field(client, student, paid):
    client.force_login(student.user)
    response = client.post(reverse("fees_refund_new"), application(paid[0], apply="1", bank_account=""))
    assert response.status_code == 400
    assert response.context["form"].errors["bank_account"]
    assert not RefundRequest.objects.exists()


def test_an_application_the_portal_cannot_compute_says_why(client, student, year):
    client.force_login(student.user)
    response = client.post(reverse("fees_refund_new"), application(year[0], apply="1"))
    assert response.status_code == 400
    assert "nothing to refund" in response.content.decode()


def test_a_second_application_for_the_year_is_answered_with_a_conflict(client, student, paid):
    make_request(student, paid[0])
    client.force_login(student.user)
    response = client.post(reverse("fees_refund_new"), application(paid[0], apply="1"))
    assert response.status_code == 409
    assert "already have a refund request" in response.content.decode()


def test_student_cannot_open_a_classmates_refund(client, student, classmate, finance_staff, paid):
    bill(classmate, "24000.00", by=finance_staff)
    pay(classmate, "24000.00", by=finance_staff, reference="C-1")
    theirs = make_request(classmate, paid[0])
    client.force_login(student.user)
    assert client.get(reverse("fees_refund_detail", args=[theirs.pk])).status_code == 404
    assert theirs.bank_account not in client.get(reverse("fees_refund_list")).content.decode()


@pytest.mark.parametrize("persona", ["office_staff", "staff_a", "dormitory_staff", "clearance_staff"])
def test_other_offices_may_not_use_the_refund_pages(client, request, student, paid, persona):
    refund = make_request(student, paid[0])
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("fees_refund_queue")).status_code == 403
    assert client.get(reverse("fees_refund_decide", args=[refund.pk])).status_code == 403
    assert client.get(reverse("fees_refund_detail", args=[refund.pk])).status_code == 404


def test_finance_approves_after_checking_and_the_student_reads_the_decision(client, student, finance_staff, paid):
    refund = make_request(student, paid[0])
    client.force_login(finance_staff)
    page = client.get(reverse("fees_refund_decide", args=[refund.pk])).content.decode()
    assert "18000.00" in page and "12000.00" in page  # the proposal and the tuition it was computed from
    response = client.post(
        reverse("fees_refund_decide", args=[refund.pk]),
        {"decision": "approve", "permit_changed_in_time": "on", "receipts_returned": "on", "version": refund.version},
    )
    assert response.status_code == 302
    refund.refresh_from_db()
    assert (refund.state, refund.approved_amount) == (RefundState.APPROVED, Decimal("18000.00"))
    client.force_login(student.user)
    assert "Approved" in client.get(reverse("fees_refund_detail", args=[refund.pk])).content.decode()


def test_approving_without_the_receipts_is_refused_with_the_reason(client, student, finance_staff, paid):
    refund = make_request(student, paid[0])
    client.force_login(finance_staff)
    response = client.post(
        reverse("fees_refund_decide", args=[refund.pk]),
        {"decision": "approve", "permit_changed_in_time": "on", "version": refund.version},
    )
    assert response.status_code == 400
    assert "reject the request" in response.content.decode()
    refund.refresh_from_db()
    assert refund.state == RefundState.REQUESTED


def test_a_decision_on_an_old_page_tells_the_second_finance_officer(client, student, finance_staff, admin_user, paid):
    refund = make_request(student, paid[0])
    opened_version = refund.version
    services.refund_request_approve(
        request=refund, actor=admin_user, permit_changed_in_time=True, receipts_returned=True
    )
    client.force_login(finance_staff)
    response = client.post(
        reverse("fees_refund_decide", args=[refund.pk]),
        {"decision": "reject", "reason": "No receipts", "version": opened_version},
    )
    assert response.status_code == 302
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert "already approved by" in message
    refund.refresh_from_db()
    assert refund.state == RefundState.APPROVED


def test_finance_marks_an_approved_refund_paid_from_the_page(client, student, finance_staff, paid):
    refund = services.refund_request_approve(
        request=make_request(student, paid[0]), actor=finance_staff, permit_changed_in_time=True, receipts_returned=True
    )
    client.force_login(finance_staff)
    response = client.post(
        reverse("fees_refund_mark_paid", args=[refund.pk]),
        {"paid_on": timezone.localdate().isoformat(), "reference": "TT-2026-1", "version": refund.version},
    )
    assert response.status_code == 302
    refund.refresh_from_db()
    assert refund.state == RefundState.PAID and refund.refund_entry.entry_type == EntryType.REFUND
    account = client.get(reverse("fees_student_account", args=[student.student_id])).content.decode()
    assert "Refund paid out" in account and "TT-2026-1" in account


def test_marking_paid_without_a_reference_is_refused(client, student, finance_staff, paid):
    refund = services.refund_request_approve(
        request=make_request(student, paid[0]), actor=finance_staff, permit_changed_in_time=True, receipts_returned=True
    )
    client.force_login(finance_staff)
    response = client.post(
        reverse("fees_refund_mark_paid", args=[refund.pk]),
        {"paid_on": timezone.localdate().isoformat(), "reference": "", "version": refund.version},
    )
    assert response.status_code == 400
    refund.refresh_from_db()
    assert refund.state == RefundState.APPROVED


def _requests(count, finance_staff, year, school):
    for _ in range(count):
        someone = StudentFactory(school=school)
        bill(someone, "24000.00", by=finance_staff)
        pay(someone, "24000.00", by=finance_staff)
        refund = make_request(someone, year[0])
        services.refund_request_approve(
            request=refund, actor=finance_staff, permit_changed_in_time=True, receipts_returned=True
        )


def test_the_refund_queue_takes_the_same_queries_for_3_and_25_requests(client, finance_staff, year, school_a):
    client.force_login(finance_staff)
    url = reverse("fees_refund_queue") + "?state=approved"
    _requests(3, finance_staff, year, school_a)
    client.get(url)  # warm the session and the caches of the first request
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    _requests(22, finance_staff, year, school_a)
    with CaptureQueriesContext(connection) as many:
        page = client.get(url).content.decode()
    assert page.count(reverse("fees_refund_decide", args=[RefundRequest.objects.first().pk])) == 1
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_the_finance_page_offers_the_payout_once_approved_and_only_the_history_once_paid(
    client, student, finance_staff, paid
):
    refund = make_request(student, paid[0])
    client.force_login(finance_staff)
    url = reverse("fees_refund_decide", args=[refund.pk])
    assert reverse("fees_refund_mark_paid", args=[refund.pk]) not in client.get(url).content.decode()
    refund = services.refund_request_approve(
        request=refund, actor=finance_staff, permit_changed_in_time=True, receipts_returned=True
    )
    page = client.get(url).content.decode()
    assert reverse("fees_refund_mark_paid", args=[refund.pk]) in page and 'name="decision"' not in page
    services.refund_request_mark_paid(
        request=refund, actor=finance_staff, paid_on=timezone.localdate(), reference="R-1"
    )
    page = client.get(url).content.decode()
    assert reverse("fees_refund_mark_paid", args=[refund.pk]) not in page and 'name="decision"' not in page
    assert page.count("<li><strong>") == 3  # requested, approved, paid in the history


def test_the_student_pages_render_in_chinese(client, student, paid):
    refund = make_request(student, paid[0])
    student.user.language = "zh-hans"
    student.user.save(update_fields=["language"])
    client.force_login(student.user)
    client.cookies["django_language"] = "zh-hans"
    # The language the requests activate would otherwise stay active in this thread for the tests that follow.
    with translation.override(None):
        for url in (
            reverse("fees_refund_list"),
            reverse("fees_refund_new"),
            reverse("fees_refund_detail", args=[refund.pk]),
        ):
            response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
            assert response.status_code == 200
            assert 'lang="zh-hans"' in response.content.decode()


def test_the_finance_home_counts_the_refunds_waiting(client, student, finance_staff, paid):
    make_request(student, paid[0])
    client.force_login(finance_staff)
    page = client.get(reverse("fees_finance_home")).content.decode()
    assert "1 refund request to decide" in page and "approved refund" not in page


def test_finance_sees_the_term_s_attendance_beside_the_no_refund_causes(student, paid, finance_staff, staff_a, client):
    from registration import services as registration_services

    refund = make_request(student, paid[0])
    client.force_login(finance_staff)
    page = client.get(reverse("fees_refund_decide", args=[refund.pk])).content.decode()
    assert "No absence recorded." in page
    today = timezone.localdate()
    registration_services.absence_record(
        student=student,
        user=staff_a,
        first_day=today - datetime.timedelta(days=20),
        last_day=today - datetime.timedelta(days=1),
    )
    page = client.get(reverse("fees_refund_decide", args=[refund.pk])).content.decode()
    assert "no refund under 2.2.1 (c)" in page and "class days absent" in page
