"""What the student's and the office's registration endpoints share: the access checks, the lookups of a form,
and the output serializers of a form with its items and decisions."""

from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import BasePermission, IsAuthenticated

from portal import permissions
from portal.api import ERROR
from portal.api_permissions import IsStaffMember, PasswordChanged, SecondFactorForStaff
from registration import selectors
from registration.models import (
    FormStatus,
    Housing,
    ItemDecision,
    ItemKind,
    ItemState,
    Location,
    RegistrationForm,
    RegistrationItem,
    TuitionPaymentType,
)
from registration.permissions import can_review_registration

# Which file belongs to which reviewed item, as the review page shows it.
from registration.reasons import reason_in_language
from registration.views.staff import ITEM_EVIDENCE

CONFLICT = OpenApiResponse(
    ERROR.response,
    description="The form's state does not allow this now: a stale version, a form under review or closed, or an "
    "item someone already decided; `message` says which.",
)


def is_student(user) -> bool:
    return getattr(user, "is_student", False) and hasattr(user, "student")


def own_forms(user) -> QuerySet[RegistrationForm]:
    """The student's own forms, drafts included (the reviewers' selector leaves drafts out), ready to serialize."""
    items = RegistrationItem.objects.prefetch_related(
        Prefetch("decisions", queryset=ItemDecision.objects.select_related("decided_by__student"))
    )
    return (
        RegistrationForm.objects.filter(student__user=user)
        .select_related("student__school", "student__user", "semester", *selectors.EVIDENCE_FIELDS)
        .prefetch_related(Prefetch("items", queryset=items))
    )


class ReviewsRegistration(BasePermission):
    """Staff who do not review registration forms see that the endpoint exists but may not use it (403)."""

    message = gettext_lazy("You may not review registration forms.")

    def has_permission(self, request, view):
        return can_review_registration(request.user)


REVIEWER_PERMISSIONS = [IsAuthenticated, PasswordChanged, SecondFactorForStaff, IsStaffMember, ReviewsRegistration]


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("The form cannot be changed now.")
    default_code = "conflict"


# Outputs give states as plain strings: enum components named "status", "kind" and "state" already exist in the
# schema with other values (a student's status, an evidence kind), and two sets under one name make a schema warning.
STATUS_HELP = "The form's status: " + ", ".join(FormStatus.values) + "."
KIND_HELP = "The reviewed part of the form: " + ", ".join(ItemKind.values) + "."
STATE_HELP = "The review state: " + ", ".join(ItemState.values) + "."


class RegistrationEvidenceSerializer(serializers.Serializer):
    """An uploaded file on the form; `file_url` serves it to whoever may see it (the student, the reviewers)."""

    id = serializers.IntegerField()
    original_name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    uploaded_at = serializers.DateTimeField()
    file_url = serializers.SerializerMethodField()

    def get_file_url(self, evidence) -> str:
        return reverse("api_evidence_file", args=[evidence.pk])


class RegistrationSemesterSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.SerializerMethodField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    preregistration_opens_at = serializers.DateTimeField(allow_null=True)
    preregistration_closes_at = serializers.DateTimeField(allow_null=True)
    registration_day = serializers.DateField(allow_null=True)
    registration_place = serializers.CharField()
    deferral_limit_days = serializers.IntegerField()

    def get_name(self, semester) -> str:
        return semester.localized_name(get_language())


def _identity_number(serializer, number: str) -> str:
    return permissions.identity_number_for(serializer.context["request"].user, number)


class RegistrationAnswersSerializer(serializers.Serializer):
    """What the student entered, under the names the step endpoints take."""

    email = serializers.CharField()
    phone = serializers.CharField()
    passport_changed = serializers.BooleanField(allow_null=True)
    new_passport_number = serializers.SerializerMethodField()
    new_passport_country = serializers.CharField()
    new_passport_issued_on = serializers.DateField(allow_null=True)
    new_passport_expires_on = serializers.DateField(allow_null=True)
    passport_scan = RegistrationEvidenceSerializer(allow_null=True)
    tuition_payment = serializers.ChoiceField(choices=TuitionPaymentType.choices, allow_blank=True)
    tuition_receipt = RegistrationEvidenceSerializer(allow_null=True)
    location = serializers.ChoiceField(choices=Location.choices, allow_blank=True)
    insurance_number = serializers.CharField()
    insurance_starts_on = serializers.DateField(allow_null=True)
    insurance_ends_on = serializers.DateField(allow_null=True)
    insurance_proof = RegistrationEvidenceSerializer(allow_null=True)
    housing = serializers.ChoiceField(choices=Housing.choices, allow_blank=True)
    address = serializers.CharField()
    housing_proof = RegistrationEvidenceSerializer(allow_null=True)
    permit_number = serializers.SerializerMethodField()
    permit_expires_on = serializers.DateField(allow_null=True)
    permit_scan = RegistrationEvidenceSerializer(allow_null=True)
    agreed_at = serializers.DateTimeField(allow_null=True)

    def get_new_passport_number(self, form) -> str:
        return _identity_number(self, form.new_passport_number)

    def get_permit_number(self, form) -> str:
        return _identity_number(self, form.permit_number)


