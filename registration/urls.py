from django.urls import path

from registration.views import staff, student

urlpatterns = [
    path("registration/", student.registration_overview, name="registration_overview"),
    path("registration/step/<slug:step>/", student.registration_step, name="registration_step"),
    path("registration/submit/", student.registration_submit, name="registration_submit"),
    path("registration/visa-letter/", student.registration_visa_letter, name="registration_visa_letter"),
    path("staff/registration/", staff.registration_queue, name="registration_queue"),
    path("staff/registration/<int:pk>/", staff.registration_review, name="registration_review"),
    path("staff/registration/<int:pk>/approve/", staff.registration_approve_all, name="registration_approve_all"),
]
