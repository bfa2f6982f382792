"""Refund requests (Handbook: fees/ 2.1-2.4): a student applies for and reads their own; finance reads all, decides
and records the payout. Other staff see none (an object is 404 for them, as for other students)."""

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from fees import services
from fees.api.ledger import STUDENT_FILTER, _for_student
from fees.models import NoRefundReason, RefundDecision, RefundRequest, RefundState
from fees.permissions import can_manage_fees
from portal.api import ERROR, Pagination, PortalApiView, paginated
from portal.models import Semester

CONFLICT = OpenApiResponse(
    ERROR.response,
    description="The request's state does not allow this now: already decided or paid by someone else, a stale "
    "version, or an open request for the same academic year; `message` says which.",
)


class RefundDecisionOutputSerializer(serializers.ModelSerializer):
    decided_by = serializers.CharField(source="decided_by.display_name")
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    permit_changed_in_time = serializers.BooleanField(allow_null=True)
    receipts_returned = serializers.BooleanField(allow_null=True)

    class Meta:
        model = RefundDecision
        fields = [
            "state",
            "amount",
            "clause",
            "permit_changed_in_time",
            "receipts_returned",
            "reason",
            "decided_by",
            "decided_at",
        ]
        read_only_fields = fields


class RefundOutputSerializer(serializers.ModelSerializer):
    student_id = serializers.CharField(source="student.student_id")
    semester = serializers.CharField(source="semester.code")
    second_registration_day = serializers.DateField(allow_null=True)
    approved_amount = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    permit_changed_in_time = serializers.BooleanField(allow_null=True)
    receipts_returned = serializers.BooleanField(allow_null=True)
    # Blank until finance names a cause, so text rather than an enum (an enum would have to list "").
    no_refund_reason = serializers.CharField(help_text=f"Empty, or one of: {', '.join(NoRefundReason.values)}.")
    decided_clause = serializers.CharField(help_text="The clause applied, or 'adjusted' when finance changed it.")
    decided_at = serializers.DateTimeField(allow_null=True)
    paid_at = serializers.DateTimeField(allow_null=True)
    history = RefundDecisionOutputSerializer(source="decisions", many=True)

    class Meta:
        model = RefundRequest
        fields = [
            "id",
            "student_id",
            "academic_year",
            "semester",
            "state",
            "reason",
            "completed_on",
            "bank_account_name",
            "bank_name",
            "bank_account",
            "bank_swift",
            "program",
            "registration_day",
            "second_registration_day",
            "tuition_this_semester",
            "tuition_next_semester",
            "continuing_paid_next",
            "proposed_amount",
            "proposed_clause",
            "proposed_explanation",
            "approved_amount",
            "decided_clause",
            "decision_reason",
            "permit_changed_in_time",
            "receipts_returned",
            "no_refund_reason",
            "created_at",
            "decided_at",
            "paid_at",
            "payout_reference",
            "version",
            "history",
        ]
        read_only_fields = fields


def _refunds(user):
    return (
        RefundRequest.objects.visible_to(user)
        .select_related("student", "semester")
        .prefetch_related(Prefetch("decisions", queryset=RefundDecision.objects.select_related("decided_by__student")))
    )


def _visible_refund(request, pk) -> RefundRequest:
    refund = _refunds(request.user).filter(pk=pk).first()
    if refund is None:
        raise exceptions.NotFound()
    return refund


def _check_finance(request) -> None:
    if not can_manage_fees(request.user):
        raise exceptions.PermissionDenied(gettext_lazy("Only the finance office decides and pays refunds."))


