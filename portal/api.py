"""The REST API of the shared kernel: one thin view per operation, explicit serializers, one error shape.

Every object lookup goes through the same visibility querysets as the pages (404 outside your scope); review
fields are never writable through a serializer: decisions go through their own endpoint and service.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.defaults import page_not_found
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from portal import permissions, selectors, services
from portal.api_permissions import IsStaffMember, PasswordChanged, SecondFactorForStaff
from portal.models import EvidenceKind, GeneratedDocument, Student
from portal.models.people import STUDENT_RECORD_FIELDS
from portal.uploads import clean_evidence_file
from portal.views.evidence import evidence_file_response


def exception_handler(exc, context):
    """One error shape for the whole API: {"message": ..., "extra": {...}}."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, services.ConflictError):
        return Response({"message": str(exc), "extra": {"code": "conflict"}}, status=status.HTTP_409_CONFLICT)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(data, dict) and set(data) == {"detail"}:
        response.data = {"message": str(data["detail"]), "extra": {"code": getattr(data["detail"], "code", "")}}
    else:
        response.data = {"message": _("The request has errors."), "extra": {"fields": data}}
    return response


def not_found(request, exception=None):
    """handler404: an address under /api/ that matches no route (say /api/evidence/-1/) answers in the error shape."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"message": str(exceptions.NotFound.default_detail), "extra": {"code": "not_found"}}, status=404
        )
    return page_not_found(request, exception)


class ErrorSerializer(serializers.Serializer):
    """The one error shape, as the schema documents it."""

    message = serializers.CharField()
    extra = serializers.DictField()


ERROR = OpenApiResponse(ErrorSerializer, description="The request was refused; `message` says why.")


class PortalAutoSchema(AutoSchema):
    """Documents the refusals every portal operation can answer with, so clients (and the fuzz tests) expect them."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        # 400: invalid input, or a NUL character anywhere in the address (portal.middleware). 403: not signed in
        # (session authentication comes first, so DRF answers 403, not 401), the initial password not yet changed,
        # or staff without a second factor. 404: outside your scope, or a page past the end of a list. 413: a body
        # past MAX_REQUEST_BYTES (portal.middleware). 429: throttled.
        codes = ["400", "403", "404", "429"]
        if self.method in ("POST", "PUT", "PATCH"):
            codes.append("413")
        for code in codes:
            if code not in responses:
                responses[code] = self._get_response_for_code(ERROR, code, direction=direction)
        return responses


class PortalApiView(APIView):
    permission_classes = [IsAuthenticated, PasswordChanged, SecondFactorForStaff]
    schema = PortalAutoSchema()


class Pagination(PageNumberPagination):
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"


def paginated(view: APIView, request, queryset, serializer_class, context=None):
    paginator = view.pagination_class()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True, context=context or {}).data)


class MeApi(PortalApiView):
    class OutputSerializer(serializers.Serializer):
        username = serializers.CharField()
        role = serializers.CharField()
        language = serializers.CharField()
        student_id = serializers.CharField(source="student.student_id", default=None, allow_null=True)

    @extend_schema(responses=OutputSerializer)
    def get(self, request):
        return Response(self.OutputSerializer(request.user).data)


class StudentOutputSerializer(serializers.ModelSerializer):
    school = serializers.CharField(source="school.code")
    passport_number = serializers.SerializerMethodField()
    email = serializers.EmailField(source="user.email")

    class Meta:
        model = Student
        fields = [*STUDENT_RECORD_FIELDS, "status"]
        read_only_fields = fields

    def get_passport_number(self, obj) -> str:
        return permissions.identity_number_for(self.context["request"].user, obj.passport_number)


class StudentListApi(PortalApiView):
    # Named here (not only used by paginated()) so the schema documents the page envelope and its parameters.
    pagination_class = Pagination

    @extend_schema(
        parameters=[OpenApiParameter("q", str, description="Search by student ID or name.")],
        responses=StudentOutputSerializer(many=True),
    )
    def get(self, request):
        students = selectors.student_list(user=request.user, search=request.query_params.get("q", "")[:100])
        return paginated(self, request, students, StudentOutputSerializer, {"request": request})


class StudentDetailApi(PortalApiView):
    @extend_schema(responses=StudentOutputSerializer)
    def get(self, request, student_id: str):
        student = selectors.student_get(user=request.user, student_id=student_id)
        if student is None:
            raise exceptions.NotFound()
        return Response(StudentOutputSerializer(student, context={"request": request}).data)


class EvidenceOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    student_id = serializers.CharField(source="student.student_id")
    kind = serializers.CharField()
    original_name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    uploaded_at = serializers.DateTimeField()
    state = serializers.CharField()
    reason = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)
    previous_id = serializers.IntegerField(allow_null=True)


