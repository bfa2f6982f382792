"""Ledger entries and receipts (a student their own, finance everybody's), and receipt PDFs.

Thin views over fees.selectors and fees.services, in the conventions of portal.api (one error shape, 404 outside
your scope).
"""

from django.utils.translation import get_language
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from fees import services
from fees.models import LedgerEntry, Receipt
from fees.permissions import is_finance
from portal.api import Pagination, PortalApiView, paginated

STUDENT_FILTER = OpenApiParameter(
    "student_id", str, description="Finance only: one student's records. Students always get their own."
)


def _for_student(queryset, request):
    student_id = request.query_params.get("student_id", "")[:20]
    if student_id and is_finance(request.user):
        queryset = queryset.filter(student__student_id=student_id)
    return queryset


class LedgerEntryOutputSerializer(serializers.ModelSerializer):
    student_id = serializers.CharField(source="student.student_id")
    semester = serializers.CharField(source="semester.code", default=None, allow_null=True)
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, coerce_to_string=True)
    receipt_number = serializers.CharField(source="receipt.number", default=None, allow_null=True)
    reverses = serializers.IntegerField(source="reverses_id", allow_null=True)
    # Blank for entries that are not payments, so not an enum (an enum would have to list "").
    channel = serializers.CharField(help_text="online, remittance, other or cash_desk; empty unless a payment.")

    class Meta:
        model = LedgerEntry
        fields = [
            "id",
            "student_id",
            "entry_type",
            "fee_kind",
            "academic_year",
            "semester",
            "amount",
            "channel",
            "reference",
            "paid_on",
            "description",
            "reverses",
            "receipt_number",
            "created_at",
        ]
        read_only_fields = fields


class LedgerListApi(PortalApiView):
    """Ledger entries, oldest first; `amount` is signed as its effect on what the student owes (RMB)."""

    pagination_class = Pagination

    @extend_schema(parameters=[STUDENT_FILTER], responses=LedgerEntryOutputSerializer(many=True))
    def get(self, request):
        entries = (
            LedgerEntry.objects.visible_to(request.user)
            .select_related("student", "semester", "receipt")
            .order_by("student_id", "created_at", "pk")
        )
        return paginated(self, request, _for_student(entries, request), LedgerEntryOutputSerializer)


class ReceiptOutputSerializer(serializers.ModelSerializer):
    student_id = serializers.CharField(source="student.student_id")
    amount = serializers.DecimalField(source="payment.display_amount", max_digits=12, decimal_places=2)
    fee_kind = serializers.CharField(source="payment.fee_kind")
    academic_year = serializers.CharField(source="payment.academic_year")
    channel = serializers.CharField(source="payment.channel")
    paid_on = serializers.DateField(source="payment.paid_on", allow_null=True)

    class Meta:
        model = Receipt
        fields = [
            "id",
            "number",
            "student_id",
            "amount",
            "fee_kind",
            "academic_year",
            "channel",
            "paid_on",
            "issued_at",
        ]
        read_only_fields = fields


class ReceiptListApi(PortalApiView):
    pagination_class = Pagination

    @extend_schema(parameters=[STUDENT_FILTER], responses=ReceiptOutputSerializer(many=True))
    def get(self, request):
        receipts = Receipt.objects.visible_to(request.user).select_related("student", "payment").order_by("-issued_at")
        return paginated(self, request, _for_student(receipts, request), ReceiptOutputSerializer)


class ReceiptPdfApi(PortalApiView):
    """Ask for the receipt as a PDF; poll the returned document until it is ready, then download it."""

    class ReceiptPdfOutputSerializer(serializers.Serializer):
        document_id = serializers.IntegerField(source="pk")
        status = serializers.CharField()

    @extend_schema(request=None, responses={202: ReceiptPdfOutputSerializer})
    def post(self, request, pk):
        receipt = Receipt.objects.visible_to(request.user).select_related("student").filter(pk=pk).first()
        if receipt is None:
            raise NotFound
        document = services.receipt_pdf_request(receipt=receipt, user=request.user, language=get_language() or "en")
        return Response(self.ReceiptPdfOutputSerializer(document).data, status=status.HTTP_202_ACCEPTED)
