from django.urls import path

from fees.views import finance, refunds, student

urlpatterns = [
    path("fees/", student.my_account, name="fees_my_account"),
    path("fees/remittance/", student.remittance_new, name="fees_remittance_new"),
    path("fees/receipts/<int:pk>/pdf/", student.receipt_pdf, name="fees_receipt_pdf"),
    path("fees/refunds/", refunds.refund_list, name="fees_refund_list"),
    path("fees/refunds/new/", refunds.refund_new, name="fees_refund_new"),
    path("fees/refunds/<int:pk>/", refunds.refund_detail, name="fees_refund_detail"),
    path("staff/fees/", finance.finance_home, name="fees_finance_home"),
    path("staff/fees/students/<str:student_id>/", finance.student_account, name="fees_student_account"),
    path("staff/fees/students/<str:student_id>/charge/", finance.charge_add, name="fees_charge_add"),
    path("staff/fees/students/<str:student_id>/payment/", finance.payment_add, name="fees_payment_add"),
    path(
        "staff/fees/students/<str:student_id>/suspension-credit/",
        finance.suspension_credit_add,
        name="fees_suspension_credit_add",
    ),
    path("staff/fees/students/<str:student_id>/internship/", finance.internship_fee_add, name="fees_internship_add"),
    path("staff/fees/entries/<int:pk>/reverse/", finance.entry_reverse, name="fees_entry_reverse"),
    path("staff/fees/billing/", finance.billing, name="fees_billing"),
    path("staff/fees/import/", finance.statement_import, name="fees_statement_import"),
    path("staff/fees/remittances/", finance.remittance_queue, name="fees_remittance_queue"),
    path("staff/fees/remittances/<int:pk>/", finance.remittance_decide, name="fees_remittance_decide"),
    path("staff/fees/e-receipts/", finance.ereceipt_queue, name="fees_ereceipt_queue"),
    path("staff/fees/e-receipts/<int:pk>/", finance.ereceipt_decide, name="fees_ereceipt_decide"),
    path("staff/fees/unpaid/", finance.unpaid_list, name="fees_unpaid_list"),
    path("staff/fees/refunds/", refunds.refund_queue, name="fees_refund_queue"),
    path("staff/fees/refunds/<int:pk>/", refunds.refund_decide, name="fees_refund_decide"),
    path("staff/fees/refunds/<int:pk>/paid/", refunds.refund_mark_paid, name="fees_refund_mark_paid"),
    path("staff/fees/refund-calculator/", finance.refund_calculator, name="fees_refund_calculator"),
]
