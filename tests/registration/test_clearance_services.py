"""The leaving-school clearance: opening, sign-offs by each office, automatic and online items, completion."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from portal.models import AuditEntry
from portal.services import ConflictError
from registration import services
from registration.models import ClearanceHow, ClearanceSignOff
from tests.fees.helpers import bill, pay
from tests.registration.clearance_helpers import graduate, item, open_window

pytestmark = pytest.mark.django_db


def test_a_graduate_on_campus_gets_six_items_and_two_weeks_to_move_out(student, office_staff):
    clearance = graduate(student, by=office_staff, effective_on=datetime.date(2027, 6, 30))
    assert sorted(clearance.items.values_list("kind", flat=True)) == sorted(
        ["fees", "library", "property", "dormitory_keys", "school", "residence_permit"]
    )
    assert clearance.move_out_by == datetime.date(2027, 7, 14)
    assert clearance.graduation_year == 2027
    assert clearance.verification_number.startswith("LS-")


def test_a_dismissed_student_off_campus_has_no_keys_item_and_one_week(student, office_staff):
    clearance = graduate(
        student, by=office_staff, on_campus=False, reason="dismissal", effective_on=datetime.date(2027, 3, 1)
    )
    assert not clearance.items.filter(kind="dormitory_keys").exists()
    assert clearance.move_out_by == datetime.date(2027, 3, 8)


def test_only_the_international_office_opens_a_clearance(student, finance_staff):
    with pytest.raises(PermissionDenied):
        graduate(student, by=finance_staff)


def test_a_second_open_clearance_for_the_same_student_is_refused(student, office_staff):
    graduate(student, by=office_staff)
    with pytest.raises(ConflictError):
        graduate(student, by=office_staff)


def test_the_fees_item_completes_itself_when_nothing_is_owed(student, office_staff):
    clearance = graduate(student, by=office_staff)
    fees = item(clearance, "fees")
    assert fees.is_done and fees.done_how == ClearanceHow.AUTOMATIC and fees.done_by is None


def test_the_fees_item_stays_open_while_money_is_owed_and_completes_once_paid(student, office_staff, finance_staff):
    bill(student, "24000.00", by=finance_staff)
    clearance = graduate(student, by=office_staff)
    assert not item(clearance, "fees").is_done
    pay(student, "24000.00", by=finance_staff, reference="PAY-1")
    assert services.clearance_refresh_automatic() == 1
    assert item(clearance, "fees").done_how == ClearanceHow.AUTOMATIC
    assert services.clearance_refresh_automatic() == 0


def test_finance_cannot_sign_the_fees_item_while_money_is_owed(student, office_staff, finance_staff):
    bill(student, "100.00", by=finance_staff)
    clearance = graduate(student, by=office_staff)
    with pytest.raises(ValidationError, match="100.00"):
        services.clearance_item_sign(item=item(clearance, "fees"), user=finance_staff)


@pytest.mark.parametrize(
    ("persona", "kind"),
    [
        ("finance_staff", "library"),
        ("dormitory_staff", "school"),
        ("clearance_staff", "dormitory_keys"),
        ("staff_a", "residence_permit"),
        ("office_staff", "library"),
        ("staff_b", "school"),
    ],
)
def test_an_office_signs_only_its_own_item(request, student, office_staff, persona, kind):
    clearance = graduate(student, by=office_staff)
    with pytest.raises(PermissionDenied):
        services.clearance_item_sign(item=item(clearance, kind), user=request.getfixturevalue(persona))
    assert not item(clearance, kind).is_done


@pytest.mark.parametrize(
    ("persona", "kind"),
    [
        ("clearance_staff", "library"),
        ("clearance_staff", "property"),
        ("dormitory_staff", "dormitory_keys"),
        ("staff_a", "school"),
        ("office_staff", "residence_permit"),
    ],
)
def test_each_office_signs_its_own_item_and_the_sign_off_is_recorded(request, student, office_staff, persona, kind):
    clearance = graduate(student, by=office_staff)
    signer = request.getfixturevalue(persona)
    services.clearance_item_sign(item=item(clearance, kind), user=signer, note="Checked")
    signed = item(clearance, kind)
    assert signed.is_done and signed.done_by == signer and signed.done_how == ClearanceHow.OFFICE
    sign_off = ClearanceSignOff.objects.get(item=signed)
    assert (sign_off.by, sign_off.note) == (signer, "Checked")
    assert AuditEntry.objects.filter(action="clearance.item_done", student=student).exists()


def test_an_item_signed_twice_is_a_conflict(student, office_staff, clearance_staff):
    clearance = graduate(student, by=office_staff)
    services.clearance_item_sign(item=item(clearance, "property"), user=clearance_staff)
    with pytest.raises(ConflictError):
        services.clearance_item_sign(item=item(clearance, "property"), user=clearance_staff)


def test_sign_offs_are_append_only(student, office_staff, clearance_staff):
    clearance = graduate(student, by=office_staff)
    services.clearance_item_sign(item=item(clearance, "property"), user=clearance_staff)
    sign_off = ClearanceSignOff.objects.get(item__kind="property")
    with pytest.raises(Exception):
        sign_off.delete()


def test_the_student_cancels_the_library_card_online_when_nothing_is_owed(student, office_staff):
    open_window(office_staff)
    clearance = graduate(student, by=office_staff)
    services.clearance_library_online(item=item(clearance, "library"), user=student.user, today=timezone.localdate())
    library = item(clearance, "library")
    assert library.done_how == ClearanceHow.ONLINE and library.done_by == student.user


def test_a_student_who_owes_book_fees_is_sent_to_the_library(student, office_staff, clearance_staff):
    open_window(office_staff)
    clearance = graduate(student, by=office_staff)
    services.clearance_item_needs(
        item=item(clearance, "library"), user=clearance_staff, needs="Two books", owed=Decimal("12.50"), books_out=2
    )
    with pytest.raises(ValidationError, match="go to the library"):
        services.clearance_library_online(
            item=item(clearance, "library"), user=student.user, today=timezone.localdate()
        )


def test_the_library_item_cannot_be_completed_online_outside_the_window(student, office_staff):
    clearance = graduate(student, by=office_staff)
    with pytest.raises(ValidationError, match="closed"):
        services.clearance_library_online(
            item=item(clearance, "library"), user=student.user, today=timezone.localdate()
        )


def test_a_classmate_cannot_complete_someone_elses_library_item(student, classmate, office_staff):
    open_window(office_staff)
    clearance = graduate(student, by=office_staff)
    with pytest.raises(PermissionDenied):
        services.clearance_library_online(
            item=item(clearance, "library"), user=classmate.user, today=timezone.localdate()
        )


def sign_everything(clearance, *, student, office_staff, clearance_staff, dormitory_staff, staff_a):
    services.clearance_library_online(item=item(clearance, "library"), user=student.user, today=timezone.localdate())
    services.clearance_item_sign(item=item(clearance, "property"), user=clearance_staff)
    services.clearance_item_sign(item=item(clearance, "dormitory_keys"), user=dormitory_staff)
    services.clearance_item_sign(item=item(clearance, "school"), user=staff_a)
    services.clearance_item_sign(item=item(clearance, "residence_permit"), user=office_staff)


def test_the_clearance_completes_when_the_last_item_is_signed(
    student, office_staff, clearance_staff, dormitory_staff, staff_a
):
    open_window(office_staff)
    clearance = graduate(student, by=office_staff)
    assert services.leaving_form_refusal(clearance)
    sign_everything(
        clearance,
        student=student,
        office_staff=office_staff,
        clearance_staff=clearance_staff,
        dormitory_staff=dormitory_staff,
        staff_a=staff_a,
    )
    clearance.refresh_from_db()
    assert clearance.is_complete
    assert services.leaving_form_refusal(clearance) == ""


def test_the_form_request_is_refused_with_the_open_items_before_completion(student, office_staff):
    open_window(office_staff)
    clearance = graduate(student, by=office_staff)
    with pytest.raises(ValidationError, match="Still open"):
        services.leaving_form_request(clearance=clearance, user=student.user, verify_base="http://x/", language="en")


def test_overdue_leavers_are_reminded_once_a_day(student, office_staff):
    clearance = graduate(student, by=office_staff, effective_on=timezone.localdate() - datetime.timedelta(days=20))
    today = timezone.localdate()
    assert services.clearance_overdue_remind(today=today) == 1
    assert services.clearance_overdue_remind(today=today) == 0
    assert student.user.notifications.filter(subject__icontains="move-out").count() == 1
    clearance.refresh_from_db()
    assert clearance.overdue_reminded_on == today


def test_a_window_cannot_close_before_it_opens(office_staff):
    with pytest.raises(ValidationError):
        services.clearance_window_save(
            user=office_staff, name="x", opens_on=datetime.date(2027, 7, 3), closes_on=datetime.date(2027, 6, 20)
        )


def test_only_the_office_sets_windows(finance_staff):
    with pytest.raises(PermissionDenied):
        services.clearance_window_save(
            user=finance_staff, name="x", opens_on=datetime.date(2027, 6, 20), closes_on=datetime.date(2027, 7, 3)
        )
