"""The semester registration API: the student's own form step by step, and the office's review queue and decisions.

Thin views over registration.services and registration.selectors, with the same access decisions as the pages:
students reach only their own form (anyone else's is 404), staff who do not review registration get 403. Each
step's answers go through the page's own step form (registration.forms) before the service, so the API and the page
ask for the same files and refuse the same input with the same words.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response

from portal import permissions
from portal.api import ERROR, DocumentOutputSerializer, Pagination, PortalApiView, paginated
from portal.api_permissions import IsStaffMember, PasswordChanged, SecondFactorForStaff
from portal.models import School, Semester
from portal.services import ConflictError
from registration import rules, selectors, services
from registration.forms import STEP_FORMS
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

# The pages' own helpers, so the API picks the same semester, starts a draft under the same conditions, says the
# same reason a step is read-only, and turns a common rejection reason into the same stored text.
from registration.views.staff import COMMON_REASONS, ITEM_EVIDENCE, ItemDecisionForm
from registration.views.student import STEP_LABELS, STEPS, _read_only_reason, _registration_semester, _student_form

CONFLICT = OpenApiResponse(ERROR.response, description="Someone changed the form first; `message` says what.")


def _is_student(user) -> bool:
    return getattr(user, "is_student", False) and hasattr(user, "student")


def _own_forms(user) -> QuerySet[RegistrationForm]:
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

    message = "You may not review registration forms."

    def has_permission(self, request, view):
        return can_review_registration(request.user)


# Outputs give states as plain strings: enum components named "status", "kind" and "state" already exist in the
# schema with other values (a student's status, an evidence kind), and two sets under one name make a schema warning.
STATUS_HELP = "The form's status: " + ", ".join(FormStatus.values) + "."
KIND_HELP = "The reviewed part of the form: " + ", ".join(ItemKind.values) + "."
STATE_HELP = "The review state: " + ", ".join(ItemState.values) + "."

REVIEWER_PERMISSIONS = [IsAuthenticated, PasswordChanged, SecondFactorForStaff, IsStaffMember, ReviewsRegistration]


# --- Output ---------------------------------------------------------------------------------------------------


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


def _reason_in_viewers_language(reason: str) -> str:
    # A common reason is stored in the source language and has a catalogue entry, like the pages'
    # {% translate item.reason %}; free text has none and comes back as written. gettext("") would return the
    # catalogue's header, hence the guard.
    return _(reason) if reason else ""


class RegistrationItemDecisionSerializer(serializers.Serializer):
    state = serializers.CharField(help_text=STATE_HELP)
    reason = serializers.SerializerMethodField()
    decided_at = serializers.DateTimeField()
    decided_by = serializers.SerializerMethodField(help_text="The reviewer's name; shown to staff only.")

    def get_reason(self, decision) -> str:
        return _reason_in_viewers_language(decision.reason)

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
        return _reason_in_viewers_language(item.reason)

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


def _form_data(request, form: RegistrationForm) -> dict:
    context = {
        "request": request,
        "form": form,
        "changes": selectors.registration_changes_since_last_submission(form=form),
    }
    return RegistrationFormSerializer(form, context=context).data


class RegistrationReviewSerializer(serializers.Serializer):
    state = serializers.CharField(help_text=STATE_HELP)
    state_display = serializers.CharField(source="get_state_display")
    reason = serializers.SerializerMethodField(help_text="Why the item was rejected, in the reader's language.")

    def get_reason(self, item) -> str:
        return _reason_in_viewers_language(item.reason)


class RegistrationStepSerializer(serializers.Serializer):
    step = serializers.CharField()
    label = serializers.CharField()
    missing = serializers.CharField(help_text="What this step still needs, in plain words; empty when it is done.")
    done = serializers.BooleanField()
    read_only_reason = serializers.CharField(help_text="Why this step cannot be changed now; empty when it can.")
    review = RegistrationReviewSerializer(
        allow_null=True, help_text="The review of this step once the form was submitted."
    )


class CurrentRegistrationSerializer(serializers.Serializer):
    """The student's registration for the current semester, as the overview page shows it."""

    semester = RegistrationSemesterSerializer(allow_null=True, help_text="Null when no registration is scheduled.")
    window_state = serializers.ChoiceField(choices=[state.value for state in rules.WindowState])
    form = serializers.SerializerMethodField()
    steps = RegistrationStepSerializer(many=True)
    editable = serializers.BooleanField(help_text="Whether the steps can be saved and the form submitted now.")
    can_submit = serializers.BooleanField()
    scholarship_statement_due = serializers.BooleanField()
    visa_letter_available = serializers.BooleanField()

    @extend_schema_field(RegistrationFormSerializer(allow_null=True))
    def get_form(self, current):
        form = current["form"]
        return _form_data(self.context["request"], form) if form is not None else None


