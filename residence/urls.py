from django.urls import path

from residence import views

urlpatterns = [
    path("residence/", views.residence_overview, name="residence_overview"),
    path("residence/update/<slug:kind>/", views.residence_update, name="residence_update"),
    path("residence/passport-lost/", views.residence_passport_lost, name="residence_passport_lost"),
    path("residence/letters/", views.residence_letters, name="residence_letters"),
    path("residence/letters/<int:pk>/pdf/", views.residence_letter_pdf, name="residence_letter_pdf"),
    path("staff/residence/letters/", views.residence_letter_queue, name="residence_letter_queue"),
    path("staff/residence/letters/<int:pk>/decide/", views.residence_letter_decide, name="residence_letter_decide"),
    path("staff/residence/", views.residence_board, name="residence_board"),
    path("staff/residence/students/<str:student_id>/", views.residence_student, name="residence_student"),
    path(
        "staff/residence/records/<slug:kind>/<int:pk>/decide/",
        views.residence_record_decide,
        name="residence_record_decide",
    ),
]