class RefundListApi(PortalApiView):
    """Refund requests, oldest first: a student's own, or everybody's for finance; students apply here."""

    pagination_class = Pagination

    class ApplyInputSerializer(serializers.Serializer):
        semester = serializers.CharField(
            max_length=20, help_text="Code of the semester paid for, e.g. 2026-2027-1 (degree: any of the year)."
        )
        completed_on = serializers.DateField(help_text="The day withdrawal and permit cancellation were completed.")
        reason = serializers.CharField(max_length=2000)
        bank_account_name = serializers.CharField(max_length=200)
        bank_name = serializers.CharField(max_length=200)
        bank_account = serializers.CharField(max_length=60)
        bank_swift = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")

        def validate_semester(self, code):
            semester = Semester.objects.filter(code=code).first()
            if semester is None:
                raise serializers.ValidationError(gettext_lazy("No semester has this code."))
            return semester

    @extend_schema(
        parameters=[
            STUDENT_FILTER,
            OpenApiParameter("state", str, enum=RefundState.values, description="Only requests in this state."),
        ],
        responses=RefundOutputSerializer(many=True),
    )
    def get(self, request):
        refunds = _for_student(_refunds(request.user), request)
        state = request.query_params.get("state", "")
        if state in RefundState.values:
            refunds = refunds.filter(state=state)
        return paginated(self, request, refunds.order_by("created_at", "pk"), RefundOutputSerializer)

    @extend_schema(request=ApplyInputSerializer, responses={201: RefundOutputSerializer, 409: CONFLICT})
    def post(self, request):
        student = getattr(request.user, "student", None)
        if student is None or not request.user.is_student:
            raise exceptions.PermissionDenied(gettext_lazy("Only students apply for a refund of their tuition."))
        data = self.ApplyInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        refund = services.refund_request_apply(
            student=student, user=request.user, http_request=request, **data.validated_data
        )
        return Response(
            RefundOutputSerializer(_refunds(request.user).get(pk=refund.pk)).data, status=status.HTTP_201_CREATED
        )


class RefundDetailApi(PortalApiView):
    @extend_schema(responses=RefundOutputSerializer)
    def get(self, request, pk: int):
        return Response(RefundOutputSerializer(_visible_refund(request, pk)).data)


class RefundDecisionApi(PortalApiView):
    """Finance checks the formalities of 2.4 and any cause of 2.2.1, then approves (the rules' amount for what was
    checked, or `amount` with a `reason`) or rejects (with a `reason`). `version` is the one read: a stale version
    or a request someone already decided answers 409."""

    class DecisionInputSerializer(serializers.Serializer):
        decision = serializers.ChoiceField(choices=["approve", "reject"])
        permit_changed_in_time = serializers.BooleanField()
        receipts_returned = serializers.BooleanField()
        no_refund_reason = serializers.ChoiceField(choices=NoRefundReason.values, required=False)
        amount = serializers.DecimalField(max_digits=12, decimal_places=2, required=False, min_value=0)
        reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
        version = serializers.IntegerField(min_value=1)

    @extend_schema(request=DecisionInputSerializer, responses={200: RefundOutputSerializer, 409: CONFLICT})
    def post(self, request, pk: int):
        refund = _visible_refund(request, pk)
        _check_finance(request)
        data = self.DecisionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        checks = {
            "permit_changed_in_time": values["permit_changed_in_time"],
            "receipts_returned": values["receipts_returned"],
            "no_refund_reason": values.get("no_refund_reason", ""),
            "expected_version": values["version"],
            "http_request": request,
        }
        if values["decision"] == "approve":
            services.refund_request_approve(
                request=refund, actor=request.user, amount=values.get("amount"), reason=values["reason"], **checks
            )
        else:
            services.refund_request_reject(request=refund, actor=request.user, reason=values["reason"], **checks)
        return Response(RefundOutputSerializer(_refunds(request.user).get(pk=refund.pk)).data)


class RefundPaidApi(PortalApiView):
    """Finance records the payout of an approved refund: a credit and a refund entry on the student's ledger."""

    class PaidInputSerializer(serializers.Serializer):
        paid_on = serializers.DateField()
        reference = serializers.CharField(max_length=100, help_text="The bank transfer reference.")
        version = serializers.IntegerField(min_value=1)

    @extend_schema(request=PaidInputSerializer, responses={200: RefundOutputSerializer, 409: CONFLICT})
    def post(self, request, pk: int):
        refund = _visible_refund(request, pk)
        _check_finance(request)
        data = self.PaidInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        services.refund_request_mark_paid(
            request=refund,
            actor=request.user,
            paid_on=values["paid_on"],
            reference=values["reference"],
            expected_version=values["version"],
            http_request=request,
        )
        return Response(RefundOutputSerializer(_refunds(request.user).get(pk=refund.pk)).data)
