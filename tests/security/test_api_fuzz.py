"""The API under generated requests: every operation for every persona, and every owned object replayed by a stranger.

The OpenAPI schema is loaded from the WSGI application itself (signed in, since the schema is not public), so an
endpoint added to portal/api_urls.py is fuzzed and replayed here without anybody editing this file.
"""

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
import schemathesis
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.errors import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from portal import services
from portal.models import EvidenceKind, Notification
from portal.wsgi import application
from registration import services as registration_services
from tests.factories import SemesterFactory, upload
from tests.registration.test_services import fill

pytestmark = pytest.mark.django_db

# Small and derandomized (the same requests on every run of the same code), so the module stays under a minute.
VALID_EXAMPLES = 8
INVALID_EXAMPLES = 4
FUZZ_SETTINGS = settings(
    derandomize=True,
    deadline=None,
    database=None,
    # No shrinking: a failure is reported as found, which keeps a failing run as short as a passing one.
    phases=[Phase.explicit, Phase.generate],
    # Each example is a real request through the whole stack: Hypothesis' speed and filtering health checks, meant
    # for pure functions, would only get in the way.
    suppress_health_check=list(HealthCheck),
)
# Valid requests must get a documented status with a documented body; invalid ones must merely not break the server.
CONFORMANCE_CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
ROBUSTNESS_CHECKS = [not_a_server_error]

PATH_PARAMETER = re.compile(r"\{(\w+)\}")


def token_header(user) -> dict[str, str]:
    return {"Authorization": f"Token {Token.objects.get_or_create(user=user)[0].key}"}


def load_schema(user):
    """The schema as the running application serves it to a signed-in user."""
    return schemathesis.openapi.from_wsgi("/api/schema/?format=json", application, headers=token_header(user))


@dataclass
class World:
    """Amina's own objects, a classmate's and a student of another school, and people to look at them."""

    student: object
    classmate: object
    other_school_student: object
    evidence: object
    classmate_evidence: object
    notification: object
    document: object
    registration: object
    receipt: object = None
    refund: object = None
    clearance_item: object = None
    status_change: object = None
    exam_application: object = None
    academic_warning: object = None
    absence: object = None
    people: dict = field(default_factory=dict)

    def known_path_values(self) -> dict[str, list]:
        """Real ids for the path parameters, so fuzzing reaches existing objects and not only 404s."""
        ids = [
            self.evidence.pk,
            self.classmate_evidence.pk,
            self.notification.pk,
            self.document.pk,
            self.registration.pk,
            self.receipt.pk,
            self.refund.pk,
            self.clearance_item.pk,
            self.status_change.pk,
            self.exam_application.pk,
            self.academic_warning.pk,
            self.absence.pk,
        ]
        students = [self.student, self.classmate, self.other_school_student]
        return {"id": ids, "pk": ids, "student_id": [s.student_id for s in students]}


