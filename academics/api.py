"""The academics API: results and GPA (a student their own, read-only; school staff their school; the office all)
and transcript requests. Thin views over academics.selectors and academics.services, in portal.api's conventions.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response

from academics import selectors, services
from academics.models import Result
from portal.api import Pagination, PortalApiView, paginated


class ResultOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    student_id = serializers.CharField(source="enrolment.student.student_id")
    semester = serializers.CharField(source="enrolment.offering.semester.code")
    course_code = serializers.CharField(source="enrolment.offering.course.code")
    course_name_en = serializers.CharField(source="enrolment.offering.course.name_en")
    course_name_zh = serializers.CharField(source="enrolment.offering.course.name_zh")
    course_type = serializers.CharField(source="enrolment.offering.course.course_type")
    credits = serializers.DecimalField(source="enrolment.offering.course.credits", max_digits=4, decimal_places=1)
    attempt = serializers.CharField(source="enrolment.attempt")
    scale = serializers.CharField()
    result = serializers.CharField(source="value", help_text="Empty when the mark is the whole result.")
    mark = serializers.CharField(help_text="absent, violation, deferred, gave_up, makeup, barred; or empty.")
    grade_value = serializers.DecimalField(
        max_digits=3, decimal_places=1, allow_null=True, help_text="Null when the result is not counted in a GPA."
    )
    updated_at = serializers.DateTimeField()


class ResultListApi(PortalApiView):
    """Results you may see, by semester and course; a student gets their own."""

    pagination_class = Pagination

    @extend_schema(
        parameters=[
            OpenApiParameter("student_id", str, description="One student's results."),
            OpenApiParameter("semester", str, description="A semester code, such as 2026-2027-1."),
        ],
        responses=ResultOutputSerializer(many=True),
    )
    def get(self, request):
        results = (
            Result.objects.visible_to(request.user)
            .select_related("enrolment__student", "enrolment__offering__course", "enrolment__offering__semester")
            .order_by("enrolment__student__student_id", "enrolment__offering__semester__starts_on", "pk")
        )
        student_id = request.query_params.get("student_id", "")[:20]
        if student_id:
            results = results.filter(enrolment__student__student_id=student_id)
        semester = request.query_params.get("semester", "")[:20]
        if semester:
            results = results.filter(enrolment__offering__semester__code=semester)
        return paginated(self, request, results, ResultOutputSerializer)


class TermGpaSerializer(serializers.Serializer):
    semester = serializers.CharField(source="semester.code")
    gpa = serializers.DecimalField(max_digits=6, decimal_places=4, allow_null=True)
    cumulative_gpa = serializers.DecimalField(max_digits=6, decimal_places=4, allow_null=True)
    credits_taken = serializers.DecimalField(max_digits=6, decimal_places=1)
    credits_earned = serializers.DecimalField(max_digits=6, decimal_places=1)


class GpaOutputSerializer(serializers.Serializer):
    student_id = serializers.CharField(source="student.student_id")
    gpa = serializers.DecimalField(max_digits=6, decimal_places=4, allow_null=True, help_text="Cumulative GPA.")
    study_abroad_gpa = serializers.DecimalField(max_digits=6, decimal_places=4, allow_null=True)
    credits_earned = serializers.DecimalField(max_digits=6, decimal_places=1)
    terms = TermGpaSerializer(many=True)


class StudentGpaApi(PortalApiView):
    """A student's term and cumulative GPA, study-abroad GPA and credits (Assessment 12-14), from the results."""

    @extend_schema(responses=GpaOutputSerializer)
    def get(self, request, student_id: str):
        student = selectors.student_get(user=request.user, student_id=student_id)
        if student is None:
            raise NotFound
        return Response(GpaOutputSerializer(selectors.student_academic_record(student=student)).data)


class TranscriptRequestApi(PortalApiView):
    """Ask for a transcript PDF: a student their own unofficial copy, staff an official one for a student they see.

    Poll /api/documents/{document_id}/ until it is ready, then download it.
    """

    class TranscriptRequestInputSerializer(serializers.Serializer):
        student_id = serializers.CharField(required=False, max_length=20, help_text="Staff: whose transcript.")
        study_abroad = serializers.BooleanField(required=False, default=False)

    class TranscriptRequestOutputSerializer(serializers.Serializer):
        document_id = serializers.IntegerField(source="pk")
        status = serializers.CharField()

    @extend_schema(request=TranscriptRequestInputSerializer, responses={202: TranscriptRequestOutputSerializer})
    def post(self, request):
        data = self.TranscriptRequestInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if request.user.is_student:
            student = getattr(request.user, "student", None)
            if student is None or values.get("student_id", student.student_id) != student.student_id:
                raise NotFound
        else:
            student = selectors.student_get(user=request.user, student_id=values.get("student_id", ""))
            if student is None:
                raise NotFound
        try:
            document = services.transcript_request(
                user=request.user,
                student=student,
                study_abroad=values["study_abroad"],
                language=get_language() or "en",
            )
        except ValidationError as exc:
            raise PermissionDenied(" ".join(exc.messages)) from None
        return Response(self.TranscriptRequestOutputSerializer(document).data, status=status.HTTP_202_ACCEPTED)
