"""The leaving-school API: the student's own checklist and Leaving School Form, and an office's sign-off.

The same access decisions as the pages: a student reaches only their own clearance; an office signs only its own
item (403 otherwise, 404 outside its scope); the form is refused with the reason until every item is done (409).
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from portal.api import DocumentOutputSerializer, PortalApiView
from registration import selectors_leaving, services
from registration.api.common import CONFLICT, Conflict, is_student
from registration.permissions import can_sign_clearance_item, can_use_clearance_queue


class ClearanceSignOffSerializer(serializers.Serializer):
    how = serializers.CharField()
    note = serializers.CharField()
    at = serializers.DateTimeField()
    by = serializers.SerializerMethodField()

    def get_by(self, sign_off) -> str:
        return (sign_off.by.get_full_name() or sign_off.by.username) if sign_off.by else ""


class ClearanceItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField(help_text="fees, library, property, dormitory_keys, school or residence_permit.")
    label = serializers.CharField(source="get_kind_display")
    done = serializers.BooleanField(source="is_done")
    done_at = serializers.DateTimeField(allow_null=True)
    done_how = serializers.CharField()
    needs = serializers.CharField()
    owed = serializers.DecimalField(max_digits=10, decimal_places=2)
    books_out = serializers.IntegerField()
    version = serializers.IntegerField()
    sign_offs = ClearanceSignOffSerializer(many=True, source="sign_offs.all")


class ClearanceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    student_id = serializers.CharField(source="student.student_id")
    reason = serializers.CharField()
    effective_on = serializers.DateField()
    move_out_by = serializers.DateField()
    complete = serializers.BooleanField(source="is_complete")
    completed_at = serializers.DateTimeField(allow_null=True)
    items = ClearanceItemSerializer(many=True, source="items.all")


def _own_clearance(request):
    if not is_student(request.user):
        raise exceptions.NotFound()
    clearance = selectors_leaving.clearance_of_student(user=request.user)
    if clearance is None:
        raise exceptions.NotFound(_("You have no leaving-school procedure."))
    return clearance


class ClearanceMineApi(PortalApiView):
    """The student's own leaving-school checklist with every sign-off."""

    @extend_schema(responses=ClearanceSerializer)
    def get(self, request):
        return Response(ClearanceSerializer(_own_clearance(request)).data)


class LeavingFormApi(PortalApiView):
    """Ask for the Leaving School Form; 409 with the reason until every item is done (LEAVING 3)."""

    @extend_schema(request=None, responses={202: DocumentOutputSerializer, 409: CONFLICT})
    def post(self, request):
        clearance = _own_clearance(request)
        refusal = services.leaving_form_refusal(clearance)
        if refusal:
            raise Conflict(refusal)
        try:
            document = services.leaving_form_request(
                clearance=clearance,
                user=request.user,
                verify_base=request.build_absolute_uri("/"),
                language=get_language(),
            )
        except ValidationError as exc:
            raise Conflict(" ".join(exc.messages)) from None
        return Response(DocumentOutputSerializer(document).data, status=status.HTTP_202_ACCEPTED)


class ClearanceItemSignApi(PortalApiView):
    """An office signs off its own item of a clearance (403 for another office's item)."""

    class InputSerializer(serializers.Serializer):
        note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
        version = serializers.IntegerField(required=False)

    @extend_schema(request=InputSerializer, responses={200: ClearanceItemSerializer, 409: CONFLICT})
    def post(self, request, pk: int):
        if is_student(request.user):
            raise exceptions.NotFound()
        if not can_use_clearance_queue(request.user):
            raise exceptions.PermissionDenied(_("Your office signs no leaving-school item."))
        item = selectors_leaving.clearance_item_get(user=request.user, pk=pk)
        if item is None:
            raise exceptions.NotFound()
        if not can_sign_clearance_item(request.user, item):
            raise exceptions.PermissionDenied(_("Only the office responsible for this item can sign it off."))
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            item = services.clearance_item_sign(
                item=item,
                user=request.user,
                note=data.validated_data.get("note", ""),
                version=data.validated_data.get("version"),
                request=request,
            )
        except DjangoPermissionDenied:
            raise exceptions.PermissionDenied() from None
        item = selectors_leaving.clearance_item_get(user=request.user, pk=pk)
        return Response(ClearanceItemSerializer(item).data)
