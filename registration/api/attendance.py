"""The attendance API: absences a school records (staff: the students they can see; a student: their own, read-only),
with the term's standing under the rules, and the withdrawal of a mistaken record.

Same access decisions as the pages: a student never reaches another student's records (404), staff record only for
students of their school (404 outside it), a student cannot record (403).
"""

from django.db.models import Q
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from portal.api import PortalApiView
from portal.models import Student
from registration import services
from registration.api.common import CONFLICT, is_student
from registration.models import Absence
from registration.permissions import can_record_attendance, can_view_status_work

PAGE_SIZE = 200


class AbsenceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    student_id = serializers.CharField(source="student.student_id")
    first_day = serializers.DateField()
    last_day = serializers.DateField()
    note = serializers.CharField()
    recorded_at = serializers.DateTimeField()
    withdrawn_at = serializers.DateTimeField(allow_null=True)
    withdrawn_reason = serializers.CharField()


class StandingSerializer(serializers.Serializer):
    term = serializers.CharField(allow_null=True)
    days_absent = serializers.IntegerField()
    longest_without_leave = serializers.IntegerField()
    flags = serializers.ListField(
        child=serializers.CharField(), help_text="absent_without_leave and/or must_apply_for_suspension."
    )


def _standing(student: Student) -> dict:
    term = services.attendance_term(timezone.localdate())
    attendance = services.attendance_of(students=[student], term=term).get(student.pk) if term else None
    if attendance is None:
        return {"term": term.code if term else None, "days_absent": 0, "longest_without_leave": 0, "flags": []}
    standing = attendance.standing
    return {
        "term": term.code,
        "days_absent": standing.days_absent,
        "longest_without_leave": standing.longest_without_leave,
        "flags": [flag.value for flag in standing.flags],
    }


class AbsenceListApi(PortalApiView):
    """GET: absences (a student: their own; staff: ?student=ID for one student, else the most recent 200 they can
    see). POST (staff): record an absence."""

    class AbsenceRecordInputSerializer(serializers.Serializer):
        student_id = serializers.CharField(max_length=20)
        first_day = serializers.DateField()
        last_day = serializers.DateField()
        note = serializers.CharField(max_length=500, required=False, allow_blank=True)

    class AttendanceOutputSerializer(serializers.Serializer):
        standing = StandingSerializer(allow_null=True)
        absences = AbsenceSerializer(many=True)

    def _staff_scope(self, request):
        if not can_view_status_work(request.user):
            raise exceptions.PermissionDenied()
        return Student.objects.visible_to(request.user)

    @extend_schema(responses=AttendanceOutputSerializer)
    def get(self, request):
        if is_student(request.user):
            student = request.user.student
            absences = Absence.objects.filter(student=student)
            standing = _standing(student)
        else:
            students = self._staff_scope(request)
            wanted = request.query_params.get("student", "").strip()
            standing = None
            if wanted:
                student = students.filter(student_id=wanted).first()
                if student is None:
                    raise exceptions.NotFound()
                students = students.filter(pk=student.pk)
                standing = _standing(student)
            absences = Absence.objects.filter(student__in=students)
        absences = absences.select_related("student").order_by("-first_day", "-pk")[:PAGE_SIZE]
        return Response({"standing": standing, "absences": AbsenceSerializer(absences, many=True).data})

    @extend_schema(request=AbsenceRecordInputSerializer, responses={201: AbsenceSerializer, 409: CONFLICT})
    def post(self, request):
        if is_student(request.user):
            raise exceptions.PermissionDenied()
        students = self._staff_scope(request)
        data = self.AbsenceRecordInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        student = students.filter(Q(student_id=values["student_id"].strip())).first()
        if student is None or not can_record_attendance(request.user, student):
            raise exceptions.NotFound()
        absence = services.absence_record(
            student=student,
            user=request.user,
            first_day=values["first_day"],
            last_day=values["last_day"],
            note=values.get("note", ""),
        )
        return Response(AbsenceSerializer(absence).data, status=status.HTTP_201_CREATED)


class AbsenceWithdrawApi(PortalApiView):
    """Staff withdraw a mistaken record with a reason (it stays in the history)."""

    class AbsenceWithdrawInputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=500)

    @extend_schema(request=AbsenceWithdrawInputSerializer, responses={200: AbsenceSerializer, 409: CONFLICT})
    def post(self, request, pk: int):
        if is_student(request.user):
            raise exceptions.NotFound()
        if not can_view_status_work(request.user):
            raise exceptions.PermissionDenied()
        absence = (
            Absence.objects.filter(pk=pk, student__in=Student.objects.visible_to(request.user))
            .select_related("student")
            .first()
        )
        if absence is None or not can_record_attendance(request.user, absence.student):
            raise exceptions.NotFound()
        data = self.AbsenceWithdrawInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        absence = services.absence_withdraw(absence=absence, user=request.user, reason=data.validated_data["reason"])
        return Response(AbsenceSerializer(absence).data)
