"""The REST API of the shared kernel: one thin view per operation, explicit serializers, one error shape."""

from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(data, dict) and "detail" in data and len(data) == 1:
        body = {"message": str(data["detail"]), "extra": {}}
    else:
        body = {"message": "Validation error", "extra": {"fields": data}}
    response.data = body
    return response


class MeApi(APIView):
    class OutputSerializer(serializers.Serializer):
        username = serializers.CharField()
        role = serializers.CharField()

    def get(self, request):
        return Response(self.OutputSerializer(request.user).data)