def _window_state(semester: Semester, now) -> rules.WindowState:
    return rules.preregistration_window_state(
        opens_at=semester.preregistration_opens_at, closes_at=semester.preregistration_closes_at, now=now
    )


def _current_registration(request, now) -> dict:
    """What the overview page shows, as data: the semester, its window, the form and each step's state."""
    current = {
        "semester": None,
        "window_state": rules.WindowState.NOT_SCHEDULED,
        "form": None,
        "steps": [],
        "editable": False,
        "can_submit": False,
        "scholarship_statement_due": False,
        "visa_letter_available": False,
    }
    semester = _registration_semester(now)
    if semester is None:
        return current
    state = _window_state(semester, now)
    current.update(semester=semester, window_state=state)
    started = _student_form(request, semester, state)
    if started is None:
        return current
    form = _own_forms(request.user).get(pk=started.pk)
    missing = services.registration_missing(form)
    items = {item.kind: item for item in form.items.all()}
    for slug, label in STEPS:
        # Only students in China hold a residence permit (GUIDE step 6), as on the overview page.
        if slug == "permit" and form.location and not form.in_china:
            continue
        current["steps"].append(
            {
                "step": slug,
                "label": label,
                "missing": missing.get(slug, ""),
                "done": slug not in missing,
                "read_only_reason": _read_only_reason(form, state, slug, items),
                "review": items.get(services.STEP_ITEM.get(slug)),
            }
        )
    editable = services.registration_open_for_changes(form=form, now=now)
    current.update(
        form=form,
        editable=editable,
        can_submit=editable and not missing,
        scholarship_statement_due=services.scholarship_statement_due(form),
        visa_letter_available=services.visa_letter_available(form),
    )
    return current


def _current_data(request, now) -> dict:
    return CurrentRegistrationSerializer(_current_registration(request, now), context={"request": request}).data


# --- The student's form -------------------------------------------------------------------------------------


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The form is not in a state that allows this."
    default_code = "conflict"


def _student_of(request):
    """Students only: anyone else is told the endpoint does not exist for them, like the pages' student_required."""
    if not _is_student(request.user):
        raise exceptions.NotFound()
    return request.user.student


class RegistrationCurrentApi(PortalApiView):
    @extend_schema(responses=CurrentRegistrationSerializer)
    def get(self, request):
        _student_of(request)
        return Response(_current_data(request, timezone.now()))


def _form_errors(step_form) -> dict:
    errors = {}
    for field, messages in step_form.errors.items():
        errors["non_field_errors" if field == "__all__" else field] = list(messages)
    return errors


def _service_errors(exc: DjangoValidationError, upload_field: str | None) -> dict:
    if not hasattr(exc, "error_dict"):
        return {"non_field_errors": exc.messages}
    # The upload service names its field "file"; here that is the step's file field, as on the page.
    return {
        (upload_field if field == "file" and upload_field else field): messages
        for field, messages in exc.message_dict.items()
    }


class RegistrationStepInputSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        help_text="The form's version as last read; a stale version is refused with 409 and nothing is saved."
    )


def _file(help_text: str):
    return serializers.FileField(required=False, help_text=help_text + " PDF, JPEG or PNG, at most 10 MB.")


def _date():
    return serializers.DateField(required=False, allow_null=True)


def _text(max_length: int):
    return serializers.CharField(required=False, allow_blank=True, max_length=max_length)


class RegistrationContactsInputSerializer(RegistrationStepInputSerializer):
    email = serializers.EmailField(required=False, allow_blank=True, max_length=254)
    phone = _text(30)


class RegistrationPassportInputSerializer(RegistrationStepInputSerializer):
    passport_changed = serializers.BooleanField(required=False, allow_null=True)
    new_passport_number = _text(30)
    new_passport_expires_on = _date()
    passport_scan = _file("The photo page of the new passport; needed once when the passport changed.")


class RegistrationTuitionInputSerializer(RegistrationStepInputSerializer):
    tuition_payment = serializers.ChoiceField(choices=TuitionPaymentType.choices, required=False, allow_blank=True)
    tuition_receipt = _file("The tuition e-receipt; needed once for payment type 'other'.")


class RegistrationLocationInputSerializer(RegistrationStepInputSerializer):
    location = serializers.ChoiceField(choices=Location.choices, required=False, allow_blank=True)
    insurance_number = _text(60)
    insurance_starts_on = _date()
    insurance_ends_on = _date()
    insurance_proof = _file("The insurance proof; needed once in China.")


