from django.urls import path

from academics.views import applications, catalogue
from academics.views import progress as progress_views
from academics.views import results as views

urlpatterns = [
    path("academics/results/", views.my_results, name="academics_my_results"),
    path("academics/results/transcript/", views.my_transcript, name="academics_my_transcript"),
    path("academics/applications/", applications.my_applications, name="academics_my_exam_applications"),
    path("academics/exams/<int:pk>/apply/", applications.exam_apply, name="academics_exam_apply"),
    path(
        "academics/applications/<int:pk>/",
        applications.exam_application_detail,
        name="academics_exam_application_detail",
    ),
    path(
        "academics/applications/<int:pk>/withdraw/",
        applications.exam_application_withdraw,
        name="academics_exam_application_withdraw",
    ),
    path(
        "staff/academics/applications/",
        applications.exam_application_queue,
        name="academics_exam_application_queue",
    ),
    path(
        "staff/academics/applications/<int:pk>/",
        applications.exam_application_review,
        name="academics_exam_application_review",
    ),
    path("staff/academics/", views.offering_list, name="academics_offering_list"),
    path("staff/academics/offerings/<int:pk>/", views.offering_grid, name="academics_offering_grid"),
    path("staff/academics/offerings/new/", catalogue.offering_edit, name="academics_offering_new"),
    path("staff/academics/offerings/<int:pk>/edit/", catalogue.offering_edit, name="academics_offering_edit"),
    path("staff/academics/courses/", catalogue.course_list, name="academics_course_list"),
    path("staff/academics/courses/new/", catalogue.course_edit, name="academics_course_new"),
    path("staff/academics/courses/<int:pk>/", catalogue.course_edit, name="academics_course_edit"),
    path("staff/academics/offerings/<int:pk>/enrol/", views.offering_enrol, name="academics_offering_enrol"),
    path("staff/academics/offerings/<int:pk>/upload/", views.offering_upload, name="academics_offering_upload"),
    path("staff/academics/results/<int:pk>/correction/", views.result_correction, name="academics_result_correction"),
    path("staff/academics/corrections/", views.correction_queue, name="academics_correction_queue"),
    path("staff/academics/corrections/<int:pk>/", views.correction_decide, name="academics_correction_decide"),
    path("staff/academics/students/<str:student_id>/", views.student_record, name="academics_student_record"),
    path(
        "staff/academics/students/<str:student_id>/transcript/",
        views.student_transcript,
        name="academics_student_transcript",
    ),
    path("staff/academics/warnings/", views.credit_warnings, name="academics_credit_warnings"),
    path("academics/progress/", progress_views.my_progress, name="academics_my_progress"),
    path(
        "staff/academics/students/<str:student_id>/progress/",
        progress_views.student_progress,
        name="academics_student_progress",
    ),
    path("staff/academics/academic-warnings/", progress_views.academic_flag_list, name="academics_flag_list"),
    path("staff/academics/transcripts/", views.transcript_batch, name="academics_transcript_batch"),
]