class EvidenceListApi(PortalApiView):
    parser_classes = [MultiPartParser]
    pagination_class = Pagination

    class EvidenceSubmitSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=EvidenceKind.choices)
        file = serializers.FileField()
        student_id = serializers.CharField(required=False, help_text="Staff uploading on a student's behalf.")
        previous_id = serializers.IntegerField(required=False, help_text="The rejected document this one replaces.")

        def validate_file(self, upload):
            try:
                upload.portal_clean = clean_evidence_file(upload)
            except DjangoValidationError as exc:
                raise serializers.ValidationError(exc.messages)
            return upload

    @extend_schema(
        parameters=[OpenApiParameter("state", str, description="Only documents in this review state.")],
        responses=EvidenceOutputSerializer(many=True),
    )
    def get(self, request):
        evidence = selectors.evidence_list(user=request.user).order_by("-uploaded_at")
        state = request.query_params.get("state")
        if state:
            evidence = evidence.filter(state=state)
        return paginated(self, request, evidence, EvidenceOutputSerializer)

    @extend_schema(request=EvidenceSubmitSerializer, responses={201: EvidenceOutputSerializer, 409: ERROR})
    def post(self, request):
        data = self.EvidenceSubmitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if "student_id" in values:
            student = selectors.student_get(user=request.user, student_id=values["student_id"])
        else:
            student = getattr(request.user, "student", None)
        if student is None:
            raise exceptions.NotFound(_("No such student."))
        previous = None
        if "previous_id" in values:
            previous = selectors.evidence_get(user=request.user, pk=values["previous_id"])
            if previous is None:
                raise exceptions.NotFound(_("No such document."))
        try:
            evidence = services.evidence_submit(
                student=student, kind=values["kind"], upload=values["file"], uploaded_by=request.user, previous=previous
            )
        except DjangoPermissionDenied as exc:
            raise exceptions.PermissionDenied(str(exc))
        return Response(EvidenceOutputSerializer(evidence).data, status=status.HTTP_201_CREATED)


class EvidenceDetailApi(PortalApiView):
    @extend_schema(responses=EvidenceOutputSerializer)
    def get(self, request, pk: int):
        evidence = selectors.evidence_get(user=request.user, pk=pk)
        if evidence is None:
            raise exceptions.NotFound()
        return Response(EvidenceOutputSerializer(evidence).data)


class EvidenceFileApi(PortalApiView):
    # The stored type, checked from the content at upload (portal.uploads allows these three only).
    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            (200, "image/jpeg"): OpenApiTypes.BINARY,
            (200, "image/png"): OpenApiTypes.BINARY,
        }
    )
    def get(self, request, pk: int):
        evidence = selectors.evidence_get(user=request.user, pk=pk)
        if evidence is None:
            raise exceptions.NotFound()
        try:
            response = evidence_file_response(evidence)
        except Http404:
            raise exceptions.NotFound()
        services.evidence_file_read(evidence=evidence, reader=request.user, request=request)
        return response


class EvidenceDecisionApi(PortalApiView):
    permission_classes = [IsAuthenticated, PasswordChanged, SecondFactorForStaff, IsStaffMember]

    class EvidenceDecisionSerializer(serializers.Serializer):
        decision = serializers.ChoiceField(choices=["approve", "reject"])
        reason = serializers.CharField(required=False, allow_blank=True, max_length=1000)

    @extend_schema(request=EvidenceDecisionSerializer, responses={200: EvidenceOutputSerializer, 409: ERROR})
    def post(self, request, pk: int):
        evidence = selectors.evidence_get(user=request.user, pk=pk)
        if evidence is None:
            raise exceptions.NotFound()
        data = self.EvidenceDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            if data.validated_data["decision"] == "approve":
                evidence = services.evidence_approve(evidence=evidence, reviewer=request.user)
            else:
                evidence = services.evidence_reject(
                    evidence=evidence, reviewer=request.user, reason=data.validated_data.get("reason", "")
                )
        except DjangoPermissionDenied as exc:
            raise exceptions.PermissionDenied(str(exc))
        return Response(EvidenceOutputSerializer(evidence).data)


class NotificationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    subject = serializers.CharField()
    body = serializers.CharField()
    url = serializers.CharField()
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)


class NotificationListApi(PortalApiView):
    pagination_class = Pagination

    @extend_schema(responses=NotificationOutputSerializer(many=True))
    def get(self, request):
        return paginated(self, request, request.user.notifications.all(), NotificationOutputSerializer)


class NotificationReadApi(PortalApiView):
    @extend_schema(request=None, responses=NotificationOutputSerializer)
    def post(self, request, pk: int):
        notification = request.user.notifications.filter(pk=pk).first()
        if notification is None:
            raise exceptions.NotFound()
        return Response(NotificationOutputSerializer(services.notification_mark_read(notification=notification)).data)


class DocumentOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    title = serializers.CharField()
    status = serializers.CharField()
    done_items = serializers.IntegerField()
    total_items = serializers.IntegerField()
    progress_percent = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)


class DocumentListApi(PortalApiView):
    pagination_class = Pagination

    @extend_schema(responses=DocumentOutputSerializer(many=True))
    def get(self, request):
        return paginated(self, request, GeneratedDocument.objects.visible_to(request.user), DocumentOutputSerializer)


class EnrolmentCertificateApi(PortalApiView):
    @extend_schema(request=None, responses={202: DocumentOutputSerializer})
    def post(self, request):
        student = getattr(request.user, "student", None)
        if student is None or not request.user.is_student:
            raise exceptions.NotFound()
        document = services.enrolment_certificate_request(user=request.user, language=get_language())
        return Response(DocumentOutputSerializer(document).data, status=status.HTTP_202_ACCEPTED)


class DocumentDetailApi(PortalApiView):
    @extend_schema(responses=DocumentOutputSerializer)
    def get(self, request, pk: int):
        document = GeneratedDocument.objects.visible_to(request.user).filter(pk=pk).first()
        if document is None:
            raise exceptions.NotFound()
        return Response(DocumentOutputSerializer(document).data)