@pytest.fixture
def world(
    student,
    classmate,
    other_school_student,
    staff_a,
    office_staff,
    admin_user,
    finance_staff,
    dormitory_staff,
    clearance_staff,
):
    evidence = services.evidence_submit(
        student=student, kind=EvidenceKind.VISA_PAGE, upload=upload("visa.pdf"), uploaded_by=student.user
    )
    classmate_evidence = services.evidence_submit(
        student=classmate, kind=EvidenceKind.TUITION_RECEIPT, upload=upload("receipt.pdf"), uploaded_by=classmate.user
    )
    notification = Notification.objects.create(user=student.user, subject="Visa page received", body="Thank you.")
    document = services.generated_document_request(
        owner=student.user,
        kind="enrolment_certificate",
        title="Certificate of enrolment",
        parameters={"student_id": student.student_id},
        language="en",
    )
    # Semester registration: a window open now, and Amina's form submitted for review.
    today = timezone.localdate()
    semester = SemesterFactory(starts_on=today - timedelta(days=5), ends_on=today + timedelta(days=120))
    registration = registration_services.registration_submit(
        form=fill(registration_services.registration_form_for(student=student, semester=semester), student.user),
        user=student.user,
    )
    # Fees: Amina's tuition billed and paid, so she has a receipt.
    from tests.fees.helpers import bill, pay

    bill(student, "24000.00", by=finance_staff)
    receipt = pay(student, "24000.00", by=finance_staff, reference="FUZZ-1").receipt
    # And a refund request waiting for finance (made directly: the replay only asks who may reach it).
    from fees.models import RefundRequest

    refund = RefundRequest.objects.create(
        student=student,
        academic_year=semester.code[:9],
        semester=semester,
        reason="Going home",
        completed_on=today,
        bank_account_name="Amina Yusuf",
        bank_name="Bank",
        bank_account="123",
        program="degree",
        registration_day=semester.registration_day,
        tuition_this_semester="12000.00",
        proposed_amount="6000.00",
        proposed_clause="2.1.2.1",
        proposed_explanation="Half of the first semester.",
    )
    # Leaving school and student status: Amina's clearance (its library item) and a week's leave waiting.
    clearance = registration_services.clearance_open(
        student=student, reason="graduation", effective_on=today, actor=office_staff
    )
    status_change = registration_services.status_apply(
        student=student,
        user=student.user,
        kind="leave",
        category="personal",
        first_day=today,
        last_day=today,
        reason="Visa office",
    )
    # Academics: Amina asks to give up an examination three weeks ahead (waiting for her school).
    from academics.services import exam_application_submit
    from tests.academics.helpers import enrol, offering

    exam = offering(student.school, semester, "FUZZ101", assessed_on=today + timedelta(days=21))
    exam_application = exam_application_submit(enrolment=enrol(exam, student), user=student.user, kind="drop")
    # And an academic warning her school issued her (made directly: the replay only asks who may read it).
    from academics.models import AcademicDecision

    academic_warning = AcademicDecision.objects.create(
        student=student, kind="year_below_minimum", period="2025-2026", outcome="warning", reason="Meet your adviser",
        decided_by=staff_a,
    )  # fmt: skip
    # Attendance: two days of absence her school recorded.
    from registration.models import Absence

    absence = Absence.objects.create(
        student=student, first_day=today - timedelta(days=3), last_day=today - timedelta(days=2), recorded_by=staff_a
    )
    return World(
        absence=absence,
        academic_warning=academic_warning,
        exam_application=exam_application,
        clearance_item=clearance.items.get(kind="library"),
        status_change=status_change,
        receipt=receipt,
        refund=refund,
        student=student,
        classmate=classmate,
        other_school_student=other_school_student,
        evidence=evidence,
        classmate_evidence=classmate_evidence,
        notification=notification,
        document=document,
        registration=registration,
        people={
            "student": student.user,
            "school staff": staff_a,
            "office staff": office_staff,
            "finance": finance_staff,
            "dormitory office": dormitory_staff,
            "clearance office": clearance_staff,
            "admin": admin_user,
        },
    )


def operations(schema) -> list:
    # ok() raises on an operation schemathesis cannot read, which is a schema bug worth failing for.
    return [result.ok() for result in schema.get_all_operations()]


def cases_for(operation, mode: GenerationMode, known: dict[str, list]):
    """Generated cases, half of them (valid mode) aimed at objects that exist."""
    generated = operation.as_strategy(generation_mode=mode)
    names = PATH_PARAMETER.findall(operation.path)
    if mode is not GenerationMode.POSITIVE or not names or not all(name in known for name in names):
        return generated
    existing = st.fixed_dictionaries({name: st.sampled_from(known[name]) for name in names})
    return st.one_of(generated, existing.flatmap(lambda values: operation.as_strategy(path_parameters=values)))


def has_input(operation) -> bool:
    """Whether the operation takes anything that could be sent wrong (parameters or a body)."""
    return bool(operation.definition.raw.get("parameters") or operation.definition.raw.get("requestBody"))


@dataclass
class FuzzRun:
    requests: int = 0
    statuses: Counter = field(default_factory=Counter)
    failures: list = field(default_factory=list)


def fuzz(operation, *, strategy, examples: int, checks: list, headers: dict, run: FuzzRun) -> None:
    @settings(FUZZ_SETTINGS, max_examples=examples)
    @given(case=strategy)
    def send(case):
        run.requests += 1
        response = case.call_and_validate(headers=headers, checks=checks)
        run.statuses[response.status_code] += 1

    try:
        send()
    except Unsatisfiable:
        # Nothing invalid can be built from this operation's inputs (say, a free-text path segment): nothing to send.
        pass
    # Collected, so one run reports every operation that fails and not just the first. FailureGroup (schemathesis'
    # check failures) is a BaseExceptionGroup, which `except Exception` would let through.
    except (FailureGroup, Exception) as exc:
        run.failures.append(f"{operation.label}: {str(exc).strip()[:1500]}")