def reason_in_viewers_language(reason: str) -> str:
    # The same as the pages' {{ reason|in_language }}: a common reason (with any note) translated, free text as is.
    return reason_in_language(reason)


class RegistrationItemDecisionSerializer(serializers.Serializer):
    state = serializers.CharField(help_text=STATE_HELP)
    reason = serializers.SerializerMethodField()
    decided_at = serializers.DateTimeField()
    decided_by = serializers.SerializerMethodField(help_text="The reviewer's name; shown to staff only.")

    def get_reason(self, decision) -> str:
        return reason_in_viewers_language(decision.reason)

    def get_decided_by(self, decision) -> str | None:
        if not can_review_registration(self.context["request"].user):
            return None
        return decision.decided_by.display_name()


class RegistrationChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    label = serializers.CharField()
    before = serializers.CharField()
    after = serializers.CharField()
    is_file = serializers.BooleanField()


class RegistrationItemSerializer(serializers.Serializer):
    """One reviewed part of the form: its state, the reason for a rejection, its file and every decision."""

    kind = serializers.CharField(help_text=KIND_HELP)
    label = serializers.CharField(source="get_kind_display")
    state = serializers.CharField(help_text=STATE_HELP)
    state_display = serializers.CharField(source="get_state_display")
    reason = serializers.SerializerMethodField()
    decided_at = serializers.DateTimeField(allow_null=True)
    evidence = serializers.SerializerMethodField()
    decisions = RegistrationItemDecisionSerializer(many=True, source="decisions.all")
    changes = serializers.SerializerMethodField(help_text="What changed in this part since the previous submission.")

    def get_reason(self, item) -> str:
        return reason_in_viewers_language(item.reason)

    @extend_schema_field(RegistrationEvidenceSerializer(allow_null=True))
    def get_evidence(self, item):
        field = ITEM_EVIDENCE.get(item.kind)
        evidence = getattr(self.context["form"], field) if field else None
        return RegistrationEvidenceSerializer(evidence).data if evidence is not None else None

    @extend_schema_field(RegistrationChangeSerializer(many=True))
    def get_changes(self, item):
        return RegistrationChangeSerializer(self.context["changes"].get(item.kind, []), many=True).data


class RegistrationStudentSerializer(serializers.Serializer):
    """The student's record beside what they typed, so a reviewer can compare."""

    student_id = serializers.CharField()
    name_latin = serializers.CharField()
    name_zh = serializers.CharField()
    nationality = serializers.CharField()
    school = serializers.CharField(source="school.code")
    passport_number = serializers.SerializerMethodField()
    passport_expires_on = serializers.DateField(allow_null=True)
    email = serializers.EmailField(source="user.email")
    phone = serializers.CharField()

    def get_passport_number(self, student) -> str:
        return _identity_number(self, student.passport_number)


class RegistrationVisaLetterSerializer(serializers.Serializer):
    """A visa-extension letter asked for with the form; `first_downloaded_at` says when the student collected it."""

    id = serializers.IntegerField()
    status = serializers.CharField()
    language = serializers.CharField()
    created_at = serializers.DateTimeField()
    first_downloaded_at = serializers.DateTimeField(allow_null=True)


class RegistrationFormSerializer(serializers.Serializer):
    """One registration form: the answers, each reviewed item with its decisions, and the student it belongs to."""

    id = serializers.IntegerField()
    semester = RegistrationSemesterSerializer()
    student = RegistrationStudentSerializer()
    status = serializers.CharField(help_text=STATUS_HELP)
    status_display = serializers.CharField(source="get_status_display")
    version = serializers.IntegerField(help_text="Send it back with a step or approve-all; a stale one is a 409.")
    submitted_at = serializers.DateTimeField(allow_null=True)
    answers = RegistrationAnswersSerializer(source="*")
    items = RegistrationItemSerializer(many=True, source="items.all")
    visa_letters = serializers.SerializerMethodField()

    @extend_schema_field(RegistrationVisaLetterSerializer(many=True))
    def get_visa_letters(self, form):
        return RegistrationVisaLetterSerializer(selectors.registration_visa_letters(form=form), many=True).data


def form_data(request, form: RegistrationForm) -> dict:
    """The form as RegistrationFormSerializer gives it to this caller (identity numbers and reviewer names follow
    who is asking)."""
    context = {
        "request": request,
        "form": form,
        "changes": selectors.registration_changes_since_last_submission(form=form),
    }
    return RegistrationFormSerializer(form, context=context).data


def form_errors(django_form) -> dict:
    """A Django form's errors in the API's shape: by field, with the form-wide ones under non_field_errors."""
    errors = {}
    for field, messages in django_form.errors.items():
        errors["non_field_errors" if field == "__all__" else field] = list(messages)
    return errors
