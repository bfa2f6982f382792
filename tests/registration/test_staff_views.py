"""The office's registration pages: the queue, reviewing a form item by item, and approving a whole form."""

from datetime import timedelta

import factory
import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from portal.models import School
from registration import services
from registration.models import FormStatus, ItemDecision, ItemKind, ItemState, RegistrationForm, RegistrationItem
from tests.factories import SemesterFactory, StudentFactory
from tests.registration.test_services import fill

pytestmark = pytest.mark.django_db


@pytest.fixture
def semester(db):
    today = timezone.localdate()
    return SemesterFactory(starts_on=today - timedelta(days=5), ends_on=today + timedelta(days=120))


def submitted_form(student, semester):
    form = services.registration_form_for(student=student, semester=semester)
    return services.registration_submit(form=fill(form, student.user), user=student.user)


@pytest.fixture
def amina_form(student, semester):
    return submitted_form(student, semester)


def queue(client, **params):
    return client.get(reverse("registration_queue"), params)


def review_url(form):
    return reverse("registration_review", args=[form.pk])


def decide(client, form, kind, decision, reason="", expected_state=ItemState.PENDING, **extra):
    data = {"kind": kind, "decision": decision, "reason": reason, "expected_state": expected_state, **extra}
    return client.post(review_url(form), data)