@pytest.mark.parametrize(
    "persona",
    ["student", "school staff", "office staff", "finance", "dormitory office", "clearance office", "admin"],
)
def test_every_api_operation_survives_generated_requests_and_answers_as_documented(world, persona):
    user = world.people[persona]
    schema = load_schema(user)
    known = world.known_path_values()
    headers = token_header(user)
    run = FuzzRun()
    found = operations(schema)
    assert found, "the schema lists no API operations"
    for operation in found:
        modes = [(GenerationMode.POSITIVE, VALID_EXAMPLES, CONFORMANCE_CHECKS)]
        if has_input(operation):
            modes.append((GenerationMode.NEGATIVE, INVALID_EXAMPLES, ROBUSTNESS_CHECKS))
        for mode, examples, checks in modes:
            strategy = cases_for(operation, mode, known)
            fuzz(operation, strategy=strategy, examples=examples, checks=checks, headers=headers, run=run)
    answered = ", ".join(f"{code}: {count}" for code, count in sorted(run.statuses.items()))
    failed = len(run.failures)
    print(f"\n[fuzz] {persona}: {len(found)} operations, {run.requests} requests ({answered}), {failed} failed")
    assert not run.failures, "\n\n".join(run.failures)


# --- Replay: a student's objects asked for with another student's token ---------------------------------------

# The student's own object behind each resource's path parameter. A new resource with an object path fails the
# replay test below until its owner's object is named here, so no object endpoint goes unreplayed.
OWNED_OBJECT = {
    "students": lambda world: world.student.student_id,
    "evidence": lambda world: world.evidence.pk,
    "notifications": lambda world: world.notification.pk,
    "documents": lambda world: world.document.pk,
    "registration": lambda world: world.registration.pk,
    "fees": lambda world: world.receipt.pk,
    # /api/fees/refunds/{id}/...: a resource of its own inside fees (named by its first two path segments).
    "fees/refunds": lambda world: world.refund.pk,
    # /api/residence/students/{student_id}/records/: the student's records, named by the student's ID.
    "residence": lambda world: world.student.student_id,
    # /api/academics/students/{student_id}/gpa/: the student's GPA, named by the student's ID.
    "academics": lambda world: world.student.student_id,
    # /api/academics/exam-applications/{id}/...: Amina's application to give up an examination.
    "academics/exam-applications": lambda world: world.exam_application.pk,
    # /api/academics/warnings/{id}/: an academic warning issued to Amina.
    "academics/warnings": lambda world: world.academic_warning.pk,
    # /api/leaving/items/{id}/sign/ and /api/status/{id}/decision/: staff endpoints on Amina's records.
    "leaving": lambda world: world.clearance_item.pk,
    "status": lambda world: world.status_change.pk,
    # /api/status/absences/{id}/withdraw/: an absence recorded for Amina.
    "status/absences": lambda world: world.absence.pk,
}


def object_operations(schema) -> list:
    return [operation for operation in operations(schema) if PATH_PARAMETER.search(operation.path)]


def owned_path_values(operation, world) -> dict:
    segments = operation.path.removeprefix("/api/").split("/")
    resource = "/".join(segments[:2]) if "/".join(segments[:2]) in OWNED_OBJECT else segments[0]
    if resource not in OWNED_OBJECT:
        pytest.fail(f"{operation.label}: name the student's own {resource!r} object in OWNED_OBJECT to replay it")
    (name,) = PATH_PARAMETER.findall(operation.path)
    return {name: OWNED_OBJECT[resource](world)}


def one_valid_case(operation, path_parameters: dict):
    """A schema-valid request (body included) for the given object, so only visibility can turn it away."""
    drawn = []

    @settings(FUZZ_SETTINGS, max_examples=1)
    @given(case=operation.as_strategy(path_parameters=path_parameters))
    def draw(case):
        drawn.append(case)

    draw()
    return drawn[0]


def has_error_shape(response) -> bool:
    try:
        return set(response.json()) == {"message", "extra"}
    except ValueError:  # Not JSON: a page, not the API's error.
        return False


def test_a_students_objects_are_404_for_every_other_student_on_every_object_endpoint(world):
    schema = load_schema(world.student.user)
    strangers = [world.classmate.user, world.other_school_student.user]
    replayed, answered_404, wrong = 0, 0, []
    found = object_operations(schema)
    assert found, "the schema lists no object endpoints"
    for operation in found:
        case = one_valid_case(operation, owned_path_values(operation, world))
        if operation.method.upper() == "GET":
            # The control: the owner does get the object, so the strangers' 404 is about visibility, not a bad id.
            own = case.call(headers=token_header(world.student.user))
            assert own.status_code == 200, f"{operation.label} as the owner: {own.status_code}"
        for stranger in strangers:
            response = case.call(headers=token_header(stranger))
            replayed += 1
            if response.status_code == 404 and has_error_shape(response):
                answered_404 += 1
            else:
                wrong.append(f"{case.method} {case.formatted_path} as {stranger.username}: {response.status_code}")
    print(f"\n[replay] {len(found)} object operations, {replayed} requests replayed, {answered_404} answered 404")
    assert not wrong, "\n".join(wrong)
