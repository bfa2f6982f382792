from django.urls import path

from portal import api

urlpatterns = [
    path("me/", api.MeApi.as_view(), name="api_me"),
]
