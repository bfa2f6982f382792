"""Root URLs. Every route here is listed in the authorisation matrix test (tests/portal/test_access_matrix.py)."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from portal.views import audit, documents, evidence, health, home, imports, inbox, privacy, staff

# Pages answer a missing address with the usual page; the API with its one error shape.
handler404 = "portal.api.not_found"

# The admin logs in through allauth, so the same throttling and forced password change apply there too.
admin.site.login = home.admin_login

urlpatterns = [
    path("", home.home, name="home"),
    path("i18n/setlang/", home.language_switch, name="set_language"),
    path("accounts/", include("portal.account_urls")),
    path("health/", health.health, name="health"),
    # Students
    path("student/", home.student_home, name="student_home"),
    path("student/documents/", evidence.my_documents, name="my_documents"),
    path("student/documents/<int:pk>/replace/", evidence.evidence_replace, name="evidence_replace"),
    path("student/privacy/", privacy.my_privacy, name="my_privacy"),
    path("student/privacy/export/", privacy.my_data_export, name="my_data_export"),
    path("inbox/", inbox.inbox, name="inbox"),
    path("inbox/<int:pk>/", inbox.notification_detail, name="notification_detail"),
    # Files: served only through these permission-checking views
    path("evidence/<int:pk>/file/", evidence.evidence_file, name="evidence_file"),
    path("evidence/<int:pk>/preview/", evidence.evidence_preview, name="evidence_preview"),
    # Generated documents (letters, batches)
    path("documents/", documents.document_list, name="document_list"),
    path("documents/enrolment-certificate/", documents.enrolment_certificate_request, name="enrolment_certificate"),
    path("documents/<int:pk>/", documents.document_detail, name="document_detail"),
    path("documents/<int:pk>/status/", documents.document_status, name="document_status"),
    path("documents/<int:pk>/download/", documents.document_download, name="document_download"),
    # Staff
    path("staff/", staff.staff_home, name="staff_home"),
    path("staff/students/", staff.student_list, name="staff_student_list"),
    path("staff/students/<str:student_id>/", staff.student_detail, name="staff_student_detail"),
    path(
        "staff/students/<str:student_id>/reissue/",
        staff.student_reissue_first_login,
        name="staff_student_reissue",
    ),
    path("staff/audit/", audit.audit_trail, name="audit_trail"),
    path("staff/review/", staff.review_queue, name="review_queue"),
    path("staff/review/<int:pk>/", staff.review_evidence, name="review_evidence"),
    path("staff/import/", imports.student_import, name="student_import"),
    path("staff/print/", documents.batch_print, name="batch_print"),
    # Semester registration
    path("", include("registration.urls")),
    # Fees
    path("", include("fees.urls")),
    # Residence permit, visa, passport and insurance
    path("", include("residence.urls")),
    # Academics: results, GPA, transcripts
    path("", include("academics.urls")),
    # API
    path("api/", include("portal.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api_schema"), name="api_docs"),
    path("admin/", admin.site.urls),
]
