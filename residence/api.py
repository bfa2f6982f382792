"""The residence API: a student's records (every version) and open obligations, with the pages' permissions.

GET only: records are added with their evidence through the pages' guided flows, and decided through the shared
evidence decision endpoint (/api/evidence/<id>/decision/), which makes an approved record current.
"""

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.response import Response

from portal.api import Pagination, PortalApiView, paginated
from portal.permissions import identity_number_for
from residence import rules, selectors
from residence.forms import BoardFilterForm
from residence.services import RECORD_FIELDS


def _version(kind: str, record, user) -> dict:
    values = {}
    for name in RECORD_FIELDS[kind]:
        value = getattr(record, name)
        if name == "number" and kind in ("passport", "permit"):
            value = identity_number_for(user, value)
        values[name] = value.isoformat() if hasattr(value, "isoformat") else value
    return {
        "id": record.pk,
        "submitted_at": record.submitted_at.isoformat(),
        "is_current": record.is_current,
        "state": record.evidence.state,
        "reason": record.evidence.reason,
        "evidence_id": record.evidence_id,
        **values,
    }


class RecordsOutputSerializer(serializers.Serializer):
    student_id = serializers.CharField()
    passport = serializers.ListField(child=serializers.DictField())
    visa = serializers.ListField(child=serializers.DictField())
    permit = serializers.ListField(child=serializers.DictField())
    exam = serializers.ListField(child=serializers.DictField())
    insurance = serializers.ListField(child=serializers.DictField())


class StudentRecordsApi(PortalApiView):
    @extend_schema(responses=RecordsOutputSerializer)
    def get(self, request, student_id: str):
        student = selectors.student_get(user=request.user, student_id=student_id)
        if student is None:
            raise exceptions.NotFound()
        data = {"student_id": student.student_id}
        for history in selectors.student_records(student=student):
            data[history.kind] = [_version(history.kind, v, request.user) for v in history.versions]
        return Response(RecordsOutputSerializer(data).data)


class ObligationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    student_id = serializers.CharField(source="student.student_id")
    school = serializers.CharField(source="student.school.code")
    kind = serializers.CharField()
    due = serializers.DateField()
    legal_due = serializers.DateField()
    days_left = serializers.SerializerMethodField()
    reminders_sent = serializers.IntegerField()
    last_reminded_at = serializers.DateTimeField(allow_null=True)

    def get_days_left(self, obj) -> int:
        return rules.days_left(due=obj.due, today=self.context["today"])


class ObligationListApi(PortalApiView):
    pagination_class = Pagination

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="Search by student ID or name."),
            OpenApiParameter("kind", str, description="Only this obligation."),
            OpenApiParameter("bucket", str, description="overdue, due_7, due_30 or due_60."),
        ],
        responses=ObligationOutputSerializer(many=True),
    )
    def get(self, request):
        today = timezone.localdate()
        filters = BoardFilterForm(request.query_params)
        if not filters.is_valid():
            raise exceptions.ValidationError(filters.errors)
        obligations = selectors.obligations_for(user=request.user, today=today, filters=filters.cleaned_data)
        return paginated(self, request, obligations, ObligationOutputSerializer, {"today": today})