class RegistrationHousingInputSerializer(RegistrationStepInputSerializer):
    housing = serializers.ChoiceField(choices=Housing.choices, required=False, allow_blank=True)
    address = _text(300)
    housing_proof = _file("The accommodation fee e-receipt (on campus) or a lease in your own name (off campus).")


class RegistrationPermitInputSerializer(RegistrationStepInputSerializer):
    permit_number = _text(40)
    permit_expires_on = _date()
    permit_scan = _file("The latest page of the visa or residence permit; needed once.")


class RegistrationAgreeInputSerializer(RegistrationStepInputSerializer):
    agree = serializers.BooleanField(required=False, help_text="The regulations were read and the answers are true.")
    sign_statement = serializers.BooleanField(
        required=False, help_text="Signs this academic year's scholarship statement, when scholarship_statement_due."
    )


class RegistrationStepApi(PortalApiView):
    """Save one step of the student's current form; the step is saved as a whole, like the page's step form.

    Subclasses name the step and its input; the answers go through the page's step form (which file the step needs,
    the file's type and size) and then the service (dates that cannot be right, the window, the version).
    """

    step = ""
    InputSerializer = RegistrationStepInputSerializer
    parser_classes = [JSONParser, MultiPartParser]

    def post(self, request):
        _student_of(request)
        now = timezone.now()
        semester = _registration_semester(now)
        if semester is None:
            raise exceptions.NotFound(_("No registration is open at the moment."))
        state = _window_state(semester, now)
        registration = _student_form(request, semester, state)
        if registration is None:
            raise exceptions.NotFound(_("You did not fill in a registration form for this semester."))
        items = {item.kind: item for item in registration.items.all()}
        read_only_reason = _read_only_reason(registration, state, self.step, items)
        if read_only_reason:
            raise Conflict(read_only_reason, code="read_only")
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        form_class = STEP_FORMS[self.step]
        upload_field = form_class.upload_field
        files = {upload_field: values.pop(upload_field)} if upload_field and upload_field in values else {}
        step_form = form_class(values, files, registration=registration)
        if not step_form.is_valid():
            raise exceptions.ValidationError(_form_errors(step_form))
        kind = step_form.upload_kind()
        upload = step_form.cleaned_data.get(upload_field) if upload_field else None
        uploads = [services.StepUpload(upload_field, kind, upload)] if kind and upload else []
        try:
            services.registration_step_save(
                form=registration,
                step=self.step,
                data=step_form.step_data(),
                uploads=uploads,
                user=request.user,
                expected_version=step_form.cleaned_data["version"],
            )
        except DjangoValidationError as exc:
            raise exceptions.ValidationError(_service_errors(exc, upload_field))
        return Response(_current_data(request, timezone.now()))


def _step_schema(input_serializer, summary: str):
    return extend_schema_view(
        post=extend_schema(
            summary=summary,
            request=input_serializer,
            responses={200: CurrentRegistrationSerializer, 409: CONFLICT},
        )
    )


@_step_schema(RegistrationContactsInputSerializer, "Step 1: confirm or correct the email address and phone number")
class RegistrationContactsApi(RegistrationStepApi):
    step = "contacts"
    InputSerializer = RegistrationContactsInputSerializer


@_step_schema(RegistrationPassportInputSerializer, "Step 2: whether the passport changed, and the new one")
class RegistrationPassportApi(RegistrationStepApi):
    step = "passport"
    InputSerializer = RegistrationPassportInputSerializer


@_step_schema(RegistrationTuitionInputSerializer, "Step 3: how the tuition was paid")
class RegistrationTuitionApi(RegistrationStepApi):
    step = "tuition"
    InputSerializer = RegistrationTuitionInputSerializer


@_step_schema(RegistrationLocationInputSerializer, "Step 4: in China or abroad, and the insurance in China")
class RegistrationLocationApi(RegistrationStepApi):
    step = "location"
    InputSerializer = RegistrationLocationInputSerializer


@_step_schema(RegistrationHousingInputSerializer, "Step 5: on or off campus, with the receipt or lease")
class RegistrationHousingApi(RegistrationStepApi):
    step = "housing"
    InputSerializer = RegistrationHousingInputSerializer


@_step_schema(RegistrationPermitInputSerializer, "Step 6: the visa or residence permit (students in China)")
class RegistrationPermitApi(RegistrationStepApi):
    step = "permit"
    InputSerializer = RegistrationPermitInputSerializer


