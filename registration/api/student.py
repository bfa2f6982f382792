"""The student's side of the registration API: the current form, its seven steps, submitting, the letter.

Each step's answers go through the page's own step form (registration.forms) before the service, so the API and the
page ask for the same files and refuse the same input with the same words.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response

from portal.api import DocumentOutputSerializer, PortalApiView
from registration import rules, services
from registration.api.common import (
    CONFLICT,
    STATE_HELP,
    Conflict,
    RegistrationFormSerializer,
    RegistrationSemesterSerializer,
    form_data,
    form_errors,
    is_student,
    own_forms,
    reason_in_viewers_language,
)
from registration.forms import STEP_FORMS
from registration.models import (
    Housing,
    Location,
    RegistrationForm,
    TuitionPaymentType,
)

# The overview page's own helpers, so the API picks the same semester, starts a draft under the same conditions and
# says the same reason a step is read-only.
from registration.views.student import (
    STEP_LABELS,
    STEPS,
    _read_only_reason,
    _registration_semester,
    _student_form,
    _window_state,
)


class RegistrationReviewSerializer(serializers.Serializer):
    state = serializers.CharField(help_text=STATE_HELP)
    state_display = serializers.CharField(source="get_state_display")
    reason = serializers.SerializerMethodField(help_text="Why the item was rejected, in the reader's language.")

    def get_reason(self, item) -> str:
        return reason_in_viewers_language(item.reason)


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
        return form_data(self.context["request"], form) if form is not None else None


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
    form = own_forms(request.user).get(pk=started.pk)
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


def _require_student(request) -> None:
    """Students only: anyone else is told the endpoint does not exist for them, like the pages' student_required."""
    if not is_student(request.user):
        raise exceptions.NotFound()


class RegistrationCurrentApi(PortalApiView):
    """The student's form for the current semester: the window, each step and what it still needs, the review.

    While the form can be filled in (the window is open or about to open), this starts the draft, as the page does.
    """

    @extend_schema(responses=CurrentRegistrationSerializer)
    def get(self, request):
        _require_student(request)
        return Response(_current_data(request, timezone.now()))


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
    new_passport_country = _text(100)
    new_passport_issued_on = _date()
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
        _require_student(request)
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
            raise exceptions.ValidationError(form_errors(step_form))
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
    return own_forms(request.user).filter(semester=semester).first()


class RegistrationSubmitApi(PortalApiView):
    """Submit the form for review; an incomplete form is a 400 that says what is missing, step by step."""

    @extend_schema(request=None, responses={200: CurrentRegistrationSerializer, 409: CONFLICT})
    def post(self, request):
        _require_student(request)
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
    """Ask for the visa-extension letter of an approved form (students in China); asking again gives the same one.

    The letter is made in the background: follow it at /api/documents/{id}/ like any generated document.
    """

    @extend_schema(request=None, responses={202: DocumentOutputSerializer})
    def post(self, request):
        _require_student(request)
        registration = _current_form_of(request, timezone.now())
        if registration is None:
            raise exceptions.NotFound(_("There is no approved registration form for this semester."))
        # Not yet available (not approved, or abroad): the service's ValidationError is a 400 with the reason.
        document = services.visa_letter_request(form=registration, user=request.user, language=get_language())
        return Response(DocumentOutputSerializer(document).data, status=status.HTTP_202_ACCEPTED)
