"""The academics API: results and GPA (a student their own, read-only; school staff their school; the office all)
and transcript requests. Thin views over academics.selectors and academics.services, in portal.api's conventions.
"""

from datetime import date

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from academics import permissions, selectors, services
from academics.models import DeferralReasonChoice, Enrolment, ExamApplicationKind, Result
from portal.api import ERROR, Pagination, PortalApiView, paginated


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


# --- Applications to defer or give up an examination ---------------------------------------------------------------


class ExamApplicationEventSerializer(serializers.Serializer):
    from_state = serializers.CharField()
    to_state = serializers.CharField()
    at = serializers.DateTimeField()
    reason = serializers.CharField()


class ExamApplicationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    enrolment_id = serializers.IntegerField()
    student_id = serializers.CharField(source="enrolment.student.student_id")
    semester = serializers.CharField(source="enrolment.offering.semester.code")
    course_code = serializers.CharField(source="enrolment.offering.course.code")
    assessed_on = serializers.SerializerMethodField()
    kind = serializers.CharField(help_text="deferral or drop.")
    deferral_reason = serializers.CharField(
        help_text="hospitalisation, family_force_majeure or representing_university; empty for a drop."
    )
    statement = serializers.CharField()
    has_proof = serializers.SerializerMethodField()
    state = serializers.CharField(help_text="pending, approved, rejected or withdrawn.")
    decision_reason = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    version = serializers.IntegerField(help_text="Send it back with a decision or a withdrawal (409 if stale).")

    def get_assessed_on(self, application) -> date:
        return services.offering_assessed_on(application.enrolment.offering)

    def get_has_proof(self, application) -> bool:
        return application.proof_id is not None


class ExamApplicationDetailSerializer(ExamApplicationOutputSerializer):
    events = ExamApplicationEventSerializer(many=True, source="events.all")


def _is_student(user) -> bool:
    return getattr(user, "is_student", False) and hasattr(user, "student")


def _visible_application(request, pk: int):
    application = selectors.exam_application_get(user=request.user, pk=pk)
    if application is None:
        raise NotFound
    return application


class ExamApplicationListApi(PortalApiView):
    """A student's own applications, or the applications of the offerings a member of staff sees; POST applies
    (students; multipart when a proof is attached). Assessment 21-23; Academic Rules 16."""

    pagination_class = Pagination
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    class ApplyInputSerializer(serializers.Serializer):
        enrolment_id = serializers.IntegerField(help_text="The enrolment (course and semester) whose exam it is.")
        kind = serializers.ChoiceField(choices=ExamApplicationKind.choices)
        deferral_reason = serializers.ChoiceField(
            choices=DeferralReasonChoice.choices, required=False, allow_blank=True, default=""
        )
        statement = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
        proof = serializers.FileField(required=False, help_text="Needed for a deferral. PDF, JPEG or PNG.")

    @extend_schema(
        parameters=[
            OpenApiParameter("state", str, description="pending, approved, rejected or withdrawn."),
            OpenApiParameter("q", str, description="Staff: a student ID or name."),
        ],
        responses=ExamApplicationOutputSerializer(many=True),
    )
    def get(self, request):
        if not _is_student(request.user) and not permissions.can_view_records(request.user):
            raise PermissionDenied
        state = request.query_params.get("state", "")[:20]
        if _is_student(request.user):
            applications = selectors.exam_applications_of(student=request.user.student).select_related(
                "enrolment__student"
            )
            if state:
                applications = applications.filter(state=state)
        else:
            filters = {"state": state, "q": request.query_params.get("q", "")[:100]}
            applications = selectors.exam_application_queue(user=request.user, filters=filters)
        return paginated(self, request, applications, ExamApplicationOutputSerializer)

    @extend_schema(request=ApplyInputSerializer, responses={201: ExamApplicationOutputSerializer, 409: ERROR})
    def post(self, request):
        if not _is_student(request.user):
            raise NotFound
        data = self.ApplyInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        enrolment = (
            Enrolment.objects.filter(student=request.user.student, pk=values["enrolment_id"])
            .select_related("student", "offering__course", "offering__semester")
            .first()
        )
        if enrolment is None:
            raise NotFound
        try:
            application = services.exam_application_submit(
                enrolment=enrolment,
                user=request.user,
                kind=values["kind"],
                deferral_reason=values["deferral_reason"],
                statement=values["statement"],
                proof=values.get("proof"),
            )
        except DjangoPermissionDenied:
            raise NotFound from None
        application = _visible_application(request, application.pk)
        return Response(ExamApplicationOutputSerializer(application).data, status=status.HTTP_201_CREATED)


class ExamApplicationDetailApi(PortalApiView):
    """One application with its history: the student's own, or one of an offering the member of staff sees."""

    @extend_schema(responses=ExamApplicationDetailSerializer)
    def get(self, request, pk: int):
        if not _is_student(request.user) and not permissions.can_view_records(request.user):
            raise PermissionDenied
        return Response(ExamApplicationDetailSerializer(_visible_application(request, pk)).data)


class ExamApplicationWithdrawApi(PortalApiView):
    """The student withdraws their own application while it waits for a decision."""

    class WithdrawInputSerializer(serializers.Serializer):
        version = serializers.IntegerField(required=False, allow_null=True, default=None)

    @extend_schema(request=WithdrawInputSerializer, responses={200: ExamApplicationDetailSerializer, 409: ERROR})
    def post(self, request, pk: int):
        if not _is_student(request.user):
            raise NotFound
        application = _visible_application(request, pk)
        data = self.WithdrawInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.exam_application_withdraw(
            application=application, user=request.user, expected_version=data.validated_data["version"]
        )
        return Response(ExamApplicationDetailSerializer(_visible_application(request, pk)).data)


class ExamApplicationDecisionApi(PortalApiView):
    """The school that teaches the course approves or rejects (a rejection needs a reason the student reads)."""

    class DecisionInputSerializer(serializers.Serializer):
        approve = serializers.BooleanField()
        reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
        version = serializers.IntegerField()

    @extend_schema(request=DecisionInputSerializer, responses={200: ExamApplicationDetailSerializer, 409: ERROR})
    def post(self, request, pk: int):
        if _is_student(request.user):
            raise NotFound
        if not permissions.can_view_records(request.user):
            raise PermissionDenied
        application = _visible_application(request, pk)
        if not permissions.can_enter_results(request.user, application.enrolment.offering):
            raise PermissionDenied(_("Only the school that teaches this course decides on its examinations."))
        data = self.DecisionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        try:
            if values["approve"]:
                services.exam_application_approve(
                    application=application,
                    actor=request.user,
                    reason=values["reason"],
                    expected_version=values["version"],
                    request=request,
                )
            else:
                services.exam_application_reject(
                    application=application,
                    actor=request.user,
                    reason=values["reason"],
                    expected_version=values["version"],
                    request=request,
                )
        except DjangoPermissionDenied:
            raise PermissionDenied from None
        return Response(ExamApplicationDetailSerializer(_visible_application(request, pk)).data)
