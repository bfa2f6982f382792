"""The student status API: a student's own applications (and applying), and an approver's decision on a step.

Same access decisions as the pages: students reach only their own applications; an approver decides only the step
waiting for their office (403), never a student outside their scope (404); a stale version is a 409.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from portal.api import PortalApiView
from registration import selectors_leaving, services
from registration.api.common import CONFLICT, is_student
from registration.models import StatusCategory
from registration.permissions import can_decide_status_step, can_view_status_work


class StatusDecisionSerializer(serializers.Serializer):
    step = serializers.CharField()
    approved = serializers.BooleanField()
    reason = serializers.CharField()
    at = serializers.DateTimeField()


class StatusChangeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    student_id = serializers.CharField(source="student.student_id")
    kind = serializers.CharField(help_text="leave, suspension, resumption, withdrawal or dismissal.")
    category = serializers.CharField()
    first_day = serializers.DateField()
    last_day = serializers.DateField(allow_null=True)
    reason = serializers.CharField()
    route = serializers.ListField(child=serializers.CharField())
    current_step = serializers.CharField()
    state = serializers.CharField(help_text="pending, approved or rejected.")
    emergency = serializers.BooleanField()
    applied_late = serializers.BooleanField(help_text="A resumption applied for after its term began.")
    has_proof = serializers.SerializerMethodField()
    version = serializers.IntegerField()
    decisions = StatusDecisionSerializer(many=True, source="decisions.all")

    def get_has_proof(self, change) -> bool:
        return change.proof_id is not None


class StatusMineApi(PortalApiView):
    """The student's own status applications; POST applies (multipart when a proof is attached)."""

    parser_classes = [JSONParser, MultiPartParser, FormParser]

    class ApplySerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=["leave", "suspension", "resumption", "withdrawal"])
        category = serializers.ChoiceField(choices=StatusCategory.choices, required=False, allow_blank=True)
        first_day = serializers.DateField()
        last_day = serializers.DateField(required=False, allow_null=True)
        reason = serializers.CharField(max_length=2000)
        proof = serializers.FileField(required=False)

    def _student(self, request):
        if not is_student(request.user):
            raise exceptions.NotFound()
        return request.user.student

    @extend_schema(responses=StatusChangeSerializer(many=True))
    def get(self, request):
        student = self._student(request)
        return Response(StatusChangeSerializer(selectors_leaving.status_changes_of(student=student), many=True).data)

    @extend_schema(request=ApplySerializer, responses={201: StatusChangeSerializer, 409: CONFLICT})
    def post(self, request):
        student = self._student(request)
        data = self.ApplySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        change = services.status_apply(
            student=student,
            user=request.user,
            kind=values["kind"],
            category=values.get("category", ""),
            first_day=values["first_day"],
            last_day=values.get("last_day"),
            reason=values["reason"],
            proof=values.get("proof"),
        )
        change = selectors_leaving.status_change_get(user=request.user, pk=change.pk)
        return Response(StatusChangeSerializer(change).data, status=status.HTTP_201_CREATED)


class StatusDecisionApi(PortalApiView):
    """The approver of the waiting step approves or rejects it (a rejection needs a reason)."""

    class DecisionSerializer(serializers.Serializer):
        approve = serializers.BooleanField()
        reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)
        version = serializers.IntegerField()

    @extend_schema(request=DecisionSerializer, responses={200: StatusChangeSerializer, 409: CONFLICT})
    def post(self, request, pk: int):
        if is_student(request.user):
            raise exceptions.NotFound()
        if not can_view_status_work(request.user):
            raise exceptions.PermissionDenied()
        change = selectors_leaving.status_change_get(user=request.user, pk=pk)
        if change is None:
            raise exceptions.NotFound()
        if not can_decide_status_step(request.user, change):
            raise exceptions.PermissionDenied(_("This step is decided by another office."))
        data = self.DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.status_decide(
                change=change,
                user=request.user,
                approve=data.validated_data["approve"],
                reason=data.validated_data.get("reason", ""),
                version=data.validated_data["version"],
            )
        except DjangoPermissionDenied:
            raise exceptions.PermissionDenied() from None
        return Response(StatusChangeSerializer(selectors_leaving.status_change_get(user=request.user, pk=pk)).data)
