from django.urls import path

from academics import api as academics_api
from fees import api as fees_api
from portal import api
from registration import api as registration_api
from residence import api as residence_api

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
    # Semester registration: the student's own form, then the office's review.
    path("registration/", registration_api.RegistrationCurrentApi.as_view(), name="api_registration_current"),
    *[
        path(f"registration/steps/{step}/", view.as_view(), name=f"api_registration_step_{step}")
        for step, view in registration_api.STEP_APIS.items()
    ],
    path("registration/submit/", registration_api.RegistrationSubmitApi.as_view(), name="api_registration_submit"),
    path(
        "registration/visa-letter/",
        registration_api.RegistrationVisaLetterApi.as_view(),
        name="api_registration_visa_letter",
    ),
    path("registration/forms/", registration_api.RegistrationQueueApi.as_view(), name="api_registration_queue"),
    path(
        "registration/forms/<int:pk>/",
        registration_api.RegistrationFormDetailApi.as_view(),
        name="api_registration_form_detail",
    ),
    path(
        "registration/forms/<int:pk>/decision/",
        registration_api.RegistrationDecisionApi.as_view(),
        name="api_registration_decision",
    ),
    path(
        "registration/forms/<int:pk>/approve-all/",
        registration_api.RegistrationApproveAllApi.as_view(),
        name="api_registration_approve_all",
    ),
    # Fees: ledger entries and receipts (a student's own; finance everybody's).
    path("fees/ledger/", fees_api.LedgerListApi.as_view(), name="api_fees_ledger"),
    path("fees/receipts/", fees_api.ReceiptListApi.as_view(), name="api_fees_receipts"),
    path("fees/receipts/<int:pk>/pdf/", fees_api.ReceiptPdfApi.as_view(), name="api_fees_receipt_pdf"),
    # Refund requests: the student applies and reads their own; finance decides and records the payout.
    path("fees/refunds/", fees_api.RefundListApi.as_view(), name="api_fees_refunds"),
    path("fees/refunds/<int:pk>/", fees_api.RefundDetailApi.as_view(), name="api_fees_refund_detail"),
    path("fees/refunds/<int:pk>/decision/", fees_api.RefundDecisionApi.as_view(), name="api_fees_refund_decision"),
    path("fees/refunds/<int:pk>/paid/", fees_api.RefundPaidApi.as_view(), name="api_fees_refund_paid"),
    path(
        "residence/students/<str:student_id>/records/",
        residence_api.StudentRecordsApi.as_view(),
        name="api_residence_records",
    ),
    path("residence/obligations/", residence_api.ObligationListApi.as_view(), name="api_residence_obligations"),
    # Academics: results and GPA (a student's own, read-only; school staff their school's), transcript requests.
    path("academics/results/", academics_api.ResultListApi.as_view(), name="api_academics_results"),
    path(
        "academics/students/<str:student_id>/gpa/",
        academics_api.StudentGpaApi.as_view(),
        name="api_academics_student_gpa",
    ),
    path("academics/transcripts/", academics_api.TranscriptRequestApi.as_view(), name="api_academics_transcripts"),
    path(
        "academics/exam-applications/",
        academics_api.ExamApplicationListApi.as_view(),
        name="api_academics_exam_applications",
    ),
    path(
        "academics/exam-applications/<int:pk>/",
        academics_api.ExamApplicationDetailApi.as_view(),
        name="api_academics_exam_application_detail",
    ),
    path(
        "academics/exam-applications/<int:pk>/withdraw/",
        academics_api.ExamApplicationWithdrawApi.as_view(),
        name="api_academics_exam_application_withdraw",
    ),
    path(
        "academics/exam-applications/<int:pk>/decision/",
        academics_api.ExamApplicationDecisionApi.as_view(),
        name="api_academics_exam_application_decision",
    ),
    # Academics: progress, graduation check and academic warnings (a student their own; staff decide on flags).
    path(
        "academics/students/<str:student_id>/progress/",
        academics_api.StudentProgressApi.as_view(),
        name="api_academics_student_progress",
    ),
    path(
        "academics/students/<str:student_id>/warnings/",
        academics_api.StudentAcademicWarningListApi.as_view(),
        name="api_academics_student_warnings",
    ),
    path(
        "academics/warnings/<int:pk>/", academics_api.AcademicWarningDetailApi.as_view(), name="api_academics_warning"
    ),
    path("academics/flags/", academics_api.AcademicFlagListApi.as_view(), name="api_academics_flags"),
    path(
        "academics/flags/decisions/",
        academics_api.AcademicDecisionCreateApi.as_view(),
        name="api_academics_flag_decisions",
    ),
]