def message_texts(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


# The queue


def test_office_staff_see_a_submitted_form_in_the_queue_and_not_a_draft(
    client_for, amina_form, classmate, semester, office_staff
):
    services.registration_form_for(student=classmate, semester=semester)
    response = queue(client_for(office_staff))
    assert response.status_code == 200
    assert list(response.context["page"]) == [amina_form]
    assert "Amina Yusuf" in response.content.decode() and "Ben Okafor" not in response.content.decode()


def test_the_queue_shows_the_item_counts_and_the_semester_counts(
    client_for, amina_form, classmate, semester, office_staff
):
    services.registration_form_for(student=classmate, semester=semester)
    response = queue(client_for(office_staff))
    row = response.context["page"][0]
    assert (row.pending_count, row.rejected_count) == (len(ItemKind.values), 0)
    counts = {value: n for value, _label, n in response.context["status_counts"]}
    assert counts[FormStatus.SUBMITTED] == 1 and counts[FormStatus.DRAFT] == 1


def test_the_queue_filters_by_status(client_for, amina_form, other_school_student, semester, office_staff):
    chen = submitted_form(other_school_student, semester)
    for item in chen.items.all():
        services.registration_item_decide(item=item, reviewer=office_staff, approve=True)
    client = client_for(office_staff)
    assert list(queue(client, status=FormStatus.APPROVED).context["page"]) == [chen]
    assert list(queue(client, status=FormStatus.SUBMITTED).context["page"]) == [amina_form]


def test_the_queue_filters_by_school(client_for, amina_form, other_school_student, semester, office_staff, school_b):
    chen = submitted_form(other_school_student, semester)
    assert list(queue(client_for(office_staff), school=school_b.pk).context["page"]) == [chen]


def test_the_queue_finds_a_student_by_id_or_name(client_for, amina_form, other_school_student, semester, office_staff):
    chen = submitted_form(other_school_student, semester)
    client = client_for(office_staff)
    assert list(queue(client, q="2026000003").context["page"]) == [chen]
    assert list(queue(client, q="amina").context["page"]) == [amina_form]
    assert list(queue(client, q="伟玲").context["page"]) == [chen]


def test_the_queue_filters_by_the_rejected_item(client_for, amina_form, other_school_student, semester, office_staff):
    chen = submitted_form(other_school_student, semester)
    insurance = chen.items.get(kind=ItemKind.INSURANCE)
    services.registration_item_decide(item=insurance, reviewer=office_staff, approve=False, reason="Blurred")
    client = client_for(office_staff)
    assert list(queue(client, rejected=ItemKind.INSURANCE).context["page"]) == [chen]
    assert list(queue(client, rejected=ItemKind.PERMIT).context["page"]) == []


def test_the_queue_filters_by_nationality_and_submitted_date(
    client_for, amina_form, other_school_student, semester, office_staff
):
    chen = submitted_form(other_school_student, semester)
    client = client_for(office_staff)
    assert list(queue(client, nationality="malaysia").context["page"]) == [chen]
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert list(queue(client, submitted_from=tomorrow).context["page"]) == []
    assert len(queue(client, submitted_to=tomorrow).context["page"]) == 2


@pytest.mark.parametrize("persona", ["staff_a", "finance_staff", "dormitory_staff", "clearance_staff"])
def test_staff_who_do_not_review_registration_get_403_on_the_queue(client_for, persona, request):
    assert queue(client_for(request.getfixturevalue(persona))).status_code == 403


def test_a_student_gets_404_on_the_queue(client_for, student):
    assert queue(client_for(student.user)).status_code == 404


def test_an_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get(reverse("registration_queue"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_queue_does_not_accept_posts(client_for, office_staff):
    assert client_for(office_staff).post(reverse("registration_queue")).status_code == 405


def make_forms(semester, count):
    """Submitted forms with their items, written directly: the query count test needs many, not real uploads."""
    schools = [
        School.objects.get_or_create(code=f"bulk{n}", defaults={"name_en": f"Bulk {n}", "name_zh": f"批量{n}"})[0]
        for n in range(3)
    ]
    students = StudentFactory.create_batch(count, school=factory.Iterator(schools))
    now = timezone.now()
    forms = RegistrationForm.objects.bulk_create(
        RegistrationForm(
            student=s, semester=semester, status=FormStatus.SUBMITTED, submitted_at=now, location="in_china"
        )
        for s in students
    )
    RegistrationItem.objects.bulk_create(
        RegistrationItem(form=f, kind=kind, state=ItemState.PENDING) for f in forms for kind in ItemKind.values
    )


def test_the_queue_query_count_does_not_grow_with_the_forms(
    client_for, office_staff, semester, django_assert_max_num_queries
):
    client = client_for(office_staff)
    make_forms(semester, 10)
    queue(client)  # Warm the session and the caches, so both counted requests start alike.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ten:
        assert len(queue(client).context["page"]) == 10
    make_forms(semester, 490)
    with django_assert_max_num_queries(len(ten)):
        response = queue(client)
    assert len(response.context["page"]) == 50 and response.context["page"].paginator.count == 500


# The review page


def test_the_review_page_shows_what_the_student_typed_and_the_evidence_links(client_for, amina_form, office_staff):
    response = client_for(office_staff).get(review_url(amina_form))
    assert response.status_code == 200
    body = response.content.decode()
    assert "PICC-1" in body and "E123456" in body and "+86 138 0000 0000" in body
    for evidence in (amina_form.insurance_proof, amina_form.housing_proof, amina_form.permit_scan):
        assert reverse("evidence_file", args=[evidence.pk]) in body
    assert "P12345678" in body


def test_rejecting_an_item_with_a_reason_returns_the_form_and_tells_the_student(
    client_for, amina_form, office_staff, student
):
    client = client_for(office_staff)
    for item in amina_form.items.exclude(kind=ItemKind.INSURANCE):
        services.registration_item_decide(item=item, reviewer=office_staff, approve=True)
    response = decide(client, amina_form, ItemKind.INSURANCE, "reject", reason="The slip is cut off")
    assert response.status_code == 302 and response["Location"] == review_url(amina_form)
    amina_form.refresh_from_db()
    assert amina_form.status == FormStatus.RETURNED
    assert "The slip is cut off" in student.user.notifications.latest("created_at").body


def test_a_common_reason_is_stored_in_the_source_language(client_for, amina_form, office_staff):
    client = client_for(office_staff)
    client.cookies["django_language"] = "zh-hans"
    decide(client, amina_form, ItemKind.PERMIT, "reject", common_reason="expired")
    item = amina_form.items.get(kind=ItemKind.PERMIT)
    assert item.reason == "The document has expired. Upload the current one."


def test_rejecting_without_a_reason_is_refused_with_400(client_for, amina_form, office_staff):
    response = decide(client_for(office_staff), amina_form, ItemKind.INSURANCE, "reject")
    assert response.status_code == 400
    assert "Say why this part is rejected" in response.content.decode()
    assert amina_form.items.get(kind=ItemKind.INSURANCE).state == ItemState.PENDING


def test_a_second_reviewer_with_a_stale_page_is_told_who_decided_and_the_first_decision_stands(
    client, amina_form, office_staff, admin_user
):
    # Both opened the page while the tuition item was waiting; Olga decides first.
    client.force_login(office_staff)
    assert decide(client, amina_form, ItemKind.TUITION, "approve").status_code == 302
    client.force_login(admin_user)
    response = decide(client, amina_form, ItemKind.TUITION, "reject", reason="Unpaid")
    assert response.status_code == 302 and response["Location"] == review_url(amina_form)
    assert any("already approved by Olga" in text for text in message_texts(response))
    item = amina_form.items.get(kind=ItemKind.TUITION)
    assert item.state == ItemState.APPROVED
    assert list(item.decisions.values_list("state", flat=True)) == [ItemState.APPROVED]


def test_a_decided_item_is_not_decided_again_and_its_decision_is_listed(client_for, amina_form, office_staff):
    client = client_for(office_staff)
    decide(client, amina_form, ItemKind.HOUSING, "reject", reason="Receipt of last year")
    decide(client, amina_form, ItemKind.HOUSING, "approve", expected_state=ItemState.REJECTED)
    body = client.get(review_url(amina_form)).content.decode()
    assert "Receipt of last year" in body
    assert amina_form.items.get(kind=ItemKind.HOUSING).state == ItemState.REJECTED
    assert ItemDecision.objects.filter(item__form=amina_form, item__kind=ItemKind.HOUSING).count() == 1


@pytest.mark.parametrize("persona", ["staff_a", "finance_staff"])
def test_staff_who_do_not_review_registration_get_403_on_a_form(client_for, amina_form, persona, request):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(review_url(amina_form)).status_code == 403
    assert decide(client, amina_form, ItemKind.TUITION, "approve").status_code == 403
    assert amina_form.items.get(kind=ItemKind.TUITION).state == ItemState.PENDING


def test_school_staff_of_another_school_get_403_on_a_form_like_any_staff_who_do_not_review(
    client_for, amina_form, staff_b
):
    assert client_for(staff_b).get(review_url(amina_form)).status_code == 403


def test_a_form_that_does_not_exist_is_404_for_office_staff(client_for, office_staff):
    assert client_for(office_staff).get(reverse("registration_review", args=[999999])).status_code == 404


def test_a_student_gets_404_on_the_review_page(client_for, amina_form, student):
    client = client_for(student.user)
    assert client.get(review_url(amina_form)).status_code == 404
    assert decide(client, amina_form, ItemKind.TUITION, "approve").status_code == 404


def test_a_draft_is_not_open_to_review(client_for, student, semester, office_staff):
    draft = services.registration_form_for(student=student, semester=semester)
    assert client_for(office_staff).get(review_url(draft)).status_code == 404


# Approving the whole form


def test_approve_all_approves_every_waiting_item_and_the_form(client_for, amina_form, office_staff):
    response = client_for(office_staff).post(
        reverse("registration_approve_all", args=[amina_form.pk]), {"version": amina_form.version}
    )
    assert response.status_code == 302 and response["Location"] == review_url(amina_form)
    amina_form.refresh_from_db()
    assert amina_form.status == FormStatus.APPROVED
    assert set(amina_form.items.values_list("state", flat=True)) == {ItemState.APPROVED}


def test_approve_all_from_a_page_older_than_the_form_changes_nothing(client_for, amina_form, office_staff):
    response = client_for(office_staff).post(
        reverse("registration_approve_all", args=[amina_form.pk]), {"version": amina_form.version - 1}
    )
    assert response.status_code == 302
    assert not amina_form.items.exclude(state=ItemState.PENDING).exists()


def test_approve_all_is_post_only_and_refused_to_staff_who_do_not_review(
    client_for, amina_form, office_staff, finance_staff
):
    url = reverse("registration_approve_all", args=[amina_form.pk])
    assert client_for(office_staff).get(url).status_code == 405
    assert client_for(finance_staff).post(url, {"version": amina_form.version}).status_code == 403
    assert not amina_form.items.exclude(state=ItemState.PENDING).exists()


def test_a_common_reason_reaches_a_chinese_speaking_student_in_chinese(
    client_for, student, office_staff, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    from registration import services as registration_services
    from registration.models import ItemKind
    from tests.factories import SemesterFactory
    from tests.registration.test_services import fill

    student.user.language = "zh-hans"
    student.user.save(update_fields=["language"])
    today = timezone.localdate()
    semester = SemesterFactory(starts_on=today - timedelta(days=5), ends_on=today + timedelta(days=120))
    form = registration_services.registration_submit(
        form=fill(registration_services.registration_form_for(student=student, semester=semester), student.user),
        user=student.user,
    )
    for item in form.items.exclude(kind=ItemKind.INSURANCE):
        registration_services.registration_item_decide(item=item, reviewer=office_staff, approve=True)
    registration_services.registration_item_decide(
        item=form.items.get(kind=ItemKind.INSURANCE),
        reviewer=office_staff,
        approve=False,
        reason="The insurance does not cover the whole semester.",
    )
    body = student.user.notifications.latest("created_at").body
    assert "The insurance does not cover" not in body
    assert "保险" in body
