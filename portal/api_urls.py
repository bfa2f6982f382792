from django.urls import path

from portal import api

urlpatterns = [
    path("me/", api.MeApi.as_view(), name="api_me"),
    path("students/", api.StudentListApi.as_view(), name="api_student_list"),
    path("students/<str:student_id>/", api.StudentDetailApi.as_view(), name="api_student_detail"),
    path("evidence/", api.EvidenceListApi.as_view(), name="api_evidence_list"),
    path("evidence/<int:pk>/", api.EvidenceDetailApi.as_view(), name="api_evidence_detail"),
    path("evidence/<int:pk>/file/", api.EvidenceFileApi.as_view(), name="api_evidence_file"),
    path("evidence/<int:pk>/decision/", api.EvidenceDecisionApi.as_view(), name="api_evidence_decision"),
    path("notifications/", api.NotificationListApi.as_view(), name="api_notification_list"),
    path("notifications/<int:pk>/read/", api.NotificationReadApi.as_view(), name="api_notification_read"),
    path("documents/", api.DocumentListApi.as_view(), name="api_document_list"),
    path("documents/enrolment-certificate/", api.EnrolmentCertificateApi.as_view(), name="api_enrolment_certificate"),
    path("documents/<int:pk>/", api.DocumentDetailApi.as_view(), name="api_document_detail"),
]