@_step_schema(RegistrationAgreeInputSerializer, "Step 7: agree to the regulations (and sign the scholarship statement)")
class RegistrationAgreeApi(RegistrationStepApi):
    step = "agree"
    InputSerializer = RegistrationAgreeInputSerializer


STEP_APIS = {
    view.step: view
    for view in (
        RegistrationContactsApi,
        RegistrationPassportApi,
        RegistrationTuitionApi,
        RegistrationLocationApi,
        RegistrationHousingApi,
        RegistrationPermitApi,
        RegistrationAgreeApi,
    )
}


def _current_form_of(request, now) -> RegistrationForm | None:
    """The student's form for the semester the overview shows, if there is one (nothing is started here)."""
    semester = _registration_semester(now)
    if semester is None:
        return None
    return _own_forms(request.user).filter(semester=semester).first()


class RegistrationSubmitApi(PortalApiView):
    @extend_schema(request=None, responses={200: CurrentRegistrationSerializer, 409: CONFLICT})
    def post(self, request):
        _student_of(request)
        now = timezone.now()
        registration = _current_form_of(request, now)
        if registration is None:
            raise exceptions.NotFound(_("There is no registration form to submit."))
        try:
            services.registration_submit(form=registration, user=request.user, now=now)
        except DjangoValidationError as exc:
            if not hasattr(exc, "error_dict"):
                raise
            missing = exc.message_dict
            said = "; ".join(f"{STEP_LABELS.get(slug, slug)}: {' '.join(errors)}" for slug, errors in missing.items())
            message = f"{_('The form cannot be submitted yet. Still missing:')} {said}"
            return Response(
                {"message": message, "extra": {"code": "incomplete", "fields": missing}},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(_current_data(request, timezone.now()))


class RegistrationVisaLetterApi(PortalApiView):
    @extend_schema(request=None, responses={202: DocumentOutputSerializer})
    def post(self, request):
        _student_of(request)
        registration = _current_form_of(request, timezone.now())
        if registration is None:
            raise exceptions.NotFound(_("There is no approved registration form for this semester."))
        # Not yet available (not approved, or abroad): the service's ValidationError is a 400 with the reason.
        document = services.visa_letter_request(form=registration, user=request.user, language=get_language())
        return Response(DocumentOutputSerializer(document).data, status=status.HTTP_202_ACCEPTED)


# --- The office's review ------------------------------------------------------------------------------------


class RegistrationQueueApi(PortalApiView):
    permission_classes = REVIEWER_PERMISSIONS
    pagination_class = Pagination

    class QueueFilterSerializer(serializers.Serializer):
        q = serializers.CharField(required=False, allow_blank=True, max_length=100, help_text="Student ID or name.")
        semester = serializers.SlugRelatedField(
            slug_field="code", queryset=Semester.objects.all(), required=False, help_text="A semester code."
        )
        status = serializers.ChoiceField(choices=FormStatus.choices, required=False)
        school = serializers.SlugRelatedField(
            slug_field="code", queryset=School.objects.all(), required=False, help_text="A school code."
        )
        nationality = serializers.CharField(required=False, allow_blank=True, max_length=100)
        location = serializers.ChoiceField(choices=Location.choices, required=False)
        rejected = serializers.ChoiceField(
            choices=ItemKind.choices, required=False, help_text="Only forms with this item rejected."
        )
        submitted_from = serializers.DateField(required=False)
        submitted_to = serializers.DateField(required=False)

    class QueueRowSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        student_id = serializers.CharField(source="student.student_id")
        name_latin = serializers.CharField(source="student.name_latin")
        name_zh = serializers.CharField(source="student.name_zh")
        nationality = serializers.CharField(source="student.nationality")
        school = serializers.CharField(source="student.school.code")
        semester = serializers.CharField(source="semester.code")
        status = serializers.CharField(help_text=STATUS_HELP)
        location = serializers.ChoiceField(choices=Location.choices, allow_blank=True)
        submitted_at = serializers.DateTimeField(allow_null=True)
        pending_count = serializers.IntegerField()
        rejected_count = serializers.IntegerField()
        version = serializers.IntegerField()

    @extend_schema(parameters=[QueueFilterSerializer], responses=QueueRowSerializer(many=True))
    def get(self, request):
        filters = self.QueueFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        forms = selectors.registration_queue(user=request.user, filters=filters.validated_data)
        return paginated(self, request, forms, self.QueueRowSerializer)


def _reviewed_form(request, pk: int) -> RegistrationForm:
    form = selectors.registration_form_get(user=request.user, pk=pk)
    if form is None:
        raise exceptions.NotFound()
    return form


class RegistrationFormDetailApi(PortalApiView):
    """One form: its student sees it (drafts included), and so do the reviewers once it is submitted."""

    @extend_schema(responses=RegistrationFormSerializer)
    def get(self, request, pk: int):
        user = request.user
        if _is_student(user):
            form = _own_forms(user).filter(pk=pk).first()
        elif permissions.is_staff_member(user):
            if not can_review_registration(user):
                raise exceptions.PermissionDenied(ReviewsRegistration.message)
            form = selectors.registration_form_get(user=user, pk=pk)
        else:
            form = None
        if form is None:
            raise exceptions.NotFound()
        return Response(_form_data(request, form))


class RegistrationDecisionApi(PortalApiView):
    permission_classes = REVIEWER_PERMISSIONS

    class ItemDecisionInputSerializer(serializers.Serializer):
        item = serializers.ChoiceField(choices=ItemKind.choices, help_text="The part of the form decided on.")
        decision = serializers.ChoiceField(choices=["approve", "reject"])
        expected_state = serializers.ChoiceField(
            choices=ItemState.choices,
            default=ItemState.PENDING,
            help_text="The item's state as the reviewer saw it; if someone decided since, the answer is 409.",
        )
        common_reason = serializers.ChoiceField(
            choices=list(COMMON_REASONS.items()),
            required=False,
            allow_blank=True,
            help_text="A common reason: the student reads it in their own language.",
        )
        reason = serializers.CharField(
            required=False, allow_blank=True, max_length=1000, help_text="Required to reject (or a common reason)."
        )

    @extend_schema(request=ItemDecisionInputSerializer, responses={200: RegistrationFormSerializer, 409: CONFLICT})
    def post(self, request, pk: int):
        form = _reviewed_form(request, pk)
        data = self.ItemDecisionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if form.status != FormStatus.SUBMITTED:
            raise Conflict(_("This form is not waiting for review; nothing was changed."))
        item = next((i for i in form.items.all() if i.kind == values["item"]), None)
        if item is None:
            raise exceptions.NotFound(_("This form has no such item."))
        # The page's decision form composes the stored reason (a common reason in the source language, then the
        # reviewer's words), so both store the same text.
        decision = ItemDecisionForm(
            data={**values, "kind": values["item"], "common_reason": values.get("common_reason", "")}
        )
        if not decision.is_valid():
            raise exceptions.ValidationError(_form_errors(decision))
        services.registration_item_decide(
            item=item,
            reviewer=request.user,
            approve=values["decision"] == "approve",
            reason=decision.reason_text(),
            expected_state=values["expected_state"],
        )
        return Response(_form_data(request, _reviewed_form(request, pk)))


class RegistrationApproveAllApi(PortalApiView):
    permission_classes = REVIEWER_PERMISSIONS

    class ApproveAllInputSerializer(serializers.Serializer):
        version = serializers.IntegerField(
            help_text="The form's version the reviewer looked at: approving a form that changed since is a 409."
        )

    class ApproveAllOutputSerializer(serializers.Serializer):
        approved = serializers.IntegerField(help_text="How many items this call approved.")
        form = serializers.SerializerMethodField()

        @extend_schema_field(RegistrationFormSerializer)
        def get_form(self, result):
            return _form_data(self.context["request"], result["form"])

    @extend_schema(request=ApproveAllInputSerializer, responses={200: ApproveAllOutputSerializer, 409: CONFLICT})
    def post(self, request, pk: int):
        form = _reviewed_form(request, pk)
        data = self.ApproveAllInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if form.status != FormStatus.SUBMITTED:
            raise Conflict(_("This form is not waiting for review; nothing was changed."))
        # The reviewer approves what they saw: if the form changed since, it must be looked at again.
        if data.validated_data["version"] != form.version:
            raise Conflict(_("The form changed since you opened it. Check it again before approving."))
        approved = 0
        for item in form.items.all():
            if item.state != ItemState.PENDING:
                continue
            try:
                services.registration_item_decide(
                    item=item, reviewer=request.user, approve=True, expected_state=ItemState.PENDING
                )
            except ConflictError as exc:
                # Another reviewer got there first: what this call approved stands, and the answer says how much.
                return Response(
                    {"message": str(exc), "extra": {"code": "conflict", "approved": approved}},
                    status=status.HTTP_409_CONFLICT,
                )
            approved += 1
        result = {"approved": approved, "form": _reviewed_form(request, pk)}
        return Response(self.ApproveAllOutputSerializer(result, context={"request": request}).data)
