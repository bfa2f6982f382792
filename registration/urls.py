from django.urls import path

from registration.views import desk, semesters, staff, student

urlpatterns = [
    path("registration/", student.registration_overview, name="registration_overview"),
    path("registration/step/<slug:step>/", student.registration_step, name="registration_step"),
    path("registration/submit/", student.registration_submit, name="registration_submit"),
    path("registration/visa-letter/", student.registration_visa_letter, name="registration_visa_letter"),
    path("staff/registration/", staff.registration_queue, name="registration_queue"),
    path("staff/registration/semesters/", semesters.semester_list, name="registration_semester_list"),
    path("staff/registration/semesters/new/", semesters.semester_edit, name="registration_semester_new"),
    path("staff/registration/semesters/<int:pk>/", semesters.semester_edit, name="registration_semester_edit"),
    path("staff/registration/counts/", staff.registration_counts, name="registration_counts"),
    path("staff/registration/desk/", desk.registration_desk, name="registration_desk"),
    path("staff/registration/desk/register/", desk.registration_desk_register, name="registration_desk_register"),
    path("staff/registration/<int:pk>/", staff.registration_review, name="registration_review"),
    path("staff/registration/<int:pk>/approve/", staff.registration_approve_all, name="registration_approve_all"),
]

# Deferred registration: leave of registration and the two-week list (registration.views.deferral).
from registration.views import deferral  # noqa: E402

urlpatterns += [
    path("registration/leave/", deferral.registration_leave, name="registration_leave"),
    path("registration/leave/<int:pk>/", deferral.registration_leave_detail, name="registration_leave_detail"),
    path("registration/leave/<int:pk>/cancel/", deferral.registration_leave_cancel, name="registration_leave_cancel"),
    path("staff/registration/leaves/", deferral.registration_leave_queue, name="registration_leave_queue"),
    path("staff/registration/leaves/<int:pk>/", deferral.registration_leave_review, name="registration_leave_review"),
    path("staff/registration/two-week-list/", deferral.registration_two_week_list, name="registration_two_week_list"),
    path(
        "staff/registration/two-week-list/<int:pk>/",
        deferral.registration_listing_decide,
        name="registration_listing_decide",
    ),
]

# Leaving the university: the clearance checklist and the Leaving School Form (registration.views.clearance).
from registration.api import clearance as clearance_api  # noqa: E402
from registration.views import clearance  # noqa: E402

urlpatterns += [
    path("leaving/", clearance.clearance_mine, name="clearance_mine"),
    path("leaving/library/", clearance.clearance_library_online, name="clearance_library_online"),
    path("leaving/form/", clearance.leaving_form_print, name="leaving_form_print"),
    path("verify/leaving/<str:number>/", clearance.clearance_verify, name="clearance_verify"),
    path("staff/leaving/", clearance.clearance_queue, name="clearance_queue"),
    path("staff/leaving/all/", clearance.clearance_list, name="clearance_list"),
    path("staff/leaving/overdue/", clearance.clearance_overdue, name="clearance_overdue"),
    path("staff/leaving/new/", clearance.clearance_open, name="clearance_open"),
    path("staff/leaving/windows/", clearance.clearance_windows, name="clearance_windows"),
    path("staff/leaving/print/", clearance.leaving_form_batch, name="leaving_form_batch"),
    path("staff/leaving/<int:pk>/", clearance.clearance_detail, name="clearance_detail"),
    path("staff/leaving/items/<int:pk>/sign/", clearance.clearance_item_sign, name="clearance_item_sign"),
    path("staff/leaving/items/<int:pk>/needs/", clearance.clearance_item_needs, name="clearance_item_needs"),
    path("api/leaving/", clearance_api.ClearanceMineApi.as_view(), name="api_clearance_mine"),
    path("api/leaving/form/", clearance_api.LeavingFormApi.as_view(), name="api_leaving_form"),
    path("api/leaving/items/<int:pk>/sign/", clearance_api.ClearanceItemSignApi.as_view(), name="api_clearance_sign"),
]

# Student status: leave of absence, suspension, resumption, withdrawal (registration.views.status).
from registration.views import status  # noqa: E402

urlpatterns += [
    path("status/", status.status_mine, name="status_mine"),
    path("status/<int:pk>/proof/", status.status_proof, name="status_proof"),
    path("staff/status/", status.status_queue, name="status_queue"),
    path("staff/status/emergency/", status.status_emergency, name="status_emergency"),
    path("staff/status/decisions/", status.status_withdrawal, name="status_withdrawal"),
    path("staff/status/decisions/keep/", status.status_flag_keep, name="status_flag_keep"),
    path("staff/status/<int:pk>/", status.status_decide, name="status_decide"),
    path("staff/status/students/<str:student_id>/", status.status_timeline, name="status_timeline"),
]

# Attendance (registration.views.attendance): absences recorded by the schools, flags for the decision list.
from registration.views import attendance  # noqa: E402

urlpatterns += [
    path("staff/status/attendance/", attendance.attendance_list, name="attendance_list"),
    path("staff/status/attendance/<str:student_id>/", attendance.attendance_student, name="attendance_student"),
    path("staff/status/absences/<int:pk>/withdraw/", attendance.attendance_withdraw, name="attendance_withdraw"),
]

from registration.api import status as status_api  # noqa: E402

urlpatterns += [
    path("api/status/", status_api.StatusMineApi.as_view(), name="api_status_mine"),
    path("api/status/<int:pk>/decision/", status_api.StatusDecisionApi.as_view(), name="api_status_decision"),
]

from registration.api import attendance as attendance_api  # noqa: E402

urlpatterns += [
    path("api/status/absences/", attendance_api.AbsenceListApi.as_view(), name="api_absences"),
    path(
        "api/status/absences/<int:pk>/withdraw/",
        attendance_api.AbsenceWithdrawApi.as_view(),
        name="api_absence_withdraw",
    ),
]
