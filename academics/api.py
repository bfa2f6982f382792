"""The academics API: results and GPA (a student their own, read-only; school staff their school; the office all)
and transcript requests; progress and graduation checks, and decisions on academic warnings (staff of the student's
school). Thin views over academics.selectors and academics.services, in portal.api's conventions.
"""

from datetime import date

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from academics import permissions, selectors, services
from academics.models import (
    DecisionOutcome,
    DeferralReasonChoice,
    Enrolment,
    ExamApplicationKind,
    FlagKind,
    Offering,
    Result,
)
from portal.api import ERROR, Pagination, PortalApiView, paginated
from portal.models import School


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
    kind = serializers.CharField(help_text="deferral, drop or makeup.")
    deferral_reason = serializers.CharField(
        help_text="hospitalisation, family_force_majeure or representing_university; empty for a drop or a makeup."
    )
    makeup_offering_id = serializers.IntegerField(
        allow_null=True, help_text="A makeup: the later offering of the course where it is sat; null otherwise."
    )
    statement = serializers.CharField()
    has_proof = serializers.SerializerMethodField()
    proof_id = serializers.IntegerField(
        allow_null=True,
        help_text="The proof's evidence id: its file is at /api/evidence/{id}/file/ for the student and the "
        "student's school (the teaching school of another school's student gets 404 there).",
    )
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
    """A student's own applications, or for staff those of their school's students (which they decide) and of the
    offerings they teach (read-only); POST applies
    (students; multipart when a proof is attached). Assessment 21-23; Academic Rules 16."""

    pagination_class = Pagination
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    class ExamApplyInputSerializer(serializers.Serializer):
        enrolment_id = serializers.IntegerField(
            help_text="The enrolment (course and semester) whose exam it is; for a makeup, the one with the result."
        )
        kind = serializers.ChoiceField(choices=ExamApplicationKind.choices)
        makeup_offering_id = serializers.IntegerField(
            required=False,
            allow_null=True,
            default=None,
            help_text="A makeup: a later offering of the same course whose examination is still to come.",
        )
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

    @extend_schema(request=ExamApplyInputSerializer, responses={201: ExamApplicationOutputSerializer, 409: ERROR})
    def post(self, request):
        if not _is_student(request.user):
            raise NotFound
        data = self.ExamApplyInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        enrolment = (
            Enrolment.objects.filter(student=request.user.student, pk=values["enrolment_id"])
            .select_related("student", "offering__course", "offering__semester")
            .first()
        )
        if enrolment is None:
            raise NotFound
        # Only an offering the service accepts for this result is used (same course, later, still to come), so
        # an id outside that set gets the same field error as a missing one, never a sign that it exists.
        makeup_offering = (
            Offering.objects.filter(pk=values["makeup_offering_id"]).select_related("course", "semester").first()
            if values["makeup_offering_id"]
            else None
        )
        try:
            application = services.exam_application_submit(
                enrolment=enrolment,
                user=request.user,
                kind=values["kind"],
                deferral_reason=values["deferral_reason"],
                statement=values["statement"],
                proof=values.get("proof"),
                makeup_offering=makeup_offering,
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

    class ExamApplicationWithdrawInputSerializer(serializers.Serializer):
        version = serializers.IntegerField(required=False, allow_null=True, default=None)

    @extend_schema(
        request=ExamApplicationWithdrawInputSerializer, responses={200: ExamApplicationDetailSerializer, 409: ERROR}
    )
    def post(self, request, pk: int):
        if not _is_student(request.user):
            raise NotFound
        application = _visible_application(request, pk)
        data = self.ExamApplicationWithdrawInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.exam_application_withdraw(
            application=application, user=request.user, expected_version=data.validated_data["version"]
        )
        return Response(ExamApplicationDetailSerializer(_visible_application(request, pk)).data)


class ExamApplicationDecisionApi(PortalApiView):
    """The student's school approves or rejects (a rejection needs a reason the student reads); the school that teaches
    the course, when another, reads the application but does not decide (403)."""

    class ExamApplicationDecisionInputSerializer(serializers.Serializer):
        approve = serializers.BooleanField()
        reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
        version = serializers.IntegerField()

    @extend_schema(
        request=ExamApplicationDecisionInputSerializer, responses={200: ExamApplicationDetailSerializer, 409: ERROR}
    )
    def post(self, request, pk: int):
        if _is_student(request.user):
            raise NotFound
        if not permissions.can_view_records(request.user):
            raise PermissionDenied
        application = _visible_application(request, pk)
        if not permissions.can_decide_exam_application(request.user, application.enrolment.student):
            raise PermissionDenied(_("Only the student's school decides on their examination applications."))
        data = self.ExamApplicationDecisionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        try:
            services.exam_application_decide(
                application=application,
                approve=values["approve"],
                actor=request.user,
                reason=values["reason"],
                expected_version=values["version"],
                request=request,
            )
        except DjangoPermissionDenied:
            raise PermissionDenied from None
        return Response(ExamApplicationDetailSerializer(_visible_application(request, pk)).data)


# --- Progress, graduation check and academic warnings (Academic Rules 15, 35-41; Supplementary 32) ---------------


class AcademicDecisionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    student_id = serializers.CharField(source="student.student_id")
    flag = serializers.CharField(source="kind", help_text="The flag decided on: " + ", ".join(FlagKind.values) + ".")
    flag_label = serializers.CharField(source="get_kind_display")
    period = serializers.CharField(help_text="The academic year, long semester or last day of study it concerns.")
    decision = serializers.CharField(source="outcome", help_text=", ".join(DecisionOutcome.values) + ".")
    reason = serializers.CharField()
    earned = serializers.DecimalField(max_digits=6, decimal_places=1, allow_null=True)
    required = serializers.DecimalField(max_digits=6, decimal_places=1, allow_null=True)
    decided_by = serializers.CharField(source="decided_by.get_username")
    decided_at = serializers.DateTimeField()


class ProgressFlagSerializer(serializers.Serializer):
    student_id = serializers.CharField(source="student.student_id")
    flag = serializers.CharField(source="flag.kind")
    flag_label = serializers.CharField(source="label")
    period = serializers.CharField(source="flag.period")
    earned = serializers.DecimalField(source="flag.earned", max_digits=7, decimal_places=2, allow_null=True)
    required = serializers.DecimalField(source="flag.required", max_digits=7, decimal_places=2, allow_null=True)
    decision = AcademicDecisionOutputSerializer(allow_null=True, help_text="Null while the flag waits for a decision.")


class LongSemesterCreditsSerializer(serializers.Serializer):
    semester = serializers.CharField(source="semester.code", help_text="2025-2026-1: autumn/winter; -2 spring/summer.")
    credits = serializers.DecimalField(max_digits=6, decimal_places=1)
    complete = serializers.BooleanField(help_text="Every term of it has ended.")
    graduating = serializers.BooleanField(help_text="In the graduating year: left out of Supplementary 32.")
    counted = serializers.BooleanField()
    below_minimum = serializers.BooleanField()


class YearCreditsSerializer(serializers.Serializer):
    year = serializers.IntegerField(help_text="Year of study, 1 for the year of enrolment.")
    academic_year = serializers.CharField(source="label")
    credits = serializers.DecimalField(max_digits=6, decimal_places=1)
    cumulative = serializers.DecimalField(max_digits=6, decimal_places=1)
    complete = serializers.BooleanField()
    below_minimum = serializers.BooleanField()


class ProgrammeRequirementSerializer(serializers.Serializer):
    programme = serializers.CharField()
    graduation_credits = serializers.DecimalField(max_digits=5, decimal_places=1)
    normal_length_years = serializers.IntegerField()
    yearly_minimum = serializers.DecimalField(max_digits=4, decimal_places=1)


class GraduationCheckSerializer(serializers.Serializer):
    certificate = serializers.CharField(source="outcome", help_text="graduation, completion or not_yet.")
    credits_missing = serializers.DecimalField(max_digits=6, decimal_places=1)


class CreditRuleStandingSerializer(serializers.Serializer):
    below = serializers.DecimalField(source="rule.below", max_digits=4, decimal_places=1)
    short_semesters = serializers.IntegerField()
    longest_run = serializers.IntegerField()
    must_quit = serializers.BooleanField()
    next_short_semester_quits = serializers.BooleanField()


class ProgressOutputSerializer(serializers.Serializer):
    student_id = serializers.CharField(source="student.student_id")
    requirement = ProgrammeRequirementSerializer(allow_null=True, help_text="Null until the programme's is set.")
    credits_earned = serializers.DecimalField(source="record.credits_earned", max_digits=6, decimal_places=1)
    graduation = GraduationCheckSerializer(allow_null=True)
    longest_study_ends_on = serializers.DateField(source="progress.longest_study_ends_on", allow_null=True)
    long_semesters = LongSemesterCreditsSerializer(source="progress.long_semesters", many=True)
    years = YearCreditsSerializer(source="progress.years", many=True)
    supplementary_32 = CreditRuleStandingSerializer(source="progress.shortfalls")
    quit_flags = serializers.ListField(source="progress.quit_flags", child=serializers.CharField())
    flags = serializers.SerializerMethodField(help_text="Staff: the flags and their decisions. Students: empty.")
    warnings = AcademicDecisionOutputSerializer(many=True, help_text="The academic warnings issued to the student.")

    @extend_schema_field(ProgressFlagSerializer(many=True))
    def get_flags(self, progress) -> list:
        if not self.context.get("staff"):
            return []
        return ProgressFlagSerializer(progress.flags, many=True).data


def _viewable_student(request, student_id: str):
    student = selectors.student_get(user=request.user, student_id=student_id)
    if student is None:
        raise NotFound
    return student


class StudentProgressApi(PortalApiView):
    """Credits per long semester and per year against the thresholds, the Supplementary 32 standing and the
    graduation check; a student their own, staff their school's students (Academic Rules 15, 35-41)."""

    @extend_schema(responses=ProgressOutputSerializer)
    def get(self, request, student_id: str):
        student = _viewable_student(request, student_id)
        progress = selectors.student_progress(student=student, today=timezone.localdate())
        context = {"staff": not _is_student(request.user)}
        return Response(ProgressOutputSerializer(progress, context=context).data)


class StudentAcademicWarningListApi(PortalApiView):
    """The decisions on a student's flags: a student reads the academic warnings issued to them, staff every one."""

    pagination_class = Pagination

    @extend_schema(responses=AcademicDecisionOutputSerializer(many=True))
    def get(self, request, student_id: str):
        student = _viewable_student(request, student_id)
        decisions = selectors.academic_decisions_of(user=request.user, student=student)
        return paginated(self, request, decisions, AcademicDecisionOutputSerializer)


class AcademicWarningDetailApi(PortalApiView):
    @extend_schema(responses=AcademicDecisionOutputSerializer)
    def get(self, request, pk: int):
        decision = selectors.academic_decision_get(user=request.user, pk=pk)
        if decision is None:
            raise NotFound
        return Response(AcademicDecisionOutputSerializer(decision).data)


class AcademicFlagListApi(PortalApiView):
    """Staff: the students the progress rules flag, with the decision taken on each flag (waiting ones first)."""

    pagination_class = Pagination

    @extend_schema(
        parameters=[
            OpenApiParameter("school", str, description="A school's code: only its students."),
            OpenApiParameter("show", str, description="all: the decided flags too (default: waiting ones only)."),
        ],
        responses=ProgressFlagSerializer(many=True),
    )
    def get(self, request):
        if _is_student(request.user):
            raise NotFound
        if not permissions.can_view_records(request.user):
            raise PermissionDenied
        school_id = None
        code = request.query_params.get("school", "")[:50]
        if code:
            school_id = School.objects.filter(code=code).values_list("pk", flat=True).first()
            if school_id is None:
                raise NotFound(_("No school with this code."))
        rows = selectors.academic_flags(
            user=request.user,
            today=timezone.localdate(),
            school_id=school_id,
            undecided_only=request.query_params.get("show") != "all",
        )
        return paginated(self, request, rows, ProgressFlagSerializer)


class AcademicDecisionCreateApi(PortalApiView):
    """Staff decide on a flag the rules raise now: an academic warning (the student is told), a referral to the
    office for an ordered-to-quit decision, or no action; always with a reason. 409 when it is already decided."""

    class AcademicDecisionInputSerializer(serializers.Serializer):
        student_id = serializers.CharField(max_length=20)
        flag = serializers.CharField(max_length=30, help_text=", ".join(FlagKind.values) + ".")
        period = serializers.CharField(max_length=20, help_text="As the flag list gives it.")
        decision = serializers.CharField(max_length=20, help_text=", ".join(DecisionOutcome.values) + ".")
        reason = serializers.CharField(max_length=2000)

    @extend_schema(
        request=AcademicDecisionInputSerializer, responses={201: AcademicDecisionOutputSerializer, 409: ERROR}
    )
    def post(self, request):
        if _is_student(request.user):
            raise NotFound
        if not permissions.can_view_records(request.user):
            raise PermissionDenied
        data = self.AcademicDecisionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        student = _viewable_student(request, values["student_id"])
        try:
            decision = services.academic_decision_record(
                student=student,
                kind=values["flag"],
                period=values["period"],
                outcome=values["decision"],
                reason=values["reason"],
                actor=request.user,
                request=request,
            )
        except DjangoPermissionDenied:
            raise PermissionDenied from None
        except ValidationError as exc:
            # The service names its fields as the page does; the API's own names are "flag" and "decision".
            if not hasattr(exc, "error_dict"):
                raise
            renamed = {"outcome": "decision", "kind": "flag"}
            raise ValidationError(
                {renamed.get(name, name): errors for name, errors in exc.error_dict.items()}
            ) from None
        return Response(AcademicDecisionOutputSerializer(decision).data, status=status.HTTP_201_CREATED)
