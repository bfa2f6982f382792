"""The office's side of the registration API: the review queue, one form, item decisions and approve-all."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from portal import permissions
from portal.api import Pagination, PortalApiView, paginated
from portal.models import School, Semester
from portal.services import ConflictError
from registration import selectors, services
from registration.api.common import (
    CONFLICT,
    REVIEWER_PERMISSIONS,
    STATUS_HELP,
    Conflict,
    RegistrationFormSerializer,
    ReviewsRegistration,
    form_data,
    form_errors,
    is_student,
    own_forms,
)
from registration.models import (
    FormStatus,
    ItemKind,
    ItemState,
    Location,
    RegistrationForm,
)
from registration.permissions import can_review_registration

# The review page's own decision form and common reasons, so a common reason is stored as the same text either way.
from registration.views.staff import COMMON_REASONS, ItemDecisionForm, QueueFilterForm


class RegistrationQueueApi(PortalApiView):
    """Submitted forms waiting for or past review, oldest submission first, with the review page's filters."""

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
        letter = serializers.ChoiceField(
            choices=[value for value, _label in QueueFilterForm.base_fields["letter"].choices if value],
            required=False,
            help_text="Whether the student collected the visa-extension letter (not_collected: approved, in China).",
        )

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
        if is_student(user):
            form = own_forms(user).filter(pk=pk).first()
        elif permissions.is_staff_member(user):
            if not can_review_registration(user):
                raise exceptions.PermissionDenied(ReviewsRegistration.message)
            form = selectors.registration_form_get(user=user, pk=pk)
        else:
            form = None
        if form is None:
            raise exceptions.NotFound()
        return Response(form_data(request, form))


class RegistrationDecisionApi(PortalApiView):
    """Approve or reject one item of a submitted form; the student is told once no item waits."""

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
            raise exceptions.ValidationError(form_errors(decision))
        services.registration_item_decide(
            item=item,
            reviewer=request.user,
            approve=values["decision"] == "approve",
            reason=decision.reason_text(),
            expected_state=values["expected_state"],
        )
        return Response(form_data(request, _reviewed_form(request, pk)))


class RegistrationApproveAllApi(PortalApiView):
    """Approve every item still waiting, as the reviewer saw the form (its version)."""

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
            return form_data(self.context["request"], result["form"])

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
