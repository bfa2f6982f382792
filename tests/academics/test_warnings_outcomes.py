"""What may be decided on which flag (Supplementary 32; Academic Rules 15): grounds for being ordered to quit are
only referred to the International College, which decides with a withdrawal or dismissal decision; the other flags
get an academic warning or no action. Through the rule, the service, the page and the API."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from academics import rules
from academics.models import AcademicDecision, DecisionOutcome, FlagKind, ProgrammeRequirement
from academics.selectors import academic_flags, programme_key, student_progress
from tests.academics.test_warnings_services import decide, two_short_years

pytestmark = pytest.mark.django_db


@pytest.mark.django_db(databases=[])
@pytest.mark.parametrize(
    "kind, allowed",
    [
        (FlagKind.CREDITS, {"referred"}),
        (FlagKind.STUDY_PERIOD_EXCEEDED, {"referred"}),
        (FlagKind.CREDITS_WARNING, {"warning", "no_action"}),
        (FlagKind.YEAR_BELOW_MINIMUM, {"warning", "no_action"}),
        (FlagKind.BEHIND_AFTER_TWO_YEARS, {"warning", "no_action"}),
        (FlagKind.BEHIND_AFTER_THREE_YEARS, {"warning", "no_action"}),
    ],
)
def test_each_flag_allows_its_own_decisions(kind, allowed):
    assert rules.decisions_allowed(kind) == allowed


@pytest.mark.django_db(databases=[])
def test_an_unknown_flag_allows_nothing():
    with pytest.raises(ValueError):
        rules.decisions_allowed("expelled")


def _credit_flag(first: int) -> str:
    return f"{first + 1}-{first + 2}-2"


@pytest.mark.parametrize("outcome", [DecisionOutcome.NO_ACTION, DecisionOutcome.WARNING])
def test_a_school_cannot_close_the_quit_rule_with_no_action_or_a_warning(student, staff_a, school_a, outcome):
    first = two_short_years(student, staff_a, school_a)
    with pytest.raises(ValidationError, match="refer the student") as refused:
        decide(student, staff_a, kind=FlagKind.CREDITS, period=_credit_flag(first), outcome=outcome)
    assert "outcome" in refused.value.message_dict
    assert not AcademicDecision.objects.exists()


def test_a_year_flag_is_not_referred(student, staff_a, school_a):
    two_short_years(student, staff_a, school_a)
    with pytest.raises(ValidationError, match="academic warning or no action"):
        decide(student, staff_a, outcome=DecisionOutcome.REFERRED)


def test_the_page_refuses_no_action_on_the_quit_rule_and_offers_only_the_referral(client_for, student, staff_a,
                                                                                  school_a):  # fmt: skip
    first = two_short_years(student, staff_a, school_a)
    client = client_for(staff_a)
    url = reverse("academics_student_progress", args=[student.student_id])
    response = client.post(
        url, {"kind": "credits", "period": _credit_flag(first), "outcome": "no_action", "reason": "Fine by us."}
    )
    assert response.status_code == 400
    assert "refer the student to the International College" in response.content.decode()
    assert not AcademicDecision.objects.exists()
    forms = {row.flag.kind: form for row, form in client.get(url).context["rows"]}
    assert [value for value, _ in forms["credits"].fields["outcome"].choices] == ["referred"]
    assert [value for value, _ in forms["year_below_minimum"].fields["outcome"].choices] == ["warning", "no_action"]


def test_the_api_names_its_own_field_when_the_decision_is_not_allowed(client_for, student, staff_a, school_a):
    first = two_short_years(student, staff_a, school_a)
    response = client_for(staff_a).post(
        reverse("api_academics_flag_decisions"),
        {
            "student_id": student.student_id,
            "flag": "credits",
            "period": _credit_flag(first),
            "decision": "no_action",
            "reason": "Fine by us.",
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    fields = response.json()["extra"]["fields"]
    assert "decision" in fields and "outcome" not in fields


def test_the_quit_rule_is_referred(student, staff_a, school_a):
    first = two_short_years(student, staff_a, school_a)
    decision = decide(
        student, staff_a, kind=FlagKind.CREDITS, period=_credit_flag(first), outcome=DecisionOutcome.REFERRED
    )
    assert decision.outcome == DecisionOutcome.REFERRED


# --- Matching a programme's requirement (Academic Rules 15, 35) ------------------------------------------------------


@pytest.mark.django_db(databases=[])
def test_a_programme_is_matched_without_spaces_around_it_or_case():
    assert programme_key("  Civil ENGINEERING ") == programme_key("civil engineering") == "civil engineering"
    assert programme_key("STRASSE") == programme_key("straße")
    assert programme_key(None) == ""


def test_a_requirement_typed_with_spaces_is_found_for_one_student_and_in_the_list(student, staff_a, school_a):
    two_short_years(student, staff_a, school_a)
    ProgrammeRequirement.objects.filter(programme="Civil Engineering").update(programme=" civil engineering  ")
    student.programme = "Civil Engineering "
    student.save(update_fields=["programme"])
    import datetime

    today = datetime.date.today()
    one = student_progress(student=student, today=today)
    assert one.requirement is not None and one.requirement.programme == " civil engineering  "
    listed = {row.flag.kind for row in academic_flags(user=staff_a, today=today) if row.student == student}
    assert {flag.flag.kind for flag in one.flags} == listed
    assert FlagKind.BEHIND_AFTER_TWO_YEARS in listed  # needs the requirement's graduation credits


def test_an_admin_change_of_a_requirement_is_stored_stripped_and_audited_from_and_to(client_for, admin_user):
    from portal.models import AuditEntry

    requirement = ProgrammeRequirement.objects.create(
        programme="Civil Engineering", graduation_credits=160, normal_length_years=4
    )
    response = client_for(admin_user).post(
        reverse("admin:academics_programmerequirement_change", args=[requirement.pk]),
        {"programme": " Civil Engineering ", "graduation_credits": "170", "normal_length_years": "4",
         "yearly_minimum": "30"},
    )  # fmt: skip
    assert response.status_code == 302
    requirement.refresh_from_db()
    assert (requirement.programme, requirement.graduation_credits) == ("Civil Engineering", 170)
    entry = AuditEntry.objects.get(action="academics.requirement_changed")
    assert entry.changes["graduation_credits"] == ["160.0", "170"]
