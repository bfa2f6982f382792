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
